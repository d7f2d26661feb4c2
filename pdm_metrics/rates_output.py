"""What `rates` and `diff` print: records per snapshot (and OPD) with each stage's figures.

The wide form names each stage's columns as its definition says (count_name, rate_name: PDM
2021 keeps the activated/activation_rate columns documented since the first release); the long
form (`rates --campaign`) has one row per snapshot, OPD and stage.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from pdm_metrics import store
from pdm_metrics.campaign import Campaign
from pdm_metrics.metrics import rates_frame
from pdm_metrics.outputs import plain_value
from pdm_metrics.schema import PERSON_CHANGE_KINDS

LONG_COLUMNS = ("snapshot_date", "opd", "stage", "total", "done", "rate")


def wide_columns(campaign: Campaign) -> tuple[str, ...]:
    counts = tuple(s.count_name for s in campaign.stages)
    rates = tuple(s.rate_name for s in campaign.stages)
    return ("snapshot_date", "opd", "total", *counts, *rates)


def _frame(con: store.Connection, campaign: Campaign, by: str, snapshot_date: date | None) -> pd.DataFrame:
    counts = store.summary_counts(con, by_opd=by == "opd", snapshot_date=snapshot_date, campaign=campaign.key)
    frame = rates_frame(counts, campaign.stages)
    if by == "total":
        frame["opd"] = None
    for stage in campaign.stages:
        frame[stage.done_column] = frame[stage.done_column].astype(object)
    return frame


def wide_records(
    con: store.Connection, campaign: Campaign, by: str, snapshot_date: date | None
) -> list[dict[str, object]]:
    """One record per snapshot (and OPD): the count and rate of every stage in columns of its own."""
    names = {"snapshot_date": "snapshot_date", "opd": "opd", "total": "total"}
    for stage in campaign.stages:
        names[stage.count_name], names[stage.rate_name] = stage.done_column, stage.rate_column
    frame = _frame(con, campaign, by, snapshot_date)
    return [{c: plain_value(row[names[c]]) for c in wide_columns(campaign)} for row in frame.to_dict("records")]


def long_records(
    con: store.Connection, campaign: Campaign, by: str, snapshot_date: date | None
) -> list[dict[str, object]]:
    """One record per snapshot, OPD and stage: done and rate empty where the file had no such column."""
    records = []
    for row in _frame(con, campaign, by, snapshot_date).to_dict("records"):
        for stage in campaign.stages:
            records.append(
                {
                    "snapshot_date": plain_value(row["snapshot_date"]),
                    "opd": plain_value(row["opd"]),
                    "stage": stage.key,
                    "total": plain_value(row["total"]),
                    "done": plain_value(row[stage.done_column]),
                    "rate": plain_value(row[stage.rate_column]),
                }
            )
    return records


def diff_columns(campaign: Campaign) -> dict[str, str]:
    """diff's output column -> the stored kind of change: each stage newly done
    (newly_<count_name>: newly_activated for PDM 2021), then who went back, came, left or moved."""
    stages = {f"newly_{s.count_name}": s.newly_done_column for s in campaign.stages}
    return {**stages, **{kind: kind for kind in PERSON_CHANGE_KINDS}}
