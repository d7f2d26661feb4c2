"""Broken and hostile files: each gets a clear Indonesian error and the database stays as it was."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable

import pytest

from pdm_metrics import store
from pdm_metrics.errors import PdmError, RosterError
from pdm_metrics.ingest import RosterRejected, ingest_roster
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


def xxe() -> bytes:
    doctype = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    xml = sheet_xml(GOOD).split(b"?>", 1)[-1].replace(b"<t>Budi Santoso</t>", b"<t>&xxe;</t>")
    return replace_zip_member(GOOD, "xl/worksheets/sheet1.xml", doctype + xml)


def zip_without_sheets() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def workbook_missing_its_sheet() -> bytes:
    source = zipfile.ZipFile(io.BytesIO(GOOD))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                target.writestr(item.filename, source.read(item.filename))
    return buffer.getvalue()


HOSTILE: dict[str, tuple[Callable[[], bytes], str, str]] = {
    "empty": (lambda: b"", "x.xlsx", "kosong"),
    "whitespace only": (lambda: b"  \r\n \r\n", "x.csv", "kosong"),
    "truncated xlsx": (lambda: GOOD[: len(GOOD) // 2], "x.xlsx", "rusak atau terpotong"),
    "text named xlsx": (lambda: b"NIP;NAMA\nini bukan excel", "x.xlsx", "bukan berkas Excel"),
    "html saved as xls": (lambda: b"<html><body><table><tr><td>NIP</td></tr></table></body></html>", "x.xls", "HTML"),
    "encrypted": (fake_encrypted_workbook, "x.xlsx", "kata sandi"),
    "corners with dimension": (lambda: sparse_corners(True), "x.xlsx", "XFD"),
    # Refused before it is parsed: its rectangle would take 640 GB.
    "corners without dimension": (lambda: sparse_corners(False), "x.xlsx", "16.384 kolom × 1.048.576 baris"),
    "zip bomb": (zip_bomb, "x.xlsx", "zip bomb"),
    "entity bomb": (entity_bomb, "x.xlsx", "DTD"),
    "header only xlsx": (lambda: xlsx_bytes([HEADER]), "x.xlsx", "hanya berisi baris judul"),
    "header only csv": (lambda: csv_bytes([HEADER]), "x.csv", "hanya berisi baris judul"),
    "no header": (lambda: csv_bytes([["a", "b"], ["1", "2"]]), "x.csv", "Kolom wajib tidak ditemukan"),
    "unclosed quote": (lambda: b'NIP,NAMA,OPD,STATUS AKTIVASI\n"199001012020121001,Budi,Dinas,Sudah\n', "x.csv", ""),
    "xxe": (xxe, "x.xlsx", "DTD"),
    "wrong encoding": (lambda: csv_bytes([HEADER, *ROWS]) + b"\x81\x8d\xff\xfe", "x.csv", "Encoding"),
    "utf-16 without bom": (lambda: csv_bytes([HEADER, *ROWS], encoding="utf-16-le"), "x.csv", "data biner"),
    "wrong delimiter": (lambda: csv_bytes([HEADER, *ROWS], delimiter=":"), "x.csv", "Kolom wajib tidak ditemukan"),
    "ragged rows": (lambda: csv_bytes([HEADER, ROWS[0], [*ROWS[1], "x", "y"]]), "x.csv", "Jumlah kolom tidak sesuai"),
    "binary garbage": (lambda: bytes(range(256)) * 40, "x.csv", "data biner"),
    "zip that is no workbook": (zip_without_sheets, "x.xlsx", "tidak dapat dibuka sebagai Excel"),
    "workbook missing its sheet": (workbook_missing_its_sheet, "x.xlsx", ""),
}


ROW_LEVEL: dict[str, tuple[Callable[[], bytes], str, str]] = {
    "numeric nip cell": (lambda: xlsx_bytes([HEADER, [int(ROWS[0][0]), *ROWS[0][1:]]]), "x.xlsx", "Teks"),
    "nip in scientific notation": (lambda: csv_bytes([HEADER, ["1,99001E+17", *ROWS[0][1:]]], ";"), "x.csv", "Teks"),
    "nip with letters": (lambda: csv_bytes([HEADER, ["NIP-LAMA-123", *ROWS[0][1:]]]), "x.csv", "hanya boleh"),
    "missing nip": (lambda: csv_bytes([HEADER, ["", *ROWS[0][1:]], ROWS[1]]), "x.csv", "NIP kosong"),
    "conflicting duplicates": (lambda: csv_bytes([HEADER, ROWS[0], [*ROWS[0][:3], "Belum"]]), "x.csv", "data berbeda"),
    "unknown status word": (lambda: csv_bytes([HEADER, [*ROWS[0][:3], "Mungkin"]]), "x.csv", "'Mungkin'"),
    "impossible date": (lambda: csv_bytes([[*HEADER, "TGL AKTIVASI"], [*ROWS[0], "31/02/2021"]]), "x.csv", "kalender"),
    "10.000-character cell": (lambda: csv_bytes([HEADER, [ROWS[0][0], "x" * 10_000, *ROWS[0][2:]]]), "x.csv",
                              "Terlalu panjang"),
    "control characters": (lambda: csv_bytes([HEADER, [ROWS[0][0], "Bu\x07di\x1b", *ROWS[0][2:]]]), "x.csv",
                           "karakter kontrol"),
}  # fmt: skip


CASES = {
    **{n: (*c, RosterError) for n, c in HOSTILE.items()},
    **{n: (*c, RosterRejected) for n, c in ROW_LEVEL.items()},
}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_input_gets_a_clear_error_and_the_database_is_unchanged(name: str, db: store.Connection) -> None:
    """File-level problems reject the file as unreadable; row-level ones reject it in strict mode."""
    make, filename, expected, error = CASES[name]
    ingest_roster(db, read_roster(GOOD, "awal.xlsx", dt.date(2021, 7, 1)))
    before = content_checksum(db)
    with pytest.raises(error) as caught:
        ingest_roster(db, read_roster(make(), filename, dt.date(2021, 7, 11)))
    assert isinstance(caught.value, PdmError)
    message = caught.value.message
    assert expected in message and "Traceback" not in message and len(message) > 20
    if error is RosterRejected:
        assert message.startswith("Berkas ditolak")
    assert content_checksum(db) == before
    assert len(store.list_snapshots(db)) == 1
