"""Tren & Tenggat: the trend against the deadlines, and each OPD's pace and projection (Laju & proyeksi)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pdm_metrics import charts, pace, store
from pdm_metrics.campaign import Campaign, Stage
from pdm_metrics.deadlines import Calendar
from pdm_metrics.fmt import (
    format_date,
    format_int,
)
from pdm_metrics.metrics import (
    Rates,
    cumulative_done,
    rates_from_counts,
)
from pdm_metrics.pace import OVERALL, PhasePace
from pdm_metrics.views.common import (
    SHOWN_ROWS,
    Filters,
    selected_day,
    selection_counts,
)


def _series_for(rates: list[Rates], campaign: Campaign, name_prefix: str, dash: str) -> list[charts.Series]:
    result = []
    for stage in campaign.stages:
        result.append(
            charts.Series(
                name=f"{name_prefix}{stage.label}",
                stage=stage,
                dates=[r.snapshot_date for r in rates],
                rates=[r.rate(stage) for r in rates],
                counts=[charts.count_label(r.count(stage), r.total) for r in rates],
                dash=dash,
            )
        )
    return result


def _daily_curve(con: store.Connection, filters: Filters, stage: Stage, day: date, total: int) -> pd.DataFrame:
    """How many had done `stage` by each day of one snapshot, from the days its file gives."""
    per_day = store.done_counts_by_day(
        con, day, stage.slot, filters.opd_keys or None, filters.jenis_asn or None, campaign=filters.campaign_key
    )
    return cumulative_done(per_day, total)


def _latest_with_days(con: store.Connection, stage: Stage, day: date, campaign: str | None) -> date | None:
    """The latest snapshot up to `day` whose file carried the days `stage` was done."""
    snapshots = store.list_snapshots(con, campaign)
    carried = snapshots[(snapshots["snapshot_date"].dt.date <= day) & snapshots[stage.has_date_flag].astype(bool)]
    return None if carried.empty else carried["snapshot_date"].iloc[-1].date()


def _cumulative_series(curve: pd.DataFrame, stage: Stage, day: date, total: int) -> charts.Series | None:
    if curve.empty:
        return None
    return charts.Series(
        name=f"{stage.label} harian (tanggal {stage.word}, snapshot {format_date(day)})",
        stage=stage,
        dates=[pd.Timestamp(d).date() for d in curve["day"]],
        rates=list(curve["rate"]),
        counts=[f"{format_int(int(c))} dari {format_int(total)}" for c in curve["cumulative"]],
        dash="dot",
        mode="lines",
    )


@dataclass
class TrendView:
    figure: go.Figure
    latest: Rates | None
    notes: list[str]


def trend(
    con: store.Connection,
    calendar: Calendar,
    filters: Filters,
    compare_opd_key: str | None = None,
    paces: pace.SelectionPaces | None = None,
) -> TrendView:
    """The selection's rates over time against the deadlines, its daily curves, the projection
    line of each open stage (from `paces`, when already worked out for this selection) and, with
    `compare_opd_key`, one OPD's rates dashed beside it."""
    rates = rates_from_counts(selection_counts(con, filters, False, None))
    notes: list[str] = []
    if not rates:
        fig = charts.trend_figure([], calendar, "Belum ada data snapshot")
        return TrendView(fig, None, ["Belum ada snapshot. Unggah berkas di halaman Unggah Snapshot."])
    campaign = calendar.campaign
    series = _series_for(rates, campaign, "", "solid")
    day = (
        filters.snapshot_date if filters.snapshot_date in {r.snapshot_date for r in rates} else rates[-1].snapshot_date
    )
    for stage in (s for s in campaign.stages if s.date_aliases):
        series += _daily_series(con, filters, stage, day, rates, notes)
    series += projection_series(day, calendar, overall_paces(con, calendar, replace(filters, snapshot_date=day), paces))
    if compare_opd_key:
        opd_filters = replace(filters, opd_keys=(compare_opd_key,))
        opd_counts = selection_counts(con, opd_filters, True, None)
        if not opd_counts.empty:
            name = str(opd_counts["opd"].iloc[-1])
            series += _series_for(rates_from_counts(opd_counts), campaign, f"{name}: ", "dash")
    title = f"Perkembangan {campaign.name} ({filters.description})"
    return TrendView(charts.trend_figure(series, calendar, title), rates[-1], notes)


def _daily_series(
    con: store.Connection, filters: Filters, stage: Stage, day: date, rates: list[Rates], notes: list[str]
) -> list[charts.Series]:
    """The curve of `stage` done by day, from the latest snapshot up to `day` that gives the days
    (and a note where that is not `day`'s own, or none does)."""
    curve_day = _latest_with_days(con, stage, day, filters.campaign_key)
    if curve_day is None:
        notes.append(
            f"Tidak ada snapshot sampai tanggal ini yang memuat tanggal {stage.word}: kurva harian tidak tersedia."
        )
        return []
    if curve_day != day:
        notes.append(
            f"Snapshot {format_date(day)} tidak memuat tanggal {stage.word}: kurva harian memakai snapshot "
            f"{format_date(curve_day)}."
        )
    total = next(r.total for r in rates if r.snapshot_date == curve_day)
    cumulative = _cumulative_series(_daily_curve(con, filters, stage, curve_day, total), stage, curve_day, total)
    return [] if cumulative is None else [cumulative]


