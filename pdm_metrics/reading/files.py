"""Reading roster files (xlsx/xls/ods/csv, as file-like objects or bytes) into a sink of cells.

Cells are parsed into Arrow (pyarrow's CSV reader, or fastexcel in a child process), or a plain
UTF-8 CSV is handed to the sink to read itself. The sink is whatever checks the cells next
(checks.RosterChecks); this module only knows the small protocol below.
"""

from __future__ import annotations

import codecs
import concurrent.futures
import hashlib
import io
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import BinaryIO, Protocol

import pyarrow as pa

from pdm_metrics.campaign import Vocabulary
from pdm_metrics.errors import CsvNotReadable, RosterError
from pdm_metrics.fmt import excerpt, format_int
from pdm_metrics.reading import excel
from pdm_metrics.reading.csvfile import native_csv_layout, read_csv_grid, refuse_broken_text
from pdm_metrics.schema import HEADER_SEARCH_ROWS, Column, normalise_header
from pdm_metrics.tempdirs import private_dir

Source = tuple[BinaryIO | bytes | Path, str]  # an upload's buffer or bytes, or a file on disk (opened when read)
# The operator's own choice of file column per field, given a header's texts: made on the
# upload page or with `ingest --column`, or remembered for a header seen before.
ColumnChooser = Callable[[Sequence[str]], Mapping[Column, str]]
# Hears each step as it begins (in Indonesian, for a status line).
Progress = Callable[[str], None]
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
MAX_NAMED_HEADERS = 30  # a message names at most this many header columns


class CellSink(Protocol):
    """Where read cells go: one part per table (a sheet, a CSV), in order; its vocabulary says
    how its campaign's files name their columns."""

    @property
    def vocabulary(self) -> Vocabulary: ...

    def add_cells(self, label: str, first_row: int, cells: pa.Table, numeric_nip_rows: Sequence[int]) -> None:
        """Text cells, one column per schema.Column, numbered from first_row."""

    def add_csv_file(
        self, label: str, path: str, delimiter: str, skip: int, width: int, positions: dict[str, int]
    ) -> int:
        """A plain UTF-8 CSV the sink reads itself; how many rows it read. CsvNotReadable when it cannot."""


@dataclass(frozen=True)
class HeaderUse:
    """One column of a file's header and what Pantau PDM reads it as."""

    header: str  # as written in the file
    column: Column | None  # None: not used
    note: str  # why, where two columns could serve one field ("" otherwise)


# (recognised columns -> positions, title text above the header, what each header column became)
TableRead = tuple[dict[Column, int], str, list[HeaderUse]]


@dataclass(frozen=True)
class FilesRead:
    """What the files said besides their cells."""

    headers: list[dict[Column, int]]  # each table's recognised columns and their positions
    uses: list[HeaderUse]  # the first table's header, column by column
    header: list[str]  # the first table's header texts
    titles: list[str]  # each table's text above its header row
    names: list[str]  # the file names, without folders
    sha256: str  # of the one file, or of the digests of several
    hidden_sheets: list[str]  # hidden sheets, not read ("file › sheet")


def read_files(
    sink: CellSink, sources: Sequence[Source], progress: Progress, choose: ColumnChooser | None = None
) -> FilesRead:
    """Every table of every file (each sheet with a header in a workbook) into `sink`; `choose`
    names the file column of a field where the operator chose one."""
    digests: list[str] = []
    tables: list[TableRead] = []
    hidden: list[str] = []  # "file › sheet" of every hidden sheet left unread
    # Each file is hashed beside its checks and reading (hashlib lets go of the GIL): a national
    # CSV's hash and its scan for broken text took 0,67–0,94 s one after the other, 0,46 s side by side.
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="pdm-sha256") as hashing:
        for source, filename in sources:
            name = PurePath(filename).name
            progress(f"Membaca {excerpt(name, 80)}")
            with _on_disk(source, name) as path, _naming(name, len(sources)):
                digest = hashing.submit(_sha256, path)
                try:
                    tables += _add_file(sink, path, name, choose, hidden)
                finally:
                    concurrent.futures.wait([digest])  # a copy of an upload is removed only once hashed
                digests.append(digest.result())
    combined = digests[0] if len(digests) == 1 else hashlib.sha256("".join(digests).encode()).hexdigest()
    names = [PurePath(name).name for _, name in sources]
    uses = tables[0][2]
    headers, titles = [t[0] for t in tables], [t[1] for t in tables]
    return FilesRead(headers, uses, [u.header for u in uses], titles, names, combined, hidden)


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


