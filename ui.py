"""Streamlit glue shared by app.py and the pages: connection, cached views, filters, downloads.

Caching lives here only: the connection is a cache_resource (one per server,
a cursor per query), view results are cache_data keyed by the store's data
version, so an upload shows everywhere at once.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from pdm_metrics import auth, demo, export, store, views
from pdm_metrics.deadlines import Calendar
from pdm_metrics.fmt import format_date, format_int, reading_order

VIEWS: dict[str, Callable[..., Any]] = {
    "snapshot_dates": views.snapshot_dates,
    "has_sample_data": views.has_sample_data,
    "opd_choices": store.opd_choices,
    "overview": views.overview,
    "trend": views.trend,
    "opd_overview": views.opd_overview,
    "opd_detail": views.opd_detail,
    "data_page": views.data_page,
    "calendar_in_force": views.calendar_in_force,
    "calendar_view": views.calendar_view,
    "changes": views.changes,
    "follow_up": views.follow_up,
    "units_in_selection": views.units_in_selection,
    "email_risk": views.email_risk,
    "sanctions": views.sanctions,
    "pace_table": views.pace_table,
    # From the cached pace table, which the Tren page shows too (nationally it takes seconds).
    "at_risk_opd": lambda con, filters: views.at_risk_rows(view("pace_table", filters)[1]),
    "nip_profile": views.nip_profile,
    "report_pdf": views.report_pdf,
}


def db_path() -> Path:
    return Path(os.environ.get("PDM_DB", str(store.DEFAULT_DB_PATH)))


@st.cache_resource(show_spinner="Membuka basis data…")
def connection() -> store.Connection:
    con = store.connect(db_path())
    if store.list_snapshots(con).empty:
        demo.load_sample(con)
    return con


def calendar() -> Calendar:
    """The regulation calendar in force (file plus recorded extensions)."""
    result: Calendar = view("calendar_in_force")
    return result


def data_version() -> int:
    return store.data_version(connection())


@st.cache_data(show_spinner=False, max_entries=256)
def _cached_view(name: str, version: int, args: tuple[Any, ...]) -> Any:
    return VIEWS[name](connection(), *args)


def view(name: str, *args: Any) -> Any:
    """A page's data, computed once per data version and arguments."""
    return _cached_view(name, data_version(), args)


def current_filters() -> views.Filters:
    return st.session_state.get("filters", views.Filters())


def sidebar_filters() -> views.Filters:
    """The shared sidebar: snapshot date, OPD and jenis ASN; choices carry across pages."""
    dates: list[date] = view("snapshot_dates")
    choices = view("opd_choices")
    pending = st.session_state.pop("select_snapshot", None)
    if pending is not None:
        # Set before the widget exists: Streamlit forbids changing a widget's key afterwards.
        st.session_state["snapshot"] = pending if pending in dates else (dates[-1] if dates else None)
    with st.sidebar:
        st.subheader("Pilihan data")
        newest_first = list(reversed(dates))
        chosen = st.selectbox(
            "Tanggal snapshot", newest_first, format_func=format_date, key="snapshot", placeholder="Belum ada data"
        )
        # No "Select all" in these lists: nothing chosen already means all, and Streamlit writes
        # that option in English only.
        instansi = choices.dropna(subset=["instansi_key"]).drop_duplicates("instansi_key")
        chosen_instansi: list[str] = []
        if not instansi.empty:  # national data: choose instansi first, then its OPD
            instansi_names = dict(zip(instansi["instansi_key"], instansi["instansi"], strict=True))
            by_name = sorted(instansi_names, key=lambda k: reading_order(instansi_names[k]))
            chosen_instansi = st.multiselect("Instansi", by_name, format_func=instansi_names.__getitem__,
                                             key="instansi_filter", placeholder="Semua instansi",
                                             select_all=False)  # fmt: skip
        in_scope = choices[choices["instansi_key"].isin(chosen_instansi)] if chosen_instansi else choices
        names = dict(zip(in_scope["opd_key"], in_scope["opd"], strict=True))
        opd_keys = st.multiselect("OPD", list(names), format_func=lambda k: names.get(k, k), key="opd_filter",
                                  placeholder="Semua OPD", select_all=False)  # fmt: skip
        if chosen_instansi and not opd_keys:
            opd_keys = list(names)
        jenis = st.multiselect("Jenis ASN", ["PNS", "PPPK"], key="jenis_filter", placeholder="PNS dan PPPK",
                               select_all=False)  # fmt: skip
    filters = views.Filters(chosen, tuple(opd_keys), tuple(jenis), masked=not current_user().role.sees_personal_data)
    st.session_state["filters"] = filters
    return filters


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download_buttons(
    rows: pd.DataFrame | Callable[[], pd.DataFrame], base_name: str, title: str, subtitle: str, key: str
) -> None:
    """CSV and XLSX of the rows shown (or of what `rows()` returns, e.g. a list the page shows cut short).

    The files are written only when a button is clicked (a callable, run outside the page
    script), and that same moment is what the audit log records; no rerun is needed.
    """
    con, actor = connection(), current_user().username
    source = rows if callable(rows) else lambda: rows
    writers: list[tuple[str, str, str, Callable[[pd.DataFrame], bytes]]] = [
        ("Unduh CSV", "csv", "text/csv", export.to_csv_bytes),
        ("Unduh XLSX", "xlsx", XLSX_MIME, lambda frame: export.to_xlsx_bytes(frame, title, subtitle)),
    ]
    for column, (label, suffix, mime, write) in zip(st.columns(len(writers)), writers, strict=True):
        file_name = f"{base_name}.{suffix}"
        column.download_button(
            label,
            _audited(con, actor, f"{file_name}; {subtitle}", source, write),
            file_name=file_name,
            mime=mime,
            key=f"{key}-{suffix}",
            icon=":material/download:",
            width="stretch",
            on_click="ignore",
        )


