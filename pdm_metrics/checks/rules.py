"""Every check of a roster row: its SQL fragment, its message and its switch, side by side.

The fragments are put together per campaign (plan.CheckPlan: its stages' statuses and days) and
run in order over whole columns in DuckDB; the texts and patterns they use travel as named
parameters (plan.CHECK_PARAMS and each stage's, plus the `has_*` switches and the snapshot date
set per file). A test holds the two together: every parameter a statement names has a value, and
every value is used by some statement.

Per-word rules (status words, dates, jenis ASN) run in Python over the distinct values of a
column only (plan.lookup_tables), then join in as small tables.
"""

from __future__ import annotations

from datetime import date, timedelta

from pdm_metrics.campaign import Stage
from pdm_metrics.fmt import parse_date_text
from pdm_metrics.nip import NIP_LENGTH, NIP_STRUCTURE_WARNINGS, SCIENTIFIC_CELL, SPACE, SPACE_CHARS
from pdm_metrics.nip import scientific_notation_message as numeric_nip_message
from pdm_metrics.schema import (
    CONTROL_CHARACTERS,
    JENIS_ASN_WORDS,
    MAX_TEXT_LENGTH,
    Column,
    JenisAsn,
    normalise_header,
)

ERROR = "Galat"
WARNING = "Peringatan"
# A problem found in a file: where (source, row_number, column_label), what (value, reason), how bad (level).
PROBLEM_COLUMNS = ("source", "row_number", "column_label", "value", "reason", "level")
CELL_COLUMNS = tuple(c.value for c in Column)
MAX_SHOWN_VALUE = 80
TEXT_COLUMNS = ("nama", "opd", "instansi", "email", "email_gov", "unit_id")

# ----------------------------------------------------------------------------- whitespace

WHITESPACE_PARAMS: dict[str, object] = {
    "space_run": f"{SPACE}+",
    # Where collapsing changes a cell: two whitespace characters in a row, or one that is not a space.
    "space_pair": f"{SPACE}{SPACE}|[{SPACE_CHARS.replace(' ', '')}]",
    "space": SPACE_CHARS,
}


def trimmed(cell: str) -> str:
    """A cell without surrounding whitespace, NULL when empty. trim() with a character list is
    slow, so it only runs on the few cells whose first or last character is a space or below."""
    edges = f"ord({cell}) <= 32 OR ord({cell}) = 160 OR ord(reverse({cell})) <= 32 OR ord(reverse({cell})) = 160"
    return f"CASE WHEN {cell} = '' THEN NULL WHEN {edges} THEN nullif(trim({cell}, $space), '') ELSE {cell} END"


def _collapsed(cell: str) -> str:
    """Runs of whitespace inside a cell made one space (the replace only where there is one)."""
    replaced = f"regexp_replace({cell}, $space_run, ' ', 'g')"
    return f"CASE WHEN regexp_matches({cell}, $space_pair) THEN {replaced} ELSE {cell} END"


# ----------------------------------------------------------------------------- OPD spellings

# The most common spelling of each OPD (and instansi) key: names differing only in case or
# spacing are one unit. (Empty rows never count: their OPD cell is NULL.) Cells are counted as
# read first, so the spacing rules run once per distinct cell (30.000 nationally), not per row.
SPELLINGS_SQL = f"""
CREATE TABLE spellings AS
WITH cells AS (
    SELECT 'opd' AS level, opd AS cell, count(*) AS n FROM raw WHERE opd IS NOT NULL GROUP BY opd
    UNION ALL
    SELECT 'instansi', instansi, count(*) FROM raw WHERE instansi IS NOT NULL GROUP BY instansi
), names AS (
    SELECT level, lower(name) AS key, name, sum(n) AS n
    FROM (SELECT level, {_collapsed("cell")} AS name, n FROM cells) WHERE name IS NOT NULL GROUP BY ALL
)
SELECT level, key, name FROM names
QUALIFY row_number() OVER (PARTITION BY level, key ORDER BY n DESC, name) = 1
"""

# ----------------------------------------------------------------------------- text cells

TEXT_PARAMS: dict[str, object] = {
    "control": CONTROL_CHARACTERS,
    # Anything the text rules look for: a control character, whitespace other than a space, two spaces.
    "unusual": r"[\x00-\x1f\x7f-\xa0]|  ",
    "max_text": MAX_TEXT_LENGTH,
    "msg_empty_suffix": " kosong",
    "msg_control": "Berisi karakter kontrol",
    "msg_too_long": f"Terlalu panjang (lebih dari {MAX_TEXT_LENGTH} karakter)",
}


def text_check(column: str, required: str | None) -> str:
    """Empty (when `required` holds), control characters, too long: the first that applies."""
    empty = f"WHEN {required} AND {column}_value IS NULL THEN $label_{column} || $msg_empty_suffix" if required else ""
    return f"""CASE {empty}
                    WHEN NOT {column}_plain AND regexp_matches({column}_cell, $control) THEN $msg_control
                    WHEN length({column}_cell) > $max_text THEN $msg_too_long END"""


