"""From a read roster to a stored snapshot: the rules shared by the CLI and the upload page."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import date

from pdm_metrics import store
from pdm_metrics.campaign import Campaign, shipped_campaign_text
from pdm_metrics.checks.rules import ERROR
from pdm_metrics.errors import RosterError
from pdm_metrics.fmt import excerpt, format_int
from pdm_metrics.plausibility import SnapshotShape, plausibility_notices, snapshot_date_error
from pdm_metrics.reading.files import header_key
from pdm_metrics.roster import Roster
from pdm_metrics.schema import OPTIONAL_COLUMN_FLAGS, Column

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
    lines = [
        f"Berkas ditolak: {format_int(roster.error_count)} galat pada {format_int(roster.checks.error_rows())} baris. "
        "Perbaiki lalu unggah ulang, atau impor baris yang valid saja (opsi --skip-invalid)."
    ]
    unknown = roster.checks.unknown_status_words(shown + 1)
    if unknown:  # every unknown status word at once, most rows first: one fix per word
        words = ", ".join(f"'{excerpt(w)}' ({format_int(n)} baris)" for w, n in unknown[:shown])
        more = " dan kata lainnya" if len(unknown) > shown else ""
        lines.append(f"  Kata status tidak dikenal: {words}{more}.")
    for problem in errors.head(shown).itertuples(index=False):
        lines.append(
            f"  baris {problem.row_number}, kolom {problem.column_label}: {excerpt(problem.reason, 120)} "
            f"(nilai: '{excerpt(problem.value)}')"
        )
    if roster.error_count > shown:
        lines.append(f"  ... dan {format_int(roster.error_count - shown)} galat lainnya.")
    return "\n".join(lines)


def snapshot_meta(
    roster: Roster,
    uploaded_by: str,
    is_sample: bool = False,
    confirmed_notices: Sequence[str] = (),
    definition: tuple[str, str] = ("", ""),
) -> store.SnapshotMeta:
    """What is stored of a snapshot besides its rows; `definition` the campaign's (text, file
    name), kept with its first snapshot."""
    if roster.snapshot_date is None:
        raise RosterError(MISSING_DATE_MESSAGE)
    flags = {flag: column in roster.columns_present for flag, column in OPTIONAL_COLUMN_FLAGS.items()}
    campaign, present = roster.campaign, roster.columns_present
    return store.SnapshotMeta(
        campaign=campaign.key,
        headline_slot=campaign.headline_stage.slot,
        status_slots=frozenset(s.slot for s in campaign.stages if s.status_column in present),
        date_slots=frozenset(s.slot for s in campaign.stages if s.date_column in present),
        campaign_text=definition[0],
        campaign_file=definition[1],
        snapshot_date=roster.snapshot_date,
        source_name=roster.source_name,
        source_sha256=roster.sha256,
        skipped_rows=roster.invalid_row_count,
        rows_read=roster.row_count,
        uploaded_by=uploaded_by,
        is_sample=is_sample,
        confirmed_notices=tuple(confirmed_notices),
        **flags,
    )


def check_storable(roster: Roster, skip_invalid: bool) -> None:
    """RosterRejected in strict mode when any row has an error; RosterError when no row is valid."""
    if roster.error_count and not skip_invalid:
        raise RosterRejected(roster)
    if roster.valid_count == 0:
        raise RosterError("Tidak ada satu pun baris yang valid; tidak ada yang disimpan.")


# How far before the campaign's first phase and after its last a snapshot date may lie.
DATE_MARGIN_DAYS = int(os.environ.get("PDM_DATE_MARGIN_DAYS", "365"))


def date_error(roster: Roster, today: date) -> str | None:
    """Why the roster's snapshot date is impossible (plausibility.snapshot_date_error), if it is."""
    if roster.snapshot_date is None:
        return None
    return snapshot_date_error(roster.snapshot_date, today, roster.campaign, DATE_MARGIN_DAYS)