def _audited(
    con: store.Connection,
    actor: str,
    what: str,
    source: Callable[[], pd.DataFrame],
    write: Callable[[pd.DataFrame], bytes],
) -> Callable[[], bytes]:
    def produce() -> bytes:
        frame = source()
        data = write(frame)
        store.record_audit(con, actor, "unduh", f"{what} ({format_int(len(frame))} baris)")
        return data

    return produce


def show_roster_table(frame: pd.DataFrame, total: int | None = None) -> None:
    """A roster table: dates as dd/mm/yyyy and missing values blank (not "None"), sorting on real values.

    A browser table of millions of rows helps nobody: the first
    views.SHOWN_ROWS are shown, the download next to it holds every row.
    """
    total = len(frame) if total is None else total
    if total > min(len(frame), views.SHOWN_ROWS):
        frame = frame.head(views.SHOWN_ROWS)
        st.caption(f"Ditampilkan {format_int(len(frame))} baris pertama dari {format_int(total)}; "
                   "unduhan berisi semuanya.")  # fmt: skip
    # Column formats, not a pandas Styler: the styler renders every cell in Python (0,5 s for
    # 5.000 rows on each rerun), the column format is applied by the browser.
    dates = st.column_config.DateColumn("Tanggal Aktivasi", format="DD/MM/YYYY")
    st.dataframe(frame, hide_index=True, width="stretch", column_config={"Tanggal Aktivasi": dates}, placeholder="")


def empty_state() -> bool:
    """Show the 'no data yet' explanation; True when there is nothing to show."""
    if view("snapshot_dates"):
        return False
    st.info("Belum ada snapshot tersimpan. Unggah berkas daftar ASN di halaman **Unggah Snapshot**.")
    return True


def upload_preview(
    files: list[tuple[bytes, str]], snapshot_date: date | None, progress: Callable[[str], None] | None = None
) -> views.UploadPreview:
    """Check uploaded files once per (contents, date); re-running the page reuses the result.
    `progress` hears each step of a check that really runs."""
    key = (tuple((hash(data), name) for data, name in files), snapshot_date)
    cache = st.session_state.setdefault("upload_previews", {})
    if key not in cache:
        cache.clear()  # the previous preview's checked rows are let go before the next are read
        cache[key] = views.upload_preview(connection(), files, snapshot_date, progress)
    preview: views.UploadPreview = cache[key]
    return preview


def commit_upload(preview: views.UploadPreview, replace: bool, skip_invalid: bool) -> store.SavedSnapshot:
    saved = views.commit_upload(connection(), preview, replace, skip_invalid, uploaded_by=current_user().username)
    st.session_state.pop("upload_previews", None)
    st.session_state["select_snapshot"] = saved.snapshot_date
    st.cache_data.clear()
    return saved


def remove_sample_data() -> int:
    removed = views.remove_sample_data(connection(), current_user().username)
    st.cache_data.clear()
    st.session_state["select_snapshot"] = "terbaru"
    return removed


