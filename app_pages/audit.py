"""Catatan Audit (admin): every login, upload, replace, delete, export and backup."""

import streamlit as st

import ui

st.title("Catatan Audit")
st.caption("Catatan hanya ditambah, tidak pernah diubah atau dihapus oleh aplikasi.")
log = ui.audit_log()
st.dataframe(log, hide_index=True, width="stretch")
ui.download_buttons(log, "catatan-audit", "Catatan audit Pantau PDM", "Semua entri", "audit")
