from __future__ import annotations

import datetime as dt
import gc
from pathlib import Path

import pytest

from pdm_metrics import demo, store
from pdm_metrics.errors import RosterError, StoreError
from pdm_metrics.ingest import RosterRejected, ingest_roster
from pdm_metrics.roster import read_roster, read_rosters
from pdm_metrics.store import snapshots
from tests.conftest import content_checksum, load_sample_as_real_data
from tests.files import HEADER, NIP_A, NIP_B, NIP_C, ROWS, csv_bytes, xlsx_bytes
from tests.lakes import new_database

pytestmark = pytest.mark.lake  # the lake run (PDM_TEST_LAKE) runs these on DuckLake too

JULY_11 = dt.date(2021, 7, 11)


def test_ingest_stores_rows_summary_and_metadata(db: store.Connection) -> None:
    rows = [[*HEADER, "STATUS PDM", "EMAIL"], [*ROWS[0], "Sudah", "a@x.go.id"], [*ROWS[1], "Belum", ""],
            [*ROWS[2], "Belum", "c@gmail.com"]]  # fmt: skip
    saved = ingest_roster(db, read_roster(xlsx_bytes(rows), "rekap_20210711.xlsx"))
    assert (saved.snapshot_date, saved.rows, saved.headline_done, saved.replaced) == (JULY_11, 3, 2, False)
    snap = store.list_snapshots(db).iloc[0]
    assert snap["source_name"] == "rekap_20210711.xlsx" and len(snap["source_sha256"]) == 64
    assert bool(snap["has_status_2"]) and not bool(snap["has_status_3"]) and bool(snap["has_email"])
    counts = store.summary_counts(db, by_opd=True).set_index("opd")
    assert counts.loc["Dinas Kesehatan", "total"] == 2 and counts.loc["Dinas Kesehatan", "done_1"] == 2
    assert counts.loc["Dinas Kesehatan", "done_2"] == 1
    assert list(store.roster_rows(db, JULY_11)["nip"]) == [NIP_A, NIP_C, NIP_B]
    assert store.data_version(db) == 1


def test_summary_matches_roster_rows(db: store.Connection) -> None:
    ingest_roster(db, read_roster(csv_bytes([HEADER, *ROWS]), "x.csv", JULY_11))
    total = store.summary_counts(db, by_opd=False).iloc[0]
    rows = store.roster_rows(db, JULY_11)
    assert total["total"] == len(rows) and total["done_1"] == int(rows["done_1"].sum())


def test_filters_by_opd_and_jenis(db: store.Connection) -> None:
    ingest_roster(db, read_roster(csv_bytes([HEADER, *ROWS]), "x.csv", JULY_11))
    by_opd = store.summary_counts(db, by_opd=False, opd_keys=["dinas kesehatan"]).iloc[0]
    assert by_opd["total"] == 2
    pppk = store.summary_counts(db, by_opd=False, jenis_asn=["PPPK"]).iloc[0]
    assert pppk["total"] == 1
    not_active = store.roster_rows(db, JULY_11, store.RosterFilter(done=((1, False),)))
    assert list(not_active["nip"]) == [NIP_B]


def test_strict_mode_rejects_and_skip_invalid_stores_the_valid_rows(db: store.Connection) -> None:
    rows = [HEADER, ROWS[0], [NIP_B, "B", "Dinas A", "Mungkin"], ROWS[2]]
    roster = read_roster(csv_bytes(rows), "x.csv", JULY_11)
    with pytest.raises(RosterRejected) as caught:
        ingest_roster(db, roster)
    assert "baris 3" in caught.value.message and "'Mungkin'" in caught.value.message
    assert store.list_snapshots(db).empty
    saved = ingest_roster(db, roster, skip_invalid=True)
    assert saved.rows == 2
    assert store.list_snapshots(db).iloc[0]["skipped_rows"] == 1


def test_missing_snapshot_date_is_an_error(db: store.Connection) -> None:
    with pytest.raises(RosterError, match="Tanggal snapshot tidak ditemukan"):
        ingest_roster(db, read_roster(csv_bytes([HEADER, *ROWS]), "rekap.csv"))


def test_replacing_a_date_needs_the_flag_and_archives_the_old_one(db: store.Connection) -> None:
    ingest_roster(db, read_roster(csv_bytes([HEADER, *ROWS]), "pertama.csv", JULY_11), uploaded_by="ani")
    before = content_checksum(db)
    second = read_roster(csv_bytes([HEADER, ROWS[0]]), "kedua.csv", JULY_11)
    with pytest.raises(StoreError, match="sudah ada"):
        ingest_roster(db, second)
    assert content_checksum(db) == before
    saved = ingest_roster(db, second, replace=True, uploaded_by="budi")
    assert saved.replaced and saved.rows == 1
    assert list(store.list_snapshots(db)["source_name"]) == ["kedua.csv"]
    archived = store.archived_snapshots(db)
    assert list(archived["source_name"]) == ["pertama.csv"] and archived.iloc[0]["archived_by"] == "budi"
    assert store.summary_counts(db, by_opd=False).iloc[0]["total"] == 1
    actions = list(store.audit_entries(db)["action"])
    assert actions == ["unggah snapshot", "ganti snapshot"]


