"""Canonical columns, status vocabularies, header aliases and table names.

Everything that names a column or a table is defined here once, so that the
reader, the store and the exports cannot drift apart.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Column(StrEnum):
    """Canonical roster columns, in the order the store keeps them."""

    NIP = "nip"
    NAMA = "nama"
    OPD = "opd"
    EMAIL = "email"
    JENIS_ASN = "jenis_asn"
    INSTANSI = "instansi"
    EMAIL_GOV = "email_gov"
    UNIT_ID = "unit_id"
    # The campaign's stages, by their place in its definition (campaign.Stage.slot): the status
    # column of stage n and the column of the day it was done. Their headers, words and labels
    # are the campaign's (campaign.Vocabulary), never written here.
    STATUS_1 = "status_1"
    STATUS_2 = "status_2"
    STATUS_3 = "status_3"
    STATUS_4 = "status_4"
    STATUS_5 = "status_5"
    STATUS_6 = "status_6"
    STATUS_7 = "status_7"
    STATUS_8 = "status_8"
    DATE_1 = "date_1"
    DATE_2 = "date_2"
    DATE_3 = "date_3"
    DATE_4 = "date_4"
    DATE_5 = "date_5"
    DATE_6 = "date_6"
    DATE_7 = "date_7"
    DATE_8 = "date_8"


# How many stages a campaign may have: the store keeps one column of each kind per slot.
MAX_STAGES = 8
STAGE_SLOTS: tuple[int, ...] = tuple(range(1, MAX_STAGES + 1))
PERSON_REQUIRED: tuple[Column, ...] = (Column.NIP, Column.NAMA, Column.OPD)


def status_column(slot: int) -> Column:
    return Column(f"status_{slot}")


def date_column(slot: int) -> Column:
    return Column(f"date_{slot}")


def done_column(slot: int) -> str:
    """A stored row's 'done' flag of stage `slot` (roster), or its count (summaries)."""
    return f"done_{slot}"


def done_on_column(slot: int) -> str:
    return f"done_on_{slot}"


def has_status_flag(slot: int) -> str:
    """The snapshot flag: its file carried stage `slot`'s status column."""
    return f"has_status_{slot}"


def has_date_flag(slot: int) -> str:
    return f"has_date_{slot}"


def newly_done_column(slot: int) -> str:
    """The change kind: done on the later snapshot, not on the earlier (Perubahan)."""
    return f"newly_done_{slot}"


STAGE_COLUMNS = frozenset({*(status_column(n) for n in STAGE_SLOTS), *(date_column(n) for n in STAGE_SLOTS)})

# The header a user recognises for each person column (a stage's is the campaign's: Vocabulary).
COLUMN_LABELS: dict[Column, str] = {
    Column.NIP: "NIP",
    Column.NAMA: "Nama",
    Column.OPD: "OPD",
    Column.EMAIL: "Email",
    Column.JENIS_ASN: "Jenis ASN",
    Column.INSTANSI: "Instansi",
    Column.EMAIL_GOV: "Email instansi",
    Column.UNIT_ID: "ID unit kerja",
}

# Aliases as found in SAPK/SIASN exports and hand-made files, already in the
# normalised form of `normalise_header` (upper case, letters and digits only). The order is the
# preference when a file has two columns for one field (SIASN's EMAIL and EMAIL GOV, INSTANSI
# KERJA NAMA and INSTANSI INDUK NAMA): the earlier alias is used, and the upload says so.
# SIASN writes most fields as an "… ID" / "… NAMA" pair: the NAMA column is the one listed;
# the ID columns (and NIP LAMA) match nothing and are ignored.
HEADER_ALIASES: dict[Column, tuple[str, ...]] = {  # a stage's headers are its campaign's
    Column.NIP: ("NIPBARU", "NIP", "NIPASN", "NIPPEGAWAI", "NOMORINDUKPEGAWAI"),
    Column.NAMA: ("NAMA", "NAMAPEGAWAI", "NAMAASN", "NAMALENGKAP", "NAMAPNS"),
    Column.OPD: (
        "OPD",
        "NAMAOPD",
        "UNITKERJA",
        "UNORNAMA",
        "UNOR",
        "NAMAUNOR",
        "SATUANKERJA",
        "SATKER",
        "PERANGKATDAERAH",
    ),
    # The activation token goes to the email registered in SAPK: SIASN's EMAIL. Its EMAIL GOV is
    # kept beside it, as the address to suggest when EMAIL would block the token; a file with only
    # an EMAIL GOV column has it read as the email (reading.files).
    Column.EMAIL: ("EMAIL", "ALAMATEMAIL", "EMAILPEGAWAI", "SUREL"),
    Column.EMAIL_GOV: ("EMAILGOV", "EMAILDINAS", "EMAILINSTANSI"),
    # The ID of the unit column's ID/NAMA pair (UNOR ID beside UNOR NAMA): reading.files pairs it
    # with whatever column serves as OPD, so it has no aliases of its own.
    Column.UNIT_ID: (),
    Column.JENIS_ASN: ("JENISPEGAWAINAMA", "JENISPEGAWAI", "JENISASN", "STATUSPEGAWAI", "JENISKEPEGAWAIAN"),
    # Where the ASN works before the agency that holds their file.
    Column.INSTANSI: (
        "INSTANSIKERJANAMA",
        "INSTANSIKERJA",
        "INSTANSI",
        "NAMAINSTANSI",
        "INSTANSIINDUKNAMA",
        "INSTANSIINDUK",
        "SATUANKERJAINDUK",
    ),
}

