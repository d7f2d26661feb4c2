"""Every verdict outcome, table-driven; and a stage whose column an earlier snapshot lacked is said to
be not yet measurable, never "berisiko" for want of data, on Ringkasan, in the pace table and its CSV."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pdm_metrics import pace, store
from pdm_metrics.deadlines import Calendar
from pdm_metrics.fmt import format_date
from pdm_metrics.ingest import ingest_roster
from pdm_metrics.pace import PhasePace, Standing
from pdm_metrics.roster import read_roster
from pdm_metrics.verdict import verdict
from pdm_metrics.views import common, ringkasan, tren
from tests.files import DONE, NIP_A, NIP_B, NIP_C, NOT_DONE
from tests.pdm_2021 import ACTIVATION, PDM, UPDATE, VERIFICATION, pdm_calendar

PHASE = pdm_calendar().phase_for(VERIFICATION)  # the last stage's window, as the definition gives it
assert PHASE.end is not None
# Open: the second stage's deadline has passed, the last stage's has not. After: past the last's.
OPEN = pdm_calendar().phase_for(UPDATE).end + dt.timedelta(days=6)
AFTER = PHASE.end + dt.timedelta(days=5)
WORD = VERIFICATION.word
UNMEASURED_BECAUSE = f"snapshot 11 Juli 2021 tidak memuat status {WORD}"


def pace_of(per_day: float | None, projected: float | None, because: str = "") -> PhasePace:
    return PhasePace(40.0, per_day, 0.6, projected, None, "", because)


CASES = [
    pytest.param(AFTER, 10, 10, None, Standing.MET, f"seluruh 10 ASN sudah {WORD}.", id="passed, all done"),
    pytest.param(AFTER, 10, 7, None, Standing.MISSED, f"3 ASN belum {WORD} setelah tenggat", id="passed, missed"),
    pytest.param(OPEN, 10, 10, None, Standing.MET, f"seluruh 10 ASN sudah {WORD}; tenggat", id="open, all done"),
    pytest.param(OPEN, 10, 4, pace_of(1.0, 100.0), Standing.ON_TRACK, "pada laju 1,00 poin/hari", id="on track"),
    pytest.param(OPEN, 10, 4, pace_of(0.1, 50.0), Standing.AT_RISK, "proyeksi 50,00%", id="at risk"),
    pytest.param(
        OPEN,
        10,
        4,
        pace_of(None, None, UNMEASURED_BECAUSE),
        Standing.UNMEASURED,
        f"belum dapat diproyeksikan: {UNMEASURED_BECAUSE}; perlu 0,60 poin/hari",
        id="no pace yet",
    ),
    pytest.param(OPEN, 10, None, None, Standing.UNAVAILABLE, "kolom ini tidak ada", id="no column"),
]


@pytest.mark.parametrize(("day", "total", "done", "pace", "standing", "words"), CASES)
def test_every_verdict_outcome(
    day: dt.date, total: int, done: int | None, pace: PhasePace | None, standing: Standing, words: str
) -> None:
    said = verdict(VERIFICATION, PHASE, day, total, done, [("Dinas A", 3)], pace)
    assert said.standing is standing and words in said.text
    assert ("Berisiko" in said.headline) is (standing is Standing.AT_RISK)


def _file(rows: list[list[str]], with_verification: bool) -> bytes:
    """A file of each stage's status (its first header and words in the definition); without the
    last stage's column when `with_verification` is false."""
    stages = PDM.stages if with_verification else PDM.stages[:-1]
    header = ["NIP", "NAMA", "OPD", *(s.columns[0] for s in stages)]
    lines = [",".join(header)] + [",".join(r[: len(header)]) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def test_a_stage_absent_from_the_earlier_snapshot_is_not_yet_measurable(tmp_path: Path) -> None:
    con = store.connect(tmp_path / "db.duckdb")
    july = [[NIP_A, "Budi", "Dinas A", DONE, NOT_DONE, ""], [NIP_B, "Siti", "Dinas A", NOT_DONE, NOT_DONE, ""]]
    september = [
        [NIP_A, "Budi", "Dinas A", DONE, DONE, DONE],
        [NIP_B, "Siti", "Dinas A", DONE, DONE, NOT_DONE],
        [NIP_C, "Rina", "Dinas B", DONE, NOT_DONE, NOT_DONE],
    ]
    ingest_roster(con, read_roster(_file(july, False), "juli.csv", dt.date(2021, 7, 11)))
    ingest_roster(con, read_roster(_file(september, True), "september.csv", OPEN))
    calendar = common.calendar_in_force(con, PDM)
    filters = common.Filters(OPEN)

    overview = ringkasan.overview(con, calendar, filters)
    assert overview is not None
    said = next(k.verdict for k in overview.kpis if k.stage is VERIFICATION)
    assert said.standing is Standing.UNMEASURED
    assert UNMEASURED_BECAUSE in said.text
    assert "Berisiko" not in said.headline

    paces = tren.selection_paces(con, calendar, filters)
    assert paces is not None
    table = paces.table()
    verification = table[table["Tahap"] == VERIFICATION.label]
    assert set(verification["Status"]) == {"Belum terukur"}
    assert not verification["Keterangan"].str.contains("tidak tercapai").any()
    assert tren.at_risk_opd(con, calendar, filters).query("Tahap == @VERIFICATION.label").empty
    pdm = table[(table["Tahap"] == UPDATE.label) & (table["OPD"] == pace.OVERALL)]
    assert list(pdm["Status"]) == ["Terlewat"]  # its deadline passed with 1 of 3 not done: not "Tidak"
    assert list(pdm["Proyeksi saat tenggat"]) == ["tenggat sudah lewat"]  # not "belum terukur"
    downloaded = pace.for_download(table)  # the laju CSV: Persentase a number, the standing as shown
    assert downloaded.loc[pdm.index, "Persentase"].tolist() == [66.67] and pace.RATE_NUMBER not in downloaded
    assert downloaded.loc[pdm.index, "Status"].tolist() == ["Terlewat"]
    assert set(verification["Proyeksi saat tenggat"]) == {"belum terukur"}
    con.close()


def test_the_projection_line_reaches_100_percent_on_the_day_the_verdict_names(sample_con: store.Connection) -> None:
    """One computation: Ringkasan's "100% sekitar D" and Tren's dotted line meet 100 % on the same day."""
    day = dt.date(2021, 7, 11)
    calendar = common.calendar_in_force(sample_con, PDM)
    filters = common.Filters(day)
    pace = tren.overall_paces(sample_con, calendar, filters)[ACTIVATION]
    figure = tren.trend(sample_con, calendar, filters).figure
    line = next(t for t in figure.data if t.name == "Proyeksi Aktivasi")
    reached = [x for x, y in zip(line.x, line.y, strict=True) if y == 100]
    assert pace.full_on is not None and pace.full_on < calendar.phase_for(ACTIVATION).end  # the sample's pace
    assert reached[0] == pace.full_on  # the line was drawn straight to the deadline, 0,55 points a day
    said = next(k.verdict for k in ringkasan_kpis(sample_con, calendar, filters) if k.stage is ACTIVATION)
    assert f"100% tercapai sekitar {format_date(pace.full_on)}" in said.text


def ringkasan_kpis(con: store.Connection, calendar: Calendar, filters: common.Filters) -> list[ringkasan.Kpi]:
    overview = ringkasan.overview(con, calendar, filters)
    assert overview is not None
    return overview.kpis
