"""Laporan PDF: one click gives a printable report for a meeting."""

from datetime import date

import streamlit as st

import ui
from pdm_metrics.fmt import format_date

st.title("Laporan PDF")
if not ui.empty_state():
    filters = ui.current_filters()
    st.write(
        "Laporan siap cetak untuk rapat: capaian tiap tahap, grafik perkembangan terhadap tenggat, peringkat OPD, "
        "OPD berisiko dan jumlah tindak lanjut, untuk snapshot dan pilihan di bilah samping."
    )
    if st.button("Buat laporan PDF", type="primary", icon=":material/picture_as_pdf:"):
        with st.spinner("Menyusun laporan…"):
            day, pdf = ui.view("report_pdf", filters, date.today())
        st.session_state["report"] = (day, pdf)
    if "report" in st.session_state:
        day, pdf = st.session_state["report"]
        st.success(f"Laporan snapshot {format_date(day)} siap.")
        st.download_button(
            "Unduh laporan (PDF)", pdf, file_name=f"laporan-pdm_{day.isoformat()}.pdf", mime="application/pdf",
            on_click=ui.record, args=("unduh", f"laporan-pdm_{day.isoformat()}.pdf"), icon=":material/download:",
        )  # fmt: skip
