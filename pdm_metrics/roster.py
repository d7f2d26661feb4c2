"""Read a roster file (xlsx/xls/ods/csv, as a file-like object) into a normalised frame
and a validation report.

Cells are parsed into Arrow (pyarrow's CSV reader, or fastexcel in a child process) and
checked by SQL over whole columns in an in-memory DuckDB (store.RosterChecks); per-value
Python work only ever runs over the distinct values of a column.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path, PurePath
from typing import BinaryIO

import pandas as pd
import pyarrow as pa

from pdm_metrics import excel, store
from pdm_metrics.csvfile import native_csv_layout, read_csv_grid
from pdm_metrics.errors import RosterError
from pdm_metrics.fmt import format_int, parse_date_text
from pdm_metrics.nip import NIP_LENGTH, NIP_STRUCTURE_WARNINGS, SCIENTIFIC_CELL, SPACE, SPACE_CHARS
from pdm_metrics.nip import scientific_notation_message as numeric_nip_message
from pdm_metrics.schema import (
    COLUMN_LABELS,
    HEADER_SEARCH_ROWS,
    JENIS_ASN_WORDS,
    REQUIRED_COLUMNS,
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


@dataclass
class Roster:
    """What one snapshot's files hold: every data row checked, the report, and where it came from.

    The checked rows stay in their own in-memory DuckDB (`checks`) until they are stored: a
    national file is never copied whole into Python.
    """

    checks: store.RosterChecks
    problems: pd.DataFrame  # PROBLEM_COLUMNS
    columns_present: frozenset[Column]
    snapshot_date: date | None
    date_source: str  # "diberikan", "judul berkas", "nama berkas" or "" when unknown
    source_name: str
    sha256: str
    row_count: int
    valid_count: int
    valid_activated_count: int

    @property
    def error_count(self) -> int:
        return int((self.problems["tingkat"] == ERROR).sum())

    @property
    def warning_count(self) -> int:
        return int((self.problems["tingkat"] == WARNING).sum())

    @property
    def invalid_row_count(self) -> int:
        return self.row_count - self.valid_count

    @cached_property
    def table(self) -> pa.Table:
        """Every row in file order (row_number, the store's roster columns and valid), as Arrow."""
        return self.checks.rows()

    @property
    def rows(self) -> pd.DataFrame:
        """Every row as pandas (for small files and tests); activation dates as timestamps."""
        return _to_pandas(self.table)

    @property
    def valid_rows(self) -> pd.DataFrame:
        return _to_pandas(self.table.filter(self.table["valid"]))


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    frame: pd.DataFrame = table.to_pandas(date_as_object=False)
    return frame


# ----------------------------------------------------------------------------- reading

Source = tuple[BinaryIO | bytes, str]
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}


@dataclass(frozen=True)
class _Grid:
    """One table of text cells read into Arrow: a sheet of a workbook, or a CSV read by pyarrow."""

    cells: pa.Table  # columns c0, c1, ...
    header_index: int  # the header's row in `cells`
    first_row: int  # the Excel-style row number of the first row after the header
    title_text: str
    numeric_nip_rows: list[int]
    label: str  # the file name, with the sheet when a workbook has several

    def header_cells(self) -> list[object]:
        return list(self.cells.slice(self.header_index, 1).to_pylist()[0].values()) if self.cells.num_rows else []


def read_roster(source: BinaryIO | bytes, filename: str, snapshot_date: date | None = None) -> Roster:
    """Read and validate one roster file. RosterError when the file cannot be used at all."""
    return read_rosters([(source, filename)], snapshot_date)


Progress = Callable[[str], None]


def read_rosters(
    sources: Sequence[Source],
    snapshot_date: date | None = None,
    progress: Progress | None = None,
    con: store.Connection | None = None,
) -> Roster:
    """Several files (and every sheet with a header in a workbook) read as ONE snapshot.

    Duplicates are found across all of them; the report names the source of each problem.
    `progress` hears each step as it begins (in Indonesian, for a status line). With the store's
    connection `con`, the rows are checked inside the store's DuckDB, ready to be stored.
    """
    checks = store.RosterChecks(dict(_CHECK_TEXTS), con)
    try:
        return _read_into(checks, sources, snapshot_date, progress or (lambda step: None))
    except BaseException:
        checks.close()
        raise