def plain_text(column: str) -> str:
    """Whether a text cell is plain (no control character, no whitespace but single spaces),
    and its value with whitespace collapsed. Nearly every cell is plain: one search tells, and
    the costlier rules run only on the others."""
    plain = f"NOT regexp_matches(r.{column}, $unusual)"
    value = f"CASE WHEN {column}_plain THEN r.{column} ELSE {_collapsed(f'r.{column}')} END"
    return f"{plain} AS {column}_plain, {value} AS {column}_value"


# ----------------------------------------------------------------------------- statuses

STATUS_PARAMS: dict[str, object] = {
    "msg_status_empty_suffix": " kosong; isi Sudah atau Belum",
    "msg_status_unknown": "Status '{value}' tidak dikenal; gunakan Sudah/Belum, Ya/Tidak atau 1/0",
}


def status_check(column: str) -> str:
    """A status cell of a column the file has: empty, or a word of neither vocabulary."""
    return f"""CASE WHEN NOT $has_{column} THEN NULL
                    WHEN {column}_cell IS NULL THEN $label_{column} || $msg_status_empty_suffix
                    WHEN {column}_flag IS NULL THEN replace($msg_status_unknown, '{{value}}', {column}_cell) END"""


# ----------------------------------------------------------------------------- NIP

NIP_PARAMS: dict[str, object] = {
    "leading_quote": f"^{SPACE}*'",
    "nip_junk": f"({SPACE}|[.])+",
    "scientific": SCIENTIFIC_CELL,
    "nip_length": NIP_LENGTH,
    "msg_nip_numeric": numeric_nip_message(),
    "msg_nip_empty": "NIP kosong",
    "msg_nip_digits": "NIP hanya boleh berisi angka",
    "msg_nip_length": "NIP harus 18 digit (terbaca {n} digit)",
    **{f"warn_{name}": text for name, text in NIP_STRUCTURE_WARNINGS.items()},
}

NIP_ERROR = """CASE WHEN nip_numeric THEN $msg_nip_numeric
                     WHEN nip_clean IS NULL OR nip_clean = '' THEN $msg_nip_empty
                     WHEN NOT nip_clean_digits THEN $msg_nip_digits
                     WHEN length(nip_clean) <> $nip_length
                         THEN replace($msg_nip_length, '{n}', length(nip_clean)::VARCHAR) END"""

# Structure doubts about an 18-digit NIP, the first that applies (nip.structure_warning in SQL).
NIP_WARNING = """CASE WHEN nip IS NULL THEN NULL
    WHEN birth IS NULL THEN $warn_birth
    WHEN year(birth) NOT BETWEEN 1940 AND 2010 THEN $warn_birth_year
    WHEN start_year NOT BETWEEN 1960 AND 2035 THEN $warn_start_year
    WHEN start_year < year(birth) + 15 THEN $warn_start_age
    WHEN substr(nip, 15, 1) NOT IN ('1', '2') THEN $warn_gender
    WHEN kind_code BETWEEN 1 AND 12 AND substr(nip, 16, 3) = '000' THEN $warn_sequence END"""

# ----------------------------------------------------------------------------- the days stages were done

DATE_PARAMS: dict[str, object] = {
    "msg_date_unreadable": "Tanggal tidak dapat dibaca atau tidak ada di kalender (gunakan dd/mm/yyyy)",
}


def stage_params(stage: Stage, labels: dict[Column, str]) -> dict[str, object]:
    """A stage's own texts: its columns' labels, and the earliest day it can have been done (a
    day before it is a typo or an Excel serial read wrong)."""
    n = stage.slot
    status: dict[str, object] = {f"label_status_{n}": labels[stage.status_column]}
    if not stage.date_aliases:  # no day is read for it: no rule on one
        return status
    return {
        **status,
        f"label_date_{n}": labels[stage.date_column],
        f"earliest_{n}": stage.earliest,
        f"msg_date_early_{n}": stage.early_date_message,
        f"msg_date_late_{n}": f"Tanggal {stage.word} sesudah tanggal snapshot",
    }


_EXCEL_EPOCH = date(1899, 12, 30)


def parse_roster_date(text: str) -> date | None:
    """A date cell as text: ISO (Excel dates), dd/mm/yyyy, '11 Juli 2021', or an Excel serial."""
    found = parse_date_text(text)
    if found is not None:
        return found
    try:
        serial = float(text)
    except ValueError:
        return None
    if 20000 <= serial <= 80000:
        return _EXCEL_EPOCH + timedelta(days=int(serial))
    return None


# ----------------------------------------------------------------------------- jenis ASN

JENIS_PARAMS: dict[str, object] = {"msg_jenis_unknown": "Jenis ASN tidak dikenal; gunakan PNS atau PPPK"}


# SIASN's JENIS PEGAWAI NAMA says more than PNS or PPPK ("PNS DAERAH", "PNS PUSAT DPK", "CPNS
# DAERAH", "PPPK PUSAT"): the first word tells.
_JENIS_PREFIXES = (("CPNS", JenisAsn.PNS), ("PNS", JenisAsn.PNS), ("PPPK", JenisAsn.PPPK), ("P3K", JenisAsn.PPPK))


def jenis_word_value(word: str) -> str | None:
    normal = normalise_header(word)
    kind = JENIS_ASN_WORDS.get(normal) or next((k for prefix, k in _JENIS_PREFIXES if normal.startswith(prefix)), None)
    return kind.value if kind else None
