"""Rates per stage and cumulative curves, from aggregated counts.

Definitions (DESIGN.md): population = valid distinct NIPs of a snapshot;
rate = done / population, in percent, two decimals rounded half up. A status
the snapshot's file did not carry is "not available" (None), never 0 %.
Counts come per stage slot (done_<slot>, with the snapshot's has_status_<slot>
flag); a campaign.Stage says which slot is which.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd

from pdm_metrics.campaign import Stage
from pdm_metrics.fmt import round_half_up
from pdm_metrics.schema import STAGE_SLOTS, done_column, has_status_flag


def rate_pct(part: int | None, whole: int) -> Decimal | None:
    """part / whole in percent, two decimals, half up; None when part is not available."""
    if part is None or whole <= 0:
        return None
    return round_half_up(Decimal(part) * 100 / Decimal(whole))


@dataclass(frozen=True)
class Rates:
    """Counts and rates of one population (a snapshot, or one OPD in it)."""

    snapshot_date: date
    total: int
    done: tuple[int | None, ...]  # per stage slot (index slot - 1); None: the file had no such column
    opd: str | None = None
    opd_key: str | None = None

    def count(self, stage: Stage) -> int | None:
        return self.done[stage.slot - 1]

    def rate(self, stage: Stage) -> Decimal | None:
        return rate_pct(self.count(stage), self.total)


def is_missing(value: Any) -> bool:
    """None, NaN, NA or NaT (what a missing cell of any dtype reads as)."""
    return value is None or bool(pd.isna(value))


def _optional_count(value: Any, available: Any) -> int | None:
    if not bool(available) or is_missing(value):
        return None
    return int(value)


def rates_from_counts(counts: pd.DataFrame) -> list[Rates]:
    """Rows of store.summary_counts -> Rates, with unavailable statuses as None."""
    result = []
    row: Any
    for row in counts.itertuples(index=False):
        values = row._asdict()
        done = tuple(_optional_count(values.get(done_column(n)), values.get(has_status_flag(n))) for n in STAGE_SLOTS)
        result.append(
            Rates(
                snapshot_date=pd.Timestamp(row.snapshot_date).date(),
                total=int(row.total),
                done=done,
                opd=getattr(row, "opd", None),
                opd_key=getattr(row, "opd_key", None),
            )
        )
    return result


def rate_hundredths(counts: pd.DataFrame, stage: Stage) -> pd.Series:
    """The rate of every row of store.summary_counts in hundredths of a percent (7211 for
    72,11 %), exactly rate_pct's half-up value by integer arithmetic, vectorised; NaN where
    the status is not available."""
    part = counts[stage.done_column].astype("float64")
    if stage.has_flag in counts:
        part = part.where(counts[stage.has_flag].astype(bool))
    total = counts["total"].astype("int64")
    valid = part.notna() & (total > 0)
    whole = part.fillna(0).astype("int64")
    hundredths = (2 * whole * 10_000 + total) // (2 * total.where(total > 0, 1))
    return hundredths.astype("float64").where(valid)


def rate_points(counts: pd.DataFrame, stage: Stage) -> pd.Series:
    """rate_hundredths as percent floats (72.11)."""
    return rate_hundredths(counts, stage) / 100


def rates_frame(counts: pd.DataFrame, stages: tuple[Stage, ...]) -> pd.DataFrame:
    """Counts with each stage's rate column added (Decimal or None), unavailable counts set to None."""
    frame = counts.copy()
    for stage in stages:
        if stage.has_flag in frame:
            values = frame[stage.done_column].astype(object)
            frame[stage.done_column] = values.where(frame[stage.has_flag].astype(bool), None)
        rates: list[Decimal | None] = [
            rate_pct(None if is_missing(part) else int(part), int(whole))
            for part, whole in zip(frame[stage.done_column], frame["total"], strict=True)
        ]
        frame[stage.rate_column] = pd.Series(rates, index=frame.index, dtype=object)
    return frame


def cumulative_done(per_day: pd.DataFrame, total: int) -> pd.DataFrame:
    """Per-day counts of a stage done (day, done) -> cumulative count and rate per day (day, cumulative, rate)."""
    if per_day.empty or total <= 0:
        return pd.DataFrame({"day": pd.Series(dtype="datetime64[s]"), "cumulative": [], "rate": []})
    frame = per_day.sort_values("day").reset_index(drop=True)
    frame["cumulative"] = frame["done"].cumsum().astype("int64")
    rates: list[Decimal | None] = [rate_pct(int(c), total) for c in frame["cumulative"]]
    frame["rate"] = pd.Series(rates, index=frame.index, dtype=object)
    return frame[["day", "cumulative", "rate"]]


def change_between(current: Rates, previous: Rates | None, stage: Stage) -> Decimal | None:
    """Change of a rate since the previous snapshot, in percentage points."""
    if previous is None:
        return None
    now, before = current.rate(stage), previous.rate(stage)
    if now is None or before is None:
        return None
    return now - before
