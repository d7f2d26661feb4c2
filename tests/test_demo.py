"""The sample data against the generator's own truth."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pandas as pd

from pdm_metrics import demo, store
from pdm_metrics.metrics import rates_from_counts
from pdm_metrics.nip import nip_error
from tests.pdm_2021 import ACTIVATION, UPDATE


def test_known_figure_of_11_july_2021(sample_con: store.Connection) -> None:
    (rates,) = rates_from_counts(store.summary_counts(sample_con, by_opd=False, snapshot_date=demo.KNOWN_DATE))
    assert (rates.total, rates.count(ACTIVATION)) == (3923, 2829)
    assert rates.rate(ACTIVATION) == Decimal("72.11")
    assert rates.count(UPDATE) is None  # exports before the PDM phase carried no PDM column


def test_every_snapshot_matches_the_truth(sample_con: store.Connection, sample_people: list[demo.SamplePerson]) -> None:
    counts = store.summary_counts(sample_con, by_opd=False)
    assert len(counts) == len(demo.SNAPSHOT_DATES) >= 10
    for row in counts.itertuples():
        day = pd.Timestamp(str(row.snapshot_date)).date()
        present = [p for p in sample_people if p.present_on(day)]
        assert row.total == len(present)
        assert row.done_1 == sum(p.activated_by(day) for p in present)
        if day >= demo.STATUS_COLUMNS_FROM:
            assert row.done_2 == sum(p.pdm_by(day) for p in present)
            assert row.done_3 == sum(p.verified_by(day) for p in present)


def test_per_opd_counts_match_the_truth(sample_con: store.Connection, sample_people: list[demo.SamplePerson]) -> None:
    day = dt.date(2021, 10, 25)
    counts = store.summary_counts(sample_con, by_opd=True, snapshot_date=day).set_index("opd")
    for opd in ("Dinas Kesehatan", "Kecamatan Merlung", "BKPSDM"):
        members = [p for p in sample_people if p.present_on(day) and p.opd_on(day) == opd]
        assert counts.loc[opd, "total"] == len(members)
        assert counts.loc[opd, "done_1"] == sum(p.activated_by(day) for p in members)


def test_sample_shape(sample_people: list[demo.SamplePerson]) -> None:
    base = [p for p in sample_people if p.present_on(demo.KNOWN_DATE)]
    sizes = pd.Series([p.opd for p in base]).value_counts()
    assert 40 <= len(sizes) <= 50
    assert list(sizes.index[:2]) == ["Dinas Pendidikan dan Kebudayaan", "Dinas Kesehatan"]
    assert sum(name.startswith("Kecamatan ") for name in sizes.index) == 13
    assert all(nip_error(p.nip) is None for p in sample_people)
    assert len({p.nip for p in sample_people}) == len(sample_people)
    kinds = pd.Series([p.jenis_asn for p in sample_people]).value_counts()
    assert kinds["PPPK"] > 30 and kinds["PNS"] > 3000
    emails = [p.email for p in base]
    assert sum(e is None for e in emails) > 100
    assert sum(e is not None and e.endswith("@gmail.com") for e in emails) > 100
    assert len({e for e in emails if e}) < sum(e is not None for e in emails)  # some shared addresses


def test_sample_is_deterministic_and_marked(sample_con: store.Connection) -> None:
    first, second = demo.sample_people(), demo.sample_people()
    assert [(p.nip, p.nama, p.activated_on) for p in first] == [(p.nip, p.nama, p.activated_on) for p in second]
    assert store.list_snapshots(sample_con)["is_sample"].all()


def test_sample_validates_without_errors(sample_people: list[demo.SamplePerson]) -> None:
    roster = demo.sample_roster(sample_people, demo.SNAPSHOT_DATES[-1])
    assert roster.error_count == 0 and roster.warning_count == 0


def _stored(con: store.Connection) -> dict[str, list[tuple[object, ...]]]:
    """Every stored table a page reads, by snapshot date instead of id, in a fixed order."""
    by_date = "JOIN snapshots s ON s.id = t.snapshot_id"
    queries = {
        "roster": f"SELECT s.snapshot_date, t.* EXCLUDE (snapshot_id) FROM roster t {by_date} ORDER BY ALL",
        "opd_summary": f"SELECT s.snapshot_date, t.* EXCLUDE (snapshot_id) FROM opd_summary t {by_date} ORDER BY ALL",
        "nip_profile_summary": f"""SELECT s.snapshot_date, t.* EXCLUDE (snapshot_id) FROM nip_profile_summary t
                                   {by_date} ORDER BY ALL""",
        "units": "SELECT * FROM units ORDER BY ALL",
        # What a file would say of itself (its digest) is left out: the generator reads no file.
        "snapshots": """SELECT * EXCLUDE (id, uploaded_at, source_sha256) FROM snapshots ORDER BY snapshot_date""",
        "changes": """SELECT f.snapshot_date, t.snapshot_date, c.* EXCLUDE (from_id, to_id) FROM snapshot_changes c
                      JOIN snapshots f ON f.id = c.from_id JOIN snapshots t ON t.id = c.to_id ORDER BY ALL""",
    }
    return {name: con.execute(sql).fetchall() for name, sql in queries.items()}


def test_the_fast_sample_is_stored_exactly_as_its_files_read_through_every_check(tmp_path: Path) -> None:
    """load_sample skips the roster checks (a first open shows the sample at once): it must store
    what the checked path stores, row for row."""
    fast, checked = store.connect(tmp_path / "fast.duckdb"), store.connect(tmp_path / "checked.duckdb")
    demo.load_sample(fast)
    demo.load_sample_checked(checked)
    fast_tables, checked_tables = _stored(fast), _stored(checked)
    assert len(fast_tables["roster"]) > 40_000
    for name, rows in checked_tables.items():
        assert fast_tables[name] == rows, name
    fast.close()
    checked.close()
