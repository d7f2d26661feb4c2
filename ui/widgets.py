"""Tables, downloads and the empty state, as every page places them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

import pandas as pd
import streamlit as st
from streamlit.elements.lib.mutable_expander_container import ExpanderContainer
from streamlit.elements.lib.mutable_tab_container import TabContainer

from pdm_metrics import export, store, unit_search
from pdm_metrics.campaign import Stage
from pdm_metrics.deadlines import Calendar
from pdm_metrics.fmt import format_int
from pdm_metrics.plain import md
from pdm_metrics.views import audit
from pdm_metrics.views.common import SHOWN_ROWS, Filters
from ui.address import LINKED_STAGE
from ui.cache import connection, showing_sample, sidebar_choices
from ui.login import current_user

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def lazy_tabs(labels: list[str], key: str) -> Sequence[TabContainer]:
    """Tabs whose hidden ones are not drawn: a tab's content is computed, sent and drawn only
    while it is the one shown (`tab.open`); choosing another tab reruns the page. A heatmap or
    a list nobody opened costs nothing."""
    return st.tabs(labels, key=key, on_change="rerun")


def lazy_expander(label: str, key: str, name: str) -> ExpanderContainer:
    """An expander whose content is computed, sent and drawn only while it is open (`.open`);
    opening it reruns the page. `name` (an OPD's, from a file) tells it apart from its
    neighbours under `key` (lazy_key)."""
    return st.expander(label, key=lazy_key(key, name), on_change="rerun")


def lazy_key(key: str, name: str) -> str:
    """The widget key of `name`'s expander under `key`: hashed, so that no file's text reaches a CSS class."""
    return f"{key}_{hashlib.sha256(name.encode('utf-8')).hexdigest()[:16]}"


def download_buttons(
    rows: pd.DataFrame | Callable[[], pd.DataFrame],
    base_name: str,
    title: str,
    subtitle: str,
    key: str,
    csv: Callable[[], bytes] | None = None,
) -> None:
    """CSV and XLSX of the rows shown (or of what `rows()` returns, e.g. a list the page shows cut short).

    The files are written only when a button is clicked (a callable, run outside the page
    script), and that same moment is what the audit log records; no rerun is needed. `csv`
    writes the CSV itself (Data & Unduh's, by DuckDB) instead of from `rows`.
    """
    con, actor = connection(), current_user().username
    if showing_sample():  # a file made from the sample says so, in its name and its title
        base_name, subtitle = f"contoh_{base_name}", f"DATA CONTOH (sintetis), bukan data ASN sebenarnya; {subtitle}"
    source = rows if callable(rows) else lambda: rows
    writers: list[tuple[str, str, str, Callable[[pd.DataFrame], bytes]]] = [
        ("Unduh CSV", "csv", "text/csv", export.to_csv_bytes),
        ("Unduh XLSX", "xlsx", XLSX_MIME, lambda frame: export.to_xlsx_bytes(frame, title, subtitle)),
    ]
    for column, (label, suffix, mime, write) in zip(st.columns(len(writers)), writers, strict=True):
        file_name = f"{base_name}.{suffix}"
        what = f"{file_name}; {subtitle}"
        column.download_button(
            label,
            audited_csv(con, actor, what, csv)
            if csv and suffix == "csv"
            else audited_download(con, actor, what, source, write),
            file_name=file_name,
            mime=mime,
            key=f"{key}-{suffix}",
            icon=":material/download:",
            width="stretch",
            on_click="ignore",
        )


def audited_download(
    con: store.Connection,
    actor: str,
    what: str,
    source: Callable[[], pd.DataFrame],
    write: Callable[[pd.DataFrame], bytes],
) -> Callable[[], bytes]:
    """The file a download button writes when clicked, with its audit entry at that moment."""

    def produce() -> bytes:
        frame = source()
        data = write(frame)
        audit.record_event(con, actor, "unduh", f"{what} ({format_int(len(frame))} baris)")
        return data

    return produce


def audited_csv(con: store.Connection, actor: str, what: str, write: Callable[[], bytes]) -> Callable[[], bytes]:
    """A CSV written whole by `write` when clicked (one header line, one line per row), audited then."""

    def produce() -> bytes:
        data = write()
        rows = data.count(b"\r\n") - 1
        audit.record_event(con, actor, "unduh", f"{what} ({format_int(rows)} baris)")
        return data

    return produce


def show_roster_table(frame: pd.DataFrame, total: int | None = None) -> None:
    """A roster table: dates as dd/mm/yyyy and missing values blank (not "None"), sorting on real values.

    A browser table of millions of rows helps nobody: the first SHOWN_ROWS are shown, the
    download next to it holds every row.
    """
    total = len(frame) if total is None else total
    if total > min(len(frame), SHOWN_ROWS):
        frame = frame.head(SHOWN_ROWS)
        st.caption(
            f"Ditampilkan {format_int(len(frame))} baris pertama dari {format_int(total)}; unduhan berisi semuanya."
        )
    # Column formats, not a pandas Styler: the styler renders every cell in Python (0,5 s for
    # 5.000 rows on each rerun), the column format is applied by the browser.
    dates = {c: st.column_config.DateColumn(c, format="DD/MM/YYYY") for c in frame.columns if c.startswith("Tanggal ")}
    st.dataframe(frame, hide_index=True, width="stretch", column_config=dates, placeholder="")


def empty_state() -> bool:
    """Show the 'no data yet' explanation; True when there is nothing to show."""
    if sidebar_choices().dates:
        return False
    st.info("Belum ada snapshot tersimpan. Unggah berkas daftar ASN di halaman **Unggah Snapshot**.")
    return True


def plotly_config() -> dict[str, object]:
    """How every chart is drawn: without Plotly's toolbar (English only, and over the title on a
    phone) and with Indonesian number and date formats."""
    return {"displayModeBar": False, "displaylogo": False, "locale": "id"}


def _remember_stage(widget_key: str) -> None:
    st.session_state[LINKED_STAGE] = st.session_state.get(widget_key)


def stage_choice(label: str, calendar: Calendar, filters: Filters, key: str) -> Stage:
    """A segmented control of the campaign's stages that opens on the stage still open on the
    snapshot shown (verification on 20 September 2021). One widget per snapshot date, so that
    another date opens on its own open stage; options by key (a widget compares its options as
    text), the stage looked up after."""
    shown_day = filters.snapshot_date or sidebar_choices().dates[-1]
    campaign, open_stage = calendar.campaign, calendar.open_stage(shown_day)
    keys = [s.key for s in campaign.stages]
    linked = st.session_state.get(LINKED_STAGE)  # named by the address (?tahap=<kunci>) or chosen before
    widget_key = f"{key}-{campaign.key}-{shown_day}"
    chosen = st.segmented_control(
        label,
        keys,
        format_func=lambda stage_key: campaign.stage(stage_key).label,
        default=linked if linked in keys else open_stage.key,
        key=widget_key,
        on_change=_remember_stage,  # before the rerun: the sidebar's address then names it
        args=(widget_key,),
    )
    return campaign.stage(chosen) if chosen else open_stage


def unit_choices(names: Mapping[str, str], key: str, chosen: Iterable[str | None]) -> list[str]:
    """The unit keys a list of units offers (unit_search.unit_options). With more units than one
    list should send to the browser, a search field goes above the list, and a caption says what
    the list holds; the units `chosen` in it stay offered whatever is searched."""
    query = ""
    if len(names) > unit_search.MAX_OFFERED:
        query = st.text_input(unit_search.SEARCH_LABEL, key=f"{key}-cari", placeholder="Ketik sebagian nama OPD")
    options = unit_search.unit_options(names, query, chosen)
    if note := unit_search.search_note(options):
        st.caption(md(note))  # the search's words are the user's: text, not markup
    return options.keys
