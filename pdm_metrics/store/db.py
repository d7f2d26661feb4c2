"""Opening the database, one write transaction at a time, and binding statement parameters.

Every other module of the store builds its statements the same way: table names from
`schema.Table`, values as named (`$name`) or positional (`?`) parameters, never in the text.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from pdm_metrics.errors import FULL_ERRNOS, WRITER_BUSY_MESSAGE, StoreError, storage_full_message
from pdm_metrics.fmt import excerpt
from pdm_metrics.schema import Table
from pdm_metrics.store import lake

# What a store operation can raise besides StoreError: callers outside the store (which never
# import duckdb) catch it and show database_failure(exc).
DatabaseError = duckdb.Error
DEFAULT_DB_PATH = Path(os.environ.get("PDM_DB", Path(__file__).resolve().parents[2] / "data" / "pdm.duckdb"))
Connection = duckdb.DuckDBPyConnection


def sample_db_path(real: Path) -> Path:
    """Where the sample data live: a file of their own beside the real database (PDM_SAMPLE_DB to
    choose). A lake's sample data stay a local DuckDB file: they never enter the shared store."""
    chosen = os.environ.get("PDM_SAMPLE_DB")
    if chosen:
        return Path(chosen)
    if is_lake(real):
        return Path(__file__).resolve().parents[2] / "data" / "pdm-contoh.duckdb"
    return real.with_name(f"{real.stem}-contoh{real.suffix}")


def is_lake(location: str | Path | None) -> bool:
    """Whether a database location (PDM_DB, --db) names a DuckLake rather than a DuckDB file."""
    return location is not None and str(location).startswith(lake.LAKE_PREFIX)


WRITE_WAIT_SECONDS = 120.0
_WRITE_LOCK = threading.Lock()


def open_database(
    path: str | Path | None, read_only: bool, memory_limit: str | None, must_exist: bool = False
) -> Connection:
    """The DuckDB connection itself (no upgrade); StoreError, saying why and what to do, when it
    cannot be opened. With `must_exist` a missing file is refused rather than created (a read
    command with a typo in --db must not leave an empty database behind)."""
    target = Path(path) if path is not None else DEFAULT_DB_PATH
    if is_lake(target):
        return lake.open_lake(str(target), read_only, memory_limit)
    if str(target) != ":memory:":
        _refuse_what_is_not_a_database(target, must_exist, read_only)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"Folder {target.parent} untuk basis data tidak dapat dibuat: {exc.strerror}.") from exc
    try:
        config: dict[str, str | bool | int | float | list[str]] = {"memory_limit": memory_limit} if memory_limit else {}
        return duckdb.connect(str(target), read_only=read_only, config=config)
    except duckdb.Error as exc:
        raise database_failure(exc, target) from exc


# A DuckDB file says so at bytes 8-11 of its first block.
_DUCKDB_MAGIC = b"DUCK"
RESTORE_HINT = (
    "Pulihkan dari cadangan terakhir: ganti berkas ini dengan salinannya dari cadangan server, atau pindahkan "
    "berkas ini, buka dasbor dengan basis data baru dan pulihkan berkas cadangan .zip di halaman Cadangan."
)


def _refuse_what_is_not_a_database(target: Path, must_exist: bool, read_only: bool) -> None:
    """`--db some.csv` must not be taken for a database: a path is a DuckDB file, or new. Nothing
    here opens a file that is not a regular one (a FIFO would block the open for ever)."""
    try:
        info = target.stat()
    except FileNotFoundError:
        if must_exist:
            raise StoreError(
                f"Basis data {target} tidak ditemukan; tidak ada yang dibuat. Periksa --db atau PDM_DB "
                "(perintah ini hanya membaca)."
            ) from None
        parent = next((p for p in target.parents if p.exists()), Path("/"))
        if not os.access(parent, os.W_OK | os.X_OK):
            raise StoreError(_read_only_message(target, folder=True)) from None
        return
    except OSError as exc:
        raise StoreError(f"Basis data {target} tidak dapat dibuka: {exc.strerror}.") from exc
    if stat.S_ISDIR(info.st_mode):
        raise StoreError(f"{target.name} adalah folder, bukan berkas basis data. Sebutkan berkas .duckdb.")
    if not stat.S_ISREG(info.st_mode):
        raise StoreError(
            f"{target.name} bukan berkas biasa (misalnya pipa atau perangkat), bukan basis data Pantau PDM; "
            "tidak ada yang dibuka. Sebutkan berkas .duckdb."
        )
    try:
        with target.open("rb") as handle:
            head = handle.read(12)
    except PermissionError as exc:
        raise StoreError(f"Basis data {target} tidak dapat dibaca: izin berkas tidak mengizinkan.") from exc
    if head[8:12] != _DUCKDB_MAGIC:
        raise StoreError(
            f"Berkas {target.name} bukan basis data Pantau PDM (DuckDB); tidak ada yang diubah. "
            "Sebutkan berkas .duckdb yang ada, atau nama berkas baru."
        )
    if not read_only and not os.access(target, os.W_OK):
        raise StoreError(_read_only_message(target, folder=False))
    if not read_only and not os.access(target.parent, os.W_OK | os.X_OK):
        raise StoreError(_read_only_message(target, folder=True))  # DuckDB writes its WAL beside the file


def _read_only_message(target: Path, folder: bool) -> str:
    where = f"folder {target.parent}" if folder else f"berkas {target}"
    return (
        f"Basis data {target} tidak dapat ditulis: {where} hanya-baca bagi pengguna ini. Berikan izin tulis "
        "(misalnya chown ke pengguna layanan dasbor) lalu coba lagi."
    )


