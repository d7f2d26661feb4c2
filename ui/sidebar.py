"""The shared sidebar: snapshot date, instansi, OPD and jenis ASN; choices carry across pages."""

from __future__ import annotations

from datetime import date

import streamlit as st

from pdm_metrics.fmt import format_date, reading_order
from pdm_metrics.views.common import Filters, unit_names
from ui.address import seed_from_address, write_address
from ui.cache import CAMPAIGN_CHOICE, SHOW_SAMPLE, campaign_choices, current_campaign, has_real_data, sidebar_choices
from ui.login import current_user
from ui.widgets import unit_choices

# Set by an action that changes the snapshots, read before the date picker exists: Streamlit
# forbids changing a widget's value once it is drawn.
PENDING_SNAPSHOT = "select_snapshot"
PENDING_CAMPAIGN = "select_campaign"
LATEST = "latest"
# Set by an upload: the sample toggle goes off before it is drawn, so the new real data show.
PENDING_REAL_DATA = "show_real_data"


def select_snapshot(day: date | None, campaign_key: str | None = None) -> None:
    """Show `day` on the next run (None: the latest snapshot), of `campaign_key` if given."""
    st.session_state[PENDING_SNAPSHOT] = day if day is not None else LATEST
    if campaign_key is not None:
        st.session_state[PENDING_CAMPAIGN] = campaign_key


def show_real_data() -> None:
    """Show the real data on the next run (after the first real upload)."""
    st.session_state[PENDING_REAL_DATA] = True


# The sidebar's widgets, whose choices carry across pages, and where they are remembered:
# Streamlit forgets a widget's value after a run that does not draw it (a page without filters).
CHOICE_KEYS = (CAMPAIGN_CHOICE, "snapshot", "instansi_filter", "opd_filter", "jenis_filter", SHOW_SAMPLE)
REMEMBERED = "sidebar_choices"


def _restore_choices() -> None:
    """Before the widgets are drawn: the choices they had when last drawn, where Streamlit forgot them."""
    for key, value in st.session_state.get(REMEMBERED, {}).items():
        if key not in st.session_state:
            st.session_state[key] = value


def _remember_choices() -> None:
    st.session_state[REMEMBERED] = {key: st.session_state[key] for key in CHOICE_KEYS if key in st.session_state}


def current_filters() -> Filters:
    filters: Filters = st.session_state.get("filters", Filters())
    return filters


def sidebar_filters() -> Filters:
    if st.session_state.pop(PENDING_REAL_DATA, False):
        st.session_state[SHOW_SAMPLE] = False
    _restore_choices()
    seed_from_address()
    if (pending_campaign := st.session_state.pop(PENDING_CAMPAIGN, None)) is not None:
        st.session_state[CAMPAIGN_CHOICE] = pending_campaign
    campaigns = campaign_choices()
    with st.sidebar:
        if len(campaigns) > 1:
            names = {c.key: c.name for c in campaigns}
            if st.session_state.get(CAMPAIGN_CHOICE) not in names:
                st.session_state[CAMPAIGN_CHOICE] = campaigns[0].key
            st.selectbox(
                "Kampanye",
                list(names),
                format_func=names.__getitem__,
                key=CAMPAIGN_CHOICE,
                on_change=select_snapshot,
                args=(None,),
                help="Setiap halaman, tenggat, laporan dan unduhan mengikuti kampanye ini.",
            )
    choices = sidebar_choices()
    dates = choices.dates
    pending = st.session_state.pop(PENDING_SNAPSHOT, None)
    if pending is not None:
        st.session_state["snapshot"] = pending if pending in dates else (dates[-1] if dates else None)
    with st.sidebar:
        st.subheader("Pilihan data")
        chosen = st.selectbox(
            "Tanggal snapshot", dates[::-1], format_func=format_date, key="snapshot", placeholder="Belum ada data"
        )
        # No "Select all" in these lists: nothing chosen already means all, and Streamlit writes
        # that option in English only.
        units = choices.units
        chosen_instansi: list[str] = []
        if choices.has_instansi:  # national data: choose instansi first, then its OPD
            instansi = units.dropna(subset=["instansi_key"]).drop_duplicates("instansi_key")
            instansi_names = dict(zip(instansi["instansi_key"].tolist(), instansi["instansi"].tolist(), strict=True))
            by_name = sorted(instansi_names, key=lambda k: reading_order(instansi_names[k]))
            chosen_instansi = st.multiselect(
                "Instansi",
                by_name,
                format_func=instansi_names.__getitem__,
                key="instansi_filter",
                placeholder="Semua instansi",
                select_all=False,
            )
        in_scope = units[units["instansi_key"].isin(chosen_instansi)] if chosen_instansi else None
        names = choices.unit_names if in_scope is None else unit_names(in_scope)
        opd_keys = st.multiselect(
            "OPD",
            unit_choices(names, "opd_filter", st.session_state.get("opd_filter", [])),
            format_func=lambda k: names.get(k, k),
            key="opd_filter",
            placeholder="Semua OPD",
            select_all=False,
        )
        if chosen_instansi and not opd_keys:
            opd_keys = list(names)
        jenis = st.multiselect(
            "Jenis ASN", ["PNS", "PPPK"], key="jenis_filter", placeholder="PNS dan PPPK", select_all=False
        )
        if has_real_data():
            # Deliberately, and never mixed: the whole dashboard switches to the sample's own file.
            st.toggle(
                "Lihat data contoh",
                key=SHOW_SAMPLE,
                on_change=select_snapshot,
                args=(None,),
                help="Data sintetis untuk mencoba dasbor; tidak pernah bercampur dengan data asli.",
            )
    masked = not current_user().role.sees_personal_data
    filters = Filters(chosen, tuple(opd_keys), tuple(jenis), masked=masked, campaign=current_campaign())
    st.session_state["filters"] = filters
    _remember_choices()
    write_address(filters, len(campaigns) > 1)
    return filters
