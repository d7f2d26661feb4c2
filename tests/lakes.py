"""Fresh databases for the tests: a DuckDB file, or, when PDM_TEST_LAKE names a PostgreSQL
server (the lake run of .ci/run), a DuckLake of its own (a new PostgreSQL database as its catalog,
data in the session's PDM_LAKE_DATA). The store, ingest, views and CLI tests take theirs from
here, so the same assertions hold on both."""

from __future__ import annotations

import importlib
import os
import shutil
import uuid
from pathlib import Path

from pdm_metrics import store

# The libpq connection string of a server the tests may create databases on (empty: files only).
LAKE_SERVER = os.environ.get("PDM_TEST_LAKE", "").strip()


_LAKES: dict[Path, Path] = {}


def new_database(folder: Path, name: str) -> Path:
    """A test's database: `folder/name`, or on the lake run the lake standing for that path (a
    `ducklake:postgres:…` location as a Path, as PDM_DB and --db take either), made on first use."""
    if not LAKE_SERVER:
        return folder / name
    if folder / name not in _LAKES:
        _LAKES[folder / name] = Path("ducklake:postgres:" + create_catalog())
    return _LAKES[folder / name]


def create_catalog() -> str:
    """A new, empty PostgreSQL database on the lake server; its libpq connection string."""
    psycopg = importlib.import_module("psycopg")
    catalog = f"pdm_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(LAKE_SERVER, autocommit=True) as server:
        server.execute(f'CREATE DATABASE "{catalog}"')
    return with_database(LAKE_SERVER, catalog)


def with_database(address: str, dbname: str) -> str:
    """`address` (key=value pairs) naming another database."""
    pairs = [part for part in address.split() if not part.startswith("dbname=")]
    return " ".join([f"dbname={dbname}", *pairs])


def copy_of(source: Path, folder: Path, name: str) -> Path:
    """A copy of a test database a test may change (the session's sample, say): the file copied,
    or a fresh lake holding the same tables."""
    if not LAKE_SERVER:
        shutil.copy(source, folder / name)
        return folder / name
    target = new_database(folder, name)
    con = store.open_database(target, read_only=False, memory_limit=None)
    try:
        con.execute(f"ATTACH '{source}' AS copied_from (READ_ONLY)")
        (catalog,) = con.execute("SELECT current_database()").fetchall()[0]
        con.execute(f'COPY FROM DATABASE copied_from TO "{catalog}"')
    finally:
        con.close()
    return target
