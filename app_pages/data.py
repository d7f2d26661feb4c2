"""Data & Unduh: the rows behind every number, filtered, to take to a meeting."""

from functools import partial

import streamlit as st

from pdm_metrics.fmt import format_date, format_int
from pdm_metrics.plain import md
from pdm_metrics.views import data
from ui import cache, sidebar, widgets

STATUS_CHOICES = {"Semua": None, "Sudah": True, "Belum": False}

st.title("Data & Unduh")
if not widgets.empty_state():
    campaign = cache.current_campaign()
    stages = campaign.stages
    chosen = [
        column.selectbox(f"Status {s.label}", list(STATUS_CHOICES), key=f"data_{campaign.key}_{s.key}")
        for column, s in zip(st.columns(len(stages)), stages, strict=True)
    ]
    picked = tuple(
        (s.key, done) for s, c in zip(stages, chosen, strict=True) if (done := STATUS_CHOICES[c]) is not None
    )
    status = data.StatusFilter(picked)
    filters = sidebar.current_filters()
    page = cache.data_page(filters, status)
    day = page.snapshot_date
    statuses = ", ".join(f"{s.word} {c}" for s, c in zip(stages, chosen, strict=True))
    described = f"{page.units or filters.description}; {statuses}"
    if day is not None:
        st.caption(f"Snapshot {format_date(day)} · {format_int(page.total)} ASN · {md(described)}")
    if day is None or page.table.empty:
        st.info("Tidak ada ASN yang cocok dengan pilihan ini.")
    else:
        widgets.show_roster_table(page.table, page.total)
        every_row = partial(data.data_rows, cache.shown_connection(), filters, status)  # read only when clicked
        widgets.download_buttons(
            every_row,
            "_".join(filter(None, [f"{campaign.key}_data", day.isoformat(), page.units_slug])),
            f"Data ASN {campaign.short_name}, snapshot {format_date(day)}" + (f" · {page.units}" if page.units else ""),
            f"Filter: {described}",
            "data",
            csv=partial(data.data_csv, cache.shown_connection(), filters, status),
        )
