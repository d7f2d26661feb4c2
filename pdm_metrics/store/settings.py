"""The operator's settings kept with the data: the file column chosen for a field, per header."""

from __future__ import annotations

from collections.abc import Mapping

from pdm_metrics.schema import Table
from pdm_metrics.store.db import Connection, table_exists, transaction
from pdm_metrics.store.journal import audit


def remembered_columns(con: Connection, header_key: str) -> dict[str, str]:
    """field -> file column, as last chosen for a file with this header."""
    cur = con.cursor()
    if not table_exists(cur, Table.COLUMN_CHOICES):  # a database from before, opened read-only
        return {}
    sql = f"SELECT field, header FROM {Table.COLUMN_CHOICES} WHERE header_key = ? ORDER BY field"
    return {str(f): str(h) for f, h in cur.execute(sql, [header_key]).fetchall()}


def remember_columns(con: Connection, header_key: str, choices: Mapping[str, str], actor: str) -> None:
    """The choices for this header from now on (none: back to the built-in rules), audited."""
    with transaction(con) as cur:
        cur.execute(f"DELETE FROM {Table.COLUMN_CHOICES} WHERE header_key = ?", [header_key])
        for field, header in sorted(choices.items()):
            cur.execute(
                f"INSERT INTO {Table.COLUMN_CHOICES} VALUES (?, ?, ?, ?, now()::TIMESTAMP)",
                [header_key, field, header, actor],
            )
        said = ", ".join(f"{f} = {h}" for f, h in sorted(choices.items())) or "aturan bawaan"
        audit(cur, actor, "pilih kolom", said)
