"""Safe on a network (4): outputs that cannot overwrite the database, a damaged, busy or read-only
database said in Indonesian (command line and pages), a full temporary folder, and the unit map
and calendar held to the roster's rules."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pdm_metrics import store
from pdm_metrics.errors import PdmError, StoreError
from pdm_metrics.ingest import ingest_roster
from pdm_metrics.roster import read_roster
from pdm_metrics.unit_map import UnitMapError, read_unit_map
from pdm_metrics.views import cadangan, data, kalender
from pdm_metrics.views.common import Filters
from tests.conftest import content_checksum, file_checksum, shown
from tests.files import HEADER, ROWS, csv_bytes, xlsx_bytes
from tests.pdm_2021 import PDM

ROOT = Path(__file__).resolve().parent.parent
JULY_11 = dt.date(2021, 7, 11)
TODAY = dt.date(2026, 12, 2)


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pdm_metrics", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def said(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 1 with an Indonesian message holding `words`, and no Python traceback."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and all(w in result.stderr for w in words), result.stderr


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    path = tmp_path / "pdm.duckdb"
    con = store.connect(path)
    ingest_roster(con, read_roster(csv_bytes([HEADER, *ROWS]), "a.csv", JULY_11))
    con.close()
    return path


# ----------------------------------------------------------------------------- --out


@pytest.mark.parametrize(
    "command",
    [
        ["export", "--format", "csv"],
        ["export", "--format", "xlsx"],
        ["report"],
        ["units", "export"],
    ],
    ids=["export csv", "export xlsx", "report", "units export"],
)
@pytest.mark.parametrize("where", ["the database", "its WAL", "a folder", "a missing folder"])
def test_out_never_lands_on_the_database_or_nowhere(seeded: Path, command: list[str], where: str) -> None:
    before = file_checksum(seeded)
    out = {
        "the database": seeded,
        "its WAL": seeded.with_name(seeded.name + ".wal"),
        "a folder": seeded.parent,
        "a missing folder": seeded.parent / "tidak-ada" / "x.out",
    }[where]
    said(cli(*command, "--db", str(seeded), "--out", str(out)), "--out" if where != "a missing folder" else "Folder")
    assert file_checksum(seeded) == before
    assert not seeded.with_name(seeded.name + ".wal").exists() or where != "its WAL"


def test_out_replaces_a_file_whole_and_leaves_no_temporary_file(seeded: Path, tmp_path: Path) -> None:
    out = tmp_path / "keluar" / "data.csv"
    out.parent.mkdir()
    out.write_text("lama")
    assert cli("export", "--format", "csv", "--db", str(seeded), "--out", str(out)).returncode == 0
    assert out.read_bytes().startswith("\ufeffNIP".encode()) and os.listdir(out.parent) == ["data.csv"]


# ----------------------------------------------------------------------------- the database file


READ_COMMANDS = [
    ["rates"],
    ["snapshots"],
    ["diff", "--from", "2021-07-11", "--to", "2021-07-11"],
    ["export", "--format", "csv", "--out", "x.csv"],
    ["report", "--out", "x.pdf"],
]


@pytest.mark.parametrize("command", READ_COMMANDS, ids=[c[0] for c in READ_COMMANDS])
def test_a_read_command_with_a_typo_in_db_creates_nothing(tmp_path: Path, command: list[str]) -> None:
    typo = tmp_path / "pdm.duckbd"
    said(cli(*command, "--db", str(typo)), "tidak ditemukan")
    assert not typo.exists() and not (ROOT / "x.csv").exists()


def test_a_fifo_as_db_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "pipa.duckdb"
    os.mkfifo(fifo)
    said(cli("rates", "--db", str(fifo), timeout=60), "bukan berkas biasa")


def test_a_truncated_database_is_said_to_be_damaged(seeded: Path, tmp_path: Path) -> None:
    truncated = tmp_path / "terpotong.duckdb"
    truncated.write_bytes(seeded.read_bytes()[: 300 * 1024])
    for command in (["rates"], ["ingest", str(tmp_path / "x.csv"), "--date", "2021-07-12"]):
        (tmp_path / "x.csv").write_bytes(csv_bytes([HEADER, *ROWS]))
        said(cli(*command, "--db", str(truncated)), "rusak", "cadangan")


def test_a_corrupt_block_is_said_to_be_damaged(sample_db_path: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "rusak.duckdb"
    content = bytearray(sample_db_path.read_bytes())
    middle = len(content) // 4
    content[middle : 3 * middle] = b"\xff" * (2 * middle)  # half the blocks, whatever tables they hold
    damaged.write_bytes(bytes(content))
    said(cli("rates", "--by", "opd", "--db", str(damaged)), "rusak")


def test_a_database_of_a_newer_version_is_not_opened(seeded: Path) -> None:
    con = store.connect(seeded)
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    said(cli("rates", "--db", str(seeded)), "versi Pantau PDM yang lebih baru")
    said(cli("snapshots", "--db", str(seeded)), "skema 99")


def test_a_garbage_schema_record_is_said_to_be_damaged(seeded: Path) -> None:
    con = store.connect(seeded)
    con.execute("UPDATE meta SET value = 'tujuh' WHERE key = 'schema_version'")
    con.close()
    said(cli("rates", "--db", str(seeded)), "rusak")


@pytest.fixture
def holder(seeded: Path) -> Iterator[Path]:
    """Another process holding the database, as a CLI ingest does while it saves: it says when it has it."""
    script = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('siap', flush=True); sys.stdin.read()"
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(seeded)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "siap"
    yield seeded
    assert process.stdin is not None
    process.stdin.close()
    process.wait(timeout=30)


def test_a_database_held_by_another_process_is_said_to_be_busy(holder: Path, tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_bytes(csv_bytes([HEADER, *ROWS]))
    said(cli("ingest", str(tmp_path / "x.csv"), "--date", "2021-07-12", "--db", str(holder)), "sedang dipakai")


def test_every_page_says_a_busy_database_in_indonesian(
    holder: Path, monkeypatch: pytest.MonkeyPatch, streamlit_db: Path
) -> None:
    monkeypatch.setenv("PDM_DB", str(holder))
    for page in ("app_pages/ringkasan.py", "app_pages/data.py", "app_pages/unggah.py"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        if page != "app_pages/ringkasan.py":
            at.switch_page(page)
        at.run()
        assert not at.exception
        assert "sedang dipakai proses lain" in shown(at.error[0].value) and "Coba lagi" in shown(at.error[0].value)


def test_a_damaged_database_is_said_on_the_page(
    seeded: Path, monkeypatch: pytest.MonkeyPatch, streamlit_db: Path
) -> None:
    truncated = seeded.with_name("terpotong.duckdb")
    truncated.write_bytes(seeded.read_bytes()[: 300 * 1024])
    monkeypatch.setenv("PDM_DB", str(truncated))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception and "rusak" in shown(at.error[0].value)


# ----------------------------------------------------------------------------- read-only and full places

HAS_NAMESPACES = shutil.which("unshare") is not None and os.geteuid() == 0


def in_namespace(setup: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a mount namespace of its own, after `setup` (a tmpfs or a read-only bind mount
    that only this process sees)."""
    command = f"{setup} && exec {sys.executable} -m pdm_metrics " + " ".join(f"'{a}'" for a in args)
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", command], capture_output=True, text=True, cwd=ROOT, check=False, timeout=120
    )


