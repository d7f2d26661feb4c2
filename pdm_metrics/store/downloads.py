"""CSV files written by DuckDB itself: the full download of Data & Unduh (nationally millions of
rows, which a cell-by-cell Python writer turns out at a thirtieth of DuckDB's own speed) and,
through `copy_csv` and `text_cell`, the full problem report of an upload (checks.engine).

The file is byte for byte what `export.to_csv_bytes(views.common.roster_display(rows))` writes
(tests/test_export.py holds them together): UTF-8 with BOM, ';' between fields, CRLF, NIP in the
spaced official form, Sudah/Belum, dates dd/mm/yyyy, and text that a spreadsheet would run as a
formula prefixed with an apostrophe. Each line is built in SQL and written as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb

from pdm_metrics.campaign import Campaign
from pdm_metrics.store.db import Connection, database_failure
from pdm_metrics.store.queries import RosterFilter, roster_source
from pdm_metrics.tempdirs import private_dir


def header(campaign: Campaign) -> tuple[str, ...]:
    """The download's columns: the person, each stage's status (and its day where the campaign
    reads one), the email; the same as views.common.roster_display."""
    labels = campaign.vocabulary.labels
    stages = [
        label
        for s in campaign.stages
        for label in (labels[s.status_column], *((labels[s.date_column],) if s.date_aliases else ()))
    ]
    return ("NIP", "Nama", "OPD", "Unit kerja", "Jenis ASN", *stages, "Email")


def text_cell(cell: str) -> str:
    """A text field as export writes it: an apostrophe before what a spreadsheet would run as a
    formula (export.neutralise), then quoted only where it holds ; " or a line break (export._quote).
    NIP, statuses and dates never hold such a character: they are written as they are."""
    triggers = "'=', '+', '-', '@', chr(9), chr(13), chr(10)"
    disarmed = f"(CASE WHEN left({cell}, 1) IN ({triggers}) THEN '''' || {cell} ELSE {cell} END)"
    special = " OR ".join(f"contains({cell}, {char})" for char in ("';'", "'\"'", "chr(13)", "chr(10)"))
    quoted = f"""'"' || replace({disarmed}, '"', '""') || '"'"""
    return f"CASE WHEN {special} THEN {quoted} ELSE {disarmed} END"


def _status(flag: str) -> str:
    return f"CASE WHEN {flag} IS NULL THEN 'tidak tersedia' WHEN {flag} THEN 'Sudah' ELSE 'Belum' END"


# A stored NIP is 18 digits (the roster checks refuse any other): the official spaced form.
_SPACED_NIP = "r.nip[1:8] || ' ' || r.nip[9:14] || ' ' || r.nip[15:15] || ' ' || r.nip[16:18]"
# As export.mask_nip and mask_email: the birth date and the email's domain stay.
_MASKED_NIP = """CASE WHEN length(r.nip) = 18 THEN r.nip[1:8] || '********' || r.nip[17:18]
                      ELSE repeat('*', length(r.nip)) END"""
_MASKED_EMAIL = """CASE WHEN coalesce(r.email, '') = '' THEN ''
                        WHEN NOT contains(r.email, '@') THEN '***'
                        ELSE left(r.email, 1) || '***@' || regexp_extract(r.email, '@([^@]*)$', 1) END"""


def _line(campaign: Campaign, masked: bool) -> str:
    nip = _MASKED_NIP if masked else _SPACED_NIP
    email = _MASKED_EMAIL if masked else "coalesce(r.email, '')"
    stages = []
    for s in campaign.stages:
        stages.append(_status(f"r.{s.done_column}"))
        if s.date_aliases:
            stages.append(f"coalesce(strftime(r.{s.done_on_column}, '%d/%m/%Y'), '')")
    cells = [
        f"({nip})",
        text_cell("r.nama"),
        text_cell("r.opd"),
        text_cell("coalesce(r.unit, r.opd)"),  # the unit as read (SIASN's UNOR), inside its OPD
        text_cell("r.jenis_asn"),
        *stages,
        text_cell(f"({email})"),
    ]
    return csv_line(cells)


def csv_line(cells: Sequence[str]) -> str:
    """One line of the file (without its LF, which COPY adds) from SQL text expressions."""
    return " || ';' || ".join(cells) + " || chr(13)"


def copy_csv(con: Connection, lines: str, params: object, header: Sequence[str]) -> bytes:
    """The file whose lines the query `lines` (one column of csv_line text) gives: BOM, header, rows."""
    try:
        with private_dir("unduh") as folder:
            path = Path(folder, "data.csv")
            target = str(path).replace("'", "''")  # our own temporary path; COPY takes no parameter for it
            sql = f"COPY ({lines}) TO '{target}' (FORMAT csv, HEADER false, QUOTE '', ESCAPE '')"
            con.cursor().execute(sql, params)
            head = ";".join(header) + "\r\n"
            return "\ufeff".encode() + head.encode() + path.read_bytes()
    except (duckdb.Error, OSError) as exc:  # a full temporary folder: said, not a traceback
        raise database_failure(exc) from exc


def roster_csv(con: Connection, campaign: Campaign, snapshot_date: date, where: RosterFilter, masked: bool) -> bytes:
    """Every row of the selection as the Data & Unduh CSV, in the order the page shows them."""
    source, params = roster_source(snapshot_date, where)
    lines = f"SELECT {_line(campaign, masked)} AS line {source} ORDER BY r.opd_key, r.opd, r.nama, r.nip"
    return copy_csv(con, lines, params, header(campaign))
