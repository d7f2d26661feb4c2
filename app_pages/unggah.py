"""Unggah Snapshot: check a fresh roster file, see what would be stored, then confirm."""

from functools import partial

import streamlit as st

from pdm_metrics.errors import PdmError
from pdm_metrics.fmt import excerpt, format_date, format_int
from pdm_metrics.plain import md
from pdm_metrics.schema import Column
from pdm_metrics.views import unggah
from ui import actions, cache, widgets

ROW_PX = 35  # the height of one row of Streamlit's table

st.title("Unggah Snapshot")
campaigns = {c.key: c for c in unggah.campaign_choices(cache.connection())}
campaign_key = str(
    st.selectbox("Kampanye", list(campaigns), format_func=lambda k: campaigns[k].name, key="upload_campaign")
)
campaign = campaigns[campaign_key]
vocabulary = campaign.vocabulary
required = ", ".join(vocabulary.labels[c] for c in vocabulary.required)
st.caption(
    f"Berkas daftar ASN dari SAPK/SIASN atau buatan sendiri (xlsx, xls, ods, csv). Kolom wajib: {md(required)}. "
    "Format kolom NIP sebagai Teks agar 18 digitnya utuh."
)
if done := st.session_state.pop("upload_done", None):
    st.success(md(done), icon=":material/check_circle:")
