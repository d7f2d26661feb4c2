"""Tren & Tenggat: the trend against the deadlines, and each OPD's pace and projection (Laju & proyeksi)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pdm_metrics import charts, store
from pdm_metrics.deadlines import Calendar
from pdm_metrics.fmt import (
    format_date,
    format_decimals,
    format_hundredths,
    format_int,
)
from pdm_metrics.metrics import (
    Metric,
    Rates,
    cumulative_activation,
    rate_points,
    rates_from_counts,
)
from pdm_metrics.pace import pace, pace_frame
from pdm_metrics.views.common import (
    Filters,
    selected_day,
    selection_counts,
)


def _series_for(rates: list[Rates], name_prefix: str, dash: str) -> list[charts.Series]:
    result = []
    for metric in Metric:
        result.append(
            charts.Series(
                name=f"{name_prefix}{metric.label}",
                metric=metric,
                dates=[r.snapshot_date for r in rates],
                rates=[r.rate(metric) for r in rates],
                counts=[charts.count_label(r.count(metric), r.total) for r in rates],
                dash=dash,
            )
        )
    return result


def _activation_curve(con: store.Connection, filters: Filters, day: date, total: int) -> pd.DataFrame:
    """Cumulative activation per day of one snapshot, from its activation dates."""
    per_day = store.activation_counts_by_day(con, day, filters.opd_keys or None, filters.jenis_asn or None)
    return cumulative_activation(per_day, total)


def _cumulative_series(curve: pd.DataFrame, day: date, total: int) -> charts.Series | None:
    if curve.empty:
        return None
    return charts.Series(
        name=f"Aktivasi harian (tanggal aktivasi, snapshot {format_date(day)})",
        metric=Metric.ACTIVATION,
        dates=[pd.Timestamp(d).date() for d in curve["day"]],
        rates=list(curve["rate"]),
        counts=[f"{format_int(int(c))} dari {format_int(total)}" for c in curve["cumulative"]],
        dash="dot",
        mode="lines",
    )


def _curve_points(curve: pd.DataFrame) -> list[tuple[date, float]]:
    return [(pd.Timestamp(d).date(), float(r)) for d, r in zip(curve["day"], curve["rate"], strict=True)]


@dataclass
class TrendView:
    figure: go.Figure
    latest: Rates | None
    notes: list[str]


def trend(con: store.Connection, calendar: Calendar, filters: Filters, compare_opd_key: str | None = None) -> TrendView:
    rates = rates_from_counts(selection_counts(con, filters, False, None))
    notes = []
    if not rates:
        fig = charts.trend_figure([], calendar, "Belum ada data snapshot")
        return TrendView(fig, None, ["Belum ada snapshot. Unggah berkas di halaman Unggah Snapshot."])
    series = _series_for(rates, "", "solid")
    day = (
        filters.snapshot_date if filters.snapshot_date in {r.snapshot_date for r in rates} else rates[-1].snapshot_date
    )
    total = next(r.total for r in rates if r.snapshot_date == day)
    curve = _activation_curve(con, filters, day, total)
    cumulative = _cumulative_series(curve, day, total)
    if cumulative is not None:
        series.append(cumulative)
    else:
        notes.append("Snapshot ini tidak memuat tanggal aktivasi, jadi kurva harian tidak dapat digambar.")
    earlier = [r for r in rates if r.snapshot_date <= day]
    series += projection_series(earlier, day, calendar, _curve_points(curve))
    if compare_opd_key:
        opd_filters = Filters(filters.snapshot_date, (compare_opd_key,), filters.jenis_asn)
        opd_counts = selection_counts(con, opd_filters, True, None)
        if not opd_counts.empty:
            name = str(opd_counts["opd"].iloc[-1])
            series += _series_for(rates_from_counts(opd_counts), f"{name}: ", "dash")
    title = f"Perkembangan PDM ({filters.description})"
    return TrendView(charts.trend_figure(series, calendar, title), rates[-1], notes)


def _points(rates: list[Rates], metric: Metric) -> list[tuple[date, float]]:
    return [(r.snapshot_date, float(v)) for r in rates if (v := r.rate(metric)) is not None]


def pace_table(con: store.Connection, calendar: Calendar, filters: Filters) -> tuple[date | None, pd.DataFrame]:
    """Per OPD and overall, for each phase with a rate on the snapshot date: pace and projection."""
    day = selected_day(con, filters)
    if day is None:
        return None, pd.DataFrame()
    overall = selection_counts(con, filters, False, None).assign(opd="Semua OPD")
    counts = pd.concat([overall, selection_counts(con, filters, True, None)], ignore_index=True)
    on_day = counts["snapshot_date"].dt.date == day
    # Each OPD as a number, in order of first appearance (overall first): 30.000 OPD nationally
    # group and match far faster as numbers than as names.
    codes, names = pd.factorize(counts["opd"])
    parts = []
    for position, metric in enumerate(Metric):
        points = pd.DataFrame({"group": codes, "day": counts["snapshot_date"], "value": rate_points(counts, metric)})
        points = points[points["value"].notna()]
        measured = points.loc[on_day[points.index], "group"].unique()
        found = pace_frame(points, day, calendar.phase_for(metric))
        parts.append(_pace_rows(found[found["group"].isin(measured)], metric, position, names))
    table = pd.concat(parts, ignore_index=True)
    if table.empty:
        return day, pd.DataFrame()
    table = table.sort_values(["_order", "_metric"]).drop(columns=["_order", "_metric"])
    table = table.sort_values(["Berisiko", "_proj"], ascending=[False, True]).drop(columns="_proj")
    return day, table.reset_index(drop=True)


def _pace_rows(found: pd.DataFrame, metric: Metric, position: int, names: pd.Index) -> pd.DataFrame:
    """The display rows of one phase's pace_frame over OPD numbers (`names` says which OPD each is)."""
    projected = found["projected"]
    projected_texts = format_decimals(projected.fillna(0))
    return pd.DataFrame(
        {
            "OPD": names.take(found["group"].to_numpy()),
            "Tahap": metric.label,
            # a rate_points value, so exactly hundredths
            "Persentase": [format_hundredths(h) for h in (found["rate"] * 100).round().astype(int).tolist()],
            "Proyeksi saat tenggat": [
                "-" if is_missing else f"{text}%"
                for is_missing, text in zip(projected.isna().tolist(), projected_texts, strict=True)
            ],
            "Keterangan": found["description"].to_numpy(),
            "Berisiko": np.where(found["at_risk"].to_numpy(), "Ya", "Tidak"),
            "_proj": projected.fillna(-1.0).to_numpy(),
            "_order": found["group"].to_numpy(),
            "_metric": position,
        }
    )