def _read_into(
    checks: store.RosterChecks, sources: Sequence[Source], snapshot_date: date | None, progress: Progress
) -> Roster:
    digests, headers, titles = [], [], []
    for source, filename in sources:
        name = PurePath(filename).name
        progress(f"Membaca {name}")
        with _on_disk(source, name) as path:
            digests.append(_sha256(path))
            for header, title in _add_file(checks, path, name):
                headers.append(header)
                titles.append(title)
    # Optional columns count only when every table has them (else "not available", never a guess).
    columns = frozenset.intersection(*(frozenset(header) for header in headers))
    checks.clear_columns([c.value for c in Column if c not in columns and any(c in h for h in headers)])
    names = [PurePath(name).name for _, name in sources]
    date_found, date_source = _resolve_snapshot_date(snapshot_date, titles[0], names[0])
    progress(f"Memeriksa {format_int(checks.raw_count())} baris")
    problems = check_cells(checks, columns, date_found)
    rows, valid, activated = checks.counts()
    if rows == 0:
        raise RosterError("Berkas hanya berisi baris judul kolom, tanpa data ASN.")
    combined = digests[0] if len(digests) == 1 else hashlib.sha256("".join(digests).encode()).hexdigest()
    return Roster(
        checks=checks,
        problems=problems,
        columns_present=columns,
        snapshot_date=date_found,
        date_source=date_source,
        source_name=" + ".join(names),
        sha256=combined,
        row_count=rows,
        valid_count=valid,
        valid_activated_count=activated,
    )


@contextmanager
def _on_disk(source: BinaryIO | bytes, name: str) -> Iterator[Path]:
    """The source as a file DuckDB and the Excel reader can open: the file itself when it is one,
    else a temporary copy written straight from the upload's buffer (no second copy in memory)."""
    real = getattr(source, "name", None)
    if isinstance(real, str) and Path(real).is_file():
        yield Path(real)
        return
    with tempfile.TemporaryDirectory(prefix="pdm-read-") as folder:
        path = Path(folder, "upload" + PurePath(name).suffix.lower())
        with path.open("wb") as handle:
            if isinstance(source, bytes):
                handle.write(source)
            elif isinstance(source, io.BytesIO):
                handle.write(source.getbuffer())
            else:
                shutil.copyfileobj(source, handle)
        yield path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(4 * 2**20), b""):
            digest.update(block)
    return digest.hexdigest()


def _add_file(checks: store.RosterChecks, path: Path, name: str) -> list[tuple[dict[Column, int], str]]:
    """Add every table of one file to the checks; (header mapping, title text) of each."""
    suffix = PurePath(name).suffix.lower()
    with path.open("rb") as handle:
        head = handle.read(4096)
    if not head.strip():
        raise RosterError(f"Berkas {name} kosong: tidak ada isi yang dapat dibaca.")
    if head[:512].lstrip().lower().startswith((b"<!doctype html", b"<html", b"<?xml", b"<table")):
        raise RosterError(
            "Berkas ini halaman web (HTML/XML) yang diberi nama seperti Excel. Buka di Excel, "
            "lalu Simpan Sebagai 'Buku Kerja Excel (.xlsx)' dan unggah ulang."
        )
    if head.startswith((excel.ZIP_MAGIC, excel.OLE_MAGIC)):
        return [_add_grid(checks, grid) for grid in _workbook_grids(path.read_bytes(), name)]
    binary = b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if binary and suffix not in EXCEL_SUFFIXES:
        raise RosterError(
            "Berkas ini berisi data biner, bukan teks CSV (mungkin UTF-16 tanpa BOM atau berkas lain yang diberi "
            "nama .csv). Di Excel pilih Simpan Sebagai > 'CSV UTF-8 (dipisahkan koma)'."
        )
    if suffix in EXCEL_SUFFIXES:
        raise RosterError(
            f"Berkas bernama {suffix or 'tanpa ekstensi'} ini bukan berkas Excel yang sah "
            "(mungkin rusak atau terpotong). Simpan ulang dari Excel lalu unggah kembali."
        )
    return [_add_csv(checks, path, name)]


def _add_csv(checks: store.RosterChecks, path: Path, name: str) -> tuple[dict[Column, int], str]:
    """A plain UTF-8 CSV is read by DuckDB itself (fast, in parallel, never whole in Python);
    any other (another encoding, blank lines, ragged rows) through pyarrow, which says exactly
    which rows are wrong."""
    layout = native_csv_layout(path)
    if layout is not None:
        header = _header_positions(layout.header_cells)
        positions = {c.value: i for c, i in header.items()}
        try:
            checks.add_csv_file(name, str(path), layout.delimiter, layout.data_line, layout.width, positions)
            return header, layout.title_text
        except store.CsvNotReadable:
            pass
    csv_grid = read_csv_grid(path.read_bytes())
    _report_bad_csv_rows(csv_grid.bad_rows)
    grid = _Grid(csv_grid.table, 0, csv_grid.header_record + 2, " ".join(csv_grid.title_lines), [], name)
    return _add_grid(checks, grid)


