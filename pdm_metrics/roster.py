"""Read a roster file (xlsx/xls/ods/csv, as a file-like object) into a normalised frame
and a validation report.

Cells are parsed into Arrow (pyarrow's CSV reader, or fastexcel in a child process) and
checked by SQL over whole columns in an in-memory DuckDB (store.check_roster); per-value
Python work only ever runs over the distinct values of a column.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import PurePath
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pdm_metrics import excel, store
from pdm_metrics.csvfile import read_csv_grid
from pdm_metrics.errors import RosterError
from pdm_metrics.fmt import format_int, parse_date_text
from pdm_metrics.nip import NIP_LENGTH, NIP_STRUCTURE_WARNINGS, SCIENTIFIC_CELL, SPACE
from pdm_metrics.nip import scientific_notation_message as numeric_nip_message
from pdm_metrics.schema import (
    COLUMN_LABELS,
    HEADER_SEARCH_ROWS,
    JENIS_ASN_WORDS,
    REQUIRED_COLUMNS,
    ROSTER_COLUMNS,
    STATUS_FALSE_WORDS,
    STATUS_TRUE_WORDS,
    Column,
    column_for_header,
    normalise_header,
)

ERROR = "Galat"
WARNING = "Peringatan"
PROBLEM_COLUMNS = ("sumber", "baris", "kolom", "nilai", "alasan", "tingkat")
MAX_SHOWN_VALUE = 80
STATUS_COLUMNS = (Column.STATUS_AKTIVASI, Column.STATUS_PDM, Column.STATUS_VERIFIKASI)
# Output columns of a normalised roster (the store's roster columns minus snapshot id).
OUTPUT_COLUMNS = ("row_number", *ROSTER_COLUMNS)


@dataclass
class Roster:
    """What one file holds: every data row normalised, the report, and where it came from."""

    table: pa.Table  # OUTPUT_COLUMNS + "valid", one row per data row
    problems: pd.DataFrame  # PROBLEM_COLUMNS
    columns_present: frozenset[Column]
    snapshot_date: date | None
    date_source: str  # "diberikan", "judul berkas", "nama berkas" or "" when unknown
    source_name: str
    sha256: str

    @property
    def error_count(self) -> int:
        return int((self.problems["tingkat"] == ERROR).sum())

    @property
    def warning_count(self) -> int:
        return int((self.problems["tingkat"] == WARNING).sum())

    @property
    def row_count(self) -> int:
        return int(self.table.num_rows)

    @property
    def valid_table(self) -> pa.Table:
        """The rows that would be stored, as Arrow (no copy into pandas for a national file)."""
        return self.table.filter(self.table["valid"])

    @property
    def valid_count(self) -> int:
        return int(pc.sum(self.table["valid"]).as_py() or 0)

    @property
    def valid_activated_count(self) -> int:
        activated = pc.and_kleene(self.table["valid"], self.table["activated"])
        return int(pc.sum(pc.fill_null(activated, False)).as_py() or 0)

    @property
    def invalid_row_count(self) -> int:
        return self.row_count - self.valid_count

    @property
    def rows(self) -> pd.DataFrame:
        """Every row as pandas (for small files and tests); activation dates as timestamps."""
        return _to_pandas(self.table)

    @property
    def valid_rows(self) -> pd.DataFrame:
        return _to_pandas(self.valid_table)


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    frame: pd.DataFrame = table.to_pandas(date_as_object=False)
    return frame


# ----------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class _Part:
    """One table of a source: a CSV file, or one sheet of a workbook (every cell text)."""

    grid: pa.Table
    row_numbers: np.ndarray  # the Excel-style row number of each grid row
    header_index: int
    title_text: str
    numeric_nip_rows: list[int]
    label: str  # the file name, with the sheet when a workbook has several

    def header_cells(self) -> list[object]:
        return list(self.grid.slice(self.header_index, 1).to_pylist()[0].values()) if self.grid.num_rows else []


Source = tuple[BinaryIO | bytes, str]


def read_roster(source: BinaryIO | bytes, filename: str, snapshot_date: date | None = None) -> Roster:
    """Read and validate one roster file. RosterError when the file cannot be used at all."""
    return read_rosters([(source, filename)], snapshot_date)


def read_rosters(sources: Sequence[Source], snapshot_date: date | None = None) -> Roster:
    """Several files (and every sheet with a header in a workbook) read as ONE snapshot.

    Duplicates are found across all of them; the report names the source of each problem.
    """
    digests, parts = [], []
    for source, filename in sources:
        data = source if isinstance(source, bytes) else source.read()
        if not data or not data.strip():
            raise RosterError(f"Berkas {PurePath(filename).name} kosong: tidak ada isi yang dapat dibaca.")
        digests.append(hashlib.sha256(data).hexdigest())
        parts.extend(_read_parts(data, filename))
        del data  # a national file is large: keep only its parsed cells
    headers = [_map_header(part) for part in parts]
    # Optional columns count only when every table has them (else "not available", never a guess).
    columns = frozenset.intersection(*(frozenset(header) for header in headers))
    raw = pa.concat_tables(_raw_table(part, header, columns) for part, header in zip(parts, headers, strict=True))
    raw = raw.append_column("position", pa.array(np.arange(raw.num_rows, dtype=np.int64)))
    names = [PurePath(name).name for _, name in sources]
    date_found, date_source = _resolve_snapshot_date(snapshot_date, parts[0].title_text, names[0])
    del parts
    table, problems = check_raw_cells(raw, columns, date_found)
    if table.num_rows == 0:
        raise RosterError("Berkas hanya berisi baris judul kolom, tanpa data ASN.")
    combined = digests[0] if len(digests) == 1 else hashlib.sha256("".join(digests).encode()).hexdigest()
    return Roster(
        table=table,
        problems=problems,
        columns_present=columns,
        snapshot_date=date_found,
        date_source=date_source,
        source_name=" + ".join(names),
        sha256=combined,
    )


def _raw_table(part: _Part, header: dict[Column, int], columns: frozenset[Column]) -> pa.Table:
    """The part's data rows: one text column per Column (NULL when absent), row number, source
    and whether the NIP cell was a number."""
    body = part.grid.slice(part.header_index + 1)
    size = body.num_rows
    cells = {c.value: _trimmed(body.column(header[c])) if c in columns else pa.nulls(size, pa.string()) for c in Column}
    row_numbers = pa.array(part.row_numbers[part.header_index + 1 :], pa.int64())
    labels = pa.DictionaryArray.from_arrays(pa.array(np.zeros(size, dtype=np.int32)), pa.array([part.label]))
    return pa.table(
        {
            **cells,
            "row_number": row_numbers,
            "source": labels.cast(pa.string()),
            "nip_is_number": pc.is_in(row_numbers, pa.array(part.numeric_nip_rows, pa.int64())),
        }
    )


def _trimmed(cells: pa.ChunkedArray) -> pa.ChunkedArray:
    """Cells without leading and trailing whitespace (Arrow's kernel: far faster than SQL's trim
    with a character list)."""
    return pc.utf8_trim_whitespace(cells.cast(pa.string()))


def _read_parts(data: bytes, filename: str) -> list[_Part]:
    """The tables of one file: one for a CSV, one per sheet with a header for a workbook."""
    suffix = PurePath(filename).suffix.lower()
    name = PurePath(filename).name
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<table")):
        raise RosterError(
            "Berkas ini halaman web (HTML/XML) yang diberi nama seperti Excel. Buka di Excel, "
            "lalu Simpan Sebagai 'Buku Kerja Excel (.xlsx)' dan unggah ulang."
        )
    if data.startswith(excel.ZIP_MAGIC) or data.startswith(excel.OLE_MAGIC):
        if data.startswith(excel.ZIP_MAGIC):
            excel.check_zip_workbook(data)
        else:
            excel.check_ole_workbook(data)
        sheets = excel.read_sheet_grids(data)
        return [_sheet_part(sheet, name if len(sheets) == 1 else f"{name} › {sheet.sheet_name}") for sheet in sheets]
    binary = b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if binary and suffix not in {".xlsx", ".xlsm", ".xls", ".ods"}:
        raise RosterError(
            "Berkas ini berisi data biner, bukan teks CSV (mungkin UTF-16 tanpa BOM atau berkas lain yang diberi "
            "nama .csv). Di Excel pilih Simpan Sebagai > 'CSV UTF-8 (dipisahkan koma)'."
        )
    if suffix in {".xlsx", ".xlsm", ".xls", ".ods"}:
        raise RosterError(
            f"Berkas bernama {suffix or 'tanpa ekstensi'} ini bukan berkas Excel yang sah "
            "(mungkin rusak atau terpotong). Simpan ulang dari Excel lalu unggah kembali."
        )
    csv_grid = read_csv_grid(data)
    _report_bad_csv_rows(csv_grid.bad_rows)
    return [_Part(csv_grid.table, csv_grid.row_numbers, 0, " ".join(csv_grid.title_lines), [], name)]


def _sheet_part(sheet: excel.SheetGrid, label: str) -> _Part:
    grid = sheet.table
    numbers = np.arange(1, grid.num_rows + 1, dtype=np.int64)
    header = sheet.header_row if sheet.header_row is not None else _first_filled_row(grid)
    titles = " ".join(str(v) for row in grid.slice(0, header).to_pylist() for v in row.values() if v is not None)
    return _Part(grid, numbers, header, titles, sheet.numeric_nip_rows, label)


def _report_bad_csv_rows(bad_rows: list[tuple[int, str]]) -> None:
    if bad_rows:
        shown = ", ".join(format_int(n) for n, _ in bad_rows[:10])
        more = f" dan {format_int(len(bad_rows) - 10)} lainnya" if len(bad_rows) > 10 else ""
        raise RosterError(
            f"Jumlah kolom tidak sesuai dengan judul kolom pada baris {shown}{more}. "
            "Periksa pemisah kolom (koma/titik koma) dan tanda kutip pada baris tersebut."
        )


def _first_filled_row(grid: pa.Table) -> int:
    for index, row in enumerate(grid.slice(0, HEADER_SEARCH_ROWS).to_pylist()):
        if any(v is not None and str(v).strip() for v in row.values()):
            return index
    return 0


def _map_header(part: _Part) -> dict[Column, int]:
    """Canonical column -> grid position; RosterError naming what is missing."""
    if part.grid.num_rows == 0:
        raise RosterError("Berkas kosong: tidak ada isi yang dapat dibaca.")
    header_cells = part.header_cells()
    columns: dict[Column, int] = {}
    for position, cell in enumerate(header_cells):
        if cell is None:
            continue
        column = column_for_header(cell)
        if column is not None and column not in columns:
            columns[column] = position
    missing = [COLUMN_LABELS[c] for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        found = [str(c).strip() for c in header_cells if c is not None and str(c).strip()]
        raise RosterError(
            f"Kolom wajib tidak ditemukan: {', '.join(missing)}. "
            f"Judul kolom yang terbaca: {', '.join(found) if found else '(tidak ada)'}. "
            "Pastikan baris judul kolom memuat NIP, Nama, OPD/Unit Kerja dan Status Aktivasi."
        )
    return columns


# ----------------------------------------------------------------------------- snapshot date

_TITLE_DATE = re.compile(
    r"(?:keadaan|posisi|per|tanggal|tgl|tanggal data)\.?\s*(?:tanggal|tgl)?\.?\s*:?\s*"
    r"(\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\s+[A-Za-z]+\.?\s+\d{4})",
    re.IGNORECASE,
)
_NAME_DATES = (
    re.compile(r"(?<!\d)(20\d{2})-?(\d{2})-?(\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{2})[-_.](\d{2})[-_.](20\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{1,2})[\s_-]+([A-Za-z]+)[\s_-]+(20\d{2})(?!\d)"),
)


def snapshot_date_from_title(text: str) -> date | None:
    for match in _TITLE_DATE.finditer(text):
        found = parse_date_text(match.group(1))
        if found:
            return found
    return None


def snapshot_date_from_filename(filename: str) -> date | None:
    stem = PurePath(filename).stem
    for index, pattern in enumerate(_NAME_DATES):
        for match in pattern.finditer(stem):
            a, b, c = match.groups()
            text = f"{a}-{b}-{c}" if index == 0 else f"{a}-{b}-{c}" if index == 1 else f"{a} {b} {c}"
            found = parse_date_text(text)
            if found:
                return found
    return None


def _resolve_snapshot_date(given: date | None, title_text: str, filename: str) -> tuple[date | None, str]:
    if given is not None:
        return given, "diberikan"
    from_title = snapshot_date_from_title(title_text)
    if from_title is not None:
        return from_title, "judul berkas"
    from_name = snapshot_date_from_filename(filename)
    if from_name is not None:
        return from_name, "nama berkas"
    return None, ""


# ----------------------------------------------------------------------------- checking

MAX_TEXT_LENGTH = 200
# C0/C1 control characters other than whitespace: pasted from other systems, never part of a name.
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"

# The rules' texts and patterns, bound as parameters into the SQL checks (store.check_roster).
_CHECK_TEXTS: dict[str, object] = {
    **{f"label_{c.value}": label for c, label in COLUMN_LABELS.items()},
    "error": ERROR,
    "warning": WARNING,
    "space_run": f"{SPACE}+",
    "leading_quote": f"^{SPACE}*'",
    "nip_junk": f"({SPACE}|[.])+",
    "scientific": SCIENTIFIC_CELL,
    "control": _CONTROL,
    "max_text": MAX_TEXT_LENGTH,
    "max_shown": MAX_SHOWN_VALUE,
    "nip_length": NIP_LENGTH,
    "msg_nip_numeric": numeric_nip_message(),
    "msg_nip_empty": "NIP kosong",
    "msg_nip_digits": "NIP hanya boleh berisi angka",
    "msg_nip_length": "NIP harus 18 digit (terbaca {n} digit)",
    **{f"warn_{name}": text for name, text in NIP_STRUCTURE_WARNINGS.items()},
    "msg_empty_suffix": " kosong",
    "msg_control": "Berisi karakter kontrol",
    "msg_too_long": f"Terlalu panjang (lebih dari {MAX_TEXT_LENGTH} karakter)",
    "msg_status_empty_suffix": " kosong; isi Sudah atau Belum",
    "msg_status_unknown": "Status '{value}' tidak dikenal; gunakan Sudah/Belum, Ya/Tidak atau 1/0",
    "msg_date_unreadable": "Tanggal tidak dapat dibaca atau tidak ada di kalender (gunakan dd/mm/yyyy)",
    "msg_date_late": "Tanggal aktivasi sesudah tanggal snapshot",
    "msg_jenis_unknown": "Jenis ASN tidak dikenal; gunakan PNS atau PPPK",
    "msg_duplicate_conflict": "NIP yang sama muncul dengan data berbeda di baris {rows}",
    "msg_duplicate_identical": "Duplikat identik dengan baris {row}; hanya satu yang disimpan",
}


def check_raw_cells(
    raw: pa.Table, columns: frozenset[Column], snapshot_date: date | None
) -> tuple[pa.Table, pd.DataFrame]:
    """Raw text cells (one column per Column, NULL when absent, plus position, row_number,
    source, nip_is_number) -> (normalised rows with `valid`, problems sorted by source and row).

    Per-word rules (status words, dates, jenis) run in Python over the distinct values only;
    everything per row runs as SQL over whole columns.
    """
    params = {
        **_CHECK_TEXTS,
        **{f"has_{c.value}": c in columns for c in Column},
        "snapshot_date": snapshot_date,
    }
    with store.roster_workspace(raw) as workspace:
        statuses = store.distinct_cells(workspace, [c.value for c in STATUS_COLUMNS], params)
        dates = store.distinct_cells(workspace, [Column.TGL_AKTIVASI.value], params)
        kinds = store.distinct_cells(workspace, [Column.JENIS_ASN.value], params)
        lookups = {
            "status_words": _lookup(statuses, "flag", status_word_value, pa.bool_()),
            "activation_dates": _lookup(dates, "day", parse_roster_date, pa.date32()),
            "jenis_words": _lookup(kinds, "kind", _jenis_word, pa.string()),
        }
        rows, problems = store.check_roster(workspace, lookups, params)
    return rows, problems.astype({"baris": "int64"})


def _lookup(values: list[str], name: str, rule: Callable[[str], object], kind: pa.DataType) -> pa.Table:
    """A per-word rule applied to each distinct value once: value -> result."""
    return pa.table({"value": pa.array(values, pa.string()), name: pa.array(map(rule, values), kind)})


def normalise_rows(raw: pd.DataFrame, snapshot_date: date | None = None) -> tuple[pa.Table, pd.DataFrame]:
    """A frame of text columns named by Column plus row_number (as the sample data makes it)
    through the same checks as a file."""
    columns = frozenset(Column(c) for c in raw.columns if c in CANONICAL_NAMES)
    size = len(raw)
    cells = {
        c.value: _trimmed(pa.chunked_array([pa.array(raw[c.value].astype("string"), pa.string())]))
        if c in columns
        else pa.nulls(size, pa.string())
        for c in Column
    }
    table = pa.table(
        {
            **cells,
            "row_number": pa.array(raw["row_number"].to_numpy(dtype=np.int64)),
            "source": pa.nulls(size, pa.string()),
            "nip_is_number": pa.array(np.zeros(size, dtype=bool)),
            "position": pa.array(np.arange(size, dtype=np.int64)),
        }
    )
    return check_raw_cells(table, columns, snapshot_date)


CANONICAL_NAMES = frozenset(c.value for c in Column)


def status_word_value(word: str) -> bool | None:
    """True/False for a known status word, None for an unknown one."""
    normal = " ".join(word.upper().split()).rstrip(".")
    if normal in STATUS_TRUE_WORDS:
        return True
    if normal in STATUS_FALSE_WORDS:
        return False
    first = normal.split(" ")[0] if normal else ""
    if first in {"SUDAH", "TELAH"}:
        return True
    if first in {"BELUM", "TIDAK"}:
        return False
    return None


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


def _jenis_word(word: str) -> str | None:
    kind = JENIS_ASN_WORDS.get(normalise_header(word))
    return kind.value if kind else None
