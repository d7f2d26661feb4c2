from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pdm_metrics.fmt import (
    format_count_of,
    format_date,
    format_days_left,
    format_decimal,
    format_decimals,
    format_hundredths,
    format_int,
    format_pct,
    format_pct_change,
    format_size,
    parse_date_text,
)


def test_indonesian_numbers() -> None:
    assert format_int(3923) == "3.923"
    assert format_int(4_300_000) == "4.300.000"
    assert format_pct(Decimal("72.11")) == "72,11%"
    assert format_pct(Decimal("100")) == "100,00%"
    assert format_pct(None) == "tidak tersedia"
    assert format_count_of(2829, 3923) == "2.829 dari 3.923"
    sizes = (1536 * 2**20, 160 * 2**20, 4_189_000_000)
    assert [format_size(size) for size in sizes] == ["1,5 GB", "160 MB", "3,9 GB"]
    assert format_pct_change(Decimal("1.5")) == "+1,50 poin"


def test_indonesian_dates() -> None:
    assert format_date(date(2021, 7, 11)) == "11 Juli 2021"
    assert format_days_left(3) == "3 hari lagi"
    assert format_days_left(-1200) == "lewat 1.200 hari"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("11/07/2021", date(2021, 7, 11)),
        ("11-07-2021", date(2021, 7, 11)),
        ("2021-07-11", date(2021, 7, 11)),
        ("2021-07-11 00:00:00", date(2021, 7, 11)),
        ("11 Juli 2021", date(2021, 7, 11)),
        ("3 Agt 2021", date(2021, 8, 3)),
        ("3 Agustus 2021", date(2021, 8, 3)),
        ("1 Des. 2021", date(2021, 12, 1)),
        ("31/02/2021", None),
        ("11 Foo 2021", None),
        ("kemarin", None),
    ],
)
def test_parse_date_text(text: str, expected: date | None) -> None:
    assert parse_date_text(text) == expected


def test_hundredths_read_as_the_decimal_percent_they_stand_for() -> None:
    for hundredths in range(0, 10_001):
        assert format_hundredths(hundredths) == format_pct(Decimal(hundredths) / 100)


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e7, max_value=1e7), max_size=50))
@example([0.125, 0.285, 2.675, -2.675, 1234.565, 99.995, -0.001, -0.0, 0.0, 1e-9, -1e-9, 0.005, 12_345_678.9])
def test_many_decimals_read_as_each_one_does(values: list[float]) -> None:
    """The pace table's figures, written 90.000 at a time, round exactly as one at a time does:
    half up from the float's shortest decimal (0,125 -> 0,13, though the float is 0,12499…)."""
    assert format_decimals(values) == [format_decimal(v) for v in values]


def test_many_decimals_on_every_tie_of_hundredths() -> None:
    halves = [k / 1000 for k in range(-20_005, 20_006, 10)]  # -20,005 … 20,005, each ending in 5
    assert format_decimals(halves) == [format_decimal(v) for v in halves]


def test_reading_order_ignores_case_and_breaks_ties_by_the_exact_text() -> None:
    from pdm_metrics.fmt import reading_order

    names = ["BKPSDM", "bapenda", "Bapenda", "Badan Kesbangpol"]
    assert sorted(names, key=reading_order) == ["Badan Kesbangpol", "Bapenda", "bapenda", "BKPSDM"]
