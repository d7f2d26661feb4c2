"""Profil NIP: where is assistance (pendampingan) needed, by age, gender, years of service and PNS/PPPK?"""

import streamlit as st

from pdm_metrics import charts
from pdm_metrics.fmt import format_date
from pdm_metrics.profile import DIMENSIONS
from ui import cache, phone, sidebar, widgets

st.title("Profil dari NIP")
if widgets.empty_state():
    st.stop()
day, groups = cache.nip_profile(sidebar.current_filters())
if day is None:
    st.stop()
st.caption(
    f"Snapshot {format_date(day)} · umur, jenis kelamin dan masa kerja dibaca dari NIP (tanggal lahir, "
    "tahun pengangkatan, digit jenis kelamin)."
)
for dimension, label in DIMENSIONS.items():
    table = groups[dimension]
    stages = cache.current_campaign().stages
    figure = charts.profile_figure(table, label, stages, label)
    phone.chart(figure, widgets.plotly_config())
    shown = table[[c for c in table.columns if not c.endswith("(angka)")]]
    with st.expander(f"Tabel {label}"):
        st.dataframe(shown, hide_index=True, width="stretch")
        widgets.download_buttons(
            shown,
            f"profil_{dimension}_{day.isoformat()}",
            f"Profil {label}",
            f"Snapshot {format_date(day)}",
            f"profil-{dimension}",
        )