@contextmanager
def _on_disk(source: BinaryIO | bytes | Path, name: str) -> Iterator[Path]:
    """The source as a file DuckDB and the Excel reader can open: the file itself when it is one,
    else a temporary copy written straight from the upload's buffer (no second copy in memory)."""
    if isinstance(source, Path):
        yield source
        return
    real = getattr(source, "name", None)
    if isinstance(real, str) and Path(real).is_file():
        yield Path(real)
        return
    with private_dir("read") as folder:
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


@contextmanager
def _naming(name: str, files: int) -> Iterator[None]:
    """With several files chosen, a refusal says which of them it is about."""
    try:
        yield
    except RosterError as exc:
        shown = excerpt(name, 80)
        if files == 1 or shown in exc.message:
            raise
        raise RosterError(f"Berkas {shown}: {exc.message}") from exc


def _add_file(
    sink: CellSink, path: Path, name: str, choose: ColumnChooser | None, hidden: list[str]
) -> list[TableRead]:
    """Add every table of one file to the sink; what each table's header said."""
    suffix = PurePath(name).suffix.lower()
    with path.open("rb") as handle:
        head = handle.read(4096)
    if not head.strip():
        raise RosterError(f"Berkas {excerpt(name, 80)} kosong: tidak ada isi yang dapat dibaca.")
    if head[:512].lstrip().lower().startswith((b"<!doctype html", b"<html", b"<?xml", b"<table")):
        raise RosterError(
            "Berkas ini halaman web (HTML/XML) yang diberi nama seperti Excel. Buka di Excel, "
            "lalu Simpan Sebagai 'Buku Kerja Excel (.xlsx)' dan unggah ulang."
        )
    if head.startswith((excel.ZIP_MAGIC, excel.OLE_MAGIC)):
        return [_add_grid(sink, grid, choose) for grid in _workbook_grids(path.read_bytes(), name, hidden)]
    binary = b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if binary and suffix not in EXCEL_SUFFIXES:
        raise RosterError(
            "Berkas ini berisi data biner, bukan teks CSV (mungkin UTF-16 tanpa BOM atau berkas lain yang diberi "
            "nama .csv). Di Excel pilih Simpan Sebagai > 'CSV UTF-8 (dipisahkan koma)'."
        )
    if suffix in EXCEL_SUFFIXES:
        raise RosterError(
            f"Berkas {excerpt(name, 80)} bukan berkas Excel yang sah "
            "(mungkin rusak atau terpotong). Simpan ulang dari Excel lalu unggah kembali."
        )
    return [_add_csv(sink, path, name, choose)]


def _add_csv(sink: CellSink, path: Path, name: str, choose: ColumnChooser | None) -> TableRead:
    """A plain UTF-8 CSV is read by the sink's DuckDB itself (fast, in parallel, never whole in
    Python); any other (another encoding, blank lines, ragged rows) through pyarrow, which says
    exactly which rows are wrong."""
    records = refuse_broken_text(path)
    layout = native_csv_layout(path)
    if layout is not None and records is not None:
        header, uses = _header_positions(sink.vocabulary, layout.header_cells, choose)
        positions = {c.value: i for c, i in header.items()}
        try:
            read = sink.add_csv_file(name, str(path), layout.delimiter, layout.data_line, layout.width, positions)
        except CsvNotReadable:
            pass
        else:  # DuckDB skips the blank lines at the end
            _refuse_lost_records(name, read, records.content - layout.data_line)
            return header, layout.title_text, uses
    csv_grid = read_csv_grid(path.read_bytes())
    _report_bad_csv_rows(csv_grid.bad_rows)
    if records is not None:  # pyarrow keeps every record after the title rows (header included)
        _refuse_lost_records(name, csv_grid.table.num_rows - 1, records.every - csv_grid.header_record - 1)
    grid = _Grid(csv_grid.table, 0, csv_grid.header_record + 2, " ".join(csv_grid.title_lines), [], name)
    return _add_grid(sink, grid, choose)


