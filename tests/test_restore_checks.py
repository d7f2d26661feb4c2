"""Safe on a network (3): a restore is checked like an upload and cannot damage or wipe the database."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from pdm_metrics import store
from pdm_metrics.errors import StoreError
from pdm_metrics.ingest import ingest_roster
from pdm_metrics.roster import read_roster
from pdm_metrics.views import cadangan
from tests.conftest import content_checksum
from tests.files import HEADER, ROWS, csv_bytes

DAYS = ("2021-07-11", "2021-08-01", "2021-09-01")


@pytest.fixture
def real(tmp_path: Path) -> store.Connection:
    """A real database of three snapshots."""
    import datetime as dt

    con = store.connect(tmp_path / "asli.duckdb")
    for day in DAYS:
        ingest_roster(con, read_roster(csv_bytes([HEADER, *ROWS]), f"rekap_{day}.csv", dt.date.fromisoformat(day)))
    return con


def rewritten(backup: bytes, table: str, select: str, folder: Path) -> bytes:
    """The backup with one table's Parquet file replaced by `select` over it (`t`)."""
    source = zipfile.ZipFile(io.BytesIO(backup))
    original, changed = folder / f"{table}-alt.parquet", folder / f"{table}-baru.parquet"
    original.write_bytes(source.read(f"{table}.parquet"))
    with duckdb.connect() as con:
        query = select.format(t=f"read_parquet('{original}')")
        con.execute(f"COPY ({query}) TO '{changed}' (FORMAT parquet)")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = changed.read_bytes() if item.filename == f"{table}.parquet" else source.read(item.filename)
            target.writestr(item.filename, data)
    return out.getvalue()


def refused(real: store.Connection, backup: bytes, reason: str) -> None:
    before = content_checksum(real)
    with pytest.raises(StoreError, match=reason) as raised:
        cadangan.restore(real, backup, "admin")
    assert "tidak diubah" in raised.value.message
    assert content_checksum(real) == before
    assert not (Path(_db_file(real)).parent / "cadangan-otomatis").exists()  # refused before any step


def _db_file(con: store.Connection) -> str:
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    assert row is not None
    return str(row[0])


SCHEMA_99 = "SELECT key, CASE WHEN key = 'schema_version' THEN '99' ELSE value END AS value FROM {t}"
SCHEMA_ABC = "SELECT key, CASE WHEN key = 'schema_version' THEN 'abc' ELSE value END AS value FROM {t}"
BAD_NIP = "SELECT * REPLACE (CASE WHEN nama = 'Budi Santoso' THEN 'BUKAN-NIP' ELSE nip END AS nip) FROM {t}"
LONG_OPD = "SELECT * REPLACE (CASE WHEN nama = 'Siti Aminah' THEN repeat('x', 5005) ELSE opd END AS opd) FROM {t}"
CASES = [
    pytest.param("meta", SCHEMA_99, "lebih baru", id="newer schema"),
    pytest.param("meta", SCHEMA_ABC, "meta", id="garbage meta"),
    pytest.param("meta", "SELECT * FROM {t} UNION ALL SELECT 'siapa', '1'", "meta", id="unknown meta key"),
    pytest.param("roster", BAD_NIP, "NIP bukan 18 digit", id="a NIP no upload accepts"),
    pytest.param("roster", LONG_OPD, "OPD lebih dari 200", id="an OPD of 5.005 characters"),
    pytest.param("roster", "SELECT * REPLACE (replace(nama, ' ', chr(27)) AS nama) FROM {t}", "kontrol", id="ESC"),
    pytest.param("roster", "SELECT * REPLACE ('' AS nama) FROM {t}", "Nama kosong", id="an empty name"),
    pytest.param("roster", "SELECT * REPLACE (DATE '2001-01-01' AS done_on_1) FROM {t}", "MySAPK", id="2001"),
    pytest.param("roster", "SELECT * REPLACE ('HONORER' AS jenis_asn) FROM {t}", "Jenis ASN", id="unknown jenis"),
    pytest.param(
        "snapshots", "SELECT * REPLACE (DATE '2021-07-11' AS snapshot_date) FROM {t}", "3 kali", id="one date"
    ),
    pytest.param("snapshots", "SELECT * REPLACE (row_count + 1 AS row_count) FROM {t}", "mencatat", id="row count"),
    pytest.param("snapshots", "SELECT * REPLACE (true AS is_sample) FROM {t}", "data contoh", id="sample data only"),
]


@pytest.mark.parametrize(("table", "select", "reason"), CASES)
def test_a_backup_an_upload_would_refuse_changes_nothing(
    real: store.Connection, tmp_path: Path, table: str, select: str, reason: str
) -> None:
    backup = rewritten(store.backup_zip(real, "admin"), table, select, tmp_path)
    refused(real, backup, reason)


def test_summaries_are_worked_out_from_the_rows_not_taken_from_the_backup(
    real: store.Connection, tmp_path: Path
) -> None:
    rates_before = store.summary_counts(real, by_opd=True)
    backup = rewritten(
        store.backup_zip(real, "admin"), "opd_summary", "SELECT * REPLACE (total AS done_1) FROM {t}", tmp_path
    )
    cadangan.restore(real, backup, "admin")
    after = store.summary_counts(real, by_opd=True)
    assert after["done_1"].tolist() == rates_before["done_1"].tolist()
    assert (after["done_1"] < after["total"]).any()  # not the backup's 100 %


def test_a_backup_that_unpacks_to_a_gigabyte_is_refused_before_it_is_unpacked(real: store.Connection) -> None:
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for table in store_tables():
            archive.writestr(f"{table}.parquet", b"")
        with archive.open("roster.parquet", "w", force_zip64=True) as member:  # 1 GB of zeros, about 1 MB packed
            block = bytes(2**20)
            for _ in range(1024):
                member.write(block)
    data = bomb.getvalue()
    assert len(data) < 2 * 2**20
    refused(real, data, "mengaku berisi")


def store_tables() -> list[str]:
    from pdm_metrics.store.restore import BACKUP_TABLES

    return [str(t) for t in BACKUP_TABLES if t != "roster"]


@pytest.mark.parametrize(
    "members",
    [lambda names: [*names, "lain.parquet"], lambda names: [n for n in names if n != "roster.parquet"]],
    ids=["an unknown file", "a table missing"],
)
def test_an_archive_of_other_files_is_refused(
    real: store.Connection, members: Callable[[list[str]], list[str]]
) -> None:
    source = zipfile.ZipFile(io.BytesIO(store.backup_zip(real, "admin")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in members(source.namelist()):
            archive.writestr(name, source.read(name) if name in source.namelist() else b"x")
    refused(real, out.getvalue(), "tidak lengkap atau tidak dikenal")


def test_a_sound_restore_keeps_the_state_before_and_continues_the_data_version(
    real: store.Connection, tmp_path: Path
) -> None:
    backup = store.backup_zip(real, "admin")
    import datetime as dt

    ingest_roster(real, read_roster(csv_bytes([HEADER, *ROWS[:1]]), "baru.csv", dt.date(2021, 10, 1)))
    version = store.data_version(real)
    restored = cadangan.restore(real, backup, "admin")
    assert restored.snapshots == 3 and store.data_version(real) > version
    assert restored.previous is not None
    kept = store.connect(tmp_path / "kembali.duckdb")
    assert cadangan.restore(kept, restored.previous.read_bytes(), "admin").snapshots == 4  # the state before, whole
    kept.close()
