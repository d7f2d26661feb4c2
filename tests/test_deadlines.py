from __future__ import annotations

import datetime as dt

import pytest

from pdm_metrics.campaign import Stage
from pdm_metrics.deadlines import load_calendar
from tests.pdm_2021 import ACTIVATION, PDM, UPDATE, VERIFICATION, pdm_calendar


def test_default_calendar_has_the_three_phases_of_kepka_87_2021() -> None:
    calendar = pdm_calendar()
    spans = {p.key: (p.start, p.end) for p in calendar.phases}
    assert spans == {
        "aktivasi": (dt.date(2021, 6, 1), dt.date(2021, 8, 31)),
        "pdm": (dt.date(2021, 8, 15), dt.date(2021, 9, 14)),
        "verifikasi": (dt.date(2021, 8, 1), dt.date(2021, 12, 31)),
    }
    assert all("87 Tahun 2021" in p.source for p in calendar.phases)
    assert calendar.phase_for(UPDATE).days_left(dt.date(2021, 9, 10)) == 4


def test_extension_moves_the_end_and_keeps_the_letter() -> None:
    extensions = [
        {"phase": "pdm", "new_end": "2021-09-30", "letter_number": "A/1", "letter_date": "2021-09-10"},
        {"phase": "pdm", "new_end": "2021-10-31", "letter_number": "12998/B-SI.01.01/SD/EIII/2021",
         "letter_date": "2021-09-13", "scope": "instansi dalam lampiran"},
    ]  # fmt: skip
    phase = load_calendar(PDM, extensions).phase_for(UPDATE)
    assert phase.end == dt.date(2021, 10, 31) and phase.original_end == dt.date(2021, 9, 14)
    assert phase.extension is not None and phase.extension.letter_number.startswith("12998")


@pytest.mark.parametrize(
    ("day", "stage"),
    [
        (dt.date(2021, 5, 20), ACTIVATION),  # before any phase: the first to begin
        (dt.date(2021, 7, 11), ACTIVATION),  # only activation has begun
        (dt.date(2021, 8, 20), ACTIVATION),  # three open: activation ends first
        (dt.date(2021, 9, 10), UPDATE),  # activation over: PDM ends 14 September
        (dt.date(2021, 9, 20), VERIFICATION),  # only verification is still open
        (dt.date(2022, 1, 5), ACTIVATION),  # all over: the headline
    ],
)
def test_the_open_stage_is_the_one_to_follow_up(day: dt.date, stage: Stage) -> None:
    assert pdm_calendar().open_stage(day) == stage
