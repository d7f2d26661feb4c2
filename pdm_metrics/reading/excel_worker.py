"""Child process that parses one workbook: `python -m pdm_metrics.reading.excel_worker IN OUTDIR`.

It limits its own address space first, so a hostile sheet that makes calamine
allocate without bound ends this process, never the dashboard's server; then it
estimates what the workbook will take once parsed (expansion.py) and refuses one
that would outgrow what the parent left it. It writes OUTDIR/grid-N.arrow (every
cell of sheet N as text) and OUTDIR/meta.json.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import resource
import signal
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from pdm_metrics.errors import FULL_ERRNOS, FULL_EXIT_CODE

HEADER_PROBE_ROWS = 30
_PR_SET_PDEATHSIG = 1


def _limit_memory() -> None:
    """The last stop for an allocation faster than the parent's watch (excel._run_watched_child)."""
    limit = int(os.environ.get("PDM_CHILD_MEMORY_BYTES", str(3 * 2**30)))
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _write_meta(workdir: Path, **meta: Any) -> None:
    Path(workdir, "meta.json").write_text(json.dumps(meta), encoding="utf-8")


def numeric_nip_rows(reader: Any, sheet: int | str, header_row: int, nip_column: int) -> list[int]:
    """Excel row numbers (1-based) whose NIP cell is a number: its last digits are already lost."""
    import fastexcel
    import pyarrow as pa

    try:
        column = reader.load_sheet(
            sheet,
            header_row=header_row,
            use_columns=[nip_column],
            schema_sample_rows=None,
            dtype_coercion="strict",
            eager=True,
        )
    except fastexcel.UnsupportedColumnTypeCombinationError:
        return _numeric_rows_of_mixed_column(reader, sheet, header_row, nip_column)
    field_type = column.schema.field(0).type
    if pa.types.is_integer(field_type) or pa.types.is_floating(field_type):
        values = column.column(0)
        return [header_row + 2 + i for i, valid in enumerate(values.is_valid().to_pylist()) if valid]
    return []


def _numeric_rows_of_mixed_column(reader: Any, sheet: int | str, header_row: int, nip_column: int) -> list[int]:
    # Asking for a date makes fastexcel report every non-date cell with its own
    # type ("Float(...)", "String(...)"): the only per-cell type it exposes.
    column = reader.load_sheet(sheet, header_row=header_row, use_columns=[nip_column], dtypes={nip_column: "date"})
    _, errors = column.to_arrow_with_errors()
    if errors is None:
        return []
    # offset_position counts data rows after the header row (0-based).
    return sorted(
        header_row + 2 + int(error.offset_position[0])
        for error in errors.errors
        if "got 'Float(" in error.detail or "got 'Int(" in error.detail
    )


def read_workbook(source: Path, workdir: Path) -> None:
    import fastexcel
    import pyarrow as pa
    import pyarrow.ipc as ipc

    from pdm_metrics.schema import find_header_row

    try:
        reader = fastexcel.read_excel(source)
    except Exception as exc:  # noqa: BLE001 - any parser failure is a bad file for the user
        _write_meta(workdir, error=_open_error_message(exc))
        return
    # Each load parses the whole sheet, so every sheet is loaded once and its header searched
    # in the loaded grid. Which NIP cells are numbers is read from the sheet's XML alongside
    # (fastexcel parses without holding the GIL); when the XML cannot tell for sure, a second
    # load of the NIP column asks fastexcel. Every sheet with a header row is part of the
    # snapshot (an xlsx sheet holds at most 1.048.576 rows, so national exports span several);
    # with none, the first sheet is returned so the user is told which headers were found.
    sheets: list[dict[str, Any]] = []
    hidden = _hidden_sheets(source)
    for index in range(len(reader.sheet_names)):
        if index in hidden:  # a hidden sheet is no part of what the operator sees: named, not read
            continue
        ahead = _nip_column(_xlsx_first_rows(source, index))
        with ThreadPoolExecutor(max_workers=1) as pool:
            scan = pool.submit(xml_nip_cells, source, index, *ahead) if ahead else None
            loaded = reader.load_sheet(index, header_row=None, skip_rows=0, dtypes="string", eager=True)
            grid = pa.RecordBatch.from_arrays(loaded.columns, names=[f"c{i}" for i in range(loaded.num_columns)])
            del loaded
            probe = [list(row.values()) for row in grid.slice(0, HEADER_PROBE_ROWS).to_pylist()]
            header = _nip_column(probe)
            cells = scan.result() if scan is not None and header == ahead else None
        numeric_rows = _trusted_numeric_rows(cells, grid, header)
        if numeric_rows is None:
            numeric_rows = _numeric_nip_rows_of(source, index, *header) if header else []
        # Written at once and let go: a workbook of several full sheets is held one sheet at a time.
        grid_path = Path(workdir, f"grid-{index}.arrow")
        with pa.OSFile(str(grid_path), "wb") as sink, ipc.new_file(sink, grid.schema) as writer:
            writer.write_batch(grid)
        del grid
        sheets.append(
            {
                "sheet": reader.sheet_names[index],
                "header_row": find_header_row(probe),
                "numeric_nip_rows": numeric_rows,
                "grid": grid_path.name,
            }
        )
    with_header = [sheet for sheet in sheets if sheet["header_row"] is not None] or sheets[:1]
    _write_meta(workdir, sheets=with_header, hidden=[reader.sheet_names[i] for i in sorted(hidden)])


