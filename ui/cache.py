"""The connection, the data version, and every view as a typed call cached per data version.

Caching lives here only: the connection is a cache_resource (one per server, a cursor per
query); view results are cache_data keyed by the store's data version, which every write bumps
inside its transaction, so an upload shows on every page at once and nothing is stale.

`cached(view)` keeps the view's own signature minus the connection, so a page calling a view
with a wrong name, argument or attribute fails mypy, not the user.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar, cast

import pandas as pd
import streamlit as st

from pdm_metrics import demo, store
from pdm_metrics.deadlines import Calendar
from pdm_metrics.views import (
    audit,
    common,
    data,
    kalender,
    laporan,
    opd,
    perubahan,
    profil,
    ringkasan,
    tindak_lanjut,
    tren,
)

P = ParamSpec("P")
R = TypeVar("R")


def db_path() -> Path:
    return Path(os.environ.get("PDM_DB", str(store.DEFAULT_DB_PATH)))


@st.cache_resource(show_spinner="Membuka basis data…")
def connection() -> store.Connection:
    con = store.connect(db_path())
    if store.list_snapshots(con).empty:
        demo.load_sample(con)
    return con


def data_version() -> int:
    return store.data_version(connection())


_VIEWS: dict[str, Callable[..., object]] = {}


@st.cache_data(show_spinner=False, max_entries=256)
def _cached_result(name: str, version: int, args: tuple[object, ...]) -> object:
    return _VIEWS[name](connection(), *args)


def cached(view: Callable[Concatenate[store.Connection, P], R]) -> Callable[P, R]:
    """`view` without its connection argument, computed once per data version and arguments."""
    name = f"{view.__module__}.{view.__qualname__}"
    _VIEWS[name] = view

    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        if kwargs:
            raise TypeError(f"{name}: cached views take positional arguments only")
        return cast(R, _cached_result(name, data_version(), args))

    return call


sidebar_choices = cached(common.sidebar_choices)
has_sample_data = cached(common.has_sample_data)
calendar_in_force = cached(common.calendar_in_force)
overview = cached(ringkasan.overview)
trend = cached(tren.trend)
pace_table = cached(tren.pace_table)
opd_overview = cached(opd.opd_overview)
opd_detail = cached(opd.opd_detail)
data_page = cached(data.data_page)
calendar_view = cached(kalender.calendar_view)
changes = cached(perubahan.changes)
follow_up = cached(tindak_lanjut.follow_up)
email_risk = cached(tindak_lanjut.email_risk)
sanctions = cached(tindak_lanjut.sanctions)
nip_profile = cached(profil.nip_profile)
report_pdf = cached(laporan.report_pdf)


def calendar() -> Calendar:
    """The regulation calendar in force (file plus recorded extensions)."""
    return calendar_in_force()


def at_risk_opd(filters: common.Filters) -> pd.DataFrame:
    """Ringkasan's at-risk list, from the cached pace table that Tren shows too (nationally it takes seconds)."""
    return tren.at_risk_rows(pace_table(filters)[1])


def audit_log() -> pd.DataFrame:
    """Not cached: logins and downloads append to the log without a new data version."""
    return audit.audit_log(connection())
