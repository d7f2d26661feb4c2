"""Rates, funnel and cumulative activation, from aggregated counts.

Definitions (DESIGN.md): population = valid distinct NIPs of a snapshot;
rate = done / population, in percent, two decimals rounded half up. A status
the snapshot's file did not carry is "not available" (None), never 0 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

import pandas as pd

from pdm_metrics.fmt import round_half_up


class Metric(StrEnum):
    """The three PDM phases' measures; value = the count column in summaries."""

    ACTIVATION = "activated"
    PDM = "pdm_done"
    VERIFICATION = "verified"

    @classmethod
    def for_stage(cls, key: str) -> Metric:
        """The measure of a PDM 2021 stage (its key is the measure's slug: "aktivasi", "pdm"...)."""
        return next(metric for metric in cls if metric.slug == key)

    @property
    def label(self) -> str:
        return {"activated": "Aktivasi", "pdm_done": "PDM", "verified": "Verifikasi"}[self.value]

    @property
    def word(self) -> str:
        """The label inside a sentence: "belum aktivasi", "belum PDM" (an acronym stays in capitals)."""
        return "PDM" if self is Metric.PDM else self.label.lower()

    @property
    def slug(self) -> str:
        """The phase in a file name: "aktivasi", "pdm", "verifikasi"."""
        return self.label.lower()

    @property
    def definition(self) -> str:
        """What the phase means, in one sentence for the head of the agency."""
        return _DEFINITIONS[self.value]

    @property
    def rate_column(self) -> str:
        return {"activated": "activation_rate", "pdm_done": "pdm_rate", "verified": "verification_rate"}[self.value]

    @property
    def availability_column(self) -> str | None:
        return {"activated": None, "pdm_done": "has_pdm", "verified": "has_verification"}[self.value]


_DEFINITIONS = {
    "activated": "ASN mengaktifkan akun MySAPK dengan token yang dikirim ke email yang terdaftar di SAPK.",
    "pdm_done": "ASN memutakhirkan sendiri data kepegawaiannya di MySAPK (Pemutakhiran Data Mandiri).",
    "verified": "BKPSDM memeriksa dan menyetujui data yang dimutakhirkan ASN.",
}


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
    activated: int
    pdm_done: int | None
    verified: int | None
    opd: str | None = None
    opd_key: str | None = None

    def count(self, metric: Metric) -> int | None:
        value: int | None = getattr(self, metric.value)
        return value

    def rate(self, metric: Metric) -> Decimal | None:
        return rate_pct(self.count(metric), self.total)


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
        result.append(
            Rates(
                snapshot_date=pd.Timestamp(row.snapshot_date).date(),
                total=int(row.total),
                activated=int(row.activated),
                pdm_done=_optional_count(row.pdm_done, row.has_pdm),
                verified=_optional_count(row.verified, row.has_verification),
                opd=getattr(row, "opd", None),
                opd_key=getattr(row, "opd_key", None),
            )
        )
    return result


def rate_hundredths(counts: pd.DataFrame, metric: Metric) -> pd.Series:
    """The rate of every row of store.summary_counts in hundredths of a percent (7211 for
    72,11 %), exactly rate_pct's half-up value by integer arithmetic, vectorised; NaN where
    the status is not available."""
    part = counts[metric.value].astype("float64")
    if metric.availability_column is not None:
        part = part.where(counts[metric.availability_column].astype(bool))
    total = counts["total"].astype("int64")
    valid = part.notna() & (total > 0)
    whole = part.fillna(0).astype("int64")
    hundredths = (2 * whole * 10_000 + total) // (2 * total.where(total > 0, 1))
    return hundredths.astype("float64").where(valid)


def rate_points(counts: pd.DataFrame, metric: Metric) -> pd.Series:
    """rate_hundredths as percent floats (72.11)."""
    return rate_hundredths(counts, metric) / 100


def rates_frame(counts: pd.DataFrame) -> pd.DataFrame:
    """Counts with rate columns added (Decimal or None), unavailable counts set to None."""
    frame = counts.copy()
    for metric in Metric:
        flag = metric.availability_column
        if flag is not None:
            values = frame[metric.value].astype(object)
            frame[metric.value] = values.where(frame[flag].astype(bool), None)
        rates: list[Decimal | None] = [
            rate_pct(None if is_missing(part) else int(part), int(whole))
            for part, whole in zip(frame[metric.value], frame["total"], strict=True)
        ]
        frame[metric.rate_column] = pd.Series(rates, index=frame.index, dtype=object)
    return frame


def cumulative_activation(per_day: pd.DataFrame, total: int) -> pd.DataFrame:
    """Per-day activation counts -> cumulative count and rate per day (day, cumulative, rate)."""
    if per_day.empty or total <= 0:
        return pd.DataFrame({"day": pd.Series(dtype="datetime64[s]"), "cumulative": [], "rate": []})
    frame = per_day.sort_values("day").reset_index(drop=True)
    frame["cumulative"] = frame["activated"].cumsum().astype("int64")
    rates: list[Decimal | None] = [rate_pct(int(c), total) for c in frame["cumulative"]]
    frame["rate"] = pd.Series(rates, index=frame.index, dtype=object)
    return frame[["day", "cumulative", "rate"]]


def change_between(current: Rates, previous: Rates | None, metric: Metric) -> Decimal | None:
    """Change of a rate since the previous snapshot, in percentage points."""
    if previous is None:
        return None
    now, before = current.rate(metric), previous.rate(metric)
    if now is None or before is None:
        return None
    return now - before
