"""`python -m pdm_metrics campaigns list|show KEY|add FILE`: the shipped definitions and those a
database holds."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pdm_metrics import store
from pdm_metrics.campaign import Campaign, load_campaign, shipped_campaign, shipped_campaigns
from pdm_metrics.fmt import format_date


def campaigns_command(args: argparse.Namespace) -> int:
    """Campaign definitions: the shipped ones and those a database holds (a list, or one
    campaign's stages), or a definition file kept in the database."""

    if args.campaigns_command == "add":
        campaign = load_campaign(args.file)  # CampaignError naming the field: nothing is stored
        con = store.connect(args.db)
        try:
            store.add_campaign(con, campaign, args.file.read_text(encoding="utf-8"), args.file.name, args.by)
        finally:
            con.close()
        print(json.dumps({"campaign": campaign.key, "stages": [s.key for s in campaign.stages]}))
        return 0
    held = _stored_campaigns(args.db)
    if args.campaigns_command == "list":
        for key, campaign in {**shipped_campaigns(), **held}.items():
            where = "tersimpan" if key in held else "bawaan"
            print(f"{key}\t{campaign.name}\t{len(campaign.stages)} tahap\t{where}\t{campaign.source}")
        return 0
    campaign = held.get(args.key) or shipped_campaign(args.key)
    print(f"{campaign.name} ({campaign.key})\nDasar: {campaign.source}")
    for stage in campaign.stages:
        end = format_date(stage.end) if stage.end else "tanpa tenggat"
        first = " (utama)" if stage.key == campaign.headline else ""
        window = f"{format_date(stage.start)} – {end} ({stage.kind})"
        print(f"- {stage.label}{first} [{stage.key}]: {window}; {stage.definition}")
    return 0


def _stored_campaigns(db: Path | None) -> dict[str, Campaign]:
    """The campaigns a database holds (none when there is no database yet)."""
    location = db or store.DEFAULT_DB_PATH
    if not store.is_lake(location) and not location.exists():
        return {}
    con = store.connect(db, read_only=True, must_exist=True)
    try:
        return store.stored_campaigns(con)
    finally:
        con.close()
