"""Tindak lanjut features on the sample data, against the generator's own truth."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pdm_metrics import demo, store
from pdm_metrics.errors import PdmError
from pdm_metrics.export import spaced_nip
from pdm_metrics.followup import PERSONAL_DOMAINS, email_problem
from pdm_metrics.schema import CHANGE_KINDS
from pdm_metrics.store import changes
from pdm_metrics.views import common, kalender, laporan, opd, perubahan, profil, ringkasan, tindak_lanjut, tren
from tests.conftest import load_sample_as_real_data
from tests.lakes import copy_of
from tests.pdm_2021 import ACTIVATION, PDM, UPDATE, pdm_calendar

pytestmark = pytest.mark.lake  # the lake run (PDM_TEST_LAKE) runs these on DuckLake too

SEP_27, NOV_8, JULY_11 = dt.date(2021, 9, 27), dt.date(2021, 11, 8), demo.KNOWN_DATE
CALENDAR = pdm_calendar()


TODAY = dt.date(2026, 12, 2)


def present(people: list[demo.SamplePerson], day: dt.date) -> list[demo.SamplePerson]:
    return [p for p in people if p.present_on(day)]


def test_diff_totals_and_per_opd_rows_match_the_truth(sample_con, sample_people) -> None:  # type: ignore[no-untyped-def]
    totals = store.change_totals(sample_con, SEP_27, NOV_8)
    before = {p.nip: p for p in present(sample_people, SEP_27)}
    after = {p.nip: p for p in present(sample_people, NOV_8)}
    both = before.keys() & after.keys()
    expected = {
        "joined": len(after.keys() - before.keys()),
        "left": len(before.keys() - after.keys()),
        "moved_in": sum(before[n].opd_on(SEP_27) != after[n].opd_on(NOV_8) for n in both),
        "newly_done_1": sum(after[n].activated_by(NOV_8) and not before[n].activated_by(SEP_27) for n in both),
        "newly_done_2": sum(after[n].pdm_by(NOV_8) and not before[n].pdm_by(SEP_27) for n in both),
        "newly_done_3": sum(after[n].verified_by(NOV_8) and not before[n].verified_by(SEP_27) for n in both),
        "regressed": 0,
    }
    assert expected["joined"] == demo.JOINERS and expected["left"] == demo.LEAVERS
    assert expected["moved_in"] == demo.MOVERS
    for kind, count in expected.items():
        assert totals[kind] == count, kind
    summary = store.change_counts_per_opd(sample_con, SEP_27, NOV_8).set_index("opd")
    education_joiners = sum(
        after[n].opd_on(NOV_8) == "Dinas Pendidikan dan Kebudayaan" for n in after.keys() - before.keys()
    )
    assert summary.loc["Dinas Pendidikan dan Kebudayaan", "joined"] == education_joiners
    assert summary["moved_in"].sum() == summary["moved_out"].sum() == demo.MOVERS


def test_diff_lists_name_every_asn(sample_con) -> None:  # type: ignore[no-untyped-def]
    view = perubahan.changes(sample_con, PDM, SEP_27, NOV_8)
    assert len(view.lists["left"]) == demo.LEAVERS
    moved = view.lists["moved_in"]
    assert (moved["OPD sebelumnya"] != moved["OPD sekarang"]).all()
    assert list(view.summary.columns)[:2] == ["OPD", "Baru aktivasi"]
    assert perubahan.change_names(sample_con, SEP_27, NOV_8, "left").equals(view.lists["left"])


def test_changes_are_stored_at_ingest_and_a_new_pair_is_read_without_writing(sample_con, db) -> None:  # type: ignore[no-untyped-def]
    demo.load_sample(db)
    pairs = "SELECT count(*) FROM snapshot_change_pairs"
    stored = db.execute(pairs).fetchone()[0]
    assert stored == len(demo.SNAPSHOT_DATES) - 1  # each snapshot with the one before it
    first, last = demo.SNAPSHOT_DATES[0], demo.SNAPSHOT_DATES[-1]
    totals = store.change_totals(db, first, last)
    assert db.execute(pairs).fetchone()[0] == stored  # a read never takes the writers' lock
    assert store.change_totals(sample_con, first, last) == totals
    # Worked out on the fly, they equal what the store writes for a pair.
    from_id, to_id = (
        db.execute("SELECT id FROM snapshots WHERE snapshot_date = ?", [d]).fetchone()[0] for d in (first, last)
    )
    with store.transaction(db) as cur:
        changes._store_changes(cur, from_id, to_id)
    assert store.change_totals(db, first, last) == totals and totals["newly_done_1"] > 0


def test_stored_counts_and_lists_read_as_those_worked_out_on_the_fly(sample_con, db) -> None:  # type: ignore[no-untyped-def]
    demo.load_sample(db)
    before, after = SEP_27, NOV_8  # stored, counts and order included, on first use
    stored = store.change_counts_per_opd(db, before, after)
    assert stored.equals(store.change_counts_per_opd(sample_con, before, after))  # read-only: on the fly
    assert stored.equals(store.change_counts_per_opd(db, before, after, [k for k in store.opd_choices(db)["opd_key"]]))
    for kind in ("newly_done_1", "moved_in", "left"):
        names = store.change_list(db, before, after, kind)
        assert len(names) > 1
        assert names.equals(store.change_list(sample_con, before, after, kind))
        places = names["opd_after"].fillna(names["opd_before"])
        listed = list(zip(places, names["nama"], names["nip"], strict=True))
        assert listed == sorted(listed, key=lambda row: (row[0].lower(), *row))  # by OPD whatever the case


@pytest.mark.file_only  # a database from an older version: a lake starts at today's
def test_changes_stored_by_an_older_version_are_worked_out_again(tmp_path: Path) -> None:
    path = tmp_path / "lama.duckdb"
    con = store.connect(path)
    load_sample_as_real_data(con)
    before, after = demo.SNAPSHOT_DATES[-2], demo.SNAPSHOT_DATES[-1]
    expected = store.change_counts_per_opd(con, before, after)
    names = {kind: store.change_list(con, before, after, kind) for kind in CHANGE_KINDS}
    assert sum(len(found) for found in names.values()) > 0
    con.execute("ALTER TABLE snapshot_changes DROP COLUMN list_order")
    con.execute("DROP TABLE snapshot_change_counts")
    con.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")  # before migration 5
    con.close()
    read_only = store.connect(path, read_only=True)  # as stored: worked out on the fly
    assert store.change_counts_per_opd(read_only, before, after).equals(expected)
    assert all(store.change_list(read_only, before, after, kind).equals(names[kind]) for kind in names)
    read_only.close()
    upgraded = store.connect(path)  # the upgrade works out each snapshot's changes from the one before
    stored = len(demo.SNAPSHOT_DATES) - 1
    assert upgraded.execute("SELECT count(*) FROM snapshot_change_pairs").fetchone() == (stored,)
    assert store.change_counts_per_opd(upgraded, before, after).equals(expected)
    assert all(store.change_list(upgraded, before, after, kind).equals(names[kind]) for kind in names)
    upgraded.close()


def test_follow_up_lists_messages_and_workbook(sample_con, sample_people) -> None:  # type: ignore[no-untyped-def]
    view = tindak_lanjut.follow_up(sample_con, CALENDAR, common.Filters(JULY_11), ACTIVATION)
    assert view is not None
    truth = pd.Series([p.opd for p in present(sample_people, JULY_11) if not p.activated_by(JULY_11)])
    expected = truth.value_counts()
    assert {o.opd: len(o.missing) for o in view.opds} == expected.to_dict()
    perikanan = next(o for o in view.opds if o.opd == "Dinas Perikanan")
    assert "17 dari 29 ASN belum aktivasi akun MySAPK" in perikanan.message
    assert "Tenggat aktivasi: 31 Agustus 2021 (51 hari lagi)" in perikanan.message
    first = perikanan.missing.iloc[0]
    assert f"1. {first['Nama']} – NIP {spaced_nip(first['NIP'])}" in perikanan.message
    workbook = openpyxl.load_workbook(io.BytesIO(view.workbook))
    assert workbook.sheetnames[0] == "Ringkasan" and len(workbook.sheetnames) == 1 + len(expected)
    summary = workbook["Ringkasan"]
    assert "31 Agustus 2021" in summary["A2"].value
    sheet = workbook["Dinas Perikanan"]
    assert [c.value for c in sheet[4]] == ["Nama", "NIP", "Email"] and sheet.max_row == 4 + 17
    assert "Dinas Perikanan" in sheet["A1"].value and "17 ASN" in sheet["A2"].value
    long_names = [n for n in workbook.sheetnames if len(n) == 31]
    assert all(len(n) <= 31 for n in workbook.sheetnames) and long_names  # long OPD names are cut to 31


def test_follow_up_on_a_status_the_file_lacks(sample_con) -> None:  # type: ignore[no-untyped-def]
    view = tindak_lanjut.follow_up(sample_con, CALENDAR, common.Filters(JULY_11), UPDATE)
    assert view is not None and not view.available and view.opds == []


@pytest.mark.parametrize(
    ("email", "users", "expected"),
    [(None, 0, "Email kosong"), ("", 0, "Email kosong"), ("budi@", 1, "Format email tidak sah"),
     ("budi@gmail.com", 1, "Bukan email instansi (gmail.com)"), ("x@tanjabbarkab.go.id", 3, "dipakai bersama oleh 3"),
     ("x@tanjabbarkab.go.id", 1, None), ("guru@belajar.id", 1, None), ("a@kantor.co.id", 1, "Bukan email instansi")],
)  # fmt: skip
def test_email_problem(email: str | None, users: int, expected: str | None) -> None:
    problem = email_problem(email, users)
    assert (problem is None) if expected is None else (expected in (problem or ""))


def test_email_risk_matches_the_truth(sample_con, sample_people) -> None:  # type: ignore[no-untyped-def]
    found = tindak_lanjut.email_risk(sample_con, ACTIVATION, common.Filters(JULY_11))
    day, risks = found.snapshot_date, found.risks
    everyone = present(sample_people, JULY_11)
    users = pd.Series([p.email for p in everyone if p.email]).value_counts()
    expected = [
        p.nip
        for p in everyone
        if not p.activated_by(JULY_11)
        and (p.email is None or users[p.email] > 1 or p.email.split("@")[1] in PERSONAL_DOMAINS)
    ]
    assert day == JULY_11 and sorted(risks["NIP"]) == sorted(expected)
    assert risks["Cara memperbaiki"].str.contains("1×24 jam").all()


def test_sanctions_only_after_the_deadline(sample_con, sample_people) -> None:  # type: ignore[no-untyped-def]
    day, phase, before_deadline = tindak_lanjut.sanctions(
        sample_con, CALENDAR, common.Filters(dt.date(2021, 8, 23)), ACTIVATION
    )
    assert day == dt.date(2021, 8, 23)
    assert before_deadline is None and phase.end == dt.date(2021, 8, 31)
    _day, phase, listing = tindak_lanjut.sanctions(sample_con, CALENDAR, common.Filters(SEP_27), ACTIVATION)
    expected = [p.nip for p in present(sample_people, SEP_27) if not p.activated_by(SEP_27)]
    assert listing is not None and sorted(listing["NIP"]) == sorted(expected)
    assert set(listing["Akibat"]) == {"Layanan kepegawaian tidak diproses"}


def test_profile_from_nip_matches_the_truth(sample_con, sample_people) -> None:  # type: ignore[no-untyped-def]
    _day, groups = profil.nip_profile(sample_con, common.Filters(JULY_11))
    women = sum(p.nip[14] == "2" for p in present(sample_people, JULY_11))
    gender = groups["gender"].set_index("Jenis kelamin")
    assert gender.loc["Perempuan", "Jumlah ASN"] == f"{women:,}".replace(",", ".")
    assert set(groups["jenis_asn"]["Jenis ASN"]) == {"PNS", "PPPK"}
    assert (groups["age"]["PDM"] == "tidak tersedia").all()  # the 11 Juli file had no PDM column
    totals = groups["service"]["Jumlah ASN"].str.replace(".", "").astype(int).sum()
    assert totals == demo.KNOWN_TOTAL


def test_extensions_are_kept_with_history_and_used_everywhere(tmp_path: Path, sample_db_path: Path) -> None:
    con = store.connect(copy_of(sample_db_path, tmp_path, "db.duckdb"))
    with pytest.raises(PdmError, match="Nomor surat"):
        kalender.add_extension(con, PDM, "pdm", dt.date(2021, 9, 30), " ", dt.date(2021, 9, 10), "", "ani", TODAY)
    kalender.add_extension(
        con, PDM, "pdm", dt.date(2021, 9, 30), "A/1/2021", dt.date(2021, 9, 10), "semua", "ani", TODAY
    )
    kalender.add_extension(
        con,
        PDM,
        "pdm",
        dt.date(2021, 10, 31),
        "12998/B-SI.01.01/SD/EIII/2021",
        dt.date(2021, 9, 13),
        "instansi dalam lampiran",
        "budi",
        TODAY,
    )
    calendar = common.calendar_in_force(con, PDM)
    assert calendar.phase_for(UPDATE).end == dt.date(2021, 10, 31)
    assert pdm_calendar().phase_for(UPDATE).end == dt.date(2021, 9, 14)  # the file itself is unchanged
    history = kalender.calendar_view(con, PDM).extensions
    assert list(history["Nomor surat"]) == ["A/1/2021", "12998/B-SI.01.01/SD/EIII/2021"]
    overview = ringkasan.overview(con, calendar, common.Filters(dt.date(2021, 9, 14)))
    assert overview is not None
    assert "Tenggat 31 Oktober 2021 (diperpanjang, 12998/B-SI.01.01/SD/EIII/2021): 47 hari lagi" in [
        k.deadline_text for k in overview.kpis
    ]
    con.close()


def test_report_pdf_is_built_offline(sample_con) -> None:  # type: ignore[no-untyped-def]
    day, pdf = laporan.report_pdf(sample_con, CALENDAR, common.Filters(JULY_11), dt.date(2026, 11, 27))
    assert day == JULY_11 and pdf.startswith(b"%PDF") and len(pdf) > 20_000
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 2 or b"/Count 2" in pdf


def test_a_report_given_the_overview_and_at_risk_rows_does_not_work_them_out_again(  # type: ignore[no-untyped-def]
    sample_con, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page hands the report Ringkasan's cached overview and at-risk rows (nationally the pace
    of every OPD takes seconds): the report uses them and computes neither again."""
    filters = common.Filters(JULY_11)
    summary = ringkasan.overview(sample_con, CALENDAR, filters)
    risky = tren.at_risk_opd(sample_con, CALENDAR, filters)

    def worked_out_again(*_: object) -> None:
        raise AssertionError("computed again")

    monkeypatch.setattr(laporan, "overview", worked_out_again)
    monkeypatch.setattr(laporan, "at_risk_opd", worked_out_again)
    day, pdf = laporan.report_pdf(sample_con, CALENDAR, filters, dt.date(2026, 11, 27), summary, risky)
    assert day == JULY_11 and pdf.startswith(b"%PDF") and len(pdf) > 20_000


