"""Each page's view on its own, against the sample's known truth (the pages only place what these return)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd
import pytest

from pdm_metrics import demo, pace, store
from pdm_metrics.ingest import ingest_roster
from pdm_metrics.roster import read_roster
from pdm_metrics.views import audit, cadangan, common, data, laporan, opd, perubahan, ringkasan, tindak_lanjut, tren
from tests.files import DONE, HEADER, NOT_DONE, ROWS, csv_bytes
from tests.lakes import LAKE_SERVER, new_database
from tests.pdm_2021 import ACTIVATION, PDM, VERIFICATION, pdm_calendar

pytestmark = pytest.mark.lake  # the lake run (PDM_TEST_LAKE) runs these on DuckLake too

CALENDAR = pdm_calendar()
JULY_11 = demo.KNOWN_DATE


def test_the_latest_snapshot_is_shown_unless_one_is_chosen(sample_con: store.Connection) -> None:
    assert common.selected_day(sample_con, common.Filters()) == demo.SNAPSHOT_DATES[-1]
    assert common.selected_day(sample_con, common.Filters(JULY_11)) == JULY_11
    assert common.selected_day(sample_con, common.Filters(dt.date(2020, 1, 1))) == demo.SNAPSHOT_DATES[-1]


def test_the_sidebar_offers_every_date_and_unit(sample_con: store.Connection) -> None:
    choices = common.sidebar_choices(sample_con)
    assert choices.dates == list(demo.SNAPSHOT_DATES) and len(choices.units) == 45 and not choices.has_instansi


def test_filters_describe_themselves_in_indonesian() -> None:
    assert common.Filters().description == "semua OPD; PNS dan PPPK"
    assert common.Filters(opd_keys=("a", "b"), jenis_asn=("PPPK",)).description == "2 OPD terpilih; PPPK"


def test_ringkasan_reads_the_known_figure(sample_con: store.Connection) -> None:
    overview = ringkasan.overview(sample_con, common.calendar_in_force(sample_con, PDM), common.Filters(JULY_11))
    assert overview is not None and overview.population == demo.KNOWN_TOTAL
    activation = overview.kpis[0]
    assert (activation.stage, activation.rate_text) == (ACTIVATION, "72,11%")
    assert activation.count_text == "2.829 dari 3.923"
    assert overview.kpis[1].count_text == "kolom tidak ada di berkas snapshot"  # July had no PDM column
    assert len(overview.opd_table) == 45 and list(overview.lowest["OPD"]) == list(overview.opd_table["OPD"][:5])


def test_data_page_shows_the_first_rows_and_counts_them_all(
    sample_con: store.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data, "SHOWN_ROWS", 100)
    page = data.data_page(sample_con, common.Filters(JULY_11), data.StatusFilter((("aktivasi", False),)))
    assert page.total == demo.KNOWN_TOTAL - demo.KNOWN_ACTIVATED and len(page.table) == 100
    assert set(page.table["Status Aktivasi"]) == {"Belum"}
    every = data.data_rows(sample_con, common.Filters(JULY_11), data.StatusFilter((("aktivasi", False),)))
    assert len(every) == page.total


def test_tindak_lanjut_refuses_more_units_than_a_list_can_serve(
    sample_con: store.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tindak_lanjut, "MAX_LISTED_UNITS", 40)  # the sample has 45 OPD
    for call in (
        lambda: tindak_lanjut.follow_up(sample_con, CALENDAR, common.Filters(JULY_11), ACTIVATION),
        lambda: tindak_lanjut.email_risk(sample_con, ACTIVATION, common.Filters(JULY_11)),
        lambda: tindak_lanjut.sanctions(sample_con, CALENDAR, common.Filters(JULY_11), ACTIVATION),
    ):
        with pytest.raises(tindak_lanjut.TooManyUnits, match="45 OPD"):
            call()
    five = tuple(common.sidebar_choices(sample_con).units["opd_key"][:5])
    assert tindak_lanjut.follow_up(sample_con, CALENDAR, common.Filters(JULY_11, five), ACTIVATION) is not None


def test_at_risk_rows_are_the_risky_opd_of_the_pace_table(sample_con: store.Connection) -> None:
    """Ringkasan's list writes out only the rows at risk: they are the pace table's, in its order."""
    paces = tren.selection_paces(sample_con, CALENDAR, common.Filters(JULY_11))
    assert paces is not None
    day, table = paces.day, paces.table()
    risky = tren.at_risk_opd(sample_con, CALENDAR, common.Filters(JULY_11))
    assert day == JULY_11
    expected = table[(table["Status"] == pace.Standing.AT_RISK) & (table["OPD"] != pace.OVERALL)]
    assert len(expected) > 0
    pd.testing.assert_frame_equal(risky, expected[list(pace.AT_RISK_COLUMNS)].reset_index(drop=True))


def test_an_opd_named_like_the_whole_selection_keeps_a_pace_of_its_own(tmp_path: Path) -> None:
    """An OPD called "Semua OPD" is one OPD: its pace is its own, not mixed into the whole selection's."""
    con = store.connect(new_database(tmp_path, "named.duckdb"))
    end = CALENDAR.phase_for(ACTIVATION).end
    days = (end - dt.timedelta(days=60), end - dt.timedelta(days=46))
    for day, done_in_named in zip(days, (0, 1), strict=True):
        rows = [[_nip(n), f"Pegawai {n}", pace.OVERALL, DONE if n < done_in_named else NOT_DONE] for n in range(10)]
        rows += [[_nip(n), f"Pegawai {n}", "Dinas Kesehatan", DONE] for n in range(10, 20)]
        ingest_roster(con, read_roster(csv_bytes([HEADER, *rows]), "rekap.csv", day))
    paces = tren.selection_paces(con, CALENDAR, common.Filters(days[1]))
    assert paces is not None
    table = paces.table()
    named = table[(table["Tahap"] == ACTIVATION.label) & (table["OPD"] == pace.OVERALL)]
    assert sorted(named["Persentase"]) == ["10,00%", "55,00%"]  # the OPD's 1 of 10, and 11 of 20 in all
    risky = tren.at_risk_opd(con, CALENDAR, common.Filters(days[1]))
    assert risky[risky["Tahap"] == ACTIVATION.label]["Persentase"].tolist() == ["10,00%"]
    con.close()


