"""Faults: fuzzed CSV input, a killed ingest, a full disk, and concurrent readers and writers."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pdm_metrics import store
from pdm_metrics.errors import RosterError, StoreError
from pdm_metrics.ingest import ingest_roster
from pdm_metrics.roster import read_roster
from tests.conftest import content_checksum
from tests.files import HEADER, ROWS, csv_bytes

ROOT = Path(__file__).resolve().parent.parent
BIG_ROWS = 150_000
BIG_DATE = "2021-08-01"

cells = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=25)
headers = st.lists(st.sampled_from([*HEADER, "TGL AKTIVASI", "EMAIL", "STATUS PDM", "X", ""]), min_size=1, max_size=7)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.binary(max_size=3000),
        st.tuples(
            headers,
            st.lists(st.lists(cells, max_size=8), max_size=12),
            st.sampled_from([",", ";", "\t"]),
            st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
        ).map(lambda t: csv_text(*t)),
    )
)
def test_csv_path_never_raises_an_uncaught_exception(data: bytes) -> None:
    try:
        read_roster(data, "fuzz.csv", dt.date(2021, 7, 11))
    except RosterError as exc:
        assert exc.message and "Traceback" not in exc.message


def csv_text(header: list[str], rows: list[list[str]], delimiter: str, encoding: str) -> bytes:
    lines = [delimiter.join(header)] + [delimiter.join(r) for r in rows]
    return "\n".join(lines).encode(encoding, errors="replace")


# ----------------------------------------------------------------------------- a large ingest, killed


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "besar.csv"
    lines = [";".join([*HEADER, "TGL AKTIVASI", "EMAIL"])]
    for i in range(BIG_ROWS):
        nip = f"19{70 + i % 25:02d}0{1 + i % 9}{10 + i % 18:02d}2005{1 + i % 12:02d}{1 + i % 2}{i % 1000:03d}"
        nip = nip[:14] + f"{1 + i % 2}" + f"{i:07d}"[-3:]
        lines.append(
            f"{nip[:10]}{i:08d};Pegawai {i};OPD {i % 40};{'Sudah' if i % 3 else 'Belum'};01/07/2021;p{i}@x.go.id"
        )
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def seeded_db(path: Path) -> str:
    con = store.connect(path)
    ingest_roster(con, read_roster(csv_bytes([HEADER, *ROWS]), "a.csv", dt.date(2021, 6, 1)))
    ingest_roster(con, read_roster(csv_bytes([HEADER, *ROWS[:2]]), "b.csv", dt.date(2021, 7, 1)))
    checksum = content_checksum(con)
    con.close()
    return checksum


def earlier_snapshots_intact(path: Path, expected: str) -> None:
    con = store.connect(path, read_only=True)
    try:
        dates = store.snapshot_dates(con)
        assert dates[:2] == [dt.date(2021, 6, 1), dt.date(2021, 7, 1)]
        orphans = con.execute(
            "SELECT count(*) FROM roster WHERE snapshot_id NOT IN (SELECT id FROM snapshots UNION ALL "
            "SELECT id FROM archived_snapshots)"
        ).fetchone()
        assert orphans == (0,), "rows of a snapshot that was never committed"
        for day in dates[2:]:  # the big snapshot is either absent or complete
            rows = con.execute(
                "SELECT s.row_count, count(r.nip) FROM snapshots s JOIN roster r ON r.snapshot_id = s.id "
                "WHERE s.snapshot_date = ? GROUP BY s.row_count",
                [day],
            ).fetchall()
            assert rows == [(BIG_ROWS, BIG_ROWS)]
        summary = con.execute(
            "SELECT sum(total) FROM opd_summary m JOIN snapshots s ON s.id = m.snapshot_id WHERE s.snapshot_date < ?",
            [dt.date(2021, 8, 1)],
        ).fetchone()
        assert summary == (5,)
    finally:
        con.close()
    con = store.connect(path, read_only=True)
    early = content_checksum_of_dates(con, [dt.date(2021, 6, 1), dt.date(2021, 7, 1)])
    con.close()
    assert early == expected


def content_checksum_of_dates(con: store.Connection, dates: list[dt.date]) -> str:
    import hashlib

    parts = [store.roster_rows(con, d).to_csv(index=False) for d in dates]
    parts.append(store.summary_counts(con, by_opd=True).query("snapshot_date < '2021-08-01'").to_csv(index=False))
    return hashlib.sha256("".join(parts).encode()).hexdigest()


def ingest_command(big_csv: Path, db: Path) -> list[str]:
    # --confirm: 150.000 rows after a seeded snapshot of 2 is a change the ingest rightly asks about.
    return [
        sys.executable,
        "-m",
        "pdm_metrics",
        "ingest",
        str(big_csv),
        "--db",
        str(db),
        "--date",
        BIG_DATE,
        "--replace",
        "--confirm",
    ]


# Where to kill the ingest, by what it has just announced on stderr: reading, checking, the
# start of the save (the write transaction begins), the first line of the save's progress bar
# (rows flowing into the roster table). Each stage still has work ahead of it when announced,
# so the kill lands mid-way on a fast or a slow machine alike; no sleep is measured.
KILL_POINTS = ("Membaca", "Memeriksa", "Menyimpan ...", "Menyimpan [")
# Announced with seconds of reading and checking still ahead: the kill certainly lands first.
EARLY_POINTS = ("Membaca", "Memeriksa")


def run_until(command: list[str], marker: str) -> int:
    """Start `command`, SIGKILL it as soon as its stderr shows `marker`; its exit status."""
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    seen = b""
    while marker.encode() not in seen:
        chunk = os.read(process.stderr.fileno(), 4096)
        if not chunk:  # it finished before announcing the marker
            break
        seen += chunk
    process.send_signal(signal.SIGKILL)
    process.stderr.close()
    return process.wait()


def test_sigkill_at_each_stage_of_a_large_ingest_never_leaves_a_partial_snapshot(big_csv: Path, tmp_path: Path) -> None:
    db = tmp_path / "kill.duckdb"
    seeded_db(db)
    con = store.connect(db, read_only=True)
    expected = content_checksum_of_dates(con, [dt.date(2021, 6, 1), dt.date(2021, 7, 1)])
    con.close()
    subprocess.run(ingest_command(big_csv, db), cwd=ROOT, check=True, capture_output=True)  # one complete ingest
    earlier_snapshots_intact(db, expected)
    for marker in KILL_POINTS * 2:
        status = run_until(ingest_command(big_csv, db), marker)
        if marker in EARLY_POINTS:
            assert status == -signal.SIGKILL, f"the ingest ended before the kill at {marker!r}"
        earlier_snapshots_intact(db, expected)


def test_a_full_disk_gives_a_clear_error_and_no_damage(big_csv: Path, tmp_path: Path) -> None:
    db = tmp_path / "full.duckdb"
    seeded_db(db)
    con = store.connect(db, read_only=True)
    expected = content_checksum_of_dates(con, [dt.date(2021, 6, 1), dt.date(2021, 7, 1)])
    con.close()
    limit = os.path.getsize(db) + 256 * 1024
    script = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"  # a write past the limit fails instead of killing
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))\n"
        "from pdm_metrics.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *ingest_command(big_csv, db)[3:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr[-2000:]
    assert "ruang penyimpanan penuh" in result.stderr and "Traceback" not in result.stderr
    earlier_snapshots_intact(db, expected)
    con = store.connect(db, read_only=True)
    assert dt.date(2021, 8, 1) not in store.snapshot_dates(con)
    con.close()


# ----------------------------------------------------------------------------- concurrency


def test_twenty_readers_never_see_a_mix_while_an_upload_replaces_a_snapshot(tmp_path: Path) -> None:
    con = store.connect(tmp_path / "busy.duckdb")
    day = dt.date(2021, 7, 11)
    small = read_roster(csv_bytes([HEADER, *ROWS]), "a.csv", day)  # 3 ASN, 2 activated
    big_rows = [HEADER] + [[f"19900101202012{1 + i % 2}{i:03d}", f"P{i}", "Dinas B", "Belum"] for i in range(400)]
    big = read_roster(csv_bytes(big_rows), "b.csv", day)  # 400 ASN, 0 activated
    ingest_roster(con, small)
    allowed = {(3, 2), (400, 0)}
    seen: set[tuple[int, int]] = set()
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                row = store.summary_counts(con, by_opd=False, snapshot_date=day)
                if not row.empty:
                    seen.add((int(row.iloc[0]["total"]), int(row.iloc[0]["done_1"])))
            except BaseException as exc:  # noqa: BLE001 - any error is a failure of this test
                errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(20)]
    for thread in threads:
        thread.start()
    for roster in (big, small, big, small, big):
        ingest_roster(con, roster, replace=True)
    stop.set()
    for thread in threads:
        thread.join()
    con.close()
    assert not errors and seen and seen <= allowed


def test_two_uploads_of_the_same_date_at_once_store_exactly_one(tmp_path: Path) -> None:
    con = store.connect(tmp_path / "race.duckdb")
    day = dt.date(2021, 7, 11)
    rosters = [read_roster(csv_bytes([HEADER, *ROWS[: n + 1]]), f"{n}.csv", day) for n in range(2)]
    results: list[object] = []

    def upload(roster) -> None:  # type: ignore[no-untyped-def]
        try:
            results.append(ingest_roster(con, roster))
        except StoreError as exc:
            results.append(exc)

    threads = [threading.Thread(target=upload, args=(r,)) for r in rosters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors = [r for r in results if isinstance(r, StoreError)]
    assert len(results) == 2 and len(errors) == 1 and "sudah ada" in errors[0].message
    assert store.snapshot_dates(con) == [day]
    assert con.execute("SELECT count(*) FROM snapshots").fetchone() == (1,)
    con.close()
