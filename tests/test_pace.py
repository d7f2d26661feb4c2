from __future__ import annotations

import datetime as dt

import pytest

from pdm_metrics.deadlines import load_calendar
from pdm_metrics.metrics import Metric
from pdm_metrics.pace import pace, slope_per_day

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
