"""Kampanye: the campaigns a database follows, adding one from a template or a file, editing
a kept one's names and windows (audited), and its definition as a file to download."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pdm_metrics import store
from pdm_metrics.campaign import Campaign, CampaignError, campaign_from_text, shipped_campaign_text, shipped_campaigns
from pdm_metrics.campaign_edit import CampaignEdit, edit_summary, edited_definition
from pdm_metrics.fmt import excerpt, format_date, format_int

# A definition is a page of text; anything much larger is not one (and is not read whole).
MAX_DEFINITION_BYTES = 256 * 1024


@dataclass(frozen=True)
class DefinitionPreview:
    """A definition read and checked, not yet kept."""

    campaign: Campaign
    text: str
    file_name: str
    stages: pd.DataFrame  # what the operator confirms: each stage, its columns, words and window


@dataclass(frozen=True)
class CampaignsPage:
    table: pd.DataFrame  # campaign_table
    kept: dict[str, Campaign]  # kept in the database (editable), by key
    templates: dict[str, Campaign]  # shipped and not kept yet (to add), by key


def campaigns_page(con: store.Connection) -> CampaignsPage:
    kept = store.stored_campaigns(con)
    return CampaignsPage(campaign_table(con), kept, {k: c for k, c in shipped_campaigns().items() if k not in kept})


def campaign_table(con: store.Connection) -> pd.DataFrame:
    """Every campaign kept in the database with its snapshots, then the shipped templates not kept."""
    kept = store.stored_campaigns(con)
    rows = []
    for campaign in [*kept.values(), *(c for k, c in shipped_campaigns().items() if k not in kept)]:
        dates = store.snapshot_dates(con, campaign.key) if campaign.key in kept else []
        rows.append(
            {
                "Kampanye": campaign.name,
                "Kunci": campaign.key,
                "Tahap": ", ".join(s.label for s in campaign.stages),
                "Snapshot": format_int(len(dates)),
                "Terakhir": format_date(dates[-1]) if dates else "belum ada",
                "Dasar": campaign.source,
                "Asal": "tersimpan" if campaign.key in kept else "templat bawaan",
            }
        )
    return pd.DataFrame(rows)


def template_preview(key: str) -> DefinitionPreview:
    text, file_name = shipped_campaign_text(key)
    return _preview(campaign_from_text(text, file_name), text, file_name)


def file_preview(data: bytes, file_name: str) -> DefinitionPreview:
    """An uploaded definition (.toml or .json), checked whole; CampaignError saying what is wrong."""
    shown = excerpt(file_name, 80)
    if not file_name.lower().endswith((".toml", ".json")):
        raise CampaignError(f"Berkas {shown} bukan definisi kampanye: pilih berkas .toml atau .json.")
    if len(data) > MAX_DEFINITION_BYTES:
        raise CampaignError(f"Berkas {shown} terlalu besar untuk definisi kampanye (paling besar 256 KB).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CampaignError(f"Berkas {shown} bukan teks UTF-8; simpan definisi sebagai teks UTF-8.") from exc
    return _preview(campaign_from_text(text, file_name), text, file_name)


def _preview(campaign: Campaign, text: str, file_name: str) -> DefinitionPreview:
    return DefinitionPreview(campaign, text, file_name, stage_table(campaign))


def stage_table(campaign: Campaign) -> pd.DataFrame:
    """One row per stage: what a file must carry for it and when it runs."""
    return pd.DataFrame(
        {
            "Tahap": [s.name + (" (utama)" if s.key == campaign.headline else "") for s in campaign.stages],
            "Kolom status": [", ".join(s.aliases) for s in campaign.stages],
            "Sudah": [", ".join(s.done) for s in campaign.stages],
            "Belum": [", ".join(s.not_done) for s in campaign.stages],
            "Mulai": [format_date(s.start) for s in campaign.stages],
            "Berakhir": [format_date(s.end) if s.end else "tanpa tenggat" for s in campaign.stages],
            "Jenis": [s.kind for s in campaign.stages],
        }
    )


def add_definition(con: store.Connection, preview: DefinitionPreview, actor: str) -> None:
    """Keep a previewed definition (audited); StoreError when another is kept under its key."""
    store.add_campaign(con, preview.campaign, preview.text, preview.file_name, actor)


def edit_campaign(con: store.Connection, key: str, edit: CampaignEdit, actor: str) -> list[str]:
    """Apply an edit to a kept campaign; what changed, in words (empty: nothing to keep).
    CampaignError naming the field when the edit makes the definition invalid."""
    before = store.stored_campaigns(con).get(key)
    kept = store.stored_definition(con, key)
    if before is None or kept is None:
        raise CampaignError(f"Kampanye '{excerpt(key)}' belum tersimpan; tambahkan dahulu sebelum mengubahnya.")
    after, text = edited_definition(*kept, edit)
    changed = edit_summary(before, after)
    if changed:
        store.replace_definition(con, after, text, actor, changed)
    return changed


def definition_file(con: store.Connection, key: str) -> tuple[bytes, str]:
    """A campaign's definition as kept (or as shipped), to download: (contents, file name)."""
    kept = store.stored_definition(con, key)
    text, file_name = kept if kept is not None else shipped_campaign_text(key)
    return text.encode("utf-8"), file_name
