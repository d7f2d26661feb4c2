"""The one door to DuckDB: schema, snapshot ingest and every query, with bound parameters.

Table names come from `schema.Table`; values always travel as parameters.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import threading
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from pdm_metrics.errors import StoreError
from pdm_metrics.fmt import format_date
from pdm_metrics.schema import ROSTER_COLUMNS, Table

DEFAULT_DB_PATH = Path(os.environ.get("PDM_DB", Path(__file__).resolve().parent.parent / "data" / "pdm.duckdb"))
Connection = duckdb.DuckDBPyConnection
WRITE_WAIT_SECONDS = 120.0
_WRITE_LOCK = threading.Lock()

T_SNAP, T_ROSTER, T_SUMMARY = Table.SNAPSHOTS.value, Table.ROSTER.value, Table.SUMMARY.value
T_ARCHIVE, T_AUDIT, T_META = Table.ARCHIVED_SNAPSHOTS.value, Table.AUDIT.value, Table.META.value
T_EXT = Table.EXTENSIONS.value

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
        pdm_done BOOLEAN, verified BOOLEAN, email VARCHAR, instansi VARCHAR, instansi_key VARCHAR)""",
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
    f"""CREATE TABLE IF NOT EXISTS {T_EXT} (
        phase VARCHAR NOT NULL, new_end DATE NOT NULL, letter_number VARCHAR NOT NULL,
        letter_date DATE NOT NULL, scope VARCHAR, added_by VARCHAR, added_at TIMESTAMP)""",
)


def connect(path: str | Path | None = None, read_only: bool = False) -> Connection:
    """Open (and if needed create) the database; StoreError when another process holds it."""
    target = Path(path) if path is not None else DEFAULT_DB_PATH
    if str(target) != ":memory:":
        target.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(target), read_only=read_only)
    except duckdb.IOException as exc:
        raise StoreError(
            f"Basis data {target} tidak dapat dibuka: sedang dipakai proses lain (misalnya dasbor "
            "yang sedang berjalan) atau berkasnya rusak. Coba lagi setelah proses itu selesai."
        ) from exc
    if not read_only:
        for statement in _DDL:
            con.execute(statement)
    return con


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
    row = con.cursor().execute(f"SELECT count(*) FROM {T_SNAP} WHERE snapshot_date = ?", [snapshot_date]).fetchone()
    return bool(row and row[0])


def save_snapshot(con: Connection, rows: pd.DataFrame, meta: SnapshotMeta, replace: bool = False) -> SavedSnapshot:
    """Store one snapshot's valid rows and its OPD summary in a single transaction.

    An existing date is replaced only with `replace`; its metadata moves to the
    archive table and its roster rows stay in place (nothing is lost).
    """
    with transaction(con) as cur:
        existing = cur.execute(f"SELECT id FROM {T_SNAP} WHERE snapshot_date = ?", [meta.snapshot_date]).fetchone()
        if existing and not replace:
            raise StoreError(
                f"Snapshot tanggal {format_date(meta.snapshot_date)} sudah ada. "
                "Konfirmasi penggantian (opsi --replace) untuk menggantinya."
            )
        (new_id,) = cur.execute("SELECT nextval('snapshot_ids')").fetchone() or (0,)
        if existing:
            _archive_snapshot(cur, int(existing[0]), int(new_id), meta.uploaded_by)
        cur.execute(
            f"INSERT INTO {T_SNAP} VALUES (?, ?, ?, ?, now()::TIMESTAMP, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                new_id,
                meta.snapshot_date,
                meta.source_name,
                meta.source_sha256,
                meta.uploaded_by,
                len(rows),
                meta.skipped_rows,
                meta.has_activation_date,
                meta.has_pdm,
                meta.has_verification,
                meta.has_email,
                meta.has_jenis_asn,
                meta.is_sample,
            ],
        )
        _insert_roster(cur, int(new_id), rows)
        _insert_summary(cur, int(new_id))
        (activated,) = cur.execute(
            f"SELECT coalesce(sum(activated), 0) FROM {T_SUMMARY} WHERE snapshot_id = ?", [new_id]
        ).fetchone() or (0,)
        action = "ganti snapshot" if existing else "unggah snapshot"
        _audit(
            cur, meta.uploaded_by, action, f"{meta.snapshot_date.isoformat()} {meta.source_name} ({len(rows)} baris)"
        )
        _bump_data_version(cur)
    return SavedSnapshot(int(new_id), meta.snapshot_date, len(rows), int(activated), bool(existing))


