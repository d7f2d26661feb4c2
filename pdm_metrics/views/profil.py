"""Profil NIP: counts by what the NIP says (age, gender, years of service, PNS/PPPK)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from pdm_metrics import store
from pdm_metrics.profile import profile_groups
from pdm_metrics.views.common import (
    Filters,
    campaign_shown,
    selected_day,
    stage_available,
)


def nip_profile(con: store.Connection, filters: Filters) -> tuple[date | None, dict[str, pd.DataFrame]]:
    day = selected_day(con, filters)
    if day is None:
        return None, {}
    counts = store.nip_profile_counts(
        con, day, filters.opd_keys or None, filters.jenis_asn or None, filters.campaign_key
    )
    available = {m: stage_available(con, day, m, filters.campaign_key) for m in campaign_shown(con, filters).stages}
    return day, profile_groups(counts, day, available)
