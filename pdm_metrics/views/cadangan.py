"""Cadangan: a backup of the whole database as one file, and restoring one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pdm_metrics import store
from pdm_metrics.checks.stored import stored_row_problems
from pdm_metrics.tempdirs import private_dir


@dataclass(frozen=True)
class Backup:
    file_name: str
    data: bytes


def backup(con: store.Connection, actor: str, today: date) -> Backup:
    """Every table, consistent, as one zip named for the day it was made."""
    return Backup(f"pantau-pdm-cadangan_{today.isoformat()}.zip", store.backup_zip(con, actor))


@dataclass(frozen=True)
class Restored:
    snapshots: int  # how many snapshots the database now holds
    previous: Path | None  # the automatic backup of the state before


def restore(con: store.Connection, data: bytes, actor: str) -> Restored:
    """Replace the database with a backup's content after checking it as an upload is checked
    (StoreError, nothing changed, when anything is wrong); the state before is kept on disk."""
    with private_dir("restore-upload") as folder:
        archive = Path(folder, "cadangan.zip")
        try:
            archive.write_bytes(data)
        except OSError as exc:  # a full temporary folder
            raise store.database_failure(exc) from exc

        def keep_previous(target: Path) -> None:
            store.write_backup(con, target, actor, "cadangan otomatis sebelum pemulihan")

        count, previous = store.restore_zip(con, archive, actor, stored_row_problems, keep_previous)
    return Restored(count, previous)
