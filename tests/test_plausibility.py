"""A file that is valid row by row but not the whole picture is flagged before it is saved."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

from pdm_metrics import store
from pdm_metrics.ingest import ingest_roster, plausibility
from pdm_metrics.plausibility import SnapshotShape, plausibility_notices
from pdm_metrics.roster import read_roster
from tests.files import HEADER, NIP_A, NIP_B, NIP_C, ROWS, csv_bytes
from tests.pdm_2021 import PDM

ROOT = Path(__file__).resolve().parent.parent
SEPT_20, OCT_1, TODAY, START = dt.date(2021, 9, 20), dt.date(2021, 10, 1), dt.date(2026, 12, 1), dt.date(2021, 6, 1)
UNITS = {f"opd {i}": f"OPD {i}" for i in range(36)}
FULL = SnapshotShape(SEPT_20, 3923, 3730, UNITS, frozenset({"Status PDM", "Status Verifikasi"}))


def test_a_partial_file_names_both_counts_and_the_missing_opd() -> None:
    partial = SnapshotShape(OCT_1, 100, 79, {"opd 0": "OPD 0"}, frozenset({"Status PDM", "Status Verifikasi"}))
    notices = plausibility_notices(partial, FULL, TODAY, PDM)
    assert notices[0].startswith("Berkas ini memuat 100 ASN; snapshot 20 September 2021 memuat 3.923 ASN.")
    assert notices[1].startswith("35 OPD pada snapshot 20 September 2021 tidak ada di berkas ini: OPD 1, OPD 10,")
    assert "dan 30 lainnya" in notices[1]
    assert "turun dari 95,08% (snapshot 20 September 2021) menjadi 79,00%" in notices[2]


def test_a_normal_next_snapshot_raises_nothing() -> None:
    next_one = SnapshotShape(OCT_1, 3950, 3760, {**UNITS, "opd baru": "OPD Baru"}, FULL.columns)
    assert plausibility_notices(next_one, FULL, TODAY, PDM) == []
    assert plausibility_notices(next_one, None, TODAY, PDM) == []  # the first snapshot of all


def test_dates_outside_the_campaign_and_columns_that_went_missing() -> None:
    future = SnapshotShape(dt.date(2030, 1, 1), 3923, 3730, UNITS, FULL.columns)
    assert plausibility_notices(future, None, TODAY, PDM) == [
        "Tanggal snapshot 1 Januari 2030 sesudah hari ini (1 Desember 2026)."
    ]
    early = SnapshotShape(dt.date(2021, 5, 31), 3923, 3730, UNITS, FULL.columns)
    assert "sebelum PDM dimulai (1 Juni 2021)" in plausibility_notices(early, None, TODAY, PDM)[0]
    without = SnapshotShape(OCT_1, 3923, 3730, UNITS, frozenset())
    (notice,) = plausibility_notices(without, FULL, TODAY, PDM)
    assert notice.startswith("Snapshot 20 September 2021 memuat kolom Status PDM, Status Verifikasi; berkas ini tidak.")


def test_a_roster_is_compared_with_the_stored_snapshot_it_follows(db: store.Connection) -> None:
    ingest_roster(db, read_roster(csv_bytes([HEADER, *ROWS]), "rekap_20210920.csv"))
    only_one = read_roster(csv_bytes([HEADER, ROWS[0]]), "rekap_20211001.csv")
    assert plausibility(db, only_one, TODAY)[0].startswith(
        "Berkas ini memuat 1 ASN; snapshot 20 September 2021 memuat 3 ASN."
    )
    same = read_roster(csv_bytes([HEADER, *ROWS]), "rekap_20211001.csv")
    assert plausibility(db, same, TODAY) == []


def run(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pdm_metrics", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)


def test_the_command_line_saves_an_odd_file_only_when_confirmed_and_audits_it(tmp_path: Path) -> None:
    db = str(tmp_path / "t.duckdb")
    full, part = tmp_path / "rekap_20210920.csv", tmp_path / "rekap_20211001.csv"
    full.write_bytes(csv_bytes([HEADER, *ROWS, [NIP_A[:-1] + "9", "Dewi", "Dinas Sosial", "Sudah"]]))
    part.write_bytes(
        csv_bytes([HEADER, [NIP_B, "Siti", "Dinas Pendidikan", "Belum"], [NIP_C, "Rina", "Dinas A", "Sudah"]])
    )
    assert run("ingest", str(full), "--db", db).returncode == 0
    refused = run("ingest", str(part), "--db", db)
    assert refused.returncode == 1 and "Berkas belum disimpan" in refused.stderr and "--confirm" in refused.stderr
    assert "memuat 2 ASN; snapshot 20 September 2021 memuat 4 ASN" in refused.stderr
    con = store.connect(db, read_only=True)
    assert store.snapshot_dates(con) == [SEPT_20]  # nothing stored
    con.close()
    saved = run("ingest", str(part), "--db", db, "--confirm")
    assert saved.returncode == 0, saved.stderr
    assert len(json.loads(saved.stdout)["notices"]) == 3  # fewer ASN, two OPD gone, activation 75 -> 50 %
    con = store.connect(db, read_only=True)
    entry = store.audit_entries(con).iloc[-1]
    assert entry["action"] == "konfirmasi peringatan" and "memuat 2 ASN" in entry["detail"]
    con.close()
