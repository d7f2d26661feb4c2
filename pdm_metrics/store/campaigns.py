"""The campaigns a database follows: each one's definition, stored as its file's text when its
first snapshot is saved (or when an operator adds it), so a database is read by the definition
it was written with, whatever the app ships later."""

from __future__ import annotations

from pdm_metrics.campaign import (
    PDM_2021,
    Campaign,
    CampaignError,
    campaign_from_text,
    shipped_campaign,
    shipped_campaign_text,
)
from pdm_metrics.errors import StoreError
from pdm_metrics.fmt import excerpt
from pdm_metrics.schema import Table
from pdm_metrics.store.db import NEWEST_CAMPAIGN, Connection, first, table_exists, transaction
from pdm_metrics.store.journal import audit, bump_data_version


def stored_campaigns(con: Connection) -> dict[str, Campaign]:
    """Every campaign the database holds, by key, in the order they were added."""
    cur = con.cursor()
    if not table_exists(cur, Table.CAMPAIGNS):  # an older database opened read-only
        return {}
    rows = cur.execute(f"SELECT key, definition, file_name FROM {Table.CAMPAIGNS} ORDER BY added_at, key").fetchall()
    campaigns = {}
    for key, text, file_name in rows:
        try:
            campaigns[str(key)] = campaign_from_text(str(text), str(file_name))
        except CampaignError as exc:
            raise StoreError(f"Definisi kampanye '{excerpt(key)}' yang tersimpan rusak: {exc}") from exc
    return campaigns


def current_campaign(con: Connection) -> Campaign:
    """The campaign the pages show: that of the newest snapshot; without snapshots the last one
    added; in a new database PDM 2021 (the campaign the app was first built for)."""
    cur = con.cursor()
    campaigns = stored_campaigns(con)
    newest = None
    if table_exists(cur, Table.SNAPSHOTS) and campaigns:
        newest = first(cur.execute(f"SELECT {NEWEST_CAMPAIGN}"))
    if newest and newest[0] in campaigns:
        return campaigns[str(newest[0])]
    if campaigns:
        return list(campaigns.values())[-1]
    return shipped_campaign(PDM_2021)


def store_campaign(cur: Connection, campaign: Campaign, text: str, file_name: str, actor: str) -> bool:
    """Keep a campaign's definition (in the caller's transaction) unless one with its key is
    kept already; whether it was added."""
    (count,) = first(cur.execute(f"SELECT count(*) FROM {Table.CAMPAIGNS} WHERE key = ?", [campaign.key])) or (0,)
    if count:
        return False
    cur.execute(
        f"INSERT INTO {Table.CAMPAIGNS} VALUES (?, ?, ?, ?, now()::TIMESTAMP)", [campaign.key, text, file_name, actor]
    )
    return True


def campaign_named(con: Connection, key: str | None) -> tuple[Campaign, tuple[str, str]]:
    """The campaign `key` names (the database's own when None): one the database holds, else a
    shipped definition, with its (text, file name) to keep with its first snapshot ("" when kept)."""
    if key is None:
        return current_campaign(con), ("", "")
    stored = stored_campaigns(con)
    if key in stored:
        return stored[key], ("", "")
    campaign = shipped_campaign(key)  # CampaignError naming the key when there is none
    return campaign, shipped_campaign_text(key)


def add_campaign(con: Connection, campaign: Campaign, text: str, file_name: str, actor: str) -> None:
    """Keep an operator's definition (audited), so snapshots can be uploaded for it; StoreError
    when the database holds a different definition under the same key (nothing is changed)."""
    held = stored_campaigns(con).get(campaign.key)
    if held is not None and held != campaign:
        raise StoreError(
            f"Basis data ini sudah menyimpan kampanye '{campaign.key}' ({held.name}) dengan definisi lain. "
            "Beri definisi baru kunci lain; definisi yang sudah dipakai snapshot tidak ditimpa."
        )
    with transaction(con) as cur:
        if store_campaign(cur, campaign, text, file_name, actor):
            audit(cur, actor, "tambah kampanye", f"{campaign.key}: {campaign.name} ({len(campaign.stages)} tahap)")
            bump_data_version(cur)


def stored_definition(con: Connection, key: str) -> tuple[str, str] | None:
    """A kept campaign's definition as stored: (text, file name); None when not kept."""
    cur = con.cursor()
    if not table_exists(cur, Table.CAMPAIGNS):
        return None
    row = first(cur.execute(f"SELECT definition, file_name FROM {Table.CAMPAIGNS} WHERE key = ?", [key]))
    return (str(row[0]), str(row[1])) if row else None


def replace_definition(con: Connection, campaign: Campaign, text: str, actor: str, changed: list[str]) -> None:
    """Keep an edited definition of a kept campaign (campaign_edit: names and windows only),
    audited with what changed; its snapshots are read by it from now on."""
    with transaction(con) as cur:
        (count,) = first(cur.execute(f"SELECT count(*) FROM {Table.CAMPAIGNS} WHERE key = ?", [campaign.key]))
        if not count:
            raise StoreError(f"Kampanye '{excerpt(campaign.key)}' belum tersimpan di basis data ini.")
        cur.execute(
            f"UPDATE {Table.CAMPAIGNS} SET definition = ?, file_name = ? WHERE key = ?",
            [text, f"{campaign.key}.toml", campaign.key],
        )
        audit(cur, actor, "ubah kampanye", f"{campaign.key}: " + "; ".join(changed))
        bump_data_version(cur)
