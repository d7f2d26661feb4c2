"""The one door to DuckDB: schema, snapshot ingest and every query, with bound parameters.

Table names come from `schema.Table`; values always travel as parameters.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import tempfile
import threading
import uuid
import weakref
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from pdm_metrics.errors import StoreError
from pdm_metrics.fmt import format_date, format_int
from pdm_metrics.schema import ROSTER_COLUMNS, Table

DEFAULT_DB_PATH = Path(os.environ.get("PDM_DB", Path(__file__).resolve().parent.parent / "data" / "pdm.duckdb"))
Connection = duckdb.DuckDBPyConnection
WRITE_WAIT_SECONDS = 120.0
_WRITE_LOCK = threading.Lock()

T_SNAP, T_ROSTER, T_SUMMARY = Table.SNAPSHOTS.value, Table.ROSTER.value, Table.SUMMARY.value
T_ARCHIVE, T_AUDIT, T_META = Table.ARCHIVED_SNAPSHOTS.value, Table.AUDIT.value, Table.META.value
T_EXT = Table.EXTENSIONS.value
T_CHANGES, T_CHANGE_PAIRS, T_CHANGE_COUNTS = Table.CHANGES.value, Table.CHANGE_PAIRS.value, Table.CHANGE_COUNTS.value
T_PROFILE, T_UNITS = Table.PROFILE.value, Table.UNITS.value
# The kinds of change between two snapshots, each a boolean column of the changes table.
CHANGE_KINDS = (
    "newly_activated",
    "newly_pdm_done",
    "newly_verified",
    "regressed",
    "joined",
    "left",
    "moved_in",
    "moved_out",
)

_SNAPSHOT_COLUMNS = """
    id BIGINT PRIMARY KEY,
    snapshot_date DATE NOT NULL,
    source_name VARCHAR,
    source_sha256 VARCHAR,
    uploaded_at TIMESTAMP,
    uploaded_by VARCHAR,
    row_count BIGINT,
    skipped_rows BIGINT,
    has_activation_date BOOLEAN,
    has_pdm BOOLEAN,
    has_verification BOOLEAN,
    has_email BOOLEAN,
    has_jenis_asn BOOLEAN,
    is_sample BOOLEAN
"""
_DDL = (
    "CREATE SEQUENCE IF NOT EXISTS snapshot_ids START 1",
    f"CREATE TABLE IF NOT EXISTS {T_SNAP} ({_SNAPSHOT_COLUMNS})",
    f"""CREATE TABLE IF NOT EXISTS {T_ROSTER} (
        snapshot_id BIGINT NOT NULL, nip VARCHAR NOT NULL, nama VARCHAR, opd VARCHAR,
        opd_key VARCHAR, jenis_asn VARCHAR, activated BOOLEAN, activated_on DATE,
        pdm_done BOOLEAN, verified BOOLEAN, email VARCHAR, instansi VARCHAR, instansi_key VARCHAR,
        email_users BIGINT)""",
    f"""CREATE TABLE IF NOT EXISTS {T_SUMMARY} (
        snapshot_id BIGINT NOT NULL, opd_key VARCHAR, opd VARCHAR, jenis_asn VARCHAR,
        total BIGINT, activated BIGINT, pdm_done BIGINT, verified BIGINT, instansi_key VARCHAR, instansi VARCHAR)""",
    # Databases made before the instansi level gain its columns (NULL: a regency's own file).
    f"ALTER TABLE {T_ROSTER} ADD COLUMN IF NOT EXISTS instansi VARCHAR",
    f"ALTER TABLE {T_ROSTER} ADD COLUMN IF NOT EXISTS instansi_key VARCHAR",
    f"ALTER TABLE {T_SUMMARY} ADD COLUMN IF NOT EXISTS instansi_key VARCHAR",
    f"ALTER TABLE {T_SUMMARY} ADD COLUMN IF NOT EXISTS instansi VARCHAR",
    f"""CREATE TABLE IF NOT EXISTS {T_ARCHIVE} (
        {_SNAPSHOT_COLUMNS.replace("PRIMARY KEY", "")},
        archived_at TIMESTAMP, archived_by VARCHAR, replaced_by_id BIGINT)""",
    f"""CREATE TABLE IF NOT EXISTS {T_AUDIT} (
        logged_at TIMESTAMP NOT NULL, actor VARCHAR, action VARCHAR NOT NULL, detail VARCHAR)""",
    f"CREATE TABLE IF NOT EXISTS {T_META} (key VARCHAR PRIMARY KEY, value VARCHAR)",
    # Derived data, rebuilt whenever missing: the changes between two snapshots (only the NIPs
    # that changed, numbered in the order the Perubahan lists show them), their counts per OPD,
    # and which pairs are already computed (a pair may have no change at all).
    f"""CREATE TABLE IF NOT EXISTS {T_CHANGES} (
        from_id BIGINT NOT NULL, to_id BIGINT NOT NULL, nip VARCHAR, nama VARCHAR, email VARCHAR,
        opd_before VARCHAR, opd_after VARCHAR, key_before VARCHAR, key_after VARCHAR,
        {", ".join(f'"{kind}" BOOLEAN' for kind in CHANGE_KINDS)}, list_order BIGINT)""",
    f"""CREATE TABLE IF NOT EXISTS {T_CHANGE_COUNTS} (
        from_id BIGINT NOT NULL, to_id BIGINT NOT NULL, opd VARCHAR,
        {", ".join(f'"{kind}" BIGINT' for kind in CHANGE_KINDS)})""",
    f"CREATE TABLE IF NOT EXISTS {T_CHANGE_PAIRS} (from_id BIGINT NOT NULL, to_id BIGINT NOT NULL)",
    # Counts per snapshot by what the NIP says (birth year, gender, appointment year) and jenis ASN,
    # written at ingest: the Profil NIP page reads them instead of parsing every NIP again.
    # Every unit ever stored with its latest spelling (the selectors' choices; rebuilt on each write).
    f"CREATE TABLE IF NOT EXISTS {T_UNITS} (opd_key VARCHAR, opd VARCHAR, instansi_key VARCHAR, instansi VARCHAR)",
    f"""CREATE TABLE IF NOT EXISTS {T_PROFILE} (
        snapshot_id BIGINT NOT NULL, birth_year INTEGER, gender_digit VARCHAR, start_year INTEGER,
        jenis_asn VARCHAR, total BIGINT, activated BIGINT, pdm_done BIGINT, verified BIGINT)""",
    f"""CREATE TABLE IF NOT EXISTS {T_EXT} (
        phase VARCHAR NOT NULL, new_end DATE NOT NULL, letter_number VARCHAR NOT NULL,
        letter_date DATE NOT NULL, scope VARCHAR, added_by VARCHAR, added_at TIMESTAMP)""",
)


def connect(path: str | Path | None = None, read_only: bool = False, memory_limit: str | None = None) -> Connection:
    """Open (and if needed create) the database; StoreError when another process holds it.
    `memory_limit` caps DuckDB's working memory (beyond it, it spills to disk)."""
    target = Path(path) if path is not None else DEFAULT_DB_PATH
    if str(target) != ":memory:":
        target.parent.mkdir(parents=True, exist_ok=True)
    try:
        config: dict[str, str | bool | int | float | list[str]] = {"memory_limit": memory_limit} if memory_limit else {}
        con = duckdb.connect(str(target), read_only=read_only, config=config)
    except duckdb.IOException as exc:
        raise StoreError(
            f"Basis data {target} tidak dapat dibuka: sedang dipakai proses lain (misalnya dasbor "
            "yang sedang berjalan) atau berkasnya rusak. Coba lagi setelah proses itu selesai."
        ) from exc
    if not read_only:
        for statement in _DDL:
            con.execute(statement)
        _add_email_users(con)
        _add_derived_summaries(con)
        _upgrade_stored_changes(con)
    return con


# How the stored changes are numbered (list_order); changes numbered another way are forgotten.
CHANGE_ORDER = "unit key, unit, name, NIP"


def _upgrade_stored_changes(con: Connection) -> None:
    """Stored changes from before they were numbered, or numbered in another order, are dropped:
    they are derived, and each pair is worked out again (numbered, with its counts) the first
    time it is asked for."""
    if not _has_column(con, T_CHANGES, "list_order"):
        with transaction(con) as cur:
            for table in (T_CHANGES, T_CHANGE_PAIRS):
                cur.execute(f"DROP TABLE {table}")
            for statement in _DDL:
                cur.execute(statement)
    if _first(con.cursor().execute(f"SELECT value FROM {T_META} WHERE key = 'change_order'")) != (CHANGE_ORDER,):
        with transaction(con) as cur:
            for table in _CHANGE_TABLES:
                cur.execute(f"DELETE FROM {table}")
            cur.execute(f"INSERT OR REPLACE INTO {T_META} VALUES ('change_order', ?)", [CHANGE_ORDER])