def _refuse_lost_records(name: str, read: int, in_file: int) -> None:
    """Every data record the file holds (counted by refuse_broken_text, not by the reader) must
    have become a row: a reader that drops one without a word would make a partial snapshot."""
    if read != in_file:
        raise RosterError(
            f"Berkas {excerpt(name, 80)} berisi {format_int(in_file)} baris data, tetapi "
            f"{format_int(read)} yang terbaca: sebagian baris akan hilang tanpa kabar. Berkas ditolak; "
            "simpan ulang sebagai 'CSV UTF-8' dari Excel lalu unggah kembali."
        )


def _add_grid(sink: CellSink, grid: _Grid, choose: ColumnChooser | None) -> TableRead:
    header, uses = _header_positions(sink.vocabulary, grid.header_cells(), choose)
    body = grid.cells.slice(grid.header_index + 1)
    cells = pa.table(
        {
            c.value: body.column(header[c]).cast(pa.string()) if c in header else pa.nulls(body.num_rows, pa.string())
            for c in Column
        }
    )
    sink.add_cells(grid.label, grid.first_row, cells, grid.numeric_nip_rows)
    return header, grid.title_text, uses


def _workbook_grids(data: bytes, name: str, hidden: list[str] | None = None) -> list[_Grid]:
    """The sheets of a workbook with content; the names of its hidden sheets go to `hidden`."""
    if data.startswith(excel.ZIP_MAGIC):
        excel.check_zip_workbook(data)
    else:
        excel.check_ole_workbook(data)
    sheets, unread = excel.read_sheet_grids(data)
    if hidden is not None:
        hidden += [f"{name} › {sheet}" for sheet in unread]
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


def _header_positions(
    vocabulary: Vocabulary, header_cells: Sequence[object], choose: ColumnChooser | None = None
) -> tuple[dict[Column, int], list[HeaderUse]]:
    """Canonical column -> position in the header row, and what each header column became;
    RosterError naming what is missing. Where two columns could serve one field, the one whose
    name comes first in schema.HEADER_ALIASES is used (EMAIL before EMAIL GOV), unless the
    operator chose another (`choose`)."""
    if not header_cells:
        raise RosterError("Berkas kosong: tidak ada isi yang dapat dibaca.")
    texts = ["" if cell is None else str(cell).strip() for cell in header_cells]
    candidates: dict[Column, list[int]] = {}
    for position, text in enumerate(texts):
        column = vocabulary.column_for(text) if text else None
        if column is not None:
            candidates.setdefault(column, []).append(position)
    picked = _picked_positions(vocabulary, texts, dict(choose(texts)) if choose else {})
    _refuse_equal_candidates(vocabulary, candidates, texts, picked)
    columns = {column: _preferred(vocabulary, column, found, texts) for column, found in candidates.items()}
    for column, position in picked.items():
        # A file column serves one field: a field that had it falls back on its next candidate.
        for other, taken in list(columns.items()):
            if taken == position and other != column:
                rest = [p for p in candidates[other] if p != position]
                columns.pop(other)
                if rest:
                    columns[other] = _preferred(vocabulary, other, rest, texts)
        columns[column] = position
    _email_gov_alone(columns, picked)
    _unit_id_pair(columns, texts)
    uses = [_use(vocabulary, texts, position, columns, picked) for position, text in enumerate(texts) if text]
    missing = [vocabulary.labels[c] for c in vocabulary.required if c not in columns]
    if missing:
        found = [excerpt(str(c).strip()) for c in header_cells if c is not None and str(c).strip()]
        shown = ", ".join(found[:MAX_NAMED_HEADERS]) + (
            f" dan {format_int(len(found) - MAX_NAMED_HEADERS)} lainnya" if len(found) > MAX_NAMED_HEADERS else ""
        )
        raise RosterError(
            f"Kolom wajib tidak ditemukan: {', '.join(missing)}. "
            f"Judul kolom yang terbaca: {shown if found else '(tidak ada)'}. "
            f"Pastikan baris judul kolom memuat NIP, Nama, OPD/Unit Kerja dan "
            f"{vocabulary.labels[vocabulary.required[-1]]}."
        )
    return columns, uses