def _archive_snapshot(cur: Connection, old_id: int, new_id: int, actor: str) -> None:
    cur.execute(
        f"INSERT INTO {T_ARCHIVE} SELECT *, now()::TIMESTAMP, ?, ? FROM {T_SNAP} WHERE id = ?", [actor, new_id, old_id]
    )
    cur.execute(f"DELETE FROM {T_SUMMARY} WHERE snapshot_id = ?", [old_id])
    cur.execute(f"DELETE FROM {T_SNAP} WHERE id = ?", [old_id])


def _insert_roster(cur: Connection, snapshot_id: int, rows: pd.DataFrame) -> None:
    incoming = rows[list(ROSTER_COLUMNS)]
    cur.register("incoming_roster", incoming)
    columns = ", ".join(ROSTER_COLUMNS)
    values = ", ".join(f"{c}::DATE" if c == "activated_on" else c for c in ROSTER_COLUMNS)
    try:
        # Ordered by OPD so that per-OPD reads touch few row groups.
        cur.execute(
            f"""INSERT INTO {T_ROSTER} (snapshot_id, {columns})
                SELECT ?, {values} FROM incoming_roster ORDER BY opd_key, nip""",
            [snapshot_id],
        )
    finally:
        cur.unregister("incoming_roster")


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
        for table in (T_ROSTER, T_SUMMARY):
            cur.execute(f"DELETE FROM {table} WHERE list_contains(?::BIGINT[], snapshot_id)", [ids])
        cur.execute(f"DELETE FROM {T_SNAP} WHERE is_sample")
        _audit(cur, actor, "hapus data contoh", f"{len(ids)} snapshot")
        _bump_data_version(cur)
    return len(ids)


# ----------------------------------------------------------------------------- reading


