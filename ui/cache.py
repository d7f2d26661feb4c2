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
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

import pandas as pd
import streamlit as st

from pdm_metrics import store
from pdm_metrics.campaign import Campaign, Stage
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
    """The agency's own database: every upload, audit entry and backup goes here, never sample data."""
    return store.connect(db_path())


@st.cache_resource(show_spinner="Menyiapkan data contoh…")
def sample_connection() -> store.Connection:
    """The sample data, in a file of its own beside the real one (built on first use)."""
    con = store.connect(store.sample_db_path(db_path()))
    if not store.snapshot_dates(con):
        from pdm_metrics import demo  # only where the sample is missing: a page run need not load it

        demo.load_sample(con)
    return con


# The session's wish to look at the sample although real data exist (the sidebar's toggle).
SHOW_SAMPLE = "show_sample"


# What one run of the script learns of the databases: whether real data exist, and each one's data
# version. A page asks every cached view, and each asked both again (25–30 queries a run, each a
# round trip to the catalog on a lake); the answers cannot change within a run except by the run's
# own writes (data_changed).
_RUN_FACTS = "_pdm_run_facts"


def begin_run() -> None:
    """Called first on every run (app.py): facts of an earlier run are not taken for this one's."""
    st.session_state[_RUN_FACTS] = {}


def _once_per_run(fact: str, ask: Callable[[], R]) -> R:
    facts: dict[str, Any] = st.session_state.setdefault(_RUN_FACTS, {})
    if fact not in facts:
        facts[fact] = ask()
    return cast(R, facts[fact])


def data_changed() -> None:
    """After a write: every cached view and this run's facts are worked out again."""
    st.cache_data.clear()
    begin_run()


def has_real_data() -> bool:
    return _once_per_run("real data", lambda: bool(store.snapshot_dates(connection())))


def _data_version(sample: bool) -> int:
    return _once_per_run(
        f"version {sample}", lambda: store.data_version(sample_connection() if sample else connection())
    )


def showing_sample() -> bool:
    """The sample shows while no real snapshot exists, or when the viewer asked for it."""
    return not has_real_data() or bool(st.session_state.get(SHOW_SAMPLE, False))


def shown_connection() -> store.Connection:
    """The database the pages read: the sample or the real one, never both."""
    return sample_connection() if showing_sample() else connection()


_VIEWS: dict[str, Callable[..., object]] = {}


# A view's arguments are keyed by their repr: these frozen dataclasses of dates, texts and tuples
# print every field. Streamlit's own hashing walks them field by field, 3,5 ms for one call's
# calendar and filters, paid by some 20 views on every run; a repr takes 0,1 ms.
_KEYED_BY_REPR: dict[type | str, Callable[[Any], Any]] = {
    kind: repr for kind in (Campaign, Stage, Calendar, common.Filters)
}


# What a view is handed besides its arguments, from other cache entries (view name -> a function
# of its arguments giving keyword arguments): worked out only when the view itself is.
_GIVEN: dict[str, Callable[..., dict[str, object]]] = {}


@st.cache_data(show_spinner=False, max_entries=256, hash_funcs=_KEYED_BY_REPR)
def _cached_result(name: str, sample: bool, version: int, args: tuple[object, ...]) -> object:
    given = _GIVEN[name](*args) if name in _GIVEN else {}
    return _VIEWS[name](sample_connection() if sample else connection(), *args, **given)


def cached(
    view: Callable[Concatenate[store.Connection, P], R],
    agency: bool = False,
    given: Callable[..., dict[str, object]] | None = None,
) -> Callable[P, R]:
    """`view` without its connection argument, computed once per database, data version and arguments.
    With `agency`, it reads the agency's own settings (the deadline extensions) in the real
    database whatever data are shown. `given(*args)` names what the view is handed from other
    cache entries (keyword arguments): what several views share is worked out once."""
    name = f"{view.__module__}.{view.__qualname__}"
    _VIEWS[name] = view
    if given is not None:
        _GIVEN[name] = given

    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        if kwargs:
            raise TypeError(f"{name}: cached views take positional arguments only")
        sample = not agency and showing_sample()
        return cast(R, _cached_result(name, sample, _data_version(sample), args))

    return call


def _units_of(calendar: Calendar, filters: common.Filters, *_: object) -> dict[str, object]:
    """The selection's counts per OPD, one entry for every snapshot shown: another date reads none."""
    return {"units": unit_counts(replace(filters, snapshot_date=None))}


def _paces_of(calendar: Calendar, filters: common.Filters, *_: object) -> dict[str, object]:
    """The selection's paces, one entry for Ringkasan's verdicts and at-risk list and Tren's line and table."""
    return {"paces": selection_paces(calendar, filters)}


sidebar_choices_of = cached(common.sidebar_choices)  # of one campaign (its key)
campaign_choices = cached(common.campaign_choices)
_database_campaign = cached(store.current_campaign)
calendar_in_force = cached(common.calendar_in_force, agency=True)
unit_counts = cached(tren.unit_counts)
selection_paces = cached(tren.selection_paces, given=_units_of)
overview = cached(ringkasan.overview, given=_paces_of)
trend = cached(tren.trend, given=_paces_of)
pace_view = cached(tren.pace_view, given=_paces_of)
_at_risk_opd = cached(tren.at_risk_opd, given=_paces_of)
opd_overview = cached(opd.opd_overview)
opd_detail = cached(opd.opd_detail)
data_page = cached(data.data_page)
calendar_view = cached(kalender.calendar_view, agency=True)
changes = cached(perubahan.changes)
follow_up = cached(tindak_lanjut.follow_up)
email_risk = cached(tindak_lanjut.email_risk)
sanctions = cached(tindak_lanjut.sanctions)
nip_profile = cached(profil.nip_profile)
_report_pdf = cached(laporan.report_pdf)
report_name = cached(laporan.report_name)


# The sidebar's Kampanye choice (a campaign key), shown when the database holds more than one.
CAMPAIGN_CHOICE = "kampanye"


def current_campaign() -> Campaign:
    """The campaign every page shows: the one chosen in the sidebar, else the database's own
    (that of its newest snapshot, common.campaign_choices' first)."""
    choices = campaign_choices()
    chosen = st.session_state.get(CAMPAIGN_CHOICE)
    for campaign in choices:
        if campaign.key == chosen:
            return campaign
    return choices[0] if choices else _database_campaign()  # none kept yet: the store's own rule


def sidebar_choices() -> common.SidebarChoices:
    """The sidebar's dates (of the campaign shown) and units."""
    return sidebar_choices_of(current_campaign().key)


def calendar() -> Calendar:
    """The calendar in force of the campaign shown: its definition plus the extensions the agency recorded."""
    return calendar_in_force(current_campaign())


def at_risk_opd(filters: common.Filters) -> pd.DataFrame:
    """Ringkasan's at-risk list, from the paces Tren's table and line show too (nationally they take seconds)."""
    return _at_risk_opd(calendar(), filters)


def report_pdf(filters: common.Filters, generated_on: date) -> tuple[date | None, bytes]:
    """The PDF from the overview and at-risk rows Ringkasan already has in the cache: the same
    figures, without the pace of every OPD worked out again (1,5 s at 1 M ASN)."""
    return _report_pdf(calendar(), filters, generated_on, overview(calendar(), filters), at_risk_opd(filters))


def audit_log() -> pd.DataFrame:
    """Not cached: logins and downloads append to the log without a new data version."""
    return audit.audit_log(connection())
