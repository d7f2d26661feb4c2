"""The readers on their own: files become cells handed to a sink (here one that only records),
with no check and no store behind them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pytest

from pdm_metrics.errors import CsvNotReadable, RosterError
from pdm_metrics.reading.files import read_files
from pdm_metrics.reading.snapshot_date import DateSource, resolve_snapshot_date
from pdm_metrics.schema import Column
from tests.files import HEADER, NIP_A, ROWS, csv_bytes, xlsx_bytes
from tests.pdm_2021 import ACTIVATION, PDM


class RecordingSink:
    """Keeps what it is handed; refuses to read CSV files itself, like a reader that cannot."""

    vocabulary = PDM.vocabulary

    def __init__(self, reads_csv: bool = False) -> None:
        self.parts: list[tuple[str, int, pa.Table]] = []
        self.csv_files: list[tuple[str, int, dict[str, int]]] = []
        self.reads_csv = reads_csv

    def add_cells(self, label: str, first_row: int, cells: pa.Table, numeric_nip_rows: Sequence[int]) -> None:
        self.parts.append((label, first_row, cells))

    def add_csv_file(
        self, label: str, path: str, delimiter: str, skip: int, width: int, positions: dict[str, int]
    ) -> int:
        if not self.reads_csv:
            raise CsvNotReadable("this sink reads no file itself")
        self.csv_files.append((label, skip, positions))
        return len(Path(path).read_text(encoding="utf-8-sig").splitlines()) - skip  # a plain file: a record a line


def test_a_workbook_becomes_cells_under_their_canonical_names() -> None:
    sink = RecordingSink()
    read = read_files(sink, [(xlsx_bytes([HEADER, *ROWS], titles=["Keadaan per 11 Juli 2021"]), "a.xlsx")], print)
    (label, first_row, cells) = sink.parts[0]
    assert (label, first_row) == ("a.xlsx", 3)  # title row 1, header row 2, data from row 3
    assert cells.column_names == [c.value for c in Column]
    assert cells.column("nip").to_pylist() == [row[0] for row in ROWS]
    assert cells.column("email").null_count == len(ROWS)  # a column the file lacks stays empty
    assert set(read.headers[0]) == {Column.NIP, Column.NAMA, Column.OPD, ACTIVATION.status_column}
    assert "11 Juli 2021" in read.titles[0] and len(read.sha256) == 64


def test_a_plain_csv_is_handed_over_to_be_read_in_place_else_read_here(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_bytes(csv_bytes([HEADER, *ROWS]))
    reading_sink = RecordingSink(reads_csv=True)
    read_files(reading_sink, [(path.open("rb"), "b.csv")], print)
    positions = {"nip": 0, "nama": 1, "opd": 2, "status_1": 3}
    assert reading_sink.parts == [] and reading_sink.csv_files[0][2] == positions
    other = RecordingSink(reads_csv=False)
    read_files(other, [(path.open("rb"), "b.csv")], print)
    assert other.parts[0][2].column("nama").to_pylist() == [row[1] for row in ROWS]


def test_each_step_is_announced_and_a_missing_column_is_named() -> None:
    steps: list[str] = []
    read_files(RecordingSink(), [(csv_bytes([HEADER, ROWS[0]]), "c.csv")], steps.append)
    assert steps == ["Membaca c.csv"]
    with pytest.raises(RosterError, match="Kolom wajib tidak ditemukan: Status Aktivasi"):
        read_files(RecordingSink(), [(csv_bytes([HEADER[:3], [NIP_A, "A", "Dinas A"]]), "d.csv")], print)


def test_the_snapshot_date_comes_from_the_user_the_title_or_the_file_name() -> None:
    given = dt.date(2021, 9, 20)
    assert resolve_snapshot_date(given, "Keadaan per 11 Juli 2021", "x_20210801.csv") == (given, DateSource.GIVEN)
    assert resolve_snapshot_date(None, "Keadaan per 11 Juli 2021", "x.csv") == (dt.date(2021, 7, 11), DateSource.TITLE)
    assert resolve_snapshot_date(None, "", "x_20210801.csv") == (dt.date(2021, 8, 1), DateSource.FILENAME)
    assert resolve_snapshot_date(None, "Daftar ASN", "x.csv") == (None, None)
    assert DateSource.GIVEN.label == "diisi pengguna"
