"""Unggah Snapshot: check uploaded files without storing anything, then store them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from pdm_metrics import store
from pdm_metrics.campaign import Campaign, shipped_campaign_text, shipped_campaigns
from pdm_metrics.errors import PdmError
from pdm_metrics.fmt import format_int
from pdm_metrics.ingest import (
    ColumnChoices,
    date_error,
    ingest_roster,
    plausibility,
    remember_choices,
)
from pdm_metrics.reading.files import Progress
from pdm_metrics.roster import Roster, read_rosters
from pdm_metrics.schema import Column


@dataclass
class UploadPreview:
    roster: Roster
    exists: bool
    rows_to_store: int
    done: tuple[int, ...]  # rows to store done with each stage of the campaign (in its order)
    report: pd.DataFrame  # the validation report with Indonesian headers
    notices: list[str]  # what looks odd about the file as a whole: confirmed before saving
    date_error: str | None  # why its snapshot date cannot be right (nothing can be saved until it is changed)
    mapping: pd.DataFrame  # each column of the file's header and what it is read as
    choices: dict[Column, str]  # the file columns chosen by the operator (now or remembered)
    definition: tuple[str, str] = ("", "")  # the campaign's (text, file name) when not stored yet
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)  # identical problems, one line each
    map_note: str | None = None  # how many of the file's units the Peta Unit Kerja names


# The check report's columns (checks.rules.PROBLEM_COLUMNS) as the operator reads them.
REPORT_HEADERS = {
    "source": "Sumber",
    "row_number": "Baris",
    "column_label": "Kolom",
    "value": "Nilai",
    "reason": "Alasan",
    "level": "Tingkat",
}


def campaign_choices(con: store.Connection) -> list[Campaign]:
    """What an upload can be a snapshot of: the database's own campaign first, then the others
    it holds, then the shipped definitions it does not hold yet."""
    stored = store.stored_campaigns(con)
    own = store.current_campaign(con)
    others = [c for key, c in {**stored, **shipped_campaigns()}.items() if key != own.key]
    return [own, *others]


def upload_preview(
    con: store.Connection,
    campaign_key: str,
    files: Sequence[tuple[bytes, str]],
    snapshot_date: date | None,
    today: date,
    progress: Progress | None = None,
    chosen: Mapping[Column, str] | None = None,
    forget_remembered: bool = False,
) -> UploadPreview:
    """Read and check uploaded files (one snapshot) without storing anything (RosterError if
    unusable). `chosen`: file columns the operator picked for fields, over the built-in rules and
    over the choices remembered for this header (which `forget_remembered` sets aside)."""
    stored = store.stored_campaigns(con)
    campaign = next(c for c in campaign_choices(con) if c.key == campaign_key)
    definition = ("", "") if campaign.key in stored else shipped_campaign_text(campaign.key)
    choices = ColumnChoices(con, chosen or {}, forget_remembered)
    roster = read_rosters(files, snapshot_date, progress, con, choices, campaign)
    exists = roster.snapshot_date is not None and store.snapshot_exists(con, roster.snapshot_date, campaign.key)
    report = roster.problems.rename(columns=REPORT_HEADERS)
    notices = plausibility(con, roster, today)
    mapping = column_mapping(roster)
    refused = date_error(roster, today)
    return UploadPreview(
        roster, exists, roster.valid_count, roster.valid_done, report, notices, refused, mapping, choices.used,
        definition, problem_summary(roster), map_note(con, roster),
    )  # fmt: skip


def map_note(con: store.Connection, roster: Roster) -> str | None:
    """How many of the file's units the loaded map names ("N dari M unit…"), when the file has
    units below its OPD (a UNOR ID, or a name the map knows): a file of OPD alone gets no note."""
    if not store.has_unit_map(con):
        return None
    covered, total, with_id = store.map_coverage(con, roster.table)
    if not total or not (covered or with_id):
        return None
    note = f"{format_int(covered)} dari {format_int(total)} unit di berkas ini sudah ada di peta."
    if covered < total:
        note += (
            f" {format_int(total - covered)} unit lainnya dihitung sebagai OPD tersendiri sampai dipetakan di "
            "halaman Peta Unit Kerja."
        )
    return note


SUMMARY_LINES = 50


def problem_summary(roster: Roster) -> pd.DataFrame:
    """The check's problems, identical ones in one line with how many rows and where ("2–201")."""
    found = roster.checks.problem_summary(SUMMARY_LINES)
    rows = [
        f"{format_int(first)}–{format_int(last)}" if first != last else format_int(first)
        for first, last in zip(found["first_row"].astype(int), found["last_row"].astype(int), strict=True)
    ]
    return pd.DataFrame(
        {
            "Sumber": found["source"],
            "Kolom": found["column_label"],
            "Alasan": found["reason"],
            "Tingkat": found["level"],
            "Jumlah baris": found["rows"].astype(int).map(format_int),
            "Baris": rows,
        }
    )


def full_report_csv(preview: UploadPreview) -> bytes:
    """Every problem of the file as CSV (the page holds the first MAX_PROBLEM_DETAIL of them)."""
    return preview.roster.checks.problems_csv(REPORT_HEADERS)


def column_mapping(roster: Roster) -> pd.DataFrame:
    """'Kolom berkas -> kolom Pantau PDM' for every column of the file's header, with the rule
    wherever a column was chosen over another or left out."""
    uses = roster.column_uses
    return pd.DataFrame(
        {
            "Kolom berkas": [u.header for u in uses],
            "Dibaca sebagai": [
                roster.campaign.vocabulary.labels[u.column] if u.column else "tidak dipakai" for u in uses
            ],
            "Keterangan": [u.note for u in uses],
        }
    )


def commit_upload(
    con: store.Connection,
    preview: UploadPreview,
    replace: bool,
    skip_invalid: bool,
    uploaded_by: str,
    notices_confirmed: bool = False,
) -> store.SavedSnapshot:
    """Store the previewed snapshot; its plausibility notices must have been confirmed (and are audited)."""
    if preview.notices and not notices_confirmed:
        raise PdmError("Periksa peringatan di atas dan centang konfirmasinya sebelum menyimpan.")
    saved = ingest_roster(
        con,
        preview.roster,
        skip_invalid=skip_invalid,
        replace=replace,
        uploaded_by=uploaded_by,
        confirmed_notices=preview.notices,
        definition=preview.definition,
    )
    remember_choices(con, preview.roster.header, preview.choices, uploaded_by)
    return saved
