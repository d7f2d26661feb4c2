"""Editing a kept campaign: its names, legal basis and stage windows, and nothing else.

A stored definition is what its snapshots were read by. Its key, its stages (their order is
their slot in the store), their columns and their status words stay as they are; an operator
may correct a name or the source, and move a stage's window when a new letter says so (an
extension by letter is kept apart, in the calendar's history). The edited definition is written
as TOML and checked whole before it is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import tomli_w

from pdm_metrics.campaign import KINDS, Campaign, CampaignError, campaign_from_mapping, definition_fields
from pdm_metrics.fmt import format_date

DEADLINE, NO_DEADLINE = KINDS[0], KINDS[2]


@dataclass(frozen=True)
class Window:
    """When one stage runs (end None: a stage without a deadline, kind "tanpa tenggat")."""

    stage: str  # the stage's key
    start: date
    end: date | None


@dataclass(frozen=True)
class CampaignEdit:
    name: str
    short_name: str
    source: str
    windows: tuple[Window, ...]  # one per stage, in the definition's order


def edit_of(campaign: Campaign) -> CampaignEdit:
    """The campaign's editable fields as they are (a form's starting values)."""
    windows = tuple(Window(s.key, s.start, s.end) for s in campaign.stages)
    return CampaignEdit(campaign.name, campaign.short_name, campaign.source, windows)


def edited_definition(text: str, file_name: str, edit: CampaignEdit) -> tuple[Campaign, str]:
    """The definition `text` with `edit` applied, checked whole, and its TOML text;
    CampaignError naming the field when the result is not a valid definition."""
    fields = definition_fields(text, file_name)
    stages = fields.get("stages")
    if not isinstance(stages, list) or [s.get("key") for s in stages] != [w.stage for w in edit.windows]:
        raise CampaignError("Tahap kampanye tidak dapat diubah di sini: hanya nama, dasar dan jendela waktunya.")
    fields.update(name=edit.name.strip(), short_name=edit.short_name.strip() or edit.name.strip())
    fields["source"] = edit.source.strip()
    for stage, window in zip(stages, edit.windows, strict=True):
        stage["start"] = window.start
        if window.end is None:
            stage.pop("end", None)
            stage["kind"] = NO_DEADLINE
        else:
            stage["end"] = window.end
            if stage.get("kind") == NO_DEADLINE:
                stage["kind"] = DEADLINE
    campaign = campaign_from_mapping(fields, "perubahan")
    return campaign, tomli_w.dumps(fields)


def edit_summary(before: Campaign, after: Campaign) -> list[str]:
    """What an edit changed, in words (the audit log's detail); empty when nothing did."""
    changed = []
    for label, old, new in (
        ("nama", before.name, after.name),
        ("nama singkat", before.short_name, after.short_name),
        ("dasar", before.source, after.source),
    ):
        if old != new:
            changed.append(f"{label}: {old} → {new}")
    for old_stage, new_stage in zip(before.stages, after.stages, strict=True):
        old_window, new_window = (
            _window_text(old_stage.start, old_stage.end),
            _window_text(new_stage.start, new_stage.end),
        )
        if old_window != new_window:
            changed.append(f"{new_stage.label}: {old_window} → {new_window}")
    return changed


def _window_text(start: date, end: date | None) -> str:
    return f"{format_date(start)} – {format_date(end) if end else NO_DEADLINE}"
