"""NIP parsing and validation, for one NIP and vectorised over a column.

PNS:  yyyymmdd (birth) + yyyymm (CPNS start) + gender (1/2) + 3-digit sequence.
PPPK: yyyymmdd (birth) + yyyy (appointment year) + 2-digit code (not a month)
      + gender + sequence. Digits 13-14 therefore tell the two apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from pdm_metrics.schema import JenisAsn

NIP_LENGTH = 18
# Whitespace spelled out instead of \s: pandas runs a pattern with \s through Python's re row
# by row (RE2's \s differs), but this class on pyarrow's vectorised kernels (several times faster).
SPACE_CHARS = " \t\r\n\x0b\x0c\xa0"
SPACE = f"[{SPACE_CHARS}]"
_STRIP_CHARS = re.compile(f"({SPACE}|[.])+")
# 1,99001E+17 / 1.99001012020121e17: what Excel and CSV exports make of a NIP
# that was kept as a number. Its last digits are gone for good. (A whole-cell pattern.)
SCIENTIFIC_CELL = f"{SPACE}*'?[0-9]+([.,][0-9]+)?[eE][+-]?[0-9]+{SPACE}*"
SCIENTIFIC_NOTATION = re.compile(SCIENTIFIC_CELL)


def clean_nip(raw: str) -> str:
    """Remove a leading apostrophe, spaces and dots."""
    return _STRIP_CHARS.sub("", str(raw).strip().lstrip("'"))


@dataclass(frozen=True)
class NipInfo:
    nip: str
    kind: JenisAsn
    birth_date: date | None
    gender: str | None  # "L" or "P"
    start_year: int


def nip_error(raw: str) -> str | None:
    """Why a NIP cannot be used at all (Indonesian), or None when it is 18 digits."""
    if SCIENTIFIC_NOTATION.fullmatch(str(raw)):
        return scientific_notation_message()
    cleaned = clean_nip(raw)
    if not cleaned:
        return "NIP kosong"
    if not cleaned.isdigit() or not cleaned.isascii():
        return "NIP hanya boleh berisi angka"
    if len(cleaned) != NIP_LENGTH:
        return f"NIP harus 18 digit (terbaca {len(cleaned)} digit)"
    return None


def scientific_notation_message() -> str:
    return (
        "NIP tersimpan sebagai angka sehingga digit terakhirnya sudah hilang; "
        "format kolom NIP sebagai Teks lalu isi ulang NIP-nya"
    )


def nip_kind(nip: str) -> JenisAsn:
    """PPPK when digits 13-14 are not a month, else PNS."""
    return JenisAsn.PNS if 1 <= int(nip[12:14]) <= 12 else JenisAsn.PPPK


def parse_nip(nip: str) -> NipInfo:
    """Decode a cleaned 18-digit NIP; raises ValueError if it is not one."""
    error = nip_error(nip)
    if error:
        raise ValueError(error)
    try:
        birth: date | None = date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        birth = None
    gender = {"1": "L", "2": "P"}.get(nip[14])
    return NipInfo(nip, nip_kind(nip), birth, gender, int(nip[8:12]))


# Structure doubts about an 18-digit NIP, in the order they are checked (the first one is reported).
# The same rules run in SQL over whole files (store.RosterChecks); a test keeps the two in step.
NIP_STRUCTURE_WARNINGS: dict[str, str] = {
    "birth": "tanggal lahir dalam NIP (digit 1-8) tidak valid",
    "birth_year": "tahun lahir dalam NIP di luar 1940-2010",
    "start_year": "tahun pengangkatan dalam NIP (digit 9-12) tidak wajar",
    "start_age": "tahun pengangkatan dalam NIP sebelum usia 15 tahun",
    "gender": "digit jenis kelamin dalam NIP (digit 15) bukan 1 atau 2",
    "sequence": "nomor urut dalam NIP (digit 16-18) 000",
}


def nip_structure_warning(nip: str) -> str | None:
    """A structural doubt about a valid 18-digit NIP (a warning, not an error)."""
    try:
        birth = date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        return NIP_STRUCTURE_WARNINGS["birth"]
    start_year = int(nip[8:12])
    failed = {
        "birth_year": not 1940 <= birth.year <= 2010,
        "start_year": not 1960 <= start_year <= 2035,
        "start_age": start_year < birth.year + 15,
        "gender": nip[14] not in "12",
        "sequence": nip_kind(nip) == JenisAsn.PNS and nip[15:18] == "000",
    }
    return next((NIP_STRUCTURE_WARNINGS[name] for name, bad in failed.items() if bad), None)
