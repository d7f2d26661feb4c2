"""What each dashboard page shows, computed in one call per page (pages stay thin).

Each function takes the store connection, the regulation calendar and the
shared filters, and returns data ready to place: formatted texts, display
frames with Indonesian headers, and Plotly figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pdm_metrics import charts, export, followup, store
from pdm_metrics.deadlines import Calendar, Phase, load_calendar
from pdm_metrics.errors import PdmError
from pdm_metrics.fmt import (
    format_date,
    format_days_left,
    format_decimals,
    format_hundredths,
    format_int,
    format_pct,
    format_pct_change,
)
from pdm_metrics.ingest import ingest_roster
from pdm_metrics.metrics import (
    Metric,
    Rates,
    change_between,
    cumulative_activation,
    rate_hundredths,
    rate_pct,
    rate_points,
    rates_frame,
    rates_from_counts,
)
from pdm_metrics.pace import pace, pace_frame
from pdm_metrics.profile import profile_groups
from pdm_metrics.roster import Progress, Roster, read_rosters

STATUS_TEXT = {True: "Sudah", False: "Belum"}
RANK_SIZE = 5


@dataclass(frozen=True)
class Filters:
    """The sidebar's choices, shared by every page."""

    snapshot_date: date | None = None
    opd_keys: tuple[str, ...] = ()
    jenis_asn: tuple[str, ...] = ()
    masked: bool = False  # hide NIP and email (roles that do not need them)

    def shown(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A display table as this viewer may see it."""
        return export.mask_personal(frame) if self.masked else frame

    @property
    def description(self) -> str:
        parts = [f"{format_int(len(self.opd_keys))} OPD terpilih" if self.opd_keys else "semua OPD"]
        parts.append(", ".join(self.jenis_asn) if self.jenis_asn else "PNS dan PPPK")
        return "; ".join(parts)


def snapshot_dates(con: store.Connection) -> list[date]:
    return store.snapshot_dates(con)


def _day(con: store.Connection, filters: Filters) -> date | None:
    """The snapshot the pages show: the chosen one, or the latest (None: no data yet)."""
    dates = snapshot_dates(con)
    if not dates:
        return None
    return filters.snapshot_date if filters.snapshot_date in dates else dates[-1]


# A browser table of millions of rows helps nobody: tables show this many, downloads hold all.
SHOWN_ROWS = 5_000
# Name lists, WhatsApp messages and the per-OPD workbook are made for at most this many units at
# once: nationally (30.000 units) a page of every name in the country helps nobody.
MAX_LISTED_UNITS = 200


def units_in_selection(con: store.Connection, filters: Filters) -> int:
    """How many OPD the current selection covers on its snapshot."""
    day = _day(con, filters)
    return 0 if day is None else len(_counts(con, filters, True, day))


def has_sample_data(con: store.Connection) -> tuple[bool, bool]:
    """(sample data present, real data present)."""
    snapshots = store.list_snapshots(con)
    if snapshots.empty:
        return False, False
    sample = snapshots["is_sample"].astype(bool)
    return bool(sample.any()), bool((~sample).any())


def _counts(
    con: store.Connection, filters: Filters, by_opd: bool, day: date | None, level: str = "opd"
) -> pd.DataFrame:
    return store.summary_counts(
        con,
        by_opd=by_opd,
        snapshot_date=day,
        opd_keys=filters.opd_keys or None,
        jenis_asn=filters.jenis_asn or None,
        level=level,
    )


CHART_UNITS = 25  # past 2 x this many units, charts show the lowest and highest CHART_UNITS


def lowest_and_highest(frame: pd.DataFrame, count: int = CHART_UNITS) -> tuple[pd.DataFrame, int]:
    """A sorted frame cut to its first and last `count` rows (a readable chart at any scale),
    with how many rows were left out."""
    if len(frame) <= 2 * count:
        return frame, 0
    return pd.concat([frame.head(count), frame.tail(count)]), len(frame) - 2 * count


# ----------------------------------------------------------------------------- Ringkasan


@dataclass(frozen=True)
class Kpi:
    metric: Metric
    rate: Decimal | None
    rate_text: str
    count_text: str
    change: Decimal | None
    change_text: str | None
    deadline_text: str
    history: list[float]  # the rate at every snapshot up to this one (sparkline)


@dataclass
class Overview:
    snapshot_date: date
    previous_date: date | None
    population: int
    kpis: list[Kpi]
    lowest: pd.DataFrame
    highest: pd.DataFrame
    opd_table: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def _kpi(metric: Metric, now: Rates, before: Rates | None, calendar: Calendar, history: list[Rates]) -> Kpi:
    rate, count = now.rate(metric), now.count(metric)
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
        history=[float(r) for r in (h.rate(metric) for h in history) if r is not None],
    )


def by_name(column: pd.Series) -> pd.Series:
    """Sort key of a frame's columns: names as fmt.reading_order (and store.OPD_BY_NAME in SQL)
    orders them, other columns as they are."""
    return column.str.lower() if pd.api.types.is_string_dtype(column) else column


def opd_rates_table(by_opd: pd.DataFrame) -> pd.DataFrame:
    """Per-OPD display table: text for reading, floats for progress bars and sorting."""
    table = pd.DataFrame({"OPD": by_opd["opd"], "Jumlah ASN": [format_int(n) for n in by_opd["total"].tolist()]})
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
    day = _day(con, filters)
    if day is None:
        return None
    previous = max((d for d in snapshot_dates(con) if d < day), default=None)
    totals = {r.snapshot_date: r for r in rates_from_counts(_counts(con, filters, False, None))}
    if day not in totals:
        return None
    now, before = totals[day], totals.get(previous) if previous else None
    table = opd_rates_table(_counts(con, filters, True, day))
    ranked = table[["OPD", "Aktivasi", "Jumlah ASN"]]
    notes = []
    if now.pdm_done is None:
        notes.append("Berkas snapshot ini tidak memuat kolom status PDM/verifikasi; angkanya tidak tersedia.")
    return Overview(
        snapshot_date=day,
        previous_date=previous,
        population=now.total,
        kpis=[_kpi(m, now, before, calendar, [r for d, r in totals.items() if d <= day]) for m in Metric],
        lowest=ranked.head(RANK_SIZE).reset_index(drop=True),
        highest=ranked.tail(RANK_SIZE).iloc[::-1].reset_index(drop=True),
        opd_table=table,
        notes=notes,
    )


# ----------------------------------------------------------------------------- Tren & Tenggat


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
        metric=Metric.AKTIVASI,
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
    rates = rates_from_counts(_counts(con, filters, False, None))
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
        opd_counts = _counts(con, opd_filters, True, None)
        if not opd_counts.empty:
            name = str(opd_counts["opd"].iloc[-1])
            series += _series_for(rates_from_counts(opd_counts), f"{name}: ", "dash")
    title = f"Perkembangan PDM ({filters.description})"
    return TrendView(charts.trend_figure(series, calendar, title), rates[-1], notes)


# ----------------------------------------------------------------------------- OPD


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


def opd_overview(con: store.Connection, filters: Filters, metric: Metric, level: str = "opd") -> OpdView | None:
    day = _day(con, filters)
    if day is None:
        return None
    current = rates_frame(_counts(con, filters, True, day, level))
    ranked = current[current[metric.rate_column].notna()].sort_values([metric.rate_column, "opd"], key=by_name)
    available, left_out = lowest_and_highest(ranked)
    # The history is read for the units the charts show only (50 of 30.000 OPD nationally).
    shown_units = filters
    if left_out and level == "opd":
        shown_units = replace(filters, opd_keys=tuple(available["opd_key"]))
    all_rates = rates_frame(_counts(con, shown_units, True, None, level))
    unit = UNIT_LABELS[level]
    title = f"Peringkat {unit} menurut {metric.label}, {format_date(day)}"
    if left_out:
        title += f" ({CHART_UNITS} terendah dan {CHART_UNITS} tertinggi; {format_int(left_out)} lainnya digabung)"
    if available.empty:
        title += " (tidak tersedia pada snapshot ini)"
    columns = (available["opd"], available[metric.rate_column], available[metric.value], available["total"])
    bars = [(str(name), rate, int(part), int(total)) for name, rate, part, total in zip(*columns, strict=True)]
    if left_out:
        # The units between the lowest and the highest, as one bar: nothing drops out of sight.
        rest = ranked[~ranked["opd_key"].isin(available["opd_key"])]
        part, total = int(rest[metric.value].sum()), int(rest["total"].sum())
        combined = (f"Gabungan {format_int(left_out)} {unit} lainnya", rate_pct(part, total), part, total)
        bars.insert(CHART_UNITS, combined)
    ranking = charts.ranking_figure(
        [b[0] for b in bars],
        [b[1] for b in bars],
        [charts.count_label(b[2], b[3]) for b in bars],
        metric,
        title,
    )
    all_rates = all_rates[all_rates["opd_key"].isin(available["opd_key"])] if left_out else all_rates
    heat = all_rates.assign(
        rate=all_rates[metric.rate_column],
        rate_float=pd.Series(
            [None if r is None else float(r) for r in all_rates[metric.rate_column]], index=all_rates.index, dtype=float
        ),
        label=[
            _rate_label(r, c, int(t))
            for r, c, t in zip(all_rates[metric.rate_column], all_rates[metric.value], all_rates["total"], strict=True)
        ],
    )
    heatmap = charts.heatmap_figure(heat, metric, f"{metric.label} per {unit} dari waktu ke waktu")
    choices = list(current.sort_values("opd", key=by_name)[["opd_key", "opd"]].itertuples(index=False, name=None))
    return OpdView(day, ranking, heatmap, choices)


@dataclass
class OpdDetail:
    name: str
    figure: go.Figure
    missing: dict[Metric, pd.DataFrame]  # display frames of ASN who have not yet done each phase
    available: dict[Metric, bool]


def opd_detail(con: store.Connection, calendar: Calendar, filters: Filters, opd_key: str) -> OpdDetail:
    only = Filters(filters.snapshot_date, (opd_key,), filters.jenis_asn, filters.masked)
    view = trend(con, calendar, only)
    day = _day(con, filters) or date.today()  # the page only offers OPD once data exist
    rates = rates_from_counts(_counts(con, only, False, day))
    missing: dict[Metric, pd.DataFrame] = {}
    available: dict[Metric, bool] = {}
    for metric in Metric:
        available[metric] = bool(rates) and rates[0].count(metric) is not None
        where = store.RosterFilter(opd_keys=(opd_key,), jenis_asn=filters.jenis_asn or None, **{metric.value: False})
        rows = roster_display(store.roster_rows(con, day, where)) if available[metric] else pd.DataFrame()
        missing[metric] = filters.shown(rows)
    names = store.summary_counts(con, by_opd=True, opd_keys=[opd_key])
    name = str(names["opd"].iloc[-1]) if not names.empty else opd_key
    view.figure.update_layout(title={"text": f"Perkembangan PDM: {name}"})
    return OpdDetail(name, view.figure, missing, available)


# ----------------------------------------------------------------------------- Data & Unduh

ROSTER_HEADERS = {
    "nip": "NIP",
    "nama": "Nama",
    "opd": "OPD",
    "jenis_asn": "Jenis ASN",
    "activated": "Status Aktivasi",
    "activated_on": "Tanggal Aktivasi",
    "pdm_done": "Status PDM",
    "verified": "Status Verifikasi",
    "email": "Email",
}


def roster_display(rows: pd.DataFrame) -> pd.DataFrame:
    """Roster rows with Indonesian headers and Sudah/Belum statuses (dates stay dates)."""
    frame = rows.copy()
    for column in ("activated", "pdm_done", "verified"):
        frame[column] = frame[column].map(lambda v: "tidak tersedia" if pd.isna(v) else STATUS_TEXT[bool(v)])
    frame["activated_on"] = pd.to_datetime(frame["activated_on"]).dt.date
    frame["email"] = frame["email"].fillna("")
    return frame[list(ROSTER_HEADERS)].rename(columns=ROSTER_HEADERS).reset_index(drop=True)


@dataclass(frozen=True)
class StatusFilter:
    activated: bool | None = None
    pdm_done: bool | None = None
    verified: bool | None = None


def _roster_filter(filters: Filters, status: StatusFilter) -> store.RosterFilter:
    return store.RosterFilter(
        opd_keys=filters.opd_keys or None,
        jenis_asn=filters.jenis_asn or None,
        activated=status.activated,
        pdm_done=status.pdm_done,
        verified=status.verified,
    )


def data_table(
    con: store.Connection, filters: Filters, status: StatusFilter, limit: int | None = None
) -> tuple[date | None, pd.DataFrame]:
    """The roster rows behind the numbers (every one of them without a limit: what a download holds)."""
    day = _day(con, filters)
    if day is None:
        return None, pd.DataFrame(columns=list(ROSTER_HEADERS.values()))
    rows = store.roster_rows(con, day, _roster_filter(filters, status), limit)
    return day, filters.shown(roster_display(rows))


def data_rows(con: store.Connection, filters: Filters, status: StatusFilter) -> pd.DataFrame:
    """Every row of the selection (what the Data & Unduh download writes)."""
    return data_table(con, filters, status)[1]


@dataclass
class DataPage:
    snapshot_date: date | None
    table: pd.DataFrame  # the first SHOWN_ROWS rows
    total: int  # how many rows the selection has


def data_page(con: store.Connection, filters: Filters, status: StatusFilter) -> DataPage:
    """What the Data & Unduh page shows: nationally millions of rows match, a browser shows the
    first SHOWN_ROWS and the download writes them all."""
    day, table = data_table(con, filters, status, SHOWN_ROWS)
    total = 0 if day is None else store.roster_row_count(con, day, _roster_filter(filters, status))
    return DataPage(day, table, total)


# ----------------------------------------------------------------------------- Unggah Snapshot


@dataclass
class UploadPreview:
    roster: Roster
    exists: bool
    rows_to_store: int
    activated: int
    report: pd.DataFrame  # the validation report with Indonesian headers


REPORT_HEADERS = {
    "sumber": "Sumber",
    "baris": "Baris",
    "kolom": "Kolom",
    "nilai": "Nilai",
    "alasan": "Alasan",
    "tingkat": "Tingkat",
}


def upload_preview(
    con: store.Connection,
    files: Sequence[tuple[bytes, str]],
    snapshot_date: date | None,
    progress: Progress | None = None,
) -> UploadPreview:
    """Read and check uploaded files (one snapshot) without storing anything (RosterError if unusable)."""
    roster = read_rosters(files, snapshot_date, progress, con)
    exists = roster.snapshot_date is not None and store.snapshot_exists(con, roster.snapshot_date)
    report = roster.problems.rename(columns=REPORT_HEADERS)
    return UploadPreview(roster, exists, roster.valid_count, roster.valid_activated_count, report)


def commit_upload(
    con: store.Connection, preview: UploadPreview, replace: bool, skip_invalid: bool, uploaded_by: str
) -> store.SavedSnapshot:
    return ingest_roster(con, preview.roster, skip_invalid=skip_invalid, replace=replace, uploaded_by=uploaded_by)


def remove_sample_data(con: store.Connection, actor: str) -> int:
    return store.delete_sample_snapshots(con, actor)


# ----------------------------------------------------------------------------- calendar in force


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain dicts (typed loosely on purpose: DuckDB decides the value types)."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _as_date(value: Any) -> date:
    return pd.Timestamp(value).date()


def calendar_in_force(con: store.Connection) -> Calendar:
    """The regulation calendar file plus every extension recorded in the store."""
    extra = [
        {
            "phase": r["phase"],
            "new_end": _as_date(r["new_end"]).isoformat(),
            "letter_number": r["letter_number"],
            "letter_date": _as_date(r["letter_date"]).isoformat(),
            "scope": r["scope"] or "",
        }
        for r in records(store.deadline_extensions(con))
    ]
    return load_calendar(extra_extensions=extra)


@dataclass
class CalendarView:
    phases: pd.DataFrame
    extensions: pd.DataFrame


def calendar_view(con: store.Connection) -> CalendarView:
    calendar = calendar_in_force(con)
    phases = pd.DataFrame(
        {
            "Fase": [p.name for p in calendar.phases],
            "Mulai": [format_date(p.start) for p in calendar.phases],
            "Berakhir (berlaku)": [format_date(p.end) for p in calendar.phases],
            "Berakhir (semula)": [format_date(p.original_end) for p in calendar.phases],
            "Dasar": [p.extension.letter_number if p.extension else p.source for p in calendar.phases],
        }
    )
    names = {p.key: p.name for p in calendar.phases}
    rows = records(store.deadline_extensions(con))
    history = pd.DataFrame(
        {
            "Fase": [names.get(r["phase"], r["phase"]) for r in rows],
            "Berakhir baru": [format_date(_as_date(r["new_end"])) for r in rows],
            "Nomor surat": [r["letter_number"] for r in rows],
            "Tanggal surat": [format_date(_as_date(r["letter_date"])) for r in rows],
            "Cakupan": [r["scope"] or "" for r in rows],
            "Dicatat oleh": [r["added_by"] or "" for r in rows],
            "Dicatat pada": [pd.Timestamp(r["added_at"]).strftime("%d/%m/%Y %H:%M") for r in rows],
        },
        columns=["Fase", "Berakhir baru", "Nomor surat", "Tanggal surat", "Cakupan", "Dicatat oleh", "Dicatat pada"],
    )
    return CalendarView(phases, history)


def add_extension(
    con: store.Connection, phase_key: str, new_end: date, letter_number: str, letter_date: date, scope: str, actor: str
) -> None:
    calendar = calendar_in_force(con)
    phase = next((p for p in calendar.phases if p.key == phase_key), None)
    if phase is None:
        raise PdmError(f"Fase '{phase_key}' tidak dikenal.")
    if not letter_number.strip():
        raise PdmError("Nomor surat perpanjangan wajib diisi.")
    if new_end < phase.start:
        raise PdmError(f"Tanggal berakhir baru tidak boleh sebelum awal fase ({format_date(phase.start)}).")
    store.add_deadline_extension(con, phase_key, new_end, letter_number.strip(), letter_date, scope.strip(), actor)


# ----------------------------------------------------------------------------- Perubahan


@dataclass
class ChangesView:
    from_date: date
    to_date: date
    totals: dict[str, int]
    summary: pd.DataFrame  # Indonesian headers
    lists: dict[str, pd.DataFrame]  # the first followup.SHOWN_CHANGES of each kind


def changes(
    con: store.Connection, from_date: date, to_date: date, opd_keys: tuple[str, ...] = (), masked: bool = False
) -> ChangesView:
    units = opd_keys or None
    totals = store.change_totals(con, from_date, to_date, units)
    summary = store.change_counts_per_opd(con, from_date, to_date, units)
    display = summary.rename(columns={"opd": "OPD", **followup.DIFF_LABELS})
    lists = {
        kind: change_names(con, from_date, to_date, kind, opd_keys, masked, followup.SHOWN_CHANGES)
        for kind in followup.DIFF_LABELS
    }
    return ChangesView(from_date, to_date, totals, display, lists)


def change_names(
    con: store.Connection,
    from_date: date,
    to_date: date,
    kind: str,
    opd_keys: tuple[str, ...] = (),
    masked: bool = False,
    limit: int | None = None,
) -> pd.DataFrame:
    """The ASN behind one kind of change (all of them without a limit: what a download holds)."""
    rows = store.change_list(con, from_date, to_date, kind, opd_keys or None, limit)
    return Filters(masked=masked).shown(followup.change_listing(rows))


# ----------------------------------------------------------------------------- Tindak lanjut


def _missing_rows(con: store.Connection, filters: Filters, day: date, metric: Metric) -> pd.DataFrame:
    where = store.RosterFilter(opd_keys=filters.opd_keys or None, jenis_asn=filters.jenis_asn or None)
    rows = store.roster_rows(con, day, where)
    return rows[~rows[metric.value].fillna(False).astype(bool)].reset_index(drop=True)


def metric_available(con: store.Connection, day: date, metric: Metric) -> bool:
    snapshot = store.list_snapshots(con)
    row = snapshot[snapshot["snapshot_date"].dt.date == day].iloc[0]
    return metric.availability_column is None or bool(row[metric.availability_column])


@dataclass
class FollowUpView:
    snapshot_date: date
    phase: Phase
    available: bool
    opds: list[followup.OpdFollowUp]
    summary: pd.DataFrame
    workbook: bytes


def follow_up(con: store.Connection, filters: Filters, metric: Metric) -> FollowUpView | None:
    day = _day(con, filters)
    if day is None:
        return None
    phase = calendar_in_force(con).phase_for(metric)
    available = metric_available(con, day, metric)
    missing = _missing_rows(con, filters, day, metric)
    if not available:  # a status the file lacked: nobody can be listed as missing it
        missing = missing.iloc[0:0]
    totals_frame = _counts(con, filters, True, day)
    totals = dict(zip(totals_frame["opd"], totals_frame["total"].astype(int), strict=True))
    if filters.masked:
        missing = missing.assign(
            nip=missing["nip"].map(export.mask_nip), email=missing["email"].fillna("").map(export.mask_email)
        )
    opds = followup.follow_up_by_opd(missing, totals, phase, day)
    summary = pd.DataFrame(
        {
            "OPD": [o.opd for o in opds],
            "Jumlah ASN": [o.total for o in opds],
            f"Belum {metric.label.lower()}": [len(o.missing) for o in opds],
        }
    )
    left = format_days_left(phase.days_left(day))
    subtitle = f"Snapshot {format_date(day)}; tenggat {format_date(phase.end)} ({left})"
    workbook = export.follow_up_workbook(
        summary, [(o.opd, o.missing) for o in opds], f"Tindak lanjut {metric.label}", subtitle
    )
    return FollowUpView(day, phase, available, opds, summary, workbook)


def email_risk(con: store.Connection, filters: Filters) -> tuple[date | None, pd.DataFrame]:
    day = _day(con, filters)
    if day is None:
        return None, pd.DataFrame()
    not_activated = _missing_rows(con, filters, day, Metric.AKTIVASI)
    return day, filters.shown(followup.email_risks(not_activated, store.email_sharing(con, day)))


def sanctions(
    con: store.Connection, filters: Filters, metric: Metric
) -> tuple[date | None, Phase, pd.DataFrame | None]:
    phase = calendar_in_force(con).phase_for(metric)
    day = _day(con, filters)
    if day is None or not metric_available(con, day, metric):
        return day, phase, None
    listing = followup.sanction_list(_missing_rows(con, filters, day, metric), phase, day)
    return day, phase, None if listing is None else filters.shown(listing)


# ----------------------------------------------------------------------------- Laju & proyeksi


def _points(rates: list[Rates], metric: Metric) -> list[tuple[date, float]]:
    return [(r.snapshot_date, float(v)) for r in rates if (v := r.rate(metric)) is not None]


def pace_table(con: store.Connection, filters: Filters) -> tuple[date | None, pd.DataFrame]:
    """Per OPD and overall, for each phase with a rate on the snapshot date: pace and projection."""
    day = _day(con, filters)
    if day is None:
        return None, pd.DataFrame()
    calendar = calendar_in_force(con)
    overall = _counts(con, filters, False, None).assign(opd="Semua OPD")
    counts = pd.concat([overall, _counts(con, filters, True, None)], ignore_index=True)
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


def at_risk_opd(con: store.Connection, filters: Filters) -> pd.DataFrame:
    """The OPD that will miss a still-open deadline at their current pace (for the Ringkasan page)."""
    return at_risk_rows(pace_table(con, filters)[1])


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
        projected = pace(points, day, phase, daily if metric == Metric.AKTIVASI else [])
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


# ----------------------------------------------------------------------------- Profil dari NIP


def nip_profile(con: store.Connection, filters: Filters) -> tuple[date | None, dict[str, pd.DataFrame]]:
    day = _day(con, filters)
    if day is None:
        return None, {}
    counts = store.nip_profile_counts(con, day, filters.opd_keys or None, filters.jenis_asn or None)
    available = {m: metric_available(con, day, m) for m in Metric}
    return day, profile_groups(counts, day, available)


# ----------------------------------------------------------------------------- Laporan PDF

REPORT_RANKING_SIZE = 25


def report_pdf(con: store.Connection, filters: Filters, generated_on: date) -> tuple[date | None, bytes]:
    """The printable meeting report for the chosen snapshot and filters."""
    # Imported here: matplotlib and fpdf take most of a second to load, and only this page needs them.
    from pdm_metrics import report

    calendar = calendar_in_force(con)
    summary = overview(con, calendar, filters)
    if summary is None:
        return None, b""
    day = summary.snapshot_date
    history = [r for r in rates_from_counts(_counts(con, filters, False, None)) if r.snapshot_date <= day]
    table = summary.opd_table.head(REPORT_RANKING_SIZE)
    ranking = [(str(o), float(v), str(t).split(" ")[0]) for o, v, t in
               zip(table["OPD"], table["Aktivasi (bar)"], table["Aktivasi"], strict=True)]  # fmt: skip
    risky = at_risk_opd(con, filters)
    follow_rows = []
    for metric in Metric:
        if not metric_available(con, day, metric):
            follow_rows.append([metric.label, "tidak tersedia", "-"])
            continue
        missing = _missing_rows(con, filters, day, metric)
        follow_rows.append([metric.label, format_int(len(missing)), format_int(missing["opd"].nunique())])
    data = report.ReportData(
        title="Laporan Pemantauan Pemutakhiran Data Mandiri (PDM) ASN melalui MySAPK",
        snapshot_date=day,
        scope=f"{format_int(summary.population)} ASN; {filters.description}",
        generated_on=generated_on,
        kpi_rows=[[k.metric.label, k.rate_text, k.count_text, k.deadline_text] for k in summary.kpis],
        history=history,
        ranking=ranking,
        at_risk_rows=[list(map(str, row)) for row in risky.head(20).itertuples(index=False, name=None)],
        follow_up_rows=follow_rows,
    )
    return day, report.build_report(data, calendar)