# ----------------------------------------------------------------------------- login and roles


def configured_users() -> dict[str, auth.User]:
    """Users from .streamlit/secrets.toml; none means local mode."""
    try:
        section = st.secrets.get("users")
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return {}
    return auth.users_from_secrets(section)


def oidc_roles() -> dict[str, Any] | None:
    """[oidc_roles] email = "role" when the agency's identity provider is configured ([auth])."""
    try:
        if "auth" not in st.secrets:
            return None
        return dict(st.secrets.get("oidc_roles", {}))
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return None


@st.cache_resource
def login_throttle() -> auth.LoginThrottle:
    return auth.LoginThrottle()


def current_user() -> auth.User:
    user: auth.User = st.session_state.get("user", auth.LOCAL_USER)
    return user


def is_local_mode() -> bool:
    return not configured_users() and oidc_roles() is None


def require_login() -> auth.User:
    """Return the signed-in user; otherwise show only the login screen and stop the script here,
    before any data is read."""
    if is_local_mode():
        return auth.LOCAL_USER
    if "user" in st.session_state:
        return current_user()
    roles = oidc_roles()
    if roles is not None and st.user.is_logged_in:
        email = str(st.user.get("email", ""))
        role = auth.role_for_email(roles, email)
        if role is not None:
            st.session_state["user"] = auth.User(email, str(st.user.get("name", email)), role)
            record("masuk (OIDC)", email)
            st.rerun()
        st.error("Akun ini belum diberi akses ke Pantau PDM. Hubungi admin BKPSDM.")
        st.button("Keluar", on_click=st.logout)
        st.stop()
    _login_form(roles is not None)
    st.stop()


def _login_form(with_oidc: bool) -> None:
    st.title("Masuk ke Pantau PDM")
    st.caption("Dasbor pemantauan PDM MySAPK. Data pribadi ASN dilindungi (UU 27/2022): masuk dengan akun Anda.")
    if with_oidc:
        st.button("Masuk dengan akun instansi", on_click=st.login, type="primary")
    with st.form("login"):
        username = st.text_input("Nama pengguna", autocomplete="username")
        password = st.text_input("Kata sandi", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Masuk", type="primary")
    if submitted:
        user = login_throttle().attempt(configured_users(), username, password)
        if user is None:
            record("gagal masuk", username.strip().lower()[:64], actor="-")
            st.error("Nama pengguna atau kata sandi salah.")
            return
        st.session_state["user"] = user
        record("masuk", user.username, actor=user.username)
        st.rerun()


def logout() -> None:
    record("keluar", current_user().username)
    st.session_state.clear()


def record(action: str, detail: str, actor: str | None = None) -> None:
    """Append to the audit log (who, when, what)."""
    store.record_audit(connection(), actor or current_user().username, action, detail)


def user_panel(user: auth.User) -> None:
    with st.sidebar:
        if is_local_mode():
            st.caption(
                "Mode lokal: dasbor hanya dapat dibuka dari komputer ini (127.0.0.1). Atur pengguna di "
                ".streamlit/secrets.toml untuk dipakai di jaringan kantor."
            )
        else:
            st.caption(f"Masuk sebagai **{user.name}** ({user.role.label})")
            st.button("Keluar", on_click=logout, icon=":material/logout:")


def add_extension(phase_key: str, new_end: date, letter_number: str, letter_date: date, scope: str) -> None:
    views.add_extension(connection(), phase_key, new_end, letter_number, letter_date, scope, current_user().username)
    st.cache_data.clear()


def audit_log() -> pd.DataFrame:
    entries = store.audit_entries(connection())
    return pd.DataFrame(
        {
            "Waktu": [pd.Timestamp(t).strftime("%d/%m/%Y %H:%M:%S") for t in entries["logged_at"]],
            "Pengguna": entries["actor"],
            "Tindakan": entries["action"],
            "Rincian": entries["detail"],
        }
    ).iloc[::-1]


def backup() -> bytes:
    return store.backup_zip(connection(), current_user().username)


def restore(data: bytes) -> int:
    count = store.restore_zip(connection(), data, current_user().username)
    st.cache_data.clear()
    st.session_state["select_snapshot"] = "terbaru"
    return count


def has_instansi() -> bool:
    """Whether any stored snapshot carried an instansi column (national or provincial data)."""
    return bool(view("opd_choices")["instansi_key"].notna().any())