def _nip(number: int) -> str:
    return f"19900101202012{1 if number % 2 else 2}{number:03d}"


def test_audit_log_is_newest_first_in_indonesian(db: store.Connection) -> None:
    audit.record_event(db, "ani", "masuk", "ani")
    audit.record_event(db, "ani", "unduh", "data.csv")
    log = audit.audit_log(db)
    assert list(log.columns) == ["Waktu", "Pengguna", "Tindakan", "Rincian"]
    assert list(log["Tindakan"]) == ["unduh", "masuk"]


def test_a_backup_is_named_for_its_day_and_restores(tmp_path: Path) -> None:
    con = store.connect(new_database(tmp_path, "copy.duckdb"))
    ingest_roster(con, read_roster(csv_bytes([HEADER, *ROWS]), "rekap_20210711.csv"))
    made = cadangan.backup(con, "admin", dt.date(2026, 12, 1))
    assert made.file_name == "pantau-pdm-cadangan_2026-12-01.zip" and made.data.startswith(b"PK")
    restored = cadangan.restore(con, made.data, "admin")
    assert restored.snapshots == 1 and restored.previous is not None
    home = Path(os.environ["PDM_LAKE_DATA"]) if LAKE_SERVER else tmp_path  # beside the file, or in the lake's data
    assert restored.previous.parent == home / "cadangan-otomatis" and restored.previous.read_bytes()[:2] == b"PK"
    assert pd.Series(store.audit_entries(con)["action"]).tolist()[-3:] == [
        "unduh cadangan",
        "cadangan otomatis sebelum pemulihan",
        "pulihkan cadangan",
    ]
    con.close()


def test_email_risk_on_a_file_without_an_email_column_says_it_is_not_available(db: store.Connection) -> None:
    ingest_roster(db, read_roster(csv_bytes([HEADER, *ROWS]), "rekap_20210920.csv"))
    found = tindak_lanjut.email_risk(db, ACTIVATION, common.Filters())
    assert found.snapshot_date == dt.date(2021, 9, 20) and not found.available and found.risks.empty
    with_emails = [[*HEADER, "EMAIL"], *[[*row, ""] for row in ROWS]]
    ingest_roster(db, read_roster(csv_bytes(with_emails), "rekap_20211001.csv"))
    found = tindak_lanjut.email_risk(db, ACTIVATION, common.Filters())
    assert found.available and len(found.risks) == 1  # the one not activated, with an empty email


def test_a_change_that_needs_a_column_the_older_file_lacked_is_withheld(sample_con: store.Connection) -> None:
    july, later = JULY_11, demo.SNAPSHOT_DATES[-1]  # July had no PDM or verification column
    found = perubahan.changes(sample_con, PDM, july, later)
    assert set(found.withheld) == {"newly_done_2", "newly_done_3"}
    assert found.withheld["newly_done_2"] == "tidak tersedia: snapshot 11 Juli 2021 tidak memuat kolom Status PDM"
    assert "Baru PDM" not in found.summary.columns and found.lists["newly_done_2"].empty
    assert found.totals["newly_done_1"] > 0 and not found.lists["newly_done_1"].empty
    assert perubahan.changes(sample_con, PDM, demo.SNAPSHOT_DATES[-2], later).withheld == {}


