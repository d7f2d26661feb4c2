"""Unggah Snapshot: check uploaded files without storing anything, then store them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from pdm_metrics import store
from pdm_metrics.ingest import ingest_roster
from pdm_metrics.reading.files import Progress
from pdm_metrics.roster import Roster, read_rosters


@dataclass
class UploadPreview:
    roster: Roster
    exists: bool
    rows_to_store: int
    activated: int
    report: pd.DataFrame  # the validation report with Indonesian headers


# The check report's columns (checks.rules.PROBLEM_COLUMNS) as the operator reads them.
REPORT_HEADERS = {
    "source": "Sumber",
    "row_number": "Baris",
    "column_label": "Kolom",
    "value": "Nilai",
    "reason": "Alasan",
    "level": "Tingkat",
}


def upload_preview(
    con: store.Connection,
    files: Sequence[tuple[bytes, str]],
    snapshot_date: date | None,
    progress: Progress | None = None,
) -> UploadPreview:
    """Read and check uploaded files (one snapshot) without storing anything (RosterError if unusable)."""
    roster = read_rosters(files, snapshot_date, progress, con)
    exists = roster.snapshot_date is not None and store.snapshot_exists(con, roster.snapshot_date)
    report = roster.problems.rename(columns=REPORT_HEADERS)
    return UploadPreview(roster, exists, roster.valid_count, roster.valid_activated_count, report)


def commit_upload(
    con: store.Connection, preview: UploadPreview, replace: bool, skip_invalid: bool, uploaded_by: str
) -> store.SavedSnapshot:
    return ingest_roster(con, preview.roster, skip_invalid=skip_invalid, replace=replace, uploaded_by=uploaded_by)


def remove_sample_data(con: store.Connection, actor: str) -> int:
    return store.delete_sample_snapshots(con, actor)