def _has_column(con: Connection, table: str, column: str) -> bool:
    sql = "SELECT count(*) FROM information_schema.columns WHERE table_name = ? AND column_name = ?"
    return bool(_first(con.cursor().execute(sql, [table, column]))[0])


def _add_derived_summaries(con: Connection) -> None:
    """Databases made before the profile summary and the unit list existed gain them, once."""
    (profiled, units, snapshots) = _first(
        con.execute(
            f"SELECT (SELECT count(*) FROM {T_PROFILE}), (SELECT count(*) FROM {T_UNITS}), count(*) FROM {T_SNAP}"
        )
    )
    if snapshots and not (profiled and units):
        with transaction(con) as cur:
            _rebuild_derived_summaries(cur)


def _rebuild_derived_summaries(cur: Connection) -> None:
    """The NIP profile summary and the unit list, from what is stored (after a restore or an upgrade)."""
    _rebuild_profile_summaries(cur)
    _rebuild_units(cur)


def _rebuild_units(cur: Connection) -> None:
    cur.execute(f"DELETE FROM {T_UNITS}")
    cur.execute(
        f"""INSERT INTO {T_UNITS}
            SELECT m.opd_key, arg_max(m.opd, s.snapshot_date), arg_max(m.instansi_key, s.snapshot_date),
                   arg_max(m.instansi, s.snapshot_date)
            FROM {T_SUMMARY} m JOIN {T_SNAP} s ON s.id = m.snapshot_id
            GROUP BY m.opd_key"""
    )


def _rebuild_profile_summaries(cur: Connection) -> None:
    cur.execute(f"DELETE FROM {T_PROFILE}")
    for (snapshot_id,) in cur.execute(f"SELECT id FROM {T_SNAP}").fetchall():
        _insert_profile_summary(cur, int(snapshot_id))


def _add_email_users(con: Connection) -> None:
    """Databases made before email sharing was counted at ingest gain the column, filled once."""
    if _has_column(con, T_ROSTER, "email_users"):
        return
    con.execute(f"ALTER TABLE {T_ROSTER} ADD COLUMN email_users BIGINT")
    _fill_email_users(con)


def _fill_email_users(cur: Connection) -> None:
    cur.execute(
        f"""UPDATE {T_ROSTER} r SET email_users = shared.n
            FROM (SELECT snapshot_id, email, count(*) AS n FROM {T_ROSTER} WHERE email <> '' GROUP BY ALL) shared
            WHERE r.snapshot_id = shared.snapshot_id AND r.email = shared.email AND r.email_users IS NULL"""
    )


def _first(result: Connection) -> Any:
    """The first row of a result (None without rows), read to its end: DuckDB refuses further
    work on a connection while a result is unread."""
    rows = result.fetchall()
    return rows[0] if rows else None


def _bind(sql: str, params: Mapping[str, object]) -> dict[str, object]:
    """The named parameters a statement uses (DuckDB refuses unused ones)."""
    used = set(re.findall(r"\$([a-z_]+)", sql))
    return {name: value for name, value in params.items() if name in used}


@contextmanager
def transaction(con: Connection, wait_seconds: float = WRITE_WAIT_SECONDS) -> Iterator[Connection]:
    """One explicit transaction on its own cursor: all of it commits, or none of it.

    Writers of this process take turns (DuckDB would let two uploads of the same date both
    insert, since they touch no common row); another process cannot open the file at all.
    """
    if not _WRITE_LOCK.acquire(timeout=wait_seconds):
        raise StoreError("Basis data sedang menyimpan unggahan lain. Coba lagi sebentar lagi.")
    cursor = con.cursor()
    try:
        cursor.begin()
        try:
            yield cursor
            cursor.commit()
        except BaseException as exc:
            _rollback_quietly(cursor)
            if isinstance(exc, duckdb.IOException | duckdb.TransactionException | duckdb.FatalException):
                raise StoreError(
                    "Gagal menulis ke basis data (ruang penyimpanan penuh, tidak dapat ditulis, atau bentrok "
                    "dengan penulisan lain); tidak ada yang berubah. Periksa ruang disk lalu coba lagi."
                ) from exc
            raise
    finally:
        cursor.close()
        _WRITE_LOCK.release()


def _rollback_quietly(cursor: Connection) -> None:
    # After a failed commit DuckDB has already rolled back; a second rollback only says so.
    with contextlib.suppress(duckdb.Error):
        cursor.rollback()


# ----------------------------------------------------------------------------- writing


@dataclass(frozen=True)
class SnapshotMeta:
    snapshot_date: date
    source_name: str
    source_sha256: str
    skipped_rows: int
    has_activation_date: bool
    has_pdm: bool
    has_verification: bool
    has_email: bool
    has_jenis_asn: bool
    uploaded_by: str = "cli"
    is_sample: bool = False


@dataclass(frozen=True)
class SavedSnapshot:
    snapshot_id: int
    snapshot_date: date
    rows: int
    activated: int
    replaced: bool


def snapshot_exists(con: Connection, snapshot_date: date) -> bool:
    row = _first(con.cursor().execute(f"SELECT count(*) FROM {T_SNAP} WHERE snapshot_date = ?", [snapshot_date]))
    return bool(row and row[0])


def save_snapshot(
    con: Connection,
    rows: RosterChecks,
    meta: SnapshotMeta,
    replace: bool = False,
    progress: StoreProgress | None = None,
) -> SavedSnapshot:
    """Store one snapshot's valid rows (the checked rows' `valid` view) and its OPD summary in
    a single transaction.

    An existing date is replaced only with `replace`; its metadata moves to the
    archive table and its roster rows stay in place (nothing is lost).
    """
    with transaction(con) as cur:
        existing = _first(cur.execute(f"SELECT id FROM {T_SNAP} WHERE snapshot_date = ?", [meta.snapshot_date]))
        if existing and not replace:
            raise StoreError(
                f"Snapshot tanggal {format_date(meta.snapshot_date)} sudah ada. "
                "Konfirmasi penggantian (opsi --replace) untuk menggantinya."
            )
        (new_id,) = _first(cur.execute("SELECT nextval('snapshot_ids')")) or (0,)
        if existing:
            _archive_snapshot(cur, int(existing[0]), int(new_id), meta.uploaded_by)
        count = _insert_roster(cur, int(new_id), rows, progress)
        cur.execute(
            f"INSERT INTO {T_SNAP} VALUES (?, ?, ?, ?, now()::TIMESTAMP, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                new_id,
                meta.snapshot_date,
                meta.source_name,
                meta.source_sha256,
                meta.uploaded_by,
                count,
                meta.skipped_rows,
                meta.has_activation_date,
                meta.has_pdm,
                meta.has_verification,
                meta.has_email,
                meta.has_jenis_asn,
                meta.is_sample,
            ],
        )
        _insert_summary(cur, int(new_id))
        _insert_profile_summary(cur, int(new_id))
        _rebuild_units(cur)
        _store_neighbour_changes(cur, int(new_id), meta.snapshot_date)
        (activated,) = _first(
            cur.execute(f"SELECT coalesce(sum(activated), 0) FROM {T_SUMMARY} WHERE snapshot_id = ?", [new_id])
        ) or (0,)
        action = "ganti snapshot" if existing else "unggah snapshot"
        detail = f"{meta.snapshot_date.isoformat()} {meta.source_name} ({format_int(count)} baris)"
        _audit(cur, meta.uploaded_by, action, detail)
        _bump_data_version(cur)
    return SavedSnapshot(int(new_id), meta.snapshot_date, count, int(activated), bool(existing))


def _archive_snapshot(cur: Connection, old_id: int, new_id: int, actor: str) -> None:
    cur.execute(
        f"INSERT INTO {T_ARCHIVE} SELECT *, now()::TIMESTAMP, ?, ? FROM {T_SNAP} WHERE id = ?", [actor, new_id, old_id]
    )
    for summary in (T_SUMMARY, T_PROFILE):
        cur.execute(f"DELETE FROM {summary} WHERE snapshot_id = ?", [old_id])
    cur.execute(f"DELETE FROM {T_SNAP} WHERE id = ?", [old_id])
    _forget_changes(cur, [old_id])


def _insert_roster(cur: Connection, snapshot_id: int, rows: RosterChecks, progress: StoreProgress | None) -> int:
    """Append the valid rows (ordered by OPD); returns how many."""
    rows.store_valid(cur, snapshot_id, progress)
    (count,) = _first(cur.execute(f"SELECT count(*) FROM {T_ROSTER} WHERE snapshot_id = ?", [snapshot_id])) or (0,)
    return int(count)


