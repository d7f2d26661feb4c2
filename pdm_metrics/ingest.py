"""From a read roster to a stored snapshot: the rules shared by the CLI and the upload page."""

from __future__ import annotations

from pdm_metrics import store
from pdm_metrics.checks.rules import ERROR
from pdm_metrics.errors import RosterError
from pdm_metrics.fmt import format_int
from pdm_metrics.roster import Roster
from pdm_metrics.schema import Column

MISSING_DATE_MESSAGE = (
    "Tanggal snapshot tidak ditemukan di judul berkas (mis. 'Keadaan per 11 Juli 2021') "
    "maupun di nama berkas (mis. daftar_20210711.xlsx). Sebutkan tanggalnya "
    "(opsi --date YYYY-MM-DD, atau isi kolom tanggal di halaman Unggah)."
)


class RosterRejected(RosterError):
    """The file has errors and strict mode is on: nothing was stored."""

    def __init__(self, roster: Roster) -> None:
        self.roster = roster
        super().__init__(rejection_message(roster))


def rejection_message(roster: Roster, shown: int = 10) -> str:
    errors = roster.problems[roster.problems["level"] == ERROR]
    rows = errors["row_number"].nunique()
    lines = [
        f"Berkas ditolak: {format_int(len(errors))} galat pada {format_int(rows)} baris. "
        "Perbaiki lalu unggah ulang, atau impor baris yang valid saja (opsi --skip-invalid)."
    ]
    for problem in errors.head(shown).itertuples(index=False):
        lines.append(
            f"  baris {problem.row_number}, kolom {problem.column_label}: {problem.reason} (nilai: '{problem.value}')"
        )
    if len(errors) > shown:
        lines.append(f"  ... dan {format_int(len(errors) - shown)} galat lainnya.")
    return "\n".join(lines)


def snapshot_meta(roster: Roster, uploaded_by: str, is_sample: bool = False) -> store.SnapshotMeta:
    if roster.snapshot_date is None:
        raise RosterError(MISSING_DATE_MESSAGE)
    present = roster.columns_present
    return store.SnapshotMeta(
        snapshot_date=roster.snapshot_date,
        source_name=roster.source_name,
        source_sha256=roster.sha256,
        skipped_rows=roster.invalid_row_count,
        has_activation_date=Column.TGL_AKTIVASI in present,
        has_pdm=Column.STATUS_PDM in present,
        has_verification=Column.STATUS_VERIFIKASI in present,
        has_email=Column.EMAIL in present,
        has_jenis_asn=Column.JENIS_ASN in present,
        uploaded_by=uploaded_by,
        is_sample=is_sample,
    )


def check_storable(roster: Roster, skip_invalid: bool) -> None:
    """RosterRejected in strict mode when any row has an error; RosterError when no row is valid."""
    if roster.error_count and not skip_invalid:
        raise RosterRejected(roster)
    if roster.valid_count == 0:
        raise RosterError("Tidak ada satu pun baris yang valid; tidak ada yang disimpan.")


def ingest_roster(
    con: store.Connection,
    roster: Roster,
    skip_invalid: bool = False,
    replace: bool = False,
    uploaded_by: str = "cli",
    is_sample: bool = False,
    progress: store.StoreProgress | None = None,
) -> store.SavedSnapshot:
    """Store a checked roster as a snapshot; `progress` hears how far (0..1) its rows have come."""
    meta = snapshot_meta(roster, uploaded_by, is_sample)
    check_storable(roster, skip_invalid)
    return store.save_snapshot(con, roster.checks, meta, replace=replace, progress=progress)
