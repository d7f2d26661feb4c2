"""The command line, driven as an admin would: through a subprocess."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.files import HEADER, ROWS, csv_bytes, xlsx_bytes
from tests.lakes import copy_of, new_database

pytestmark = pytest.mark.lake  # the lake run (PDM_TEST_LAKE) runs these on DuckLake too

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pdm_metrics", *args], capture_output=True, text=True, cwd=ROOT, check=False
    )


def test_rates_by_total_on_the_sample_shows_72_11(sample_db_path: Path) -> None:
    result = run("rates", "--by", "total", "--db", str(sample_db_path))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["snapshot_date", "opd", "total", "activated", "pdm_done", "verified",
                             "activation_rate", "pdm_rate", "verification_rate"]  # fmt: skip
    july = next(r for r in rows if r["snapshot_date"] == "2021-07-11")
    assert (july["total"], july["activated"], july["activation_rate"]) == ("3923", "2829", "72.11")
    assert july["pdm_rate"] == "" and july["pdm_done"] == ""


def test_rates_by_opd_as_json(sample_db_path: Path) -> None:
    result = run("rates", "--by", "opd", "--date", "2021-09-14", "--format", "json", "--db", str(sample_db_path))
    records = json.loads(result.stdout)
    assert len(records) == 45 and {r["snapshot_date"] for r in records} == {"2021-09-14"}
    assert sum(r["total"] for r in records) == 3923
    assert all(r["pdm_rate"] is not None for r in records)


def test_snapshots_lists_the_sample(sample_db_path: Path) -> None:
    result = run("snapshots", "--db", str(sample_db_path))
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("snapshot_date,row_count") and len(lines) == 17


def test_ingest_prints_one_json_line_and_refuses_a_duplicate_date(tmp_path: Path) -> None:
    path = tmp_path / "rekap_20210711.xlsx"
    path.write_bytes(xlsx_bytes([HEADER, *ROWS, ROWS[0]]))
    db = str(new_database(tmp_path, "t.duckdb"))
    result = run("ingest", str(path), "--db", db)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"snapshot_date": "2021-07-11", "read": 4, "rows": 3, "campaign": "pdm-2021",
                                         "done": {"aktivasi": 2, "pdm": 0, "verifikasi": 0},
                                         "skipped": 1, "warnings": 1, "replaced": False, "notices": []}  # fmt: skip
    again = run("ingest", str(path), "--db", db)
    assert again.returncode == 1 and "sudah ada" in again.stderr and "Traceback" not in again.stderr
    replaced = run("ingest", str(path), "--db", db, "--replace")
    assert json.loads(replaced.stdout)["replaced"] is True


def test_rejected_file_exits_1_with_indonesian_message_and_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "rusak.csv"
    path.write_bytes(csv_bytes([HEADER, ROWS[0], ["123", "X", "Dinas A", "Entah"]]))
    db = new_database(tmp_path, "t.duckdb")
    result = run("ingest", str(path), "--db", str(db), "--date", "2021-07-11")
    assert result.returncode == 1
    assert "Berkas ditolak" in result.stderr and "baris 3" in result.stderr and "Traceback" not in result.stderr
    assert run("snapshots", "--db", str(db)).stdout.strip().count("\n") == 0  # header only: nothing stored
    skipped = run("ingest", str(path), "--db", str(db), "--date", "2021-07-11", "--skip-invalid")
    assert json.loads(skipped.stdout)["rows"] == 1 and json.loads(skipped.stdout)["skipped"] == 1


@pytest.mark.parametrize(
    "args", [("ingest",), ("rates", "--by", "unit"), ("rates", "--date", "11-07-2021"), ("frobnicate",)]
)
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    assert run(*args).returncode == 2


def test_missing_file_and_missing_date_exit_1(tmp_path: Path) -> None:
    assert (
        run("ingest", str(tmp_path / "tidak_ada.xlsx"), "--db", str(new_database(tmp_path, "t.duckdb"))).returncode == 1
    )
    path = tmp_path / "rekap.csv"
    path.write_bytes(csv_bytes([HEADER, *ROWS]))
    result = run("ingest", str(path), "--db", str(new_database(tmp_path, "t.duckdb")))
    assert result.returncode == 1 and "Tanggal snapshot tidak ditemukan" in result.stderr


def test_demo_refuses_a_database_with_real_data(tmp_path: Path) -> None:
    path = tmp_path / "rekap_20210711.csv"
    path.write_bytes(csv_bytes([HEADER, *ROWS]))
    db = str(new_database(tmp_path, "t.duckdb"))
    run("ingest", str(path), "--db", db)
    result = run("demo", "--db", db)
    assert result.returncode == 1 and "data asli" in result.stderr


def test_diff_per_opd(sample_db_path: Path) -> None:
    result = run("diff", "--from", "2021-09-27", "--to", "2021-11-08", "--db", str(sample_db_path))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["opd", "newly_activated", "newly_pdm_done", "newly_verified", "regressed", "joined",
                             "left", "moved_in", "moved_out"]  # fmt: skip
    assert sum(int(r["joined"]) for r in rows) == 14 and sum(int(r["left"]) for r in rows) == 14
    assert sum(int(r["moved_in"]) for r in rows) == 10 == sum(int(r["moved_out"]) for r in rows)
    as_json = json.loads(
        run(
            "diff", "--from", "2021-09-27", "--to", "2021-11-08", "--format", "json", "--db", str(sample_db_path)
        ).stdout
    )
    assert sum(r["regressed"] for r in as_json) == 0
    missing = run("diff", "--from", "2020-01-01", "--to", "2021-11-08", "--db", str(sample_db_path))
    assert missing.returncode == 1 and "tidak ada" in missing.stderr


def test_ingest_several_files_as_one_snapshot(tmp_path: Path) -> None:
    first, second = tmp_path / "wilayah1_20210711.csv", tmp_path / "wilayah2.xlsx"
    first.write_bytes(csv_bytes([HEADER, ROWS[0], ROWS[1]]))
    second.write_bytes(xlsx_bytes([HEADER, ROWS[2]]))
    result = run("ingest", str(first), str(second), "--db", str(new_database(tmp_path, "t.duckdb")))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["rows"] == 3


def test_ingest_a_folder_of_files_as_one_snapshot_with_progress_lines(tmp_path: Path) -> None:
    folder = tmp_path / "nasional_20210711"
    folder.mkdir()
    (folder / "a.csv").write_bytes(csv_bytes([HEADER, ROWS[0]]))
    (folder / "b.xlsx").write_bytes(xlsx_bytes([HEADER, ROWS[1], ROWS[2]]))
    (folder / "catatan.txt").write_text("bukan daftar ASN")  # not a roster file: left alone
    result = run("ingest", str(folder), "--date", "2021-07-11", "--db", str(new_database(tmp_path, "t.duckdb")))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["rows"] == 3
    assert "2 berkas" in result.stderr and "Membaca b.xlsx" in result.stderr and "Memeriksa 3 baris" in result.stderr
    assert "3 ASN tersimpan" in result.stderr
    assert f"Menyimpan [{'#' * 30}] 100%  3 dari 3 baris" in result.stderr


def test_progress_bar_fills_in_proportion() -> None:
    from pdm_metrics.cli import progress_bar

    assert progress_bar(1_333_000, 4_300_000, width=10) == "[###.......]  31%  1.333.000 dari 4.300.000 baris"
    assert progress_bar(0, 0, width=4) == "[....]   0%  0 dari 0 baris"


def test_report_writes_the_meeting_pdf_for_a_schedule(sample_db_path: Path, tmp_path: Path) -> None:
    from pdm_metrics import store

    db = copy_of(sample_db_path, tmp_path, "copy.duckdb")
    out = tmp_path / "laporan.pdf"
    result = run("report", "--db", str(db), "--date", "2021-07-11", "--opd", "dinas  PERIKANAN", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["snapshot_date"] == "2021-07-11"
    assert out.read_bytes().startswith(b"%PDF") and out.stat().st_size > 20_000
    whole = tmp_path / "semua.pdf"
    assert run("report", "--db", str(db), "--out", str(whole)).returncode == 0
    assert whole.stat().st_size != out.stat().st_size  # the whole regency, on the latest snapshot
    missing = run("report", "--db", str(db), "--opd", "Dinas Antah Berantah", "--out", str(out))
    assert missing.returncode == 1 and "tidak ada di basis data" in missing.stderr and "Traceback" not in missing.stderr
    con = store.connect(db, read_only=True)
    entries = store.audit_entries(con)
    assert list(entries["action"])[-2:] == ["laporan (CLI)", "laporan (CLI)"]
    assert "OPD dinas  PERIKANAN" in entries.iloc[-2]["detail"]
    con.close()
