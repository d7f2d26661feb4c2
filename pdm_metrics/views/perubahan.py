"""Perubahan: what changed between two snapshots, per OPD, with the names behind each count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from pdm_metrics import followup, store
from pdm_metrics.fmt import format_date
from pdm_metrics.schema import COLUMN_LABELS, OPTIONAL_COLUMN_FLAGS
from pdm_metrics.views.common import Filters, column_available

# A kind of change that needs a status column in both files: between a file without PDM status
# and one with it, every PDM done would count as new.
NEEDED_COLUMN = {"newly_pdm_done": "has_pdm", "newly_verified": "has_verification"}


@dataclass
class ChangesView:
    from_date: date
    to_date: date
    totals: dict[str, int]
    summary: pd.DataFrame  # Indonesian headers; without the kinds withheld
    lists: dict[str, pd.DataFrame]  # the first followup.SHOWN_CHANGES of each kind (empty when withheld)
    withheld: dict[str, str]  # kind -> why it cannot be counted ("tidak tersedia: …")


def changes(
    con: store.Connection, from_date: date, to_date: date, opd_keys: tuple[str, ...] = (), masked: bool = False
) -> ChangesView:
    withheld = _withheld(con, from_date, to_date)
    report = store.change_report(con, from_date, to_date, opd_keys or None, followup.SHOWN_CHANGES)
    summary = report.per_opd.drop(columns=list(withheld))
    display = summary.rename(columns={"opd": "OPD", **followup.DIFF_LABELS})
    shown = Filters(masked=masked).shown
    lists = {
        kind: pd.DataFrame() if kind in withheld else shown(followup.change_listing(report.lists[kind]))
        for kind in followup.DIFF_LABELS
    }
    return ChangesView(from_date, to_date, report.totals, display, lists, withheld)


def _withheld(con: store.Connection, from_date: date, to_date: date) -> dict[str, str]:
    """The kinds of change that cannot be counted, with the reason in words."""
    reasons = {}
    for kind, flag in NEEDED_COLUMN.items():
        lacking = [day for day in (from_date, to_date) if not column_available(con, day, flag)]
        if lacking:
            label = COLUMN_LABELS[OPTIONAL_COLUMN_FLAGS[flag]]
            reasons[kind] = f"tidak tersedia: snapshot {format_date(lacking[0])} tidak memuat kolom {label}"
    return reasons


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
