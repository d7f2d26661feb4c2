"""OPD: which OPD lags, and who in it still has to act?"""

import streamlit as st

from pdm_metrics.fmt import format_date, format_int
from pdm_metrics.metrics import Metric
from pdm_metrics.plain import md
from ui import cache, sidebar, widgets

LEVEL_LABELS = {"instansi": "Instansi", "opd": "OPD"}
MISSING_LABELS = {Metric.ACTIVATION: "Belum aktivasi", Metric.PDM: "Belum PDM", Metric.VERIFICATION: "Belum verifikasi"}

st.title("OPD")
if not widgets.empty_state():
    metric = (
        st.segmented_control(
            "Ukuran", list(Metric), format_func=lambda m: m.label, default=Metric.ACTIVATION, key="opd_metric"
        )
        or Metric.ACTIVATION
    )
    filters = sidebar.current_filters()
    level = "opd"
    if cache.sidebar_choices().has_instansi:
        level = (
            st.segmented_control(
                "Tingkat", list(LEVEL_LABELS), format_func=LEVEL_LABELS.__getitem__, default="opd", key="opd_level"
            )
            or "opd"
        )
    most_missing_first = (
        st.segmented_control(
            "Urutan",
            [False, True],
            format_func=lambda missing: "ASN belum terbanyak" if missing else "Persentase terendah",
            default=False,
            key="opd_order",
        )
        is True
    )
    opd_view = cache.opd_overview(filters, metric, level, most_missing_first)
    if opd_view is None:
        st.stop()
    ranking, heatmap = st.tabs(["Peringkat", "Peta panas OPD × tanggal"])
    ranking.plotly_chart(opd_view.ranking, width="stretch", config=widgets.plotly_config())
    heatmap.plotly_chart(opd_view.heatmap, width="stretch", config=widgets.plotly_config())

    if level == "instansi":
        st.stop()  # the drill-down below works per OPD
    st.subheader("Rincian satu OPD")
    names = dict(opd_view.choices)
    opd_key = st.selectbox(
        "Pilih OPD",
        list(names),
        format_func=lambda k: names[k],
        index=None,
        key="opd_detail",
        placeholder="Pilih OPD untuk melihat tren dan daftar ASN yang belum",
    )
    if opd_key:
        detail = cache.opd_detail(cache.calendar(), filters, opd_key)
        st.plotly_chart(detail.figure, width="stretch", config=widgets.plotly_config())
        if not detail.units.empty:
            with st.expander(
                f"{format_int(len(detail.units))} unit kerja di {md(detail.name)} (aktivasi terendah di atas)"
            ):
                st.dataframe(detail.units, hide_index=True, width="stretch")
        tabs = st.tabs([f"{MISSING_LABELS[m]} ({format_int(len(detail.missing[m]))})" for m in Metric])
        for tab, m in zip(tabs, Metric, strict=True):
            with tab:
                if not detail.available[m]:
                    st.info(f"Status {m.label} tidak ada di berkas snapshot ini.")
                elif detail.missing[m].empty:
                    st.success(f"Semua ASN {md(detail.name)} sudah {m.word}.")
                else:
                    widgets.show_roster_table(detail.missing[m])
                    widgets.download_buttons(
                        detail.missing[m],
                        f"pantau-pdm_{MISSING_LABELS[m].lower().replace(' ', '-')}_{opd_key.replace(' ', '-')}",
                        f"{MISSING_LABELS[m]}: {detail.name}",
                        f"Snapshot {format_date(opd_view.snapshot_date)}",
                        f"opd-{m.value}",
                    )
