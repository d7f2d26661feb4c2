"""Tren & Tenggat: the trend against the deadlines, and each OPD's pace and projection (Laju & proyeksi)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pdm_metrics import charts, store
from pdm_metrics.campaign import Campaign, Stage
from pdm_metrics.deadlines import Calendar
from pdm_metrics.fmt import (
    format_date,
    format_decimals,
    format_hundredths,
    format_int,
)
from pdm_metrics.metrics import (
    Rates,
    cumulative_done,
    rate_points,
    rates_from_counts,
)
from pdm_metrics.pace import STANDING_ORDER, Standing, pace_frame
from pdm_metrics.verdict import PhasePace
from pdm_metrics.views.common import (
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
    per_day = store.done_counts_by_day(con, day, stage.slot, filters.opd_keys or None, filters.jenis_asn or None)
    return cumulative_done(per_day, total)


def _latest_with_days(con: store.Connection, stage: Stage, day: date) -> date | None:
    """The latest snapshot up to `day` whose file carried the days `stage` was done."""
    snapshots = store.list_snapshots(con)
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


def trend(con: store.Connection, calendar: Calendar, filters: Filters, compare_opd_key: str | None = None) -> TrendView:
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
    series += projection_series(day, calendar, overall_paces(con, calendar, replace(filters, snapshot_date=day)))
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
    curve_day = _latest_with_days(con, stage, day)
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


OVERALL = "Semua OPD"


def _phase_paces(
    con: store.Connection, calendar: Calendar, filters: Filters, day: date, with_units: bool
) -> tuple[pd.Index, dict[Stage, pd.DataFrame]]:
    """pace.pace_frame of each phase for the whole selection (group 0, OVERALL) and, `with_units`,
    each OPD; only for those with a rate on `day`. Groups are numbers (`names` says which is
    which): 30.000 OPD nationally group and match far faster as numbers than as names.

    This one computation gives the Tren table, its projection line and Ringkasan's verdict."""
    overall = selection_counts(con, filters, False, None).assign(opd=OVERALL, opd_key=None)
    counts = overall
    if with_units:
        counts = pd.concat([overall, selection_counts(con, filters, True, None)], ignore_index=True)
    on_day = counts["snapshot_date"].dt.date == day
    codes, names = pd.factorize(counts["opd"])
    found = {}
    for stage in calendar.campaign.stages:
        points = pd.DataFrame({"group": codes, "day": counts["snapshot_date"], "value": rate_points(counts, stage)})
        points = points[points["value"].notna()]
        measured = points.loc[on_day[points.index], "group"].unique()
        phase = calendar.phase_for(stage)
        paces = pace_frame(points, day, phase)
        # One snapshot gives no pace; the days the file says the stage was done can.
        if stage.date_aliases and paces.loc[paces["group"].isin(measured), "per_day"].isna().any():
            daily = _daily_points(con, filters, stage, day, counts[on_day], codes[on_day.to_numpy()])
            paces = pace_frame(points, day, phase, daily)
        found[stage] = paces[paces["group"].isin(measured)]
    return names, found


