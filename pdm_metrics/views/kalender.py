"""Kalender Regulasi: the campaign's phases in force and the history of their extensions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from pdm_metrics import store
from pdm_metrics.campaign import Campaign
from pdm_metrics.errors import PdmError
from pdm_metrics.fmt import (
    format_date,
)
from pdm_metrics.schema import name_problem
from pdm_metrics.views.common import (
    as_date,
    calendar_in_force,
    records,
)


@dataclass
class CalendarView:
    phases: pd.DataFrame
    extensions: pd.DataFrame


def calendar_view(con: store.Connection, campaign: Campaign) -> CalendarView:
    calendar = calendar_in_force(con, campaign)
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
    rows = [r for r in records(store.deadline_extensions(con)) if r.get("campaign", campaign.key) == campaign.key]
    history = pd.DataFrame(
        {
            "Fase": [names.get(r["phase"], r["phase"]) for r in rows],
            "Berakhir baru": [format_date(as_date(r["new_end"])) for r in rows],
            "Nomor surat": [r["letter_number"] for r in rows],
            "Tanggal surat": [format_date(as_date(r["letter_date"])) for r in rows],
            "Cakupan": [r["scope"] or "" for r in rows],
            "Dicatat oleh": [r["added_by"] or "" for r in rows],
            "Dicatat pada": [pd.Timestamp(r["added_at"]).strftime("%d/%m/%Y %H:%M") for r in rows],
        },
        columns=["Fase", "Berakhir baru", "Nomor surat", "Tanggal surat", "Cakupan", "Dicatat oleh", "Dicatat pada"],
    )
    return CalendarView(phases, history)


def add_extension(
    con: store.Connection,
    campaign: Campaign,
    phase_key: str,
    new_end: date,
    letter_number: str,
    letter_date: date,
    scope: str,
    actor: str,
    today: date,
) -> None:
    """Record an extension by letter, refused (PdmError) when it cannot be one: an unknown phase, no
    letter number, a name an upload would refuse, an end before the phase began, or a letter dated
    after today or before the campaign (a typo such as 2030 for 2021 would become "the latest letter")."""
    calendar = calendar_in_force(con, campaign)
    phase = next((p for p in calendar.phases if p.key == phase_key), None)
    if phase is None:
        raise PdmError(f"Fase '{phase_key}' tidak dikenal.")
    letter_number, scope = " ".join(letter_number.split()), " ".join(scope.split())
    if not letter_number:
        raise PdmError("Nomor surat perpanjangan wajib diisi.")
    for label, text in (("Nomor surat", letter_number), ("Cakupan", scope)):
        if problem := name_problem(text):
            raise PdmError(f"{label} {problem}. Tulis seperti pada surat.")
    if new_end < phase.start:
        raise PdmError(f"Tanggal berakhir baru tidak boleh sebelum awal fase ({format_date(phase.start)}).")
    campaign_start = min(p.start for p in calendar.phases)
    if letter_date > today:
        raise PdmError(
            f"Tanggal surat {format_date(letter_date)} sesudah hari ini ({format_date(today)}): periksa tahunnya."
        )
    if letter_date < campaign_start:
        raise PdmError(
            f"Tanggal surat {format_date(letter_date)} sebelum kegiatan dimulai ({format_date(campaign_start)}): "
            "periksa tahunnya."
        )
    store.add_deadline_extension(con, campaign.key, phase_key, new_end, letter_number, letter_date, scope, actor)
