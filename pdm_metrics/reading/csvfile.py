"""CSV rosters into a grid of text cells: encoding and delimiter detection, title rows.

UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text") and
Windows-1252 are accepted; anything else is refused rather than guessed, so a
’ never turns into \\x92. Row numbers are CSV records, as Excel numbers its rows.
"""

from __future__ import annotations

import codecs
import csv
import io
import mmap
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from pdm_metrics.errors import RosterError
from pdm_metrics.fmt import format_int
from pdm_metrics.schema import HEADER_SEARCH_ROWS, column_for_header, find_header_row

DELIMITERS = (",", ";", "\t", "|")
_PROBE_BYTES = 256 * 1024
_CHECK_CHUNK = 16 * 1024 * 1024


@dataclass(frozen=True)
class CsvGrid:
    table: pa.Table  # from the header record on; every cell text, columns c0..cN
    header_record: int  # 0-based record index of the header in the file
    title_lines: list[str]
    bad_rows: list[tuple[int, str]] = field(default_factory=list)  # (row number, text)


def detect_encoding(data: bytes) -> tuple[str, int]:
    """(encoding, bytes of BOM to skip); RosterError when neither UTF-8 nor Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        return _checked(data, "utf-8", len(codecs.BOM_UTF8))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _checked(data, "utf-16", 0)
    bad = _first_bad_byte(data, "utf-8")
    if bad is None:
        return "utf-8", 0
    if _UTF8_SEQUENCE.search(data):
        # UTF-8 text with a stray byte of another encoding: read as Windows-1252, every accented
        # name would be garbled ("Nur’aini" -> "Nurâ€™aini"). The file is one encoding or none.
        line = data.count(b"\n", 0, bad) + 1
        raise RosterError(
            f"Berkas CSV tercampur: sebagian besar UTF-8, tetapi baris {format_int(line)} memuat karakter dari "
            "encoding lain. Perbaiki baris itu (atau simpan ulang sebagai 'CSV UTF-8') lalu unggah ulang."
        )
    if _decodes(data, "cp1252"):
        return "cp1252", 0
    raise RosterError(
        "Encoding berkas CSV tidak dikenali (bukan UTF-8 maupun Windows-1252). "
        "Di Excel pilih Simpan Sebagai > 'CSV UTF-8 (dipisahkan koma)' lalu unggah ulang."
    )


def _checked(data: bytes, encoding: str, skip: int) -> tuple[str, int]:
    if not _decodes(data[skip:], encoding):
        raise RosterError(f"Berkas CSV rusak: sebagian isinya bukan teks {encoding.upper()} yang sah.")
    return encoding, skip


# A character UTF-8 writes in two to four bytes: found in a file that is not valid UTF-8, it says
# the file was UTF-8 until some other bytes got in.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _first_bad_byte(data: bytes, encoding: str) -> int | None:
    """Where the first byte that `encoding` cannot decode sits, or None when all decode (strict,
    in chunks, so a large file is checked without a second copy in memory)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    start = 0
    try:
        for start in range(0, len(data), _CHECK_CHUNK):
            decoder.decode(data[start : start + _CHECK_CHUNK], final=False)
        start = len(data)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        return max(0, start + exc.start - len(decoder.getstate()[0]))
    return None


def _decodes(data: bytes, encoding: str) -> bool:
    return _first_bad_byte(data, encoding) is None


def _probe_records(text: str, delimiter: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)  # any line ending
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
            if len(records) > HEADER_SEARCH_ROWS:
                break
    except csv.Error:
        pass
    return records


def detect_layout(head_text: str) -> tuple[str, int | None, list[list[str]]]:
    """(delimiter, header record index or None, probe records) from the file's beginning."""
    best: tuple[int, int, str, int | None, list[list[str]]] | None = None
    for delimiter in DELIMITERS:
        records = _probe_records(head_text, delimiter)
        header = find_header_row([list(r) for r in records])
        known = 0
        if header is not None:
            known = sum(column_for_header(cell) is not None for cell in records[header])
        width = max((len(r) for r in records), default=0)
        candidate = (known, width, delimiter, header, records)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    assert best is not None
    return best[2], best[3], best[4]


