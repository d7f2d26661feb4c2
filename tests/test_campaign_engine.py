"""Any campaign, end to end: a one-stage campaign like SKP tahunan and a three-stage one like PPPK
paruh waktu, defined by files the tests write, read, checked, stored and shown with their own
stage names; a stage a file lacks is "tidak tersedia"; nothing speaks of PDM."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from pdm_metrics import store
from pdm_metrics.campaign import Campaign, campaign_from_text
from pdm_metrics.errors import RosterError, StoreError
from pdm_metrics.ingest import ingest_roster
from pdm_metrics.pace import Standing
from pdm_metrics.rates_output import long_records, wide_records
from pdm_metrics.roster import read_roster
from pdm_metrics.views import common, ringkasan, tindak_lanjut
from tests.files import NIP_A, NIP_B, NIP_C, csv_bytes
from tests.lakes import new_database
from tests.pdm_2021 import PDM

pytestmark = pytest.mark.lake  # the lake run (PDM_TEST_LAKE) runs these on DuckLake too

NIP_D = "198001012005011004"
SKP_TEXT = """
key = "skp-uji"
name = "Penyusunan SKP Tahunan (uji)"
short_name = "SKP"
source = "SE Kepala BKN Nomor 11 Tahun 2023"
sanction = "TPP ditunda"

[[stages]]
key = "unggah"
name = "Unggah SKP"
word = "unggah SKP"
columns = ["STATUS SKP"]
done = ["Sudah Unggah", "Sudah"]
not_done = ["Belum Unggah", "Belum"]
start = 2024-12-01
end = 2025-01-10
"""
PPPK_TEXT = """
key = "pppk-uji"
name = "PPPK Paruh Waktu (uji)"
source = "SE Menteri PANRB B/3832/M.SM.01.00/2025"
jenis_asn = ["PPPK"]

[[stages]]
key = "drh"
name = "Pengisian DRH"
label = "DRH"
word = "mengisi DRH"
columns = ["STATUS DRH"]
date_columns = ["TANGGAL DRH"]
done = ["Sudah"]
not_done = ["Belum"]
start = 2025-08-23
end = 2025-09-15

[[stages]]
key = "usul-ni"
name = "Usul NI"
word = "diusulkan NI"
columns = ["STATUS USUL NI"]
done = ["Sudah"]
not_done = ["Belum"]
start = 2025-08-23
end = 2025-09-20

