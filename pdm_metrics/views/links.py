"""A view in the address: `/?kampanye=pdm-2021&tanggal=2021-09-20&opd=Dinas+Kesehatan` opens
Ringkasan on that campaign, snapshot and OPD, so the head can send a colleague what they see.

The address names things as a reader would (a campaign's key, a date as YYYY-MM-DD, an OPD by
its name, jenis ASN, a stage's key); values that name nothing in this database are left out with
a notice, never an error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from pdm_metrics.campaign import Campaign
from pdm_metrics.fmt import excerpt, format_date
from pdm_metrics.schema import JenisAsn
from pdm_metrics.unit_map import name_key

CAMPAIGN, DAY, OPD, JENIS, STAGE = "kampanye", "tanggal", "opd", "jenis", "tahap"


@dataclass(frozen=True)
class LinkedView:
    """What an address asks for, as far as this database has it."""

    campaign: str | None = None
    day: date | None = None
    opd_keys: tuple[str, ...] = ()
    jenis_asn: tuple[str, ...] = ()
    stage: str | None = None
    notices: tuple[str, ...] = ()


def read_address(
    params: Mapping[str, Sequence[str]],
    campaigns: Sequence[Campaign],
    dates_of: Callable[[str], Sequence[date]],
    units: pd.DataFrame,
) -> LinkedView:
    """The choices an address names (`params`: each name's values), among the campaigns, their
    snapshot dates and the units (opd_key, opd) this database holds."""
    notices: list[str] = []
    known = {c.key: c for c in campaigns}
    campaign = _first(params, CAMPAIGN)
    if campaign is not None and campaign not in known:
        notices.append(f"kampanye '{excerpt(campaign)}' tidak ada")
        campaign = None
    shown = known.get(campaign or "") or (campaigns[0] if campaigns else None)
    day = _day(_first(params, DAY), dates_of(shown.key) if shown else (), notices)
    opd_keys = _units(params.get(OPD, ()), units, notices)
    jenis = tuple(j for j in params.get(JENIS, ()) if j in {k.value for k in JenisAsn})
    notices += [f"jenis ASN '{excerpt(j)}' tidak dikenal" for j in params.get(JENIS, ()) if j not in jenis]
    stage = _first(params, STAGE)
    if stage is not None and (shown is None or stage not in {s.key for s in shown.stages}):
        notices.append(f"tahap '{excerpt(stage)}' tidak ada di kampanye ini")
        stage = None
    return LinkedView(campaign, day, opd_keys, jenis, stage, tuple(notices))


def _first(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = [v for v in params.get(name, ()) if v.strip()]
    return values[0].strip() if values else None


def _day(text: str | None, dates: Sequence[date], notices: list[str]) -> date | None:
    if text is None:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        notices.append(f"tanggal '{excerpt(text)}' bukan tanggal YYYY-MM-DD")
        return None
    if day not in dates:
        notices.append(f"tidak ada snapshot tanggal {format_date(day)}")
        return None
    return day


def _units(names: Sequence[str], units: pd.DataFrame, notices: list[str]) -> tuple[str, ...]:
    """The OPD keys the names (or keys) stand for, in the order given; same spelling rules as the map."""
    by_name: dict[str, list[str]] = {}
    for key, name in zip(units["opd_key"].astype(str), units["opd"].astype(str), strict=True):
        for spelling in {name_key(name), name_key(key)}:
            by_name.setdefault(spelling, []).append(key)
    chosen: list[str] = []
    for name in names:
        found = by_name.get(name_key(name), [])
        if not found:
            notices.append(f"OPD '{excerpt(name)}' tidak ada")
        chosen += [key for key in found if key not in chosen]
    return tuple(chosen)


def address(
    campaign: str | None, day: date | None, opd_names: Sequence[str], jenis: Sequence[str], stage: str | None = None
) -> dict[str, list[str]]:
    """The address of a view (only what is chosen: a bare address is the latest of everything)."""
    params: dict[str, list[str]] = {}
    if campaign:
        params[CAMPAIGN] = [campaign]
    if day:
        params[DAY] = [day.isoformat()]
    if opd_names:
        params[OPD] = list(opd_names)
    if jenis:
        params[JENIS] = list(jenis)
    if stage:
        params[STAGE] = [stage]
    return params


def notice_text(notices: Sequence[str]) -> str:
    return "Sebagian isi alamat tidak dikenal dan diabaikan: " + "; ".join(notices) + "."