def _insert_summary(cur: Connection, snapshot_id: int) -> None:
    cur.execute(
        f"""INSERT INTO {T_SUMMARY}
                (snapshot_id, opd_key, opd, jenis_asn, total, activated, pdm_done, verified, instansi_key, instansi)
            SELECT snapshot_id, opd_key, min(opd), jenis_asn, count(*),
                   count(*) FILTER (WHERE activated),
                   count(*) FILTER (WHERE pdm_done),
                   count(*) FILTER (WHERE verified),
                   min(instansi_key), min(instansi)
            FROM {T_ROSTER} WHERE snapshot_id = ?
            GROUP BY snapshot_id, opd_key, jenis_asn""",
        [snapshot_id],
    )


def _audit(cur: Connection, actor: str, action: str, detail: str) -> None:
    cur.execute(f"INSERT INTO {T_AUDIT} VALUES (now()::TIMESTAMP, ?, ?, ?)", [actor, action, detail])


def _bump_data_version(cur: Connection) -> None:
    cur.execute(
        f"""INSERT INTO {T_META} VALUES ('data_version', '1')
            ON CONFLICT (key) DO UPDATE SET value = (CAST(value AS BIGINT) + 1)::VARCHAR"""
    )


def delete_sample_snapshots(con: Connection, actor: str) -> int:
    """Remove every snapshot marked as sample data; returns how many were removed."""
    with transaction(con) as cur:
        ids = [r[0] for r in cur.execute(f"SELECT id FROM {T_SNAP} WHERE is_sample").fetchall()]
        for table in (T_ROSTER, T_SUMMARY, T_PROFILE):
            cur.execute(f"DELETE FROM {table} WHERE list_contains(?::BIGINT[], snapshot_id)", [ids])
        cur.execute(f"DELETE FROM {T_SNAP} WHERE is_sample")
        _forget_changes(cur, ids)
        _rebuild_units(cur)
        _audit(cur, actor, "hapus data contoh", f"{len(ids)} snapshot")
        _bump_data_version(cur)
    return len(ids)


# ----------------------------------------------------------------------------- reading


def data_version(con: Connection) -> int:
    row = _first(con.cursor().execute(f"SELECT value FROM {T_META} WHERE key = 'data_version'"))
    return int(row[0]) if row else 0


def snapshot_dates(con: Connection) -> list[date]:
    rows = con.cursor().execute(f"SELECT snapshot_date FROM {T_SNAP} ORDER BY snapshot_date").fetchall()
    return [row[0] for row in rows]


def list_snapshots(con: Connection) -> pd.DataFrame:
    return con.cursor().execute(f"SELECT * FROM {T_SNAP} ORDER BY snapshot_date").df()


def audit_entries(con: Connection) -> pd.DataFrame:
    return con.cursor().execute(f"SELECT * FROM {T_AUDIT} ORDER BY logged_at").df()


def archived_snapshots(con: Connection) -> pd.DataFrame:
    return con.cursor().execute(f"SELECT * FROM {T_ARCHIVE} ORDER BY archived_at").df()


def _list_param(values: Sequence[str] | None) -> list[str] | None:
    return list(values) if values else None


# Names in the order a reader looks them up: "Badan Kesbangpol", "Bapenda", "BKPSDM" (a plain
# ORDER BY puts every capital before every small letter); the exact text breaks ties.
OPD_BY_NAME = "lower(opd), opd"

UNIT_COLUMNS = {"opd": ("m.opd_key", "m.opd"), "instansi": ("m.instansi_key", "m.instansi")}


def summary_counts(
    con: Connection,
    by_opd: bool,
    snapshot_date: date | None = None,
    opd_keys: Sequence[str] | None = None,
    jenis_asn: Sequence[str] | None = None,
    level: str = "opd",
) -> pd.DataFrame:
    """Counts per snapshot (and per unit), from the summary table, with availability flags.

    The unit is the OPD, or with level="instansi" the instansi (returned under the same
    opd_key/opd column names, so every consumer works at either level).
    """
    key_column, name_column = UNIT_COLUMNS[level]
    group = "s.snapshot_date, s.has_pdm, s.has_verification" + (f", {key_column}" if by_opd else "")
    select_opd = f"{key_column} AS opd_key, arg_max({name_column}, s.snapshot_date) AS opd," if by_opd else ""
    sql = f"""
        SELECT s.snapshot_date, s.has_pdm, s.has_verification, {select_opd}
               sum(m.total)::BIGINT AS total, sum(m.activated)::BIGINT AS activated,
               sum(m.pdm_done)::BIGINT AS pdm_done, sum(m.verified)::BIGINT AS verified
        FROM {T_SUMMARY} m JOIN {T_SNAP} s ON s.id = m.snapshot_id
        WHERE ($date::DATE IS NULL OR s.snapshot_date = $date)
          AND ($opd::VARCHAR[] IS NULL OR list_contains($opd, m.opd_key))
          AND ($jenis::VARCHAR[] IS NULL OR list_contains($jenis, m.jenis_asn))
        GROUP BY {group}
    """
    if by_opd and snapshot_date is None:
        # The display name of a unit is its spelling in the latest snapshot shown.
        sql = f"""SELECT * REPLACE (arg_max(opd, snapshot_date) OVER (PARTITION BY opd_key) AS opd)
                  FROM ({sql}) ORDER BY snapshot_date, opd_key"""
    else:
        sql += " ORDER BY s.snapshot_date" + (", opd_key" if by_opd else "")
    params = {"date": snapshot_date, "opd": _list_param(opd_keys), "jenis": _list_param(jenis_asn)}
    return con.cursor().execute(sql, params).df()