def test_a_filtered_data_page_names_its_opd_for_titles_and_file_names(sample_con: store.Connection) -> None:
    units = common.sidebar_choices(sample_con).units
    perikanan = tuple(units.loc[units["opd"] == "Dinas Perikanan", "opd_key"])
    page = data.data_page(sample_con, common.Filters(JULY_11, perikanan), data.StatusFilter())
    assert (page.units, page.units_slug, page.total) == ("OPD: Dinas Perikanan", "dinas-perikanan", 29)
    five = tuple(units["opd_key"][:5])
    words, slug = common.chosen_units(sample_con, common.Filters(JULY_11, five))
    assert words.startswith("OPD: Badan Kesbangpol, Bapenda, Bappeda dan 2 lainnya") and slug == "5-opd"
    assert common.chosen_units(sample_con, common.Filters(JULY_11)) == ("", "")


def test_ringkasan_orders_opd_by_the_people_still_to_chase_as_well(sample_con: store.Connection) -> None:
    overview = ringkasan.overview(sample_con, CALENDAR, common.Filters(dt.date(2021, 9, 27)))
    assert overview is not None and overview.focus == VERIFICATION  # the stage still open on 27 September
    by_people = overview.opd_table_by_missing
    missing = by_people["Belum verifikasi"].str.replace(".", "", regex=False).astype(int)
    by_opd = store.summary_counts(sample_con, by_opd=True, snapshot_date=dt.date(2021, 9, 27)).set_index("opd")
    first = by_people.iloc[0]
    expected = by_opd["total"] - by_opd[VERIFICATION.done_column]
    assert missing.iloc[0] == expected.max() and expected[first["OPD"]] == expected.max()
    assert list(missing) == sorted(missing, reverse=True)
    assert set(by_people["OPD"]) == set(overview.opd_table["OPD"])
    assert list(overview.lowest.columns) == ["OPD", "Verifikasi", "Belum verifikasi", "Jumlah ASN"]
    july = ringkasan.overview(sample_con, CALENDAR, common.Filters(JULY_11))
    assert july is not None and july.focus == ACTIVATION and "Belum aktivasi" in july.lowest.columns


def test_the_opd_ranking_can_put_the_most_people_to_chase_first(sample_con: store.Connection) -> None:
    day = dt.date(2021, 9, 27)
    by_rate = opd.opd_overview(sample_con, common.Filters(day), ACTIVATION)
    by_people = opd.opd_overview(sample_con, common.Filters(day), ACTIVATION, "opd", True)
    assert by_rate is not None and by_people is not None
    assert by_people.ranking.data[0].y[0] == "Dinas Pendidikan dan Kebudayaan"  # 171 still to activate
    assert by_rate.ranking.data[0].y[0] != "Dinas Pendidikan dan Kebudayaan"
    assert "ASN belum aktivasi terbanyak" in by_people.ranking.layout.title.text
    # each bar says the figure it is ordered by: the people still to chase, not those done
    labels = [a.text for a in by_people.ranking.layout.annotations]
    assert labels[0].startswith("Dinas Pendidikan dan Kebudayaan · 171 belum aktivasi dari ")
    assert not [a.text for a in by_rate.ranking.layout.annotations if "belum" in a.text]


def test_the_report_counts_those_still_missing_from_the_summary_as_the_rows_would(
    sample_con: store.Connection,
) -> None:
    for day in (JULY_11, dt.date(2021, 9, 27), demo.SNAPSHOT_DATES[-1]):
        filters = common.Filters(day)
        rows = {row[0]: row[1:] for row in laporan.follow_up_counts(sample_con, PDM, filters, day)}
        for metric in PDM.stages:
            if not common.stage_available(sample_con, day, metric):
                assert rows[metric.label] == ["tidak tersedia", "tidak tersedia"]
                continue
            missing = common.missing_rows(sample_con, filters, day, metric)  # the slow way, every row
            assert rows[metric.label] == [f"{len(missing):,}".replace(",", "."), str(missing["opd"].nunique())]


def test_a_report_knows_when_its_snapshot_is_sample_data(sample_con: store.Connection, db: store.Connection) -> None:
    assert common.snapshot_is_sample(sample_con, JULY_11)
    ingest_roster(db, read_roster(csv_bytes([HEADER, *ROWS]), "rekap_20210711.csv"))
    assert not common.snapshot_is_sample(db, JULY_11)


@pytest.mark.parametrize("first", [1, 7, 60, 10_000])
def test_the_first_rows_of_the_pace_table_are_written_alone_as_in_the_whole(
    sample_con: store.Connection, first: int
) -> None:
    """A screen shows the first rows of a national pace table: written out alone, they are the
    whole table's first rows, in its order (standings, projections, and ties by OPD and stage)."""
    paces = tren.selection_paces(sample_con, CALENDAR, common.Filters(demo.SNAPSHOT_DATES[-1]))
    assert paces is not None and len(paces.found) == len(PDM.stages)
    whole = paces.table()
    assert paces.rows == len(whole) == 46 * len(PDM.stages)  # the 45 OPD and the whole selection, on each stage
    assert whole["Status"].nunique() >= 3  # standings to order by, not one
    pd.testing.assert_frame_equal(paces.table(first), whole.head(first))