def _refuse_equal_candidates(
    vocabulary: Vocabulary, candidates: Mapping[Column, list[int]], texts: list[str], picked: Mapping[Column, int]
) -> None:
    """Two columns that serve one field equally well (NIP and N.I.P, two STATUS AKTIVASI) are a
    question only the operator can answer: never a silent pick."""
    for column, found in candidates.items():
        if column in picked or len(found) < 2:
            continue
        ranks = [vocabulary.rank(column, texts[p]) for p in found]
        equal = [p for p, rank in zip(found, ranks, strict=True) if rank == min(ranks)]
        if len(equal) > 1:
            named = " dan ".join(f"'{excerpt(texts[p])}' (kolom {p + 1})" for p in equal[:3])
            raise RosterError(
                f"Dua kolom dapat dibaca sebagai {vocabulary.labels[column]}: {named}. Hapus atau ganti nama kolom "
                f'yang tidak dipakai, atau pilih kolomnya (baris perintah: --column {column.value}="NAMA KOLOM").'
            )


def _email_gov_alone(columns: dict[Column, int], picked: Mapping[Column, int]) -> None:
    """A file whose only email column is EMAIL GOV: that is where the token went."""
    if Column.EMAIL not in columns and Column.EMAIL_GOV in columns and Column.EMAIL_GOV not in picked:
        columns[Column.EMAIL] = columns.pop(Column.EMAIL_GOV)


def _unit_id_pair(columns: dict[Column, int], texts: list[str]) -> None:
    """The ID column of the OPD column's ID/NAMA pair (UNOR ID beside UNOR NAMA) is the unit's
    ID: the Peta Unit Kerja matches on it before the name, which a unit may change."""
    if Column.UNIT_ID in columns or Column.OPD not in columns:
        return
    name = normalise_header(texts[columns[Column.OPD]])
    if not name.endswith("NAMA") or len(name) == len("NAMA"):
        return
    pair = name.removesuffix("NAMA") + "ID"
    taken = set(columns.values())
    position = next((p for p, t in enumerate(texts) if p not in taken and normalise_header(t) == pair), None)
    if position is not None:
        columns[Column.UNIT_ID] = position


def _preferred(vocabulary: Vocabulary, column: Column, positions: list[int], texts: list[str]) -> int:
    """Of the file columns that could serve `column`, the one its aliases list first."""
    return min(positions, key=lambda p: vocabulary.rank(column, texts[p]))


def _picked_positions(vocabulary: Vocabulary, texts: list[str], chosen: Mapping[Column, str]) -> dict[Column, int]:
    """The position of each file column the operator chose; RosterError for one the file lacks."""
    folded = [t.casefold() for t in texts]
    picked = {}
    for column, header in chosen.items():
        if header.strip().casefold() not in folded:
            found = ", ".join(excerpt(t) for t in texts[:MAX_NAMED_HEADERS] if t)
            raise RosterError(
                f"Kolom '{excerpt(header)}' yang dipilih untuk {vocabulary.labels[column]} tidak ada di berkas ini. "
                f"Kolom yang ada: {found}."
            )
        picked[column] = folded.index(header.strip().casefold())
    return picked


def _use(
    vocabulary: Vocabulary, texts: list[str], position: int, columns: dict[Column, int], picked: dict[Column, int]
) -> HeaderUse:
    """What one header column became, and why where another column could serve its field."""
    text = texts[position]
    serves = next((c for c, p in columns.items() if p == position), None)
    if serves is not None:
        label = vocabulary.labels[serves]
        if serves in picked:
            return HeaderUse(text, serves, f"dipilih operator sebagai {label}")
        if serves == Column.UNIT_ID:
            return HeaderUse(text, serves, f"pasangan ID dari {texts[columns[Column.OPD]]}")
        if serves == Column.EMAIL and vocabulary.column_for(text) == Column.EMAIL_GOV:
            return HeaderUse(text, serves, "dipakai sebagai Email (berkas tidak memuat kolom EMAIL)")
        others = [t for p, t in enumerate(texts) if p != position and t and vocabulary.column_for(t) == serves]
        note = f"dipakai sebagai {label} (lebih diutamakan daripada {', '.join(others)})" if others else ""
        return HeaderUse(text, serves, note)
    recognised = vocabulary.column_for(text)
    if recognised is not None and recognised in columns:
        return HeaderUse(
            text, None, f"tidak dipakai: {vocabulary.labels[recognised]} diambil dari {texts[columns[recognised]]}"
        )
    return HeaderUse(text, None, "")


