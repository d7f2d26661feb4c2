"""Restoring a backup as carefully as an upload: every file checked before anything changes, the
rows checked like an upload's, derived tables worked out again from the rows, one transaction,
and the state before kept as an automatic backup.

Order of a restore (`restore_zip`):
1. the archive: only known members, bounded unpacked size and ratio, each member streamed to a
   private folder (never whole in memory) and no longer than it says;
2. the files, read by DuckDB where they lie (nothing written yet): the schema version the backup
   was made with (not newer than this app's), a well-formed meta table, one snapshot per date,
   snapshot row counts that match the rows, not a backup of the sample data only, and the rows
   themselves through the caller's `RowCheck` (the upload's rules, from checks/);
3. an automatic backup of the database as it is, beside the database file;
4. one transaction: every table replaced, the OPD summary, profile, units and changes worked out
   from the restored rows (a backup's own summaries are not trusted), the map applied, audited.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

import duckdb

from pdm_metrics.errors import StoreError
from pdm_metrics.fmt import excerpt, format_date, format_int, format_size
from pdm_metrics.schema import Table
from pdm_metrics.store import lake, legacy
from pdm_metrics.store.changes import store_missing_neighbour_changes
from pdm_metrics.store.db import Connection, database_failure, first, set_meta, transaction
from pdm_metrics.store.derived import (
    CHANGE_TABLES,
    fill_email_users,
    fill_units,
    insert_summary,
    rebuild_derived_summaries,
)
from pdm_metrics.store.journal import audit, bump_data_version
from pdm_metrics.store.migrations import LATEST_VERSION, fill_legacy_campaign
from pdm_metrics.store.queries import snapshot_dates
from pdm_metrics.store.snapshots import last_snapshot_id, remove_sample_snapshots
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
LATER_BACKUP_TABLES = (Table.UNIT_MAP, Table.COLUMN_CHOICES, Table.CAMPAIGNS)
# A restore never rewrites history: the audit log stays as it is and records the restore. The
# OPD summary is worked out from the restored rows, never taken from the file.
RESTORED_TABLES = tuple(t for t in BACKUP_TABLES if t not in (Table.AUDIT, Table.SUMMARY))
KNOWN_MEMBERS = frozenset(f"{t}.parquet" for t in (*BACKUP_TABLES, *LATER_BACKUP_TABLES))
NUMBERED_META = ("schema_version", "data_version", "last_snapshot_id")
META_KEYS = frozenset({*NUMBERED_META, "change_order"})
# Parquet is compressed already: a real backup unpacks to a few times its size. A member that
# claims a hundred times more is built to fill the disk.
MAX_UNPACK_RATIO = 100
MAX_UNPACKED = 20 * 1024**3
SMALL_MEMBER = 1024**2  # tiny tables (meta) compress far better than that, and do no harm
AUTOMATIC_BACKUPS = "cadangan-otomatis"
CHUNK = 1024**2

# The rows of a backup checked as an upload's are: (cursor, its Parquet files by table) -> problems.
RowCheck = Callable[[Connection, Mapping[str, str]], list[str]]


def restore_zip(
    con: Connection,
    archive_path: Path,
    actor: str,
    check_rows: RowCheck,
    backup_current: Callable[[Path], None],
) -> tuple[int, Path | None]:
    """Replace the database with a backup's content, or change nothing (StoreError saying why);
    returns the snapshot count and the automatic backup made of the state before."""
    try:
        with private_dir("restore") as workdir:
            files = _unpack(archive_path, Path(workdir))
            _refuse_bad_content(con, files, check_rows)
            kept = _keep_previous(con, backup_current)
            _replace_tables(con, files, actor)
    except (duckdb.Error, OSError) as exc:
        raise database_failure(exc) from exc
    return len(snapshot_dates(con)), kept


# ----------------------------------------------------------------------------- 1. the archive


def _unpack(archive_path: Path, workdir: Path) -> dict[str, Path]:
    """Each member of the archive streamed to `workdir`, within the declared and allowed sizes."""
    try:
        archive = zipfile.ZipFile(archive_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise StoreError("Berkas cadangan rusak atau bukan berkas cadangan Pantau PDM (.zip).") from exc
    with archive:
        members = {info.filename: info for info in archive.infolist()}
        unknown = sorted(set(members) - KNOWN_MEMBERS)
        missing = [t for t in BACKUP_TABLES if f"{t}.parquet" not in members]
        if unknown or missing:
            what = f"berisi {excerpt(unknown[0])}" if unknown else f"tanpa tabel {missing[0]}"
            raise StoreError(f"Berkas cadangan tidak lengkap atau tidak dikenal ({what}); basis data tidak diubah.")
        _refuse_bombs(list(members.values()))
        files = {}
        for name, info in members.items():
            target = workdir / name
            _copy_member(archive, info, target)
            files[name.removesuffix(".parquet")] = target
    return files


def _refuse_bombs(members: list[zipfile.ZipInfo]) -> None:
    unpacked = sum(i.file_size for i in members)
    packed = sum(i.compress_size for i in members)
    swollen = [i for i in members if i.file_size > SMALL_MEMBER and i.file_size > MAX_UNPACK_RATIO * i.compress_size]
    if unpacked > MAX_UNPACKED or swollen:
        raise StoreError(
            f"Berkas cadangan ini ({format_size(packed)}) mengaku berisi {format_size(unpacked)} data: bukan "
            "cadangan Pantau PDM yang wajar (cadangan asli hanya beberapa kali ukurannya). Basis data tidak diubah."
        )


def _copy_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> None:
    """One member, a block at a time, stopping once it passes the size it declared."""
    written = 0
    with archive.open(info) as source, target.open("wb") as sink:
        while block := source.read(CHUNK):
            written += len(block)
            if written > info.file_size:
                raise StoreError(
                    "Berkas cadangan rusak: isinya lebih panjang dari yang tercatat. Basis data tidak diubah."
                )
            sink.write(block)


# ----------------------------------------------------------------------------- 2. the files


def _refuse_bad_content(con: Connection, files: dict[str, Path], check_rows: RowCheck) -> None:
    cur = con.cursor()
    try:
        problems = _meta_problems(cur, files[Table.META]) + _snapshot_problems(cur, files)
        if not problems:
            problems = check_rows(cur, {table: str(path) for table, path in files.items()})
    except duckdb.Error as exc:
        raise StoreError(
            f"Berkas cadangan tidak cocok dengan basis data ini ({excerpt(str(exc).splitlines()[0], 100)}); "
            "basis data tidak diubah."
        ) from exc
    finally:
        cur.close()
    if problems:
        shown = "; ".join(problems[:5]) + (
            f"; dan {format_int(len(problems) - 5)} lainnya" if len(problems) > 5 else ""
        )
        raise StoreError(f"Cadangan ini tidak dipulihkan: {shown}. Basis data tidak diubah.")


def _meta_problems(cur: Connection, meta: Path) -> list[str]:
    rows = cur.execute("SELECT key::VARCHAR, value::VARCHAR FROM read_parquet(?)", [str(meta)]).fetchall()
    values = dict(rows)
    numbers = [values.get(key, "0") for key in NUMBERED_META]
    text = values.get("change_order", "")
    if len(values) != len(rows) or set(values) - META_KEYS or not all(str(n).isdigit() for n in numbers):
        return ["tabel meta berisi catatan yang tidak dikenal atau rusak"]
    if text is None or len(text) > 200 or any(ord(ch) < 32 for ch in text):
        return ["tabel meta berisi catatan yang tidak dikenal atau rusak"]
    version = int(values.get("schema_version", "0"))
    if version > LATEST_VERSION:
        return [f"dibuat oleh versi Pantau PDM yang lebih baru (skema {version}; versi ini sampai {LATEST_VERSION})"]
    return []


def _snapshot_problems(cur: Connection, files: dict[str, Path]) -> list[str]:
    snapshots, roster = str(files[Table.SNAPSHOTS]), str(files[Table.ROSTER])
    problems = [
        f"snapshot {format_date(day)} ada {format_int(n)} kali (satu snapshot per tanggal)"
        for day, n in cur.execute(
            "SELECT snapshot_date, count(*) FROM read_parquet(?) GROUP BY ALL HAVING count(*) > 1 ORDER BY 1",
            [snapshots],
        ).fetchall()
    ]
    problems += [
        f"snapshot {format_date(day)} mencatat {format_int(said)} baris, tetapi berisi {format_int(found)}"
        for day, said, found in cur.execute(
            """SELECT s.snapshot_date, s.row_count, count(r.snapshot_id)
               FROM read_parquet(?) s LEFT JOIN read_parquet(?) r ON r.snapshot_id = s.id
               GROUP BY ALL HAVING s.row_count IS DISTINCT FROM count(r.snapshot_id) ORDER BY 1""",
            [snapshots, roster],
        ).fetchall()
    ]
    total, samples = first(
        cur.execute("SELECT count(*), count(*) FILTER (WHERE is_sample) FROM read_parquet(?)", [snapshots])
    )
    if total and samples == total:
        problems.append(
            "cadangan ini berisi data contoh (sintetis) saja; memulihkannya akan menghapus data asli. Data contoh "
            "tersedia lewat tombol Lihat data contoh"
        )
    return problems


# ----------------------------------------------------------------------------- 3. the state before


def automatic_backup_path(con: Connection, now: datetime) -> Path | None:
    """Where the state before a restore is kept: a folder beside the database file, or in a lake's
    local data folder (None in memory or for a lake on an object store)."""
    cur = con.cursor()
    if lake.lake_address(cur) is not None:
        home = lake.local_data_folder(cur)
    else:
        row = first(cur.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()"))
        home = Path(str(row[0])).parent if row and row[0] else None
    if home is None:
        return None
    folder = home / AUTOMATIC_BACKUPS
    return folder / f"sebelum-pemulihan_{now:%Y-%m-%d_%H%M%S}.zip"


def _keep_previous(con: Connection, backup_current: Callable[[Path], None]) -> Path | None:
    target = automatic_backup_path(con, datetime.now())
    if target is None:
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    backup_current(target)
    return target


# ----------------------------------------------------------------------------- 4. the transaction


def _replace_tables(con: Connection, files: dict[str, Path], actor: str) -> None:
    restored = [*RESTORED_TABLES, *(t for t in LATER_BACKUP_TABLES if t in files)]
    with transaction(con) as cur:
        issued = last_snapshot_id(cur)  # ids stay unique after the restore, whatever the backup holds
        for table in (*CHANGE_TABLES, *LATER_BACKUP_TABLES, Table.SUMMARY, *restored):
            cur.execute(f"DELETE FROM {table}")
        for table in restored:
            # A backup from before campaigns were data names the PDM phases' columns: read under today's names.
            path = str(files[table])
            columns = [str(r[0]) for r in cur.execute("DESCRIBE SELECT * FROM read_parquet(?)", [path]).fetchall()]
            select = legacy.renamed_select(table, columns)
            cur.execute(f"INSERT INTO {table} BY NAME SELECT {select} FROM read_parquet(?)", [path])
        fill_legacy_campaign(cur)  # its snapshots are PDM 2021's
        fill_email_users(cur)  # a backup from before the column was added
        fill_units(cur)  # rows from before units were kept apart from OPD (before they are summed)
        for (snapshot_id,) in cur.execute(f"SELECT id FROM {Table.SNAPSHOTS} ORDER BY id").fetchall():
            insert_summary(cur, int(snapshot_id))  # from the rows, never the backup's own counts
        regroup_units(cur)  # the map the backup holds (none in an older backup)
        store_missing_neighbour_changes(cur)
        rebuild_derived_summaries(cur)
        remove_sample_snapshots(cur, actor)  # a backup from before sample data had a file of their own
        # The tables now have this version's shape (the steps above did what the migrations would);
        # the data version lives in its own log, which a backup never holds (journal.bump_data_version).
        cur.execute(f"DELETE FROM {Table.META} WHERE list_contains(?, key)", [list(NUMBERED_META)])
        set_meta(cur, "schema_version", str(LATEST_VERSION))
        set_meta(cur, "last_snapshot_id", str(max(issued, last_snapshot_id(cur))))
        audit(cur, actor, "pulihkan cadangan", f"{len(restored)} tabel")
        bump_data_version(cur)