def unit_counts(con: store.Connection, filters: Filters) -> pd.DataFrame:
    """The selection's counts per OPD on every snapshot (what every snapshot's paces are made of)."""
    return selection_counts(con, filters, True, None)


def selection_paces(
    con: store.Connection,
    calendar: Calendar,
    filters: Filters,
    with_units: bool = True,
    units: pd.DataFrame | None = None,
) -> pace.SelectionPaces | None:
    """pace.stage_paces of the whole selection and, `with_units`, each OPD, as of the snapshot
    shown (None without data); `units`: unit_counts of the selection, when already read (they
    are the same whichever snapshot is shown). The app works it out once per selection and
    snapshot (ui.cache) and hands it to every view that shows a pace."""
    day = selected_day(con, filters)
    if day is None:
        return None
    overall = selection_counts(con, filters, False, None).assign(opd=OVERALL, opd_key=None)
    counts = overall
    if with_units:
        units = unit_counts(con, filters) if units is None else units
        counts = pd.concat([overall, units], ignore_index=True)

    def daily(stage: Stage, on_day: pd.DataFrame, codes: np.ndarray) -> pd.DataFrame:
        return _daily_points(con, filters, stage, day, on_day, codes)

    names, found = pace.stage_paces(counts, calendar, day, daily)
    return pace.SelectionPaces(day, calendar, overall, names, found)


def _daily_points(
    con: store.Connection, filters: Filters, stage: Stage, day: date, on_day: pd.DataFrame, codes: np.ndarray
) -> pd.DataFrame:
    """Each group's rate of `stage` on every day of the snapshot `day`, from the days its file
    gives (group, day, value): a pace for a group that one snapshot alone cannot give."""
    per_unit = store.done_counts_by_day(
        con,
        day,
        stage.slot,
        filters.opd_keys or None,
        filters.jenis_asn or None,
        per_unit=True,
        campaign=filters.campaign_key,
    )
    overall = per_unit.groupby("day", as_index=False)["done"].sum().assign(opd_key=None)
    group_of = {key: code for key, code in zip(on_day["opd_key"], codes, strict=True) if key is not None}
    total_of = dict(zip(codes, on_day["total"], strict=True))
    per_unit = per_unit.assign(group=per_unit["opd_key"].map(group_of)).dropna(subset=["group"])
    frame = pd.concat([overall.assign(group=0), per_unit], ignore_index=True).astype({"group": int})
    frame = frame.sort_values(["group", "day"])
    cumulative = frame.groupby("group")["done"].cumsum()
    totals = frame["group"].map(total_of).astype(float)
    return pd.DataFrame({"group": frame["group"], "day": frame["day"], "value": cumulative / totals * 100})


def overall_paces(
    con: store.Connection, calendar: Calendar, filters: Filters, paces: pace.SelectionPaces | None = None
) -> dict[Stage, PhasePace]:
    """The whole selection's pace on each stage with a rate on the shown snapshot (`paces`: as
    already worked out for this selection, else only the whole selection's is)."""
    paces = paces or selection_paces(con, calendar, filters, with_units=False)
    return {} if paces is None else paces.overall()


@dataclass(frozen=True)
class PaceView:
    """Tren's Laju & proyeksi table as the page shows it: its first rows written out (a national
    table has 90.000), the whole table written when it is downloaded."""

    shown: pd.DataFrame  # the table's first SHOWN_ROWS rows, worst first
    paces: pace.SelectionPaces

    @property
    def day(self) -> date:
        return self.paces.day

    @property
    def rows(self) -> int:
        """How many rows the whole table has."""
        return self.paces.rows

    def download(self) -> pd.DataFrame:
        """Every row, as the laju CSV/XLSX holds them (pace.for_download)."""
        return pace.for_download(self.paces.table())


def pace_view(
    con: store.Connection, calendar: Calendar, filters: Filters, paces: pace.SelectionPaces | None = None
) -> PaceView | None:
    """Per OPD and overall, for each stage with a rate on the snapshot date: pace and projection,
    as the Tren page shows them (None without data)."""
    paces = paces or selection_paces(con, calendar, filters)
    return None if paces is None else PaceView(paces.table(SHOWN_ROWS), paces)


def at_risk_opd(
    con: store.Connection, calendar: Calendar, filters: Filters, paces: pace.SelectionPaces | None = None
) -> pd.DataFrame:
    """The OPD that will miss a still-open deadline at their current pace (for the Ringkasan page)."""
    paces = paces or selection_paces(con, calendar, filters)
    return pd.DataFrame() if paces is None else paces.at_risk()


def projection_series(day: date, calendar: Calendar, paces: dict[Stage, PhasePace]) -> list[charts.Series]:
    """Dotted lines from the snapshot's rate to the projected rate on each open deadline."""
    result = []
    for stage, found in paces.items():
        if found.projected is None:
            continue
        end = calendar.phase_for(stage).end
        dates, rates, said = [day, end], [found.rate, found.projected], ["saat ini", found.description]
        if found.full_on is not None and day < found.full_on < end:  # 100 % before the deadline: the line says when
            dates, rates = [day, found.full_on, end], [found.rate, 100.0, 100.0]
            said = ["saat ini", f"100% sekitar {format_date(found.full_on)}", found.description]
        result.append(
            charts.Series(
                name=f"Proyeksi {stage.label}",
                stage=stage,
                dates=dates,
                rates=[Decimal(str(round(r, 2))) for r in rates],
                counts=said,
                dash="dot",
                mode="lines+markers",
            )
        )
    return result
