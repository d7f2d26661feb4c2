"""Login, roles, personal-data masking, safe exports, audit and backup."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pdm_metrics import auth, store
from pdm_metrics.errors import SecretsError, StoreError
from pdm_metrics.export import mask_email, mask_nip
from pdm_metrics.ingest import ingest_roster
from pdm_metrics.roster import read_roster
from pdm_metrics.views import cadangan, common, data, tindak_lanjut
from tests.conftest import content_checksum
from tests.files import HEADER, ROWS, csv_bytes
from tests.pdm_2021 import ACTIVATION, pdm_calendar

ROOT = Path(__file__).resolve().parent.parent
CALENDAR = pdm_calendar()
JULY_11 = dt.date(2021, 7, 11)


@settings(max_examples=5, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_password_hash_round_trip(password: str) -> None:
    stored = auth.hash_password(password)
    assert stored.startswith("scrypt$") and stored != auth.hash_password(password)  # salted
    assert auth.verify_password(password, stored)
    assert not auth.verify_password(password + "x", stored)


def test_users_from_secrets_and_authenticate() -> None:
    section = {"Ani": {"name": "Ani", "role": "Operator", "password_hash": auth.hash_password("rahasia-ani")}}
    users = auth.users_from_secrets(section)
    assert users["ani"].role is auth.Role.OPERATOR
    assert auth.authenticate(users, " ANI ", "rahasia-ani") == users["ani"]
    assert auth.authenticate(users, "ani", "salah") is None
    assert auth.authenticate(users, "budi", "rahasia-ani") is None
    with pytest.raises(SecretsError, match="pimpinan, operator, admin"):
        auth.users_from_secrets({"x": {"role": "raja", "password_hash": "y"}})


def test_repeated_failed_logins_are_slowed_down() -> None:
    waits: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:  # the clock moves as the throttle waits
        waits.append(seconds)
        now[0] += seconds

    throttle = auth.LoginThrottle(sleep=sleep, clock=lambda: now[0])
    users = auth.users_from_secrets({"ani": {"role": "admin", "password_hash": auth.hash_password("benar-sekali")}})
    for _ in range(6):
        assert throttle.attempt(users, "ani", "salah") is None
    assert waits == [0.0, 0.0, 0.0, 1.0, 2.0, 4.0]
    assert throttle.attempt(users, "ani", "benar-sekali") is not None
    assert throttle.delay_for("ani") == 0.0  # a success resets the count


def test_roles() -> None:
    assert not auth.Role.PIMPINAN.can_upload and not auth.Role.PIMPINAN.sees_personal_data
    assert auth.Role.OPERATOR.can_upload and not auth.Role.OPERATOR.is_admin
    assert auth.Role.ADMIN.is_admin and auth.LOCAL_USER.role is auth.Role.ADMIN
    assert auth.role_for_email({"kepala@tanjabbarkab.go.id": "pimpinan"}, "Kepala@tanjabbarkab.go.id") is (
        auth.Role.PIMPINAN
    )
    assert auth.role_for_email({"a@b.go.id": "admin"}, "x@b.go.id") is None


def test_masking() -> None:
    assert mask_nip("198001012006041001") == "19800101********01"
    assert mask_email("budi.santoso@gmail.com") == "b***@gmail.com"
    assert mask_email("") == ""


def test_masked_views_hide_nip_and_email_everywhere(sample_con: store.Connection) -> None:
    masked = common.Filters(JULY_11, masked=True)
    _, table = data.data_table(sample_con, masked, data.StatusFilter((("aktivasi", False),)))
    assert table["NIP"].str.fullmatch(r"\d{8}\*{8}\d{2}").all()
    assert not table["Email"].str.contains(r"^[^*@]{2,}@", regex=True).any()
    follow = tindak_lanjut.follow_up(sample_con, CALENDAR, masked, ACTIVATION)
    assert follow is not None and "********" in follow.opds[0].message
    assert all("********" in nip for o in follow.opds for nip in o.missing["NIP"])
    risks = tindak_lanjut.email_risk(sample_con, ACTIVATION, masked).risks
    assert risks["NIP"].str.contains(r"\*{8}").all()
    _, plain = data.data_table(sample_con, common.Filters(JULY_11), data.StatusFilter((("aktivasi", False),)))
    assert plain["NIP"].str.fullmatch(r"\d{18}").all()


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pdm_metrics", *args], capture_output=True, text=True, cwd=ROOT, input=stdin, check=False
    )


def test_export_cli_neutralises_formulas_and_masks_on_request(tmp_path: Path) -> None:
    rows = [HEADER, [ROWS[0][0], '=HYPERLINK("http://x","klik")', "+Dinas A", "Sudah"], ROWS[1]]
    db = str(tmp_path / "t.duckdb")
    con = store.connect(db)
    ingest_roster(con, read_roster(csv_bytes(rows, ";"), "x.csv", JULY_11))
    con.close()
    out_csv, out_xlsx = tmp_path / "data.csv", tmp_path / "data.xlsx"
    result = run_cli("export", "--db", db, "--format", "csv", "--out", str(out_csv))
    assert result.returncode == 0, result.stderr
    assert len(pd.read_csv(out_csv, sep=";", encoding="utf-8-sig")) == 2  # both rows, as stored
    text = out_csv.read_bytes().decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'+Dinas A" in text and ";=" not in text
    run_cli("export", "--db", db, "--format", "xlsx", "--out", str(out_xlsx), "--mask", "--opd", "+DINAS  a")
    sheet = openpyxl.load_workbook(out_xlsx).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert sheet["A5"].value == "19900101********01"
    con = store.connect(db, read_only=True)
    assert "ekspor (CLI)" in list(store.audit_entries(con)["action"])
    con.close()
    missing = run_cli("export", "--db", db, "--format", "csv", "--out", str(out_csv), "--opd", "Tidak Ada")
    assert missing.returncode == 1 and "tidak ada" in missing.stderr


def test_hash_password_command() -> None:
    result = run_cli("hash-password", stdin="kata-sandi-panjang\n")
    assert result.returncode == 0 and auth.verify_password("kata-sandi-panjang", result.stdout.strip())
    assert run_cli("hash-password", stdin="pendek\n").returncode == 1


def test_backup_and_restore_round_trip(tmp_path: Path) -> None:
    con = store.connect(tmp_path / "db.duckdb")
    for day in (JULY_11, dt.date(2021, 8, 1), dt.date(2021, 9, 1)):
        ingest_roster(con, read_roster(csv_bytes([HEADER, *ROWS]), f"rekap_{day:%Y%m%d}.csv"))
    before = content_checksum(con)
    backup = store.backup_zip(con, "admin")
    ingest_roster(con, read_roster(csv_bytes([HEADER, *ROWS[:2]]), "baru.csv", dt.date(2022, 1, 5)))
    ingest_roster(con, read_roster(csv_bytes([HEADER, *ROWS[:1]]), "ganti.csv", JULY_11), replace=True)
    assert content_checksum(con) != before
    assert cadangan.restore(con, backup, "admin").snapshots == 3
    assert content_checksum(con) == before
    actions = list(store.audit_entries(con)["action"])
    assert actions[-1] == "pulihkan cadangan" and "unduh cadangan" in actions
    saved = ingest_roster(con, read_roster(csv_bytes([HEADER, *ROWS]), "lagi.csv", dt.date(2022, 1, 6)))
    assert saved.snapshot_id > 5  # ids continue after every id used, restored or archived
    con.close()


def test_a_restored_backup_of_mixed_data_keeps_only_the_real_snapshots(tmp_path: Path) -> None:
    con = store.connect(tmp_path / "db.duckdb")
    ingest_roster(con, read_roster(csv_bytes([HEADER, *ROWS]), "contoh.csv", JULY_11), is_sample=True)
    ingest_roster(con, read_roster(csv_bytes([HEADER, *ROWS]), "asli.csv", dt.date(2021, 8, 1)))
    backup = store.backup_zip(con, "admin")  # as an older version, which kept both in one file, wrote it
    assert cadangan.restore(con, backup, "admin").snapshots == 1
    assert list(store.list_snapshots(con)["source_name"]) == ["asli.csv"]
    con.close()


def test_a_bad_backup_changes_nothing(tmp_path: Path, sample_db_path: Path) -> None:
    shutil.copy(sample_db_path, tmp_path / "db.duckdb")
    con = store.connect(tmp_path / "db.duckdb")
    before = content_checksum(con)
    with pytest.raises(StoreError, match="rusak"):
        cadangan.restore(con, b"bukan zip", "admin")
    partial = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(partial, "w") as archive:
        archive.writestr("snapshots.parquet", b"x")
    with pytest.raises(StoreError, match="tidak lengkap"):
        cadangan.restore(con, partial.getvalue(), "admin")
    assert content_checksum(con) == before
    con.close()


def test_a_download_is_audited_when_its_file_is_written(db: store.Connection) -> None:
    from ui import widgets

    rows = pd.DataFrame({"nip": ["1", "2", "3"]})
    produce = widgets.audited_download(
        db, "kepala", "data.xlsx; semua OPD", lambda: rows, lambda frame: f"{len(frame)}".encode()
    )
    assert store.audit_entries(db).empty  # nothing is written or logged until the click
    assert produce() == b"3"
    entry = store.audit_entries(db).iloc[0]
    assert (entry["actor"], entry["action"], entry["detail"]) == ("kepala", "unduh", "data.xlsx; semua OPD (3 baris)")
