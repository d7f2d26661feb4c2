"""OPD: ranking and heatmap of every unit, and one OPD's trend and missing names."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go

from pdm_metrics import charts, store
from pdm_metrics.campaign import Stage
from pdm_metrics.deadlines import Calendar
from pdm_metrics.fmt import (
    format_date,
    format_int,
    format_pct,
)
from pdm_metrics.metrics import (
    rate_pct,
    rates_frame,
    rates_from_counts,
)
from pdm_metrics.views.common import (
    CHART_UNITS,
    Filters,
    by_name,
    lowest_and_highest,
    roster_display,
    selected_day,
    selection_counts,
)
from pdm_metrics.views.tren import trend


def _rate_label(rate: Decimal | None, count: object, total: int) -> str:
    if rate is None:
        return "tidak tersedia"
    return f"{format_pct(rate)} ({format_int(int(count))} dari {format_int(total)})"  # type: ignore[call-overload]


@dataclass
class OpdView:
    snapshot_date: date
    ranking: go.Figure
    heatmap: go.Figure
    choices: list[tuple[str, str]]  # (opd_key, name)


UNIT_LABELS = {"opd": "OPD", "instansi": "instansi"}


def _bar_label(done: int, total: int, stage: Stage, by_missing: bool) -> str:
    """What a bar says beside its OPD: the figure it is ordered by ("1.118 belum verifikasi dari
    1.832" when ordered by people still to chase, "714 dari 1.832" when by percentage)."""
    if by_missing:
        return f"{format_int(total - done)} belum {stage.word} dari {format_int(total)}"
    return charts.count_label(done, total)


def opd_overview(
    con: store.Connection, filters: Filters, stage: Stage, level: str = "opd", most_missing_first: bool = False
) -> OpdView | None:
    """Ranking and heatmap of every unit: lowest rate first, or with `most_missing_first` the
    units with the most ASN still to chase first (a large OPD at 95 % can hold half of them)."""
    day = selected_day(con, filters)
    if day is None:
        return None
    current = rates_frame(selection_counts(con, filters, True, day, level), (stage,))
    ranked = current[current[stage.rate_column].notna()].sort_values([stage.rate_column, "opd"], key=by_name)
    if most_missing_first:
        missing = ranked["total"] - ranked[stage.done_column]
        ranked = ranked.assign(_missing=-missing).sort_values(["_missing", "opd"], key=by_name).drop(columns="_missing")
    available, left_out = lowest_and_highest(ranked)
    # The history is read for the units the charts show only (50 of 30.000 OPD nationally).
    shown_units = filters
    if left_out and level == "opd":
        shown_units = replace(filters, opd_keys=tuple(available["opd_key"]))
    all_rates = rates_frame(selection_counts(con, shown_units, True, None, level), (stage,))
    unit = UNIT_LABELS[level]
    order = f"ASN belum {stage.word} terbanyak" if most_missing_first else stage.label
    title = f"Peringkat {unit} menurut {order}, {format_date(day)}"
    if left_out:
        title += f" ({CHART_UNITS} terendah dan {CHART_UNITS} tertinggi; {format_int(left_out)} lainnya digabung)"
    if available.empty:
        title += " (tidak tersedia pada snapshot ini)"
    columns = (available["opd"], available[stage.rate_column], available[stage.done_column], available["total"])
    bars = [(str(name), rate, int(part), int(total)) for name, rate, part, total in zip(*columns, strict=True)]
    if left_out:
        # The units between the lowest and the highest, as one bar: nothing drops out of sight.
        rest = ranked[~ranked["opd_key"].isin(available["opd_key"])]
        part, total = int(rest[stage.done_column].sum()), int(rest["total"].sum())
        combined = (f"Gabungan {format_int(left_out)} {unit} lainnya", rate_pct(part, total), part, total)
        bars.insert(CHART_UNITS, combined)
    ranking = charts.ranking_figure(
        [b[0] for b in bars],
        [b[1] for b in bars],
        [_bar_label(part, total, stage, most_missing_first) for _, _, part, total in bars],
        stage,
        title,
    )
    all_rates = all_rates[all_rates["opd_key"].isin(available["opd_key"])] if left_out else all_rates
    heat = all_rates.assign(
        rate=all_rates[stage.rate_column],
        rate_float=pd.Series(
            [None if r is None else float(r) for r in all_rates[stage.rate_column]], index=all_rates.index, dtype=float
        ),
        label=[
            _rate_label(r, c, int(t))
            for r, c, t in zip(
                all_rates[stage.rate_column], all_rates[stage.done_column], all_rates["total"], strict=True
            )
        ],
    )
    heatmap = charts.heatmap_figure(heat, stage, f"{stage.label} per {unit} dari waktu ke waktu")
    choices = list(current.sort_values("opd", key=by_name)[["opd_key", "opd"]].itertuples(index=False, name=None))
    return OpdView(day, ranking, heatmap, choices)


@dataclass
class OpdDetail:
    name: str
    figure: go.Figure
    missing: dict[Stage, pd.DataFrame]  # display frames of ASN who have not yet done each stage
    available: dict[Stage, bool]
    units: pd.DataFrame  # the units (UNOR) the OPD is made of, lowest headline rate first; empty for one unit


def opd_detail(con: store.Connection, calendar: Calendar, filters: Filters, opd_key: str) -> OpdDetail:
    only = replace(filters, opd_keys=(opd_key,))
    campaign = calendar.campaign
    view = trend(con, calendar, only)
    day = selected_day(con, filters) or date.today()  # the page only offers OPD once data exist
    rates = rates_from_counts(selection_counts(con, only, False, day))
    missing: dict[Stage, pd.DataFrame] = {}
    available: dict[Stage, bool] = {}
    for stage in campaign.stages:
        available[stage] = bool(rates) and rates[0].count(stage) is not None
        where = store.RosterFilter(
            opd_keys=(opd_key,), jenis_asn=filters.jenis_asn or None, done=((stage.slot, False),), campaign=campaign.key
        )
        rows = roster_display(store.roster_rows(con, day, where), campaign) if available[stage] else pd.DataFrame()
        missing[stage] = filters.shown(rows)
    names = store.summary_counts(con, by_opd=True, opd_keys=[opd_key], campaign=campaign.key)
    name = str(names["opd"].iloc[-1]) if not names.empty else opd_key
    view.figure.update_layout(title={"text": f"Perkembangan {campaign.short_name}: {name}"})
    units = _unit_table(con, day, opd_key, filters, campaign.headline_stage, available)
    return OpdDetail(name, view.figure, missing, available, units)


def _unit_table(
    con: store.Connection, day: date, opd_key: str, filters: Filters, headline: Stage, available: dict[Stage, bool]
) -> pd.DataFrame:
    """Per unit of the OPD (SIASN's UNOR, grouped by the Peta Unit Kerja), lowest headline rate first."""
    units = store.unit_counts(con, day, opd_key, list(filters.jenis_asn) or None, filters.campaign_key)
    if len(units) < 2:
        return pd.DataFrame()
    table = pd.DataFrame({"Unit kerja": units["unit"], "Jumlah ASN": units["total"].map(format_int)})
    for stage in available:
        table[stage.label] = [
            format_pct(rate_pct(int(done), int(total))) if available[stage] else format_pct(None)
            for done, total in zip(units[stage.done_column], units["total"], strict=True)
        ]
    order = (units[headline.done_column] / units["total"]).sort_values(kind="stable").index
    return table.loc[order].reset_index(drop=True)
