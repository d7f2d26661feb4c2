"""The cache every page reads through (ui.cache): a view's result is reused only for arguments
equal in every field. Its key is the arguments' repr, so a result for one viewer's choices is
never handed to another's (a masked role must not get the unmasked table)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator

import pandas as pd
import pytest
import streamlit as st

from pdm_metrics import pace, store
from pdm_metrics.campaign import PDM_2021, shipped_campaign
from pdm_metrics.deadlines import load_calendar
from pdm_metrics.views import ringkasan, tren
from pdm_metrics.views.common import Filters
from ui import cache

CAMPAIGN = shipped_campaign(PDM_2021)


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[object, ...]]]:
    """The arguments each computation of a view was asked with; the real database, version 1."""
    st.cache_data.clear()
    monkeypatch.setattr(cache, "showing_sample", lambda: False)
    monkeypatch.setattr(cache, "_data_version", lambda sample: 1)
    monkeypatch.setattr(cache, "connection", lambda: None)
    yield []
    st.cache_data.clear()


def test_a_view_is_computed_again_for_arguments_that_differ_in_one_field(computed: list[tuple[object, ...]]) -> None:
    def view(con: store.Connection, *args: object) -> tuple[object, ...]:
        computed.append(args)
        return args

    shown = cache.cached(view)
    filters = Filters(dt.date(2021, 7, 11), ("dinas pendidikan",), (), False, CAMPAIGN)
    assert shown(filters) == (filters,)
    assert shown(dataclasses.replace(filters, masked=True)) == (dataclasses.replace(filters, masked=True),)
    assert shown(dataclasses.replace(filters, opd_keys=("dinas kesehatan",)))[0] != filters
    # A campaign whose last stage ends a day later is another campaign to the cache.
    last = CAMPAIGN.stages[-1]
    assert last.end is not None  # PDM 2021's stages all end
    stages = (*CAMPAIGN.stages[:-1], dataclasses.replace(last, end=last.end + dt.timedelta(days=1)))
    moved = dataclasses.replace(CAMPAIGN, stages=stages)
    shown(load_calendar(CAMPAIGN), filters)
    shown(load_calendar(moved), filters)
    assert len(computed) == 5
    # Equal values (new objects, as every run builds them) are found, not computed again.
    again = Filters(dt.date(2021, 7, 11), ("dinas pendidikan",), (), False, shipped_campaign(PDM_2021))
    assert shown(again) == (filters,)
    shown(load_calendar(shipped_campaign(PDM_2021)), again)
    assert len(computed) == 5


def test_the_views_that_show_a_pace_share_one_computation_of_it(
    computed: list[tuple[object, ...]], sample_con: store.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ringkasan's verdicts and at-risk list and Tren's line and table are handed one computation
    of the selection's paces; another date computes the paces again but reads the per-OPD counts
    of every snapshot only once. What they show is what each view alone shows."""
    monkeypatch.setattr(cache, "connection", lambda: sample_con)
    shared = {f"{tren.__name__}.{name}": name for name in ("selection_paces", "unit_counts")}
    for key, name in shared.items():
        monkeypatch.setitem(cache._VIEWS, key, counting(name, cache._VIEWS[key], computed))

    calendar = load_calendar(CAMPAIGN)
    dates = store.snapshot_dates(sample_con)
    for day in dates[-2:]:
        filters = Filters(day, campaign=CAMPAIGN)
        overview = cache.overview(calendar, filters)
        at_risk = cache._at_risk_opd(calendar, filters)
        laju = cache.pace_view(calendar, filters)
        line = cache.trend(calendar, filters, None)
        assert overview is not None and laju is not None and laju.day == day
        alone = ringkasan.overview(sample_con, calendar, filters)
        assert alone is not None and [k.verdict for k in overview.kpis] == [k.verdict for k in alone.kpis]
        pd.testing.assert_frame_equal(at_risk, tren.at_risk_opd(sample_con, calendar, filters))
        paces = tren.selection_paces(sample_con, calendar, filters)
        assert paces is not None
        whole = paces.table()
        pd.testing.assert_frame_equal(laju.shown, whole)  # the sample's 138 rows are all shown
        pd.testing.assert_frame_equal(laju.download(), pace.for_download(whole))
        assert line.figure == tren.trend(sample_con, calendar, filters).figure
    assert computed.count(("selection_paces",)) == 2  # once a date
    assert computed.count(("unit_counts",)) == 1  # once whatever the date


def counting(name: str, view: Callable[..., object], computed: list[tuple[object, ...]]) -> Callable[..., object]:
    """`view`, noting `name` in `computed` each time it is worked out."""

    def noted(*args: object, **kwargs: object) -> object:
        computed.append((name,))
        return view(*args, **kwargs)

    return noted
