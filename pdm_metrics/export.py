"""CSV and XLSX downloads: Indonesian formats, and no cell that a spreadsheet would run.

CSV is written for an Excel set to Indonesian regional settings: UTF-8 with BOM,
';' between fields, decimal comma, dates dd/mm/yyyy, and NIP in the official
spaced form (19900101 202012 1 001) so Excel keeps all 18 digits as text.
XLSX cells are written as strings, numbers or dates, never as formulas.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import xlsxwriter

from pdm_metrics.fmt import format_decimal, format_int

# OWASP CSV injection: a cell starting with one of these may be run as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
NIP_HEADER = "NIP"


def neutralise(text: str) -> str:
    """Prefix an apostrophe to text that a spreadsheet would read as a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def spaced_nip(nip: str) -> str:
    """'199001012020121001' -> '19900101 202012 1 001' (the official written form)."""
    if len(nip) != 18 or not nip.isdigit():
        return nip
    return f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}"


def _csv_cell(value: Any, column: str) -> str:
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        return ""
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    if isinstance(value, datetime | pd.Timestamp):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal | float):
        return format_decimal(value)
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return spaced_nip(text) if column == NIP_HEADER else neutralise(text)


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Semicolon-separated UTF-8 (with BOM) text that Excel in Indonesian settings opens as a table."""
    buffer = io.StringIO()
    columns = [str(c) for c in frame.columns]
    buffer.write(";".join(_quote(neutralise(c)) for c in columns) + "\r\n")
    for row in frame.itertuples(index=False, name=None):
        buffer.write(";".join(_quote(_csv_cell(v, c)) for v, c in zip(row, columns, strict=True)) + "\r\n")
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _quote(text: str) -> str:
    if any(ch in text for ch in ';"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def to_xlsx_bytes(frame: pd.DataFrame, title: str, subtitle: str, sheet_name: str = "Data") -> bytes:
    """One sheet: title row, subtitle (date and filters), frozen header, autofilter, fitted widths."""
    buffer = io.BytesIO()
    workbook = workbook_factory(buffer)
    write_sheet(workbook, frame, title, subtitle, sheet_name)
    workbook.close()
    return buffer.getvalue()


def write_sheet(workbook: Any, frame: pd.DataFrame, title: str, subtitle: str, sheet_name: str) -> None:
    sheet = workbook.add_worksheet(_sheet_name(sheet_name))
    bold = workbook.add_format({"bold": True, "font_size": 14})
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    number_format = workbook.add_format({"num_format": "#,##0"})
    decimal_format = workbook.add_format({"num_format": "#,##0.00"})
    sheet.write_string(0, 0, neutralise(title), bold)
    sheet.write_string(1, 0, neutralise(subtitle))
    header_row = 3
    columns = [str(c) for c in frame.columns]
    widths = [len(c) for c in columns]
    for col, name in enumerate(columns):
        sheet.write_string(header_row, col, neutralise(name), header)
    for r, row in enumerate(frame.itertuples(index=False, name=None), start=header_row + 1):
        for col, value in enumerate(row):
            shown = _write_cell(sheet, r, col, value, date_format, number_format, decimal_format)
            widths[col] = max(widths[col], len(shown))
    for col, width in enumerate(widths):
        sheet.set_column(col, col, min(max(width + 2, 8), 60))
    sheet.freeze_panes(header_row + 1, 0)
    sheet.autofilter(header_row, 0, header_row + max(len(frame), 1), max(len(columns) - 1, 0))


def _write_cell(sheet: Any, row: int, col: int, value: Any, date_fmt: Any, int_fmt: Any, dec_fmt: Any) -> str:
    """Write one value with the matching cell type; return its shown text (for widths)."""
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        sheet.write_blank(row, col, None)
        return ""
    if isinstance(value, bool):
        text = "Ya" if value else "Tidak"
        sheet.write_string(row, col, text)
        return text
    if isinstance(value, datetime | pd.Timestamp | date):
        moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
        sheet.write_datetime(row, col, moment, date_fmt)
        return "dd/mm/yyyy"
    if isinstance(value, int):
        sheet.write_number(row, col, value, int_fmt)
        return format_int(value)
    if isinstance(value, Decimal | float):
        sheet.write_number(row, col, float(value), dec_fmt)
        return format_decimal(value)
    text = neutralise(str(value))
    sheet.write_string(row, col, text)
    return text


def _sheet_name(name: str) -> str:
    cleaned = "".join(ch for ch in name if ch not in "[]:*?/\\")
    return (cleaned or "Data")[:31]


def workbook_factory(buffer: io.BytesIO) -> Any:
    return xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})


def follow_up_workbook(
    summary: pd.DataFrame, sheets: list[tuple[str, pd.DataFrame]], title: str, subtitle: str
) -> bytes:
    """A summary sheet, then one sheet per OPD (title, snapshot date and deadline in the subtitle)."""
    buffer = io.BytesIO()
    workbook = workbook_factory(buffer)
    write_sheet(workbook, summary, title, subtitle, "Ringkasan")
    used = {"ringkasan"}
    for name, frame in sheets:
        sheet_name = _unique_sheet_name(name, used)
        write_sheet(workbook, frame, f"{title}: {name}", f"{subtitle}; {format_int(len(frame))} ASN", sheet_name)
    workbook.close()
    return buffer.getvalue()


def _unique_sheet_name(name: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, no []:*?/\\, unique ignoring case."""
    base = _sheet_name(name)
    candidate, number = base, 2
    while candidate.lower() in used:
        suffix = f" ({number})"
        candidate, number = base[: 31 - len(suffix)] + suffix, number + 1
    used.add(candidate.lower())
    return candidate


