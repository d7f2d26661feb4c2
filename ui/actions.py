"""What changes data: each action calls its view, then lets every cached result go."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

import pandas as pd
import streamlit as st

from pdm_metrics import store
from pdm_metrics.campaign_edit import CampaignEdit
from pdm_metrics.schema import Column
from pdm_metrics.unit_map import UnitMapFile
from pdm_metrics.views import cadangan, kalender, kampanye, peta_unit, unggah
from ui.cache import connection, current_campaign, data_changed
from ui.login import current_user
from ui.sidebar import select_snapshot, show_real_data


def upload_preview(
    campaign_key: str,
    files: list[tuple[bytes, str]],
    snapshot_date: date | None,
    progress: Callable[[str], None] | None = None,
    chosen: Mapping[Column, str] | None = None,
    forget_remembered: bool = False,
) -> unggah.UploadPreview:
    """Check uploaded files once per (contents, date, column choices); re-running the page reuses
    the result. `progress` hears each step of a check that really runs."""
    picked = tuple(sorted((chosen or {}).items()))
    key = (campaign_key, tuple((hash(data), name) for data, name in files), snapshot_date, picked, forget_remembered)
    previews = st.session_state.setdefault("upload_previews", {})
    if key not in previews:
        previews.clear()  # the previous preview's checked rows are let go before the next are read
        previews[key] = unggah.upload_preview(
            connection(), campaign_key, files, snapshot_date, date.today(), progress, dict(picked), forget_remembered
        )
    preview: unggah.UploadPreview = previews[key]
    return preview


def commit_upload(
    preview: unggah.UploadPreview, replace: bool, skip_invalid: bool, notices_confirmed: bool
) -> store.SavedSnapshot:
    username = current_user().username
    saved = unggah.commit_upload(connection(), preview, replace, skip_invalid, username, notices_confirmed)
    st.session_state.pop("upload_previews", None)
    select_snapshot(saved.snapshot_date, preview.roster.campaign.key)
    show_real_data()
    data_changed()
    return saved


def add_extension(phase_key: str, new_end: date, letter_number: str, letter_date: date, scope: str) -> None:
    user = current_user().username
    campaign = current_campaign()
    kalender.add_extension(
        connection(), campaign, phase_key, new_end, letter_number, letter_date, scope, user, date.today()
    )
    data_changed()


def backup() -> cadangan.Backup:
    return cadangan.backup(connection(), current_user().username, date.today())


def restore(data: bytes) -> cadangan.Restored:
    restored = cadangan.restore(connection(), data, current_user().username)
    data_changed()
    select_snapshot(None)
    return restored


def unit_map_view() -> peta_unit.UnitMapView:
    return peta_unit.unit_map_view(connection())


def preview_map_file(data: bytes, name: str) -> UnitMapFile:
    return peta_unit.preview_map_file(data, name)


def apply_map_file(read: UnitMapFile, name: str) -> peta_unit.MapLoaded:
    loaded = peta_unit.apply_map_file(connection(), read, name, current_user().username)
    data_changed()
    return loaded


def undo_map_file(loaded: peta_unit.MapLoaded) -> str:
    said = peta_unit.undo_map_file(connection(), loaded, current_user().username)
    data_changed()
    return said


def map_units(edited: pd.DataFrame) -> str:
    said = peta_unit.map_units(connection(), edited, current_user().username)
    data_changed()
    return said


def map_export(today: date) -> bytes:
    """The map to fill in, written when the button is clicked (recorded then, as every download)."""
    frame = peta_unit.map_export_frame(connection())
    store.record_audit(
        connection(), current_user().username, "unduh", f"{peta_unit.map_file_name(today)} ({len(frame)} baris)"
    )
    return peta_unit.map_workbook(frame, today)


def add_campaign(preview: kampanye.DefinitionPreview) -> None:
    kampanye.add_definition(connection(), preview, current_user().username)
    data_changed()


def edit_campaign(key: str, edit: CampaignEdit) -> list[str]:
    changed = kampanye.edit_campaign(connection(), key, edit, current_user().username)
    data_changed()
    return changed
