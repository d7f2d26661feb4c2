"""Perubahan: what changed between two snapshots, per OPD, with the names behind each count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from pdm_metrics import followup, store
from pdm_metrics.campaign import Campaign
from pdm_metrics.fmt import format_date
from pdm_metrics.views.common import Filters, column_available


@dataclass
class ChangesView:
    from_date: date
    to_date: date
    kinds: dict[str, str]  # kind of change -> its label, in the campaign's order
    totals: dict[str, int]
    summary: pd.DataFrame  # Indonesian headers; without the kinds withheld
    lists: dict[str, pd.DataFrame]  # the first followup.SHOWN_CHANGES of each kind (empty when withheld)
    withheld: dict[str, str]  # kind -> why it cannot be counted ("tidak tersedia: …")


def changes(
    con: store.Connection,
    campaign: Campaign,
    from_date: date,
    to_date: date,
    opd_keys: tuple[str, ...] = (),
    masked: bool = False,
) -> ChangesView:
    kinds = followup.diff_labels(campaign)
    withheld = _withheld(con, campaign, from_date, to_date)
    report = store.change_report(con, from_date, to_date, opd_keys or None, followup.SHOWN_CHANGES, campaign.key)
    summary = report.per_opd[["opd", *(k for k in kinds if k not in withheld)]]
    display = summary.rename(columns={"opd": "OPD", **kinds})
    shown = Filters(masked=masked).shown
    lists = {
        kind: pd.DataFrame() if kind in withheld else shown(followup.change_listing(report.lists[kind]))
        for kind in kinds
    }
    return ChangesView(from_date, to_date, kinds, report.totals, display, lists, withheld)


def _withheld(con: store.Connection, campaign: Campaign, from_date: date, to_date: date) -> dict[str, str]:
    """The kinds of change that cannot be counted, with the reason in words: a stage newly done
    needs its status column in both files (between a file without it and one with it, every
    one done would count as new)."""
    reasons = {}
    labels = campaign.vocabulary.labels
    for stage in campaign.stages:
        lacking = [day for day in (from_date, to_date) if not column_available(con, day, stage.has_flag, campaign.key)]
        if lacking:
            label = labels[stage.status_column]
            reasons[stage.newly_done_column] = (
                f"tidak tersedia: snapshot {format_date(lacking[0])} tidak memuat kolom {label}"
            )
    return reasons


def change_names(
    con: store.Connection,
    from_date: date,
    to_date: date,
    kind: str,
    opd_keys: tuple[str, ...] = (),
    masked: bool = False,
    limit: int | None = None,
    campaign: str | None = None,
) -> pd.DataFrame:
    """The ASN behind one kind of change (all of them without a limit: what a download holds)."""
    rows = store.change_list(con, from_date, to_date, kind, opd_keys or None, limit, campaign)
    return Filters(masked=masked).shown(followup.change_listing(rows))
