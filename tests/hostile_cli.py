"""What the hostile-input tests share (tests/test_hostile_inputs.py, tests/test_hostile_limits.py):
a small roster, a database holding one snapshot of it, and the command line as the operator runs it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import file_checksum
from tests.files import DONE, HEADER, NOT_DONE, csv_bytes
from tests.pdm_2021 import ACTIVATION

ROOT = Path(__file__).resolve().parent.parent
NIP_1, NIP_2, NIP_3 = "199001012020121001", "198502032010012002", "197712242005011003"


def roster(status: str = DONE, header: list[str] | None = None, extra: list[str] | None = None) -> list[list[str]]:
    """Three ASN in two OPD; `extra`, a day-done column of the headline stage with those cells."""
    head = header or [*HEADER, *([ACTIVATION.date_columns[0]] if extra else [])]
    rows = [
        [NIP_1, "Budi Santoso", "Dinas A", status, *(extra or [])],
        [NIP_2, "Siti Aminah", "Dinas A", NOT_DONE, *([""] if extra else [])],
        [NIP_3, "Rina Wati", "Dinas B", DONE, *(extra or [])],
    ]
    return [head, *rows]


@pytest.fixture(scope="session")
def stored_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with one good snapshot (11 July 2021), stored through the CLI once per worker."""
    folder = tmp_path_factory.mktemp("stored")
    db, good = folder / "pdm.duckdb", folder / "rekap_20210711.csv"
    good.write_bytes(csv_bytes(roster()))
    assert cli("ingest", str(good), "--db", str(db)).returncode == 0
    assert not Path(f"{db}.wal").exists()  # closed and checkpointed: the file alone is the database
    return db


@pytest.fixture
def stored(stored_once: Path, tmp_path: Path) -> Path:
    """A copy of that database of this test's own, closed so the CLI can open it (a copy, not a
    new ingest: two dozen tests start from it)."""
    db = tmp_path / "pdm.duckdb"
    shutil.copyfile(stored_once, db)
    return db


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pdm_metrics", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False, timeout=300)


def refused(db: Path, path: Path, message: str, *extra: str) -> None:
    """The ingest of `path` is refused with `message`, cleanly, and the database is unchanged."""
    before = fingerprint(db)
    result = cli("ingest", str(path), "--db", str(db), *extra)
    assert result.returncode == 1, result.stderr
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert fingerprint(db) == before


def fingerprint(db: Path) -> object:
    return file_checksum(db)
