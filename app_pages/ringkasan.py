"""Ringkasan: how far are we in each phase, and which OPD lags?"""

from typing import Any

import streamlit as st

from pdm_metrics.fmt import format_date, format_int
from pdm_metrics.pace import Standing
from pdm_metrics.plain import md
from pdm_metrics.views.ringkasan import Overview, bar_label, missing_label
from ui import cache, phone, sidebar, widgets

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
def column_config(overview: Overview) -> dict[str, Any]:
    stages = overview.campaign.stages
    bars = {
        bar_label(s): st.column_config.ProgressColumn(f"{s.label} ▮", min_value=0, max_value=100, format=" ", width=60)
        for s in stages
    }
    texts = {
        "OPD": st.column_config.TextColumn("OPD", width=200),
        **{s.label: st.column_config.TextColumn(s.label, width=100) for s in stages},
        **{
            label: st.column_config.TextColumn(label, width=98)
            for label in ("Jumlah ASN", missing_label(overview.focus))
        },
    }
    return {**texts, **bars}


def table_order(overview: Overview) -> list[str]:
    """The focus stage first, with its people still to chase; then the other stages."""
    focus = overview.focus
    others = [c for s in overview.campaign.stages if s != focus for c in (s.label, bar_label(s))]
    return ["OPD", focus.label, bar_label(focus), missing_label(focus), *others, "Jumlah ASN"]


filters = sidebar.current_filters()
overview = None if widgets.empty_state() else cache.overview(cache.calendar(), filters)
if overview is None:
    st.stop()
focus = overview.focus
orders = {"percentage": f"Persentase {focus.word} terendah", "missing": f"ASN belum {focus.word} terbanyak"}
st.title(f"Ringkasan {md(overview.campaign.short_name)} · {format_date(overview.snapshot_date)}")
since = f" Perubahan dibanding {format_date(overview.previous_date)}." if overview.previous_date else ""
st.caption(
    f"{format_int(overview.population)} ASN ({filters.description}).{since} Sisa hari dihitung dari tanggal snapshot. "
    f"Kampanye: {md(overview.campaign.name)}."
)
for column, kpi in zip(st.columns(len(overview.kpis)), overview.kpis, strict=True):
    with column.container(border=True):
        st.metric(
            kpi.stage.label,
            kpi.rate_text,
            kpi.change_text,
            delta_color="off" if not kpi.change else "normal",
            delta_arrow="off" if not kpi.change else "auto",
            help=f"{kpi.stage.definition} Angka kecil: perubahan dalam poin persentase dibanding snapshot sebelumnya.",
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
        phone.table(
            at_risk,
            ["OPD", "Tahap", "Proyeksi saat tenggat"],
            "berisiko",
            download="unduhan Laju dan proyeksi (halaman Tren & Tenggat)",
        )
config = column_config(overview)
if overview.ranks_apart:  # with 5 OPD or fewer both would list the same OPD: the table below says it all
    low, high = st.columns(2)
    ranked = ["OPD", focus.label, missing_label(focus)]
    with low:
        st.subheader(f"5 OPD terendah ({md(focus.word)})")
        phone.table(overview.lowest, ranked, "terendah", column_config=config)
    with high:
        st.subheader(f"5 OPD tertinggi ({md(focus.word)})")
        phone.table(overview.highest, ranked, "tertinggi", column_config=config)

st.subheader("Semua OPD")
order = st.segmented_control("Urutkan", list(orders), format_func=orders.__getitem__, default="percentage")
phone.table(
    overview.opd_table_by_missing if order == "missing" else overview.opd_table,
    ["OPD", focus.label, missing_label(focus)],
    "semua-opd",
    phone_note="Di ponsel tabel ini memuat tahap yang dipantau; tahap lain ada di layar lebar dan di unduhan.",
    laptop_note="Atau klik judul kolom batang untuk mengurutkan menurut persentase.",
    column_order=table_order(overview),
    column_config=config,
)
widgets.download_buttons(
    overview.download,
    f"{overview.campaign.key}_ringkasan-opd_{overview.snapshot_date.isoformat()}",
    f"Ringkasan {overview.campaign.name} per OPD",
    f"Snapshot {format_date(overview.snapshot_date)}; {filters.description}",
    "ringkasan",
)
