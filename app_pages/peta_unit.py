"""Peta Unit Kerja: which OPD each unit (SIASN's UNOR) belongs to, applied to every snapshot."""

from datetime import date
from functools import partial

import pandas as pd
import streamlit as st

from pdm_metrics.errors import PdmError
from pdm_metrics.fmt import excerpt, format_int
from pdm_metrics.plain import md
from pdm_metrics.views import peta_unit
from pdm_metrics.views.peta_unit import ASN, NOT_YET, OPD, UNIT, UNIT_ID
from ui import actions, widgets

st.title("Peta Unit Kerja")
st.caption(
    "Ekspor SIASN mencatat unit terkecil (UNOR: sekolah, puskesmas, bidang), bukan OPD. Peta ini menyatakan "
    "OPD tiap unit; semua halaman, daftar tindak lanjut dan unduhan per OPD memakainya, untuk semua snapshot "
    "sekaligus. Unit yang belum dipetakan dihitung sebagai OPD tersendiri."
)
if done := st.session_state.pop("map_done", None):
    st.success(md(done), icon=":material/check_circle:")
if loaded := st.session_state.get("map_loaded"):  # the last file loaded, until undone or the map is edited here
    st.success(md(loaded.said), icon=":material/check_circle:")
    if st.button(f"Batalkan: kembalikan peta sebelum {md(excerpt(loaded.source, 60))}", icon=":material/undo:"):
        st.session_state["map_done"] = actions.undo_map_file(loaded)
        del st.session_state["map_loaded"]
        st.rerun()
view = actions.unit_map_view()
mapped, waiting = st.columns(2)
mapped.metric("Unit sudah dipetakan", format_int(view.mapped))
waiting.metric("Unit belum dipetakan", format_int(view.unmapped_total), help="Beserta jumlah ASN-nya di bawah.")

st.subheader("Muat peta dari berkas")
st.caption(
    "Berkas xlsx atau csv dengan kolom unit (UNOR NAMA, Unit Kerja, atau UNOR ID) dan kolom OPD. Huruf besar/kecil "
    "dan spasi diabaikan; bila berkas dan data sama-sama memuat UNOR ID, ID yang dipakai. Peta di berkas "
    "langsung menggantikan peta yang tersimpan; pemuatan dapat dibatalkan di sini dan tercatat di Catatan Audit."
)
round_ = st.session_state.get("map_round", 0)
upload = st.file_uploader("Pilih berkas peta", type=["xlsx", "xls", "ods", "csv"], key=f"map-upload-{round_}")
if upload is not None:  # applied at once: the message above says what changed and offers the undo
    try:
        read = actions.preview_map_file(upload.getvalue(), upload.name)
        st.session_state["map_loaded"] = actions.apply_map_file(read, excerpt(upload.name, 80))
        st.session_state["map_round"] = round_ + 1
        st.rerun()
    except PdmError as exc:
        st.error(f"{md(exc.message)} Peta tidak diubah.")

st.subheader("Unit yang belum dipetakan")
if view.unmapped.empty:
    st.success("Semua unit sudah dipetakan ke OPD." if view.has_map else "Belum ada data snapshot.")
else:
    shown = len(view.unmapped)
    cut = (
        f" ({format_int(shown)} dengan ASN terbanyak dari {format_int(view.unmapped_total)})"
        if shown < view.unmapped_total
        else ""
    )
    st.caption(
        f"{format_int(view.unmapped_total)} unit, {format_int(view.unmapped_asn)} ASN{cut}. Isi kolom OPD "
        "(pilih OPD; OPD yang belum ada di peta ditambahkan dulu di bawah ini), lalu simpan."
    )
    # The editor offers the OPD the map already names, plus any the operator adds here.
    extra = st.session_state.setdefault("map_new_opd", [])
    new_opd, add = st.columns([3, 1], vertical_alignment="bottom")
    typed = new_opd.text_input("OPD baru (belum ada di peta)", placeholder="mis. Dinas Pendidikan dan Kebudayaan")
    if add.button("Tambahkan ke pilihan") and typed.strip() and typed.strip() not in extra:
        extra.append(" ".join(typed.split()))
    options = [NOT_YET, *sorted({*view.opd_names, *extra}, key=str.casefold)]
    shown_table = view.unmapped.drop(columns="unit_key").assign(**{ASN: view.unmapped[ASN].map(format_int)})
    edited = st.data_editor(
        shown_table,
        hide_index=True,
        width="stretch",
        disabled=[UNIT_ID, UNIT, ASN],
        column_config={OPD: st.column_config.SelectboxColumn(OPD, options=options)},
        key=f"map-editor-{round_}",
    )
    if st.button("Simpan pemetaan", type="primary"):
        try:
            st.session_state["map_done"] = actions.map_units(pd.DataFrame(edited))
            st.session_state.pop("map_loaded", None)  # an undo now would also drop these choices
            st.session_state["map_round"] = round_ + 1
            st.rerun()
        except PdmError as exc:
            st.error(md(exc.message))

st.subheader("Peta tersimpan")
if view.current.empty:
    st.info("Belum ada peta: tiap unit pada berkas snapshot dihitung sebagai OPD.")
else:
    if view.current_total > len(view.current):
        st.caption(
            f"Ditampilkan {format_int(len(view.current))} unit pertama dari {format_int(view.current_total)} "
            "(urut OPD); unduhan di bawah berisi semuanya."
        )
    st.dataframe(view.current, hide_index=True, width="stretch")
today = date.today()
st.download_button(
    "Unduh peta + unit yang belum dipetakan (xlsx)",
    partial(actions.map_export, today),  # written only when clicked
    file_name=peta_unit.map_file_name(today),
    on_click="ignore",
    mime=widgets.XLSX_MIME,
    icon=":material/download:",
    help="Isi kolom OPD di Excel lalu muat kembali berkas ini di atas.",
)
