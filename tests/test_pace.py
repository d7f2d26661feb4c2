from __future__ import annotations

import datetime as dt
import math
from typing import cast

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from pdm_metrics import demo, store
from pdm_metrics.metrics import Rates, rate_points, rates_from_counts
from pdm_metrics.pace import describe_each, pace, pace_frame, recent, slope_per_day
from pdm_metrics.views import common
from tests.pdm_2021 import ACTIVATION, PDM, pdm_calendar

ACTIVATION_PHASE = pdm_calendar().phase_for(ACTIVATION)  # the first stage's window, from the definition


def test_slope_per_day() -> None:
    points = [(dt.date(2021, 7, 1), 50.0), (dt.date(2021, 7, 11), 60.0), (dt.date(2021, 7, 21), 70.0)]
    assert slope_per_day(points) == pytest.approx(1.0)
    assert slope_per_day(points[:1]) is None


def test_projection_and_day_of_full_activation() -> None:
    points = [(dt.date(2021, 7, 1), 50.0), (dt.date(2021, 7, 11), 60.0)]
    result = pace(points, dt.date(2021, 7, 11), ACTIVATION_PHASE)
    assert result.per_day == pytest.approx(1.0)
    assert result.projected == 100.0 and not result.at_risk  # 51 days left at 1 point/day
    assert result.full_on == dt.date(2021, 8, 20)
    assert result.needed_per_day == pytest.approx(40 / 51)


def test_slow_pace_is_at_risk() -> None:
    points = [(dt.date(2021, 7, 1), 50.0), (dt.date(2021, 7, 11), 51.0)]
    result = pace(points, dt.date(2021, 7, 11), ACTIVATION_PHASE)
    assert result.projected == pytest.approx(56.1) and result.at_risk
    assert "100% tercapai sekitar" in result.describe()


def test_no_progress_never_reaches_full_and_passed_deadline_has_no_projection() -> None:
    flat = [(dt.date(2021, 7, 1), 50.0), (dt.date(2021, 7, 11), 50.0)]
    assert pace(flat, dt.date(2021, 7, 11), ACTIVATION_PHASE).full_on is None
    late = pace(flat, dt.date(2021, 9, 5), ACTIVATION_PHASE)
    assert late.deadline_passed and late.projected is None and not late.at_risk
    assert "sudah lewat" in late.describe()


def test_a_pace_too_slow_for_the_calendar_never_reaches_full() -> None:
    """0 % with a slope of a millionth of a point a day: 100 % would come after the year 9999,
    which used to stop the Ringkasan and Tren pages with an OverflowError."""
    daily = [(dt.date(2021, 7, 1), 0.0), (dt.date(2021, 7, 11), 0.00001)]
    result = pace([(dt.date(2021, 7, 11), 0.0)], dt.date(2021, 7, 11), ACTIVATION_PHASE, daily)
    assert result.per_day == pytest.approx(1e-6) and result.full_on is None
    assert result.describe().endswith("100% tidak tercapai pada laju ini")


def test_single_snapshot_uses_activation_dates() -> None:
    daily = [(dt.date(2021, 7, 1), 10.0), (dt.date(2021, 7, 6), 20.0), (dt.date(2021, 7, 11), 30.0)]
    result = pace([(dt.date(2021, 7, 11), 30.0)], dt.date(2021, 7, 11), ACTIVATION_PHASE, daily)
    assert result.per_day == pytest.approx(2.0)


def test_many_populations_at_once_match_one_at_a_time(sample_con: store.Connection) -> None:
    """The vectorised pace (30.000 OPD nationally) measures what the plain least-squares slope over
    the recent points gives, for every OPD, phase and every other snapshot of the sample."""

    calendar = common.calendar_in_force(sample_con, PDM)
    counts = common.selection_counts(sample_con, common.Filters(), True, None)
    by_opd: dict[str, list[Rates]] = {}
    for opd_rates in rates_from_counts(counts):
        by_opd.setdefault(str(opd_rates.opd), []).append(opd_rates)
    compared = 0
    for day in demo.SNAPSHOT_DATES[1::2]:
        for metric in PDM.stages:
            columns = {"group": counts["opd"], "day": counts["snapshot_date"], "value": rate_points(counts, metric)}
            points = pd.DataFrame(columns).dropna()
            together = pace_frame(points, day, calendar.phase_for(metric)).set_index("group")
            for name, rates in by_opd.items():
                one = [(r.snapshot_date, float(v)) for r in rates if (v := r.rate(metric)) is not None]
                upto = [p for p in one if p[0] <= day]
                if upto:
                    measured, expected = together.loc[name], slope_per_day(recent(one, day))
                    assert (
                        math.isnan(cast(float, measured.per_day)) if expected is None else measured.per_day == expected
                    )
                    assert measured.rate == upto[-1][1]
                    compared += 1
    assert compared > 600


DAYS = [dt.date(2021, 6, 1) + dt.timedelta(days=n) for n in range(0, 140, 3)]  # around and past the deadline
RATES = st.one_of(st.integers(0, 10_000).map(lambda h: h / 100), st.floats(0, 100))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 5), st.sampled_from(DAYS), RATES), min_size=1, max_size=40),
    st.sampled_from(DAYS),
)
@example(
    [(0, dt.date(2021, 8, 2), 50.0), (0, dt.date(2021, 8, 30), 60.0), (1, dt.date(2021, 8, 30), 0.0)],
    dt.date(2021, 8, 30),
)  # the day before the deadline
@example([(0, dt.date(2021, 8, 31), 99.99)], dt.date(2021, 8, 31))  # the deadline itself
def test_the_whole_table_at_once_says_what_each_opd_alone_says(rows: list, as_of: dt.date) -> None:  # type: ignore[type-arg]
    """pace_frame (a national table of 90.000 rows in one go) gives every figure and word that
    `pace` of each group alone gives: the same rate, pace, need, projection, day of 100 %, risk and text."""
    points = pd.DataFrame(rows, columns=["group", "day", "value"]).drop_duplicates(["group", "day"])
    together = pace_frame(points, as_of, ACTIVATION_PHASE).set_index("group")
    described = dict(zip(together.index, describe_each(together, ACTIVATION_PHASE, as_of), strict=True))
    measured = sorted(set(points.loc[points["day"] <= as_of, "group"]))
    assert sorted(together.index) == measured
    for group in measured:
        own = points[points["group"] == group]
        alone = pace(list(zip(own["day"], own["value"], strict=True)), as_of, ACTIVATION_PHASE)
        row = together.loc[group]
        for figure in ("rate", "per_day", "needed_per_day", "projected"):
            value = getattr(alone, figure)
            assert math.isnan(row[figure]) if value is None else row[figure] == value, (group, figure)
        assert row["full_on"] == alone.full_on
        assert bool(row["at_risk"]) == alone.at_risk
        assert described[group] == alone.describe()