@dataclass(frozen=True)
class CsvLayout:
    """How to read a plain UTF-8 CSV with DuckDB: its records, one per line from `data_line` on."""

    delimiter: str
    data_line: int  # 0-based line of the first record after the header
    width: int
    header_cells: list[str]
    title_text: str


def native_csv_layout(path: Path) -> CsvLayout | None:
    """The layout of a CSV that DuckDB can read exactly as we number its rows, else None: the
    file must be UTF-8 (a BOM is fine) with no blank line and no line break inside a cell above
    the data, since DuckDB skips blank lines and counts lines where Excel counts records."""
    with path.open("rb") as handle:
        probe = handle.read(_PROBE_BYTES)
    if probe.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    probe = probe.removeprefix(codecs.BOM_UTF8)
    try:
        head_text = codecs.getincrementaldecoder("utf-8")(errors="strict").decode(probe, final=False)
    except UnicodeDecodeError:
        return None
    delimiter, header, records = detect_layout(head_text)
    if header is None or any("\n" in cell or "\r" in cell for r in records[: header + 1] for cell in r):
        return None
    if _has_blank_line(path):
        return None
    title = " ".join(delimiter.join(r) for r in records[:header])
    return CsvLayout(delimiter, header + 1, len(records[header]), records[header], title)


def _has_blank_line(path: Path) -> bool:
    """A blank line anywhere but at the very end (searched in place, without reading the file)."""
    if path.stat().st_size == 0:
        return False
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        end = _content_end(mapped)
        # Without a carriage return only "\n\n" can be one. A literal pattern is found by re's
        # fast search, several times quicker on a national file than mmap.find.
        blanks = (b"\n\n",) if mapped.find(b"\r", 0, end) == -1 else (b"\n\n", b"\n\r\n", b"\r\r")
        return any(re.compile(re.escape(blank)).search(mapped, 0, end) for blank in blanks)


def _content_end(mapped: mmap.mmap) -> int:
    """Where the trailing line breaks of a large file begin."""
    end = len(mapped)
    while end and mapped[end - 1 : end] in (b"\n", b"\r"):
        end -= 1
    return end


def read_csv_grid(data: bytes) -> CsvGrid:
    encoding, bom = detect_encoding(data)
    if encoding == "utf-16":
        # pyarrow reads UTF-8 only natively; UTF-16 files are small exports, re-encode them.
        data, encoding, bom = data.decode("utf-16").encode("utf-8"), "utf-8", 0
    head_text = data[bom : bom + _PROBE_BYTES].decode(encoding, errors="ignore")
    if not head_text.strip():
        raise RosterError("Berkas kosong: tidak ada isi yang dapat dibaca.")
    delimiter, header, records = detect_layout(head_text)
    header_record = header if header is not None else _first_nonempty(records)
    width = len(records[header_record]) if records else 1
    table, bad = _parse(data[bom:], encoding, delimiter, header_record, width)
    title_lines = [delimiter.join(r) for r in records[:header_record]]
    return CsvGrid(table, header_record, title_lines, bad)


def _first_nonempty(records: list[list[str]]) -> int:
    return next((i for i, r in enumerate(records) if any(c.strip() for c in r)), 0)