def test_a_failure_inside_the_transaction_leaves_the_database_as_it_was(
    db: store.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest_roster(db, read_roster(csv_bytes([HEADER, *ROWS]), "x.csv", dt.date(2021, 7, 1)))
    before = content_checksum(db)

    def broken_summary(cur: store.Connection, snapshot_id: int) -> None:
        raise RuntimeError("disk penuh")

    monkeypatch.setattr(snapshots, "insert_summary", broken_summary)
    with pytest.raises(RuntimeError):
        ingest_roster(db, read_roster(csv_bytes([HEADER, *ROWS]), "y.csv", JULY_11))
    assert content_checksum(db) == before
    assert db.execute("SELECT count(*) FROM roster").fetchone() == (3,)


@pytest.mark.file_only  # a database from an older version: a lake starts at today's
def test_sample_snapshots_leave_a_database_from_before_they_had_a_file_of_their_own(tmp_path: Path) -> None:
    path = tmp_path / "campur.duckdb"
    con = store.connect(path)
    ingest_roster(con, read_roster(csv_bytes([HEADER, *ROWS]), "x.csv", JULY_11), is_sample=True)
    ingest_roster(con, read_roster(csv_bytes([HEADER, *ROWS]), "y.csv", dt.date(2021, 8, 1)))
    con.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")  # as written before migration 6
    con.close()
    con = store.connect(path)
    assert list(store.list_snapshots(con)["source_name"]) == ["y.csv"]
    assert list(store.opd_choices(con)["opd"]) == ["Dinas Kesehatan", "Dinas Pendidikan"]
    assert store.audit_entries(con).iloc[-1]["action"] == "pindahkan data contoh"
    con.close()


@pytest.mark.file_only  # a database from an older version: a lake starts at today's
def test_second_process_gets_a_clear_message_when_the_file_is_locked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    path = tmp_path / "locked.duckdb"
    holder = store.connect(path)
    code = (
        "import sys; from pdm_metrics import store; from pdm_metrics.errors import StoreError\n"
        "try:\n    store.connect(sys.argv[1])\nexcept StoreError as e:\n    print(e.message)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=False)
    holder.close()
    assert "sedang dipakai proses lain" in out.stdout


@pytest.mark.file_only  # a database from an older version: a lake starts at today's
def test_an_older_database_gains_shared_email_counts_on_opening(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = store.connect(path)
    load_sample_as_real_data(con)
    expected = store.email_sharing(con, demo.KNOWN_DATE).sort_values("nip").reset_index(drop=True)
    assert not expected.empty  # the sample has shared addresses
    con.execute("ALTER TABLE roster DROP COLUMN email_users")  # as made before the column existed
    con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")  # before migration 3
    con.close()
    reopened = store.connect(path)
    again = store.email_sharing(reopened, demo.KNOWN_DATE).sort_values("nip").reset_index(drop=True)
    assert again.equals(expected)
    reopened.close()


def test_nip_profile_from_the_ingest_summary_matches_the_roster(tmp_path: Path) -> None:
    path = new_database(tmp_path, "profile.duckdb")
    con = store.connect(path)
    load_sample_as_real_data(con)
    every_opd = list(store.opd_choices(con)["opd_key"])
    columns = ["birth_year", "gender_digit", "start_year", "jenis_asn", "total", "done_1", "done_2", "done_3"]

    def counts(opd_keys: list[str] | None) -> list[tuple[object, ...]]:
        frame = store.nip_profile_counts(con, demo.KNOWN_DATE, opd_keys)[columns]
        return sorted(tuple(row) for row in frame.astype(str).itertuples(index=False))

    from_summary = counts(None)
    assert sum(int(str(row[4])) for row in from_summary) == demo.KNOWN_TOTAL
    assert from_summary == counts(every_opd)  # the roster rows of every OPD
    con.execute("DROP TABLE nip_profile_summary")  # as made before the summary existed
    con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")  # before migration 4
    con.close()
    con = store.connect(path)
    assert counts(None) == from_summary
    con.close()


def test_unit_choices_follow_every_write(db: store.Connection) -> None:
    demo.load_sample(db)
    assert len(store.opd_choices(db)) == 45
    ingest_roster(db, read_roster(csv_bytes([HEADER, *ROWS]), "rekap_20220105.csv"))
    with store.transaction(db) as cur:
        snapshots.remove_sample_snapshots(cur, "admin")
    assert list(store.opd_choices(db)["opd"]) == ["Dinas Kesehatan", "Dinas Pendidikan"]


def _stored_rows(con: store.Connection) -> list[tuple[object, ...]]:
    return con.execute(
        "SELECT * EXCLUDE (snapshot_id, email_users), email_users FROM roster ORDER BY opd_key, nip"
    ).fetchall()


def test_rows_checked_inside_the_store_are_stored_as_those_checked_alone(tmp_path: Path) -> None:
    rows = [[*HEADER, "EMAIL"], [*ROWS[0], "b@x.go.id"], [*ROWS[1], "a@x.go.id"], [*ROWS[2], "A@x.go.id "],
            [NIP_A, "A lagi", "Dinas A", "Mungkin", "c@x.go.id"]]  # fmt: skip
    data = csv_bytes(rows)
    alone, inside = (
        store.connect(new_database(tmp_path, "alone.duckdb")),
        store.connect(new_database(tmp_path, "inside.duckdb")),
    )
    ingest_roster(alone, read_roster(data, "x.csv", JULY_11), skip_invalid=True)
    shares: list[float] = []
    roster = read_rosters([(data, "x.csv")], JULY_11, con=inside)
    ingest_roster(inside, roster, skip_invalid=True, progress=shares.append)
    assert _stored_rows(inside) == _stored_rows(alone) and len(_stored_rows(alone)) == 2
    # Both rows with NIP_A conflict; the two left share one email (spelled apart).
    assert [r[-1] for r in _stored_rows(inside)] == [2, 2]
    assert shares[-1] == 1.0


def test_checks_inside_the_store_go_when_the_roster_is_forgotten(db: store.Connection) -> None:
    def attached() -> int:
        return int(
            db.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name LIKE 'pdm_checks_%'").fetchall()[0][
                0
            ]
        )

    roster = read_rosters([(csv_bytes([HEADER, *ROWS]), "x.csv")], JULY_11, con=db)
    assert attached() == 1
    ingest_roster(db, roster)
    del roster
    gc.collect()
    assert attached() == 0
    assert store.list_snapshots(db).iloc[0]["row_count"] == 3


def test_a_failed_store_from_inside_leaves_the_database_as_it_was(
    db: store.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = content_checksum(db)
    monkeypatch.setattr(snapshots, "insert_summary", lambda cur, snapshot_id: (_ for _ in ()).throw(OSError("penuh")))
    roster = read_rosters([(csv_bytes([HEADER, *ROWS]), "x.csv")], JULY_11, con=db)
    with pytest.raises(OSError):
        ingest_roster(db, roster)
    assert content_checksum(db) == before and db.execute("SELECT count(*) FROM roster").fetchall() == [(0,)]
    monkeypatch.undo()
    assert ingest_roster(db, roster).rows == 3  # the checked rows are still there to try again


def test_opd_lists_read_in_alphabetical_order_whatever_the_case(sample_con: store.Connection) -> None:
    """ "Badan Kesbangpol", "Bapenda", "BKPSDM": not every capitalised name first, as a plain
    sort of the sample's names would put them."""
    names = store.opd_choices(sample_con)["opd"].tolist()
    assert names == sorted(names, key=str.lower) and names != sorted(names)
    first, last = demo.SNAPSHOT_DATES[0], demo.SNAPSHOT_DATES[-1]
    changed = store.change_counts_per_opd(sample_con, first, last)["opd"].tolist()
    assert changed == sorted(changed, key=str.lower) and changed != sorted(changed)
    # The name lists too: the Data rows and each kind of change, OPD after OPD.
    listed = list(dict.fromkeys(store.roster_rows(sample_con, last)["opd"]))
    assert listed == sorted(listed, key=str.lower) and listed != sorted(listed)
    joined = store.change_list(sample_con, first, last, "newly_done_1")
    listed = list(dict.fromkeys(joined["opd_after"]))
    assert listed == sorted(listed, key=str.lower) and listed != sorted(listed)


def test_a_lake_location_is_told_apart_and_checked_before_anything_is_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pdm_metrics.errors import StoreError

    lake = "ducklake:postgres:dbname=pantau host=katalog.bkpsdm.example user=pdm"
    assert store.is_lake(lake) and store.is_lake(Path(lake)) and not store.is_lake(tmp_path / "pdm.duckdb")
    # A lake's sample data stay a local DuckDB file, never beside (or in) the shared store.
    monkeypatch.delenv("PDM_SAMPLE_DB", raising=False)
    assert store.sample_db_path(Path(lake)).name == "pdm-contoh.duckdb"
    with pytest.raises(StoreError, match="katalog DuckLake di PostgreSQL"):
        store.connect("ducklake:sqlite:katalog.db")
    monkeypatch.delenv("PDM_LAKE_DATA", raising=False)
    with pytest.raises(StoreError, match="PDM_LAKE_DATA belum diisi"):
        store.connect(lake)
