"""Catatan Audit (admin): every login, upload, replace, delete, export and backup."""

import streamlit as st

from ui import cache, widgets

st.title("Catatan Audit")
st.caption("Catatan hanya ditambah, tidak pernah diubah atau dihapus oleh aplikasi.")
log = cache.audit_log()
st.dataframe(log, hide_index=True, width="stretch")
widgets.download_buttons(log, "catatan-audit", "Catatan audit Pantau PDM", "Semua entri", "audit")
