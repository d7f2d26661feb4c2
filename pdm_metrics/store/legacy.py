"""The shape of databases and backups from before campaigns were data (schema 8 and older): the
three PDM 2021 phases as named columns. Only the migration to stage slots (schema 9) and the
restore of an older backup read these names; nothing else may.
"""

from __future__ import annotations

from pdm_metrics.campaign import PDM_2021
from pdm_metrics.schema import Table, done_column, done_on_column, has_date_flag, has_status_flag

# Old column -> the slot column it became, per table. PDM 2021's stages in its definition's
# order: aktivasi (slot 1), pdm (slot 2), verifikasi (slot 3).
_COUNTS = {"activated": done_column(1), "pdm_done": done_column(2), "verified": done_column(3)}
_FLAGS = {
    "has_activation_date": has_date_flag(1),
    "has_pdm": has_status_flag(2),
    "has_verification": has_status_flag(3),
}
RENAMED: dict[str, dict[str, str]] = {
    Table.ROSTER: {**_COUNTS, "activated_on": done_on_column(1)},
    Table.SUMMARY: _COUNTS,
    Table.PROFILE: _COUNTS,
    Table.SNAPSHOTS: _FLAGS,
    Table.ARCHIVED_SNAPSHOTS: _FLAGS,
}
# Every snapshot stored before campaigns were data belongs to PDM 2021, whose headline status
# (activation) every file had to carry.
LEGACY_CAMPAIGN = PDM_2021
HEADLINE_FLAG = has_status_flag(1)


def renamed_select(table: str, columns: list[str]) -> str:
    """A SELECT list that reads a backup's `columns` of `table` under today's names."""
    names = RENAMED.get(table, {})
    return ", ".join(f'"{c}" AS "{names[c]}"' if c in names else f'"{c}"' for c in columns)
