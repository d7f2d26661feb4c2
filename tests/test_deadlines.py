from __future__ import annotations

import datetime as dt

import pytest

from pdm_metrics.deadlines import calendar_from_dict, load_calendar
from pdm_metrics.metrics import Metric


def test_default_calendar_has_the_three_phases_of_kepka_87_2021() -> None:
    calendar = load_calendar()
    spans = {p.key: (p.start, p.end) for p in calendar.phases}
    assert spans == {
        "aktivasi": (dt.date(2021, 6, 1), dt.date(2021, 8, 31)),
        "pdm": (dt.date(2021, 8, 15), dt.date(2021, 9, 14)),
        "verifikasi": (dt.date(2021, 8, 1), dt.date(2021, 12, 31)),
    }
    assert all("87 Tahun 2021" in p.source for p in calendar.phases)
    assert calendar.phase_for(Metric.PDM).days_left(dt.date(2021, 9, 10)) == 4


def test_extension_moves_the_end_and_keeps_the_letter() -> None:
    raw = {
        "phases": [{"key": "pdm", "name": "PDM", "metric": "pdm_done", "start": "2021-08-15",
                    "end": "2021-09-14", "source": "Kepka BKN 87/2021"}],
        "extensions": [
            {"phase": "pdm", "new_end": "2021-09-30", "letter_number": "A/1", "letter_date": "2021-09-10"},
            {"phase": "pdm", "new_end": "2021-10-31", "letter_number": "12998/B-SI.01.01/SD/EIII/2021",
             "letter_date": "2021-09-13", "scope": "instansi dalam lampiran"},
        ],
    }  # fmt: skip
    phase = calendar_from_dict(raw).phase_for(Metric.PDM)
    assert phase.end == dt.date(2021, 10, 31) and phase.original_end == dt.date(2021, 9, 14)
    assert phase.extension is not None and phase.extension.letter_number.startswith("12998")


@pytest.mark.parametrize(
    ("day", "stage"),
    [
        (dt.date(2021, 5, 20), Metric.ACTIVATION),  # before any phase: the first to begin
        (dt.date(2021, 7, 11), Metric.ACTIVATION),  # only activation has begun
        (dt.date(2021, 8, 20), Metric.ACTIVATION),  # three open: activation ends first
        (dt.date(2021, 9, 10), Metric.PDM),  # activation over: PDM ends 14 September
        (dt.date(2021, 9, 20), Metric.VERIFICATION),  # only verification is still open
        (dt.date(2022, 1, 5), Metric.ACTIVATION),  # all over: the headline
    ],
)
def test_the_open_stage_is_the_one_to_follow_up(day: dt.date, stage: Metric) -> None:
    assert load_calendar().open_metric(day) is stage