def _parse(
    data: bytes, encoding: str, delimiter: str, skip: int, width: int, threads: bool = True
) -> tuple[pa.Table, list[tuple[int, str]]]:
    names = [f"c{i}" for i in range(width)]
    bad: list[tuple[int, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad.append((row.number or 0, row.text))
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(skip_rows=skip, column_names=names, encoding=encoding, use_threads=threads),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                invalid_row_handler=on_invalid,
                newlines_in_values=True,
                ignore_empty_lines=False,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
                null_values=[""],
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException, UnicodeDecodeError) as exc:
        raise RosterError("Berkas CSV tidak dapat dibaca (tanda kutip tidak tertutup atau isi rusak).") from exc
    if bad and threads:
        # Only the single-threaded reader knows the record number of a bad row.
        return _parse(data, encoding, delimiter, skip, width, threads=False)
    return table, bad


# No roster line needs more than this (a SIASN export's 69 columns take about 2 KB); DuckDB's CSV
# reader drops a longer last line without a word, so it is refused here, wherever it sits.
MAX_LINE_BYTES = 1 * 2**20


@dataclass(frozen=True)
class RecordCount:
    """How many records a CSV holds, counted from its bytes (not by the reader that reads them):
    a line break inside quotes ends no record."""

    content: int  # up to the last record with content (readers that skip blank lines at the end)
    every: int  # with the blank records at the end too (a reader that keeps every record)


def refuse_broken_text(path: Path) -> RecordCount | None:
    """RosterError for a CSV whose text is cut or runs on, in one pass over the file in place:
    - a quote that never closes: every quoted field opens and closes and a quote inside one is
      doubled, so a sound file has an even number of quotes; with an odd number the last one opened
      a field the file never ends (the readers took the rest as one cell, or dropped it);
    - a line longer than MAX_LINE_BYTES, wherever it sits.
    Returns how many records the file holds (None for UTF-16, whose bytes this scan cannot count)."""
    if path.stat().st_size == 0:
        return RecordCount(0, 0)
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        utf16 = mapped[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
        data = np.frombuffer(mapped, dtype=np.uint8)  # a view of the file, no copy
        newline = 10 if mapped.find(b"\n") != -1 else 13  # a file of old Mac line ends has no LF
        try:
            scan = _scan(data, newline)
            # (in UTF-16 a byte 0x22 may belong to another character: pyarrow checks those small files)
            open_quote = None if utf16 or scan.quotes % 2 == 0 else _line_of(data, mapped.rfind(b'"'))
            end = _content_end(mapped)
            unterminated = 1 if data[-1] != newline else 0  # a last line without its line break
            count = RecordCount(
                scan.record_ends - int(np.count_nonzero(data[end:] == newline)) + (1 if end else 0),
                scan.record_ends + unterminated,
            )
        finally:
            del data  # the mapping closes only once no view of it is left
    if scan.long_line is not None:
        line, size = scan.long_line
        raise RosterError(
            f"Baris {format_int(line)} terlalu panjang ({format_int(size // 1024)} KB; sebuah baris daftar ASN "
            f"paling banyak {format_int(MAX_LINE_BYTES // 1024)} KB). Berkas ini rusak atau bukan daftar ASN."
        )
    if open_quote is not None:
        raise RosterError(
            f"Tanda kutip pada baris {format_int(open_quote)} tidak pernah ditutup: berkas terpotong atau rusak di "
            'baris itu. Periksa baris tersebut (tanda kutip di dalam sel ditulis dua kali: "") lalu unggah ulang.'
        )
    return None if utf16 else count


@dataclass(frozen=True)
class _TextScan:
    long_line: tuple[int, int] | None  # line number and length of the first line over MAX_LINE_BYTES
    quotes: int
    record_ends: int  # line breaks outside quotes


def _scan(data: np.ndarray, newline: int) -> _TextScan:
    line_start, lines_before, quotes, record_ends = 0, 0, 0, 0  # where the current line began, lines before it
    for start in range(0, len(data), _CHECK_CHUNK):
        chunk = data[start : start + _CHECK_CHUNK]
        quoted = np.flatnonzero(chunk == 34)
        ends = np.flatnonzero(chunk == newline)
        # A line break ends a record when an even number of quotes came before it.
        before = quotes + np.searchsorted(quoted, ends) if quoted.size else np.full(ends.size, quotes)
        record_ends += int(np.count_nonzero(before % 2 == 0))
        quotes += int(quoted.size)
        ends += start
        if ends.size:
            lengths = np.diff(ends, prepend=line_start)
            longest = int(np.argmax(lengths))
            if lengths[longest] > MAX_LINE_BYTES:
                return _TextScan((lines_before + longest + 1, int(lengths[longest])), quotes, record_ends)
            line_start, lines_before = int(ends[-1]) + 1, lines_before + int(ends.size)
    if len(data) - line_start > MAX_LINE_BYTES:
        return _TextScan((lines_before + 1, len(data) - line_start), quotes, record_ends)
    return _TextScan(None, quotes, record_ends)


def _line_of(data: np.ndarray, position: int) -> int:
    return int(np.count_nonzero(data[:position] == 10)) + 1
