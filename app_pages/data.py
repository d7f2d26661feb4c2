"""Data & Unduh: the rows behind every number, filtered, to take to a meeting."""

from functools import partial

import streamlit as st

import ui
from pdm_metrics import views
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
    page = ui.view("data_page", filters, status)
    day = page.snapshot_date
    described = f"{filters.description}; aktivasi {chosen[0]}, PDM {chosen[1]}, verifikasi {chosen[2]}"
    st.caption(f"Snapshot {format_date(day)} · {format_int(page.total)} ASN · {described}")
    if page.table.empty:
        st.info("Tidak ada ASN yang cocok dengan pilihan ini.")
    else:
        ui.show_roster_table(page.table, page.total)
        every_row = partial(views.data_rows, ui.connection(), filters, status)  # read only when clicked
        ui.download_buttons(
            every_row,
            f"pantau-pdm_data_{day.isoformat()}",
            f"Data PDM ASN, snapshot {format_date(day)}",
            f"Filter: {described}",
            "data",
        )