def test_email_problem_counts_and_counts_per_opd() -> None:
    from pdm_metrics.followup import count_per_opd, email_problem_counts

    problems = ["Email kosong: token tidak dapat dikirim", "Bukan email instansi (gmail.com)",
                "Bukan email instansi (yahoo.com)", "Email dipakai bersama oleh 3 ASN"]  # fmt: skip
    risks = pd.DataFrame({"Masalah": problems, "OPD": ["A", "B", "B", "B"]})
    assert email_problem_counts(risks) == {"Email kosong": 1, "Email dipakai bersama": 1, "Bukan email instansi": 2}
    assert count_per_opd(risks).to_dict("records") == [{"OPD": "B", "Jumlah ASN": 3}, {"OPD": "A", "Jumlah ASN": 1}]


@pytest.mark.file_only  # a database from an older version: a lake starts at today's
def test_changes_numbered_in_an_older_order_are_numbered_again(tmp_path: Path) -> None:
    """Perubahan's lists are numbered once, when a pair is stored: a database numbered by an
    older rule (here: backwards) has its changes worked out again in today's order."""
    path = tmp_path / "urutan.duckdb"
    con = store.connect(path)
    load_sample_as_real_data(con)
    first, last = demo.SNAPSHOT_DATES[0], demo.SNAPSHOT_DATES[1]  # neighbours: stored at ingest
    expected = store.change_list(con, first, last, "newly_done_1")
    assert len(expected) > 1
    con.execute("UPDATE snapshot_changes SET list_order = -list_order")
    con.execute("DELETE FROM meta WHERE key = 'change_order'")
    con.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")  # before migration 5
    assert store.change_list(con, first, last, "newly_done_1").equals(expected.iloc[::-1].reset_index(drop=True))
    con.close()
    upgraded = store.connect(path)
    assert store.change_list(upgraded, first, last, "newly_done_1").equals(expected)
    upgraded.close()


