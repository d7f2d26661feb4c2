"""Laju & proyeksi: the current pace, the pace needed for 100 % by each deadline, the projected
rate on the deadline and the day 100 % would be reached.

Pace is the least-squares slope of the rate (percentage points per day) over the
snapshots of the last PACE_WINDOW_DAYS (at least the last two); with a single
snapshot, the activation dates inside it give the slope instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

import numpy as np
import pandas as pd

from pdm_metrics.campaign import Stage
from pdm_metrics.deadlines import Calendar, Phase
from pdm_metrics.fmt import each_distinct, format_date, format_decimal, format_decimals, format_hundredths, format_int
from pdm_metrics.metrics import rate_points


class Standing(StrEnum):
    """Where a population stands on a phase: the first word of a verdict and the pace table's Status."""

    MET = "Tercapai"
    MISSED = "Terlewat"
    ON_TRACK = "Sesuai jalur"
    AT_RISK = "Berisiko"
    UNMEASURED = "Belum terukur"  # no pace yet (fewer than two snapshots carry the status): never "at risk"
    UNAVAILABLE = "Tidak tersedia"


# Worst first, as the pace table and the at-risk lists order them.
STANDING_ORDER = (Standing.MISSED, Standing.AT_RISK, Standing.UNMEASURED, Standing.ON_TRACK, Standing.MET)

PACE_WINDOW_DAYS = 28
FULL = 100.0
# Slopes are kept to 1e-9 points a day: far below any meaningful pace, and what float noise of
# one summation order or another would otherwise turn into 2,24 versus 2,25 (or a flat line into
# a pace that reaches 100 % in a billion years).
SLOPE_DIGITS = 9


@dataclass(frozen=True)
class Pace:
    deadline: date
    rate: float  # current rate, percent
    per_day: float | None  # points per day; None when it cannot be measured
    needed_per_day: float | None  # None once the deadline has passed
    projected: float | None  # rate on the deadline at the current pace (capped at 100)
    full_on: date | None  # day 100 % is reached at this pace; None if never
    deadline_passed: bool

    @property
    def at_risk(self) -> bool:
        """Will not reach 100 % by the deadline at a pace that is measured (no pace: not known)."""
        return not self.deadline_passed and self.rate < FULL and self.projected is not None and self.projected < FULL

    def describe(self) -> str:
        pace = None if self.per_day is None else format_decimal(self.per_day)
        need = format_decimal(self.needed_per_day or 0)
        full_on = None if self.full_on is None else format_date(self.full_on)
        return _description(self.deadline_passed, format_date(self.deadline), self.rate, pace, need, full_on)


def _description(passed: bool, deadline: str, rate: float, pace: str | None, need: str, full_on: str | None) -> str:
    """Pace.describe from its figures and dates already written out (one row, or 90.000 of a
    national table)."""
    if passed:
        return f"tenggat {deadline} sudah lewat"
    if rate >= FULL:
        return "sudah 100%"
    if pace is None:  # nothing is said of a pace that is not measured, least of all "not reached"
        return f"belum dapat diproyeksikan (laju perlu dua snapshot yang memuat status ini), perlu {need} poin/hari"
    if full_on is None:
        return f"laju {pace} poin/hari, perlu {need} poin/hari; 100% tidak tercapai pada laju ini"
    return f"laju {pace} poin/hari, perlu {need} poin/hari; 100% tercapai sekitar {full_on}"


