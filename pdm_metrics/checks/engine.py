"""Where the checks run: an in-memory DuckDB of one snapshot's cells (RosterChecks).

Every check runs in parallel over whole columns; a large CSV is read by DuckDB's own reader
straight into it; and given the store's connection, the valid rows go into the roster table
without leaving DuckDB. The rules themselves are in rules.py.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import uuid
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence

import duckdb
import pandas as pd
import pyarrow as pa

from pdm_metrics.budget import MEMORY_BUDGET_MB, Budget, interrupt_at_deadline
from pdm_metrics.campaign import Campaign
from pdm_metrics.checks.plan import check_plan
from pdm_metrics.checks.rules import CELL_COLUMNS, ERROR, PROBLEM_COLUMNS, WARNING, trimmed
from pdm_metrics.errors import CsvNotReadable, RosterError
from pdm_metrics.schema import Table
from pdm_metrics.store import downloads
from pdm_metrics.store.db import Connection, bind, first
from pdm_metrics.store.snapshots import StoreProgress

# The working memory of checking (and, from the command line, storing) a file; beyond it DuckDB
# spills to disk, so a national file fits a small server. Two thirds of the reading's memory
# budget (1 GB of 1,5 GB) unless set apart: the rest is Python's and Arrow's.
CHECK_MEMORY = os.environ.get("PDM_CHECK_MEMORY") or f"{MEMORY_BUDGET_MB * 2 // 3}MB"


def _run(workspace: Connection, sql: str, params: dict[str, object]) -> Connection:
    return workspace.execute(sql, bind(sql, params))


def _do(workspace: Connection, sql: str, params: dict[str, object]) -> None:
    """Run a statement to its end (DuckDB refuses new work while a result is unread)."""
    _run(workspace, sql, params).fetchall()


# How many problems a file's report holds in memory, in detail (the rest are counted and can be
# downloaded whole): enough to fix a file by, small whatever the file.
MAX_PROBLEM_DETAIL = 10_000


class RosterChecks:
    """The cells of one snapshot (every part of it) and, once `check` ran, its checked rows.

    Parts are added in order; a row's position is its place in the `raw` table, and its row
    number the Excel-style number in its own file or sheet.

    The tables live in an in-memory database of their own (`catalog`). Given the store's
    connection, that database is attached to the store's DuckDB, so the valid rows go into the
    roster table without ever leaving DuckDB; alone (reading a file without a store), it is a
    DuckDB of its own, capped at CHECK_MEMORY.
    """

    def __init__(self, campaign: Campaign, con: Connection | None = None) -> None:
        self.campaign = campaign
        self.vocabulary = campaign.vocabulary  # how this campaign's files name their columns
        self.plan = check_plan(campaign)
        self.params = self.plan.params
        self.catalog = f"pdm_checks_{uuid.uuid4().hex}"
        if con is None:
            # Its own spill folder (files may be checked side by side), removed with the object.
            spill = tempfile.mkdtemp(prefix=f"pdm-checks-{os.getpid()}-")  # tempdirs: removed if we are killed
            weakref.finalize(self, shutil.rmtree, spill, True)
            con = duckdb.connect(":memory:", config={"memory_limit": CHECK_MEMORY, "temp_directory": spill})
        self._database = con  # the cursor below needs its database kept open
        self.workspace = con.cursor()
        (home,) = self.workspace.execute("SELECT current_database()").fetchall()[0]
        self.workspace.execute(f"ATTACH ':memory:' AS {self.catalog}").fetchall()
        self.workspace.execute(f"USE {self.catalog}").fetchall()
        # An upload that is never stored lets its rows go when it is forgotten.
        self._release = weakref.finalize(self, _detach, self.workspace, home, self.catalog)
        cells = ", ".join(f"{c} VARCHAR" for c in CELL_COLUMNS)
        for statement in (
            f"CREATE TABLE raw ({cells}, part INTEGER)",
            "CREATE TABLE parts (part INTEGER, start BIGINT, first_row BIGINT, label VARCHAR)",
            "CREATE TABLE numeric_nips (part INTEGER, row_number BIGINT)",
        ):
            self.workspace.execute(statement).fetchall()
        self._parts = 0

    def close(self) -> None:
        self._release()

    @contextlib.contextmanager
    def within(self, limits: Budget) -> Iterator[None]:
        """The work inside is interrupted at the budget's deadline, and says so (RosterError)."""
        try:
            with interrupt_at_deadline(limits, self.workspace.interrupt):
                yield
        except duckdb.InterruptException as exc:
            if limits.seconds_left() > 0:  # not the deadline's interrupt
                raise
            raise RosterError(limits.time_message()) from exc

    def _add_part(self, label: str, first_row: int, insert: str, params: dict[str, object]) -> int:
        part, self._parts = self._parts, self._parts + 1
        start = self.raw_count()
        _do(self.workspace, insert, {**self.params, **params, "part": part})
        self.workspace.execute("INSERT INTO parts VALUES (?, ?, ?, ?)", [part, start, first_row, label]).fetchall()
        return part

    def raw_count(self) -> int:
        return int(self.workspace.execute("SELECT count(*) FROM raw").fetchall()[0][0])

    def add_cells(self, label: str, first_row: int, cells: pa.Table, numeric_nip_rows: Sequence[int]) -> None:
        """Rows of text cells (an Arrow table with one column per schema.Column) numbered from first_row."""
        self.workspace.register("incoming_cells", cells)
        try:
            values = ", ".join(trimmed(c) for c in CELL_COLUMNS)
            part = self._add_part(label, first_row, f"INSERT INTO raw SELECT {values}, $part FROM incoming_cells", {})
        finally:
            self.workspace.unregister("incoming_cells")
        if numeric_nip_rows:
            self.workspace.executemany("INSERT INTO numeric_nips VALUES (?, ?)", [[part, r] for r in numeric_nip_rows])

    def add_csv_file(
        self, label: str, path: str, delimiter: str, skip: int, width: int, positions: dict[str, int]
    ) -> int:
        """A UTF-8 CSV read by DuckDB itself: data records from line `skip` on, `width` fields each,
        the cell of column c at position positions[c]; how many rows it read. CsvNotReadable when
        DuckDB refuses it."""
        values = ", ".join(trimmed(f"c{positions[c]}") if c in positions else "NULL" for c in CELL_COLUMNS)
        insert = f"""INSERT INTO raw SELECT {values}, $part
                     FROM read_csv($path, delim = $delimiter, skip = $skip, header = false, quote = '"',
                                   escape = '"', columns = $columns, auto_detect = false, strict_mode = true,
                                   null_padding = false, encoding = 'utf-8')"""
        columns = {f"c{i}": "VARCHAR" for i in range(width)}
        params = {"path": path, "delimiter": delimiter, "skip": skip, "columns": columns}
        before = self.raw_count()
        self.workspace.begin()
        try:
            self._add_part(label, skip + 1, insert, params)
            self.workspace.commit()
            return self.raw_count() - before
        except duckdb.InterruptException:  # the reading's time is up: no other way to read it
            self.workspace.rollback()
            raise
        except duckdb.Error as exc:
            self.workspace.rollback()
            self._parts -= 1
            raise CsvNotReadable(str(exc)) from exc

    def clear_columns(self, columns: Sequence[str]) -> None:
        """Forget columns that only some parts have (an optional column counts only when all have it)."""
        for column in columns:
            if column not in CELL_COLUMNS:
                raise ValueError(column)
            self.workspace.execute(f"UPDATE raw SET {column} = NULL").fetchall()

    def distinct_cells(self, columns: Sequence[str]) -> list[str]:
        """The distinct non-empty values of some columns (for per-word rules in Python)."""
        union = " UNION ".join(f"SELECT DISTINCT {c} AS v FROM raw" for c in columns)
        rows = self.workspace.execute(f"SELECT v FROM ({union}) WHERE v IS NOT NULL").fetchall()
        return [str(v) for (v,) in rows]

    def check(self, switches: dict[str, object], lookups: dict[str, pa.Table]) -> pd.DataFrame:
        """Normalise and check every row; returns the problems (rules.PROBLEM_COLUMNS, by source and row).

        `switches` are rules.switches of the file; `lookups` the per-word tables of rules.lookup_tables.
        """
        self.params |= switches
        for name, table in lookups.items():
            self.workspace.register(name, table)
        for statement in self.plan.statements:
            _do(self.workspace, statement, self.params)
        # Every problem stays in DuckDB (which spills to disk): a national file where every row
        # errs has millions. Python holds the first MAX_PROBLEM_DETAIL; the counts and the full
        # report (problem_counts, problems_csv) are read from the table.
        _do(self.workspace, f"CREATE TABLE problems AS {self.plan.problems_sql}", self.params)
        problems: pd.DataFrame = self.workspace.execute(
            "SELECT * FROM problems ORDER BY rowid LIMIT ?", [MAX_PROBLEM_DETAIL]
        ).df()
        # The cells as read are not needed any more (the flagged rows kept theirs): an upload waits
        # for its confirmation with only its checked rows in memory.
        self.workspace.execute("DROP TABLE raw").fetchall()
        self.workspace.execute("DROP TABLE flagged_cells").fetchall()
        return problems.astype({"row_number": "int64"})

    def problem_counts(self) -> tuple[int, int]:
        """(errors, warnings) among all the problems, not only those held in detail."""
        sql = "SELECT count(*) FILTER (WHERE level = ?), count(*) FILTER (WHERE level = ?) FROM problems"
        (row,) = self.workspace.execute(sql, [ERROR, WARNING]).fetchall()
        return int(row[0]), int(row[1])

    def error_rows(self) -> int:
        """How many rows have at least one error."""
        sql = "SELECT count(DISTINCT (source, row_number)) FROM problems WHERE level = ?"
        (row,) = self.workspace.execute(sql, [ERROR]).fetchall()
        return int(row[0])

    def problem_summary(self, limit: int) -> pd.DataFrame:
        """Identical problems in one line each (source, column_label, reason, level, rows,
        first_row, last_row), errors first, the most rows first: 200 rows of "NIP tersimpan
        sebagai angka" read as one line."""
        sql = """SELECT source, column_label, reason, level, count(*) AS rows,
                        min(row_number) AS first_row, max(row_number) AS last_row
                 FROM problems GROUP BY source, column_label, reason, level
                 ORDER BY level = ? DESC, rows DESC, first_row LIMIT ?"""
        return self.workspace.execute(sql, [ERROR, limit]).df()

    def unknown_status_words(self, limit: int) -> list[tuple[str, int]]:
        """The status words no vocabulary knows, with their rows, most first (over all problems)."""
        sql = """SELECT value, count(*) AS n FROM problems WHERE level = ? AND starts_with(reason, 'Status ''')
                 GROUP BY value ORDER BY n DESC, value LIMIT ?"""
        rows = self.workspace.execute(sql, [ERROR, limit]).fetchall()
        return [(str(value), int(n)) for value, n in rows]

    def problems_csv(self, headers: Mapping[str, str]) -> bytes:
        """The whole problem report as the CSV export.to_csv_bytes writes (written by DuckDB,
        however many rows; a cell a spreadsheet would run as a formula is disarmed, as in every
        download: the report quotes the file's own cells), its columns named by `headers`
        (rules.PROBLEM_COLUMNS -> what the reader sees)."""
        cells = [downloads.text_cell(f"coalesce(CAST({column} AS VARCHAR), '')") for column in PROBLEM_COLUMNS]
        lines = f"SELECT {downloads.csv_line(cells)} FROM {self.catalog}.problems ORDER BY rowid"  # a new cursor
        return downloads.copy_csv(self.workspace, lines, None, [headers[c] for c in PROBLEM_COLUMNS])

    def counts(self) -> tuple[int, int, tuple[int, ...]]:
        """(rows, valid rows, valid rows done per stage of the campaign)."""
        done = ", ".join(f"count(*) FILTER (WHERE {s.done_column})" for s in self.campaign.stages)
        (row,) = self.workspace.execute(
            f"SELECT (SELECT count(*) FROM checked), count(*), {done} FROM valid"
        ).fetchall()
        return int(row[0]), int(row[1]), tuple(int(n) for n in row[2:])

    def unit_totals(self) -> pd.DataFrame:
        """Per unit of the rows to store: opd_key, opd, total, and done per stage (done_<slot>)."""
        done = ", ".join(f"count(*) FILTER (WHERE {s.done_column}) AS {s.done_column}" for s in self.campaign.stages)
        sql = f"SELECT opd_key, min(opd) AS opd, count(*) AS total, {done} FROM valid GROUP BY opd_key"
        totals: pd.DataFrame = self.workspace.execute(sql).df()
        return totals

    def rows(self) -> pa.Table:
        """Every checked row in file order: row_number, the roster columns and `valid`."""
        columns = ", ".join(f"c.{name}" for name in self.plan.roster_columns)
        sql = f"""SELECT c.row_number, {columns}, v.position IS NOT NULL AS valid
                  FROM numbered c LEFT JOIN valid v USING (position) ORDER BY c.position"""
        table: pa.Table = self.workspace.sql(sql).to_arrow_table()
        return table

    def valid_rows_sql(self) -> str:
        """The rows to store, ordered by OPD (so per-OPD reads touch few row groups), with how
        many of them share each email (1 for an email of its own, NULL without one)."""
        columns = ", ".join(self.plan.roster_columns)
        return f"""SELECT {columns}, CASE WHEN email <> '' THEN coalesce(s.n, 1) END AS email_users
                   FROM {self.catalog}.valid LEFT JOIN {self.catalog}.shared_emails s USING (email)
                   ORDER BY opd_key"""

    def store_valid(self, cur: Connection, snapshot_id: int, progress: StoreProgress | None = None) -> None:
        """Append the valid rows to the roster table in `cur`'s transaction. In the store's own
        DuckDB they go straight from table to table; from a DuckDB of their own they stream over
        as Arrow batches (a national file is never copied whole)."""
        columns = ", ".join((*self.plan.roster_columns, "email_users"))
        # A row's unit is its OPD as read; the store's Peta Unit Kerja may then group it under another OPD.
        target = f"{Table.ROSTER} (snapshot_id, {columns}, unit, unit_key)"
        insert = f"INSERT INTO {target} SELECT ?, {columns}, opd, opd_key FROM "
        attached = first(cur.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name = ?", [self.catalog]))
        if attached[0]:
            _with_progress(cur, progress, lambda: cur.execute(insert + f"({self.valid_rows_sql()})", [snapshot_id]))
            return
        cur.register("incoming_roster", self.workspace.sql(self.valid_rows_sql()).to_arrow_reader(100_000))
        try:
            cur.execute(insert + "incoming_roster", [snapshot_id]).fetchall()
        finally:
            cur.unregister("incoming_roster")
        if progress is not None:
            progress(1.0)


def _with_progress(cur: Connection, progress: StoreProgress | None, work: Callable[[], object]) -> None:
    """Run `work` on `cur`, telling `progress` DuckDB's own estimate of how far it is, 5 times a second."""
    if progress is None:
        work()
        return
    for setting in ("SET enable_progress_bar = true", "SET enable_progress_bar_print = false"):
        cur.execute(setting)
    finished = threading.Event()

    def report() -> None:
        while not finished.wait(0.2):
            done = cur.query_progress()
            if done >= 0:
                progress(min(done, 100.0) / 100)

    reporter = threading.Thread(target=report, daemon=True)
    reporter.start()
    try:
        work()
    finally:
        finished.set()
        reporter.join()
    progress(1.0)


def _detach(workspace: Connection, home: str, catalog: str) -> None:
    """Let a check's tables go (quietly: the store may already be closed)."""
    with contextlib.suppress(duckdb.Error):
        quoted = home.replace('"', '""')  # a lake's catalog is named after its address
        workspace.execute(f'USE "{quoted}"').fetchall()
        workspace.execute(f"DETACH {catalog}").fetchall()
    with contextlib.suppress(duckdb.Error):
        workspace.close()
