"""Broken and hostile files: each gets a clear Indonesian error and the database stays as it was."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest

from pdm_metrics import store
from pdm_metrics.errors import RosterError
from pdm_metrics.ingest import ingest_roster
from pdm_metrics.roster import read_roster
from tests.conftest import content_checksum
from tests.files import HEADER, ROWS, csv_bytes, replace_zip_member, sheet_xml, xlsx_bytes

GOOD = xlsx_bytes([HEADER, *ROWS])


def sparse_corners(keep_dimension: bool) -> bytes:
    """Cells at A1 and XFD1048576: makes calamine allocate the whole grid and abort."""
    xml = sheet_xml(xlsx_bytes([["NIP"]]))
    corner = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    xml = xml.replace(b"</sheetData>", corner)
    xml = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>' if keep_dimension else b"", xml)
    return replace_zip_member(xlsx_bytes([["NIP"]]), "xl/worksheets/sheet1.xml", xml)


def zip_bomb() -> bytes:
    """About 1 MB on disk, over 300 MB unpacked."""
    row = b'<row><c t="inlineStr"><is><t>0</t></is></c></row>'
    xml = sheet_xml(GOOD).replace(b"</sheetData>", row * 6_500_000 + b"</sheetData>")
    return replace_zip_member(GOOD, "xl/worksheets/sheet1.xml", xml, level=9)


def entity_bomb() -> bytes:
    doctype = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    xml = sheet_xml(GOOD).split(b"?>", 1)[-1]
    return replace_zip_member(GOOD, "xl/worksheets/sheet1.xml", doctype + xml)


def fake_encrypted_workbook() -> bytes:
    """An OLE compound file with an EncryptionInfo stream, as Excel writes a password-protected xlsx."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    directory = "EncryptionInfo".encode("utf-16-le") + b"\x00" * 100 + "EncryptedPackage".encode("utf-16-le")
    return header + directory + b"\x00" * 2048


HOSTILE: dict[str, tuple[Callable[[], bytes], str, str]] = {
    "empty": (lambda: b"", "x.xlsx", "kosong"),
    "whitespace only": (lambda: b"  \r\n \r\n", "x.csv", "kosong"),
    "truncated xlsx": (lambda: GOOD[: len(GOOD) // 2], "x.xlsx", "rusak atau terpotong"),
    "text named xlsx": (lambda: b"NIP;NAMA\nini bukan excel", "x.xlsx", "bukan berkas Excel"),
    "html saved as xls": (lambda: b"<html><body><table><tr><td>NIP</td></tr></table></body></html>", "x.xls", "HTML"),
    "encrypted": (fake_encrypted_workbook, "x.xlsx", "kata sandi"),
    "corners with dimension": (lambda: sparse_corners(True), "x.xlsx", "XFD"),
    "corners without dimension": (lambda: sparse_corners(False), "x.xlsx", "tidak dapat dibaca"),
    "zip bomb": (zip_bomb, "x.xlsx", "zip bomb"),
    "entity bomb": (entity_bomb, "x.xlsx", "DTD"),
    "header only xlsx": (lambda: xlsx_bytes([HEADER]), "x.xlsx", "hanya berisi baris judul"),
    "header only csv": (lambda: csv_bytes([HEADER]), "x.csv", "hanya berisi baris judul"),
    "no header": (lambda: csv_bytes([["a", "b"], ["1", "2"]]), "x.csv", "Kolom wajib tidak ditemukan"),
    "unclosed quote": (lambda: b'NIP,NAMA,OPD,STATUS AKTIVASI\n"199001012020121001,Budi,Dinas,Sudah\n', "x.csv", ""),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_file_gets_clear_error_and_database_is_unchanged(name: str, db: store.Connection) -> None:
    make, filename, expected = HOSTILE[name]
    ingest_roster(db, read_roster(GOOD, "awal.xlsx", dt.date(2021, 7, 1)))
    before = content_checksum(db)
    with pytest.raises(RosterError) as caught:
        ingest_roster(db, read_roster(make(), filename, dt.date(2021, 7, 11)))
    message = caught.value.message
    assert expected in message
    assert "Traceback" not in message and len(message) > 20
    assert content_checksum(db) == before
    assert len(store.list_snapshots(db)) == 1


def test_zip_bomb_is_small_on_disk_and_huge_unpacked() -> None:
    import io
    import zipfile

    data = zip_bomb()
    unpacked = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    assert len(data) < 2_000_000 and unpacked > 300_000_000
