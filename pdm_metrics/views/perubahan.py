"""Perubahan: what changed between two snapshots, per OPD, with the names behind each count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from pdm_metrics import followup, store
from pdm_metrics.views.common import (
    Filters,
)


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
