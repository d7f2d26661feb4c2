"""Small workbooks that expand to gigabytes when parsed, one per way of doing it, written by hand
(no spreadsheet library writes them) so that each is exactly the trick it names."""

from __future__ import annotations

import io
import struct
import zipfile

from tests.files import NIP_A

_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b'<Override PartName="/xl/sharedStrings.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    b"</Types>"
)
_ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'worksheet" Target="worksheets/sheet1.xml"/>'
    b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
_SHEET_OPEN = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_CLOSE = b"</sheetData></worksheet>"
_HEADER = ("NIP", "NAMA", "OPD", "STATUS AKTIVASI")


def _inline(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def _header_row() -> bytes:
    return b'<row r="1">' + b"".join(_inline(f"{c}1", t) for c, t in zip("ABCD", _HEADER, strict=True)) + b"</row>"


def _xlsx(sheet: bytes, shared: list[str]) -> bytes:
    strings = "".join(f"<si><t>{s}</t></si>" for s in shared)
    shared_xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(shared)}" '
        f'uniqueCount="{len(shared)}">{strings}</sst>'
    ).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/sharedStrings.xml", shared_xml)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()


def _roster_row(number: int, name_cell: bytes) -> bytes:
    nip = f"{NIP_A[:-6]}{number:06d}"
    return (
        f'<row r="{number}">'.encode()
        + _inline(f"A{number}", nip)
        + name_cell
        + _inline(f"C{number}", "Dinas A")
        + _inline(f"D{number}", "Sudah")
        + b"</row>"
    )


def shared_string_bomb(rows: int = 20_000, length: int = 100_000, index: str = "0") -> bytes:
    """Every NAMA cell points at one shared string of `length` characters: a few hundred KB
    on disk, rows × length bytes (2 GB by default) once each cell holds its own copy.
    With index="00" the cells write the string's number as no spreadsheet writes it (a parser
    reads it as 0): the estimate before parsing does not follow them."""
    cell = '<c r="B{n}" t="s"><v>' + index + "</v></c>"
    body = b"".join(_roster_row(n, cell.format(n=n).encode()) for n in range(2, rows + 2))
    return _xlsx(_SHEET_OPEN + _header_row() + body + _SHEET_CLOSE, ["A" * length])


def sparse_span(last_row: int = 100_000, last_column: str = "ALL", reference_first: bool = True) -> bytes:
    """A roster header and one cell far away, no <dimension>: a parser that holds the sheet as a
    rectangle holds last_row × the column's number of cells (100.000 × 1.000 by default).
    With reference_first=False the far cell's reference comes after another attribute, as no
    spreadsheet writes it but the format allows: the estimate before parsing does not see it."""
    far_cell = _inline(f"{last_column}{last_row}", "x")
    if not reference_first:
        far_cell = far_cell.replace(b'<c r="', b'<c s="0" r="')
    far = f'<row r="{last_row}">'.encode() + far_cell + b"</row>"
    return _xlsx(_SHEET_OPEN + _header_row() + far + _SHEET_CLOSE, [])


def lying_sizes(rows: int = 4_000_000, declared: int = 2 * 2**20) -> bytes:
    """The sheet unpacks to about 200 bytes a row (800 MB by default) but the zip's headers say 2 MB,
    so a check of the declared sizes passes it."""
    row = b'<row><c t="inlineStr"><is><t>1</t></is></c><c t="inlineStr"><is><t>x</t></is></c></row>'
    body = _SHEET_OPEN + _header_row() + row * rows
    data = bytearray(_xlsx(body + _SHEET_CLOSE, []))
    return bytes(_declare_size(data, b"xl/worksheets/sheet1.xml", declared))


# Where a zip record keeps its name length, its name and its uncompressed size.
_ZIP_RECORDS = {b"PK\x03\x04": (26, 30, 22), b"PK\x01\x02": (28, 46, 24)}  # local header, central directory


def _declare_size(data: bytearray, name: bytes, size: int) -> bytearray:
    """Overwrite the uncompressed size of member `name` in its local header and the central directory."""
    for signature, (name_length_at, name_at, size_at) in _ZIP_RECORDS.items():
        record = data.find(signature)
        while record != -1:
            name_length = struct.unpack_from("<H", data, record + name_length_at)[0]
            if data[record + name_at : record + name_at + name_length] == name:
                struct.pack_into("<I", data, record + size_at, size)
            record = data.find(signature, record + 4)
    return data


_ODS_MANIFEST = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    b'<manifest:file-entry manifest:full-path="/" '
    b'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    b"</manifest:manifest>"
)


def _ods_cell(text: str, repeat: int = 1) -> bytes:
    repeated = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return f'<table:table-cell{repeated} office:value-type="string"><text:p>{text}</text:p></table:table-cell>'.encode()


def ods_repeat_bomb(rows: int = 300_000, columns: int = 200) -> bytes:
    """One written row repeated `rows` times, each holding one cell repeated `columns` times:
    a few KB that mean rows × columns filled cells (60 million by default)."""
    header = b"<table:table-row>" + b"".join(_ods_cell(t) for t in _HEADER) + b"</table:table-row>"
    bomb = (
        f'<table:table-row table:number-rows-repeated="{rows}">'.encode()
        + _ods_cell(NIP_A)
        + _ods_cell("Nama panjang sekali", columns)
        + b"</table:table-row>"
    )
    content = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        b'<office:body><office:spreadsheet><table:table table:name="Sheet1">'
        + header
        + bomb
        + b"</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", b"application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", _ODS_MANIFEST, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
