"""The estimate of a workbook's memory once parsed, made from its packed parts (reading/expansion.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pdm_metrics.reading import expansion
from tests import hostile_workbooks
from tests.files import HEADER, ROWS, xls_bytes, xlsx_bytes


def estimate(tmp_path: Path, data: bytes, suffix: str = ".xlsx") -> expansion.Expansion:
    path = tmp_path / f"book{suffix}"
    path.write_bytes(data)
    found = expansion.estimate(path)
    assert found is not None
    return found


def test_a_sound_roster_is_estimated_at_its_size(tmp_path: Path) -> None:
    found = estimate(tmp_path, xlsx_bytes([HEADER, *ROWS]))
    cells = 4 * 4  # a header and three rows of four columns
    assert found.bytes == pytest.approx(
        expansion.BASE_BYTES + cells * (expansion.BYTES_PER_CELL + expansion.BYTES_PER_FILLED), rel=0.01
    )
    assert found.why == "lembar kerja 4 kolom × 4 baris"


def test_the_rectangle_runs_to_the_farthest_reference() -> None:
    block = b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="AB12"><v>1</v></c></row><cols/>'
    block += b'<row r="9"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c><c><v>2</v></c></row>'
    filled, column, row = expansion._cells(np.frombuffer(block + b" " * 32, np.uint8))
    assert (filled, column, row) == (4, 16384, 1048576)  # '<cols' is no cell; '<c>' is one


@pytest.mark.parametrize("block", [41, 97, 4096])
def test_patterns_cut_between_blocks_are_counted_once(
    block: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = hostile_workbooks.shared_string_bomb(rows=300, length=5000)
    whole = estimate(tmp_path, data)
    monkeypatch.setattr(expansion, "_BLOCK", block)
    assert estimate(tmp_path, data) == whole


def test_a_long_shared_string_counts_once_per_cell_that_uses_it(tmp_path: Path) -> None:
    found = estimate(tmp_path, hostile_workbooks.shared_string_bomb(rows=300, length=5000))
    assert found.why == "teks panjang yang diulang di 300 sel"
    copies = 300 * 5000 * 2  # calamine's copy and Arrow's, of each cell's own copy
    assert found.bytes - expansion.BASE_BYTES >= copies


def test_more_long_strings_than_are_followed_take_every_shared_cell_as_the_longest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(expansion, "MAX_LONG_FOLLOWED", 0)
    found = estimate(tmp_path, hostile_workbooks.shared_string_bomb(rows=300, length=5000))
    assert found.why == "teks panjang yang diulang di 300 sel"


def test_ods_repeats_are_counted_as_the_cells_they_stand_for(tmp_path: Path) -> None:
    found = estimate(tmp_path, hostile_workbooks.ods_repeat_bomb(rows=1000, columns=50), ".ods")
    assert found.why == "sel yang diulang: 51.004 sel terisi, lembar 51 kolom × 1.001 baris"


def test_a_part_longer_than_its_package_says_is_a_lie(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(hostile_workbooks.lying_sizes(rows=20_000, declared=64 * 1024))
    with pytest.raises(expansion.PackageLies):
        expansion.estimate(path)


def test_a_legacy_xls_is_not_estimated(tmp_path: Path) -> None:
    path = tmp_path / "book.xls"
    path.write_bytes(xls_bytes([HEADER, *ROWS]))
    assert expansion.estimate(path) is None
