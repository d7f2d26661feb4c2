"""Data & Unduh: the roster rows behind the numbers, filtered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from pdm_metrics import export, store
from pdm_metrics.views.common import (
    SHOWN_ROWS,
    Filters,
    campaign_shown,
    chosen_units,
    roster_display,
    roster_headers,
    selected_day,
)


@dataclass(frozen=True)
class StatusFilter:
    """Done or not per stage key (a stage not named: either)."""

    done: tuple[tuple[str, bool], ...] = ()


def _roster_filter(con: store.Connection, filters: Filters, status: StatusFilter) -> store.RosterFilter:
    campaign = campaign_shown(con, filters)
    return store.RosterFilter(
        opd_keys=filters.opd_keys or None,
        jenis_asn=filters.jenis_asn or None,
        done=tuple((campaign.stage(key).slot, done) for key, done in status.done),
        campaign=campaign.key,
    )


def data_table(
    con: store.Connection, filters: Filters, status: StatusFilter, limit: int | None = None
) -> tuple[date | None, pd.DataFrame]:
    """The roster rows behind the numbers (every one of them without a limit: what a download holds)."""
    day = selected_day(con, filters)
    campaign = campaign_shown(con, filters)
    if day is None:
        return None, pd.DataFrame(columns=list(roster_headers(campaign).values()))
    rows = store.roster_rows(con, day, _roster_filter(con, filters, status), limit)
    return day, filters.shown(roster_display(rows, campaign))


def data_rows(con: store.Connection, filters: Filters, status: StatusFilter) -> pd.DataFrame:
    """Every row of the selection (what the Data & Unduh XLSX download writes)."""
    return data_table(con, filters, status)[1]


def data_csv(con: store.Connection, filters: Filters, status: StatusFilter) -> bytes:
    """Every row of the selection as CSV, written by DuckDB (the same file export.to_csv_bytes
    makes of data_rows, at DuckDB's speed: nationally millions of rows)."""
    day = selected_day(con, filters)
    campaign = campaign_shown(con, filters)
    if day is None:
        return export.to_csv_bytes(pd.DataFrame(columns=list(roster_headers(campaign).values())))
    return store.roster_csv(con, campaign, day, _roster_filter(con, filters, status), filters.masked)


@dataclass
class DataPage:
    snapshot_date: date | None
    table: pd.DataFrame  # the first SHOWN_ROWS rows
    total: int  # how many rows the selection has
    units: str  # the OPD chosen, for titles ("" for all)
    units_slug: str  # the same for file names


def data_page(con: store.Connection, filters: Filters, status: StatusFilter) -> DataPage:
    """What the Data & Unduh page shows: nationally millions of rows match, a browser shows the
    first SHOWN_ROWS and the download writes them all."""
    day, table = data_table(con, filters, status, SHOWN_ROWS)
    total = 0 if day is None else store.roster_row_count(con, day, _roster_filter(con, filters, status))
    return DataPage(day, table, total, *chosen_units(con, filters))
