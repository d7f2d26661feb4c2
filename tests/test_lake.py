"""Several processes on one lake (the lake run: PDM_TEST_LAKE names a PostgreSQL server).

Each test holds the writers' turn itself (the same PostgreSQL advisory lock the store takes),
starts the writers, and lets go only when PostgreSQL shows them all waiting for it: so they reach
the write *at once* on any machine, however slow, with no sleep timed on one run.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from pdm_metrics import store
from pdm_metrics.errors import StoreError
from pdm_metrics.store import lake
from tests.conftest import content_checksum, load_sample_as_real_data
from tests.files import DONE, HEADER, NOT_DONE, csv_bytes
from tests.lakes import LAKE_SERVER, new_database
from tests.pdm_2021 import ACTIVATION

pytestmark = [
    pytest.mark.lake,
    pytest.mark.skipif(not LAKE_SERVER, reason="the lake run only (PDM_TEST_LAKE names a PostgreSQL server)"),
]
ROOT = Path(__file__).resolve().parent.parent
WAIT_SECONDS = 300  # a bound for a stuck test, never a measured time


def roster_file(folder: Path, day: dt.date, people: int, done_every: int = 2) -> Path:
    """A roster of `people` ASN in 20 OPD, every `done_every`-th of them activated."""
    rows = [HEADER]
    for i in range(people):
        rest = i // 999
        nip = f"{1960 + rest // 336}{(rest // 28) % 12 + 1:02d}{rest % 28 + 1:02d}2005011{i % 999 + 1:03d}"
        rows.append([nip, f"ASN {i}", f"Dinas {i % 20:02d}", DONE if i % done_every == 0 else NOT_DONE])
    path = folder / f"rekap_{day:%Y%m%d}_{people}_{done_every}.csv"
    path.write_bytes(csv_bytes(rows))
    return path


def psycopg() -> Any:
    return importlib.import_module("psycopg")


@contextmanager
def writers_turn(location: Path) -> Iterator[Any]:
    """Hold the lake's write turn; yields the holding PostgreSQL connection."""
    address = lake.catalog_address(str(location))
    holder = psycopg().connect(address, autocommit=True)
    try:
        holder.execute("SELECT pg_advisory_lock(%s, %s)", lake.WRITE_LOCK_KEYS)
        yield holder
    finally:
        holder.close()


def wait_for_waiters(holder: Any, count: int, processes: list[subprocess.Popen[str]]) -> None:
    """Until `count` sessions wait for the write turn (each process has read and checked its file)."""
    sql = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = %s AND objid = %s"
    deadline = time.monotonic() + WAIT_SECONDS
    while holder.execute(sql, lake.WRITE_LOCK_KEYS).fetchone()[0] < count:
        finished = [p for p in processes if p.poll() is not None]
        assert not finished, [p.communicate() for p in finished]
        assert time.monotonic() < deadline, "the writers never reached their turn"
        time.sleep(0.05)


