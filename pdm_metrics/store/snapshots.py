"""Writing snapshots: one upload's valid rows and everything derived from them, in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from pdm_metrics.campaign import campaign_from_text
from pdm_metrics.errors import StoreError
from pdm_metrics.fmt import format_date, format_int
from pdm_metrics.schema import STAGE_SLOTS, Table, done_column, has_date_flag, has_status_flag
from pdm_metrics.store.campaigns import store_campaign
from pdm_metrics.store.changes import forget_changes, store_neighbour_changes
from pdm_metrics.store.db import Connection, first, set_meta, transaction
from pdm_metrics.store.derived import insert_profile_summary, insert_summary, rebuild_units
from pdm_metrics.store.journal import audit, bump_data_version
from pdm_metrics.store.unit_map import apply_unit_map

# Hears how far (0..1) the rows have come into the roster table.
StoreProgress = Callable[[float], None]


class ValidRows(Protocol):
    """Checked rows that can append their valid rows to the roster table (checks.RosterChecks)."""

    def store_valid(self, cur: Connection, snapshot_id: int, progress: StoreProgress | None = None) -> None: ...


@dataclass(frozen=True)
class SnapshotMeta:
    snapshot_date: date
    source_name: str
    source_sha256: str
    skipped_rows: int
    campaign: str  # its key
    headline_slot: int  # the campaign's headline stage (its done count is reported)
    status_slots: frozenset[int]  # the stages whose status column the file carried
    date_slots: frozenset[int]  # the stages whose day-done column it carried
    has_email: bool
    has_jenis_asn: bool
    uploaded_by: str = "cli"
    is_sample: bool = False
    confirmed_notices: tuple[str, ...] = ()  # plausibility notices the uploader confirmed
    rows_read: int | None = None  # data rows read from the files: every one is stored or skipped
    campaign_text: str = ""  # the campaign's definition, kept with its first snapshot
    campaign_file: str = ""


@dataclass(frozen=True)
class SavedSnapshot:
    snapshot_id: int
    snapshot_date: date
    rows: int
    headline_done: int  # how many of the rows are done with the campaign's headline stage
    replaced: bool


def snapshot_exists(con: Connection, snapshot_date: date, campaign: str) -> bool:
    return snapshot_id(con, snapshot_date, campaign) is not None


def snapshot_id(con: Connection, snapshot_date: date, campaign: str) -> int | None:
    """The snapshot of `campaign` on that date: one per campaign and date."""
    sql = f"SELECT id FROM {Table.SNAPSHOTS} WHERE snapshot_date = ? AND campaign = ?"
    row = first(con.cursor().execute(sql, [snapshot_date, campaign]))
    return int(row[0]) if row else None


def last_snapshot_id(cur: Connection) -> int:
    """The highest id ever given: stored, archived, or dropped since by a restore (recorded in meta)."""
    sql = f"""SELECT greatest((SELECT max(id) FROM {Table.SNAPSHOTS}), (SELECT max(id) FROM {Table.ARCHIVED_SNAPSHOTS}),
                              (SELECT max(value::BIGINT) FROM {Table.META} WHERE key = 'last_snapshot_id'), 0)"""
    (last,) = first(cur.execute(sql))
    return int(last)


def next_snapshot_id(cur: Connection) -> int:
    """A new snapshot's id, never one given before: taken inside the write transaction, whose turn
    no other writer shares (db.transaction), and recorded."""
    new_id = last_snapshot_id(cur) + 1
    set_meta(cur, "last_snapshot_id", str(new_id))
    return new_id


def save_snapshot(
    con: Connection,
    rows: ValidRows,
    meta: SnapshotMeta,
    replace: bool = False,
    progress: StoreProgress | None = None,
) -> SavedSnapshot:
    """Store one snapshot's valid rows and its summaries in a single transaction.

    An existing date is replaced only with `replace`; its metadata moves to the
    archive table and its roster rows stay in place (nothing is lost).
    """
    with transaction(con) as cur:
        existing = snapshot_id(cur, meta.snapshot_date, meta.campaign)
        if existing is not None and not replace:
            raise StoreError(
                f"Snapshot tanggal {format_date(meta.snapshot_date)} sudah ada. "
                "Konfirmasi penggantian (opsi --replace) untuk menggantinya."
            )
        new_id = next_snapshot_id(cur)
        if existing is not None:
            _archive_snapshot(cur, existing, new_id, meta.uploaded_by)
        if meta.campaign_text:
            store_campaign(cur, campaign_from_text(meta.campaign_text, meta.campaign_file), meta.campaign_text,
                           meta.campaign_file, meta.uploaded_by)  # fmt: skip
        rows.store_valid(cur, new_id, progress)
        (count,) = first(cur.execute(f"SELECT count(*) FROM {Table.ROSTER} WHERE snapshot_id = ?", [new_id]))
        _refuse_lost_rows(int(count), meta)
        _insert_snapshot_row(cur, new_id, meta, int(count))
        insert_summary(cur, new_id)
        apply_unit_map(cur, new_id)
        insert_profile_summary(cur, new_id)
        rebuild_units(cur)
        store_neighbour_changes(cur, new_id, meta.snapshot_date, meta.campaign)
        done = done_column(meta.headline_slot)
        (headline_done,) = first(
            cur.execute(f"SELECT coalesce(sum({done}), 0) FROM {Table.SUMMARY} WHERE snapshot_id = ?", [new_id])
        )
        action = "ganti snapshot" if existing is not None else "unggah snapshot"
        detail = f"{meta.snapshot_date.isoformat()} {meta.source_name} ({format_int(count)} baris)"
        audit(cur, meta.uploaded_by, action, detail)
        if meta.confirmed_notices:
            audit(cur, meta.uploaded_by, "konfirmasi peringatan", " | ".join(meta.confirmed_notices))
        bump_data_version(cur)
    return SavedSnapshot(new_id, meta.snapshot_date, int(count), int(headline_done), existing is not None)


def _refuse_lost_rows(stored: int, meta: SnapshotMeta) -> None:
    """Rows read = rows stored + rows skipped, or nothing is stored (the caller's transaction ends)."""
    if meta.rows_read is not None and stored + meta.skipped_rows != meta.rows_read:
        raise StoreError(
            f"{format_int(meta.rows_read)} baris terbaca, tetapi {format_int(stored)} tersimpan dan "
            f"{format_int(meta.skipped_rows)} dilewati: ada baris yang hilang. Tidak ada yang disimpan."
        )


def _insert_snapshot_row(cur: Connection, new_id: int, meta: SnapshotMeta, count: int) -> None:
    values: dict[str, object] = {
        "id": new_id,
        "snapshot_date": meta.snapshot_date,
        "source_name": meta.source_name,
        "source_sha256": meta.source_sha256,
        "uploaded_by": meta.uploaded_by,
        "row_count": count,
        "skipped_rows": meta.skipped_rows,
        "has_email": meta.has_email,
        "has_jenis_asn": meta.has_jenis_asn,
        "is_sample": meta.is_sample,
        "campaign": meta.campaign,
        **{has_status_flag(n): n in meta.status_slots for n in STAGE_SLOTS},
        **{has_date_flag(n): n in meta.date_slots for n in STAGE_SLOTS},
    }
    names, marks = ", ".join(values), ", ".join("?" * len(values))
    cur.execute(
        f"INSERT INTO {Table.SNAPSHOTS} ({names}, uploaded_at) VALUES ({marks}, now()::TIMESTAMP)",
        list(values.values()),
    )


def _archive_snapshot(cur: Connection, old_id: int, new_id: int, actor: str) -> None:
    cur.execute(
        f"""INSERT INTO {Table.ARCHIVED_SNAPSHOTS} BY NAME
            SELECT *, now()::TIMESTAMP AS archived_at, ?::VARCHAR AS archived_by, ?::BIGINT AS replaced_by_id
            FROM {Table.SNAPSHOTS} WHERE id = ?""",
        [actor, new_id, old_id],
    )
    for summary in (Table.SUMMARY, Table.PROFILE):
        cur.execute(f"DELETE FROM {summary} WHERE snapshot_id = ?", [old_id])
    cur.execute(f"DELETE FROM {Table.SNAPSHOTS} WHERE id = ?", [old_id])
    forget_changes(cur, [old_id])


def remove_sample_snapshots(cur: Connection, actor: str) -> int:
    """Remove every snapshot marked as sample data, in the caller's transaction; returns how many.
    Sample data live in a file of their own (db.sample_db_path): a real database never keeps them."""
    ids = [r[0] for r in cur.execute(f"SELECT id FROM {Table.SNAPSHOTS} WHERE is_sample").fetchall()]
    if not ids:
        return 0
    for table in (Table.ROSTER, Table.SUMMARY, Table.PROFILE):
        cur.execute(f"DELETE FROM {table} WHERE list_contains(?::BIGINT[], snapshot_id)", [ids])
    cur.execute(f"DELETE FROM {Table.SNAPSHOTS} WHERE is_sample")
    forget_changes(cur, ids)
    rebuild_units(cur)
    audit(cur, actor, "pindahkan data contoh", f"{len(ids)} snapshot contoh dikeluarkan dari basis data asli")
    bump_data_version(cur)
    return len(ids)
