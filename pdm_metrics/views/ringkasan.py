"""Ringkasan: how far each phase is, and which OPD lag."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pandas as pd

from pdm_metrics import charts, store
from pdm_metrics.deadlines import Calendar
from pdm_metrics.fmt import (
    format_date,
    format_days_left,
    format_hundredths,
    format_int,
    format_pct,
    format_pct_change,
)
from pdm_metrics.metrics import (
    Metric,
    Rates,
    change_between,
    rate_hundredths,
    rate_pct,
    rates_from_counts,
)
from pdm_metrics.verdict import Verdict, verdict
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
    metric: Metric
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
    kpis: list[Kpi]
    lowest: pd.DataFrame
    highest: pd.DataFrame
    opd_table: pd.DataFrame  # lowest activation first
    opd_table_by_missing: pd.DataFrame  # the same rows, most ASN not yet activated first
    download: pd.DataFrame  # the same rows for Excel: numbers as numbers, one figure per column
    notes: list[str] = field(default_factory=list)


def _kpi(
    metric: Metric, now: Rates, before: Rates | None, calendar: Calendar, history: list[Rates], said: Verdict
) -> Kpi:
    rate, count = now.rate(metric), now.count(metric)
    # A line only over the snapshots that carried the column, and only where there is a line to draw:
    # a single point draws flat, which reads as no progress.
    points = [float(r) for r in (h.rate(metric) for h in history) if r is not None]
    change = change_between(now, before, metric)
    phase = calendar.phase_for(metric)
    days = phase.days_left(now.snapshot_date)
    extension = f" (diperpanjang, {phase.extension.letter_number})" if phase.extension else ""
    return Kpi(
        metric=metric,
        rate=rate,
        rate_text=format_pct(rate),
        count_text=charts.count_label(count, now.total) if count is not None else "kolom tidak ada di berkas snapshot",
        change=change,
        change_text=format_pct_change(change) if change is not None else None,
        deadline_text=f"Tenggat {format_date(phase.end)}{extension}: {format_days_left(days)}",
        history=points if rate is not None and len(points) >= 2 else [],
        verdict=said,
    )


def opd_rates_table(by_opd: pd.DataFrame) -> pd.DataFrame:
    """Per-OPD display table: text for reading, floats for progress bars and sorting."""
    missing = (by_opd["total"] - by_opd[Metric.ACTIVATION.value]).astype(int)
    table = pd.DataFrame(
        {
            "OPD": by_opd["opd"],
            "Jumlah ASN": [format_int(n) for n in by_opd["total"].tolist()],
            "Belum aktivasi": [format_int(n) for n in missing.tolist()],
            "_missing": missing,
        }
    )
    for metric in Metric:
        hundredths = rate_hundredths(by_opd, metric).tolist()
        table[f"{metric.label} (bar)"] = [None if pd.isna(h) else h / 100 for h in hundredths]
        table[metric.label] = [
            format_pct(None) if pd.isna(h) else f"{format_hundredths(int(h))} ({format_int(int(c))})"
            for h, c in zip(hundredths, by_opd[metric.value].fillna(0).tolist(), strict=True)
        ]
    table["opd_key"] = by_opd["opd_key"]
    return table.sort_values(["Aktivasi (bar)", "OPD"], key=by_name).reset_index(drop=True)


def overview(con: store.Connection, calendar: Calendar, filters: Filters) -> Overview | None:
    day = selected_day(con, filters)
    if day is None:
        return None
    previous = max((d for d in store.snapshot_dates(con) if d < day), default=None)
    totals = {r.snapshot_date: r for r in rates_from_counts(selection_counts(con, filters, False, None))}
    if day not in totals:
        return None
    now, before = totals[day], totals.get(previous) if previous else None
    by_opd = selection_counts(con, filters, True, day)
    table = opd_rates_table(by_opd)
    paces = overall_paces(con, calendar, filters)
    said = {
        m: verdict(m, calendar.phase_for(m), day, now.total, now.count(m), missing_by_unit(by_opd, m), paces.get(m))
        for m in Metric
    }
    ranked = table[["OPD", "Aktivasi", "Jumlah ASN"]]
    notes = []
    if now.pdm_done is None:
        notes.append("Berkas snapshot ini tidak memuat kolom status PDM/verifikasi; angkanya tidak tersedia.")
    if unmapped := unmapped_note(con, day):
        notes.append(unmapped)
    return Overview(
        snapshot_date=day,
        previous_date=previous,
        population=now.total,
        kpis=[_kpi(m, now, before, calendar, [r for d, r in totals.items() if d <= day], said[m]) for m in Metric],
        lowest=ranked.head(RANK_SIZE).reset_index(drop=True),
        highest=ranked.tail(RANK_SIZE).iloc[::-1].reset_index(drop=True),
        opd_table=table.drop(columns="_missing"),
        opd_table_by_missing=table.sort_values(["_missing", "OPD"], ascending=[False, True], key=by_name)
        .drop(columns="_missing")
        .reset_index(drop=True),
        download=download_table(by_opd, table["opd_key"]),
        notes=notes,
    )


def missing_by_unit(by_opd: pd.DataFrame, metric: Metric) -> list[tuple[str, int]]:
    """The OPD with ASN who have not done `metric`'s phase, most first (none if the file lacks it)."""
    flag = metric.availability_column
    if by_opd.empty or (flag is not None and not by_opd[flag].astype(bool).all()):
        return []
    missing = pd.DataFrame({"opd": by_opd["opd"], "missing": (by_opd["total"] - by_opd[metric.value]).astype(int)})
    missing = missing[missing["missing"] > 0].sort_values(["missing", "opd"], ascending=[False, True])
    return list(zip(missing["opd"].astype(str), missing["missing"].astype(int).tolist(), strict=True))


def download_table(by_opd: pd.DataFrame, order: pd.Series) -> pd.DataFrame:
    """Per OPD, in the order shown: every figure in a column of its own, as a number (a rate with
    two decimals), and "tidak tersedia" where the file had no such column."""
    rows = by_opd.set_index("opd_key").loc[order]
    frame = pd.DataFrame({"OPD": rows["opd"].to_numpy(), "Jumlah ASN": rows["total"].astype(int).to_numpy()})
    for metric in Metric:
        flag = metric.availability_column
        available = rows[flag].astype(bool).to_numpy() if flag else [True] * len(rows)
        done, total = rows[metric.value].astype(int).tolist(), rows["total"].astype(int).tolist()
        rates = [rate_pct(d, t) if ok else UNAVAILABLE for d, t, ok in zip(done, total, available, strict=True)]
        frame[f"{metric.label} (%)"] = pd.Series(rates, dtype=object)
        frame[f"Sudah {metric.word}"] = [d if ok else UNAVAILABLE for d, ok in zip(done, available, strict=True)]
        frame[f"Belum {metric.word}"] = [
            t - d if ok else UNAVAILABLE for d, t, ok in zip(done, total, available, strict=True)
        ]
    return frame


UNAVAILABLE = "tidak tersedia"
