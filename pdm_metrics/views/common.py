"""What every page's view shares: the sidebar's filters and choices, the snapshot shown, counts,
the calendar in force, and the caps on what a screen lists."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from pdm_metrics import export, store
from pdm_metrics.campaign import Campaign, Stage
from pdm_metrics.deadlines import Calendar, load_calendar
from pdm_metrics.fmt import format_int

STATUS_TEXT = {True: "Sudah", False: "Belum"}
# A browser table of millions of rows helps nobody: tables show this many, downloads hold all.
SHOWN_ROWS = 5_000
# Name lists, WhatsApp messages and the per-OPD workbook are made for at most this many units at
# once: nationally (30.000 units) a page of every name in the country helps nobody.
MAX_LISTED_UNITS = 200
CHART_UNITS = 25  # past 2 x this many units, charts show the lowest and highest CHART_UNITS


@dataclass(frozen=True)
class Filters:
    """The sidebar's choices, shared by every page."""

    snapshot_date: date | None = None
    opd_keys: tuple[str, ...] = ()
    jenis_asn: tuple[str, ...] = ()
    masked: bool = False  # hide NIP and email (roles that do not need them)
    campaign: Campaign | None = None  # None: the database's own (store.current_campaign)

    def shown(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A display table as this viewer may see it."""
        return export.mask_personal(frame) if self.masked else frame

    @property
    def campaign_key(self) -> str | None:
        """The key the store reads by (None: the database's own campaign)."""
        return self.campaign.key if self.campaign else None

    @property
    def description(self) -> str:
        parts = [f"{format_int(len(self.opd_keys))} OPD terpilih" if self.opd_keys else "semua OPD"]
        parts.append(", ".join(self.jenis_asn) if self.jenis_asn else "PNS dan PPPK")
        return "; ".join(parts)


@dataclass(frozen=True)
class SidebarChoices:
    """What the sidebar offers: the snapshot dates (oldest first) and every unit ever stored."""

    dates: list[date]
    units: pd.DataFrame  # opd_key, opd, instansi_key, instansi; by name
    # opd_key -> name, in the units' order: made once per data version, not on every rerun
    # (30.000 units nationally: walking the table's Arrow strings took 0,3 s a click).
    unit_names: dict[str, str]

    @property
    def has_instansi(self) -> bool:
        """Whether any stored snapshot carried an instansi column (national or provincial data)."""
        return bool(self.units["instansi_key"].notna().any())


NAMED_UNITS = 3


def chosen_units(con: store.Connection, filters: Filters) -> tuple[str, str]:
    """The OPD chosen, in words for a title ("OPD: Dinas A, Dinas B") and for a file name
    ("dinas-a", "5-opd"); empty words when every OPD is shown."""
    if not filters.opd_keys:
        return "", ""
    units = store.opd_choices(con)
    names = units.loc[units["opd_key"].isin(filters.opd_keys), "opd"].astype(str).tolist()
    shown = ", ".join(names[:NAMED_UNITS])
    more = f" dan {format_int(len(names) - NAMED_UNITS)} lainnya" if len(names) > NAMED_UNITS else ""
    slug = re.sub(r"[^0-9a-z]+", "-", names[0].lower()).strip("-") if len(names) == 1 else f"{len(names)}-opd"
    return f"OPD: {shown}{more}", slug


def sidebar_choices(con: store.Connection, campaign: str | None = None) -> SidebarChoices:
    units = store.opd_choices(con)
    return SidebarChoices(store.snapshot_dates(con, campaign), units, unit_names(units))


def unit_names(units: pd.DataFrame) -> dict[str, str]:
    """opd_key -> name of a table of units, in its order (whole columns to Python at once)."""
    return dict(zip(units["opd_key"].tolist(), units["opd"].astype(str).tolist(), strict=True))


def campaign_choices(con: store.Connection) -> list[Campaign]:
    """The campaigns the sidebar offers: those with snapshots, the newest snapshot's first (the
    one shown unless another is chosen), then those added without snapshots yet."""
    stored = store.stored_campaigns(con)
    with_snapshots = [stored[key] for key in store.campaigns_with_snapshots(con) if key in stored]
    return with_snapshots + [c for c in stored.values() if c not in with_snapshots]


def selected_day(con: store.Connection, filters: Filters) -> date | None:
    """The snapshot the pages show: the chosen one, or the campaign's latest (None: no data yet)."""
    dates = store.snapshot_dates(con, filters.campaign_key)
    if not dates:
        return None
    return filters.snapshot_date if filters.snapshot_date in dates else dates[-1]


def selection_counts(
    con: store.Connection, filters: Filters, by_opd: bool, day: date | None, level: str = "opd"
) -> pd.DataFrame:
    """store.summary_counts for the sidebar's choice."""
    return store.summary_counts(
        con,
        by_opd=by_opd,
        snapshot_date=day,
        opd_keys=filters.opd_keys or None,
        jenis_asn=filters.jenis_asn or None,
        level=level,
        campaign=filters.campaign_key,
    )


def units_in_selection(con: store.Connection, filters: Filters) -> int:
    """How many OPD the current selection covers on its snapshot."""
    day = selected_day(con, filters)
    return 0 if day is None else len(selection_counts(con, filters, True, day))


def lowest_and_highest(frame: pd.DataFrame, count: int = CHART_UNITS) -> tuple[pd.DataFrame, int]:
    """A sorted frame cut to its first and last `count` rows (a readable chart at any scale),
    with how many rows were left out."""
    if len(frame) <= 2 * count:
        return frame, 0
    return pd.concat([frame.head(count), frame.tail(count)]), len(frame) - 2 * count


def by_name(column: pd.Series) -> pd.Series:
    """Sort key of a frame's columns: names as fmt.reading_order (and store.OPD_BY_NAME in SQL)
    orders them, other columns as they are."""
    return column.str.lower() if pd.api.types.is_string_dtype(column) else column


UNMAPPED_SHOWN = 5


def unmapped_note(con: store.Connection, day: date, campaign: str | None = None) -> str | None:
    """The units of a snapshot the Peta Unit Kerja does not name (each counted as an OPD of its
    own until mapped), most ASN first; None when all are mapped or no map is loaded."""
    units = store.unmapped_units(con, day, campaign)
    if units.empty:
        return None
    pairs = list(zip(units["unit"].astype(str), units["asn"].astype(int), strict=True))
    shown = ", ".join(f"{unit} ({format_int(asn)} ASN)" for unit, asn in pairs[:UNMAPPED_SHOWN])
    rest = len(pairs) - UNMAPPED_SHOWN
    more = f", dan {format_int(rest)} unit lainnya" if rest > 0 else ""
    return (
        f"{format_int(len(pairs))} unit belum dipetakan ke OPD: {shown}{more}. Unit ini dihitung sebagai OPD "
        "tersendiri sampai dipetakan di halaman Peta Unit Kerja."
    )


def column_available(con: store.Connection, day: date, flag: str, campaign: str | None = None) -> bool:
    """Whether the snapshot of `day` carried an optional column (`flag`: schema.OPTIONAL_COLUMN_FLAGS)."""
    snapshot = store.list_snapshots(con, campaign)
    row = snapshot[snapshot["snapshot_date"].dt.date == day].iloc[0]
    return bool(row[flag])


def snapshot_is_sample(con: store.Connection, day: date, campaign: str | None = None) -> bool:
    """Whether the snapshot of `day` is sample data (a report made from it says so)."""
    snapshots = store.list_snapshots(con, campaign)
    return bool(snapshots.loc[snapshots["snapshot_date"].dt.date == day, "is_sample"].astype(bool).any())


def stage_available(con: store.Connection, day: date, stage: Stage, campaign: str | None = None) -> bool:
    """Whether the snapshot of `day` carried the status column of `stage`."""
    return column_available(con, day, stage.has_flag, campaign)


def missing_rows(con: store.Connection, filters: Filters, day: date, stage: Stage) -> pd.DataFrame:
    """The roster rows of the selection that have not done `stage` (filtered in SQL: nationally
    only the rows asked for leave DuckDB)."""
    where = store.RosterFilter(
        opd_keys=filters.opd_keys or None,
        jenis_asn=filters.jenis_asn or None,
        done=((stage.slot, False),),
        campaign=filters.campaign_key,
    )
    return store.roster_rows(con, day, where)


def campaign_shown(con: store.Connection, filters: Filters) -> Campaign:
    """The campaign the pages speak of: the sidebar's, else the database's own."""
    return filters.campaign or store.current_campaign(con)


def roster_headers(campaign: Campaign) -> dict[str, str]:
    """Stored roster column -> its header on screen and in downloads (store.downloads.header)."""
    labels = campaign.vocabulary.labels
    stages = {}
    for s in campaign.stages:
        stages[s.done_column] = labels[s.status_column]
        if s.date_aliases:
            stages[s.done_on_column] = labels[s.date_column]
    person = {"nip": "NIP", "nama": "Nama", "opd": "OPD", "unit": "Unit kerja", "jenis_asn": "Jenis ASN"}
    return {**person, **stages, "email": "Email"}


def roster_display(rows: pd.DataFrame, campaign: Campaign) -> pd.DataFrame:
    """Roster rows with Indonesian headers and Sudah/Belum statuses (dates stay dates)."""
    frame = rows.copy()
    headers = roster_headers(campaign)
    for s in campaign.stages:
        frame[s.done_column] = frame[s.done_column].map(
            lambda v: "tidak tersedia" if pd.isna(v) else STATUS_TEXT[bool(v)]
        )
        if s.done_on_column in headers:
            frame[s.done_on_column] = pd.to_datetime(frame[s.done_on_column]).dt.date
    frame["email"] = frame["email"].fillna("")
    frame["unit"] = frame["unit"].fillna(frame["opd"])
    return frame[list(headers)].rename(columns=headers).reset_index(drop=True)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain dicts (typed loosely on purpose: DuckDB decides the value types)."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def as_date(value: Any) -> date:
    return pd.Timestamp(value).date()


def calendar_in_force(con: store.Connection, campaign: Campaign) -> Calendar:
    """The campaign's calendar plus every extension of it recorded in the store."""
    extra = [
        {
            "phase": r["phase"],
            "new_end": as_date(r["new_end"]).isoformat(),
            "letter_number": r["letter_number"],
            "letter_date": as_date(r["letter_date"]).isoformat(),
            "scope": r["scope"] or "",
        }
        for r in records(store.deadline_extensions(con))
        if r.get("campaign", campaign.key) == campaign.key
    ]
    return load_calendar(campaign, extra_extensions=extra)
