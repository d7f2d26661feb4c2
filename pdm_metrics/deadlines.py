"""The regulation calendar: phases, and the extensions that moved their ends.

The phases are the stages of a campaign definition (campaign.py; PDM 2021's is
data/campaigns/pdm-2021.toml). An extension names the letter that granted it; the one in force for a
phase is the latest by letter date (ties: the later entry).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pdm_metrics.campaign import Campaign, Stage


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
    stage: Stage
    start: date
    end: date  # the end in force (after extensions)
    original_end: date
    source: str
    extension: Extension | None = None

    def days_left(self, today: date) -> int:
        return (self.end - today).days


@dataclass(frozen=True)
class Calendar:
    phases: tuple[Phase, ...]  # one per stage of the campaign, in its order
    extensions: tuple[Extension, ...]
    campaign: Campaign

    def phase_for(self, stage: Stage) -> Phase:
        return next(p for p in self.phases if p.key == stage.key)

    def open_stage(self, day: date) -> Stage:
        """The phase to follow up on `day`: of those begun and not yet ended, the one that ends
        first; before any begins, the first to begin; once all ended, the first (the headline)."""
        running = [p for p in self.phases if p.start <= day <= p.end]
        if running:
            return min(running, key=lambda p: p.end).stage
        upcoming = [p for p in self.phases if day < p.start]
        return min(upcoming, key=lambda p: p.start).stage if upcoming else self.headline.stage

    @property
    def headline(self) -> Phase:
        return self.phase_for(self.campaign.headline_stage)


def load_calendar(campaign: Campaign, extra_extensions: list[dict[str, Any]] | None = None) -> Calendar:
    """The campaign's stages as phases, plus extensions recorded since (e.g. on the Kalender page)."""
    raw: Mapping[str, object] = {"extensions": list(extra_extensions or [])}
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
    for stage in campaign.stages:
        original_end = stage.end or stage.start
        own = [e for e in extensions if e.phase_key == stage.key]
        in_force = max(reversed(own), key=lambda e: e.letter_date) if own else None
        phases.append(
            Phase(
                key=stage.key,
                name=stage.name,
                stage=stage,
                start=stage.start,
                end=in_force.new_end if in_force else original_end,
                original_end=original_end,
                source=campaign.source,
                extension=in_force,
            )
        )
    return Calendar(tuple(phases), extensions, campaign)