needs_namespaces = pytest.mark.skipif(not HAS_NAMESPACES, reason="needs root and unshare for a private mount")


@needs_namespaces
def test_a_read_only_folder_is_said_as_read_only(seeded: Path, tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_bytes(csv_bytes([HEADER, *ROWS]))
    folder = seeded.parent
    read_only = f"mount --bind {folder} {folder} && mount -o remount,bind,ro {folder}"
    result = in_namespace(read_only, "ingest", str(tmp_path / "x.csv"), "--date", "2021-07-12", "--db", str(seeded))
    said(result, "tidak dapat ditulis", "hanya-baca")
    assert "sedang dipakai" not in result.stderr
    assert in_namespace(read_only, "rates", "--db", str(seeded)).returncode == 0  # reading still works


@needs_namespaces
def test_a_full_temporary_folder_during_an_xlsx_ingest_is_a_message(seeded: Path, tmp_path: Path) -> None:
    workbook = tmp_path / "besar.xlsx"
    rows = [[f"1990010120201210{i % 10}{i % 10}"[:18], f"Pegawai {i}", "Dinas A", "Sudah"] for i in range(3000)]
    workbook.write_bytes(xlsx_bytes([HEADER, *rows]))
    tiny = tmp_path / "sempit"
    tiny.mkdir()
    full = f"mount -t tmpfs -o size=64k tmpfs {tiny} && export TMPDIR={tiny}"
    before = file_checksum(seeded)
    result = in_namespace(full, "ingest", str(workbook), "--date", "2021-07-12", "--db", str(seeded))
    said(result, "penuh")
    assert file_checksum(seeded) == before


@pytest.fixture
def full_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """This process's temporary folder on a filesystem of 64 KB."""
    if not HAS_NAMESPACES:
        pytest.skip("needs root to mount a small tmpfs")
    tiny = tmp_path / "sempit"
    tiny.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(tiny)], check=True)
    monkeypatch.setattr(tempfile, "tempdir", str(tiny))
    try:
        yield tiny
    finally:
        monkeypatch.undo()
        subprocess.run(["umount", str(tiny)], check=False)