def slope_per_day(points: list[tuple[date, float]]) -> float | None:
    """Least-squares slope of (day, value) pairs, in value units per day."""
    if len(points) < 2:
        return None
    xs = [(d - points[0][0]).days for d, _ in points]
    ys = [v for _, v in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return None
    return round(sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread, SLOPE_DIGITS)


def recent(points: list[tuple[date, float]], as_of: date) -> list[tuple[date, float]]:
    """The points of the last PACE_WINDOW_DAYS up to as_of, and never fewer than the last two."""
    upto = sorted(p for p in points if p[0] <= as_of)
    window = [p for p in upto if p[0] >= as_of - timedelta(days=PACE_WINDOW_DAYS)]
    return window if len(window) >= 2 else upto[-2:]


def pace(points: list[tuple[date, float]], as_of: date, phase: Phase, daily: Sequence[tuple[date, float]] = ()) -> Pace:
    """Pace and projection for one population on one phase, as of a snapshot date."""
    frame = pd.DataFrame({"group": "", "day": [d for d, _ in points], "value": [v for _, v in points]})
    found = pace_by_group(frame, as_of, phase)
    if found.empty:  # no point up to as_of
        return _pace(0.0, slope_per_day(recent(list(daily), as_of)) if daily else None, as_of, phase)
    row = found.iloc[0]
    per_day = None if pd.isna(row["per_day"]) else float(row["per_day"])
    if per_day is None and daily:
        per_day = slope_per_day(recent(list(daily), as_of))
    return _pace(float(row["rate"]), per_day, as_of, phase)


def pace_by_group(points: pd.DataFrame, as_of: date, phase: Phase) -> pd.DataFrame:
    """Pace of many populations at once (columns group, day, value: one rate per group per
    snapshot): group, rate (the latest up to as_of) and per_day (NaN when it cannot be measured)
    for every group with a point up to as_of. The same window and least-squares slope as
    `slope_per_day` over `recent`, vectorised: nationally this is 30.000 OPD."""
    upto = points.assign(day=pd.to_datetime(points["day"]))
    upto = upto[upto["day"] <= pd.Timestamp(as_of)].sort_values(["group", "day"])
    latest = upto.groupby("group")["value"].last()
    in_window = upto["day"] >= pd.Timestamp(as_of - timedelta(days=PACE_WINDOW_DAYS))
    window_size = in_window.groupby(upto["group"]).transform("sum")
    from_end = upto.groupby("group").cumcount(ascending=False)
    chosen = upto[(in_window & (window_size >= 2)) | ((window_size < 2) & (from_end < 2))].copy()
    chosen["x"] = (chosen["day"] - chosen.groupby("group")["day"].transform("min")).dt.days.astype(float)
    groups = chosen.groupby("group")
    dx = chosen["x"] - groups["x"].transform("mean")
    dy = chosen["value"] - groups["value"].transform("mean")
    sums = pd.DataFrame({"spread": dx * dx, "co": dx * dy, "group": chosen["group"]}).groupby("group").sum()
    size = groups.size()
    per_day = (sums["co"] / sums["spread"]).round(SLOPE_DIGITS).where((size >= 2) & (sums["spread"] != 0))
    return pd.DataFrame({"group": latest.index, "rate": latest.to_numpy(), "per_day": per_day.reindex(latest.index)})


def pace_frame(points: pd.DataFrame, as_of: date, phase: Phase, daily: pd.DataFrame | None = None) -> pd.DataFrame:
    """`pace` of every group at once (see pace_by_group), over whole columns for a national table:
    per group its rate, per_day, needed_per_day, projected (NaN for None), full_on, at_risk and
    standing, the same figures as `pace` gives each group alone (its words: describe_each). Where
    the snapshots cannot measure a group's pace, `daily` (its rate on each day, from the days
    its file gives, same columns) measures it, as `pace` does with its `daily` points."""
    found = pace_by_group(points, as_of, phase)
    if daily is not None and not daily.empty and found["per_day"].isna().any():
        from_days = pace_by_group(daily, as_of, phase).set_index("group")["per_day"]
        found["per_day"] = found["per_day"].fillna(found["group"].map(from_days))
    rate = found["rate"].to_numpy(dtype=float)
    per_day = found["per_day"].to_numpy(dtype=float)  # NaN: not measured
    days_left = (phase.end - as_of).days
    passed = days_left < 0
    if passed:
        needed = projected = np.full(len(found), np.nan)  # no projection once the deadline passed
    else:
        needed = (FULL - rate) / max(days_left, 1)
        projected = np.minimum(FULL, rate + per_day * days_left)  # NaN where the pace is not measured
    at_risk = (not passed) & (rate < FULL) & (projected < FULL)  # NaN (no pace) compares False: not at risk
    return found.assign(
        needed_per_day=needed,
        projected=projected,
        full_on=pd.Series(_full_on_each(rate, per_day, as_of), index=found.index, dtype=object),
        at_risk=at_risk,
        standing=_standings(passed, rate, per_day, at_risk),
    )


def describe_each(rows: pd.DataFrame, phase: Phase, as_of: date) -> list[str]:
    """Pace.describe of every row of a pace_frame, written only for the rows shown: Ringkasan
    shows the few at risk, not the 90.000 rows of a national table."""
    passed = (phase.end - as_of).days < 0
    per_day = rows["per_day"].to_numpy(dtype=float)
    pace_texts = format_decimals(np.nan_to_num(per_day, nan=0.0))  # unmeasured ones are not shown
    need_texts = format_decimals(np.nan_to_num(rows["needed_per_day"].to_numpy(dtype=float), nan=0.0))
    measured = (~np.isnan(per_day)).tolist()
    full_on = rows["full_on"].tolist()
    written = {day: format_date(day) for day in set(full_on) if day is not None}  # a few hundred days at most
    deadline = format_date(phase.end)
    return [
        _description(passed, deadline, r, p if m else None, n, None if f is None else written[f])
        for r, m, p, n, f in zip(rows["rate"].tolist(), measured, pace_texts, need_texts, full_on, strict=True)
    ]


def _full_on_each(rate: np.ndarray, per_day: np.ndarray, as_of: date) -> list[date | None]:
    """The day each group reaches 100 % at its pace (per_day NaN: not measured): as_of once there;
    None if never, or not before the calendar ends (a pace of a millionth of a point a day)."""
    days = np.full(len(rate), np.nan)
    days[rate >= FULL] = 0
    climbing = (rate < FULL) & (per_day > 0)  # a NaN pace compares False
    days[climbing] = np.ceil((FULL - rate[climbing]) / per_day[climbing])
    days[days > (date.max - as_of).days] = np.nan
    reached = ~np.isnan(days)
    on: list[date | None] = [None] * len(rate)
    dates = each_distinct(days[reached], lambda d: as_of + timedelta(days=d))  # a day's date made once
    for at, day in zip(np.flatnonzero(reached).tolist(), dates, strict=True):
        on[at] = day
    return on


def _standings(passed: bool, rate: np.ndarray, per_day: np.ndarray, at_risk: np.ndarray) -> list[str]:
    """Each group's Standing, from the same figures as its description."""
    done = rate >= FULL
    if passed:
        return [str(Standing.MET if finished else Standing.MISSED) for finished in done.tolist()]
    chosen = np.select(
        [done, np.isnan(per_day), at_risk], [Standing.MET, Standing.UNMEASURED, Standing.AT_RISK], Standing.ON_TRACK
    )
    return [str(s) for s in chosen.tolist()]


def _pace(rate: float, per_day: float | None, as_of: date, phase: Phase) -> Pace:
    days_left = (phase.end - as_of).days
    passed = days_left < 0
    needed = None if passed else (FULL - rate) / max(days_left, 1)
    projected = None
    if per_day is not None and not passed:
        projected = min(FULL, rate + per_day * days_left)
    return Pace(phase.end, rate, per_day, needed, projected, _full_on(rate, per_day, as_of), passed)


def _full_on(rate: float, per_day: float | None, as_of: date) -> date | None:
    """_full_on_each of one group."""
    return _full_on_each(np.array([rate]), np.array([np.nan if per_day is None else per_day]), as_of)[0]


# ----------------------------------------------------------------------------- one model for every page
# The Tren table and its projection line, Ringkasan's verdicts, the PDF and the laju CSV all read
# the paces worked out here, once per selection and snapshot: they cannot disagree.

OVERALL = "Semua OPD"  # the whole selection's row of the pace table (group 0)
RATE_NUMBER = "_persen"  # the pace table's hidden column: Persentase as a number
AT_RISK_COLUMNS = ("OPD", "Tahap", "Persentase", "Proyeksi saat tenggat", "Keterangan")  # Ringkasan's list


@dataclass(frozen=True)
class PhasePace:
    """The whole selection's pace on one phase (the pace table's overall row)."""

    rate: float  # percent, on the snapshot
    per_day: float | None  # points a day; None when it cannot be measured yet
    needed_per_day: float | None  # None once the deadline passed
    projected: float | None  # rate on the deadline at this pace
    full_on: date | None  # the day 100 % is reached at this pace
    description: str  # the pace table's words for it
    unmeasured_because: str = ""  # why there is no pace yet ("11 Juli 2021 tidak memuat status verifikasi")


# Each group's rate of a stage on every day of the snapshot, from the days its file gives
# (group, day, value): given the stage, the snapshot's counts rows and their group numbers.
DailyPoints = Callable[[Stage, pd.DataFrame, np.ndarray], pd.DataFrame]


def stage_paces(
    counts: pd.DataFrame, calendar: Calendar, day: date, daily_points: DailyPoints
) -> tuple[pd.Index, dict[Stage, pd.DataFrame]]:
    """pace_frame of each stage for every group of `counts` (summary counts per snapshot, with
    an `opd` column: OVERALL's rows first, then each OPD's), only for the groups with a rate on
    `day`. Groups are numbers (`names` says which is which): 30.000 OPD nationally group and
    match far faster as numbers than as names. They are numbered by key (OVERALL's is None), so
    an OPD that happens to be named like another, or "Semua OPD", keeps a group of its own. A
    stage whose column a snapshot lacks is measured from the snapshots that have it; one
    snapshot alone, from the days its file gives."""
    on_day = counts["snapshot_date"].dt.date == day
    codes, _ = pd.factorize(counts["opd_key"], use_na_sentinel=False)
    _, first_rows = np.unique(codes, return_index=True)  # ordered by group number
    names = pd.Index(counts["opd"].to_numpy()[first_rows])
    found = {}
    for stage in calendar.campaign.stages:
        points = pd.DataFrame({"group": codes, "day": counts["snapshot_date"], "value": rate_points(counts, stage)})
        points = points[points["value"].notna()]
        measured = points.loc[on_day[points.index], "group"].unique()
        phase = calendar.phase_for(stage)
        paces = pace_frame(points, day, phase)
        if stage.date_aliases and paces.loc[paces["group"].isin(measured), "per_day"].isna().any():
            daily = daily_points(stage, counts[on_day], codes[on_day.to_numpy()])
            paces = pace_frame(points, day, phase, daily)
        found[stage] = paces[paces["group"].isin(measured)]
    return names, found


@dataclass(frozen=True)
class SelectionPaces:
    """The paces of one selection as of one snapshot (stage_paces): the whole selection's (group
    0) and, where asked, each OPD's. Ringkasan's verdicts and at-risk list, Tren's table and
    projection line, and the PDF all read one of these, so they cannot disagree."""

    day: date
    calendar: Calendar
    counts: pd.DataFrame  # the selection's totals per snapshot (why a pace is not measured)
    names: pd.Index  # each group number's name: OVERALL, then the OPD
    found: dict[Stage, pd.DataFrame]  # per stage, the pace_frame of the groups with a rate on `day`

    def overall(self) -> dict[Stage, PhasePace]:
        """The whole selection's pace on each stage that has a rate on `day`; where no pace can be
        measured, why."""
        paces = {}
        for stage, rows in self.found.items():
            overall = rows[rows["group"] == 0]
            if overall.empty:
                continue
            pace = _phase_pace(overall.iloc[0], self._describe(stage, overall)[0])
            if pace.per_day is None:
                pace = replace(pace, unmeasured_because=unmeasured_because(self.counts, stage, self.day))
            paces[stage] = pace
        return paces

    def table(self, first: int | None = None) -> pd.DataFrame:
        """The Laju & proyeksi table (OPD, Tahap, Persentase, Status, Proyeksi saat tenggat,
        Keterangan): worst standing first, then the lowest projection. With `first`, only its
        first rows, the only ones written out (a screen shows 5.000 of a national 90.000)."""
        return self._table(self.found if first is None else self._first_rows(first))

    @property
    def rows(self) -> int:
        """How many rows table() has."""
        return sum(len(rows) for rows in self.found.values())

    def at_risk(self) -> pd.DataFrame:
        """The rows of table() of an OPD at risk (not the whole selection's), in its order, with its
        columns but Status: only these rows are written out."""
        risky = {
            stage: rows[(rows["standing"] == Standing.AT_RISK) & (rows["group"] != 0)]
            for stage, rows in self.found.items()
        }
        table = self._table(risky)
        return pd.DataFrame(columns=AT_RISK_COLUMNS) if table.empty else table[list(AT_RISK_COLUMNS)]

    def _table(self, found: dict[Stage, pd.DataFrame]) -> pd.DataFrame:
        parts = [self._rows(stage, found[stage], position) for position, stage in self._stages() if len(found[stage])]
        table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        if table.empty:
            return pd.DataFrame()
        return _worst_first(table).drop(columns=["_order", "_stage", "_proj"]).reset_index(drop=True)

    def _stages(self) -> list[tuple[int, Stage]]:
        stages = enumerate(self.calendar.campaign.stages)
        return [(position, stage) for position, stage in stages if stage in self.found]

    def _first_rows(self, count: int) -> dict[Stage, pd.DataFrame]:
        """Of each stage's rows, those among the first `count` of table(): the order worked out
        from the figures alone, before any row is written out."""
        keys = []
        for position, stage in self._stages():
            rows = self.found[stage]
            status = rows["standing"].to_numpy()
            keys.append(pd.DataFrame({"Status": status, **_order_keys(rows, position), "_row": np.arange(len(rows))}))
        first = _worst_first(pd.concat(keys, ignore_index=True)).head(count)
        return {
            stage: self.found[stage].iloc[np.sort(first.loc[first["_stage"] == position, "_row"].to_numpy())]
            for position, stage in self._stages()
        }

    def _describe(self, stage: Stage, rows: pd.DataFrame) -> list[str]:
        return describe_each(rows, self.calendar.phase_for(stage), self.day)

    def _rows(self, stage: Stage, found: pd.DataFrame, position: int) -> pd.DataFrame:
        """The display rows of one stage's pace_frame."""
        projected = found["projected"]
        projected_texts = format_decimals(projected.fillna(0))
        return pd.DataFrame(
            {
                "OPD": self.names.take(found["group"].to_numpy()),
                "Tahap": stage.label,
                # a rate_points value, so exactly hundredths
                "Persentase": each_distinct((found["rate"] * 100).round(), format_hundredths),
                # Terlewat, Berisiko, Belum terukur, Sesuai jalur or Tercapai: never "at risk" for want of data.
                # Beside the figures (a long Keterangan would push it off a laptop's screen).
                "Status": found["standing"].to_numpy(),
                "Proyeksi saat tenggat": [
                    _projection_text(missing, text, standing)
                    for missing, text, standing in zip(
                        projected.isna().tolist(), projected_texts, found["standing"].tolist(), strict=True
                    )
                ],
                "Keterangan": self._describe(stage, found),
                # The rate as a number, for downloads (for_download): the screen shows the text.
                RATE_NUMBER: (found["rate"] * 100).round().astype(int).to_numpy() / 100,
                **_order_keys(found, position),
            }
        )


def unmeasured_because(counts: pd.DataFrame, stage: Stage, day: date) -> str:
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


def _phase_pace(row: pd.Series, description: str) -> PhasePace:
    def number(value: float) -> float | None:
        return None if math.isnan(value) else value

    return PhasePace(
        rate=float(row["rate"]),
        per_day=number(float(row["per_day"])),
        needed_per_day=number(float(row["needed_per_day"])),
        projected=number(float(row["projected"])),
        full_on=row["full_on"],
        description=description,
    )


def _order_keys(found: pd.DataFrame, position: int) -> dict[str, object]:
    """What a pace table's rows of one stage (at `position` among the stages) are ordered by:
    worst first, by the rate on the deadline, or where no pace is measured yet, by today's."""
    return {
        "_proj": found["projected"].fillna(found["rate"]).to_numpy(),
        "_order": found["group"].to_numpy(),
        "_stage": position,
    }


def _worst_first(table: pd.DataFrame) -> pd.DataFrame:
    """Rows of a pace table (Status, _proj, _order: the group, _stage: its position) worst standing
    first, then the lowest projection; ties in the order of the groups, then of the stages."""
    table = table.sort_values(["_order", "_stage"])
    worst_first = table["Status"].map({str(s): rank for rank, s in enumerate(STANDING_ORDER)})
    return table.assign(_rank=worst_first).sort_values(["_rank", "_proj"], kind="stable").drop(columns="_rank")


def _projection_text(missing: bool, text: str, standing: str) -> str:
    """A projection, or why there is none: no pace yet, or a deadline already passed (no projection)."""
    if not missing:
        return f"{text}%"
    return "belum terukur" if standing == Standing.UNMEASURED else "tenggat sudah lewat"


def for_download(table: pd.DataFrame) -> pd.DataFrame:
    """A SelectionPaces.table() as a CSV/XLSX holds it: Persentase a number (81.25), not the screen's text."""
    if table.empty:
        return table
    return table.assign(Persentase=table[RATE_NUMBER]).drop(columns=[RATE_NUMBER])