def at_risk_opd(con: store.Connection, calendar: Calendar, filters: Filters) -> pd.DataFrame:
    """The OPD that will miss a still-open deadline at their current pace (for the Ringkasan page)."""
    return at_risk_rows(pace_table(con, calendar, filters)[1])


def at_risk_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The at-risk OPD rows of a pace_table."""
    if table.empty:
        return table
    risky = table[(table["Berisiko"] == "Ya") & (table["OPD"] != "Semua OPD")]
    return risky[["OPD", "Tahap", "Persentase", "Proyeksi saat tenggat", "Keterangan"]].reset_index(drop=True)


def projection_series(
    rates: list[Rates], day: date, calendar: Calendar, daily: list[tuple[date, float]]
) -> list[charts.Series]:
    """Dotted lines from the snapshot's rate to the projected rate on each open deadline."""
    result = []
    for metric in Metric:
        points = _points(rates, metric)
        if not any(d == day for d, _ in points):
            continue
        phase = calendar.phase_for(metric)
        projected = pace(points, day, phase, daily if metric == Metric.ACTIVATION else [])
        if projected.projected is None:
            continue
        result.append(
            charts.Series(
                name=f"Proyeksi {metric.label}",
                metric=metric,
                dates=[day, phase.end],
                rates=[Decimal(str(round(projected.rate, 2))), Decimal(str(round(projected.projected, 2)))],
                counts=["saat ini", projected.describe()],
                dash="dot",
                mode="lines+markers",
            )
        )
    return result