[[stages]]
key = "penetapan-ni"
name = "Penetapan NI"
word = "ditetapkan NI"
columns = ["STATUS NI"]
done = ["Sudah"]
not_done = ["Belum"]
start = 2025-08-23
end = 2025-09-30
"""
SKP = campaign_from_text(SKP_TEXT, "skp-uji.toml")
PPPK = campaign_from_text(PPPK_TEXT, "pppk-uji.toml")
# Words of PDM 2021 that must not appear on another campaign's pages.
PDM_WORDS = re.compile(r"\b(PDM|MySAPK|aktivasi|Aktivasi|verifikasi|Verifikasi)\b")


def stored(path: Path, campaign: Campaign, text: str, files: list[tuple[bytes, str, dt.date]]) -> store.Connection:
    con = store.connect(path)
    for data, name, day in files:
        roster = read_roster(data, name, day, campaign)
        ingest_roster(con, roster, definition=(text, f"{campaign.key}.toml"), skip_invalid=True)
        roster.checks.close()
    return con


def skp_file() -> bytes:
    return csv_bytes(
        [
            ["NIP", "NAMA", "UNIT KERJA", "STATUS SKP"],
            [NIP_A, "Budi", "Dinas Kesehatan", "Sudah Unggah"],
            [NIP_B, "Siti", "Dinas Kesehatan", "Belum"],
            [NIP_C, "Rina", "Dinas Pendidikan", "sudah"],
            [NIP_D, "Joko", "Dinas Pendidikan", "Sudah"],
        ]
    )


def test_a_one_stage_campaign_is_read_counted_and_judged_in_its_own_words(tmp_path: Path) -> None:
    after_deadline = dt.date(2025, 1, 15)
    con = stored(new_database(tmp_path, "skp.duckdb"), SKP, SKP_TEXT, [(skp_file(), "skp.csv", after_deadline)])
    assert store.current_campaign(con) == SKP
    by_opd = store.summary_counts(con, by_opd=True).set_index("opd")
    (stage,) = SKP.stages
    assert by_opd[stage.done_column].to_dict() == {"Dinas Kesehatan": 1, "Dinas Pendidikan": 2}
    assert by_opd["total"].to_dict() == {"Dinas Kesehatan": 2, "Dinas Pendidikan": 2}
    calendar = common.calendar_in_force(con, SKP)
    overview = ringkasan.overview(con, calendar, common.Filters())
    assert overview is not None and [k.stage.key for k in overview.kpis] == ["unggah"]
    (kpi,) = overview.kpis
    assert (kpi.rate_text, kpi.count_text) == ("75,00%", "3 dari 4")
    assert kpi.verdict.standing == Standing.MISSED and "Dinas Kesehatan" in kpi.verdict.text
    assert list(overview.lowest.columns) == ["OPD", "Unggah SKP", "Belum unggah SKP", "Jumlah ASN"]
    shown = " ".join([kpi.verdict.text, kpi.deadline_text, *overview.notes, *overview.opd_table.columns])
    assert not PDM_WORDS.search(shown)
    follow = tindak_lanjut.follow_up(con, calendar, common.Filters(), stage)
    assert follow is not None and [o.opd for o in follow.opds] == ["Dinas Kesehatan"]
    message = follow.opds[0].message
    assert message.startswith("*Tindak lanjut SKP – Dinas Kesehatan*") and "Siti" in message
    assert not PDM_WORDS.search(message)
    _, _, sanctions = tindak_lanjut.sanctions(con, calendar, common.Filters(), stage)
    assert sanctions is not None and set(sanctions["Akibat"]) == {"TPP ditunda"}
    assert wide_records(con, SKP, "total", None) == [
        {"snapshot_date": "2025-01-15", "opd": None, "total": 4, "done_unggah": 3, "rate_unggah": "75.00"}
    ]
    con.close()


def pppk_file(with_ni: bool) -> bytes:
    header = ["NIP", "NAMA", "OPD", "STATUS DRH", "TANGGAL DRH", "STATUS USUL NI"]
    rows = [
        [NIP_A, "Budi", "Dinas Kesehatan", "Sudah", "25/08/2025", "Sudah"],
        [NIP_C, "Rina", "Dinas Kesehatan", "Sudah", "01/09/2025", "Belum"],
        [NIP_D, "Joko", "Dinas Pendidikan", "Belum", "", "Belum"],
    ]
    if with_ni:
        header.append("STATUS NI")
        rows = [[*row, status] for row, status in zip(rows, ["Sudah", "Belum", "Belum"], strict=True)]
    return csv_bytes([header, *rows])


def test_a_three_stage_campaign_counts_each_stage_and_says_which_the_file_lacks(tmp_path: Path) -> None:
    first, second = dt.date(2025, 9, 5), dt.date(2025, 9, 25)
    files = [(pppk_file(False), "a.csv", first), (pppk_file(True), "b.csv", second)]
    con = stored(new_database(tmp_path, "pppk.duckdb"), PPPK, PPPK_TEXT, files)
    drh, usul, ni = PPPK.stages
    on_first = store.summary_counts(con, by_opd=True, snapshot_date=first).set_index("opd")
    assert on_first[drh.done_column].to_dict() == {"Dinas Kesehatan": 2, "Dinas Pendidikan": 0}
    assert on_first[usul.done_column].to_dict() == {"Dinas Kesehatan": 1, "Dinas Pendidikan": 0}
    assert not on_first[ni.has_flag].any()  # the first file had no STATUS NI column
    overview = ringkasan.overview(con, common.calendar_in_force(con, PPPK), common.Filters(first))
    assert overview is not None
    kpis = {k.stage.key: k for k in overview.kpis}
    assert kpis["penetapan-ni"].rate_text == "tidak tersedia"
    assert kpis["penetapan-ni"].verdict.standing == Standing.UNAVAILABLE
    assert (kpis["drh"].rate_text, kpis["usul-ni"].count_text) == ("66,67%", "1 dari 3")
    assert overview.focus == drh  # the stage open on 5 September that ends first
    assert any("Penetapan NI" in note and "tidak tersedia" in note for note in overview.notes)
    records = long_records(con, PPPK, "total", None)
    lacking = [r for r in records if r["snapshot_date"] == "2025-09-05" and r["stage"] == "penetapan-ni"]
    assert [(r["done"], r["rate"]) for r in lacking] == [(None, None)]  # written empty in the CSV
    later = {r["stage"]: r["done"] for r in records if r["snapshot_date"] == "2025-09-25"}
    assert later == {"drh": 2, "usul-ni": 1, "penetapan-ni": 1}
    rows = store.roster_rows(con, first, store.RosterFilter(done=((drh.slot, True),)))
    assert sorted(rows[drh.done_on_column].astype(str)) == ["2025-08-25", "2025-09-01"]
    con.close()


def pdm_file() -> bytes:
    return csv_bytes(
        [
            ["NIP", "NAMA", "OPD", "STATUS AKTIVASI", "STATUS PDM"],
            [NIP_A, "Budi", "Dinas Kesehatan", "Sudah Aktivasi", "Sudah PDM"],
            [NIP_B, "Siti", "Dinas Kesehatan", "Belum Aktivasi", "Belum PDM"],
            [NIP_C, "Rina", "Dinas Pendidikan", "Sudah Aktivasi", "Belum PDM"],
        ]
    )


def test_one_database_follows_several_campaigns_each_by_its_own_dates_and_stages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pdm_metrics.cli import main

    db = new_database(tmp_path, "semua.duckdb")
    same_day = dt.date(2025, 9, 25)
    skp_later = skp_file().replace(b"Siti,Dinas Kesehatan,Belum", b"Siti,Dinas Kesehatan,Sudah")
    stored(db, PDM, "", [(pdm_file(), "pdm.csv", dt.date(2021, 7, 11))]).close()
    stored(
        db, SKP, SKP_TEXT, [(skp_file(), "skp1.csv", dt.date(2025, 1, 15)), (skp_later, "skp2.csv", same_day)]
    ).close()
    con = stored(
        db, PPPK, PPPK_TEXT, [(pppk_file(False), "a.csv", dt.date(2025, 9, 5)), (pppk_file(True), "b.csv", same_day)]
    )
    # Each campaign has its own dates; two have a snapshot on the same day.
    assert store.campaigns_with_snapshots(con) == ["pppk-uji", "skp-uji", "pdm-2021"]
    assert store.snapshot_dates(con, "skp-uji") == [dt.date(2025, 1, 15), same_day]
    assert store.snapshot_dates(con, "pppk-uji") == [dt.date(2025, 9, 5), same_day]
    assert store.snapshot_dates(con) == store.snapshot_dates(con, "pppk-uji")  # the newest snapshot's campaign
    assert store.current_campaign(con) == PPPK
    # Counts per OPD and stage, each from its campaign's own snapshot of that day.
    skp = store.summary_counts(con, True, same_day, campaign="skp-uji").set_index("opd")
    assert skp["total"].to_dict() == {"Dinas Kesehatan": 2, "Dinas Pendidikan": 2}
    assert skp[SKP.stages[0].done_column].to_dict() == {"Dinas Kesehatan": 2, "Dinas Pendidikan": 2}
    pppk = store.summary_counts(con, True, same_day, campaign="pppk-uji").set_index("opd")
    assert pppk["total"].to_dict() == {"Dinas Kesehatan": 2, "Dinas Pendidikan": 1}
    assert [pppk[s.done_column].sum() for s in PPPK.stages] == [2, 1, 1]
    pdm = store.summary_counts(con, True, campaign="pdm-2021").set_index("opd")
    assert pdm[PDM.stages[0].done_column].to_dict() == {"Dinas Kesehatan": 1, "Dinas Pendidikan": 1}
    # The pages, verdicts and follow-up speak the chosen campaign.
    views = {}
    for campaign in (PDM, SKP, PPPK):
        filters = common.Filters(campaign=campaign)
        views[campaign.key] = ringkasan.overview(con, common.calendar_in_force(con, campaign), filters)
    pdm_view, skp_view, pppk_view = views["pdm-2021"], views["skp-uji"], views["pppk-uji"]
    assert pdm_view is not None and skp_view is not None and pppk_view is not None
    pdm_kpis = {k.stage.key: k for k in pdm_view.kpis}
    assert (pdm_kpis["aktivasi"].rate_text, pdm_kpis["aktivasi"].count_text) == ("66,67%", "2 dari 3")
    assert pdm_kpis["verifikasi"].rate_text == "tidak tersedia"
    assert pdm_kpis["verifikasi"].verdict.standing == Standing.UNAVAILABLE
    (skp_kpi,) = skp_view.kpis
    assert (skp_kpi.rate_text, skp_kpi.verdict.standing) == ("100,00%", Standing.MET)
    assert [k.stage.key for k in pppk_view.kpis] == ["drh", "usul-ni", "penetapan-ni"]
    for view in (skp_view, pppk_view):
        shown = " ".join([*(k.verdict.text for k in view.kpis), *view.notes, *view.opd_table.columns])
        assert not PDM_WORDS.search(shown)
    # Changes pair a campaign's own snapshots: Siti uploaded her SKP between its two dates.
    totals = store.change_totals(con, dt.date(2025, 1, 15), same_day, campaign="skp-uji")
    assert totals[SKP.stages[0].newly_done_column] == 1 and totals["joined"] == 0
    # One snapshot per campaign and date: the same SKP day again is refused, PPPK's stays.
    again = read_roster(skp_later, "skp2.csv", same_day, SKP)
    with pytest.raises(StoreError, match="sudah ada"):
        ingest_roster(con, again)
    again.checks.close()
    con.close()
    assert main(["rates", "--campaign", "pdm-2021", "--by", "total", "--db", str(db)]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == [
        "2021-07-11,,aktivasi,3,2,66.67",
        "2021-07-11,,pdm,3,1,33.33",
        "2021-07-11,,verifikasi,3,,",
    ]
    assert main(["snapshots", "--db", str(db)]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split(",")[0] + " " + line.split(",")[-1] for line in listed[1:]] == [
        "2025-09-05 pppk-uji", "2025-09-25 pppk-uji", "2025-01-15 skp-uji", "2025-09-25 skp-uji",
        "2021-07-11 pdm-2021",
    ]  # fmt: skip


def test_a_file_is_read_by_its_campaigns_columns() -> None:
    with pytest.raises(RosterError, match="Kolom wajib tidak ditemukan: Status Unggah SKP"):
        read_roster(pppk_file(True), "b.csv", dt.date(2025, 9, 25), SKP)
    roster = read_roster(skp_file(), "skp.csv", dt.date(2025, 1, 15), SKP)
    assert roster.valid_done == (3,) and roster.campaign.key == "skp-uji"
    roster.checks.close()
    with pytest.raises(RosterError, match="Status Aktivasi"):  # PDM 2021 requires its own headline
        read_roster(skp_file(), "skp.csv", dt.date(2021, 7, 11), PDM)


def test_a_campaign_added_on_the_command_line_takes_its_snapshots(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pdm_metrics.cli import main

    db, definition, roster = (
        new_database(tmp_path, "skp.duckdb"),
        tmp_path / "skp-uji.toml",
        tmp_path / "skp_20250115.csv",
    )
    definition.write_text(SKP_TEXT.replace("end = 2025-01-10", "end = 2024-11-01"), encoding="utf-8")
    assert main(["campaigns", "add", str(definition), "--db", str(db)]) == 1  # end before start
    assert "'end' (1 November 2024) sebelum 'start'" in capsys.readouterr().err and not db.exists()
    definition.write_text(SKP_TEXT, encoding="utf-8")
    assert main(["campaigns", "add", str(definition), "--db", str(db)]) == 0
    assert '"campaign": "skp-uji"' in capsys.readouterr().out
    assert main(["campaigns", "list", "--db", str(db)]) == 0
    assert "skp-uji\tPenyusunan SKP Tahunan (uji)\t1 tahap\ttersimpan" in capsys.readouterr().out
    roster.write_bytes(skp_file())
    assert main(["ingest", str(roster), "--campaign", "skp-uji", "--db", str(db)]) == 0
    assert '"done": {"unggah": 3}' in capsys.readouterr().out
    assert main(["rates", "--campaign", "skp-uji", "--by", "opd", "--db", str(db)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "snapshot_date,opd,stage,total,done,rate",
        "2025-01-15,Dinas Kesehatan,unggah,2,1,50.00",
        "2025-01-15,Dinas Pendidikan,unggah,2,2,100.00",
    ]
