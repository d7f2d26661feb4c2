"""The regulation calendar: phases, and the extensions that moved their ends.

The phases are the stages of the campaign definition (data/campaigns/pdm-2021.toml for PDM
2021, see campaign.py). An extension names the letter that granted it; the one in force for a
phase is the latest by letter date (ties: the later entry).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pdm_metrics.campaign import PDM_2021, Campaign, shipped_campaign
from pdm_metrics.metrics import Metric


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

    def open_metric(self, day: date) -> Metric:
        """The phase to follow up on `day`: of those begun and not yet ended, the one that ends
        first; before any begins, the first to begin; once all ended, the first (the headline)."""
        running = [p for p in self.phases if p.start <= day <= p.end]
        if running:
            return min(running, key=lambda p: p.end).metric
        upcoming = [p for p in self.phases if day < p.start]
        return min(upcoming, key=lambda p: p.start).metric if upcoming else self.phases[0].metric


def load_calendar(campaign: Campaign | None = None, extra_extensions: list[dict[str, Any]] | None = None) -> Calendar:
    """The campaign's stages as phases (PDM 2021 by default), plus extensions recorded since (e.g.
    on the Kalender page)."""
    campaign = campaign or shipped_campaign(PDM_2021)
    phases = [
        {
            "key": stage.key,
            "name": stage.name,
            "metric": Metric.for_stage(stage.key).value,
            "start": stage.start.isoformat(),
            "end": (stage.end or stage.start).isoformat(),
            "source": campaign.source,
        }
        for stage in campaign.stages
    ]
    return calendar_from_dict({"phases": phases, "extensions": list(extra_extensions or [])})


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
