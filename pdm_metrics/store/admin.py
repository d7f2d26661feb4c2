"""The administrator's writes: deadline extensions, backup and restore."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import duckdb

from pdm_metrics.schema import Table
from pdm_metrics.store.db import Connection, database_failure, transaction
from pdm_metrics.store.journal import audit, bump_data_version, record_audit
from pdm_metrics.store.restore import BACKUP_TABLES, LATER_BACKUP_TABLES
from pdm_metrics.tempdirs import private_dir


def add_deadline_extension(
    con: Connection,
    campaign: str,
    phase: str,
    new_end: date,
    letter_number: str,
    letter_date: date,
    scope: str,
    actor: str,
) -> None:
    """Append an extension of one campaign's stage (history is kept: nothing is ever overwritten)."""
    with transaction(con) as cur:
        cur.execute(
            f"""INSERT INTO {Table.EXTENSIONS}
                (phase, new_end, letter_number, letter_date, scope, added_by, added_at, campaign)
                VALUES (?, ?, ?, ?, ?, ?, now()::TIMESTAMP, ?)""",
            [phase, new_end, letter_number, letter_date, scope, actor, campaign],
        )
        audit(cur, actor, "tambah perpanjangan", f"{phase} s.d. {new_end.isoformat()} ({letter_number})")
        bump_data_version(cur)


def write_backup(con: Connection, target: Path, actor: str, action: str = "unduh cadangan") -> None:
    """A consistent copy of every table (one read transaction), as Parquet files in a zip at `target`
    (written under a temporary name, then renamed)."""
    tables = (*BACKUP_TABLES, *LATER_BACKUP_TABLES)
    try:
        with private_dir("backup") as workdir:
            with transaction(con) as cur:
                for table in tables:
                    # The path is ours (a fresh temporary folder), never user input; COPY takes no parameter.
                    path = str(Path(workdir, f"{table}.parquet")).replace("'", "''")
                    cur.execute(f"COPY (SELECT * FROM {table}) TO '{path}' (FORMAT parquet)")
            partial = target.with_name(f".{target.name}.tmp")
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
                for table in tables:
                    archive.write(Path(workdir, f"{table}.parquet"), f"{table}.parquet")
            partial.replace(target)
    except (duckdb.Error, OSError) as exc:
        raise database_failure(exc) from exc
    record_audit(con, actor, action, f"{target.name}: {len(tables)} tabel")


def backup_zip(con: Connection, actor: str) -> bytes:
    """write_backup's file, as bytes for a download."""
    with private_dir("backup-zip") as folder:
        target = Path(folder, "cadangan.zip")
        write_backup(con, target, actor)
        return target.read_bytes()
