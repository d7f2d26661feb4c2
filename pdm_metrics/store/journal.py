"""What happened to the data: the append-only audit log, and the data version that every
write bumps (the app's cache key: an upload shows on every page at once)."""

from __future__ import annotations

import pandas as pd

from pdm_metrics.schema import Table
from pdm_metrics.store.db import Connection, first, transaction


def audit(cur: Connection, actor: str, action: str, detail: str) -> None:
    """One audit entry, inside the caller's transaction."""
    cur.execute(f"INSERT INTO {Table.AUDIT} VALUES (now()::TIMESTAMP, ?, ?, ?)", [actor, action, detail])


def record_audit(con: Connection, actor: str, action: str, detail: str) -> None:
    """Append one audit entry (the log is append-only: nothing in the app updates or deletes it)."""
    with transaction(con) as cur:
        audit(cur, actor, action, detail)


def audit_entries(con: Connection) -> pd.DataFrame:
    return con.cursor().execute(f"SELECT * FROM {Table.AUDIT} ORDER BY logged_at").df()


def bump_data_version(cur: Connection) -> None:
    """One more version, appended (never an update of a shared row: see migration 10). It only
    grows, whatever a restored backup holds: the log is not part of a backup."""
    cur.execute(
        f"INSERT INTO {Table.DATA_VERSIONS} SELECT coalesce(max(version), 0) + 1, now()::TIMESTAMP "
        f"FROM {Table.DATA_VERSIONS}"
    )


def data_version(con: Connection) -> int:
    row = first(con.cursor().execute(f"SELECT coalesce(max(version), 0) FROM {Table.DATA_VERSIONS}"))
    return int(row[0]) if row else 0
