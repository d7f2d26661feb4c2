"""Tindak Lanjut: names to chase per OPD, emails that block activation, who missed a deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from pdm_metrics import export, followup, store
from pdm_metrics.campaign import Stage
from pdm_metrics.deadlines import Calendar, Phase
from pdm_metrics.errors import PdmError
from pdm_metrics.fmt import format_date, format_days_left, format_int
from pdm_metrics.views.common import (
    MAX_LISTED_UNITS,
    Filters,
    column_available,
    missing_rows,
    selected_day,
    selection_counts,
    stage_available,
    units_in_selection,
)


class TooManyUnits(PdmError):
    """The selection covers more units than a list of names can serve (MAX_LISTED_UNITS)."""


def _check_listing_size(con: store.Connection, filters: Filters) -> None:
    """Name lists are made for at most MAX_LISTED_UNITS OPD: nationally a list of every name in
    the country helps nobody, and takes minutes."""
    units = units_in_selection(con, filters)
    if units > MAX_LISTED_UNITS:
        raise TooManyUnits(
            f"Pilihan ini mencakup {format_int(units)} OPD. Daftar nama, pesan WhatsApp dan buku kerja dibuat untuk "
            f"paling banyak {format_int(MAX_LISTED_UNITS)} OPD sekaligus: pilih instansi atau OPD di bilah samping."
        )


@dataclass
class FollowUpView:
    snapshot_date: date
    phase: Phase
    available: bool
    opds: list[followup.OpdFollowUp]
    summary: pd.DataFrame
    workbook: bytes


def follow_up(
    con: store.Connection, calendar: Calendar, filters: Filters, stage: Stage, most_missing_first: bool = True
) -> FollowUpView | None:
    """Per OPD: who has not done `stage`'s phase, a WhatsApp message, one workbook. TooManyUnits
    past MAX_LISTED_UNITS OPD."""
    _check_listing_size(con, filters)
    day = selected_day(con, filters)
    if day is None:
        return None
    phase = calendar.phase_for(stage)
    available = stage_available(con, day, stage, filters.campaign_key)
    missing = missing_rows(con, filters, day, stage)
    if not available:  # a status the file lacked: nobody can be listed as missing it
        missing = missing.iloc[0:0]
    totals_frame = selection_counts(con, filters, True, day)
    totals = dict(zip(totals_frame["opd"], totals_frame["total"].astype(int), strict=True))
    if filters.masked:
        missing = missing.assign(
            nip=missing["nip"].map(export.mask_nip), email=missing["email"].fillna("").map(export.mask_email)
        )
    opds = followup.follow_up_by_opd(missing, totals, calendar.campaign, phase, day, most_missing_first)
    summary = pd.DataFrame(
        {
            "OPD": [o.opd for o in opds],
            "Jumlah ASN": [o.total for o in opds],
            f"Belum {stage.word}": [len(o.missing) for o in opds],
        }
    )
    left = format_days_left(phase.days_left(day))
    subtitle = f"Snapshot {format_date(day)}; tenggat {format_date(phase.end)} ({left})"
    workbook = export.follow_up_workbook(
        summary, [(o.opd, o.missing) for o in opds], f"Tindak lanjut {stage.label}", subtitle
    )
    return FollowUpView(day, phase, available, opds, summary, workbook)


@dataclass
class EmailRiskView:
    snapshot_date: date | None
    available: bool  # False: the file had no email column, so no email can be judged
    risks: pd.DataFrame


def email_risk(con: store.Connection, stage: Stage, filters: Filters) -> EmailRiskView:
    """The ASN who have not done `stage` (the campaign's email_token_stage: its token goes to the
    registered email) whose email likely blocks the token."""
    _check_listing_size(con, filters)
    day = selected_day(con, filters)
    if day is None:
        return EmailRiskView(None, False, pd.DataFrame())
    if not column_available(con, day, "has_email", filters.campaign_key):
        return EmailRiskView(day, False, pd.DataFrame())
    not_done = missing_rows(con, filters, day, stage)
    risks = filters.shown(followup.email_risks(not_done, store.email_sharing(con, day, filters.campaign_key)))
    return EmailRiskView(day, True, risks)


def sanctions(
    con: store.Connection, calendar: Calendar, filters: Filters, stage: Stage
) -> tuple[date | None, Phase, pd.DataFrame | None]:
    _check_listing_size(con, filters)
    phase = calendar.phase_for(stage)
    day = selected_day(con, filters)
    if day is None or not stage_available(con, day, stage, filters.campaign_key):
        return day, phase, None
    listing = followup.sanction_list(missing_rows(con, filters, day, stage), calendar.campaign, phase, day)
    return day, phase, None if listing is None else filters.shown(listing)
