"""Ringkasan: how far are we in each phase, and which OPD lags?"""

import streamlit as st

from pdm_metrics.fmt import format_date, format_int
from pdm_metrics.pace import Standing
from pdm_metrics.plain import md
from ui import cache, sidebar, widgets

STANDING_COLORS = {
    Standing.MET: "green",
    Standing.MISSED: "red",
    Standing.ON_TRACK: "blue",
    Standing.AT_RISK: "orange",
    Standing.UNMEASURED: "violet",
    Standing.UNAVAILABLE: "gray",
}

# Fixed widths, so that every column fits beside the sidebar at 1366 px; each percentage stands
# next to the OPD name, so a phone shows it without scrolling sideways.
BAR_COLUMNS = {
    f"{label} (bar)": st.column_config.ProgressColumn(f"{label} ▮", min_value=0, max_value=100, format=" ", width=60)
    for label in ("Aktivasi", "PDM", "Verifikasi")
}
TEXT_COLUMNS = {
    "OPD": st.column_config.TextColumn("OPD", width=200),
    **{label: st.column_config.TextColumn(label, width=100) for label in ("Aktivasi", "PDM", "Verifikasi")},
    **{label: st.column_config.TextColumn(label, width=98) for label in ("Jumlah ASN", "Belum aktivasi")},
}
TABLE_ORDER = [
    "OPD",
    "Aktivasi",
    "Aktivasi (bar)",
    "Belum aktivasi",
    "PDM",
    "PDM (bar)",
    "Verifikasi",
    "Verifikasi (bar)",
    "Jumlah ASN",
]
ORDERS = {"percentage": "Persentase aktivasi terendah", "missing": "ASN belum aktivasi terbanyak"}

filters = sidebar.current_filters()
overview = None if widgets.empty_state() else cache.overview(cache.calendar(), filters)
if overview is None:
    st.stop()
st.title(f"Ringkasan PDM · {format_date(overview.snapshot_date)}")
since = f" Perubahan dibanding {format_date(overview.previous_date)}." if overview.previous_date else ""
st.caption(
    f"{format_int(overview.population)} ASN ({filters.description}).{since} Sisa hari dihitung dari tanggal snapshot."
)
for column, kpi in zip(st.columns(3), overview.kpis, strict=True):
    with column.container(border=True):
        st.metric(
            kpi.metric.label,
            kpi.rate_text,
            kpi.change_text,
            delta_color="off" if not kpi.change else "normal",
            delta_arrow="off" if not kpi.change else "auto",
            help=f"{kpi.metric.definition} Angka kecil: perubahan dalam poin persentase dibanding snapshot sebelumnya.",
            chart_data=kpi.history or None,
            chart_type="area",
        )
        st.markdown(f"**{kpi.count_text}**  \n{md(kpi.deadline_text)}")  # the count: our own figures
        standing = kpi.verdict.standing
        if standing is not Standing.UNAVAILABLE:  # the count above already says the column is absent
            st.markdown(f":{STANDING_COLORS[standing]}-badge[{standing}] {md(kpi.verdict.text)}")
for note in overview.notes:
    st.info(md(note), icon=":material/info:")

at_risk = cache.at_risk_opd(filters)
if not at_risk.empty:
    with st.expander(f"⚠ {format_int(len(at_risk))} OPD/tahap berisiko tidak mencapai 100% pada tenggat"):
        st.dataframe(at_risk, hide_index=True, width="stretch")
low, high = st.columns(2)
low.subheader("5 OPD terendah (aktivasi)")
low.dataframe(overview.lowest, hide_index=True, width="stretch", column_config=TEXT_COLUMNS)
high.subheader("5 OPD tertinggi (aktivasi)")
high.dataframe(overview.highest, hide_index=True, width="stretch", column_config=TEXT_COLUMNS)

st.subheader("Semua OPD")
order = st.segmented_control("Urutkan", list(ORDERS), format_func=ORDERS.__getitem__, default="percentage")
st.caption("Atau klik judul kolom batang untuk mengurutkan menurut persentase.")
st.dataframe(
    overview.opd_table_by_missing if order == "missing" else overview.opd_table,
    hide_index=True,
    width="stretch",
    column_order=TABLE_ORDER,
    column_config={**TEXT_COLUMNS, **BAR_COLUMNS},
)
widgets.download_buttons(
    overview.download,
    f"pantau-pdm_ringkasan-opd_{overview.snapshot_date.isoformat()}",
    "Ringkasan PDM per OPD",
    f"Snapshot {format_date(overview.snapshot_date)}; {filters.description}",
    "ringkasan",
)
