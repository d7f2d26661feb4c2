"""Kampanye: the campaigns this database follows; add one from a template or a file, correct a
kept one's names and windows (audited), download a definition."""

import streamlit as st

from pdm_metrics.campaign_edit import CampaignEdit, Window, edit_of
from pdm_metrics.errors import PdmError
from pdm_metrics.plain import md
from pdm_metrics.views import kampanye
from ui import actions, cache

st.title("Kampanye")
st.caption(
    "Setiap kampanye (PDM 2021, SKP tahunan, PPPK paruh waktu, …) adalah satu berkas definisi: tahap, kolom status "
    "di berkas, kata Sudah/Belum, dan jendela waktunya. Snapshot diunggah untuk satu kampanye; pilihan **Kampanye** "
    "di bilah samping berganti antarkampanye."
)
if done := st.session_state.pop("campaign_done", None):
    st.success(md(done), icon=":material/check_circle:")
con = cache.connection()
page = kampanye.campaigns_page(con)
st.dataframe(page.table, hide_index=True, width="stretch")

st.subheader("Tambah kampanye")
templates = page.templates
source = st.segmented_control("Dari", ["templat", "berkas"], format_func={"templat": "Templat bawaan",
                              "berkas": "Berkas definisi (.toml/.json)"}.__getitem__, default="templat",
                              key="campaign_source")  # fmt: skip
preview: kampanye.DefinitionPreview | None = None
try:
    if source == "berkas":
        upload = st.file_uploader("Pilih berkas definisi", type=["toml", "json"], key="campaign_file")
        if upload is not None:
            preview = kampanye.file_preview(upload.getvalue(), upload.name)
    elif templates:
        key = st.selectbox("Templat", list(templates), format_func=lambda k: templates[k].name, key="campaign_template")
        preview = kampanye.template_preview(str(key))
    else:
        st.info("Semua templat bawaan sudah tersimpan di basis data ini.")
except PdmError as exc:
    st.error(md(exc.message), icon=":material/error:")
if preview is not None:
    st.markdown(
        f"**{md(preview.campaign.name)}** (`{md(preview.campaign.key)}`) · dasar: {md(preview.campaign.source)}"
    )
    st.dataframe(preview.stages, hide_index=True, width="stretch")
    if st.button("Simpan kampanye", type="primary", key="campaign_add"):
        try:
            actions.add_campaign(preview)
        except PdmError as exc:
            st.error(md(exc.message), icon=":material/error:")
        else:
            st.session_state["campaign_done"] = (
                f"Kampanye {preview.campaign.name} tersimpan. Pilih kampanye ini saat mengunggah snapshot."
            )
            st.rerun()

stored = page.kept
if stored:
    st.subheader("Ubah kampanye")
    st.caption(
        "Nama, dasar hukum dan jendela waktu tahap dapat diperbaiki; kunci, tahap dan kolomnya tetap (snapshot "
        "tersimpan dibaca dengannya). Perpanjangan dengan surat dicatat di halaman Kalender Regulasi."
    )
    key = str(st.selectbox("Kampanye", list(stored), format_func=lambda k: stored[k].name, key="campaign_edit"))
    campaign = stored[key]
    current = edit_of(campaign)
    with st.form(f"ubah-{key}"):
        name = st.text_input("Nama", current.name)
        short_name = st.text_input("Nama singkat (judul dan pesan)", current.short_name)
        basis = st.text_input("Dasar", current.source)
        windows = []
        for stage, window in zip(campaign.stages, current.windows, strict=True):
            start_col, end_col = st.columns(2)
            start = start_col.date_input(f"{stage.label}: mulai", window.start, format="DD/MM/YYYY")
            end = end_col.date_input(f"{stage.label}: berakhir (kosong: tanpa tenggat)", window.end,
                                     format="DD/MM/YYYY")  # fmt: skip
            windows.append(Window(stage.key, start or window.start, end))
        if st.form_submit_button("Simpan perubahan", type="primary"):
            try:
                changed = actions.edit_campaign(key, CampaignEdit(name, short_name, basis, tuple(windows)))
            except PdmError as exc:
                st.error(md(exc.message), icon=":material/error:")
            else:
                st.session_state["campaign_done"] = (
                    "Tersimpan: " + "; ".join(changed) if changed else "Tidak ada yang berubah."
                )
                st.rerun()

st.subheader("Unduh definisi")
every = dict(zip(page.table["Kunci"], page.table["Kampanye"], strict=True))
chosen = str(st.selectbox("Definisi", list(every), format_func=every.__getitem__, key="campaign_download"))
data, file_name = kampanye.definition_file(con, chosen)
st.download_button("Unduh definisi", data, file_name, mime="application/toml", icon=":material/download:",
                   on_click="ignore")  # fmt: skip