def _add_grid(checks: store.RosterChecks, grid: _Grid) -> tuple[dict[Column, int], str]:
    header = _header_positions(grid.header_cells())
    body = grid.cells.slice(grid.header_index + 1)
    cells = pa.table(
        {
            c.value: body.column(header[c]).cast(pa.string()) if c in header else pa.nulls(body.num_rows, pa.string())
            for c in Column
        }
    )
    checks.add_cells(grid.label, grid.first_row, cells, grid.numeric_nip_rows)
    return header, grid.title_text


def _workbook_grids(data: bytes, name: str) -> list[_Grid]:
    if data.startswith(excel.ZIP_MAGIC):
        excel.check_zip_workbook(data)
    else:
        excel.check_ole_workbook(data)
    sheets = excel.read_sheet_grids(data)
    return [_sheet_grid(sheet, name if len(sheets) == 1 else f"{name} › {sheet.sheet_name}") for sheet in sheets]


def _sheet_grid(sheet: excel.SheetGrid, label: str) -> _Grid:
    grid = sheet.table
    header = sheet.header_row if sheet.header_row is not None else _first_filled_row(grid)
    titles = " ".join(str(v) for row in grid.slice(0, header).to_pylist() for v in row.values() if v is not None)
    return _Grid(grid, header, header + 2, titles, sheet.numeric_nip_rows, label)


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


def _header_positions(header_cells: Sequence[object]) -> dict[Column, int]:
    """Canonical column -> position in the header row; RosterError naming what is missing."""
    if not header_cells:
        raise RosterError("Berkas kosong: tidak ada isi yang dapat dibaca.")
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

# The rules' texts and patterns, bound as parameters into the SQL checks (store.RosterChecks).
_CHECK_TEXTS: dict[str, object] = {
    **{f"label_{c.value}": label for c, label in COLUMN_LABELS.items()},
    "error": ERROR,
    "warning": WARNING,
    "space_run": f"{SPACE}+",
    # Where collapsing changes a cell: two whitespace characters in a row, or one that is not a space.
    "space_pair": f"{SPACE}{SPACE}|[{SPACE_CHARS.replace(' ', '')}]",
    "space": SPACE_CHARS,
    "leading_quote": f"^{SPACE}*'",
    "nip_junk": f"({SPACE}|[.])+",
    "scientific": SCIENTIFIC_CELL,
    "control": _CONTROL,
    # Anything either rule above looks for: a control character, whitespace other than a space, two spaces.
    "unusual": r"[\x00-\x1f\x7f-\xa0]|  ",
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


def check_cells(checks: store.RosterChecks, columns: frozenset[Column], snapshot_date: date | None) -> pd.DataFrame:
    """Check every row added to `checks`; returns the problems, sorted by source and row.

    Per-word rules (status words, dates, jenis) run in Python over the distinct values only;
    everything per row runs as SQL over whole columns.
    """
    checks.params |= {f"has_{c.value}": c in columns for c in Column} | {"snapshot_date": snapshot_date}
    statuses = checks.distinct_cells([c.value for c in STATUS_COLUMNS])
    dates = checks.distinct_cells([Column.TGL_AKTIVASI.value])
    kinds = checks.distinct_cells([Column.JENIS_ASN.value])
    problems = checks.check(
        {
            "status_words": _lookup(statuses, "flag", status_word_value, pa.bool_()),
            "activation_dates": _lookup(dates, "day", parse_roster_date, pa.date32()),
            "jenis_words": _lookup(kinds, "kind", _jenis_word, pa.string()),
        }
    )
    return problems.astype({"baris": "int64"})


def _lookup(values: list[str], name: str, rule: Callable[[str], object], kind: pa.DataType) -> pa.Table:
    """A per-word rule applied to each distinct value once: value -> result."""
    return pa.table({"value": pa.array(values, pa.string()), name: pa.array(map(rule, values), kind)})


def roster_from_frame(
    raw: pd.DataFrame, snapshot_date: date, source_name: str, sha256: str, con: store.Connection | None = None
) -> Roster:
    """A frame of text columns named by Column (rows numbered from 2, as under a header row)
    checked like a file: how the sample data become snapshots."""
    columns = frozenset(Column(c) for c in raw.columns if c in CANONICAL_NAMES)
    cells = pa.table(
        {
            c.value: pa.array(raw[c.value].astype("string"), pa.string()) if c in columns else pa.nulls(len(raw))
            for c in Column
        }
    )
    checks = store.RosterChecks(dict(_CHECK_TEXTS), con)
    checks.add_cells(source_name, 2, cells, [])
    problems = check_cells(checks, columns, snapshot_date)
    rows, valid, activated = checks.counts()
    return Roster(checks, problems, columns, snapshot_date, "diberikan", source_name, sha256, rows, valid, activated)


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