round_ = st.session_state.get("upload_round", 0)
uploads = st.file_uploader(
    "Pilih berkas snapshot (beberapa berkas atau lembar kerja sekaligus menjadi satu snapshot)",
    type=["xlsx", "xlsm", "xls", "ods", "csv", "txt"],
    key=f"uploader-{round_}",
    accept_multiple_files=True,
)
if uploads:
    upload_id = "|".join(u.file_id for u in uploads)
    files = [(u.getvalue(), u.name) for u in uploads]
    same_file = st.session_state.get("upload_file") == upload_id
    override = st.session_state.get("upload_date") if same_file else None
    # The operator's own column choices for this file, and whether remembered ones are set aside.
    chosen: dict[Column, str] = st.session_state.get("upload_columns", {}) if same_file else {}
    forget = bool(st.session_state.get("upload_forget", False)) if same_file else False
    refusal: PdmError | None = None
    with st.status("Memeriksa berkas…", expanded=False) as status:
        try:
            preview = actions.upload_preview(
                campaign_key, files, override, lambda step: status.update(label=f"{md(step)}…"), chosen, forget
            )
        except PdmError as exc:
            status.update(label="Berkas ditolak", state="error")  # not left at the step it stopped in
            refusal = exc
        else:
            roster = preview.roster
            found = f"{format_int(roster.error_count)} galat" if roster.error_count else "tanpa galat"
            status.update(
                label=f"Berkas diperiksa: {format_int(roster.row_count)} baris data, {found}",
                state="error" if roster.error_count else "complete",
            )
    if refusal is not None:
        st.error(md(refusal.message), icon=":material/error:")
        if chosen:
            st.button("Kembali ke aturan bawaan", on_click=st.session_state.pop, args=("upload_columns", None))
        st.stop()
    if not same_file:
        st.session_state.pop("upload_columns", None)
        st.session_state.pop("upload_forget", None)
    st.session_state["upload_file"] = upload_id

    # What the file holds comes first, whatever its date: an operator sees its errors at once.
    stages = campaign.stages
    cols = st.columns(3 + len(stages))
    cols[0].metric("Baris akan disimpan", format_int(preview.rows_to_store))
    for column, stage, done in zip(cols[1:], stages, preview.done, strict=False):
        present = stage.status_column in roster.columns_present
        column.metric(f"Sudah {stage.word}", format_int(done) if present else "tidak tersedia")
    cols[-2].metric("Galat", format_int(roster.error_count))
    cols[-1].metric("Peringatan", format_int(roster.warning_count))
    if preview.map_note:
        st.info(md(preview.map_note), icon=":material/account_tree:")
    if not preview.report.empty:
        st.subheader("Laporan pemeriksaan")
        problems = roster.error_count + roster.warning_count
        if roster.problems_cut:  # the worst first is the file's own order: the first rows are shown
            st.caption(
                f"Ditampilkan {format_int(len(preview.report))} masalah pertama dari {format_int(problems)}; "
                "unduhan CSV berisi semuanya (XLSX: yang ditampilkan)."
            )
        if len(preview.summary) < problems:  # some are the same problem in many rows: one line each first
            st.caption("Masalah yang sama digabung dalam satu baris, dengan jumlah dan rentang barisnya:")
            st.dataframe(preview.summary, hide_index=True, width="stretch")
            st.caption("Rincian per baris:")
        st.dataframe(preview.report, hide_index=True, width="stretch")
        widgets.download_buttons(
            preview.report,
            "laporan-pemeriksaan",
            "Laporan pemeriksaan berkas",
            f"Berkas {roster.source_name}",
            "laporan",
            csv=partial(unggah.full_report_csv, preview) if roster.problems_cut else None,
        )

    used = preview.mapping[preview.mapping["Dibaca sebagai"] != "tidak dipakai"]
    with st.expander(
        f"Kolom berkas → kolom Pantau PDM: {format_int(len(used))} dipakai, "
        f"{format_int(len(preview.mapping) - len(used))} tidak dipakai",
        expanded=bool(preview.mapping["Keterangan"].str.len().gt(0).any()),
    ):
        # Whole, not in a 10-row scroll box: a SIASN export has 69 columns to look over.
        st.dataframe(preview.mapping, hide_index=True, width="stretch", height=ROW_PX * (len(preview.mapping) + 1) + 3)
        left, right = st.columns(2)
        field = left.selectbox("Data", vocabulary.columns, format_func=vocabulary.labels.__getitem__, key="pick_field")
        header = right.selectbox("Ambil dari kolom berkas", list(preview.mapping["Kolom berkas"]), key="pick_header")
        if st.button("Pakai kolom ini", icon=":material/swap_horiz:"):
            st.session_state["upload_columns"] = {**chosen, field: header}
            st.rerun()
        if preview.choices and st.button("Kembali ke aturan bawaan"):
            st.session_state["upload_columns"], st.session_state["upload_forget"] = {}, True
            st.rerun()
        st.caption("Pilihan kolom diingat untuk berkas berikutnya dengan judul kolom yang sama saat snapshot disimpan.")

    if not preview.rows_to_store:  # nothing could be saved: no date to ask for
        st.error(
            "Tidak ada satu baris pun yang valid di berkas ini, jadi tidak ada yang dapat disimpan. Perbaiki galat "
            "di laporan pemeriksaan di atas, lalu unggah ulang berkasnya.",
            icon=":material/block:",
        )
        st.stop()
    if roster.hidden_sheets:
        hidden = "; ".join(excerpt(sheet, 80) for sheet in roster.hidden_sheets)
        st.info(
            f"Lembar tersembunyi tidak dibaca: {md(hidden)}. Tampilkan lembarnya di Excel bila isinya ikut dihitung."
        )
    chosen_date = st.date_input(
        "Tanggal snapshot" + (f" (terbaca dari {md(roster.date_source.label)})" if roster.date_source else ""),
        value=roster.snapshot_date,
        format="DD/MM/YYYY",
        key=f"date-{upload_id}",
    )
    if chosen_date != roster.snapshot_date:
        st.session_state["upload_date"] = chosen_date
        st.rerun()
    if roster.snapshot_date is None:
        st.warning("Tanggal snapshot tidak ditemukan di judul maupun nama berkas. Isi tanggalnya di atas.")
        st.stop()

    if preview.date_error:
        st.error(md(preview.date_error), icon=":material/event_busy:")
        st.stop()
    notices_confirmed = False
    if preview.notices:
        st.subheader("Periksa sebelum menyimpan")
        for notice in preview.notices:
            st.warning(md(notice), icon=":material/report:")
        notices_confirmed = st.checkbox("Saya sudah memeriksa: berkas ini memang lengkap dan benar (dicatat)")

    skip_invalid = False
    if roster.error_count:
        st.error(
            f"Ada {format_int(roster.error_count)} galat. Perbaiki berkas lalu unggah ulang, atau impor "
            f"hanya baris yang valid ({format_int(roster.invalid_row_count)} baris akan dilewati dan dicatat)."
        )
        skip_invalid = st.checkbox("Impor hanya baris yang valid")
    replace = False
    if preview.exists:
        st.warning(f"Snapshot tanggal {format_date(roster.snapshot_date)} sudah ada.")
        replace = st.checkbox(f"Ganti snapshot {format_date(roster.snapshot_date)} (yang lama disimpan di arsip)")
    can_store = (
        (not roster.error_count or skip_invalid)
        and (not preview.exists or replace)
        and (not preview.notices or notices_confirmed)
    )
    if st.button("Simpan snapshot", type="primary", disabled=not can_store):
        progress = st.progress(0.2, text="Menyimpan ke basis data…")
        try:
            saved = actions.commit_upload(preview, replace, skip_invalid, notices_confirmed)
        except PdmError as exc:
            progress.empty()
            st.error(md(exc.message))
            st.stop()
        progress.progress(1.0, text="Selesai")
        st.session_state["upload_done"] = (
            f"Snapshot {format_date(saved.snapshot_date)} tersimpan: {format_int(saved.rows)} ASN, "
            f"{format_int(saved.headline_done)} sudah {campaign.headline_stage.word}. "
            "Semua halaman kini memakai data ini."
        )
        st.session_state["upload_round"] = round_ + 1  # a fresh, empty uploader
        st.rerun()
