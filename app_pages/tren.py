"""Tren & Tenggat: are we on track for each deadline?"""

import streamlit as st

from pdm_metrics import pace
from pdm_metrics.fmt import format_date
from pdm_metrics.plain import md
from ui import cache, phone, sidebar, widgets

st.title("Tren & Tenggat")
if widgets.empty_state():
    st.stop()
filters = sidebar.current_filters()
names = cache.sidebar_choices().unit_names
compare = st.selectbox(
    "Bandingkan dengan satu OPD (garis putus-putus)",
    [None, *widgets.unit_choices(names, "compare_opd", [st.session_state.get("compare_opd")])],
    format_func=lambda k: "Tanpa pembanding" if k is None else names[k],
    key="compare_opd",
)
trend = cache.trend(cache.calendar(), filters, compare)
phone.chart(trend.figure, widgets.plotly_config())
for note in trend.notes:
    st.info(md(note), icon=":material/info:")
calendar = cache.calendar()
phases = "; ".join(f"{md(p.name)} {format_date(p.start)} – {format_date(p.end)}" for p in calendar.phases)
daily = [s for s in calendar.campaign.stages if s.date_aliases]
curves = "".join(f" Garis titik-titik: {md(s.word)} kumulatif per hari menurut tanggal {md(s.word)}." for s in daily)
st.caption(f"Fase menurut {md(calendar.campaign.source)}: {phases}.{curves}")
laju = cache.pace_view(cache.calendar(), filters)
st.subheader("Laju & proyeksi")
if laju is None or laju.rows == 0:
    st.info("Laju membutuhkan sedikitnya dua snapshot.")
else:
    st.caption(
        f"Per {format_date(laju.day)}: laju dari snapshot {pace.PACE_WINDOW_DAYS} hari terakhir; "
        "proyeksi = persentase pada tenggat bila laju ini berlanjut. "
        "Garis titik-titik pada grafik menunjukkan proyeksi keseluruhan."
    )
    phone.table(
        laju.shown,
        ["OPD", "Tahap", "Status", "Proyeksi saat tenggat"],
        "laju",
        rows=laju.rows,
        column_config={pace.RATE_NUMBER: None},
    )
    widgets.download_buttons(
        laju.download,
        f"{calendar.campaign.key}_laju-proyeksi_{laju.day.isoformat()}",
        f"Laju dan proyeksi {calendar.campaign.short_name}",
        f"Snapshot {format_date(laju.day)}",
        "laju",
    )
