"""Pantau PDM: login gate, navigation by role in sections, the shared sidebar and the sample-data banner."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from pdm_metrics import auth
from ui import cache, failures, login, phone, sidebar

# The favicon is a file of the repository: a Material icon would be fetched from a font host,
# which an office network without internet cannot reach.
FAVICON = Path(__file__).parent / "assets" / "favicon.png"
# Pages the sidebar's data choices do not apply to: they show none.
WITHOUT_FILTERS = {
    "Unggah Snapshot", "Peta Unit Kerja", "Kampanye", "Kalender Regulasi", "Catatan Audit", "Cadangan",
}  # fmt: skip


def navigation(user: auth.User) -> dict[str, list[st.Page]]:
    """The pages this user's role may open, in their sections."""
    pages: dict[str, list[st.Page]] = {
        "Pantau": [
            st.Page("app_pages/ringkasan.py", title="Ringkasan", icon=":material/dashboard:", default=True),
            st.Page("app_pages/tren.py", title="Tren & Tenggat", icon=":material/show_chart:"),
            st.Page("app_pages/opd.py", title="OPD", icon=":material/apartment:"),
            st.Page("app_pages/perubahan.py", title="Perubahan", icon=":material/compare_arrows:"),
            st.Page("app_pages/profil.py", title="Profil NIP", icon=":material/groups:"),
        ],
        "Tindak lanjut": [
            st.Page("app_pages/tindak_lanjut.py", title="Tindak Lanjut", icon=":material/campaign:"),
            st.Page("app_pages/laporan.py", title="Laporan PDF", icon=":material/picture_as_pdf:"),
        ],
        "Data": [st.Page("app_pages/data.py", title="Data & Unduh", icon=":material/table_view:")],
    }
    if user.role.can_upload:
        pages["Data"].insert(0, st.Page("app_pages/unggah.py", title="Unggah Snapshot", icon=":material/upload_file:"))
        pages["Data"].insert(
            1, st.Page("app_pages/peta_unit.py", title="Peta Unit Kerja", icon=":material/account_tree:")
        )
        pages["Data"].append(st.Page("app_pages/kampanye.py", title="Kampanye", icon=":material/flag:"))
    pages["Data"].append(st.Page("app_pages/kalender.py", title="Kalender Regulasi", icon=":material/event:"))
    if user.role.is_admin:
        pages["Admin"] = [
            st.Page("app_pages/audit.py", title="Catatan Audit", icon=":material/policy:"),
            st.Page("app_pages/cadangan.py", title="Cadangan", icon=":material/backup:"),
        ]
    return pages


def run() -> None:
    cache.begin_run()
    phone.width_rules()
    user = login.require_login()  # nothing below runs (and no data is read) before login
    page = st.navigation(navigation(user), position="top", expanded=True)
    if page.title not in WITHOUT_FILTERS:
        sidebar.sidebar_filters()
    login.user_panel(user)
    if cache.showing_sample():
        if cache.has_real_data():
            where_next = "Matikan **Lihat data contoh** di bilah samping untuk kembali ke data asli."
        elif user.role.can_upload:
            where_next = "Unggah snapshot asli di halaman Unggah Snapshot: sejak itu hanya data asli yang tampil."
        else:
            where_next = "Data asli tampil setelah operator mengunggah snapshot pertama."
        st.warning(
            f"Yang tampil adalah **data contoh** (sintetis), bukan data ASN sebenarnya. {where_next}",
            icon=":material/science:",
        )
    page.run()


st.set_page_config(page_title="Pantau PDM", page_icon=str(FAVICON), layout="wide")
with failures.shown_as_message():
    run()