def _hidden_sheets(source: Path) -> set[int]:
    """The positions of the sheets an xlsx marks hidden or very hidden (workbook.xml's <sheet state>)."""
    try:
        with zipfile.ZipFile(source) as archive:
            workbook = archive.read("xl/workbook.xml")[:2_000_000].decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, KeyError, OSError):
        return set()  # not an xlsx (xls, ods): every sheet is read
    tags = re.findall(r"<(?:\w+:)?sheet\b[^>]*>", workbook)
    return {i for i, tag in enumerate(tags) if re.search(r'\bstate="(hidden|veryHidden)"', tag)}


def _nip_column(rows: list[list[Any]] | None) -> tuple[int, int] | None:
    """(header row, NIP column) of a sheet's first rows, or None."""
    from pdm_metrics.schema import Column, column_for_header, find_header_row

    header_row = find_header_row(rows) if rows else None
    if rows is None or header_row is None:
        return None
    cells = rows[header_row]
    return header_row, next(
        i for i, cell in enumerate(cells) if cell is not None and column_for_header(cell) == Column.NIP
    )


@dataclass(frozen=True)
class NipCells:
    """The cells of a sheet's NIP column below its header, as its XML has them."""

    count: int  # cells with content
    numeric_rows: list[int]  # Excel row numbers of those that are numbers


def xml_nip_cells(source: Path, sheet: int, header_row: int, nip_column: int) -> NipCells | None:
    """Read the NIP column's cells from an xlsx sheet's XML with one literal search per cell (a
    second fastexcel load would parse every cell again, with its own copy of the strings).
    A cell is a number when it has no type or type "n". None for other formats."""
    pattern = re.compile(b'<c r="' + column_letters(nip_column).encode() + rb'(\d+)"([^>]*)>')
    first_data_row = header_row + 2
    count, numeric = 0, []
    try:
        with zipfile.ZipFile(source) as archive:
            part = _sheet_part(archive, sheet)
            if part is None:
                return None
            with archive.open(part) as handle:
                rest = b""
                for block in iter(lambda: handle.read(8 * 2**20), b""):
                    data = rest + block
                    # Only whole tags are searched; the last one may go on in the next block.
                    cut = data.rfind(b"<")
                    for found in pattern.finditer(data, 0, cut):
                        row, attributes = int(found.group(1)), found.group(2)
                        if row < first_data_row or attributes.endswith(b"/"):
                            continue
                        count += 1
                        if b' t="' not in attributes or b' t="n"' in attributes:
                            numeric.append(row)
                    rest = data[cut:]
    except (zipfile.BadZipFile, KeyError, ValueError):
        return None
    return NipCells(count, numeric)


def _trusted_numeric_rows(cells: NipCells | None, grid: Any, header: tuple[int, int] | None) -> list[int] | None:
    """The XML's numeric rows when it saw exactly the NIP cells the loaded grid has (every writer
    puts a cell's reference first, but the format does not require it), else None."""
    if cells is None or header is None:
        return None
    header_row, nip_column = header
    below = grid.column(nip_column).slice(header_row + 1)
    return cells.numeric_rows if cells.count == len(below) - below.null_count else None


def column_letters(index: int) -> str:
    """0 -> 'A', 26 -> 'AA' (the inverse of excel.column_index, 0-based)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _numeric_nip_rows_of(source: Path, sheet: int, header_row: int, nip_column: int) -> list[int]:
    import fastexcel

    return numeric_nip_rows(fastexcel.read_excel(source), sheet, header_row, nip_column)


_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _xlsx_first_rows(source: Path, sheet: int) -> list[list[Any]] | None:
    """The first HEADER_PROBE_ROWS rows of an xlsx sheet as text, read straight from its XML (a
    fastexcel load parses the whole sheet); None for other formats or layouts."""
    try:
        with zipfile.ZipFile(source) as archive:
            name = _sheet_part(archive, sheet)
            if name is None:
                return None
            rows = _xml_rows(archive, name)
            needed = [int(v) for cells in rows.values() for kind, v in cells.values() if kind == "s" and v]
            strings = _shared_strings(archive, max(needed)) if needed else []
    except (zipfile.BadZipFile, ElementTree.ParseError, KeyError, ValueError, IndexError):
        return None
    width = 1 + max((column for cells in rows.values() for column in cells), default=0)
    grid: list[list[Any]] = [[None] * width for _ in range(max(rows, default=0))]
    for number, cells in rows.items():
        for column, (kind, value) in cells.items():
            grid[number - 1][column] = strings[int(value)] if kind == "s" and value is not None else value
    return grid


_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _sheet_part(archive: zipfile.ZipFile, sheet: int) -> str | None:
    """The zip member of the workbook's sheet number `sheet` (0-based, in the workbook's order,
    as fastexcel counts them), found through the workbook's relationships; None if not found."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    sheets = workbook.findall(f"{_SHEET_NS}sheets/{_SHEET_NS}sheet")
    if sheet >= len(sheets):
        return None
    relation_id = sheets[sheet].get(f"{_REL_NS}id")
    targets = {r.get("Id"): r.get("Target", "") for r in relations.iter(f"{_PACKAGE_REL_NS}Relationship")}
    target = targets.get(relation_id, "")
    name = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return name if name in archive.namelist() else None


