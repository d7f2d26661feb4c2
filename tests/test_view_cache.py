"""The cache every page reads through (ui.cache): a view's result is reused only for arguments
equal in every field. Its key is the arguments' repr, so a result for one viewer's choices is
never handed to another's (a masked role must not get the unmasked table)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

import pytest
import streamlit as st

from pdm_metrics import store
from pdm_metrics.campaign import PDM_2021, shipped_campaign
from pdm_metrics.deadlines import load_calendar
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
