"""How much memory a workbook will take once parsed, estimated from its packed parts before any
parser sees it, so that a small file built to expand to gigabytes is refused before it expands.

Every part is streamed through once, in blocks (never whole), which also proves each part is as
long as the package says: a part whose unpacked size was written smaller than it is fails its
check here. What is counted:

- xlsx: each sheet's rectangle (calamine holds a sheet as every cell from A1 to its farthest
  cell, filled or not) and its filled cells; the shared strings, and each long one followed to
  every cell that uses it (each such cell holds its own copy, twice: calamine's and Arrow's);
- ods: the rows and cells `number-rows-repeated` and `number-columns-repeated` stand for.

It is an estimate from the common case: the reading's watch (budget.py) still ends anything
it misses.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt

from pdm_metrics.fmt import format_int

# Calibrated against the child's measured peak (docs/benchmarks.md, "Memory budget").
BASE_BYTES = 150 * 2**20  # the child with pyarrow and fastexcel loaded
BYTES_PER_CELL = 40  # every cell of a sheet's rectangle: calamine's cell and Arrow's offset
BYTES_PER_FILLED = 60  # a filled cell's text and its allocation, on average
BYTES_PER_SHARED = 48  # a shared string's own allocation, besides its text
LONG_TEXT = 4096  # a shared string this long is followed to every cell that uses it
MAX_LONG_FOLLOWED = 64  # beyond this many long strings, every shared cell is taken to be long
_BLOCK = 8 * 2**20
_TAIL = 32  # bytes carried from one block to the next, so no pattern is cut in two


@dataclass(frozen=True)
class Expansion:
    """The estimated memory of parsing a workbook, and the largest part of it in words."""

    bytes: int
    why: str


class PackageLies(Exception):
    """A part of the package is not the length its header gives (or is damaged)."""


def estimate(source: Path) -> Expansion | None:
    """The memory parsing `source` will take, or None for a format not estimated (xls).
    PackageLies when a part is not what the package says."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError):
        return None
    with archive:
        names = archive.namelist()
        try:
            if "content.xml" in names:
                return _ods(archive)
            if "xl/workbook.xml" in names:
                return _xlsx(archive, names)
        except (zipfile.BadZipFile, EOFError, OSError, RuntimeError, ValueError) as exc:
            raise PackageLies(str(exc)) from exc
    return None


def _blocks(handle: IO[bytes]) -> Iterator[tuple[bytes, int]]:
    """(the previous block's last _TAIL bytes + the next block, how many bytes came from before)."""
    tail = b""
    for block in iter(lambda: handle.read(_BLOCK), b""):
        yield tail + block, len(tail)
        tail = (tail + block)[-_TAIL:]


def _count(data: bytes, carried: int, pattern: bytes) -> int:
    """Occurrences of `pattern` that end in the new part of `data` (each counted once over the blocks)."""
    return data.count(pattern) - data[:carried].count(pattern)


def _drain(archive: zipfile.ZipFile, name: str) -> None:
    """Read a part to its end: zipfile checks its length and checksum there."""
    with archive.open(name) as handle:
        while handle.read(_BLOCK):
            pass


# --- xlsx ---------------------------------------------------------------------------------


@dataclass
class _SharedStrings:
    count: int = 0
    text_bytes: int = 0
    long: dict[int, int] = field(default_factory=dict)  # index -> length, of the strings of LONG_TEXT or more


@dataclass
class _Sheet:
    filled: int = 0
    last_column: int = 0
    last_row: int = 0
    shared_cells: int = 0
    long_uses: dict[int, int] | None = None  # long string index -> cells that use it


def _xlsx(archive: zipfile.ZipFile, names: list[str]) -> Expansion:
    shared = _shared_strings(archive) if "xl/sharedStrings.xml" in names else _SharedStrings()
    long = shared.long
    followed = long if len(long) <= MAX_LONG_FOLLOWED else None
    sheets = [name for name in names if name.startswith("xl/worksheets/") and name.endswith(".xml")]
    for name in names:
        if name not in sheets and name != "xl/sharedStrings.xml":
            _drain(archive, name)
    # Sheets are parsed one at a time, so the largest counts. Two at once: unpacking and numpy
    # let go of the GIL, and a national export spans several sheets.
    with ThreadPoolExecutor(max_workers=2) as pool:
        each = pool.map(lambda name: _sheet_expansion(_sheet(archive, name, followed), long), sheets)
        largest = max(each, key=lambda found: found.bytes, default=Expansion(0, ""))
    strings = shared.text_bytes + shared.count * BYTES_PER_SHARED
    return Expansion(BASE_BYTES + strings + largest.bytes, largest.why)


