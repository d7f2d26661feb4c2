"""Child process that parses one workbook: `python -m pdm_metrics.excel_worker IN OUTDIR`.

It limits its own address space first, so a hostile sheet that makes calamine
allocate without bound ends this process, never the dashboard's server. It
writes OUTDIR/grid.arrow (every cell as text) and OUTDIR/meta.json.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from pathlib import Path
from typing import Any

HEADER_PROBE_ROWS = 30


def _limit_memory() -> None:
    limit = int(os.environ.get("PDM_CHILD_MEMORY_BYTES", str(6 * 2**30)))
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

    from pdm_metrics.schema import Column, column_for_header, find_header_row

    try:
        reader = fastexcel.read_excel(source)
    except Exception as exc:  # noqa: BLE001 - any parser failure is a bad file for the user
        _write_meta(workdir, error=_open_error_message(exc))
        return
    # Each load parses the whole sheet, so every sheet is loaded once and its header searched
    # in the loaded grid. Every sheet with a header row is part of the snapshot (an xlsx sheet
    # holds at most 1.048.576 rows, so national exports span several); with none, the first
    # sheet is returned so the user is told which headers were found.
    sheets: list[tuple[int, int | None, Any]] = []
    for index in range(len(reader.sheet_names)):
        loaded = reader.load_sheet(index, header_row=None, skip_rows=0, dtypes="string", eager=True)
        grid = pa.RecordBatch.from_arrays(loaded.columns, names=[f"c{i}" for i in range(loaded.num_columns)])
        probe = grid.slice(0, HEADER_PROBE_ROWS).to_pylist()
        sheets.append((index, find_header_row([list(row.values()) for row in probe]), grid))
    with_header = [sheet for sheet in sheets if sheet[1] is not None] or sheets[:1]
    sheets_meta = []
    for number, (index, header_row, grid) in enumerate(with_header):
        numeric_rows: list[int] = []
        if header_row is not None:
            header_cells = [grid.column(i)[header_row].as_py() for i in range(grid.num_columns)]
            nip_column = next(i for i, cell in enumerate(header_cells) if column_for_header(cell) == Column.NIP)
            numeric_rows = numeric_nip_rows(reader, index, header_row, nip_column)
        grid_path = Path(workdir, f"grid-{number}.arrow")
        with pa.OSFile(str(grid_path), "wb") as sink, ipc.new_file(sink, grid.schema) as writer:
            writer.write_batch(grid)
        sheets_meta.append(
            {"sheet": reader.sheet_names[index], "header_row": header_row, "numeric_nip_rows": numeric_rows,
             "grid": grid_path.name}
        )  # fmt: skip
    _write_meta(workdir, sheets=sheets_meta)


def _open_error_message(exc: Exception) -> str:
    text = str(exc).lower()
    if "password" in text or "encrypt" in text:
        return "Berkas Excel ini dilindungi kata sandi. Buka proteksinya lalu unggah ulang."
    return (
        "Berkas tidak dapat dibuka sebagai Excel (rusak, terpotong, atau bukan berkas Excel). "
        "Simpan ulang dari Excel sebagai .xlsx atau .csv lalu coba lagi."
    )


def main(argv: list[str]) -> int:
    _limit_memory()
    source, workdir = Path(argv[0]), Path(argv[1])
    read_workbook(source, workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