# ----------------------------------------------------------------------------- personal data

PERSONAL_COLUMNS = ("NIP", "Email")


def mask_nip(nip: str) -> str:
    """'198001012006041001' -> '19800101********01': the birth date stays, the rest is hidden."""
    return f"{nip[:8]}{'*' * 8}{nip[-2:]}" if len(nip) == 18 else "*" * len(nip)


def mask_email(email: str) -> str:
    """'budi.santoso@gmail.com' -> 'b***@gmail.com' (the domain tells whether it is an instansi address)."""
    if not email or "@" not in email:
        return "***" if email else ""
    local, domain = email.rsplit("@", 1)
    return f"{local[:1]}***@{domain}"


# Personal data inside free text (a fix that names an EMAIL GOV address, a note quoting a NIP).
_EMAIL_IN_TEXT = re.compile(r"[^\s@;,<>()\[\]\"']+@[^\s@;,<>()\[\]\"']+")
_NIP_IN_TEXT = re.compile(r"(?<!\d)(\d{8}) ?(\d{6}) ?(\d) ?(\d{3})(?!\d)")


def mask_text(text: str) -> str:
    """Every email address and NIP inside a text masked as mask_email and mask_nip do."""
    text = _EMAIL_IN_TEXT.sub(lambda m: mask_email(m.group(0)), text)
    return _NIP_IN_TEXT.sub(lambda m: mask_nip("".join(m.groups())), text)


def mask_personal(frame: pd.DataFrame) -> pd.DataFrame:
    """The same table as a role without personal data may see it: every NIP column and every email
    column masked (Email, Email instansi (EMAIL GOV)...), and any address or NIP that another
    text column quotes."""
    masked = frame.copy()
    for column in masked.columns:
        name = str(column)
        values = masked[column]
        if name.split(" ")[0] == NIP_HEADER:
            masked[column] = values.astype(str).map(mask_nip)
        elif "email" in name.lower():
            masked[column] = values.fillna("").astype(str).map(mask_email)
        elif values.dtype == object or pd.api.types.is_string_dtype(values):
            masked[column] = values.map(lambda v: mask_text(v) if isinstance(v, str) else v)
    return masked
