"""The store on DuckLake: a PostgreSQL catalog and Parquet data, shared by several app servers.

`PDM_DB=ducklake:postgres:<libpq connection string>` names it, `PDM_LAKE_DATA` its data folder
(a shared path or an object store URL). The connection is opened *on* the lake (DuckDB's own
`ducklake:` database path), so the lake is its default catalog and every `con.cursor()` stays on
it; the same SQL runs on the lake and on a DuckDB file.

DuckLake gives snapshot isolation but no keys, so two servers could both find a date "new" and
both store it. Writers therefore take turns across processes and machines through one PostgreSQL
advisory lock held for the whole write transaction (`write_turn`), as threads of one process
already do: the date is checked, stored and committed before the next writer looks.

It needs duckdb 1.5 with the packaged extensions and psycopg (requirements-lake.txt); the default
install (DuckDB 2, the file) never imports any of them.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from pdm_metrics.errors import WRITER_BUSY_MESSAGE, StoreError
from pdm_metrics.fmt import excerpt

LAKE_PREFIX = "ducklake:"
_CATALOG_PREFIX = "postgres:"
DATA_FOLDER_VARIABLE = "PDM_LAKE_DATA"
# One lock for every writer of a catalog (pg_advisory_lock's two-key form: "PDM", 1).
WRITE_LOCK_KEYS = (0x50444D, 1)
# DuckLake retries a commit that only appended beside another writer's; a real conflict is
# refused whole (db.transaction says so). Writers take turns, so retries are rare.
_RETRY_SETTINGS = {"ducklake_max_retry_count": 20, "ducklake_retry_wait_ms": 50}
# Only the packaged extensions, never a download: DuckDB's automatic install would otherwise try
# the network on every lake connection (half a second here, where there is none).
_NO_DOWNLOAD: dict[str, str | bool | int | float | list[str]] = {"autoinstall_known_extensions": False}
# The extensions the pip packages carry (INSTALLed from their path: there is no download here).
_PACKAGED_EXTENSIONS = {"postgres_scanner": "duckdb_extension_postgres", "ducklake": "duckdb_extension_ducklake"}

_ANOTHER_FOLDER = (
    f"{DATA_FOLDER_VARIABLE} berbeda dari folder data yang tercatat di katalog DuckLake ini; tidak ada yang diubah. "
    "Pakai folder yang sama di semua server."
)
_INSTALL_HINT = (
    "Penyimpanan DuckLake memerlukan paket dari requirements-lake.txt (duckdb 1.5 dengan ekstensi ducklake dan "
    "postgres, serta psycopg): jalankan `.venv/bin/pip install -r requirements-lake.txt`."
)


def catalog_address(location: str) -> str:
    """The libpq connection string of a `ducklake:postgres:…` location; StoreError for another catalog."""
    rest = location[len(LAKE_PREFIX) :]
    if not rest.startswith(_CATALOG_PREFIX) or not rest[len(_CATALOG_PREFIX) :].strip():
        raise StoreError(
            f"PDM_DB '{excerpt(location, 80)}' tidak dikenal: Pantau PDM memakai katalog DuckLake di PostgreSQL, "
            "misalnya ducklake:postgres:dbname=pantau host=katalog.bkpsdm.example user=pdm."
        )
    return rest[len(_CATALOG_PREFIX) :]


def open_lake(location: str, read_only: bool, memory_limit: str | None) -> duckdb.DuckDBPyConnection:
    """A connection whose default catalog is the lake at `location`, created on first use in the
    data folder PDM_LAKE_DATA names."""
    address = catalog_address(location)
    data_folder = os.environ.get(DATA_FOLDER_VARIABLE, "").strip()
    if not data_folder:
        raise StoreError(
            f"{DATA_FOLDER_VARIABLE} belum diisi: sebutkan folder data Parquet DuckLake yang dipakai bersama "
            "semua server (misalnya /srv/pantau/lake/ atau s3://bucket/pantau/)."
        )
    _install_extensions()
    try:
        if not _catalog_exists(address):
            _create(address, data_folder, read_only)
        config = {**_NO_DOWNLOAD, **({"memory_limit": memory_limit} if memory_limit else {})}
        con = duckdb.connect(location, read_only=read_only, config=config)
        try:
            _refuse_another_data_folder(con, data_folder)
            for name, value in _RETRY_SETTINGS.items():
                con.execute(f"SET {name} = {int(value)}")
        except BaseException:
            con.close()
            raise
        return con
    except duckdb.Error as exc:
        raise lake_failure(exc, address) from exc


def _catalog_exists(address: str) -> bool:
    """Whether DuckLake's tables are in the catalog database (one question to PostgreSQL)."""
    psycopg = _psycopg()
    try:
        with psycopg.connect(address, autocommit=True) as catalog:
            return bool(catalog.execute("SELECT to_regclass('ducklake_metadata') IS NOT NULL").fetchone()[0])
    except psycopg.Error as exc:
        raise lake_failure(exc, address) from exc


