"""Data & Unduh: the rows behind every number, filtered, to take to a meeting."""

import streamlit as st

import ui
from pdm_metrics.fmt import format_date, format_int
from pdm_metrics.views import StatusFilter

STATUS_CHOICES = {"Semua": None, "Sudah": True, "Belum": False}

st.title("Data & Unduh")
if not ui.empty_state():
    columns = st.columns(3)
    chosen = [
        column.selectbox(label, list(STATUS_CHOICES), key=f"data_{key}")
        for column, label, key in zip(
            columns, ("Status aktivasi", "Status PDM", "Status verifikasi"), ("act", "pdm", "ver"), strict=True
        )
    ]
    status = StatusFilter(*(STATUS_CHOICES[c] for c in chosen))
    filters = ui.current_filters()
    day, table = ui.view("data_table", filters, status)
    described = f"{filters.description}; aktivasi {chosen[0]}, PDM {chosen[1]}, verifikasi {chosen[2]}"
    st.caption(f"Snapshot {format_date(day)} · {format_int(len(table))} ASN · {described}")
    if table.empty:
        st.info("Tidak ada ASN yang cocok dengan pilihan ini.")
    else:
        ui.show_roster_table(table)
        ui.download_buttons(
            table,
            f"pantau-pdm_data_{day.isoformat()}",
            f"Data PDM ASN, snapshot {format_date(day)}",
            f"Filter: {described}",
            "data",
        )
