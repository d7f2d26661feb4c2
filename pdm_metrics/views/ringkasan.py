"""Ringkasan: how far each stage is, and which OPD lag (on the stage in focus: the open one)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

from pdm_metrics import charts, store
from pdm_metrics.campaign import Campaign, Stage
from pdm_metrics.deadlines import Calendar
from pdm_metrics.fmt import (
    each_distinct,
    format_date,
    format_days_left,
    format_hundredths,
    format_int,
    format_pct,
    format_pct_change,
)
from pdm_metrics.metrics import (
    Rates,
    change_between,
    rate_hundredths,
    rates_from_counts,
)
from pdm_metrics.pace import SelectionPaces
from pdm_metrics.verdict import SHOWN_UNITS, Verdict, verdict
from pdm_metrics.views.common import (
    Filters,
    by_name,
    selected_day,
    selection_counts,
    unmapped_note,
)
from pdm_metrics.views.tren import overall_paces

RANK_SIZE = 5


@dataclass(frozen=True)
class Kpi:
    stage: Stage
    rate: Decimal | None
    rate_text: str
    count_text: str
    change: Decimal | None
    change_text: str | None
    deadline_text: str
    history: list[float]  # the rate at every snapshot up to this one that had the column (sparkline)
    verdict: Verdict


@dataclass
class Overview:
    snapshot_date: date
    previous_date: date | None
    population: int
    campaign: Campaign
    focus: Stage  # the stage the rankings follow: the one still open on the snapshot's day
    kpis: list[Kpi]
    lowest: pd.DataFrame
    highest: pd.DataFrame
    opd_table: pd.DataFrame  # lowest rate of the focus stage first
    opd_table_by_missing: pd.DataFrame  # the same rows, most ASN not yet done with it first
    by_opd: pd.DataFrame  # the counts per OPD the tables are made of
    notes: list[str] = field(default_factory=list)

    def download(self) -> pd.DataFrame:
        """The rows of opd_table for Excel: numbers as numbers, one figure per column (written
        when a download is asked for, not on every look: nationally 30.000 rows)."""
        return download_table(self.by_opd, self.opd_table["opd_key"], self.campaign)

    @property
    def ranks_apart(self) -> bool:
        """Whether the lowest and highest tables differ: with RANK_SIZE OPD or fewer they list the
        same OPD, so the page shows the full table only."""
        return len(self.opd_table) > RANK_SIZE


def _kpi(
    stage: Stage, now: Rates, before: Rates | None, calendar: Calendar, history: list[Rates], said: Verdict
) -> Kpi:
    rate, count = now.rate(stage), now.count(stage)
    # A line only over the snapshots that carried the column, and only where there is a line to draw:
    # a single point draws flat, which reads as no progress.
    points = [float(r) for r in (h.rate(stage) for h in history) if r is not None]
    change = change_between(now, before, stage)
    phase = calendar.phase_for(stage)
    days = phase.days_left(now.snapshot_date)
    extension = f" (diperpanjang, {phase.extension.letter_number})" if phase.extension else ""
    return Kpi(
        stage=stage,
        rate=rate,
        rate_text=format_pct(rate),
        count_text=charts.count_label(count, now.total) if count is not None else "kolom tidak ada di berkas snapshot",
        change=change,
        change_text=format_pct_change(change) if change is not None else None,
        deadline_text=f"Tenggat {format_date(phase.end)}{extension}: {format_days_left(days)}",
        history=points if rate is not None and len(points) >= 2 else [],
        verdict=said,
    )


def missing_label(stage: Stage) -> str:
    """The column of ASN still to chase: "Belum aktivasi", "Belum unggah SKP"."""
    return f"Belum {stage.word}"


def bar_label(stage: Stage) -> str:
    return f"{stage.label} (bar)"


def opd_rates_table(by_opd: pd.DataFrame, campaign: Campaign, focus: Stage) -> pd.DataFrame:
    """Per-OPD display table: text for reading, floats for progress bars and sorting; lowest rate
    of the focus stage first (a stage the file lacks: its "Belum" column says tidak tersedia)."""
    available = by_opd[focus.has_flag].astype(bool).all() if not by_opd.empty else True
    missing = (by_opd["total"] - by_opd[focus.done_column]).astype(int) if available else by_opd["total"] * 0
    table = pd.DataFrame(
        {
            "OPD": by_opd["opd"],
            "Jumlah ASN": each_distinct(by_opd["total"], format_int),
            missing_label(focus): each_distinct(missing, format_int) if available else UNAVAILABLE,
            "_missing": missing,
        }
    )
    for stage in campaign.stages:
        hundredths = rate_hundredths(by_opd, stage)
        measured = hundredths.notna().tolist()
        rates = each_distinct(hundredths.fillna(0), format_hundredths)
        counts = each_distinct(by_opd[stage.done_column].fillna(0), format_int)
        table[bar_label(stage)] = (hundredths / 100).to_numpy()
        table[stage.label] = [
            f"{rate} ({count})" if known else format_pct(None)
            for rate, count, known in zip(rates, counts, measured, strict=True)
        ]
    table["opd_key"] = by_opd["opd_key"]
    return table.sort_values([bar_label(focus), "OPD"], key=by_name).reset_index(drop=True)


def overview(
    con: store.Connection, calendar: Calendar, filters: Filters, paces: SelectionPaces | None = None
) -> Overview | None:
    """The page's figures as of the snapshot shown; the verdicts from `paces` when already worked
    out for this selection (the at-risk list reads the same)."""
    day = selected_day(con, filters)
    if day is None:
        return None
    previous = max((d for d in store.snapshot_dates(con, filters.campaign_key) if d < day), default=None)
    totals = {r.snapshot_date: r for r in rates_from_counts(selection_counts(con, filters, False, None))}
    if day not in totals:
        return None
    now, before = totals[day], totals.get(previous) if previous else None
    campaign = calendar.campaign
    focus = calendar.open_stage(day)
    by_opd = selection_counts(con, filters, True, day)
    table = opd_rates_table(by_opd, campaign, focus)
    overall = overall_paces(con, calendar, filters, paces)
    said = {}
    for m in campaign.stages:  # a missed deadline's verdict names the OPD where most are missing
        most_missing = missing_by_unit(by_opd, m, SHOWN_UNITS)
        said[m] = verdict(m, calendar.phase_for(m), day, now.total, now.count(m), most_missing, overall.get(m))
    ranked = table[["OPD", focus.label, missing_label(focus), "Jumlah ASN"]]
    notes = []
    absent = [s.label for s in campaign.stages if now.count(s) is None]
    if absent:
        notes.append(f"Berkas snapshot ini tidak memuat kolom status {' dan '.join(absent)}; angkanya tidak tersedia.")
    if unmapped := unmapped_note(con, day, filters.campaign_key):
        notes.append(unmapped)
    return Overview(
        snapshot_date=day,
        previous_date=previous,
        population=now.total,
        campaign=campaign,
        focus=focus,
        kpis=[
            _kpi(m, now, before, calendar, [r for d, r in totals.items() if d <= day], said[m]) for m in campaign.stages
        ],
        lowest=ranked.head(RANK_SIZE).reset_index(drop=True),
        highest=ranked.tail(RANK_SIZE).iloc[::-1].reset_index(drop=True),
        opd_table=table.drop(columns="_missing"),
        opd_table_by_missing=table.sort_values(["_missing", "OPD"], ascending=[False, True], key=by_name)
        .drop(columns="_missing")
        .reset_index(drop=True),
        by_opd=by_opd,
        notes=notes,
    )


def missing_by_unit(by_opd: pd.DataFrame, stage: Stage, most: int | None = None) -> list[tuple[str, int]]:
    """The OPD with ASN who have not done `stage`, most first (none if the file lacks it); with
    `most`, only the first `most` of them (a verdict names three, of 30.000 nationally)."""
    if by_opd.empty or not by_opd[stage.has_flag].astype(bool).all():
        return []
    missing = (by_opd["total"] - by_opd[stage.done_column]).to_numpy(dtype=np.int64)
    chosen = missing > 0
    if most is not None and np.count_nonzero(chosen) > most:
        # Only the rows that can be among the first: at least the most-th largest count (ties kept).
        chosen &= missing >= np.partition(missing[chosen], -most)[-most]
    frame = pd.DataFrame({"opd": by_opd["opd"].to_numpy()[chosen], "missing": missing[chosen]})
    frame = frame.sort_values(["missing", "opd"], ascending=[False, True])
    # Whole columns to Python at once: 30.000 units walked one Arrow string at a time took 0,03 s a stage.
    units = list(zip(frame["opd"].astype(str).tolist(), frame["missing"].tolist(), strict=True))
    return units if most is None else units[:most]


def download_table(by_opd: pd.DataFrame, order: pd.Series, campaign: Campaign) -> pd.DataFrame:
    """Per OPD, in the order shown: every figure in a column of its own, as a number (a rate with
    two decimals), and "tidak tersedia" where the file had no such column."""
    rows = by_opd.set_index("opd_key").loc[order]
    frame = pd.DataFrame({"OPD": rows["opd"].to_numpy(), "Jumlah ASN": rows["total"].astype(int).to_numpy()})
    for stage in campaign.stages:
        available = rows[stage.has_flag].astype(bool).to_numpy()
        done, total = rows[stage.done_column].astype(int).tolist(), rows["total"].astype(int).tolist()
        frame[f"{stage.label} (%)"] = pd.Series(_rate_decimals(rows, stage, available), dtype=object)
        frame[f"Sudah {stage.word}"] = [d if ok else UNAVAILABLE for d, ok in zip(done, available, strict=True)]
        frame[f"Belum {stage.word}"] = [
            t - d if ok else UNAVAILABLE for d, t, ok in zip(done, total, available, strict=True)
        ]
    return frame


def _rate_decimals(rows: pd.DataFrame, stage: Stage, available: np.ndarray) -> list[Decimal | str | None]:
    """rate_pct of every row (None without ASN, UNAVAILABLE without the column), each distinct
    rate made a Decimal once: from the exact hundredths, 7211 -> Decimal('72.11')."""
    hundredths = rate_hundredths(rows, stage).fillna(-1)  # -1: no rate
    rates = each_distinct(hundredths, lambda h: None if h < 0 else Decimal(h).scaleb(-2))
    return [rate if ok else UNAVAILABLE for rate, ok in zip(rates, available.tolist(), strict=True)]


UNAVAILABLE = "tidak tersedia"