def test_a_full_temporary_folder_during_backup_restore_and_a_csv_download(
    sample_db_path: Path, tmp_path: Path, full_temp: Path
) -> None:
    copy = tmp_path / "salinan.duckdb"
    shutil.copy(sample_db_path, copy)
    con = store.connect(copy)
    con.execute("UPDATE snapshots SET is_sample = false")
    before = content_checksum(con)
    with pytest.raises(StoreError, match="penuh"):
        cadangan.backup(con, "admin", TODAY)
    with pytest.raises(StoreError, match="penuh"):
        data.data_csv(con, Filters(JULY_11), data.StatusFilter())
    with pytest.raises(StoreError, match="penuh"):
        cadangan.restore(con, b"PK" + bytes(200_000), "admin")
    assert content_checksum(con) == before
    con.close()


# ----------------------------------------------------------------------------- map and calendar


@pytest.mark.parametrize(
    ("opd", "reason"),
    [("D" * 100_006, "lebih dari 200 karakter"), ("Dinas\x1b[31m Merah", "kontrol"), ("Dinas\x07 Bel", "kontrol")],
    ids=["100.006 characters", "ESC", "BEL"],
)
def test_a_map_holds_opd_to_the_roster_rules(opd: str, reason: str) -> None:
    mapping = csv_bytes([["UNOR NAMA", "OPD"], ["SD Negeri 1", opd], ["SD Negeri 2", "Dinas Pendidikan"]])
    with pytest.raises(UnitMapError, match=reason) as raised:
        read_unit_map(mapping, "peta.csv")
    assert "baris 2" in raised.value.message


def test_a_map_of_millions_of_rows_is_refused_before_it_fills_memory() -> None:
    lines = ["UNOR NAMA;OPD", *(f"Unit {i};Dinas {i % 40}" for i in range(250_000))]
    with pytest.raises(PdmError, match=r"lebih dari 200\.000 baris"):
        read_unit_map(("\n".join(lines)).encode(), "peta.csv")


@pytest.mark.parametrize(
    ("letter", "letter_date", "reason"),
    [
        ("12998/B-SI.01.01/SD/EIII/2021", dt.date(2030, 9, 13), "sesudah hari ini"),
        ("12998/B-SI.01.01/SD/EIII/2021", dt.date(2020, 9, 13), "sebelum kegiatan dimulai"),
        ("12998/\x1b[2J/2021", dt.date(2021, 9, 13), "kontrol"),
        ("A" * 300, dt.date(2021, 9, 13), "lebih dari 200"),
    ],
    ids=["2030", "2020", "ESC", "300 characters"],
)
def test_an_extension_letter_that_cannot_be_is_refused(
    db: store.Connection, letter: str, letter_date: dt.date, reason: str
) -> None:
    with pytest.raises(PdmError, match=reason):
        kalender.add_extension(db, PDM, "aktivasi", dt.date(2021, 9, 30), letter, letter_date, "semua", "ani", TODAY)
    assert store.deadline_extensions(db).empty


def test_report_for_an_instansi_on_a_regency_database_is_a_message(seeded: Path, tmp_path: Path) -> None:
    result = cli("report", "--instansi", "Kabupaten X", "--db", str(seeded), "--out", str(tmp_path / "r.pdf"))
    said(result, "tidak memuat instansi")
    assert not (tmp_path / "r.pdf").exists()