def _refuse_another_data_folder(con: duckdb.DuckDBPyConnection, data_folder: str) -> None:
    """Two servers must never write apart: PDM_LAKE_DATA is the folder the catalog was made with."""
    if _recorded_data_folder(con).rstrip("/") != data_folder.rstrip("/"):
        raise StoreError(_ANOTHER_FOLDER)


def _create(address: str, data_folder: str, read_only: bool) -> None:
    """Attach once with the data folder: DuckLake creates the catalog there (a read-only opening
    of a catalog not made yet is refused by DuckLake, and said so by lake_failure)."""
    if not read_only and "://" not in data_folder:
        Path(data_folder).mkdir(parents=True, exist_ok=True)
    setup = duckdb.connect(":memory:", config=_NO_DOWNLOAD)
    try:
        options = "DATA_PATH " + _literal(data_folder) + (", READ_ONLY" if read_only else "")
        # ATTACH takes no parameters; both values come from the server's own settings, quoted here.
        setup.execute(f"ATTACH {_literal(LAKE_PREFIX + _CATALOG_PREFIX + address)} AS pdm_lake_setup ({options})")
    finally:
        setup.close()


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_installed = False


def _install_extensions() -> None:
    """INSTALL the packaged extensions into DuckDB's extension folder once per process (LOAD then
    happens by itself when the lake is attached)."""
    global _installed
    if _installed:
        return
    con = duckdb.connect(":memory:")
    try:
        installed = con.execute("SELECT extension_name FROM duckdb_extensions() WHERE installed").fetchall()
        found = {row[0] for row in installed}
        for extension, package in _PACKAGED_EXTENSIONS.items():
            if extension in found:
                continue
            try:
                module = importlib.import_module(package)
            except ImportError:
                raise StoreError(_INSTALL_HINT) from None
            binary = next(Path(str(module.__file__)).parent.glob("extensions/*/*.duckdb_extension"), None)
            if binary is None:
                raise StoreError(_INSTALL_HINT)
            con.execute(f"INSTALL {_literal(str(binary))}")
    except duckdb.Error as exc:
        raise StoreError(f"Ekstensi DuckLake tidak dapat dipasang ({excerpt(str(exc), 160)}). {_INSTALL_HINT}") from exc
    finally:
        con.close()
    _installed = True


def lake_failure(exc: BaseException, address: str) -> StoreError:
    """What a failure to reach or read the lake means for the user."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "does not match existing data path" in text:
        return StoreError(_ANOTHER_FOLDER)  # two servers made the catalog at once, each with its folder
    host = next((part[5:] for part in address.split() if part.startswith("host=")), "server katalog")
    return StoreError(
        f"Katalog DuckLake di {excerpt(host, 60)} tidak dapat dibuka ({excerpt(text, 140)}). Periksa PDM_DB, "
        "kata sandi (PGPASSWORD atau ~/.pgpass) dan apakah PostgreSQL berjalan, lalu coba lagi."
    )


def lake_address(con: duckdb.DuckDBPyConnection) -> str | None:
    """The libpq address of the lake that is `con`'s default catalog; None for a DuckDB file
    (asked of DuckDB itself: no round trip to the catalog)."""
    row = con.execute("SELECT type, path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
    if not row or row[0][0] != "ducklake":
        return None
    return str(row[0][1]).removeprefix(_CATALOG_PREFIX)


def _recorded_data_folder(con: duckdb.DuckDBPyConnection) -> str:
    """The data folder the lake that is `con`'s default catalog was made with."""
    sql = "SELECT value FROM ducklake_options(current_database()) WHERE option_name = 'data_path'"
    row = con.execute(sql).fetchall()
    return str(row[0][0]) if row else ""


@contextlib.contextmanager
def write_turn(con: duckdb.DuckDBPyConnection, wait_seconds: float) -> Iterator[None]:
    """This process's turn to write a lake (nothing to do for a DuckDB file, which one process
    holds): a PostgreSQL advisory lock, held on a connection of its own until the caller's
    transaction has committed or rolled back. A process that dies lets go with its connection."""
    address = lake_address(con)
    if address is None:
        yield
        return
    psycopg = _psycopg()
    try:
        lock = psycopg.connect(address, autocommit=True)
    except psycopg.Error as exc:
        raise lake_failure(exc, address) from exc
    try:
        try:
            lock.execute(f"SET lock_timeout = {int(wait_seconds * 1000)}")
            lock.execute("SELECT pg_advisory_lock(%s, %s)", WRITE_LOCK_KEYS)
        except psycopg.errors.LockNotAvailable:
            raise StoreError(WRITER_BUSY_MESSAGE) from None
        yield
    finally:
        lock.close()  # closing the session releases its advisory lock


def _psycopg() -> Any:
    try:
        return importlib.import_module("psycopg")
    except ImportError:
        raise StoreError(_INSTALL_HINT) from None


def local_data_folder(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The data folder of the lake that is `con`'s default catalog, when it is a local (or mounted)
    path; None for an object store."""
    folder = _recorded_data_folder(con)
    return Path(folder) if folder and "://" not in folder else None