def ingest_roster(
    con: store.Connection,
    roster: Roster,
    skip_invalid: bool = False,
    replace: bool = False,
    uploaded_by: str = "cli",
    is_sample: bool = False,
    progress: store.StoreProgress | None = None,
    confirmed_notices: Sequence[str] = (),
    definition: tuple[str, str] = ("", ""),
) -> store.SavedSnapshot:
    """Store a checked roster as a snapshot; `progress` hears how far (0..1) its rows have come.
    `confirmed_notices` (plausibility notices the uploader confirmed) go into the audit log;
    `definition` is the campaign's (text, file name), kept with its first snapshot. A database
    holds any number of campaigns, each with at most one snapshot per date."""
    refused = date_error(roster, date.today())
    if refused:
        raise RosterError(refused)
    if not definition[0] and roster.campaign.key not in store.stored_campaigns(con):
        # Every snapshot's campaign is kept with it: a shipped one's file, else nothing is stored.
        definition = shipped_campaign_text(roster.campaign.key)
    meta = snapshot_meta(roster, uploaded_by, is_sample, confirmed_notices, definition)
    check_storable(roster, skip_invalid)
    return store.save_snapshot(con, roster.checks, meta, replace=replace, progress=progress)


def plausibility(con: store.Connection, roster: Roster, today: date) -> list[str]:
    """What looks odd about the roster as a whole, against the stored snapshot nearest its date
    (plausibility.plausibility_notices); empty without a date."""
    if roster.snapshot_date is None:
        return []
    campaign = roster.campaign
    units = roster.checks.unit_totals()
    labels = campaign.vocabulary.labels
    new = SnapshotShape(
        roster.snapshot_date,
        int(units["total"].sum()),
        int(units[campaign.headline_stage.done_column].sum()),
        dict(zip(units["opd_key"], units["opd"], strict=True)),
        frozenset(labels[c] for c in roster.columns_present if c in optional_columns(campaign).values()),
    )
    stored = _nearest_stored(con, campaign, roster.snapshot_date)
    return plausibility_notices(new, stored, today, campaign)


def optional_columns(campaign: Campaign) -> dict[str, Column]:
    """Snapshot flag -> the optional column it records: email, jenis ASN, and each stage's
    status (but the headline's, which every file has) and day done."""
    stages = {s.has_flag: s.status_column for s in campaign.stages if s != campaign.headline_stage}
    days = {s.has_date_flag: s.date_column for s in campaign.stages if s.date_aliases}
    return {**stages, **days, **OPTIONAL_COLUMN_FLAGS}


def _nearest_stored(con: store.Connection, campaign: Campaign, day: date) -> SnapshotShape | None:
    """The campaign's stored snapshot the new one replaces, else follows, else (dated before all) precedes."""
    snapshots = store.list_snapshots(con, campaign.key)
    if snapshots.empty:
        return None
    earlier = snapshots[snapshots["snapshot_date"].dt.date <= day]
    row = earlier.iloc[-1] if not earlier.empty else snapshots.iloc[0]
    stored_day = row["snapshot_date"].date()
    # Units as read, like the new file's: a Peta Unit Kerja may have grouped them into OPD since.
    units = store.unit_totals(con, stored_day, campaign.key)
    labels = campaign.vocabulary.labels
    columns = frozenset(labels[column] for flag, column in optional_columns(campaign).items() if row[flag])
    return SnapshotShape(
        stored_day,
        int(units["total"].sum()),
        int(units[campaign.headline_stage.done_column].sum()),
        dict(zip(units["unit_key"], units["unit"], strict=True)),
        columns,
        "unit kerja" if store.has_unit_map(con) else "OPD",
    )


class ColumnChoices:
    """The column choices for a header: remembered ones, then the operator's own on this upload
    (`chosen`; with `forget`, the remembered ones are set aside)."""

    def __init__(self, con: store.Connection, chosen: Mapping[Column, str], forget: bool) -> None:
        self.con, self.chosen, self.forget = con, dict(chosen), forget
        self.used: dict[Column, str] = {}

    def __call__(self, header: Sequence[str]) -> dict[Column, str]:
        remembered = {} if self.forget else store.remembered_columns(self.con, header_key(header))
        self.used = {**{Column(f): h for f, h in remembered.items()}, **self.chosen}
        return self.used


def remember_choices(con: store.Connection, header: Sequence[str], choices: Mapping[Column, str], actor: str) -> None:
    """The next file with this header is read with these choices (changed ones only: audited)."""
    key = header_key(header)
    wanted = {column.value: text for column, text in choices.items()}
    if wanted != store.remembered_columns(con, key):
        store.remember_columns(con, key, wanted, actor)