def _daily_points(
    con: store.Connection, filters: Filters, stage: Stage, day: date, on_day: pd.DataFrame, codes: np.ndarray
) -> pd.DataFrame:
    """Each group's rate of `stage` on every day of the snapshot `day`, from the days its file
    gives (group, day, value): a pace for a group that one snapshot alone cannot give."""
    per_unit = store.done_counts_by_day(
        con, day, stage.slot, filters.opd_keys or None, filters.jenis_asn or None, per_unit=True
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


def overall_paces(con: store.Connection, calendar: Calendar, filters: Filters) -> dict[Stage, PhasePace]:
    """The whole selection's pace on each phase with a rate on the shown snapshot."""
    day = selected_day(con, filters)
    if day is None:
        return {}
    _, found = _phase_paces(con, calendar, filters, day, with_units=False)
    paces = {stage: _phase_pace(rows.iloc[0]) for stage, rows in found.items() if not rows.empty}
    unmeasured = [stage for stage, pace in paces.items() if pace.per_day is None]
    if unmeasured:  # the verdict says why, naming the snapshots that lack the status (read only then)
        counts = selection_counts(con, filters, False, None)
        for stage in unmeasured:
            paces[stage] = replace(paces[stage], unmeasured_because=_unmeasured_because(counts, stage, day))
    return paces


def _unmeasured_because(counts: pd.DataFrame, stage: Stage, day: date) -> str:
    """Why the snapshots up to `day` cannot measure a pace on `stage`: there is one snapshot, or
    the others lack its status column (named, latest first)."""
    upto = counts[counts["snapshot_date"].dt.date <= day]
    lacking = upto.loc[rate_points(upto, stage).isna(), "snapshot_date"].dt.date.tolist()
    if len(upto) < 2:
        return "baru ada satu snapshot"
    if not lacking:
        return "laju perlu dua snapshot yang memuat status ini"
    named = " dan ".join(format_date(d) for d in sorted(lacking, reverse=True)[:2])
    more = f" (dan {format_int(len(lacking) - 2)} snapshot lain)" if len(lacking) > 2 else ""
    return f"snapshot {named}{more} tidak memuat status {stage.word}"


def _phase_pace(row: pd.Series) -> PhasePace:
    def number(value: float) -> float | None:
        return None if math.isnan(value) else value

    return PhasePace(
        rate=float(row["rate"]),
        per_day=number(float(row["per_day"])),
        needed_per_day=number(float(row["needed_per_day"])),
        projected=number(float(row["projected"])),
        full_on=row["full_on"],
        description=str(row["description"]),
    )


def pace_table(con: store.Connection, calendar: Calendar, filters: Filters) -> tuple[date | None, pd.DataFrame]:
    """Per OPD and overall, for each phase with a rate on the snapshot date: pace and projection."""
    day = selected_day(con, filters)
    if day is None:
        return None, pd.DataFrame()
    names, found = _phase_paces(con, calendar, filters, day, with_units=True)
    stages = calendar.campaign.stages
    parts = [_pace_rows(found[stage], stage, position, names) for position, stage in enumerate(stages)]
    table = pd.concat(parts, ignore_index=True)
    if table.empty:
        return day, pd.DataFrame()
    table = table.sort_values(["_order", "_stage"]).drop(columns=["_order", "_stage"])
    worst_first = table["Status"].map({str(s): rank for rank, s in enumerate(STANDING_ORDER)})
    table = table.assign(_rank=worst_first).sort_values(["_rank", "_proj"], kind="stable")
    return day, table.drop(columns=["_rank", "_proj"]).reset_index(drop=True)


def _pace_rows(found: pd.DataFrame, stage: Stage, position: int, names: pd.Index) -> pd.DataFrame:
    """The display rows of one phase's pace_frame over OPD numbers (`names` says which OPD each is)."""
    projected = found["projected"]
    projected_texts = format_decimals(projected.fillna(0))
    return pd.DataFrame(
        {
            "OPD": names.take(found["group"].to_numpy()),
            "Tahap": stage.label,
            # a rate_points value, so exactly hundredths
            "Persentase": [format_hundredths(h) for h in (found["rate"] * 100).round().astype(int).tolist()],
            # Terlewat, Berisiko, Belum terukur, Sesuai jalur or Tercapai: never "at risk" for want of data.
            # Beside the figures (a long Keterangan would push it off a laptop's screen).
            "Status": found["standing"].to_numpy(),
            "Proyeksi saat tenggat": [
                _projection_text(missing, text, standing)
                for missing, text, standing in zip(
                    projected.isna().tolist(), projected_texts, found["standing"].tolist(), strict=True
                )
            ],
            "Keterangan": found["description"].to_numpy(),
            # Worst first: by the rate on the deadline, or where no pace is measured yet, by today's.
            "_proj": projected.fillna(found["rate"]).to_numpy(),
            "_order": found["group"].to_numpy(),
            "_stage": position,
        }
    )


def _projection_text(missing: bool, text: str, standing: str) -> str:
    """A projection, or why there is none: no pace yet, or a deadline already passed (no projection)."""
    if not missing:
        return f"{text}%"
    return "belum terukur" if standing == Standing.UNMEASURED else "tenggat sudah lewat"


def at_risk_opd(con: store.Connection, calendar: Calendar, filters: Filters) -> pd.DataFrame:
    """The OPD that will miss a still-open deadline at their current pace (for the Ringkasan page)."""
    return at_risk_rows(pace_table(con, calendar, filters)[1])


def at_risk_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The at-risk OPD rows of a pace_table."""
    if table.empty:
        return table
    risky = table[(table["Status"] == Standing.AT_RISK) & (table["OPD"] != OVERALL)]
    return risky[["OPD", "Tahap", "Persentase", "Proyeksi saat tenggat", "Keterangan"]].reset_index(drop=True)


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
