"""The regulation calendar as data: phases, and the extensions that moved their ends.

The calendar lives in data/regulation_calendar.json. An extension names the
letter that granted it; the one in force for a phase is the latest by letter
date (ties: the later entry in the file).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pdm_metrics.metrics import Metric

DEFAULT_CALENDAR_PATH = Path(__file__).resolve().parent.parent / "data" / "regulation_calendar.json"


@dataclass(frozen=True)
class Extension:
    phase_key: str
    new_end: date
    letter_number: str
    letter_date: date
    scope: str


@dataclass(frozen=True)
class Phase:
    key: str
    name: str
    metric: Metric
    start: date
    end: date  # the end in force (after extensions)
    original_end: date
    source: str
    extension: Extension | None = None

    def days_left(self, today: date) -> int:
        return (self.end - today).days


@dataclass(frozen=True)
class Calendar:
    phases: tuple[Phase, ...]
    extensions: tuple[Extension, ...]

    def phase_for(self, metric: Metric) -> Phase:
        return next(p for p in self.phases if p.metric == metric)


def load_calendar_data(path: Path | None = None) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((path or DEFAULT_CALENDAR_PATH).read_text(encoding="utf-8"))
    return data


def load_calendar(path: Path | None = None, extra_extensions: list[dict[str, Any]] | None = None) -> Calendar:
    """The calendar file, plus extensions recorded since (e.g. on the Kalender page)."""
    raw = load_calendar_data(path)
    raw["extensions"] = [*raw.get("extensions", []), *(extra_extensions or [])]
    return calendar_from_dict(raw)


def calendar_from_dict(raw: Mapping[str, object]) -> Calendar:
    extensions = tuple(
        Extension(
            phase_key=str(e["phase"]),
            new_end=date.fromisoformat(str(e["new_end"])),
            letter_number=str(e["letter_number"]),
            letter_date=date.fromisoformat(str(e["letter_date"])),
            scope=str(e.get("scope", "")),
        )
        for e in raw.get("extensions", [])  # type: ignore[attr-defined]
    )
    phases = []
    for p in raw["phases"]:  # type: ignore[attr-defined]
        original_end = date.fromisoformat(p["end"])
        own = [e for e in extensions if e.phase_key == p["key"]]
        in_force = max(reversed(own), key=lambda e: e.letter_date) if own else None
        phases.append(
            Phase(
                key=p["key"],
                name=p["name"],
                metric=Metric(p["metric"]),
                start=date.fromisoformat(p["start"]),
                end=in_force.new_end if in_force else original_end,
                original_end=original_end,
                source=p["source"],
                extension=in_force,
            )
        )
    return Calendar(tuple(phases), extensions)