def test_opd_choices_and_ties_in_rankings_read_alphabetically(sample_con) -> None:  # type: ignore[no-untyped-def]
    view = opd.opd_overview(sample_con, common.Filters(), ACTIVATION)
    assert view is not None
    names = [name for _, name in view.choices]
    assert names == sorted(names, key=str.lower) and names != sorted(names)
    follow_up = tindak_lanjut.follow_up(sample_con, CALENDAR, common.Filters(JULY_11), ACTIVATION, False)
    assert follow_up is not None
    names = [opd.opd for opd in follow_up.opds]
    assert names == sorted(names, key=str.lower) and names != sorted(names)
    # By default the OPD with the most ASN still to chase come first; ties in reading order.
    chase = tindak_lanjut.follow_up(sample_con, CALENDAR, common.Filters(JULY_11), ACTIVATION)
    assert chase is not None
    order = [(-len(o.missing), o.opd.lower()) for o in chase.opds]
    assert order == sorted(order) and chase.opds[0].opd == "Dinas Pendidikan dan Kebudayaan"
    overview = ringkasan.overview(sample_con, common.calendar_in_force(sample_con, PDM), common.Filters())
    assert overview is not None
    for _, tied in overview.opd_table.groupby(ringkasan.bar_label(overview.focus)):
        assert tied["OPD"].tolist() == sorted(tied["OPD"], key=str.lower)


def test_the_change_report_reads_as_the_single_queries_for_stored_and_unstored_pairs(db) -> None:  # type: ignore[no-untyped-def]
    demo.load_sample(db)
    for before, after in ((demo.SNAPSHOT_DATES[0], demo.SNAPSHOT_DATES[1]), (demo.SNAPSHOT_DATES[0], NOV_8)):
        report = store.change_report(db, before, after, limit=50)
        assert report.totals == store.change_totals(db, before, after)
        assert report.per_opd.equals(store.change_counts_per_opd(db, before, after))
        for kind in CHANGE_KINDS:
            assert report.lists[kind].equals(store.change_list(db, before, after, kind, limit=50))
        assert sum(report.totals.values()) > 0
    assert db.execute("SELECT count(*) FROM snapshot_change_pairs").fetchone()[0] == len(demo.SNAPSHOT_DATES) - 1
