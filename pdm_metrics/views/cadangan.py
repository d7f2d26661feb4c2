"""Cadangan: a backup of the whole database as one file, and restoring one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pdm_metrics import store


@dataclass(frozen=True)
class Backup:
    file_name: str
    data: bytes


def backup(con: store.Connection, actor: str, today: date) -> Backup:
    """Every table, consistent, as one zip named for the day it was made."""
    return Backup(f"pantau-pdm-cadangan_{today.isoformat()}.zip", store.backup_zip(con, actor))


def restore(con: store.Connection, data: bytes, actor: str) -> int:
    """Replace the database with a backup's content; returns how many snapshots it holds."""
    return store.restore_zip(con, data, actor)
