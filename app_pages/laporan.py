"""Laporan PDF: one click gives a printable report for a meeting."""

from datetime import date

import streamlit as st

from pdm_metrics.fmt import format_date
from ui import cache, login, sidebar, widgets

st.title("Laporan PDF")
if not widgets.empty_state():
    filters = sidebar.current_filters()
    st.write(
        "Laporan siap cetak untuk rapat: capaian tiap tahap, grafik perkembangan terhadap tenggat, peringkat OPD, "
        "OPD berisiko dan jumlah tindak lanjut, untuk snapshot dan pilihan di bilah samping."
    )
    if st.button("Buat laporan PDF", type="primary", icon=":material/picture_as_pdf:"):
        with st.spinner("Menyusun laporan…"):
            st.session_state["report"] = cache.report_pdf(filters, date.today())
    if "report" in st.session_state:
        day, pdf = st.session_state["report"]
        file_name = ("contoh_" if cache.showing_sample() else "") + cache.report_name(filters, day)
        st.success(f"Laporan snapshot {format_date(day)} siap.")
        st.download_button(
            "Unduh laporan (PDF)",
            pdf,
            file_name=file_name,
            mime="application/pdf",
            on_click=login.record,
            args=("unduh", file_name),
            icon=":material/download:",
        )