def data_version(con: Connection) -> int:
    row = con.cursor().execute(f"SELECT value FROM {T_META} WHERE key = 'data_version'").fetchone()
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
        ORDER BY s.snapshot_date{", opd_key" if by_opd else ""}
    """
    params = {"date": snapshot_date, "opd": _list_param(opd_keys), "jenis": _list_param(jenis_asn)}
    frame = con.cursor().execute(sql, params).df()
    if by_opd and not frame.empty:
        # The display name of an OPD is its spelling in the latest snapshot.
        latest = frame.sort_values("snapshot_date").groupby("opd_key")["opd"].last()
        frame["opd"] = frame["opd_key"].map(latest)
    return frame


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
    sql = f"""
        SELECT m.opd_key, arg_max(m.opd, s.snapshot_date) AS opd,
               arg_max(m.instansi_key, s.snapshot_date) AS instansi_key,
               arg_max(m.instansi, s.snapshot_date) AS instansi
        FROM {T_SUMMARY} m JOIN {T_SNAP} s ON s.id = m.snapshot_id
        GROUP BY m.opd_key ORDER BY opd
    """
    return con.cursor().execute(sql).df()


@dataclass(frozen=True)
class RosterFilter:
    """What the Data & Unduh page and exports filter on; None means 'all'."""

    opd_keys: tuple[str, ...] | None = None
    jenis_asn: tuple[str, ...] | None = None
    activated: bool | None = None
    pdm_done: bool | None = None
    verified: bool | None = None


def roster_rows(con: Connection, snapshot_date: date, where: RosterFilter = RosterFilter()) -> pd.DataFrame:
    """The roster rows of one snapshot, filtered, ordered by OPD then name."""
    sql = f"""
        SELECT r.nip, r.nama, r.opd, r.jenis_asn, r.activated, r.activated_on, r.pdm_done,
               r.verified, r.email
        FROM {T_ROSTER} r JOIN {T_SNAP} s ON s.id = r.snapshot_id
        WHERE s.snapshot_date = $date
          AND ($opd::VARCHAR[] IS NULL OR list_contains($opd, r.opd_key))
          AND ($jenis::VARCHAR[] IS NULL OR list_contains($jenis, r.jenis_asn))
          AND ($act::BOOLEAN IS NULL OR r.activated = $act)
          AND ($pdm::BOOLEAN IS NULL OR r.pdm_done IS NOT DISTINCT FROM $pdm)
          AND ($ver::BOOLEAN IS NULL OR r.verified IS NOT DISTINCT FROM $ver)
        ORDER BY r.opd, r.nama, r.nip
    """
    params = {
        "date": snapshot_date,
        "opd": _list_param(where.opd_keys),
        "jenis": _list_param(where.jenis_asn),
        "act": where.activated,
        "pdm": where.pdm_done,
        "ver": where.verified,
    }
    return con.cursor().execute(sql, params).df()


def snapshot_comparison(con: Connection, from_date: date, to_date: date) -> pd.DataFrame:
    """Every NIP of either snapshot side by side (NULL on the side where it is absent)."""
    sql = f"""
        WITH a AS (
            SELECT r.* FROM {T_ROSTER} r JOIN {T_SNAP} s ON s.id = r.snapshot_id WHERE s.snapshot_date = $from
        ), b AS (
            SELECT r.* FROM {T_ROSTER} r JOIN {T_SNAP} s ON s.id = r.snapshot_id WHERE s.snapshot_date = $to
        )
        SELECT coalesce(b.nip, a.nip) AS nip, coalesce(b.nama, a.nama) AS nama,
               a.nip IS NOT NULL AS in_before, b.nip IS NOT NULL AS in_after,
               a.opd AS opd_before, b.opd AS opd_after, a.opd_key AS key_before, b.opd_key AS key_after,
               a.activated AS activated_before, b.activated AS activated_after,
               a.pdm_done AS pdm_before, b.pdm_done AS pdm_after,
               a.verified AS verified_before, b.verified AS verified_after,
               coalesce(b.email, a.email) AS email
        FROM a FULL OUTER JOIN b ON a.nip = b.nip
        ORDER BY coalesce(b.opd, a.opd), nama, nip
    """
    return con.cursor().execute(sql, {"from": from_date, "to": to_date}).df()


def email_sharing(con: Connection, snapshot_date: date) -> pd.DataFrame:
    """Per NIP of one snapshot: how many ASN of that snapshot share its (lower-cased) email."""
    sql = f"""
        SELECT r.nip, count(*) OVER (PARTITION BY lower(r.email)) AS email_users
        FROM {T_ROSTER} r JOIN {T_SNAP} s ON s.id = r.snapshot_id
        WHERE s.snapshot_date = $date AND r.email IS NOT NULL AND r.email <> ''
    """
    return con.cursor().execute(sql, {"date": snapshot_date}).df()


def nip_profile_counts(
    con: Connection, snapshot_date: date, opd_keys: Sequence[str] | None = None, jenis_asn: Sequence[str] | None = None
) -> pd.DataFrame:
    """Counts per birth year, gender digit, appointment year and jenis ASN, read from the NIP."""
    sql = f"""
        SELECT TRY_CAST(substr(r.nip, 1, 4) AS INTEGER) AS birth_year,
               substr(r.nip, 15, 1) AS gender_digit,
               TRY_CAST(substr(r.nip, 9, 4) AS INTEGER) AS start_year,
               r.jenis_asn, count(*) AS total,
               count(*) FILTER (WHERE r.activated) AS activated,
               count(*) FILTER (WHERE r.pdm_done) AS pdm_done,
               count(*) FILTER (WHERE r.verified) AS verified
        FROM {T_ROSTER} r JOIN {T_SNAP} s ON s.id = r.snapshot_id
        WHERE s.snapshot_date = $date
          AND ($opd::VARCHAR[] IS NULL OR list_contains($opd, r.opd_key))
          AND ($jenis::VARCHAR[] IS NULL OR list_contains($jenis, r.jenis_asn))
        GROUP BY ALL
    """
    params = {"date": snapshot_date, "opd": _list_param(opd_keys), "jenis": _list_param(jenis_asn)}
    return con.cursor().execute(sql, params).df()


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
    row = cur.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]).fetchone()
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
                for table in RESTORED_TABLES:
                    cur.execute(f"DELETE FROM {table}")
                    source = str(Path(workdir, f"{table}.parquet"))
                    cur.execute(f"INSERT INTO {table} SELECT * FROM read_parquet(?)", [source])
                _audit(cur, actor, "pulihkan cadangan", f"{len(RESTORED_TABLES)} tabel")
                _bump_data_version(cur)
        except duckdb.Error as exc:
            raise StoreError("Berkas cadangan tidak cocok dengan basis data ini; basis data tidak diubah.") from exc
    _restart_snapshot_ids(con)
    return len(snapshot_dates(con))


def _restart_snapshot_ids(con: Connection) -> None:
    """New snapshot ids must continue after every id the restored tables use."""
    cur = con.cursor()
    row = cur.execute(
        f"SELECT greatest((SELECT max(id) FROM {T_SNAP}), (SELECT max(id) FROM {T_ARCHIVE}),"
        f" (SELECT max(snapshot_id) FROM {T_ROSTER}))"
    ).fetchone()
    start = int(row[0] or 0) + 1 if row else 1
    current = cur.execute("SELECT nextval('snapshot_ids')").fetchone()
    while current and int(current[0]) < start:
        current = cur.execute("SELECT nextval('snapshot_ids')").fetchone()
