from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pdm_metrics import demo, store
from tests.lakes import LAKE_SERVER, new_database

# The hostile-input tests' stored database (fixtures `stored_once`, `stored`), shared by two files.
pytest_plugins = ("tests.hostile_cli",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the lake run, a test about the DuckDB file itself (its lock, its WAL, a copy of it) has
    nothing to test."""
    if not LAKE_SERVER:
        return
    for item in items:
        if item.get_closest_marker("file_only"):
            item.add_marker(pytest.mark.skip(reason="tentang berkas DuckDB itu sendiri, bukan DuckLake"))


@pytest.fixture(scope="session", autouse=True)
def lake_data_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The lake run's data folder (PDM_LAKE_DATA), shared by its catalogs and inherited by the CLI."""
    if not LAKE_SERVER:
        yield
        return
    before = os.environ.get("PDM_LAKE_DATA")
    os.environ["PDM_LAKE_DATA"] = str(tmp_path_factory.mktemp("lake-data"))
    yield
    if before is None:
        os.environ.pop("PDM_LAKE_DATA", None)
    else:
        os.environ["PDM_LAKE_DATA"] = before


@dataclass
class FakeClient:
    """What a browser's connection tells st.context: its TCP peer and its request headers."""

    remote_ip: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)  # as sent: a name may repeat


@pytest.fixture(autouse=True)
def apptest_client(monkeypatch: pytest.MonkeyPatch) -> FakeClient:
    """AppTest's runtime is a mock whose client reports a mock peer; a test's script runs in this
    very process, so it is given a loopback client with no headers (what a browser on the server
    itself sends). A test that plays a remote or proxied client changes the returned object."""
    import streamlit.runtime.context as context

    client = FakeClient()
    monkeypatch.setattr(context, "_get_client_context", lambda: client)
    return client


@pytest.fixture
def db(tmp_path: Path) -> Iterator[store.Connection]:
    con = store.connect(new_database(tmp_path, "test.duckdb"))
    yield con
    con.close()


@pytest.fixture(scope="session")
def sample_db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = new_database(tmp_path_factory.mktemp("sample"), "sample.duckdb")
    con = store.connect(path)
    demo.load_sample(con)
    con.close()
    return path


@pytest.fixture(scope="session")
def sample_con(sample_db_path: Path) -> Iterator[store.Connection]:
    con = store.connect(sample_db_path, read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def sample_people() -> list[demo.SamplePerson]:
    return demo.sample_people()


@pytest.fixture
def streamlit_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """PDM_DB pointing at a fresh path, with Streamlit's caches emptied before and after
    (the cached connection would otherwise outlive the test)."""
    import streamlit as st

    path = tmp_path / "app.duckdb"
    monkeypatch.setenv("PDM_DB", str(path))
    monkeypatch.delenv("PDM_SAMPLE_DB", raising=False)  # the sample's own file beside it
    st.cache_resource.clear()
    st.cache_data.clear()
    yield path
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def app_db(sample_db_path: Path, streamlit_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh install: an empty real database, and a copy of the sample in its own file."""
    sample = streamlit_db.with_name("contoh.duckdb")
    shutil.copy(sample_db_path, sample)
    monkeypatch.setenv("PDM_SAMPLE_DB", str(sample))
    return streamlit_db


def load_sample_as_real_data(con: store.Connection) -> None:
    """The sample's snapshots stored as if an agency had uploaded them (bulk data for store tests;
    a real database never keeps snapshots marked as sample)."""
    demo.load_sample(con)
    con.execute("UPDATE snapshots SET is_sample = false")


def content_checksum(con: store.Connection) -> str:
    """A checksum of everything a user could see: snapshots, roster rows and summaries."""
    parts = []
    for frame in (store.list_snapshots(con), store.archived_snapshots(con)):
        parts.append(frame.drop(columns=["uploaded_at"], errors="ignore").to_csv(index=False))
    counts = store.summary_counts(con, by_opd=True)
    parts.append(counts.to_csv(index=False))
    for day in store.list_snapshots(con)["snapshot_date"]:
        parts.append(store.roster_rows(con, day.date()).to_csv(index=False))
    return hashlib.sha256("".join(parts).encode()).hexdigest()


def file_checksum(path: Path) -> str:
    """content_checksum of the database file at `path`, opened read-only for the look."""
    con = store.connect(path, read_only=True)
    try:
        return content_checksum(con)
    finally:
        con.close()


def shown(markdown: str) -> str:
    """What a reader sees of Markdown the pages wrote: the escapes that keep data plain taken out
    (AppTest reports an element's Markdown source)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)