def _sheet_expansion(sheet: _Sheet, long: dict[int, int]) -> Expansion:
    cells = sheet.last_row * sheet.last_column
    grid = cells * BYTES_PER_CELL + sheet.filled * BYTES_PER_FILLED
    if sheet.long_uses is not None:
        copies = sum(long[index] * uses for index, uses in sheet.long_uses.items())
    else:  # too many long strings to follow: every shared cell may hold the longest
        copies = sheet.shared_cells * max(long.values(), default=0)
    copies *= 2  # calamine's copy and Arrow's
    if copies > grid:
        cells = sum(sheet.long_uses.values()) if sheet.long_uses is not None else sheet.shared_cells
        return Expansion(grid + copies, f"teks panjang yang diulang di {format_int(cells)} sel")
    extent = f"{format_int(sheet.last_column)} kolom × {format_int(sheet.last_row)} baris"
    return Expansion(grid + copies, f"lembar kerja {extent}")


def _shared_strings(archive: zipfile.ZipFile) -> _SharedStrings:
    """Count the shared strings and note the long ones by index: each runs from its `<si` to the next."""
    found = _SharedStrings()
    previous: int | None = None  # where the last `<si` seen begins, in the whole part
    consumed = 0  # bytes of the part read so far
    with archive.open("xl/sharedStrings.xml") as handle:
        for data, carried in _blocks(handle):
            base = consumed - carried
            consumed += len(data) - carried
            starts = _pattern_starts(np.frombuffer(data, np.uint8), b"<si")
            starts = base + starts[starts > carried - 3]  # those not seen in the block before
            edges = starts if previous is None else np.concatenate(([previous], starts))
            lengths = np.diff(edges)  # lengths[0] is the length of string `first`
            first = found.count - 1 if previous is not None else 0
            for position in np.flatnonzero(lengths >= LONG_TEXT).tolist():
                found.long[first + position] = int(lengths[position])
            found.count += len(starts)
            previous = int(starts[-1]) if len(starts) else previous
    if previous is not None and consumed - previous >= LONG_TEXT:
        found.long[found.count - 1] = consumed - previous
    found.text_bytes = consumed
    return found


def _pattern_starts(array: npt.NDArray[np.uint8], pattern: bytes) -> npt.NDArray[np.int64]:
    """Positions in `array` where `pattern` begins."""
    if len(array) < len(pattern):
        return np.empty(0, np.int64)
    candidates = np.flatnonzero(array[: len(array) - len(pattern) + 1] == pattern[0])
    for shift, byte in enumerate(pattern[1:], start=1):
        candidates = candidates[array[candidates + shift] == byte]
    return candidates.astype(np.int64)


def _sheet(archive: zipfile.ZipFile, name: str, followed: dict[int, int] | None) -> _Sheet:
    """Count a sheet's cells and its extent; with `followed`, how many cells use each long string."""
    sheet = _Sheet()
    long_uses = None if followed is None else dict.fromkeys(followed, 0)
    patterns = {index: f"<v>{index}</v>".encode() for index in followed or {}}
    with archive.open(name) as handle:
        for data, carried in _blocks(handle):
            # _cells leaves a block's last _CELL_LOOKAHEAD bytes to the next block, which starts there.
            filled, column, row = _cells(np.frombuffer(data, np.uint8)[max(carried - _CELL_LOOKAHEAD, 0) :])
            sheet.filled += filled
            sheet.last_column, sheet.last_row = max(sheet.last_column, column), max(sheet.last_row, row)
            if long_uses is None:  # too many long strings to follow one by one
                sheet.shared_cells += _count(data, carried, b't="s"')
            else:
                for index, pattern in patterns.items():
                    long_uses[index] += _count(data, carried, pattern)
    sheet.long_uses = long_uses
    return sheet


_REFERENCE_WIDTH = 10  # up to three letters and seven digits: XFD1048576
_CELL_LOOKAHEAD = 16  # '<c r="' and a reference


