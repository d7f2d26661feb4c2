"""OPD: which OPD lags, and who in it still has to act?"""

import streamlit as st

import ui
from pdm_metrics.fmt import format_date, format_int
from pdm_metrics.metrics import Metric

st.title("OPD")
if not ui.empty_state():
    metric = (
        st.segmented_control(
            "Ukuran", list(Metric), format_func=lambda m: m.label, default=Metric.AKTIVASI, key="opd_metric"
        )
        or Metric.AKTIVASI
    )
    filters = ui.current_filters()
    level = "opd"
    if ui.has_instansi():
        level = st.segmented_control("Tingkat", ["instansi", "opd"], format_func={"instansi": "Instansi",
                                     "opd": "OPD"}.__getitem__, default="opd", key="opd_level") or "opd"  # fmt: skip
    opd_view = ui.view("opd_overview", filters, metric, level)
    ranking, heatmap = st.tabs(["Peringkat", "Peta panas OPD × tanggal"])
    ranking.plotly_chart(opd_view.ranking, width="stretch", config={"displaylogo": False})
    heatmap.plotly_chart(opd_view.heatmap, width="stretch", config={"displaylogo": False})

    if level == "instansi":
        st.stop()  # the drill-down below works per OPD
    st.subheader("Rincian satu OPD")
    names = dict(opd_view.choices)
    opd_key = st.selectbox("Pilih OPD", list(names), format_func=lambda k: names[k], index=None, key="opd_detail",
                           placeholder="Pilih OPD untuk melihat tren dan daftar ASN yang belum")  # fmt: skip
    if opd_key:
        detail = ui.view("opd_detail", ui.calendar(), filters, opd_key)
        st.plotly_chart(detail.figure, width="stretch", config={"displaylogo": False})
        labels = {Metric.AKTIVASI: "Belum aktivasi", Metric.PDM: "Belum PDM", Metric.VERIFIKASI: "Belum verifikasi"}
        tabs = st.tabs([f"{labels[m]} ({format_int(len(detail.missing[m]))})" for m in Metric])
        for tab, m in zip(tabs, Metric, strict=True):
            with tab:
                if not detail.available[m]:
                    st.info(f"Status {m.label} tidak ada di berkas snapshot ini.")
                elif detail.missing[m].empty:
                    st.success(f"Semua ASN {detail.name} sudah {m.label.lower()}.")
                else:
                    ui.show_roster_table(detail.missing[m])
                    ui.download_buttons(
                        detail.missing[m],
                        f"pantau-pdm_{labels[m].lower().replace(' ', '-')}_{opd_key.replace(' ', '-')}",
                        f"{labels[m]}: {detail.name}",
                        f"Snapshot {format_date(opd_view.snapshot_date)}",
                        f"opd-{m.value}",
                    )
