"""Persistence: the one door to the DuckDB file (the roster checks run in DuckDB of their own).

    db          connection, one write transaction at a time, parameter binding
    lake        the same store on DuckLake (PostgreSQL catalog, Parquet data), writers taking turns
    migrations  the tables, as numbered steps recorded in meta
    snapshots   writing one upload and what derives from it
    derived     summaries written with the rows (per OPD, per NIP profile, units, shared emails)
    changes     the changes between two snapshots (Perubahan)
    queries     every read the pages make
    downloads   the full CSV of Data & Unduh, written by DuckDB
    journal     audit log and data version
    admin       deadline extensions and backups
    restore     a backup restored as carefully as an upload
    unit_map    Peta Unit Kerja: which OPD each unit belongs to, applied to every snapshot
    campaigns   the campaign definitions a database follows
    legacy      the PDM-named columns of older databases and backups (migration and restore only)

Callers use the names re-exported here (`store.connect`, `store.summary_counts`, ...).
"""

from __future__ import annotations

from pathlib import Path

from pdm_metrics.store.admin import add_deadline_extension, backup_zip, write_backup
from pdm_metrics.store.campaigns import (
    add_campaign,
    campaign_named,
    current_campaign,
    replace_definition,
    stored_campaigns,
    stored_definition,
)
from pdm_metrics.store.changes import (
    OPD_BY_NAME,
    ChangeReport,
    change_counts_per_opd,
    change_list,
    change_report,
    change_totals,
)
from pdm_metrics.store.db import (
    DEFAULT_DB_PATH,
    Connection,
    DatabaseError,
    database_failure,
    is_lake,
    open_database,
    sample_db_path,
    transaction,
)
from pdm_metrics.store.downloads import roster_csv
from pdm_metrics.store.journal import audit_entries, data_version, record_audit
from pdm_metrics.store.migrations import check_version, upgrade
from pdm_metrics.store.queries import (
    RosterFilter,
    archived_snapshots,
    campaigns_with_snapshots,
    deadline_extensions,
    done_counts_by_day,
    email_sharing,
    list_snapshots,
    nip_profile_counts,
    opd_choices,
    roster_row_count,
    roster_rows,
    snapshot_dates,
    summary_counts,
)
from pdm_metrics.store.restore import RowCheck, restore_zip
from pdm_metrics.store.settings import remember_columns, remembered_columns
from pdm_metrics.store.snapshots import (
    SavedSnapshot,
    SnapshotMeta,
    StoreProgress,
    ValidRows,
    save_snapshot,
    snapshot_exists,
)
from pdm_metrics.store.unit_map import (
    MapEntry,
    has_unit_map,
    map_coverage,
    unit_counts,
    unit_totals,
    unmapped_units,
)


def connect(
    path: str | Path | None = None, read_only: bool = False, memory_limit: str | None = None, must_exist: bool = False
) -> Connection:
    """Open (and if needed create or upgrade) the database; StoreError saying why when it cannot be
    used (held by another process, read-only, damaged, from a newer version...). `memory_limit` caps
    DuckDB's working memory (beyond it, it spills to disk); `must_exist` refuses to create one."""
    con = open_database(path, read_only, memory_limit, must_exist)
    try:
        check_version(con)
        if not read_only:
            upgrade(con)
    except DatabaseError as exc:
        con.close()
        raise database_failure(exc, path or DEFAULT_DB_PATH) from exc
    except BaseException:
        con.close()
        raise
    return con


__all__ = [
    "DEFAULT_DB_PATH",
    "OPD_BY_NAME",
    "ChangeReport",
    "Connection",
    "DatabaseError",
    "MapEntry",
    "RosterFilter",
    "RowCheck",
    "SavedSnapshot",
    "SnapshotMeta",
    "StoreProgress",
    "ValidRows",
    "add_campaign",
    "add_deadline_extension",
    "archived_snapshots",
    "audit_entries",
    "backup_zip",
    "campaign_named",
    "campaigns_with_snapshots",
    "change_counts_per_opd",
    "change_list",
    "change_report",
    "change_totals",
    "connect",
    "current_campaign",
    "data_version",
    "database_failure",
    "deadline_extensions",
    "done_counts_by_day",
    "email_sharing",
    "has_unit_map",
    "is_lake",
    "list_snapshots",
    "map_coverage",
    "nip_profile_counts",
    "opd_choices",
    "open_database",
    "record_audit",
    "remember_columns",
    "remembered_columns",
    "replace_definition",
    "restore_zip",
    "roster_csv",
    "roster_row_count",
    "roster_rows",
    "sample_db_path",
    "save_snapshot",
    "snapshot_dates",
    "snapshot_exists",
    "stored_campaigns",
    "stored_definition",
    "summary_counts",
    "transaction",
    "unit_counts",
    "unit_totals",
    "unmapped_units",
    "write_backup",
]
