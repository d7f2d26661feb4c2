from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from pdm_metrics.metrics import (
    Rates,
    change_between,
    cumulative_done,
    rate_hundredths,
    rate_pct,
    rates_from_counts,
)
from tests.pdm_2021 import ACTIVATION, UPDATE, VERIFICATION


def test_known_figure() -> None:
    assert rate_pct(2829, 3923) == Decimal("72.11")


def test_half_up_rounding() -> None:
    assert rate_pct(1, 800) == Decimal("0.13")  # 0.125 -> 0.13 (banker's rounding would give 0.12)
    assert rate_pct(3, 800) == Decimal("0.38")  # 0.375
    assert rate_pct(1, 3) == Decimal("33.33")


def test_not_available_is_none_never_zero() -> None:
    assert rate_pct(None, 100) is None
    assert rate_pct(0, 100) == Decimal("0.00")
    assert rate_pct(5, 0) is None


@given(st.integers(1, 5_000_000).flatmap(lambda whole: st.tuples(st.integers(0, whole), st.just(whole))))
def test_rate_bounds_and_precision(pair: tuple[int, int]) -> None:
    part, whole = pair
    rate = rate_pct(part, whole)
    assert rate is not None and Decimal(0) <= rate <= Decimal(100)
    assert rate.as_tuple().exponent == -2
    assert abs(rate - Decimal(part) * 100 / Decimal(whole)) <= Decimal("0.005")


@given(st.integers(1, 100_000).flatmap(lambda w: st.tuples(st.integers(0, w - 1), st.just(w))))
def test_rate_is_monotone(pair: tuple[int, int]) -> None:
    part, whole = pair
    assert rate_pct(part, whole) <= rate_pct(part + 1, whole)  # type: ignore[operator]


def test_rates_from_counts_respects_availability() -> None:
    counts = pd.DataFrame(
        {"snapshot_date": [dt.date(2021, 7, 11)], "has_status_1": [True], "has_status_2": [False],
         "has_status_3": [True], "total": [10], "done_1": [7], "done_2": [0], "done_3": [2]}
    )  # fmt: skip
    (rates,) = rates_from_counts(counts)
    assert rates.rate(ACTIVATION) == Decimal("70.00")
    assert rates.count(UPDATE) is None and rates.rate(UPDATE) is None
    assert rates.rate(VERIFICATION) == Decimal("20.00")


def test_change_between_snapshots() -> None:
    before = Rates(dt.date(2021, 7, 1), 100, (50, None, None))
    now = Rates(dt.date(2021, 7, 11), 100, (60, 10, None))
    assert change_between(now, before, ACTIVATION) == Decimal("10.00")
    assert change_between(now, before, UPDATE) is None
    assert change_between(now, None, ACTIVATION) is None


def test_cumulative_done() -> None:
    per_day = pd.DataFrame({"day": pd.to_datetime(["2021-06-02", "2021-06-01"]), "done": [3, 1]})
    frame = cumulative_done(per_day, 8)
    assert list(frame["cumulative"]) == [1, 4]
    assert list(frame["rate"]) == [Decimal("12.50"), Decimal("50.00")]


@given(st.lists(st.integers(0, 5_000_000).flatmap(lambda w: st.tuples(st.integers(0, w), st.just(w))), min_size=1))
def test_rates_of_a_whole_table_are_those_of_rate_pct(pairs: list[tuple[int, int]]) -> None:
    counts = pd.DataFrame(
        {"done_1": [p for p, _ in pairs], "total": [w for _, w in pairs], "done_2": 0, "has_status_2": False}
    )
    found = rate_hundredths(counts, ACTIVATION).tolist()
    for value, (part, whole) in zip(found, pairs, strict=True):
        expected = rate_pct(part, whole)
        assert pd.isna(value) if expected is None else value == expected * 100
    assert rate_hundredths(counts, UPDATE).isna().all()  # not in the file: never 0 %
