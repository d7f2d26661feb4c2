"""Profil NIP: where is assistance (pendampingan) needed, by age, gender, years of service and PNS/PPPK?"""

import streamlit as st

import ui
from pdm_metrics import charts
from pdm_metrics.fmt import format_date
from pdm_metrics.profile import DIMENSIONS

st.title("Profil dari NIP")
if ui.empty_state():
    st.stop()
day, groups = ui.view("nip_profile", ui.current_filters())
st.caption(f"Snapshot {format_date(day)} · umur, jenis kelamin dan masa kerja dibaca dari NIP (tanggal lahir, "
           "tahun pengangkatan, digit jenis kelamin).")  # fmt: skip
for dimension, label in DIMENSIONS.items():
    table = groups[dimension]
    st.plotly_chart(charts.profile_figure(table, label, label), width="stretch", config={"displaylogo": False})
    shown = table[[c for c in table.columns if not c.endswith("(angka)")]]
    with st.expander(f"Tabel {label.lower()}"):
        st.dataframe(shown, hide_index=True, width="stretch")
        ui.download_buttons(shown, f"profil_{dimension}_{day.isoformat()}", f"Profil {label}",
                            f"Snapshot {format_date(day)}", f"profil-{dimension}")  # fmt: skip
