"""Tren & Tenggat: are we on track for each deadline?"""

import streamlit as st

import ui
from pdm_metrics.fmt import format_date

st.title("Tren & Tenggat")
if not ui.empty_state():
    choices = ui.view("opd_choices")
    names = dict(zip(choices["opd_key"], choices["opd"], strict=True))
    compare = st.selectbox(
        "Bandingkan dengan satu OPD (garis putus-putus)",
        [None, *names],
        format_func=lambda k: "Tanpa pembanding" if k is None else names[k],
        key="compare_opd",
    )
    trend = ui.view("trend", ui.calendar(), ui.current_filters(), compare)
    st.plotly_chart(trend.figure, width="stretch", config={"displaylogo": False, "locale": "id"})
    for note in trend.notes:
        st.info(note, icon=":material/info:")
    phases = ui.calendar().phases
    st.caption(
        "Fase menurut Keputusan Kepala BKN Nomor 87 Tahun 2021: "
        + "; ".join(f"{p.name} {format_date(p.start)} – {format_date(p.end)}" for p in phases)
        + ". Garis titik-titik: aktivasi kumulatif per hari menurut tanggal aktivasi."
    )
    day, pace_table = ui.view("pace_table", ui.current_filters())
    st.subheader("Laju & proyeksi")
    if pace_table.empty:
        st.info("Laju membutuhkan sedikitnya dua snapshot.")
    else:
        st.caption(
            f"Per {format_date(day)}: laju dari snapshot 28 hari terakhir; proyeksi = persentase pada tenggat "
            "bila laju ini berlanjut. Garis titik-titik pada grafik menunjukkan proyeksi keseluruhan."
        )
        st.dataframe(pace_table, hide_index=True, width="stretch")
        ui.download_buttons(pace_table, f"laju-proyeksi_{day.isoformat()}", "Laju dan proyeksi PDM",
                            f"Snapshot {format_date(day)}", "laju")  # fmt: skip
