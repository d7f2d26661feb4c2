"""Peta Unit Kerja: which OPD each unit belongs to, loaded from a file or filled in on the page,
applied to every stored snapshot at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from pdm_metrics import export, store
from pdm_metrics.fmt import format_date, format_int
from pdm_metrics.store import unit_map as stored_map
from pdm_metrics.unit_map import STATUS_HEADER, UNMAPPED, UnitMapFile, name_key, read_unit_map
from pdm_metrics.views.common import MAX_LISTED_UNITS, SHOWN_ROWS

# The map's columns as the page shows them and the exported file writes them (SIASN's names, so
# an exported map can be filled in beside a SIASN export and read back).
UNIT_ID, UNIT, OPD, ASN = "UNOR ID", "UNOR NAMA", "OPD", "Jumlah ASN"
# What the editor's OPD cell says until the operator picks one (a blank cell reads "None" there).
NOT_YET = "(belum dipetakan)"


@dataclass(frozen=True)
class UnitMapView:
    has_map: bool
    mapped: int  # stored units the map names
    unmapped: pd.DataFrame  # unit_key, UNOR ID, UNOR NAMA, Jumlah ASN, OPD (empty): most ASN first
    unmapped_total: int  # before the cut to MAX_LISTED_UNITS
    unmapped_asn: int
    opd_names: list[str]  # the OPD the map already names, for the editor's choices
    current: pd.DataFrame  # the map as stored (UNOR ID, UNOR NAMA, OPD), its first SHOWN_ROWS
    current_total: int  # entries in the map


def unit_map_view(con: store.Connection) -> UnitMapView:
    units = stored_map.stored_units(con)
    entries = stored_map.unit_map(con)
    has_map = not entries.empty
    waiting = _not_in_map(units, has_map)
    unmapped = pd.DataFrame(
        {
            "unit_key": waiting["unit_key"],
            UNIT_ID: waiting["unit_id"].fillna(""),
            UNIT: waiting["unit"],
            ASN: waiting["asn"].astype("int64"),
            OPD: NOT_YET,
        }
    ).reset_index(drop=True)
    opd_names = sorted(set(entries["opd"].astype(str)), key=str.casefold)
    current = pd.DataFrame(
        {UNIT_ID: entries["unit_id"].fillna(""), UNIT: entries["unit"].fillna(""), OPD: entries["opd"]}
    )
    return UnitMapView(
        has_map,
        int(units["mapped"].fillna(False).astype(bool).sum()),
        unmapped.head(MAX_LISTED_UNITS),
        len(unmapped),
        int(unmapped[ASN].sum()),
        opd_names,
        current.head(SHOWN_ROWS),
        len(current),
    )


def preview_map_file(data: bytes, name: str) -> UnitMapFile:
    """The map a file holds, checked (UnitMapError naming the rows otherwise); nothing stored."""
    return read_unit_map(data, name)


@dataclass(frozen=True)
class MapLoaded:
    """A map file applied: what changed, and the map it replaced (to put back if it was wrong)."""

    said: str
    source: str
    previous: list[stored_map.MapEntry]


def apply_map_file(con: store.Connection, read: UnitMapFile, source: str, actor: str) -> MapLoaded:
    """The file's map replaces the stored one, in one step (the page shows what changed and offers
    undo_map_file; the audit log and the backups keep both maps)."""
    previous = [
        stored_map.MapEntry(_text_or_none(r["unit_id"]), _text_or_none(r["unit"]), str(r["opd"]))
        for r in stored_map.unit_map(con).to_dict("records")
    ]
    applied = stored_map.replace_unit_map(con, read.entries, actor, source)
    left = ""
    if read.left_unmapped:
        left = f" {format_int(read.left_unmapped)} baris berkas tanpa OPD dibiarkan belum dipetakan."
    return MapLoaded(f"Peta dari {source} dimuat. {_applied_sentence(applied)}{left}", source, previous)


def undo_map_file(con: store.Connection, loaded: MapLoaded, actor: str) -> str:
    """The map as it was before `loaded`, applied to every snapshot again."""
    applied = stored_map.replace_unit_map(con, loaded.previous, actor, f"batalkan muat {loaded.source}")
    return f"Pemuatan {loaded.source} dibatalkan: peta kembali seperti sebelumnya. {_applied_sentence(applied)}"


def _text_or_none(value: object) -> str | None:
    """A stored text, or None where the map holds none (DuckDB's NULL reads back as NaN or None)."""
    return value if isinstance(value, str) else None


def map_units(con: store.Connection, edited: pd.DataFrame, actor: str) -> str:
    """The OPD the operator filled in for unmapped units (rows left empty stay unmapped)."""
    chosen = edited[OPD].fillna("").astype(str).str.strip()
    filled = edited[(chosen != "") & (chosen != NOT_YET)]
    if filled.empty:
        return "Belum ada OPD yang diisi."
    entries = [
        stored_map.MapEntry(str(row[UNIT_ID]).strip() or None, str(row[UNIT]), str(row[OPD]).strip())
        for _, row in filled.iterrows()
    ]
    return _applied_sentence(stored_map.map_units(con, entries, actor))


def _applied_sentence(applied: stored_map.MapApplied) -> str:
    return (
        f"Peta diterapkan ke semua snapshot: {format_int(applied.entries)} unit dalam peta, "
        f"{format_int(applied.regrouped_units)} unit ({format_int(applied.regrouped_rows)} baris ASN) pindah OPD, "
        f"{format_int(applied.unmapped_units)} unit belum dipetakan."
    )


def map_file_name(today: date) -> str:
    return f"peta-unit-kerja_{today.isoformat()}.xlsx"


def map_workbook(frame: pd.DataFrame, today: date) -> bytes:
    """The exported map (map_export_frame) as xlsx, ready to be filled in and loaded back (rows
    marked 'belum dipetakan' may come back with OPD still empty)."""
    title = f"Peta Unit Kerja per {format_date(today)}"
    subtitle = "Isi kolom OPD untuk unit yang belum dipetakan, lalu unggah kembali berkas ini."
    return export.to_xlsx_bytes(frame, title, subtitle, "Peta Unit")


def map_export_frame(con: store.Connection) -> pd.DataFrame:
    units = stored_map.stored_units(con)
    entries = stored_map.unit_map(con)
    by_id = units.dropna(subset=["unit_id"]).groupby("unit_id")["asn"].sum()
    by_name = units.assign(name=units["unit"].map(name_key)).groupby("name")["asn"].sum()
    asn = [
        int(by_id.get(unit_id, 0)) if isinstance(unit_id, str) else int(by_name.get(name_key(str(unit)), 0))
        for unit_id, unit in zip(entries["unit_id"], entries["unit"], strict=True)
    ]
    mapped = pd.DataFrame(
        {
            UNIT_ID: entries["unit_id"].fillna(""),
            UNIT: entries["unit"].fillna(""),
            OPD: entries["opd"],
            ASN: asn,
            STATUS_HEADER: "",
        }
    )
    waiting = _not_in_map(units, has_map=not entries.empty)
    unmapped = pd.DataFrame(
        {
            UNIT_ID: waiting["unit_id"].fillna(""),
            UNIT: waiting["unit"],
            OPD: "",
            ASN: waiting["asn"],
            STATUS_HEADER: UNMAPPED,
        }
    )
    return pd.concat([mapped, unmapped], ignore_index=True)


def _not_in_map(units: pd.DataFrame, has_map: bool) -> pd.DataFrame:
    """The stored units the map does not name. Without a map, only the units a file gave below
    its OPD (SIASN's UNOR, with its ID): a file of OPD alone has no unit waiting to be mapped."""
    if has_map:
        return units[~units["mapped"].fillna(False).astype(bool)]
    return units[units["unit_id"].notna() & (units["unit_id"].astype(str).str.strip() != "")]
