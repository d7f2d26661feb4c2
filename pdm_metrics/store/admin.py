"""The administrator's writes: deadline extensions, backup and restore."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import duckdb

from pdm_metrics.errors import StoreError
from pdm_metrics.schema import Table
from pdm_metrics.store.changes import store_missing_neighbour_changes
from pdm_metrics.store.db import Connection, first, transaction
from pdm_metrics.store.derived import CHANGE_TABLES, fill_email_users, fill_units, rebuild_derived_summaries
from pdm_metrics.store.journal import audit, bump_data_version, record_audit
from pdm_metrics.store.queries import snapshot_dates
from pdm_metrics.store.snapshots import remove_sample_snapshots
from pdm_metrics.store.unit_map import regroup_units
from pdm_metrics.tempdirs import private_dir

BACKUP_TABLES = (
    Table.SNAPSHOTS,
    Table.ROSTER,
    Table.SUMMARY,
    Table.ARCHIVED_SNAPSHOTS,
    Table.AUDIT,
    Table.META,
    Table.EXTENSIONS,
)
# Tables a backup may lack (made before they existed): restored when present, else left empty.
LATER_BACKUP_TABLES = (Table.UNIT_MAP, Table.COLUMN_CHOICES)
# A restore never rewrites history: the audit log stays as it is and records the restore.
RESTORED_TABLES = tuple(t for t in BACKUP_TABLES if t != Table.AUDIT)
MAX_BACKUP_UNPACKED = 20 * 1024**3


def add_deadline_extension(
    con: Connection, phase: str, new_end: date, letter_number: str, letter_date: date, scope: str, actor: str
) -> None:
    """Append an extension (history is kept: nothing is ever overwritten)."""
    with transaction(con) as cur:
        cur.execute(
            f"INSERT INTO {Table.EXTENSIONS} VALUES (?, ?, ?, ?, ?, ?, now()::TIMESTAMP)",
            [phase, new_end, letter_number, letter_date, scope, actor],
        )
        audit(cur, actor, "tambah perpanjangan", f"{phase} s.d. {new_end.isoformat()} ({letter_number})")
        bump_data_version(cur)


def backup_zip(con: Connection, actor: str) -> bytes:
    """A consistent copy of every table (one read transaction), as Parquet files in a zip."""
    with private_dir("backup") as workdir:
        with transaction(con) as cur:
            for table in (*BACKUP_TABLES, *LATER_BACKUP_TABLES):
                # The path is ours (a fresh temporary folder), never user input; COPY takes no parameter.
                target = str(Path(workdir, f"{table}.parquet")).replace("'", "''")
                cur.execute(f"COPY (SELECT * FROM {table}) TO '{target}' (FORMAT parquet)")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for table in (*BACKUP_TABLES, *LATER_BACKUP_TABLES):
                archive.write(Path(workdir, f"{table}.parquet"), f"{table}.parquet")
    record_audit(con, actor, "unduh cadangan", f"{len(BACKUP_TABLES) + len(LATER_BACKUP_TABLES)} tabel")
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
    with private_dir("restore") as workdir:
        restored = [*RESTORED_TABLES, *(t for t in LATER_BACKUP_TABLES if f"{t}.parquet" in names)]
        for table in restored:
            Path(workdir, f"{table}.parquet").write_bytes(archive.read(f"{table}.parquet"))
        try:
            with transaction(con) as cur:
                for table in CHANGE_TABLES:
                    cur.execute(f"DELETE FROM {table}")
                for table in LATER_BACKUP_TABLES:
                    cur.execute(f"DELETE FROM {table}")
                for table in restored:
                    cur.execute(f"DELETE FROM {table}")
                    source = str(Path(workdir, f"{table}.parquet"))
                    cur.execute(f"INSERT INTO {table} BY NAME SELECT * FROM read_parquet(?)", [source])
                fill_email_users(cur)  # a backup from before the column was added
                fill_units(cur)  # a backup from before units were kept apart from OPD
                regroup_units(cur)  # the map the backup holds (none in an older backup)
                store_missing_neighbour_changes(cur)  # derived: not in backups
                rebuild_derived_summaries(cur)  # derived: not in backups
                remove_sample_snapshots(cur, actor)  # a backup from before sample data had a file of their own
                audit(cur, actor, "pulihkan cadangan", f"{len(restored)} tabel")
                bump_data_version(cur)
        except duckdb.Error as exc:
            raise StoreError("Berkas cadangan tidak cocok dengan basis data ini; basis data tidak diubah.") from exc
    _restart_snapshot_ids(con)
    return len(snapshot_dates(con))


def _restart_snapshot_ids(con: Connection) -> None:
    """New snapshot ids must continue after every id the restored tables use."""
    cur = con.cursor()
    row = first(
        cur.execute(
            f"""SELECT greatest((SELECT max(id) FROM {Table.SNAPSHOTS}),
                                (SELECT max(id) FROM {Table.ARCHIVED_SNAPSHOTS}),
                                (SELECT max(snapshot_id) FROM {Table.ROSTER}))"""
        )
    )
    start = int(row[0] or 0) + 1 if row else 1
    current = first(cur.execute("SELECT nextval('snapshot_ids')"))
    while current and int(current[0]) < start:
        current = first(cur.execute("SELECT nextval('snapshot_ids')"))
