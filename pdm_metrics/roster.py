"""One snapshot's roster: its files read into cells (reading/), every row checked (checks/).

The checked rows stay in their own in-memory DuckDB (`Roster.checks`) until they are stored:
a national file is never copied whole into Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import BinaryIO

import pandas as pd
import pyarrow as pa

from pdm_metrics import budget
from pdm_metrics.campaign import PDM_2021, Campaign, shipped_campaign
from pdm_metrics.checks.engine import RosterChecks
from pdm_metrics.checks.plan import lookup_tables, switches
from pdm_metrics.errors import RosterError
from pdm_metrics.fmt import format_int
from pdm_metrics.reading.files import ColumnChooser, HeaderUse, Progress, Source, read_files
from pdm_metrics.reading.snapshot_date import DateSource, resolve_snapshot_date
from pdm_metrics.schema import Column, normalise_header
from pdm_metrics.store.db import Connection


@dataclass
class Roster:
    """What one snapshot's files hold: every data row checked, the report, and where it came from."""

    checks: RosterChecks
    problems: pd.DataFrame  # checks.rules.PROBLEM_COLUMNS: the first engine.MAX_PROBLEM_DETAIL, in file order
    columns_present: frozenset[Column]
    snapshot_date: date | None
    date_source: DateSource | None  # None when nothing names the date
    source_name: str
    sha256: str
    row_count: int
    valid_count: int
    valid_done: tuple[int, ...]  # valid rows done, per stage of the campaign (in its order)
    column_uses: list[HeaderUse] = field(default_factory=list)  # the file's header, column by column
    header: list[str] = field(default_factory=list)  # the file's header texts (a remembered choice's key)
    hidden_sheets: list[str] = field(default_factory=list)  # hidden sheets, not read ("file › sheet")
    error_count: int = 0  # over every problem, also those not held in `problems`
    warning_count: int = 0

    @property
    def campaign(self) -> Campaign:
        return self.checks.campaign

    @property
    def problems_cut(self) -> bool:
        """Whether `problems` holds only the first of them (the full report: checks.problems_csv)."""
        return self.error_count + self.warning_count > len(self.problems)

    @property
    def invalid_row_count(self) -> int:
        return self.row_count - self.valid_count

    @cached_property
    def table(self) -> pa.Table:
        """Every row in file order (row_number, the store's roster columns and valid), as Arrow."""
        return self.checks.rows()

    @property
    def rows(self) -> pd.DataFrame:
        """Every row as pandas (for small files and tests); activation dates as timestamps."""
        return _to_pandas(self.table)

    @property
    def valid_rows(self) -> pd.DataFrame:
        return _to_pandas(self.table.filter(self.table["valid"]))


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    frame: pd.DataFrame = table.to_pandas(date_as_object=False)
    return frame


def first_campaign() -> Campaign:
    """The campaign a file is read for when none is named: PDM 2021, the one the app began with
    (the command line and the upload page always name the database's own)."""
    return shipped_campaign(PDM_2021)


def read_roster(
    source: BinaryIO | bytes, filename: str, snapshot_date: date | None = None, campaign: Campaign | None = None
) -> Roster:
    """Read and check one roster file. RosterError when the file cannot be used at all."""
    return read_rosters([(source, filename)], snapshot_date, campaign=campaign)


def read_rosters(
    sources: Sequence[Source],
    snapshot_date: date | None = None,
    progress: Progress | None = None,
    con: Connection | None = None,
    choose: ColumnChooser | None = None,
    campaign: Campaign | None = None,
) -> Roster:
    """Several files (and every sheet with a header in a workbook) read as ONE snapshot of
    `campaign` (its stages' columns and words).

    Duplicates are found across all of them; the report names the source of each problem.
    `progress` hears each step as it begins. With the store's connection `con`, the rows are
    checked inside the store's DuckDB, ready to be stored.
    """
    checks = RosterChecks(campaign or first_campaign(), con)
    try:
        with budget.reading() as limits, checks.within(limits):
            roster = _read_checked(checks, sources, snapshot_date, _within(limits, progress), choose)
    except BaseException:
        checks.close()
        raise
    if roster.row_count == 0:
        checks.close()
        raise RosterError("Berkas hanya berisi baris judul kolom, tanpa data ASN.")
    return roster


def _within(limits: budget.Budget, progress: Progress | None) -> Progress:
    """`progress`, first making sure the reading still has time for the step that begins."""

    def say(step: str) -> None:
        limits.check_time()
        if progress is not None:
            progress(step)

    return say


def _read_checked(
    checks: RosterChecks,
    sources: Sequence[Source],
    snapshot_date: date | None,
    say: Progress,
    choose: ColumnChooser | None,
) -> Roster:
    read = read_files(checks, sources, say, choose)
    # Optional columns count only when every table has them (else "not available", never a guess).
    columns = frozenset.intersection(*(frozenset(header) for header in read.headers))
    checks.clear_columns([c.value for c in Column if c not in columns and any(c in h for h in read.headers)])
    columns, uses = _without_single_instansi(checks, columns, read.uses)
    date_found, date_source = resolve_snapshot_date(snapshot_date, read.titles[0], read.names[0])
    say(f"Memeriksa {format_int(checks.raw_count())} baris")
    roster = _checked(checks, columns, date_found, date_source, " + ".join(read.names), read.sha256)
    roster.column_uses, roster.header, roster.hidden_sheets = uses, read.header, read.hidden_sheets
    return roster


def _without_single_instansi(
    checks: RosterChecks, columns: frozenset[Column], uses: list[HeaderUse]
) -> tuple[frozenset[Column], list[HeaderUse]]:
    """A file of one instansi (a regency's own SIASN export names it on every row) needs no
    instansi level: its OPD keep their plain names."""
    if Column.INSTANSI not in columns:
        return columns, uses
    names = {normalise_header(v) for v in checks.distinct_cells([Column.INSTANSI.value])}
    if len(names) > 1:
        return columns, uses
    checks.clear_columns([Column.INSTANSI.value])
    note = "satu instansi saja di seluruh berkas: tidak perlu tingkat instansi"
    return columns - {Column.INSTANSI}, [
        HeaderUse(u.header, None, note) if u.column is Column.INSTANSI else u for u in uses
    ]


def _checked(
    checks: RosterChecks,
    columns: frozenset[Column],
    snapshot_date: date | None,
    date_source: DateSource | None,
    source_name: str,
    sha256: str,
) -> Roster:
    """Run every check over the cells added to `checks`."""
    problems = checks.check(switches(columns, snapshot_date), lookup_tables(checks.campaign, checks.distinct_cells))
    rows, valid, done = checks.counts()
    errors, warnings = checks.problem_counts()
    return Roster(
        checks, problems, columns, snapshot_date, date_source, source_name, sha256, rows, valid, done,
        error_count=errors, warning_count=warnings,
    )  # fmt: skip


def roster_from_frame(
    raw: pd.DataFrame,
    snapshot_date: date,
    source_name: str,
    sha256: str,
    campaign: Campaign,
    con: Connection | None = None,
) -> Roster:
    """A frame of text columns named by Column (rows numbered from 2, as under a header row)
    checked like a file: how the sample data become snapshots."""
    columns = frozenset(c for c in Column if c.value in raw.columns)
    cells = pa.table(
        {
            c.value: pa.array(raw[c.value].astype("string"), pa.string()) if c in columns else pa.nulls(len(raw))
            for c in Column
        }
    )
    checks = RosterChecks(campaign, con)
    checks.add_cells(source_name, 2, cells, [])
    return _checked(checks, columns, snapshot_date, DateSource.GIVEN, source_name, sha256)