def activation_counts_by_day(
    con: Connection,
    snapshot_date: date,
    opd_keys: Sequence[str] | None = None,
    jenis_asn: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Number of ASN of one snapshot who activated on each day (from activation dates)."""
    sql = f"""
        SELECT r.activated_on AS day, count(*) AS activated
        FROM {T_ROSTER} r JOIN {T_SNAP} s ON s.id = r.snapshot_id
        WHERE s.snapshot_date = $date AND r.activated AND r.activated_on IS NOT NULL
          AND ($opd::VARCHAR[] IS NULL OR list_contains($opd, r.opd_key))
          AND ($jenis::VARCHAR[] IS NULL OR list_contains($jenis, r.jenis_asn))
        GROUP BY r.activated_on ORDER BY r.activated_on
    """
    params = {"date": snapshot_date, "opd": _list_param(opd_keys), "jenis": _list_param(jenis_asn)}
    return con.cursor().execute(sql, params).df()


def opd_choices(con: Connection) -> pd.DataFrame:
    """Every OPD key with its latest spelling and instansi, sorted by name (for selectors)."""
    return con.cursor().execute(f"SELECT * FROM {T_UNITS} ORDER BY {OPD_BY_NAME}").df()


@dataclass(frozen=True)
class RosterFilter:
    """What the Data & Unduh page and exports filter on; None means 'all'."""

    opd_keys: tuple[str, ...] | None = None
    jenis_asn: tuple[str, ...] | None = None
    activated: bool | None = None
    pdm_done: bool | None = None
    verified: bool | None = None


def _roster_where(snapshot_date: date, where: RosterFilter) -> tuple[str, dict[str, object]]:
    sql = f"""
        FROM {T_ROSTER} r JOIN {T_SNAP} s ON s.id = r.snapshot_id
        WHERE s.snapshot_date = $date
          AND ($opd::VARCHAR[] IS NULL OR list_contains($opd, r.opd_key))
          AND ($jenis::VARCHAR[] IS NULL OR list_contains($jenis, r.jenis_asn))
          AND ($act::BOOLEAN IS NULL OR r.activated = $act)
          AND ($pdm::BOOLEAN IS NULL OR r.pdm_done IS NOT DISTINCT FROM $pdm)
          AND ($ver::BOOLEAN IS NULL OR r.verified IS NOT DISTINCT FROM $ver)
    """
    params: dict[str, object] = {
        "date": snapshot_date,
        "opd": _list_param(where.opd_keys),
        "jenis": _list_param(where.jenis_asn),
        "act": where.activated,
        "pdm": where.pdm_done,
        "ver": where.verified,
    }
    return sql, params


def roster_rows(
    con: Connection, snapshot_date: date, where: RosterFilter = RosterFilter(), limit: int | None = None
) -> pd.DataFrame:
    """The roster rows of one snapshot, filtered, by unit then name (the first `limit`). Units
    come in the order of their keys: by name whatever the case ("Badan …" before "BKPSDM"),
    and within their instansi when the file has one (the order the rows are stored in)."""
    source, params = _roster_where(snapshot_date, where)
    sql = f"""SELECT r.nip, r.nama, r.opd, r.jenis_asn, r.activated, r.activated_on, r.pdm_done, r.verified, r.email
              {source} ORDER BY r.opd_key, r.opd, r.nama, r.nip LIMIT $limit"""
    return con.cursor().execute(sql, {**params, "limit": limit}).df()


def roster_row_count(con: Connection, snapshot_date: date, where: RosterFilter = RosterFilter()) -> int:
    source, params = _roster_where(snapshot_date, where)
    (count,) = _first(con.cursor().execute(f"SELECT count(*) {source}", params))
    return int(count)


# A status the earlier file lacked counts as not yet done (NULL -> false).
_CHANGES_SELECT = f"""
    WITH a AS (SELECT * FROM {T_ROSTER} WHERE snapshot_id = $from_id),
         b AS (SELECT * FROM {T_ROSTER} WHERE snapshot_id = $to_id),
         pairs AS (
            SELECT coalesce(b.nip, a.nip) AS nip, coalesce(b.nama, a.nama) AS nama, coalesce(b.email, a.email) AS email,
                   a.opd AS opd_before, b.opd AS opd_after, a.opd_key AS key_before, b.opd_key AS key_after,
                   a.nip IS NOT NULL AND b.nip IS NOT NULL AS both_sides,
                   coalesce(a.activated, false) AS act_a, coalesce(b.activated, false) AS act_b,
                   coalesce(a.pdm_done, false) AS pdm_a, coalesce(b.pdm_done, false) AS pdm_b,
                   coalesce(a.verified, false) AS ver_a, coalesce(b.verified, false) AS ver_b,
                   a.nip IS NOT NULL AS in_a, b.nip IS NOT NULL AS in_b
            FROM a FULL OUTER JOIN b ON a.nip = b.nip
         ),
         flagged AS (
            SELECT $from_id AS from_id, $to_id AS to_id, nip, nama, email, opd_before, opd_after, key_before, key_after,
                   both_sides AND act_b AND NOT act_a AS newly_activated,
                   both_sides AND pdm_b AND NOT pdm_a AS newly_pdm_done,
                   both_sides AND ver_b AND NOT ver_a AS newly_verified,
                   both_sides AND act_a AND NOT act_b AS regressed,
                   in_b AND NOT in_a AS joined,
                   in_a AND NOT in_b AS "left",
                   both_sides AND key_before <> key_after AS moved_in,
                   both_sides AND key_before <> key_after AS moved_out
            FROM pairs
         )
    SELECT *, row_number() OVER (
        ORDER BY coalesce(key_after, key_before), coalesce(opd_after, opd_before), nama, nip) AS list_order
    FROM flagged WHERE """ + " OR ".join(f'"{kind}"' for kind in CHANGE_KINDS)


def _snapshot_id(con: Connection, snapshot_date: date) -> int | None:
    row = _first(con.cursor().execute(f"SELECT id FROM {T_SNAP} WHERE snapshot_date = ?", [snapshot_date]))
    return int(row[0]) if row else None


def _store_changes(cur: Connection, from_id: int, to_id: int) -> None:
    pair = {"from_id": from_id, "to_id": to_id}
    cur.execute(f"INSERT INTO {T_CHANGES} {_CHANGES_SELECT}", pair)
    stored = f"(SELECT * FROM {T_CHANGES} WHERE from_id = $from_id AND to_id = $to_id)"
    cur.execute(f"INSERT INTO {T_CHANGE_COUNTS} SELECT $from_id, $to_id, * FROM ({_per_opd_counts(stored)})", pair)
    cur.execute(f"INSERT INTO {T_CHANGE_PAIRS} VALUES (?, ?)", [from_id, to_id])


def _store_neighbour_changes(cur: Connection, snapshot_id: int, snapshot_date: date) -> None:
    """The changes from the snapshot before and to the snapshot after (what Perubahan opens with)."""
    neighbours = _first(
        cur.execute(
            f"""SELECT (SELECT arg_max(id, snapshot_date) FROM {T_SNAP} WHERE snapshot_date < $day),
                   (SELECT arg_min(id, snapshot_date) FROM {T_SNAP} WHERE snapshot_date > $day)""",
            {"day": snapshot_date},
        )
    ) or (None, None)
    before, after = neighbours
    if before is not None:
        _store_changes(cur, int(before), snapshot_id)
    if after is not None:
        _store_changes(cur, snapshot_id, int(after))


# Derived from the roster: never backed up, emptied on restore, worked out again when asked for.
_CHANGE_TABLES = (T_CHANGES, T_CHANGE_COUNTS, T_CHANGE_PAIRS)


def _forget_changes(cur: Connection, snapshot_ids: Sequence[int]) -> None:
    for table in _CHANGE_TABLES:
        cur.execute(
            f"DELETE FROM {table} WHERE list_contains($ids, from_id) OR list_contains($ids, to_id)",
            {"ids": list(snapshot_ids)},
        )


def _changes_source(con: Connection, from_date: date, to_date: date) -> tuple[str, dict[str, object], bool]:
    """The changes between two snapshots as a FROM-able query, and whether they are stored:
    they are computed and stored first when the pair is new, or computed on the fly on a
    read-only connection (also to a database stored by an older version)."""
    from_id, to_id = _snapshot_id(con, from_date), _snapshot_id(con, to_date)
    params: dict[str, object] = {"from_id": from_id, "to_id": to_id}
    sql = f"SELECT count(*) FROM {T_CHANGE_PAIRS} WHERE from_id = $from_id AND to_id = $to_id"
    (stored,) = _first(con.cursor().execute(sql, params))
    if stored and not _has_column(con, T_CHANGES, "list_order"):
        return f"({_CHANGES_SELECT})", params, False
    if stored == 0 and from_id is not None and to_id is not None:
        try:
            with transaction(con) as cur:
                _store_changes(cur, from_id, to_id)
        except (StoreError, duckdb.InvalidInputException):  # a read-only connection
            return f"({_CHANGES_SELECT})", params, False
    return f"(SELECT * FROM {T_CHANGES} WHERE from_id = $from_id AND to_id = $to_id)", params, True


# A change belongs to the chosen OPD when the ASN was there before or is there now.
_CHOSEN_UNITS = "($opd::VARCHAR[] IS NULL OR list_contains($opd, key_before) OR list_contains($opd, key_after))"


def change_totals(
    con: Connection, from_date: date, to_date: date, opd_keys: Sequence[str] | None = None
) -> dict[str, int]:
    """How many ASN changed in each way (CHANGE_KINDS) between two snapshots."""
    source, params, _ = _changes_source(con, from_date, to_date)
    counts = ", ".join(f'count(*) FILTER (WHERE "{kind}")' for kind in CHANGE_KINDS)
    sql = f"SELECT {counts} FROM {source} WHERE {_CHOSEN_UNITS}"
    row = _first(con.cursor().execute(sql, {**params, "opd": _list_param(opd_keys)})) or (0,) * len(CHANGE_KINDS)
    return {kind: int(value) for kind, value in zip(CHANGE_KINDS, row, strict=True)}


def _per_opd_counts(source: str, where: str = "true") -> str:
    """One row per OPD (opd + CHANGE_KINDS) of the changes in `source` that meet `where`: who
    left or moved out counts for the former OPD, every other change for the current one."""
    before_side = ("left", "moved_out")
    before = ", ".join(f'"{k}"' if k in before_side else f'false AS "{k}"' for k in CHANGE_KINDS)
    after = ", ".join(f'false AS "{k}"' if k in before_side else f'"{k}"' for k in CHANGE_KINDS)
    counts = ", ".join(f'count(*) FILTER (WHERE "{kind}") AS "{kind}"' for kind in CHANGE_KINDS)
    return f"""
        WITH chosen AS (SELECT * FROM {source} WHERE {where}),
             sides AS (SELECT opd_before AS opd, {before} FROM chosen
                       UNION ALL SELECT opd_after AS opd, {after} FROM chosen)
        SELECT opd, {counts} FROM sides WHERE opd IS NOT NULL GROUP BY opd
        HAVING bool_or({" OR ".join(f'"{kind}"' for kind in CHANGE_KINDS)})
    """


def change_counts_per_opd(
    con: Connection, from_date: date, to_date: date, opd_keys: Sequence[str] | None = None
) -> pd.DataFrame:
    """One row per OPD (opd + CHANGE_KINDS), by OPD name; the counts of a stored pair over all
    OPD are read as stored at ingest."""
    source, params, stored = _changes_source(con, from_date, to_date)
    if stored and opd_keys is None:
        kinds = ", ".join(f'"{kind}"' for kind in CHANGE_KINDS)
        sql = f"""SELECT opd, {kinds} FROM {T_CHANGE_COUNTS} WHERE from_id = $from_id AND to_id = $to_id
                  ORDER BY {OPD_BY_NAME}"""
        return con.cursor().execute(sql, params).df()
    sql = f"SELECT * FROM ({_per_opd_counts(source, _CHOSEN_UNITS)}) ORDER BY {OPD_BY_NAME}"
    return con.cursor().execute(sql, {**params, "opd": _list_param(opd_keys)}).df()


def change_list(
    con: Connection,
    from_date: date,
    to_date: date,
    kind: str,
    opd_keys: Sequence[str] | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """The ASN behind one kind of change (nip, nama, email, opd_before, opd_after), by OPD and name."""
    if kind not in CHANGE_KINDS:
        raise ValueError(kind)
    source, params, _ = _changes_source(con, from_date, to_date)
    # list_order is the order of CHANGE_ORDER, numbered once when the pair was stored.
    sql = f"""SELECT nip, nama, email, opd_before, opd_after FROM {source}
              WHERE "{kind}" AND {_CHOSEN_UNITS} ORDER BY list_order LIMIT $limit"""
    return con.cursor().execute(sql, {**params, "opd": _list_param(opd_keys), "limit": limit}).df()


def email_sharing(con: Connection, snapshot_date: date) -> pd.DataFrame:
    """The NIPs of one snapshot whose email other ASN use too, with how many use it (counted at ingest)."""
    sql = f"""
        SELECT r.nip, r.email_users
        FROM {T_ROSTER} r JOIN {T_SNAP} s ON s.id = r.snapshot_id
        WHERE s.snapshot_date = $date AND r.email_users > 1
    """
    return con.cursor().execute(sql, {"date": snapshot_date}).df()


_PROFILE_GROUPS = """TRY_CAST(substr(r.nip, 1, 4) AS INTEGER) AS birth_year,
       substr(r.nip, 15, 1) AS gender_digit,
       TRY_CAST(substr(r.nip, 9, 4) AS INTEGER) AS start_year,
       r.jenis_asn"""
_PROFILE_COUNTS = """count(*) AS total,
       count(*) FILTER (WHERE r.activated) AS activated,
       count(*) FILTER (WHERE r.pdm_done) AS pdm_done,
       count(*) FILTER (WHERE r.verified) AS verified"""


def _insert_profile_summary(cur: Connection, snapshot_id: int) -> None:
    cur.execute(
        f"""INSERT INTO {T_PROFILE} (snapshot_id, birth_year, gender_digit, start_year, jenis_asn,
                                     total, activated, pdm_done, verified)
            SELECT r.snapshot_id, {_PROFILE_GROUPS}, {_PROFILE_COUNTS}
            FROM {T_ROSTER} r WHERE r.snapshot_id = ? GROUP BY ALL""",
        [snapshot_id],
    )


def nip_profile_counts(
    con: Connection, snapshot_date: date, opd_keys: Sequence[str] | None = None, jenis_asn: Sequence[str] | None = None
) -> pd.DataFrame:
    """Counts per birth year, gender digit, appointment year and jenis ASN, read from the NIP:
    from the summary written at ingest, or for chosen OPD from their roster rows."""
    if opd_keys:
        sql = f"""
            SELECT {_PROFILE_GROUPS}, {_PROFILE_COUNTS}
            FROM {T_ROSTER} r JOIN {T_SNAP} s ON s.id = r.snapshot_id
            WHERE s.snapshot_date = $date AND list_contains($opd, r.opd_key)
              AND ($jenis::VARCHAR[] IS NULL OR list_contains($jenis, r.jenis_asn))
            GROUP BY ALL
        """
    else:
        sql = f"""
            SELECT p.birth_year, p.gender_digit, p.start_year, p.jenis_asn, sum(p.total)::BIGINT AS total,
                   sum(p.activated)::BIGINT AS activated, sum(p.pdm_done)::BIGINT AS pdm_done,
                   sum(p.verified)::BIGINT AS verified
            FROM {T_PROFILE} p JOIN {T_SNAP} s ON s.id = p.snapshot_id
            WHERE s.snapshot_date = $date AND ($jenis::VARCHAR[] IS NULL OR list_contains($jenis, p.jenis_asn))
            GROUP BY ALL
        """
    params = {"date": snapshot_date, "opd": _list_param(opd_keys), "jenis": _list_param(jenis_asn)}
    return con.cursor().execute(sql, _bind(sql, params)).df()


def add_deadline_extension(
    con: Connection, phase: str, new_end: date, letter_number: str, letter_date: date, scope: str, actor: str
) -> None:
    """Append an extension (history is kept: nothing is ever overwritten)."""
    with transaction(con) as cur:
        cur.execute(
            f"INSERT INTO {T_EXT} VALUES (?, ?, ?, ?, ?, ?, now()::TIMESTAMP)",
            [phase, new_end, letter_number, letter_date, scope, actor],
        )
        _audit(cur, actor, "tambah perpanjangan", f"{phase} s.d. {new_end.isoformat()} ({letter_number})")
        _bump_data_version(cur)


def _table_exists(cur: Connection, table: str) -> bool:
    row = _first(cur.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]))
    return bool(row and row[0])


def deadline_extensions(con: Connection) -> pd.DataFrame:
    cur = con.cursor()
    if not _table_exists(cur, T_EXT):  # a database from before extensions, opened read-only
        return pd.DataFrame(
            columns=["phase", "new_end", "letter_number", "letter_date", "scope", "added_by", "added_at"]
        )
    return cur.execute(f"SELECT * FROM {T_EXT} ORDER BY added_at").df()


# ----------------------------------------------------------------------------- backup and restore

BACKUP_TABLES = (T_SNAP, T_ROSTER, T_SUMMARY, T_ARCHIVE, T_AUDIT, T_META, T_EXT)
# A restore never rewrites history: the audit log stays as it is and records the restore.
RESTORED_TABLES = tuple(t for t in BACKUP_TABLES if t != T_AUDIT)
MAX_BACKUP_UNPACKED = 20 * 1024**3


def record_audit(con: Connection, actor: str, action: str, detail: str) -> None:
    """Append one audit entry (the log is append-only: nothing in the app updates or deletes it)."""
    with transaction(con) as cur:
        _audit(cur, actor, action, detail)


def backup_zip(con: Connection, actor: str) -> bytes:
    """A consistent copy of every table (one read transaction), as Parquet files in a zip."""
    with tempfile.TemporaryDirectory(prefix="pdm-backup-") as workdir:
        with transaction(con) as cur:
            for table in BACKUP_TABLES:
                # The path is ours (a fresh temporary folder), never user input.
                target = str(Path(workdir, f"{table}.parquet")).replace("'", "''")
                cur.execute(f"COPY (SELECT * FROM {table}) TO '{target}' (FORMAT parquet)")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for table in BACKUP_TABLES:
                archive.write(Path(workdir, f"{table}.parquet"), f"{table}.parquet")
    record_audit(con, actor, "unduh cadangan", f"{len(BACKUP_TABLES)} tabel")
    return buffer.getvalue()


def restore_zip(con: Connection, data: bytes, actor: str) -> int:
    """Replace every table with a backup's content in one transaction; returns the snapshot count."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = {info.filename: info for info in archive.infolist()}
    except zipfile.BadZipFile as exc:
        raise StoreError("Berkas cadangan rusak atau bukan berkas cadangan Pantau PDM (.zip).") from exc
    missing = [t for t in BACKUP_TABLES if f"{t}.parquet" not in names]
    if missing or sum(i.file_size for i in names.values()) > MAX_BACKUP_UNPACKED:
        raise StoreError("Berkas cadangan tidak lengkap atau tidak dikenal; basis data tidak diubah.")
    with tempfile.TemporaryDirectory(prefix="pdm-restore-") as workdir:
        for table in BACKUP_TABLES:
            Path(workdir, f"{table}.parquet").write_bytes(archive.read(f"{table}.parquet"))
        try:
            with transaction(con) as cur:
                for table in _CHANGE_TABLES:
                    cur.execute(f"DELETE FROM {table}")
                for table in RESTORED_TABLES:
                    cur.execute(f"DELETE FROM {table}")
                    source = str(Path(workdir, f"{table}.parquet"))
                    cur.execute(f"INSERT INTO {table} BY NAME SELECT * FROM read_parquet(?)", [source])
                _fill_email_users(cur)  # a backup from before the column was added
                _rebuild_derived_summaries(cur)  # derived: not in backups
                _audit(cur, actor, "pulihkan cadangan", f"{len(RESTORED_TABLES)} tabel")
                _bump_data_version(cur)
        except duckdb.Error as exc:
            raise StoreError("Berkas cadangan tidak cocok dengan basis data ini; basis data tidak diubah.") from exc
    _restart_snapshot_ids(con)
    return len(snapshot_dates(con))


def _restart_snapshot_ids(con: Connection) -> None:
    """New snapshot ids must continue after every id the restored tables use."""
    cur = con.cursor()
    row = _first(
        cur.execute(
            f"SELECT greatest((SELECT max(id) FROM {T_SNAP}), (SELECT max(id) FROM {T_ARCHIVE}),"
            f" (SELECT max(snapshot_id) FROM {T_ROSTER}))"
        )
    )
    start = int(row[0] or 0) + 1 if row else 1
    current = _first(cur.execute("SELECT nextval('snapshot_ids')"))
    while current and int(current[0]) < start:
        current = _first(cur.execute("SELECT nextval('snapshot_ids')"))


# ----------------------------------------------------------------------------- roster checks
#
# A roster is normalised and validated by SQL in an in-memory database of its own, attached to
# the store's DuckDB when there is one (RosterChecks): every check runs in parallel over whole
# columns, a large CSV is read by DuckDB's own reader straight into it, and the valid rows go
# into the roster table without leaving DuckDB. The rules and the Indonesian texts come from
# roster.py as parameters; here they are only applied.

RAW_CELL_COLUMNS = (
    "nip",
    "nama",
    "opd",
    "instansi",
    "status_aktivasi",
    "status_pdm",
    "status_verifikasi",
    "tgl_aktivasi",
    "email",
    "jenis_asn",
)
# The working memory of checking (and, from the command line, storing) a file; beyond it DuckDB
# spills to disk, so a national file fits a small server.
CHECK_MEMORY = os.environ.get("PDM_CHECK_MEMORY", "1GB")


class CsvNotReadable(Exception):
    """DuckDB's reader refused a CSV (odd encoding, ragged rows): the caller reads it another way."""


def _run(workspace: Connection, sql: str, params: dict[str, object]) -> Connection:
    return workspace.execute(sql, _bind(sql, params))


def _do(workspace: Connection, sql: str, params: dict[str, object]) -> None:
    """Run a statement to its end (DuckDB refuses new work while a result is unread)."""
    _run(workspace, sql, params).fetchall()


def _trimmed(cell: str) -> str:
    """A cell without surrounding whitespace, NULL when empty. trim() with a character list is
    slow, so it only runs on the few cells whose first or last character is a space or below."""
    edges = f"ord({cell}) <= 32 OR ord({cell}) = 160 OR ord(reverse({cell})) <= 32 OR ord(reverse({cell})) = 160"
    return f"CASE WHEN {cell} = '' THEN NULL WHEN {edges} THEN nullif(trim({cell}, $space), '') ELSE {cell} END"


def _collapsed(cell: str) -> str:
    """Runs of whitespace inside a cell made one space (the replace only where there is one)."""
    replaced = f"regexp_replace({cell}, $space_run, ' ', 'g')"
    return f"CASE WHEN regexp_matches({cell}, $space_pair) THEN {replaced} ELSE {cell} END"


class RosterChecks:
    """The cells of one snapshot (every part of it) and, once `check` ran, its checked rows.

    Parts are added in order; a row's position is its place in the `raw` table, and its row
    number the Excel-style number in its own file or sheet.

    The tables live in an in-memory database of their own (`catalog`). Given the store's
    connection, that database is attached to the store's DuckDB, so the valid rows go into the
    roster table without ever leaving DuckDB; alone (reading a file without a store), it is a
    DuckDB of its own, capped at CHECK_MEMORY.
    """

    def __init__(self, params: dict[str, object], con: Connection | None = None) -> None:
        self.params = params
        self.catalog = f"pdm_checks_{uuid.uuid4().hex}"
        if con is None:
            # Its own spill folder (files may be checked side by side), removed with the object.
            spill = tempfile.mkdtemp(prefix="pantau-pdm-checks-")
            weakref.finalize(self, shutil.rmtree, spill, True)
            con = duckdb.connect(":memory:", config={"memory_limit": CHECK_MEMORY, "temp_directory": spill})
        self._database = con  # the cursor below needs its database kept open
        self.workspace = con.cursor()
        (home,) = self.workspace.execute("SELECT current_database()").fetchall()[0]
        self.workspace.execute(f"ATTACH ':memory:' AS {self.catalog}").fetchall()
        self.workspace.execute(f"USE {self.catalog}").fetchall()
        # An upload that is never stored lets its rows go when it is forgotten.
        self._release = weakref.finalize(self, _detach, self.workspace, home, self.catalog)
        cells = ", ".join(f"{c} VARCHAR" for c in RAW_CELL_COLUMNS)
        self.workspace.execute(f"CREATE TABLE raw ({cells}, part INTEGER)").fetchall()
        self.workspace.execute(
            "CREATE TABLE parts (part INTEGER, start BIGINT, first_row BIGINT, label VARCHAR)"
        ).fetchall()
        self.workspace.execute("CREATE TABLE numeric_nips (part INTEGER, row_number BIGINT)").fetchall()
        self._parts = 0

    def close(self) -> None:
        self._release()

    def _add_part(self, label: str, first_row: int, insert: str, params: dict[str, object]) -> int:
        part, self._parts = self._parts, self._parts + 1
        start = self.raw_count()
        _do(self.workspace, insert, {**self.params, **params, "part": part})
        self.workspace.execute("INSERT INTO parts VALUES (?, ?, ?, ?)", [part, start, first_row, label]).fetchall()
        return part

    def raw_count(self) -> int:
        return int(self.workspace.execute("SELECT count(*) FROM raw").fetchall()[0][0])

    def add_cells(self, label: str, first_row: int, cells: object, numeric_nip_rows: Sequence[int]) -> None:
        """Rows of text cells (an Arrow table with one column per RAW_CELL_COLUMNS) numbered from first_row."""
        self.workspace.register("incoming_cells", cells)
        try:
            values = ", ".join(_trimmed(c) for c in RAW_CELL_COLUMNS)
            part = self._add_part(label, first_row, f"INSERT INTO raw SELECT {values}, $part FROM incoming_cells", {})
        finally:
            self.workspace.unregister("incoming_cells")
        if numeric_nip_rows:
            self.workspace.executemany("INSERT INTO numeric_nips VALUES (?, ?)", [[part, r] for r in numeric_nip_rows])

    def add_csv_file(
        self, label: str, path: str, delimiter: str, skip: int, width: int, positions: dict[str, int]
    ) -> None:
        """A UTF-8 CSV read by DuckDB itself: data records from line `skip` on, `width` fields each,
        the cell of RAW_CELL_COLUMNS c at position positions[c]. CsvNotReadable when DuckDB refuses it."""
        values = ", ".join(_trimmed(f"c{positions[c]}") if c in positions else "NULL" for c in RAW_CELL_COLUMNS)
        insert = f"""INSERT INTO raw SELECT {values}, $part
                     FROM read_csv($path, delim = $delimiter, skip = $skip, header = false, quote = '"',
                                   escape = '"', columns = $columns, auto_detect = false, strict_mode = true,
                                   null_padding = false, encoding = 'utf-8')"""
        columns = {f"c{i}": "VARCHAR" for i in range(width)}
        params = {"path": path, "delimiter": delimiter, "skip": skip, "columns": columns}
        self.workspace.begin()
        try:
            self._add_part(label, skip + 1, insert, params)
            self.workspace.commit()
        except duckdb.Error as exc:
            self.workspace.rollback()
            self._parts -= 1
            raise CsvNotReadable(str(exc)) from exc

    def clear_columns(self, columns: Sequence[str]) -> None:
        """Forget columns that only some parts have (an optional column counts only when all have it)."""
        for column in columns:
            if column not in RAW_CELL_COLUMNS:
                raise ValueError(column)
            self.workspace.execute(f"UPDATE raw SET {column} = NULL").fetchall()

    def distinct_cells(self, columns: Sequence[str]) -> list[str]:
        """The distinct non-empty values of some columns (for per-word rules in Python)."""
        union = " UNION ".join(f"SELECT DISTINCT {c} AS v FROM raw" for c in columns)
        rows = self.workspace.execute(f"SELECT v FROM ({union}) WHERE v IS NOT NULL").fetchall()
        return [str(v) for (v,) in rows]

    def check(self, lookups: dict[str, object]) -> pd.DataFrame:
        """Normalise and check every row; returns the problems (sorted by source, row, column).

        `lookups` are the Arrow tables status_words(value, flag), activation_dates(value, day)
        and jenis_words(value, kind).
        """
        for name, table in lookups.items():
            self.workspace.register(name, table)
        for statement in _CHECK_STATEMENTS:
            _do(self.workspace, statement, self.params)
        problems: pd.DataFrame = _run(self.workspace, _PROBLEMS_SQL, self.params).df()
        # The cells as read are not needed any more (the flagged rows kept theirs): an upload waits
        # for its confirmation with only its checked rows in memory.
        self.workspace.execute("DROP TABLE raw").fetchall()
        self.workspace.execute("DROP TABLE flagged_cells").fetchall()
        return problems

    def counts(self) -> tuple[int, int, int]:
        """(rows, valid rows, valid rows activated)."""
        (row,) = self.workspace.execute(
            "SELECT (SELECT count(*) FROM checked), count(*), count(*) FILTER (WHERE activated) FROM valid"
        ).fetchall()
        return int(row[0]), int(row[1]), int(row[2])

    def rows(self) -> pa.Table:
        """Every checked row in file order: row_number, the roster columns and `valid`."""
        columns = ", ".join(f"c.{name}" for name in ROSTER_COLUMNS)
        sql = f"""SELECT c.row_number, {columns}, v.position IS NOT NULL AS valid
                  FROM numbered c LEFT JOIN valid v USING (position) ORDER BY c.position"""
        table: pa.Table = self.workspace.sql(sql).to_arrow_table()
        return table

    def valid_rows_sql(self) -> str:
        """The rows to store, ordered by OPD (so per-OPD reads touch few row groups), with how
        many of them share each email (1 for an email of its own, NULL without one)."""
        return _VALID_ROWS_SQL.replace("{checks}", self.catalog)

    def store_valid(self, cur: Connection, snapshot_id: int, progress: StoreProgress | None = None) -> None:
        """Append the valid rows to the roster table in `cur`'s transaction. In the store's own
        DuckDB they go straight from table to table; from a DuckDB of their own they stream over
        as Arrow batches (a national file is never copied whole)."""
        columns = ", ".join((*ROSTER_COLUMNS, "email_users"))
        insert = f"INSERT INTO {T_ROSTER} (snapshot_id, {columns}) SELECT ?, {columns} FROM "
        if _first(cur.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name = ?", [self.catalog]))[0]:
            _with_progress(cur, progress, lambda: cur.execute(insert + f"({self.valid_rows_sql()})", [snapshot_id]))
            return
        cur.register("incoming_roster", self.workspace.sql(self.valid_rows_sql()).to_arrow_reader(100_000))
        try:
            cur.execute(insert + "incoming_roster", [snapshot_id]).fetchall()
        finally:
            cur.unregister("incoming_roster")
        if progress is not None:
            progress(1.0)


# Hears how far (0..1) the rows have come into the roster table.
StoreProgress = Callable[[float], None]


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
        workspace.execute(f"USE {home}").fetchall()
        workspace.execute(f"DETACH {catalog}").fetchall()
    with contextlib.suppress(duckdb.Error):
        workspace.close()


_VALID_ROWS_SQL = f"""
SELECT {", ".join(ROSTER_COLUMNS)}, CASE WHEN email <> '' THEN coalesce(s.n, 1) END AS email_users
FROM {{checks}}.valid LEFT JOIN {{checks}}.shared_emails s USING (email) ORDER BY opd_key
"""


# The most common spelling of each OPD (and instansi) key: names differing only in case or
# spacing are one unit. (Empty rows never count: their OPD cell is NULL.) Cells are counted as
# read first, so the spacing rules run once per distinct cell (30.000 nationally), not per row.
_SPELLINGS_SQL = f"""
CREATE TABLE spellings AS
WITH cells AS (
    SELECT 'opd' AS level, opd AS cell, count(*) AS n FROM raw WHERE opd IS NOT NULL GROUP BY opd
    UNION ALL
    SELECT 'instansi', instansi, count(*) FROM raw WHERE instansi IS NOT NULL GROUP BY instansi
), names AS (
    SELECT level, lower(name) AS key, name, sum(n) AS n
    FROM (SELECT level, {_collapsed("cell")} AS name, n FROM cells) WHERE name IS NOT NULL GROUP BY ALL
)
SELECT level, key, name FROM names
QUALIFY row_number() OVER (PARTITION BY level, key ORDER BY n DESC, name) = 1
"""


def _text_check(column: str, required: str | None) -> str:
    """Empty (when `required` holds), control characters, too long: the first that applies."""
    empty = f"WHEN {required} AND {column}_value IS NULL THEN $label_{column} || $msg_empty_suffix" if required else ""
    return f"""CASE {empty}
                    WHEN NOT {column}_plain AND regexp_matches({column}_cell, $control) THEN $msg_control
                    WHEN length({column}_cell) > $max_text THEN $msg_too_long END"""


def _status_check(column: str) -> str:
    return f"""CASE WHEN NOT $has_{column} THEN NULL
                    WHEN {column}_cell IS NULL THEN $label_{column} || $msg_status_empty_suffix
                    WHEN {column}_flag IS NULL THEN replace($msg_status_unknown, '{{value}}', {column}_cell) END"""


_TEXT_COLUMNS = ("nama", "opd", "instansi", "email")


def _plain_text(column: str) -> str:
    """Whether a text cell is plain (no control character, no whitespace but single spaces),
    and its value with whitespace collapsed. Nearly every cell is plain: one search tells, and
    the costlier rules run only on the others."""
    plain = f"NOT regexp_matches(r.{column}, $unusual)"
    value = f"CASE WHEN {column}_plain THEN r.{column} ELSE {_collapsed(f'r.{column}')} END"
    return f"{plain} AS {column}_plain, {value} AS {column}_value"


# Rows with no cell at all are left out (they keep their place in the row numbering). {source}
# is the table of cells and {position} its column of row positions. A NIP of digits only (nearly
# all) needs no other rule: CASE runs the others on the rest alone, where AND would run them on
# every row.
_PARSED_SQL = f"""
SELECT r.{{position}} AS position, r.part,
       {", ".join(f"r.{c} AS {c}_cell" for c in RAW_CELL_COLUMNS)},
       regexp_full_match(r.nip, '[0-9]+') AS nip_digits_only,
       CASE WHEN nip_digits_only THEN r.nip
            ELSE regexp_replace(regexp_replace(r.nip, $leading_quote, ''), $nip_junk, '', 'g') END AS nip_clean,
       n.row_number IS NOT NULL
           OR CASE WHEN nip_digits_only THEN false ELSE coalesce(regexp_full_match(r.nip, $scientific), false) END
           AS nip_numeric,
       CASE WHEN nip_digits_only THEN true ELSE regexp_full_match(nip_clean, '[0-9]+') END AS nip_clean_digits,
       {", ".join(_plain_text(c) for c in _TEXT_COLUMNS)},
       a.flag AS status_aktivasi_flag, pd.flag AS status_pdm_flag, v.flag AS status_verifikasi_flag,
       d.day AS activated_on, j.kind AS jenis_word
FROM {{source}} r
JOIN parts p ON p.part = r.part
LEFT JOIN numeric_nips n ON n.part = r.part AND n.row_number = p.first_row + r.{{position}} - p.start
LEFT JOIN status_words a ON a.value = r.status_aktivasi
LEFT JOIN status_words pd ON pd.value = r.status_pdm
LEFT JOIN status_words v ON v.value = r.status_verifikasi
LEFT JOIN activation_dates d ON d.value = r.tgl_aktivasi
LEFT JOIN jenis_words j ON j.value = r.jenis_asn
WHERE coalesce({", ".join(f"r.{c}" for c in RAW_CELL_COLUMNS)}) IS NOT NULL
"""

_NIP_ERROR = """CASE WHEN nip_numeric THEN $msg_nip_numeric
                     WHEN nip_clean IS NULL OR nip_clean = '' THEN $msg_nip_empty
                     WHEN NOT nip_clean_digits THEN $msg_nip_digits
                     WHEN length(nip_clean) <> $nip_length
                         THEN replace($msg_nip_length, '{n}', length(nip_clean)::VARCHAR) END"""

# Structure doubts about an 18-digit NIP, the first that applies (nip.structure_warning in SQL).
_NIP_WARNING = """CASE WHEN nip IS NULL THEN NULL
    WHEN birth IS NULL THEN $warn_birth
    WHEN year(birth) NOT BETWEEN 1940 AND 2010 THEN $warn_birth_year
    WHEN start_year NOT BETWEEN 1960 AND 2035 THEN $warn_start_year
    WHEN start_year < year(birth) + 15 THEN $warn_start_age
    WHEN substr(nip, 15, 1) NOT IN ('1', '2') THEN $warn_gender
    WHEN kind_code BETWEEN 1 AND 12 AND substr(nip, 16, 3) = '000' THEN $warn_sequence END"""

# Every row normalised with the message of each check (NULL when it passes).
_ASSESSED_SQL = f"""
WITH parsed AS ({_PARSED_SQL}), nips AS (
    SELECT *, {_NIP_ERROR} AS nip_error FROM parsed
), decoded AS (
    SELECT *,
           CASE WHEN substr(nip, 1, 4) <> '0000' THEN try_strptime(substr(nip, 1, 8), '%Y%m%d') END AS birth,
           TRY_CAST(substr(nip, 9, 4) AS INTEGER) AS start_year,
           TRY_CAST(substr(nip, 13, 2) AS INTEGER) AS kind_code
    FROM (SELECT *, CASE WHEN nip_error IS NULL THEN nip_clean END AS nip FROM nips)
)
SELECT d.position, d.part, d.nip, d.nip_error,
       {_NIP_WARNING} AS nip_warning,
       d.nama_value AS nama, {_text_check("nama", "true")} AS nama_error,
       CASE WHEN $has_instansi THEN o.name || ' (' || i.name || ')' ELSE o.name END AS opd,
       CASE WHEN $has_instansi THEN i.key || ' › ' || o.key ELSE o.key END AS opd_key,
       {_text_check("opd", "true")} AS opd_error,
       i.name AS instansi, i.key AS instansi_key,
       {_text_check("instansi", "$has_instansi")} AS instansi_error,
       d.status_aktivasi_flag AS activated,
       {_status_check("status_aktivasi")} AS status_aktivasi_error,
       d.status_pdm_flag AS pdm_done, {_status_check("status_pdm")} AS status_pdm_error,
       d.status_verifikasi_flag AS verified,
       {_status_check("status_verifikasi")} AS status_verifikasi_error,
       d.activated_on,
       CASE WHEN d.tgl_aktivasi_cell IS NOT NULL AND d.activated_on IS NULL THEN $msg_date_unreadable END
           AS tgl_aktivasi_error,
       CASE WHEN d.activated_on > $snapshot_date THEN $msg_date_late END AS tgl_aktivasi_warning,
       lower(d.email_cell) AS email, {_text_check("email", None)} AS email_error,
       coalesce(d.jenis_word, CASE WHEN d.kind_code BETWEEN 1 AND 12 THEN 'PNS' WHEN d.nip IS NOT NULL THEN 'PPPK' END)
           AS jenis_asn,
       CASE WHEN d.jenis_asn_cell IS NOT NULL AND d.jenis_word IS NULL THEN $msg_jenis_unknown END AS jenis_asn_error
FROM decoded d
LEFT JOIN spellings o ON o.level = 'opd' AND o.key = lower(d.opd_value)
LEFT JOIN spellings i ON i.level = 'instansi' AND i.key = lower(d.instansi_value)
"""

_ERROR_COLUMNS = (
    "nip_error",
    "nama_error",
    "opd_error",
    "instansi_error",
    "status_aktivasi_error",
    "status_pdm_error",
    "status_verifikasi_error",
    "tgl_aktivasi_error",
    "email_error",
    "jenis_asn_error",
)
_WARNING_COLUMNS = ("nip_warning", "tgl_aktivasi_warning")


def _assessed(source: str, position: str) -> str:
    """_ASSESSED_SQL over one table of cells ({source}, its row positions in column {position})."""
    return _ASSESSED_SQL.replace("{source}", source).replace("{position}", position)


def _all_null(columns: Sequence[str]) -> str:
    return " AND ".join(f"{name} IS NULL" for name in columns)


# What later steps need of each row: its values, whether it is to be stored (`keep`: no check
# failed; duplicates are taken out later) and whether no check warned (`clean`). The messages
# themselves are worked out again for the few flagged rows only, so a national file does not
# hold a dozen mostly empty text columns in memory.
_CHECKED_SQL = f"""
CREATE TABLE checked AS
SELECT position, part, {", ".join(ROSTER_COLUMNS)},
       {_all_null(_ERROR_COLUMNS)} AS keep, {_all_null(_WARNING_COLUMNS)} AS clean
FROM ({_assessed("raw", "rowid")})
"""

# A checked row's Excel-style number in its own file or sheet, and that source's name (derived
# from its part, so the per-row table does not carry them).
_NUMBERED_SQL = """
CREATE VIEW numbered AS
SELECT c.*, p.first_row + c.position - p.start AS row_number, p.label AS source
FROM checked c JOIN parts p USING (part)
"""

# Same NIP twice (in any source): identical rows -> keep the first and warn; different -> error on
# every row. A row is named '5', or '5 (b.xlsx)' when several sources are read together.
_DUPLICATES_SQL = """
CREATE TABLE duplicates AS
WITH repeated AS (
    SELECT c.*, CASE WHEN (SELECT count(DISTINCT p.label) FROM parts p WHERE p.part IN (SELECT part FROM checked)) > 1
                     THEN row_number::VARCHAR || ' (' || source || ')' ELSE row_number::VARCHAR END AS ref
    FROM numbered c
    WHERE nip IN (SELECT nip FROM checked WHERE nip IS NOT NULL GROUP BY nip HAVING count(*) > 1)
), variants AS (
    SELECT nip,
           count(DISTINCT (nama, opd_key, jenis_asn, activated, activated_on, pdm_done, verified, email)) AS n,
           array_to_string(list_slice(list(ref ORDER BY position), 1, 10), ', ') AS refs,
           arg_min(ref, position) AS first_ref, min(position) AS first_position
    FROM repeated GROUP BY nip
)
SELECT r.position,
       CASE WHEN v.n > 1 THEN replace($msg_duplicate_conflict, '{rows}', v.refs) END AS duplicate_error,
       CASE WHEN v.n = 1 AND r.position <> v.first_position
            THEN replace($msg_duplicate_identical, '{row}', v.first_ref) END AS duplicate_warning
FROM repeated r JOIN variants v USING (nip)
"""


# The rows to store: no error, and not a later copy of an identical row (the duplicates are
# few, so marking them is cheaper than joining every row to them each time the rows are read).
_UNKEPT_DUPLICATES_SQL = """
UPDATE checked SET keep = false
WHERE position IN (
    SELECT position FROM duplicates WHERE duplicate_error IS NOT NULL OR duplicate_warning IS NOT NULL)
"""
_VALID_SQL = "CREATE VIEW valid AS SELECT * FROM checked WHERE keep"

# Emails that several rows to store share (few; every other email is one person's own).
_SHARED_EMAILS_SQL = """
CREATE TABLE shared_emails AS
SELECT email, count(*) AS n FROM valid WHERE email <> '' GROUP BY email HAVING count(*) > 1
"""

# The rows with any problem: their cells as read, and every check's message worked out again
# from those cells (few rows, even in a large file).
_FLAGGED_CELLS_SQL = """
CREATE TABLE flagged_cells AS
SELECT rowid AS position, * FROM raw
WHERE rowid IN (SELECT position FROM checked WHERE NOT (keep AND clean) UNION ALL SELECT position FROM duplicates)
"""
_FLAGGED_SQL = f"""
CREATE TABLE flagged AS
SELECT a.*, p.first_row + a.position - p.start AS row_number, p.label AS source,
       d.duplicate_error, d.duplicate_warning, {", ".join(f"r.{c} AS {c}_cell" for c in RAW_CELL_COLUMNS)}
FROM ({_assessed("flagged_cells", "position")}) a
JOIN parts p USING (part) JOIN flagged_cells r USING (position) LEFT JOIN duplicates d USING (position)
WHERE NOT ({_all_null((*_ERROR_COLUMNS, *_WARNING_COLUMNS))}
           AND d.duplicate_error IS NULL AND d.duplicate_warning IS NULL)
"""

_CHECK_STATEMENTS = (
    _SPELLINGS_SQL,
    _CHECKED_SQL,
    _NUMBERED_SQL,
    _DUPLICATES_SQL,
    _UNKEPT_DUPLICATES_SQL,
    _VALID_SQL,
    _SHARED_EMAILS_SQL,
    _FLAGGED_CELLS_SQL,
    _FLAGGED_SQL,
)


def _problem(order: int, column: str, reason: str, level: str, shown: str | None = None) -> str:
    value = shown or f"{column}_cell"
    return f"""SELECT {order} AS check_order, source AS sumber, row_number AS baris, $label_{column} AS kolom,
                      substr(coalesce({value}, ''), 1, $max_shown) AS nilai, {reason} AS alasan, {level} AS tingkat
               FROM flagged WHERE {reason} IS NOT NULL"""


def _problems_sql() -> str:
    # A value with control characters is shown with each of them as '?'.
    control_shown = "regexp_replace({0}_cell, $control, '?', 'g')"
    checks = [
        ("nip", "nip_error", "$error", None),
        ("nip", "nip_warning", "$warning", None),
        *[(c, f"{c}_error", "$error", control_shown.format(c)) for c in ("nama", "opd", "instansi")],
        *[(c, f"{c}_error", "$error", None) for c in ("status_aktivasi", "status_pdm", "status_verifikasi")],
        ("tgl_aktivasi", "tgl_aktivasi_error", "$error", None),
        ("tgl_aktivasi", "tgl_aktivasi_warning", "$warning", None),
        ("email", "email_error", "$error", control_shown.format("email")),
        ("jenis_asn", "jenis_asn_error", "$error", None),
        ("nip", "duplicate_error", "$error", "nip"),
        ("nip", "duplicate_warning", "$warning", "nip"),
    ]
    union = "\nUNION ALL\n".join(_problem(i, *check) for i, check in enumerate(checks))
    return f"""SELECT sumber, baris, kolom, nilai, alasan, tingkat FROM ({union})
               ORDER BY sumber, baris, kolom, check_order"""


_PROBLEMS_SQL = _problems_sql()
