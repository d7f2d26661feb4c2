"""The instansi level (province or national data): OPD scoped by instansi, filters and rankings."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from pdm_metrics import store
from pdm_metrics.ingest import ingest_roster
from pdm_metrics.roster import read_roster
from pdm_metrics.views import common, opd
from tests.files import HEADER, NIP_A, NIP_B, NIP_C, csv_bytes
from tests.lakes import new_database
from tests.pdm_2021 import ACTIVATION

pytestmark = pytest.mark.lake  # the lake run (PDM_TEST_LAKE) runs these on DuckLake too

ROOT = Path(__file__).resolve().parent.parent
JULY_11 = dt.date(2021, 7, 11)
ROWS = [
    [*HEADER, "INSTANSI INDUK"],
    [NIP_A, "Budi", "Dinas Kesehatan", "Sudah", "Kab. Tanjung Jabung Barat"],
    [NIP_B, "Siti", "Dinas Kesehatan", "Belum", "Kota Jambi"],
    [NIP_C, "Rina", "Dinas Pendidikan", "Sudah", "Kota Jambi"],
]


def national_db(path: Path) -> store.Connection:
    con = store.connect(path)
    ingest_roster(con, read_roster(csv_bytes(ROWS, ";"), "provinsi.csv", JULY_11))
    return con


def test_opd_of_the_same_name_in_two_instansi_are_two_opd(tmp_path: Path) -> None:
    roster = read_roster(csv_bytes(ROWS, ";"), "provinsi.csv", JULY_11)
    assert roster.error_count == 0
    assert sorted(roster.rows["opd"]) == ["Dinas Kesehatan (Kab. Tanjung Jabung Barat)",
                                          "Dinas Kesehatan (Kota Jambi)", "Dinas Pendidikan (Kota Jambi)"]  # fmt: skip
    con = national_db(new_database(tmp_path, "n.duckdb"))
    by_instansi = store.summary_counts(con, by_opd=True, level="instansi").set_index("opd")
    assert by_instansi.loc["Kota Jambi", "total"] == 2 and by_instansi.loc["Kota Jambi", "done_1"] == 1
    assert len(store.summary_counts(con, by_opd=True)) == 3
    con.close()


def test_ranking_at_instansi_level(tmp_path: Path) -> None:
    con = national_db(new_database(tmp_path, "n.duckdb"))
    view = opd.opd_overview(con, common.Filters(JULY_11), ACTIVATION, level="instansi")
    assert view is not None
    bars = view.ranking.data[0]
    assert list(bars.y) == ["Kota Jambi", "Kab. Tanjung Jabung Barat"] and list(bars.text) == ["50,00%", "100,00%"]
    assert "Peringkat instansi" in view.ranking.layout.title.text
    con.close()


def test_charts_keep_the_lowest_and_highest_units_at_scale() -> None:
    frame = pd.DataFrame({"opd": [f"Unit {i:03d}" for i in range(130)]})
    shown, left_out = common.lowest_and_highest(frame)
    assert len(shown) == 50 and left_out == 80
    assert list(shown["opd"])[:1] == ["Unit 000"] and list(shown["opd"])[-1:] == ["Unit 129"]


def test_ranking_of_many_units_shows_the_ends_and_the_rest_combined(tmp_path: Path) -> None:
    """60 OPD, OPD i with i of its 60 ASN activated: the 25 lowest, one bar for the 10 in the
    middle, the 25 highest; the heatmap holds the 50 named units only."""
    rows = [HEADER]
    for unit in range(60):
        for person in range(60):
            nip = f"1990{1 + unit % 12:02d}{1 + unit // 12:02d}2020121{person + 1:03d}"
            rows.append([nip, f"P{unit}-{person}", f"Dinas {unit:02d}", "Sudah" if person < unit else "Belum"])
    con = store.connect(new_database(tmp_path, "many.duckdb"))
    roster = read_roster(csv_bytes(rows), "banyak.csv", JULY_11)
    assert roster.error_count == 0 and roster.row_count == 3600
    ingest_roster(con, roster)
    view = opd.opd_overview(con, common.Filters(JULY_11), ACTIVATION)
    assert view is not None
    bars = view.ranking.data[0]
    assert len(bars.y) == 51 and bars.y[0] == "Dinas 00" and bars.y[-1] == "Dinas 59"
    assert bars.y[25] == "Gabungan 10 OPD lainnya"
    assert bars.text[25] == "49,17%"  # units 25..34: 25 + 26 + ... + 34 = 295 of 600 activated
    assert len(view.heatmap.data[0].y) == 50
    con.close()


@pytest.mark.file_only  # a database from an older version: a lake starts at today's
def test_a_database_from_before_the_instansi_level_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    old = duckdb.connect(str(path))
    old.execute(
        "CREATE TABLE roster (snapshot_id BIGINT NOT NULL, nip VARCHAR NOT NULL, nama VARCHAR, opd VARCHAR,"
        " opd_key VARCHAR, jenis_asn VARCHAR, activated BOOLEAN, activated_on DATE, pdm_done BOOLEAN,"
        " verified BOOLEAN, email VARCHAR)"
    )
    old.close()
    con = store.connect(path)
    saved = ingest_roster(con, read_roster(csv_bytes(ROWS, ";"), "p.csv", JULY_11))
    assert saved.rows == 3
    con.close()


@pytest.mark.file_only  # the app's own database file (AppTest)
def test_sidebar_instansi_filter_and_level_selector(tmp_path: Path, streamlit_db: Path) -> None:
    national_db(tmp_path / "n.duckdb").close()
    shutil.copy(tmp_path / "n.duckdb", streamlit_db)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.multiselect(key="instansi_filter").set_value(["kota jambi"])
    at.run()
    assert {m.label: m.value for m in at.metric}["Aktivasi"] == "50,00%"
    at.switch_page("app_pages/opd.py")
    at.run()
    at.segmented_control(key="opd_level").set_value("instansi")
    at.run()
    assert not at.exception
