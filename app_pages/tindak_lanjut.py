"""Tindak Lanjut: the names to chase per OPD, emails that block a token, and who missed a deadline."""

import streamlit as st

from pdm_metrics import followup
from pdm_metrics.fmt import format_date, format_int
from pdm_metrics.plain import md
from pdm_metrics.views.tindak_lanjut import TooManyUnits
from ui import cache, login, phone, sidebar, widgets

st.title("Tindak Lanjut")
if widgets.empty_state():
    st.stop()
filters = sidebar.current_filters()
calendar = cache.calendar()
campaign = calendar.campaign
stage = widgets.stage_choice("Tahap", calendar, filters, "followup_stage")  # the open stage first
ORDERS = {True: "Terbanyak belum dulu", False: "Abjad OPD"}
most_missing_first = st.segmented_control(
    "Urutan OPD", list(ORDERS), format_func=ORDERS.__getitem__, default=True, key="followup_order"
)
try:
    view = cache.follow_up(calendar, filters, stage, most_missing_first is not False)
except TooManyUnits as exc:
    st.info(md(exc.message))
    st.stop()
if view is None:
    st.stop()
email_stage = campaign.email_stage  # Risiko email: only where a stage's token goes to the registered email
tab_names = ["Per OPD & pesan WhatsApp", *(["Risiko email"] if email_stage else []), "Sanksi"]
tabs = widgets.lazy_tabs(tab_names, "followup_tab")
per_opd, sanctions = tabs[0], tabs[-1]

if per_opd.open:
    with per_opd:
        if not view.available:
            st.info(f"Snapshot {format_date(view.snapshot_date)} tidak memuat status {stage.label}.")
        else:
            missing = int(view.summary.iloc[:, 2].sum()) if not view.summary.empty else 0
            st.caption(
                f"Snapshot {format_date(view.snapshot_date)} · {format_int(missing)} ASN belum {stage.word} "
                f"di {format_int(len(view.opds))} OPD · tenggat {format_date(view.phase.end)}"
            )
            st.download_button(
                "Unduh buku kerja tindak lanjut (XLSX, satu lembar per OPD)",
                view.workbook,
                file_name=f"tindak-lanjut_{stage.key}_{view.snapshot_date.isoformat()}.xlsx",
                mime=widgets.XLSX_MIME,
                icon=":material/download:",
                type="primary",
                on_click=login.record,
                args=("unduh", f"buku kerja tindak lanjut {stage.label} {view.snapshot_date}"),
            )
            # The OPD list is the index; a message and its names are drawn when their OPD is opened
            # (a regency's 45 tables and messages would cost every rerun, and a phone a long scroll).
            for item in view.opds:
                label = f"{md(item.opd)}: {format_int(len(item.missing))} dari {format_int(item.total)} ASN"
                box = widgets.lazy_expander(label, "followup_opd", item.opd)
                if not box.open:
                    continue
                with box:
                    st.caption("Pesan WhatsApp siap kirim (tombol salin di pojok kanan atas kotak):")
                    st.code(item.message, language=None, wrap_lines=True)
                    # On a phone: names and NIP (and the unit), wrapped; the email is in the workbook.
                    names = [c for c in ("Nama", "NIP", "Unit kerja") if c in item.missing.columns]
                    phone.table(item.missing, names, widgets.lazy_key("tindak-lanjut", item.opd))

if email_stage is not None and tabs[1].open:
    with tabs[1]:
        email_view = cache.email_risk(email_stage, filters)
        day, risks = email_view.snapshot_date, email_view.risks
        st.caption(
            f"ASN yang belum {md(email_stage.word)} per {format_date(view.snapshot_date)} dan emailnya kemungkinan "
            f"menghalangi token {md(email_stage.word)}. Token dikirim ke email yang terdaftar di SAPK (kolom EMAIL "
            "pada ekspor SIASN; bila berkas memuat EMAIL GOV, alamat itu diusulkan sebagai perbaikan)."
        )
        if not email_view.available:
            st.info(
                f"Berkas snapshot {format_date(view.snapshot_date)} tidak memuat kolom email: risiko email tidak "
                "tersedia. Unggah berkas dengan kolom EMAIL untuk menilainya.",
                icon=":material/visibility_off:",
            )
        elif risks.empty or day is None:
            st.success(f"Tidak ada ASN belum {md(email_stage.word)} dengan masalah email.")
        else:
            counts = followup.email_problem_counts(risks)
            for column, (problem, count) in zip(st.columns(len(counts)), counts.items(), strict=True):
                column.metric(problem, format_int(count))
            st.info(md(risks["Cara memperbaiki"].iloc[0]), icon=":material/build:")
            st.dataframe(risks.drop(columns=["Cara memperbaiki"]), hide_index=True, width="stretch")
            widgets.download_buttons(
                risks,
                f"risiko-email_{day.isoformat()}",
                f"Risiko email ASN belum {email_stage.word}",
                f"Snapshot {format_date(day)}",
                "email",
            )

if sanctions.open:
    with sanctions:
        day, phase, listing = cache.sanctions(calendar, filters, stage)
        if listing is None or day is None:
            st.info(
                f"Tenggat {stage.label} ({format_date(phase.end)}) belum lewat pada snapshot "
                f"{format_date(view.snapshot_date)}, "
                "atau status ini tidak ada di berkas snapshot."
            )
        elif listing.empty:
            st.success(f"Semua ASN sudah {stage.word} sebelum tenggat.")
        else:
            st.warning(
                f"{format_int(len(listing))} ASN belum {stage.word} setelah tenggat {format_date(phase.end)} "
                f"(snapshot {format_date(day)}). Akibat: {md(campaign.sanction)}.",
                icon=":material/gavel:",
            )
            st.dataframe(followup.count_per_opd(listing), hide_index=True)
            st.dataframe(listing, hide_index=True, width="stretch")
            widgets.download_buttons(
                listing,
                f"sanksi_{stage.key}_{day.isoformat()}",
                f"ASN terlewat tenggat {stage.label}",
                f"Snapshot {format_date(day)}; tenggat {format_date(phase.end)}",
                "sanksi",
            )
