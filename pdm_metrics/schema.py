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
    STATUS_AKTIVASI = "status_aktivasi"
    TGL_AKTIVASI = "tgl_aktivasi"
    STATUS_PDM = "status_pdm"
    STATUS_VERIFIKASI = "status_verifikasi"
    EMAIL = "email"
    JENIS_ASN = "jenis_asn"
    INSTANSI = "instansi"
    EMAIL_GOV = "email_gov"
    UNIT_ID = "unit_id"


REQUIRED_COLUMNS: tuple[Column, ...] = (
    Column.NIP,
    Column.NAMA,
    Column.OPD,
    Column.STATUS_AKTIVASI,
)
OPTIONAL_COLUMNS: tuple[Column, ...] = tuple(c for c in Column if c not in REQUIRED_COLUMNS)

# The header a user recognises for each canonical column (used in reports and exports).
COLUMN_LABELS: dict[Column, str] = {
    Column.NIP: "NIP",
    Column.NAMA: "Nama",
    Column.OPD: "OPD",
    Column.STATUS_AKTIVASI: "Status Aktivasi",
    Column.TGL_AKTIVASI: "Tanggal Aktivasi",
    Column.STATUS_PDM: "Status PDM",
    Column.STATUS_VERIFIKASI: "Status Verifikasi",
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
HEADER_ALIASES: dict[Column, tuple[str, ...]] = {
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
    Column.STATUS_AKTIVASI: (
        "STATUSAKTIVASI",
        "AKTIVASI",
        "STATUSAKTIVASIMYSAPK",
        "AKTIVASIMYSAPK",
        "STATUSAKUN",
    ),
    Column.TGL_AKTIVASI: ("TANGGALAKTIVASI", "WAKTUAKTIVASI", "TANGGALAKTIVASIMYSAPK"),
    Column.STATUS_PDM: (
        "STATUSPDM",
        "PDM",
        "STATUSPEMUTAKHIRAN",
        "PEMUTAKHIRANDATA",
        "STATUSPEMUTAKHIRANDATA",
        "STATUSUPDATEDATA",
    ),
    Column.STATUS_VERIFIKASI: ("STATUSVERIFIKASI", "VERIFIKASI", "STATUSVERIFIKASIDATA"),
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

# Usual abbreviations, expanded before matching (TGL AKTIVASI == TANGGAL AKTIVASI).
_ABBREVIATIONS: dict[str, str] = {"TGL": "TANGGAL", "TGLAKT": "TANGGALAKTIVASI", "VERIF": "VERIFIKASI"}
_NON_ALNUM = re.compile(r"[^0-9A-Z]+")


def normalise_header(text: object) -> str:
    """Upper case, abbreviations expanded, spaces and punctuation removed."""
    words = _NON_ALNUM.split(str(text).upper())
    return "".join(_ABBREVIATIONS.get(w, w) for w in words if w)


_ALIAS_LOOKUP: dict[str, Column] = {alias: column for column, aliases in HEADER_ALIASES.items() for alias in aliases}


def column_for_header(text: object) -> Column | None:
    """The canonical column a header cell names, or None for extra columns."""
    return _ALIAS_LOOKUP.get(normalise_header(text))


def alias_rank(column: Column, text: object) -> int:
    """How preferred a header is for its column: its place in HEADER_ALIASES (0 = first)."""
    return HEADER_ALIASES[column].index(normalise_header(text))


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

# Status vocabularies (normalised: upper case, single spaces). Words starting
# with SUDAH/BELUM are read by their first word ("Sudah PDM", "Belum Verifikasi").
STATUS_TRUE_WORDS: frozenset[str] = frozenset(
    {"SUDAH", "YA", "Y", "1", "1.0", "AKTIF", "SELESAI", "TERVERIFIKASI", "TRUE", "DONE"}
)
STATUS_FALSE_WORDS: frozenset[str] = frozenset(
    {"BELUM", "TIDAK", "T", "N", "0", "0.0", "TIDAK AKTIF", "FALSE", "BELUM TERVERIFIKASI"}
)
# What "Sudah …" / "Telah …" / "Belum …" may be about (SUDAH AKTIVASI, BELUM DIVERIFIKASI).
STATUS_SUBJECTS: frozenset[str] = frozenset(
    {"AKTIVASI", "DIAKTIVASI", "AKTIF", "PDM", "VERIFIKASI", "DIVERIFIKASI", "TERVERIFIKASI", "UPDATE",
     "DIPERBARUI", "DIMUTAKHIRKAN", "MUTAKHIR", "MUTAKHIRKAN", "SELESAI"}
)  # fmt: skip


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


# The snapshot flags that say whether a file carried an optional column (snapshots.has_*).
OPTIONAL_COLUMN_FLAGS: dict[str, Column] = {
    "has_activation_date": Column.TGL_AKTIVASI,
    "has_pdm": Column.STATUS_PDM,
    "has_verification": Column.STATUS_VERIFIKASI,
    "has_email": Column.EMAIL,
    "has_jenis_asn": Column.JENIS_ASN,
}

# The kinds of change between two snapshots (Perubahan), each a boolean column of the changes table.
CHANGE_KINDS: tuple[str, ...] = (
    "newly_activated",
    "newly_pdm_done",
    "newly_verified",
    "regressed",
    "joined",
    "left",
    "moved_in",
    "moved_out",
)

# The columns of a stored roster row (besides snapshot_id), in the store's order.
ROSTER_COLUMNS: tuple[str, ...] = (
    "nip",
    "nama",
    "opd",
    "opd_key",
    "jenis_asn",
    "activated",
    "activated_on",
    "pdm_done",
    "verified",
    "email",
    "instansi",
    "instansi_key",
    "email_gov",
    "unit_id",
)


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
