"""Peta Unit Kerja files: the agency's table of unit → OPD, read and checked before anything is
stored (store.unit_map applies it). Pure Python: the page and the command line share it."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from pdm_metrics.errors import RosterError
from pdm_metrics.fmt import format_int
from pdm_metrics.reading.files import read_plain_table
from pdm_metrics.schema import name_problem, normalise_header
from pdm_metrics.store.unit_map import MapEntry

# Headers as a map file may name them (normalised as roster headers are).
UNIT_HEADERS = ("UNORNAMA", "UNITKERJA", "UNOR", "NAMAUNOR", "NAMAUNITKERJA", "UNIT", "SATUANKERJA", "SUBUNIT")
UNIT_ID_HEADERS = ("UNORID", "IDUNOR", "UNITKERJAID", "IDUNITKERJA", "KODEUNOR", "KODEUNITKERJA", "IDUNIT")
OPD_HEADERS = ("OPD", "NAMAOPD", "PERANGKATDAERAH", "SKPD", "OPDINDUK", "INDUKOPD")
# The column the exported map marks its unfilled rows with: they may come back still empty.
STATUS_HEADER = "Keterangan"
UNMAPPED = "belum dipetakan"
_SHOWN = 10


class UnitMapError(RosterError):
    """A map file that cannot be applied; nothing is stored."""


@dataclass(frozen=True)
class UnitMapFile:
    entries: list[MapEntry]
    left_unmapped: int  # rows of an exported map whose OPD is still empty (skipped, not errors)


def read_unit_map(data: bytes, name: str) -> UnitMapFile:
    """The entries of a map file; UnitMapError (in Indonesian, naming the rows) when it has no
    unit or OPD column, an OPD left empty, or a unit given two OPD."""
    table = read_plain_table(data, name, _names_opd)
    headers = [normalise_header(h) for h in table.header]
    unit = _position(headers, UNIT_HEADERS)
    unit_id = _position(headers, UNIT_ID_HEADERS)
    opd = _position(headers, OPD_HEADERS)
    status = _position(headers, (normalise_header(STATUS_HEADER),))
    if opd is None or (unit is None and unit_id is None):
        found = ", ".join(h for h in table.header if h) or "(tidak ada)"
        raise UnitMapError(
            "Peta unit kerja harus memuat kolom unit (mis. UNOR NAMA, Unit Kerja atau UNOR ID) dan kolom OPD. "
            f"Judul kolom yang terbaca: {found}."
        )
    entries: list[tuple[int, MapEntry]] = []
    empty: list[int] = []
    bad_names: dict[str, list[int]] = {}  # the roster's rules for names: length, control characters
    left_unmapped = 0
    for number, row in zip(table.row_numbers, table.rows, strict=True):
        name_cell = row[unit] if unit is not None else ""
        id_cell = row[unit_id] if unit_id is not None else ""
        if not (name_cell or id_cell):
            continue
        if not row[opd]:
            if status is not None and row[status].casefold() == UNMAPPED:
                left_unmapped += 1
            else:
                empty.append(number)
            continue
        for cell in (name_cell, id_cell, row[opd]):
            if cell and (problem := name_problem(cell)):
                bad_names.setdefault(problem, []).append(number)
        entries.append((number, MapEntry(id_cell or None, name_cell or None, row[opd])))
    if bad_names:
        said = "; ".join(f"nama {problem} pada baris {_rows(rows)}" for problem, rows in bad_names.items())
        raise UnitMapError(f"Peta unit kerja memuat {said}. Perbaiki sel tersebut seperti pada daftar ASN.")
    if empty:
        raise UnitMapError(f"OPD kosong pada baris {_rows(empty)}. Isi OPD-nya atau hapus baris tersebut.")
    _refuse_two_opd(entries)
    if not entries:
        raise UnitMapError("Peta unit kerja tidak memuat satu pun unit dengan OPD-nya.")
    return UnitMapFile(_one_spelling_per_opd([e for _, e in entries]), left_unmapped)


def _names_opd(row: list[str]) -> bool:
    """A header row names an OPD column (the exported map has a title above it)."""
    return any(normalise_header(cell) in OPD_HEADERS for cell in row)


def _position(headers: list[str], names: tuple[str, ...]) -> int | None:
    return next((headers.index(n) for n in names if n in headers), None)


def _rows(numbers: list[int]) -> str:
    shown = ", ".join(format_int(n) for n in numbers[:_SHOWN])
    return shown + (f" dan {format_int(len(numbers) - _SHOWN)} lainnya" if len(numbers) > _SHOWN else "")


def name_key(text: str) -> str:
    """A unit or OPD name as the map compares it: spacing collapsed, case ignored."""
    return " ".join(text.split()).casefold()


def _refuse_two_opd(entries: list[tuple[int, MapEntry]]) -> None:
    """A unit (by ID, else by name) given two different OPD is refused with its rows."""
    opds: dict[str, set[str]] = defaultdict(set)
    rows: dict[str, list[int]] = defaultdict(list)
    names: dict[str, str] = {}
    for number, entry in entries:
        key = f"id:{entry.unit_id}" if entry.unit_id else f"nama:{name_key(str(entry.unit))}"
        opds[key].add(name_key(entry.opd))
        rows[key].append(number)
        names.setdefault(key, f"ID {entry.unit_id}" if entry.unit_id else str(entry.unit))
    twice = [key for key, found in opds.items() if len(found) > 1]
    if twice:
        listed = "; ".join(f"{names[k]} (baris {_rows(rows[k])})" for k in twice[:_SHOWN])
        more = f" dan {format_int(len(twice) - _SHOWN)} unit lainnya" if len(twice) > _SHOWN else ""
        raise UnitMapError(f"Unit dipetakan ke dua OPD atau lebih: {listed}{more}. Satu unit hanya boleh di satu OPD.")


def _one_spelling_per_opd(entries: list[MapEntry]) -> list[MapEntry]:
    """OPD written in different case or spacing are one OPD, under their most common spelling;
    a unit listed twice for the same OPD is kept once."""
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for entry in entries:
        spellings[name_key(entry.opd)][" ".join(entry.opd.split())] += 1
    seen: set[tuple[str | None, str | None]] = set()
    kept = []
    for entry in entries:
        identity = (entry.unit_id, name_key(entry.unit) if entry.unit else None)
        if identity in seen:
            continue
        seen.add(identity)
        kept.append(MapEntry(entry.unit_id, entry.unit, spellings[name_key(entry.opd)].most_common(1)[0][0]))
    return kept
