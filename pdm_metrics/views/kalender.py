"""Kalender Regulasi: the phases in force and the history of their extensions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from pdm_metrics import store
from pdm_metrics.errors import PdmError
from pdm_metrics.fmt import (
    format_date,
)
from pdm_metrics.views.common import (
    as_date,
    calendar_in_force,
    records,
)


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
