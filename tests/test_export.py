from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from pdm_metrics import demo, store
from pdm_metrics.export import FORMULA_TRIGGERS, neutralise, spaced_nip, to_csv_bytes, to_xlsx_bytes
from pdm_metrics.ingest import ingest_roster
from pdm_metrics.roster import read_roster
from pdm_metrics.views import data
from pdm_metrics.views.common import Filters
from tests.files import csv_bytes

FRAME = pd.DataFrame(
    {
        "NIP": ["199001012020121001", "198512312010012002"],
        "Nama": ['=HYPERLINK("http://x")', 'Siti; "Ani"'],
        "Tanggal Aktivasi": [dt.date(2021, 7, 1), None],
        "Persen": [Decimal("72.11"), Decimal("1234.5")],
        "Jumlah": [3923, 7],
        "Catatan": ["@SUM(A1)", "-2+3"],
    }
)


@given(st.text(min_size=1))
def test_neutralise_never_leaves_a_formula_trigger_first(text: str) -> None:
    result = neutralise(text)
    assert not result.startswith(FORMULA_TRIGGERS)
    assert result.endswith(text)


def test_csv_for_indonesian_excel() -> None:
    data = to_csv_bytes(FRAME)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == list(FRAME.columns)
    assert rows[1] == ["19900101 202012 1 001", '\'=HYPERLINK("http://x")', "01/07/2021", "72,11", "3923", "'@SUM(A1)"]
    assert rows[2] == ["19851231 201001 2 002", 'Siti; "Ani"', "", "1.234,50", "7", "'-2+3"]


def test_csv_export_reads_back_through_our_own_reader() -> None:
    frame = pd.DataFrame(
        {"NIP": ["199001012020121001"], "Nama": ["Budi"], "OPD": ["Dinas A"], "Status Aktivasi": ["Sudah"]}
    )
    roster = read_roster(to_csv_bytes(frame), "ekspor_20210711.csv")
    assert list(roster.valid_rows["nip"]) == ["199001012020121001"] and roster.error_count == 0


def test_xlsx_has_title_frozen_header_autofilter_and_no_formula() -> None:
    data = to_xlsx_bytes(FRAME, "Data PDM ASN", "Snapshot 11 Juli 2021; semua OPD")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet["A1"].value == "Data PDM ASN" and sheet["A2"].value == "Snapshot 11 Juli 2021; semua OPD"
    assert [c.value for c in sheet[4]] == list(FRAME.columns)
    assert sheet.freeze_panes == "A5"
    assert sheet.auto_filter.ref == "A4:F6"
    assert sheet["A5"].value == "199001012020121001" and sheet["A5"].data_type == "s"
    assert sheet["C5"].value == dt.datetime(2021, 7, 1)
    assert sheet["D5"].value == 72.11 and sheet["E5"].value == 3923
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert sheet["B5"].value.startswith("'=")
    assert sheet.column_dimensions["A"].width >= 18


def test_spaced_nip() -> None:
    assert spaced_nip("199001012020121001") == "19900101 202012 1 001"
    assert spaced_nip("123") == "123"


def _both_csvs(con: store.Connection, filters: Filters, status: data.StatusFilter) -> tuple[bytes, bytes]:
    """(the CSV DuckDB writes, the CSV export.to_csv_bytes writes of the same rows)."""
    return data.data_csv(con, filters, status), to_csv_bytes(data.data_rows(con, filters, status))


def test_the_full_data_csv_written_by_duckdb_is_the_python_writers_file_byte_for_byte(sample_con) -> None:  # type: ignore[no-untyped-def]
    early, late = demo.SNAPSHOT_DATES[0], demo.SNAPSHOT_DATES[-1]  # without and with PDM/verification columns
    one_opd = tuple(store.opd_choices(sample_con)["opd_key"][:1])
    for filters, status in [
        (Filters(early), data.StatusFilter()),
        (Filters(late), data.StatusFilter()),
        (Filters(early, one_opd, masked=True), data.StatusFilter((("aktivasi", False),))),
        (Filters(late, (), ("PPPK",)), data.StatusFilter((("pdm", True),))),
    ]:
        fast, slow = _both_csvs(sample_con, filters, status)
        assert fast == slow and fast.count(b"\r\n") > 2


def test_the_duckdb_csv_quotes_and_disarms_cells_as_the_python_writer(tmp_path: Path) -> None:
    rows = [["NIP", "NAMA", "OPD", "STATUS AKTIVASI", "EMAIL", "JENIS ASN"],
            ["199001012020121001", "=HYPERLINK(\"x\")", "Dinas; Umum", "Sudah", "+a@b.go.id", "PNS"],
            ["199001012020122002", 'Siti "Ani"', "-Bagian", "Belum", "", "PPPK"],
            ["199001012020121003", "@Budi", "Dinas A", "Belum", "tanpa-at", "PNS"]]  # fmt: skip
    con = store.connect(tmp_path / "t.duckdb")
    ingest_roster(con, read_roster(csv_bytes(rows), "rekap_20210711.csv"))
    for masked in (False, True):
        fast, slow = _both_csvs(con, Filters(dt.date(2021, 7, 11), masked=masked), data.StatusFilter())
        assert fast == slow
    assert b'"Dinas; Umum"' in fast and b"'=HYPERLINK" in fast and b'"Siti ""Ani"""' in fast
    con.close()
