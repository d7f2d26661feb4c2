"""Hostile inputs at the limits: an Excel child that must end with its parent and leave no
personal data behind, and files that would take more memory or time than the budget allows.

Each refusal is checked as the operator meets it on the command line: exit 1, an Indonesian
message, no traceback, the process tree within its bound, and the database exactly as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from pdm_metrics import budget, tempdirs
from tests import hostile_workbooks
from tests.files import DONE, csv_bytes, xlsx_bytes
from tests.hostile_cli import NIP_1, ROOT, cli, fingerprint, roster
from tests.tree_memory import TreeRun, run_measured

# ----------------------------------------------------------------------------- the Excel child


def _pids_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (ended, not yet reaped) is gone for our purpose.
    state = (
        Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] if Path(f"/proc/{pid}/stat").exists() else "X"
    )
    return state not in {"Z", "X"}


def test_the_excel_child_dies_with_its_parent_and_its_personal_data_folder_goes(stored: Path, tmp_path: Path) -> None:
    """kill -9 of an ingest while its Excel child is reading: the child ends with it, and the
    child's folder (a copy of the roster) is removed by the next Pantau PDM process."""
    workbook = tmp_path / "rekap_20210801.xlsx"
    workbook.write_bytes(xlsx_bytes(roster()))
    hold = tmp_path / "tahan"
    env = {**os.environ, "PDM_TEST_CHILD_HOLD": str(hold)}
    command = [sys.executable, "-m", "pdm_metrics", "ingest", str(workbook), "--db", str(stored)]
    parent = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = Path(f"{hold}.started")
    for _ in range(3000):  # the child says it runs (its own progress), then waits to be let go
        if started.exists() or parent.poll() is not None:
            break
        time.sleep(0.01)
    assert started.exists(), "the Excel child never started"
    child = int(started.read_text())
    folders = [p for p in Path(os.environ.get("TMPDIR", "/tmp")).glob(f"pdm-excel-{parent.pid}-*")]
    assert folders and any((f / "input.bin").exists() for f in folders)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    for _ in range(500):
        if not _pids_alive(child):
            break
        time.sleep(0.01)
    assert not _pids_alive(child), "the Excel child outlived its parent"
    assert all(f.exists() for f in folders)  # kill -9 gave the parent no chance to clean up ...
    assert cli("snapshots", "--db", str(stored)).returncode == 0
    tempdirs.remove_orphans()  # ... the next process that makes a folder of its own removes them
    assert not any(f.exists() for f in folders)


def test_orphan_folders_of_ended_processes_go_and_those_of_running_ones_stay(tmp_path: Path) -> None:
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    gone = tmp_path / f"pdm-read-{ended.stdout.strip()}-abc"
    mine = tmp_path / f"pdm-read-{os.getpid()}-abc"
    other = tmp_path / "pdm-bukan-kita"
    for folder in (gone, mine, other):
        folder.mkdir()
        (folder / "upload.csv").write_text("NIP\n")
    assert tempdirs.remove_orphans(tmp_path) == [gone]
    assert mine.exists() and other.exists() and not gone.exists()


# ----------------------------------------------------------------------------- memory and time budget

TREE_BOUND = 2 * 2**30  # the whole process tree, whatever the file (the budget is 1,5 GB)


def refused_within_bound(db: Path, path: Path, message: str, env: dict[str, str] | None = None) -> TreeRun:
    """Refused like `refused`, and the ingest's whole process tree (the CLI and its Excel child)
    stayed under TREE_BOUND, as sampled from outside by tests.tree_memory."""
    before = fingerprint(db)
    command = [sys.executable, "-m", "pdm_metrics", "ingest", str(path), "--db", str(db)]
    run = run_measured(command, ROOT, timeout=300, env=env)
    assert run.returncode == 1, run.stderr
    assert message in run.stderr, run.stderr
    assert "Traceback" not in run.stderr
    assert fingerprint(db) == before
    assert run.peak_bytes < TREE_BOUND, f"peak {run.peak_bytes // 2**20} MB"
    return run


ESTIMATED_BOMBS: dict[str, tuple[Callable[[], bytes], str, str]] = {
    "shared string copied into 20.000 cells": (hostile_workbooks.shared_string_bomb, ".xlsx", "teks panjang"),
    "one cell at ALL100000": (hostile_workbooks.sparse_span, ".xlsx", "1.000 kolom × 100.000 baris"),
    "ods row and cell repeats": (hostile_workbooks.ods_repeat_bomb, ".ods", "sel yang diulang"),
}


