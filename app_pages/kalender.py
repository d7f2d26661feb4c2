"""Kalender regulasi: the phases in force, and extensions by letter (kept with their history)."""

import streamlit as st

from pdm_metrics.errors import PdmError
from pdm_metrics.plain import md
from ui import actions, cache, login

st.title("Kalender Regulasi")
campaign = cache.current_campaign()
st.caption(f"{md(campaign.name)} · dasar: {md(campaign.source)}")
calendar_view = cache.calendar_view(campaign)
st.subheader("Fase yang berlaku")
st.dataframe(calendar_view.phases, hide_index=True, width="stretch")
st.subheader("Riwayat perpanjangan")
if calendar_view.extensions.empty:
    st.info("Belum ada perpanjangan tercatat.")
else:
    st.dataframe(calendar_view.extensions, hide_index=True, width="stretch")

if not login.current_user().role.can_upload:
    st.stop()  # pimpinan: view only
st.subheader("Catat perpanjangan")
phases = {p.key: p.name for p in cache.calendar().phases}
with st.form("perpanjangan", clear_on_submit=True):
    phase_key = st.selectbox("Fase", list(phases), format_func=lambda k: phases[k], key="ext_phase")
    # st.date_input has no placeholder option: an empty one shows its format, which the label says in Indonesian.
    new_end = st.date_input("Berakhir baru (tanggal/bulan/tahun)", format="DD/MM/YYYY", value=None)
    letter_number = st.text_input("Nomor surat", placeholder="mis. 12998/B-SI.01.01/SD/EIII/2021")
    letter_date = st.date_input("Tanggal surat (tanggal/bulan/tahun)", format="DD/MM/YYYY", value=None)
    scope = st.text_input("Cakupan", placeholder="mis. instansi yang tercantum dalam lampiran")
    if st.form_submit_button("Simpan perpanjangan", type="primary"):
        if new_end is None or letter_date is None:
            st.error("Isi tanggal berakhir baru dan tanggal surat.")
        else:
            try:
                actions.add_extension(phase_key, new_end, letter_number, letter_date, scope)
                st.success("Perpanjangan tersimpan; semua grafik dan hitungan kini memakai tenggat baru.")
                st.rerun()
            except PdmError as exc:
                st.error(md(exc.message))