def header_key(texts: Sequence[str]) -> str:
    """A header's identity (the same columns in the same order, whatever the case and spacing):
    what a remembered choice of columns belongs to."""
    return hashlib.sha256("\x1f".join(normalise_header(t) for t in texts).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class PlainTable:
    """A small table of text read as it is (the Peta Unit Kerja): no roster rules."""

    header: list[str]
    rows: list[list[str]]  # each cell stripped, "" when empty
    row_numbers: list[int]  # each row's number as the user sees it in the file


MAX_PLAIN_TABLE_BYTES = 50 * 1024**2
# A map of every unit in the country has some 30.000 rows: a file of many more is no map, and its
# rows would fill memory once they become Python text.
MAX_PLAIN_TABLE_ROWS = 200_000


def read_plain_table(data: bytes, name: str, is_header: Callable[[list[str]], bool]) -> PlainTable:
    """The first table of a workbook (its first sheet with content) or a CSV, with the same
    guards as a roster (size, zip bombs, HTML under an Excel name); RosterError otherwise. The
    header is the first of the top rows that `is_header` accepts (a title may sit above it)."""
    if len(data) > MAX_PLAIN_TABLE_BYTES:
        raise RosterError(
            f"Berkas {excerpt(PurePath(name).name, 80)} terlalu besar (lebih dari 50 MB) untuk sebuah peta."
        )
    if not data.strip():
        raise RosterError(f"Berkas {excerpt(PurePath(name).name, 80)} kosong: tidak ada isi yang dapat dibaca.")
    if data.startswith((excel.ZIP_MAGIC, excel.OLE_MAGIC)):
        grids = [g for g in _workbook_grids(data, PurePath(name).name) if g.cells.num_rows]
        if not grids:
            raise RosterError(f"Berkas {excerpt(PurePath(name).name, 80)} tidak memuat baris.")
        grid = _Grid(grids[0].cells, _first_filled_row(grids[0].cells), 0, "", [], grids[0].label)
        first_row = grid.header_index + 2
    elif PurePath(name).suffix.lower() in EXCEL_SUFFIXES or data[:512].lstrip().lower().startswith(
        (b"<html", b"<!doc")
    ):
        raise RosterError(
            f"Berkas {excerpt(PurePath(name).name, 80)} bukan berkas Excel yang sah. Simpan ulang dari Excel."
        )
    else:
        csv_grid = read_csv_grid(data)
        _report_bad_csv_rows(csv_grid.bad_rows)
        grid = _Grid(csv_grid.table, 0, 0, "", [], name)
        first_row = csv_grid.header_record + 2
    if grid.cells.num_rows - grid.header_index > MAX_PLAIN_TABLE_ROWS:
        raise RosterError(
            f"Berkas {excerpt(PurePath(name).name, 80)} memuat {format_int(grid.cells.num_rows)} baris: lebih dari "
            f"{format_int(MAX_PLAIN_TABLE_ROWS)} baris untuk sebuah peta (seluruh unit kerja nasional jauh di "
            "bawahnya). Periksa apakah berkas ini daftar ASN, bukan peta unit."
        )
    rows = [[_cell_text(v) for v in row.values()] for row in grid.cells.slice(grid.header_index).to_pylist()]
    found = next((i for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]) if is_header(row)), 0)
    header, body = rows[found], rows[found + 1 :]
    numbered = [(first_row + found + i, row) for i, row in enumerate(body) if any(row)]
    return PlainTable(header, [row for _, row in numbered], [n for n, _ in numbered])


def _cell_text(value: object) -> str:
    return "" if value is None else " ".join(str(value).split())
