"""Cadangan (admin): download a consistent backup of the whole database, or restore one."""

import streamlit as st

from pdm_metrics.errors import PdmError
from pdm_metrics.fmt import format_int
from pdm_metrics.plain import md
from ui import actions

st.title("Cadangan & Pemulihan")
st.subheader("Unduh cadangan")
st.caption(
    "Salinan utuh dan konsisten semua tabel (snapshot, data ASN, arsip, audit, kalender) dalam satu berkas .zip."
)
if st.button("Siapkan cadangan", icon=":material/backup:"):
    st.session_state["backup"] = actions.backup()
if "backup" in st.session_state:
    ready = st.session_state["backup"]
    st.download_button(
        "Unduh cadangan (.zip)",
        ready.data,
        file_name=ready.file_name,
        mime="application/zip",
        on_click="ignore",
        icon=":material/download:",
    )

st.subheader("Pulihkan dari cadangan")
st.warning(
    "Pemulihan mengganti SELURUH isi basis data dengan isi cadangan. Cadangan diperiksa seperti unggahan (baris, "
    "tanggal, versi) sebelum apa pun diganti, dan isi sekarang disimpan dulu sebagai cadangan otomatis di "
    "folder cadangan-otomatis di samping berkas basis data.",
    icon=":material/warning:",
)
uploaded = st.file_uploader("Berkas cadangan (.zip)", type=["zip"])
confirmed = uploaded is not None and st.checkbox("Saya paham seluruh isi basis data akan diganti")
if confirmed and uploaded is not None and st.button("Pulihkan", type="primary"):
    try:
        restored = actions.restore(uploaded.getvalue())
    except PdmError as exc:
        st.error(md(exc.message))
    else:
        kept = f" Isi sebelumnya disimpan di {md(restored.previous)}." if restored.previous else ""
        st.success(f"Basis data dipulihkan: {format_int(restored.snapshots)} snapshot.{kept}")
