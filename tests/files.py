"""Real roster files written by the tests (xlsx via openpyxl, csv in any encoding)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

import openpyxl

from tests.pdm_2021 import ACTIVATION

# PDM 2021's headline stage as its definition names it: a status header and its two words.
DONE, NOT_DONE = ACTIVATION.done[0], ACTIVATION.not_done[0]
HEADER = ["NIP", "NAMA", "OPD", ACTIVATION.columns[0]]
NIP_A = "199001012020121001"  # PNS, born 1 Jan 1990, CPNS Dec 2020, male
NIP_B = "198512312010012002"  # PNS, female
NIP_C = "199203152021211003"  # PPPK: digits 13-14 = 21
ROWS = [
    [NIP_A, "Budi Santoso", "Dinas Kesehatan", DONE],
    [NIP_B, "Siti Aminah", "Dinas Pendidikan", NOT_DONE],
    [NIP_C, "Rina Wati", "Dinas Kesehatan", DONE],
]


def xlsx_bytes(rows: Sequence[Sequence[object]], titles: Sequence[str] = ()) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for title in titles:
        sheet.append([title])
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(
    rows: Sequence[Sequence[object]], delimiter: str = ",", encoding: str = "utf-8", titles: Sequence[str] = ()
) -> bytes:
    lines = list(titles) + [delimiter.join("" if c is None else str(c) for c in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def replace_zip_member(data: bytes, name: str, content: bytes, level: int = 6) -> bytes:
    """The same workbook with one member's content replaced."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as target:
        for item in source.infolist():
            target.writestr(item.filename, content if item.filename == name else source.read(item.filename))
    return out.getvalue()


def sheet_xml(data: bytes) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")


def xls_bytes(rows: Sequence[Sequence[object]], titles: Sequence[str] = ()) -> bytes:
    """A legacy Excel 97-2003 workbook (BIFF), as older SAPK exports were."""
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Sheet1")
    for r, row in enumerate([[t] for t in titles] + [list(x) for x in rows]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def ods_bytes(rows: Sequence[Sequence[object]]) -> bytes:
    """An OpenDocument spreadsheet (LibreOffice)."""
    import pandas as pd

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="odf") as writer:
        pd.DataFrame(list(rows[1:]), columns=list(rows[0])).to_excel(writer, index=False)
    return buffer.getvalue()