def ingest(path: Path, location: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "pdm_metrics", "ingest", str(path), "--db", str(location)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


def consistent(con: store.Connection) -> list[tuple[dt.date, int, int, int]]:
    """Per stored snapshot: its date, its row count, the roster rows and the OPD summary's total."""
    sql = """SELECT s.snapshot_date, s.row_count,
                    (SELECT count(*) FROM roster r WHERE r.snapshot_id = s.id),
                    (SELECT coalesce(sum(total), 0) FROM opd_summary o WHERE o.snapshot_id = s.id)
             FROM snapshots s ORDER BY s.snapshot_date"""
    return [tuple(row) for row in con.cursor().execute(sql).fetchall()]  # type: ignore[misc]


def test_two_ingest_processes_on_one_lake_save_two_dates_at_once(tmp_path: Path) -> None:
    location = new_database(tmp_path, "lake.duckdb")
    store.connect(location).close()  # the tables exist before the writers race
    files = [roster_file(tmp_path, dt.date(2021, 7, 11), 3_000), roster_file(tmp_path, dt.date(2021, 8, 1), 4_000)]
    with writers_turn(location) as holder:
        processes = [ingest(path, location) for path in files]
        wait_for_waiters(holder, 2, processes)
    outcomes = [p.communicate(timeout=WAIT_SECONDS) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outcomes
    assert sorted(json.loads(out)["rows"] for out, _ in outcomes) == [3_000, 4_000]
    con = store.connect(location, read_only=True)
    assert consistent(con) == [(dt.date(2021, 7, 11), 3_000, 3_000, 3_000), (dt.date(2021, 8, 1), 4_000, 4_000, 4_000)]
    assert sorted(store.list_snapshots(con)["id"]) == [1, 2]  # two ids, never the same one twice
    assert list(store.audit_entries(con)["action"]).count("unggah snapshot") == 2
    con.close()


def test_the_same_date_from_two_processes_is_stored_once_and_refused_once(tmp_path: Path) -> None:
    location = new_database(tmp_path, "lake.duckdb")
    store.connect(location).close()
    day = dt.date(2021, 7, 11)
    files = [roster_file(tmp_path, day, 3_000, done_every=2), roster_file(tmp_path, day, 5_000, done_every=3)]
    with writers_turn(location) as holder:
        processes = [ingest(path, location) for path in files]
        wait_for_waiters(holder, 2, processes)
    outcomes = [p.communicate(timeout=WAIT_SECONDS) for p in processes]
    codes = sorted(p.returncode for p in processes)
    assert codes == [0, 1], outcomes
    refused = next(err for p, (_, err) in zip(processes, outcomes, strict=True) if p.returncode == 1)
    assert "Snapshot tanggal 11 Juli 2021 sudah ada" in refused and "Traceback" not in refused
    saved = next(json.loads(out) for p, (out, _) in zip(processes, outcomes, strict=True) if p.returncode == 0)
    con = store.connect(location, read_only=True)
    rows = saved["rows"]
    assert consistent(con) == [(day, rows, rows, rows)]  # the winner whole, nothing of the other
    (stray,) = con.cursor().execute("SELECT count(*) FROM roster WHERE snapshot_id <> 1").fetchall()[0]
    assert stray == 0
    con.close()


def test_a_reader_never_sees_a_snapshot_half_stored(tmp_path: Path) -> None:
    location = new_database(tmp_path, "lake.duckdb")
    store.connect(location).close()
    days = [dt.date(2021, 7, 11), dt.date(2021, 8, 1), dt.date(2021, 9, 1)]
    files = [roster_file(tmp_path, day, 60_000) for day in days]
    reader = store.connect(location, read_only=True)
    held = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = %s AND objid = %s"
    seen: list[list[tuple[dt.date, int, int, int]]] = []
    reads_while_writing = 0
    with psycopg().connect(lake.catalog_address(str(location)), autocommit=True) as watcher:
        for path in files:
            with writers_turn(location) as holder:
                process = ingest(path, location)
                wait_for_waiters(holder, 1, [process])
            while process.poll() is None:
                writing = watcher.execute(held, lake.WRITE_LOCK_KEYS).fetchone()[0] > 0
                seen.append(consistent(reader))
                reads_while_writing += writing
            assert process.returncode == 0, process.communicate()
    reader.close()
    assert reads_while_writing > 0  # some reads fell inside a save's transaction
    for snapshots in seen:
        assert all(rows == roster == summed for _, rows, roster, summed in snapshots), snapshots
    assert [len(snapshots) for snapshots in seen] == sorted(len(snapshots) for snapshots in seen)  # never back
    final = store.connect(location, read_only=True)
    assert consistent(final) == [(day, 60_000, 60_000, 60_000) for day in days]
    final.close()


def test_a_lake_says_what_is_missing_in_indonesian(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    location = new_database(tmp_path, "lake.duckdb")
    store.connect(location).close()
    monkeypatch.setenv("PDM_LAKE_DATA", str(tmp_path / "folder-lain"))
    with pytest.raises(StoreError, match="berbeda dari folder data yang tercatat"):
        store.connect(location)
    monkeypatch.delenv("PDM_LAKE_DATA")
    with pytest.raises(StoreError, match="PDM_LAKE_DATA belum diisi"):
        store.connect(location)
    monkeypatch.setenv("PDM_LAKE_DATA", str(tmp_path / "data"))
    nobody = "ducklake:postgres:dbname=pantau host=127.0.0.1 port=1 user=pdm connect_timeout=5"  # nothing listens
    with pytest.raises(StoreError, match=r"Katalog DuckLake di 127\.0\.0\.1 tidak dapat dibuka"):
        store.connect(Path(nobody))
    with pytest.raises(StoreError, match="katalog DuckLake di PostgreSQL"):
        store.connect(Path("ducklake:sqlite:katalog.db"))


def ringkasan_on(location: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, dict[str, tuple[str, str]]]:
    """Ringkasan on 11 July 2021 as the dashboard shows it with PDM_DB=location: its text and KPI cards."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("PDM_DB", str(location))
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.selectbox(key="snapshot").set_value(dt.date(2021, 7, 11))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    text = "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.title])
    cards = {m.label: (str(m.value), str(m.delta)) for m in at.metric}
    st.cache_resource.clear()
    return text, cards


def test_the_dashboard_on_a_lake_shows_the_same_ringkasan_as_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file, on_lake = tmp_path / "berkas.duckdb", new_database(tmp_path, "danau.duckdb")
    assert store.is_lake(on_lake) and not store.is_lake(file)
    for location in (file, on_lake):
        con = store.connect(location)
        load_sample_as_real_data(con)
        con.close()
    monkeypatch.setenv("PDM_SAMPLE_DB", str(tmp_path / "contoh.duckdb"))
    from_file, from_lake = ringkasan_on(file, monkeypatch), ringkasan_on(on_lake, monkeypatch)
    assert from_file[1][ACTIVATION.label][0] == "72,11%" and "2.829 dari 3.923" in from_file[0]
    assert from_lake == from_file


def test_a_regency_file_moves_into_a_lake_through_its_backup(tmp_path: Path) -> None:
    from pdm_metrics.views import cadangan

    file = store.connect(tmp_path / "kabupaten.duckdb")
    load_sample_as_real_data(file)
    backup = cadangan.backup(file, "admin", dt.date(2026, 12, 6))
    expected = content_checksum(file)
    file.close()
    on_lake = store.connect(new_database(tmp_path, "danau.duckdb"))
    assert cadangan.restore(on_lake, backup.data, "admin").snapshots == 16
    assert content_checksum(on_lake) == expected
    assert store.list_snapshots(on_lake)["row_count"].sum() > 0
    on_lake.close()