@pytest.mark.parametrize("name", ESTIMATED_BOMBS)
def test_a_workbook_built_to_expand_is_refused_before_it_expands(name: str, stored: Path, tmp_path: Path) -> None:
    """Each would take 3,9-5,8 GB once parsed; the estimate refuses it before the parser runs, so
    the tree never holds much more than the programs themselves."""
    build, suffix, why = ESTIMATED_BOMBS[name]
    path = tmp_path / f"rekap_20210801{suffix}"
    path.write_bytes(build())
    run = refused_within_bound(stored, path, "memori untuk dibaca")
    assert why in run.stderr and "PDM_MEMORY_BUDGET_MB" in run.stderr
    assert run.peak_bytes < 2**30, f"peak {run.peak_bytes // 2**20} MB: it expanded before the refusal"


WATCHED_BOMBS: dict[str, Callable[[], bytes]] = {
    # Written as no spreadsheet writes them, so the estimate does not see them: the watch ends them.
    "shared string numbered 00": lambda: hostile_workbooks.shared_string_bomb(index="00"),
    "far cell with its reference second": lambda: hostile_workbooks.sparse_span(reference_first=False),
}


@pytest.mark.parametrize("name", WATCHED_BOMBS)
def test_what_the_estimate_misses_is_ended_by_the_watch_within_the_bound(
    name: str, stored: Path, tmp_path: Path
) -> None:
    path = tmp_path / "rekap_20210801.xlsx"
    path.write_bytes(WATCHED_BOMBS[name]())
    refused_within_bound(stored, path, "melewati batas 1,5 GB (PDM_MEMORY_BUDGET_MB) dan dihentikan")


def test_a_package_that_lies_about_its_sizes_is_refused(stored: Path, tmp_path: Path) -> None:
    """800 MB of sheet declared as 2 MB: the declared sizes pass every check, the real ones do not."""
    path = tmp_path / "rekap_20210801.xlsx"
    path.write_bytes(hostile_workbooks.lying_sizes())
    refused_within_bound(stored, path, "tidak sepanjang yang tercatat")


def test_a_smaller_budget_refuses_what_the_default_reads(stored: Path, tmp_path: Path) -> None:
    """The budget is the operator's to set: 160 MB is too little for a 100.000-row workbook."""
    rows = [roster()[0]] + [[f"{NIP_1[:-6]}{i:06d}", f"ASN {i}", "Dinas A", DONE] for i in range(100_000)]
    path = tmp_path / "rekap_20210801.xlsx"
    path.write_bytes(xlsx_bytes(rows))
    refused_within_bound(stored, path, "melebihi batas 160 MB", env={**os.environ, "PDM_MEMORY_BUDGET_MB": "160"})
    assert cli("ingest", str(path), "--db", str(stored), "--confirm").returncode == 0  # the default reads it


def test_an_excel_child_past_the_time_budget_is_ended_with_its_own_message(stored: Path, tmp_path: Path) -> None:
    """The child is held at its start (its own signal) and never let go: the 2-second budget, not
    the child, ends the reading; the child is gone and nothing is stored."""
    workbook = tmp_path / "rekap_20210801.xlsx"
    workbook.write_bytes(xlsx_bytes(roster()))
    hold = tmp_path / "tahan"
    env = {**os.environ, "PDM_TEST_CHILD_HOLD": str(hold), "PDM_TIME_BUDGET_S": "2"}
    run = refused_within_bound(stored, workbook, "melewati batas waktu 2 detik (PDM_TIME_BUDGET_S)", env=env)
    child = int(Path(f"{hold}.started").read_text())
    assert not _pids_alive(child)
    assert "tidak ada yang disimpan" in run.stderr


def test_a_csv_reading_out_of_time_is_refused_at_its_next_step(stored: Path, tmp_path: Path) -> None:
    path = tmp_path / "rekap_20210801.csv"
    path.write_bytes(csv_bytes(roster()))
    env = {**os.environ, "PDM_TIME_BUDGET_S": "0"}
    refused_within_bound(stored, path, "melewati batas waktu 0 detik", env=env)


def test_duckdb_work_past_the_deadline_is_interrupted() -> None:
    """A statement that would run for hours stops at the deadline (the interrupt is sent again
    until the block ends, so one that lands between two statements is not lost)."""
    con = duckdb.connect()
    deadline = budget.Budget(seconds=0.2)
    with pytest.raises(duckdb.InterruptException), budget.interrupt_at_deadline(deadline, con.interrupt):
        con.execute("SELECT count(*) FROM range(10000000000000) t(i) WHERE i % 7 = 3").fetchall()
    assert con.execute("SELECT 42").fetchall() == [(42,)]  # the connection goes on working