def _cells(array: npt.NDArray[np.uint8]) -> tuple[int, int, int]:
    """(filled cells, farthest column, farthest row) of the cells `<c ...>` in a block, 1-based;
    the extent from the references `<c r="B12"` (every writer puts the reference first)."""
    opened = _pattern_starts(array, b"<c")
    opened = opened[opened < len(array) - _CELL_LOOKAHEAD]  # the rest are the next block's
    after = array[opened + 2]
    opened = opened[(after == 32) | (after == 62)]  # "<c " or "<c>", not "<cols"
    with_reference = opened[(array[opened + 3] == 114) & (array[opened + 4] == 61) & (array[opened + 5] == 34)]
    if not len(with_reference):
        return len(opened), 0, 0
    refs = array[(with_reference + 6)[:, None] + np.arange(_REFERENCE_WIDTH)]
    widths = np.zeros(len(refs), np.int8)  # leading letters: 1 to 3
    leading = np.ones(len(refs), bool)
    for k in range(3):
        leading &= (refs[:, k] >= 65) & (refs[:, k] <= 90)
        widths += leading
    last_column = last_row = 0
    for width in (1, 2, 3):
        group = refs[widths == width]
        if not len(group):
            continue
        letters = group[:, :width].astype(np.int64) - 64
        last_column = max(last_column, int((letters @ 26 ** np.arange(width - 1, -1, -1)).max()))
        last_row = max(last_row, _largest_number(group[:, width : width + 7]))
    return len(opened), last_column, last_row


def _largest_number(texts: npt.NDArray[np.uint8]) -> int:
    """The largest number among rows of bytes that each begin with digits (the rest ignored)."""
    lengths = np.zeros(len(texts), np.int8)
    leading = np.ones(len(texts), bool)
    for k in range(texts.shape[1]):
        leading &= (texts[:, k] >= 48) & (texts[:, k] <= 57)
        lengths += leading
    longest = int(lengths.max())
    if not longest:
        return 0
    digits = texts[lengths == longest, :longest].astype(np.int64) - 48
    return int((digits @ 10 ** np.arange(longest - 1, -1, -1)).max())


# --- ods ----------------------------------------------------------------------------------

_ODS_TAG = re.compile(
    rb"<table:table-row\b([^>]*?)(/?)>|</table:table-row>|<table:(?:covered-)?table-cell\b([^>]*?)(/?)>"
)
_ROWS_REPEATED = re.compile(rb'table:number-rows-repeated="(\d+)"')
_COLUMNS_REPEATED = re.compile(rb'table:number-columns-repeated="(\d+)"')


def _ods(archive: zipfile.ZipFile) -> Expansion:
    """The rectangle up to the last filled cell, and the filled cells, with every repeat counted."""
    rows_done = last_row = widest = filled = 0
    repeat_rows, width, row_filled, row_last = 1, 0, 0, 0
    for name in archive.namelist():
        if name != "content.xml":
            _drain(archive, name)
    with archive.open("content.xml") as handle:
        rest = b""
        for block in iter(lambda: handle.read(_BLOCK), b""):
            data = rest + block
            cut = data.rfind(b"<")
            for tag in _ODS_TAG.finditer(data, 0, cut):
                if tag.group(0).startswith(b"</") or tag.group(2) == b"/":  # a row ends
                    if row_filled:
                        last_row = rows_done + repeat_rows
                        widest = max(widest, row_last)
                        filled += row_filled * repeat_rows
                    rows_done += repeat_rows
                    repeat_rows, width, row_filled, row_last = 1, 0, 0, 0
                    if tag.group(2) != b"/":
                        continue
                if tag.group(0).startswith(b"<table:table-row"):
                    found = _ROWS_REPEATED.search(tag.group(1) or b"")
                    repeat_rows = int(found.group(1)) if found else 1
                    continue
                attributes = tag.group(3) or b""
                found = _COLUMNS_REPEATED.search(attributes)
                span = int(found.group(1)) if found else 1
                width += span
                if b"office:value-type" in attributes:
                    row_filled += span
                    row_last = width
            rest = data[cut:]
    extent = f"lembar {format_int(widest)} kolom × {format_int(last_row)} baris"
    return Expansion(
        BASE_BYTES + last_row * widest * BYTES_PER_CELL + filled * BYTES_PER_FILLED,
        f"sel yang diulang: {format_int(filled)} sel terisi, {extent}",
    )