def _xml_rows(archive: zipfile.ZipFile, name: str) -> dict[int, dict[int, tuple[str, str | None]]]:
    """Row number -> column index -> (cell type, raw value), for rows up to HEADER_PROBE_ROWS."""
    from pdm_metrics.reading.excel import column_index

    rows: dict[int, dict[int, tuple[str, str | None]]] = {}
    with archive.open(name) as handle:
        for _, element in ElementTree.iterparse(handle):
            if element.tag != f"{_SHEET_NS}row":
                continue
            number = int(element.get("r", len(rows) + 1))
            if number > HEADER_PROBE_ROWS:
                break
            cells = {}
            for position, cell in enumerate(element.iter(f"{_SHEET_NS}c")):
                letters = "".join(ch for ch in cell.get("r", "") if ch.isalpha())
                column = column_index(letters) - 1 if letters else position
                kind = cell.get("t", "n")
                inline, value = cell.find(f"{_SHEET_NS}is"), cell.find(f"{_SHEET_NS}v")
                text = "".join(inline.itertext()) if inline is not None else None if value is None else value.text
                cells[column] = (kind, text)
            rows[number] = cells
            element.clear()
    return rows


def _shared_strings(archive: zipfile.ZipFile, last: int) -> list[str]:
    """The shared strings up to index `last` (they come in first-use order: the header's are early)."""
    strings: list[str] = []
    with archive.open("xl/sharedStrings.xml") as handle:
        for _, element in ElementTree.iterparse(handle):
            if element.tag == f"{_SHEET_NS}si":
                strings.append("".join(element.itertext()))
                element.clear()
                if len(strings) > last:
                    break
    return strings


def _open_error_message(exc: Exception) -> str:
    text = str(exc).lower()
    if "password" in text or "encrypt" in text:
        return "Berkas Excel ini dilindungi kata sandi. Buka proteksinya lalu unggah ulang."
    return (
        "Berkas tidak dapat dibuka sebagai Excel (rusak, terpotong, atau bukan berkas Excel). "
        "Simpan ulang dari Excel sebagai .xlsx atau .csv lalu coba lagi."
    )


def _die_with_parent() -> None:
    """End when the process that started us ends, even by kill -9 (Linux: PR_SET_PDEATHSIG);
    a parent already gone before that was set means we end now."""
    parent = int(os.environ.get("PDM_PARENT_PID", "0"))
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the parent's timeout still ends us
        return
    if parent and os.getppid() != parent:
        os._exit(1)


def _hold_for_tests() -> None:
    """Fault-injection hook of tests/test_hostile_inputs.py: say the child runs, then wait to be let go."""
    hold = os.environ.get("PDM_TEST_CHILD_HOLD")
    if not hold:
        return
    Path(f"{hold}.started").write_text(str(os.getpid()), encoding="utf-8")
    for _ in range(6000):
        if Path(f"{hold}.release").exists():
            return
        time.sleep(0.01)


def main(argv: list[str]) -> int:
    _die_with_parent()
    _limit_memory()
    _hold_for_tests()
    source, workdir = Path(argv[0]), Path(argv[1])
    refusal = _expansion_refusal(source)
    if refusal:
        _write_meta(workdir, error=refusal)
        return 0
    try:
        read_workbook(source, workdir)
    except OSError as exc:
        if exc.errno in FULL_ERRNOS:  # no room for the grids: the parent says so, not "a bad file"
            return FULL_EXIT_CODE
        raise
    return 0


def _expansion_refusal(source: Path) -> str | None:
    """Why the workbook is refused before it is parsed (it would outgrow the memory left to
    this child, or its package lies about its parts), or None."""
    from pdm_metrics.budget import Budget
    from pdm_metrics.reading import expansion

    limits = Budget()
    allowance = int(os.environ.get("PDM_CHILD_ALLOWANCE_BYTES", "0")) or limits.memory_bytes
    try:
        found = expansion.estimate(source)
    except expansion.PackageLies:
        return (
            "Berkas Excel rusak, atau isinya tidak sepanjang yang tercatat di dalam berkas "
            "(kemungkinan dibuat untuk mengelabui pembaca). Berkas ditolak."
        )
    if found is not None and found.bytes > allowance:
        return limits.memory_message(found.bytes, found.why)
    return None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