# Usual abbreviations, expanded before matching (TGL LAHIR == TANGGAL LAHIR); a stage's own
# shortened headers are listed in its campaign definition.
_ABBREVIATIONS: dict[str, str] = {"TGL": "TANGGAL"}
_NON_ALNUM = re.compile(r"[^0-9A-Z]+")


def normalise_header(text: object) -> str:
    """Upper case, abbreviations expanded, spaces and punctuation removed."""
    words = _NON_ALNUM.split(str(text).upper())
    return "".join(_ABBREVIATIONS.get(w, w) for w in words if w)


_ALIAS_LOOKUP: dict[str, Column] = {alias: column for column, aliases in HEADER_ALIASES.items() for alias in aliases}


def column_for_header(text: object) -> Column | None:
    """The person column a header cell names (NIP, Nama, OPD…), or None: what finds a header row
    whatever the campaign. A stage's columns are read by the campaign's Vocabulary."""
    return _ALIAS_LOOKUP.get(normalise_header(text))


class JenisAsn(StrEnum):
    PNS = "PNS"
    PPPK = "PPPK"


JENIS_ASN_WORDS: dict[str, JenisAsn] = {
    "PNS": JenisAsn.PNS,
    "CPNS": JenisAsn.PNS,
    "PEGAWAINEGERISIPIL": JenisAsn.PNS,
    "PPPK": JenisAsn.PPPK,
    "P3K": JenisAsn.PPPK,
    "PEGAWAIPEMERINTAHDENGANPERJANJIANKERJA": JenisAsn.PPPK,
}


class Table(StrEnum):
    """DuckDB table names; the store builds every statement from these."""

    SNAPSHOTS = "snapshots"
    ROSTER = "roster"
    SUMMARY = "opd_summary"
    ARCHIVED_SNAPSHOTS = "archived_snapshots"
    AUDIT = "audit_log"
    META = "meta"
    EXTENSIONS = "deadline_extensions"
    CHANGES = "snapshot_changes"
    CHANGE_PAIRS = "snapshot_change_pairs"
    CHANGE_COUNTS = "snapshot_change_counts"
    PROFILE = "nip_profile_summary"
    UNITS = "units"
    COLUMN_CHOICES = "column_choices"
    UNIT_MAP = "unit_map"
    CAMPAIGNS = "campaigns"
    DATA_VERSIONS = "data_versions"


# The snapshot flags that say whether a file carried an optional person column (snapshots.has_*;
# a stage's are has_status_flag / has_date_flag).
OPTIONAL_COLUMN_FLAGS: dict[str, Column] = {
    "has_email": Column.EMAIL,
    "has_jenis_asn": Column.JENIS_ASN,
}

# The kinds of change between two snapshots (Perubahan), each a boolean column of the changes
# table: a stage newly done (one per slot), a stage undone, an ASN who joined, left or moved.
PERSON_CHANGE_KINDS: tuple[str, ...] = ("regressed", "joined", "left", "moved_in", "moved_out")
CHANGE_KINDS: tuple[str, ...] = (*(newly_done_column(n) for n in STAGE_SLOTS), *PERSON_CHANGE_KINDS)

# The columns of a stored roster row (besides snapshot_id), in the store's order: the person,
# then each stage slot's done flag and day.
PERSON_ROSTER_COLUMNS: tuple[str, ...] = (
    "nip",
    "nama",
    "opd",
    "opd_key",
    "jenis_asn",
    "email",
    "instansi",
    "instansi_key",
    "email_gov",
    "unit_id",
)
STAGE_ROSTER_COLUMNS: tuple[str, ...] = tuple(c for n in STAGE_SLOTS for c in (done_column(n), done_on_column(n)))
ROSTER_COLUMNS: tuple[str, ...] = (*PERSON_ROSTER_COLUMNS, *STAGE_ROSTER_COLUMNS)


HEADER_SEARCH_ROWS = 30


def find_header_row(rows: list[list[object]]) -> int | None:
    """Index of the first of `rows` that names NIP and at least one other known column.

    Title rows ("DAFTAR ASN ... Keadaan per 11 Juli 2021") often sit above the header.
    """
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found = {column_for_header(cell) for cell in cells if cell is not None and str(cell).strip()}
        if Column.NIP in found and len(found - {None}) >= 2:
            return index
    return None


# ----------------------------------------------------------------------------- names from files

# The roster's rules for a name (an OPD, a unit, a person, a letter number), wherever one is read:
# at most this many characters, and no C0/C1 control character other than whitespace (pasted from
# other systems, never part of a name; ESC or BEL would reach a terminal or a PDF).
MAX_TEXT_LENGTH = 200
CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
_CONTROL_PATTERN = re.compile(CONTROL_CHARACTERS)


def name_problem(text: str) -> str | None:
    """Why `text` could not be a name an upload accepts (None: it could)."""
    if _CONTROL_PATTERN.search(text):
        return "berisi karakter kontrol"
    if len(text) > MAX_TEXT_LENGTH:
        return f"lebih dari {MAX_TEXT_LENGTH} karakter"
    return None