def database_failure(exc: BaseException, target: Path | str | None = None) -> StoreError:
    """What a DuckDB or file-system failure means for the user, with what to do: busy, read-only,
    disk or temporary folder full, a file that cannot be read or written, or a damaged database.
    `target` is the database file when the failure came from opening or reading it."""
    text = str(exc)
    lowered = text.lower()
    if (isinstance(exc, OSError) and exc.errno in FULL_ERRNOS) or any(
        word in lowered for word in ("no space left", "file too large", "disk quota")
    ):
        return StoreError(storage_full_message())
    if isinstance(exc, OSError):  # an input, output or temporary file: not the database's fault
        where = excerpt(exc.filename, 120) if exc.filename else "berkas"
        return StoreError(f"{where} tidak dapat dibaca atau ditulis ({exc.strerror or type(exc).__name__}).")
    if target is None:  # a statement on an open database failed: its file is not known to be damaged
        return StoreError(
            f"Basis data gagal menjalankan permintaan ini ({excerpt(text.splitlines()[0] if text else '', 120)}); "
            "tidak ada yang berubah. Coba lagi; bila berulang, hubungi admin."
        )
    if "lock" in lowered and ("could not set" in lowered or "conflicting" in lowered):
        return StoreError(
            f"Basis data {target} sedang dipakai proses lain (dasbor, impor atau laporan yang sedang berjalan). "
            "Coba lagi setelah proses itu selesai."
        )
    if "permission denied" in lowered or "read-only file system" in lowered:
        return StoreError(_read_only_message(Path(target), folder=False))
    return StoreError(
        f"Basis data {target} rusak atau tidak lengkap, sehingga tidak dapat dibaca "
        f"({excerpt(text.splitlines()[0] if text else type(exc).__name__, 120)}). {RESTORE_HINT}"
    )


def first(result: Connection) -> Any:
    """The first row of a result (None without rows), read to its end: DuckDB refuses further
    work on a connection while a result is unread."""
    rows = result.fetchall()
    return rows[0] if rows else None


def bind(sql: str, params: Mapping[str, object]) -> dict[str, object]:
    """The named parameters a statement uses, out of a larger shared set (DuckDB refuses unused
    ones). A parameter the statement uses but the set lacks is an error here, not a NULL."""
    used = set(re.findall(r"\$([a-z_][a-z0-9_]*)", sql))
    missing = used - params.keys()
    if missing:
        raise KeyError(f"statement parameters without a value: {sorted(missing)}")
    return {name: value for name, value in params.items() if name in used}


# The campaign a read is about. A snapshot is named by its campaign and its date (two campaigns
# may each have one on the same day); None names the database's own campaign, that of its newest
# snapshot (store.current_campaign), so a caller of a one-campaign database need not say it.
NEWEST_CAMPAIGN = f"(SELECT campaign FROM {Table.SNAPSHOTS} ORDER BY snapshot_date DESC, id DESC LIMIT 1)"


def in_campaign(alias: str) -> str:
    """The condition that the snapshot row `alias` (a literal of the store) is of $campaign."""
    return f"{alias}.campaign = coalesce($campaign::VARCHAR, {NEWEST_CAMPAIGN})"


def list_param(values: Sequence[str] | None) -> list[str] | None:
    """A list filter's value: None (no filter) for nothing chosen."""
    return list(values) if values else None


def set_meta(cur: Connection, key: str, value: str) -> None:
    """One meta entry, replaced: deleted, then inserted (a lake has no key to upsert on)."""
    cur.execute(f"DELETE FROM {Table.META} WHERE key = ?", [key])
    cur.execute(f"INSERT INTO {Table.META} VALUES (?, ?)", [key, value])


def has_column(con: Connection, table: str, column: str) -> bool:
    sql = "SELECT count(*) FROM information_schema.columns WHERE table_name = ? AND column_name = ?"
    return bool(first(con.cursor().execute(sql, [table, column]))[0])


def table_exists(con: Connection, table: str) -> bool:
    row = first(con.cursor().execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]))
    return bool(row and row[0])


@contextmanager
def transaction(con: Connection, wait_seconds: float = WRITE_WAIT_SECONDS) -> Iterator[Connection]:
    """One explicit transaction on its own cursor: all of it commits, or none of it.

    Writers take turns (DuckDB would let two uploads of the same date both insert, since they
    touch no common row): threads of this process here; another process cannot open a file at
    all, and the writers of a lake, on any server, take turns through its catalog (lake.write_turn).
    """
    if not _WRITE_LOCK.acquire(timeout=wait_seconds):
        raise StoreError(WRITER_BUSY_MESSAGE)
    cursor = con.cursor()
    try:
        with lake.write_turn(cursor, wait_seconds):
            cursor.begin()
            try:
                yield cursor
                cursor.commit()
            except BaseException as exc:
                _rollback_quietly(cursor)
                if isinstance(exc, duckdb.IOException | duckdb.TransactionException | duckdb.FatalException):
                    raise StoreError(
                        "Gagal menulis ke basis data (ruang penyimpanan penuh, tidak dapat ditulis, atau bentrok "
                        "dengan penulisan lain); tidak ada yang berubah. Periksa ruang disk lalu coba lagi."
                    ) from exc
                raise
    finally:
        cursor.close()
        _WRITE_LOCK.release()


def _rollback_quietly(cursor: Connection) -> None:
    # After a failed commit DuckDB has already rolled back; a second rollback only says so.
    with contextlib.suppress(duckdb.Error):
        cursor.rollback()
