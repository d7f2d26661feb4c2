"""OPD: which OPD lags, and who in it still has to act?"""

import streamlit as st

from pdm_metrics.fmt import format_date, format_int
from pdm_metrics.plain import md
from ui import cache, phone, sidebar, widgets

LEVEL_LABELS = {"instansi": "Instansi", "opd": "OPD"}

st.title("OPD")
if not widgets.empty_state():
    filters = sidebar.current_filters()
    calendar = cache.calendar()
    campaign = calendar.campaign
    stage = widgets.stage_choice("Ukuran", calendar, filters, "opd_stage")  # the open stage first
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
    opd_view = cache.opd_overview(filters, stage, level, most_missing_first)
    if opd_view is None:
        st.stop()
    ranking, heatmap = widgets.lazy_tabs(["Peringkat", "Peta panas OPD × tanggal"], "opd_chart_tab")
    for tab, figure in ((ranking, opd_view.ranking), (heatmap, opd_view.heatmap)):
        if tab.open:
            with tab:
                phone.chart(figure, widgets.plotly_config())

    if level == "instansi":
        st.stop()  # the drill-down below works per OPD
    st.subheader("Rincian satu OPD")
    names = dict(opd_view.choices)
    opd_key = st.selectbox(
        "Pilih OPD",
        widgets.unit_choices(names, "opd_detail", [st.session_state.get("opd_detail")]),
        format_func=lambda k: names[k],
        index=None,
        key="opd_detail",
        placeholder="Pilih OPD untuk melihat tren dan daftar ASN yang belum",
    )
    if opd_key:
        detail = cache.opd_detail(calendar, filters, opd_key)
        phone.chart(detail.figure, widgets.plotly_config())
        if not detail.units.empty:
            with st.expander(
                f"{format_int(len(detail.units))} unit kerja di {md(detail.name)} "
                f"({md(campaign.headline_stage.word)} terendah di atas)"
            ):
                st.dataframe(detail.units, hide_index=True, width="stretch")
        stages = list(detail.missing)
        tabs = st.tabs([f"Belum {m.word} ({format_int(len(detail.missing[m]))})" for m in stages])
        for tab, m in zip(tabs, stages, strict=True):
            with tab:
                if not detail.available[m]:
                    st.info(f"Status {m.label} tidak ada di berkas snapshot ini.")
                elif detail.missing[m].empty:
                    st.success(f"Semua ASN {md(detail.name)} sudah {m.word}.")
                else:
                    widgets.show_roster_table(detail.missing[m])
                    widgets.download_buttons(
                        detail.missing[m],
                        f"{campaign.key}_belum-{m.key}_{opd_key.replace(' ', '-')}",
                        f"Belum {m.word}: {detail.name}",
                        f"Snapshot {format_date(opd_view.snapshot_date)}",
                        f"opd-{m.key}",
                    )
