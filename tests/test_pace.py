from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pdm_metrics import demo, views
from pdm_metrics.deadlines import load_calendar
from pdm_metrics.metrics import Metric, rate_points, rates_from_counts
from pdm_metrics.pace import pace, paces, recent, slope_per_day

ACTIVATION = load_calendar().phase_for(Metric.AKTIVASI)  # ends 31 Agustus 2021


def test_slope_per_day() -> None:
    points = [(dt.date(2021, 7, 1), 50.0), (dt.date(2021, 7, 11), 60.0), (dt.date(2021, 7, 21), 70.0)]
    assert slope_per_day(points) == pytest.approx(1.0)
    assert slope_per_day(points[:1]) is None


def test_projection_and_day_of_full_activation() -> None:
    points = [(dt.date(2021, 7, 1), 50.0), (dt.date(2021, 7, 11), 60.0)]
    result = pace(points, dt.date(2021, 7, 11), ACTIVATION)
    assert result.per_day == pytest.approx(1.0)
    assert result.projected == 100.0 and not result.at_risk  # 51 days left at 1 point/day
    assert result.full_on == dt.date(2021, 8, 20)
    assert result.needed_per_day == pytest.approx(40 / 51)


def test_slow_pace_is_at_risk() -> None:
    points = [(dt.date(2021, 7, 1), 50.0), (dt.date(2021, 7, 11), 51.0)]
    result = pace(points, dt.date(2021, 7, 11), ACTIVATION)
    assert result.projected == pytest.approx(56.1) and result.at_risk
    assert "100% tercapai sekitar" in result.describe()


def test_no_progress_never_reaches_full_and_passed_deadline_has_no_projection() -> None:
    flat = [(dt.date(2021, 7, 1), 50.0), (dt.date(2021, 7, 11), 50.0)]
    assert pace(flat, dt.date(2021, 7, 11), ACTIVATION).full_on is None
    late = pace(flat, dt.date(2021, 9, 5), ACTIVATION)
    assert late.deadline_passed and late.projected is None and not late.at_risk
    assert "sudah lewat" in late.describe()


def test_single_snapshot_uses_activation_dates() -> None:
    daily = [(dt.date(2021, 7, 1), 10.0), (dt.date(2021, 7, 6), 20.0), (dt.date(2021, 7, 11), 30.0)]
    result = pace([(dt.date(2021, 7, 11), 30.0)], dt.date(2021, 7, 11), ACTIVATION, daily)
    assert result.per_day == pytest.approx(2.0)


def test_many_populations_at_once_match_one_at_a_time(sample_con) -> None:  # type: ignore[no-untyped-def]
    """The vectorised pace (30.000 OPD nationally) measures what the plain least-squares slope over
    the recent points gives, for every OPD, phase and every other snapshot of the sample."""

    calendar = views.calendar_in_force(sample_con)
    counts = views._counts(sample_con, views.Filters(), True, None)
    by_opd: dict[str, list] = {}  # type: ignore[type-arg]
    for rates in rates_from_counts(counts):
        by_opd.setdefault(str(rates.opd), []).append(rates)
    compared = 0
    for day in demo.SNAPSHOT_DATES[1::2]:
        for metric in Metric:
            points = pd.DataFrame({"group": counts["opd"], "day": counts["snapshot_date"],
                                   "value": rate_points(counts, metric)}).dropna()  # fmt: skip
            together = paces(points, day, calendar.phase_for(metric))
            for name, rates in by_opd.items():
                one = [(r.snapshot_date, float(v)) for r in rates if (v := r.rate(metric)) is not None]
                upto = [p for p in one if p[0] <= day]
                if upto:
                    measured = together[name]
                    assert measured.per_day == slope_per_day(recent(one, day)), (name, day, metric)
                    assert measured.rate == upto[-1][1]
                    compared += 1
    assert compared > 600
