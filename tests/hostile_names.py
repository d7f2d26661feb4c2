"""A real database whose names are built to be markup: Markdown, HTML, LaTeX, images, links and
spreadsheet formulas in OPD, names and an extension's letter number. Every page, download, chart,
WhatsApp text and the PDF must show them as text."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pdm_metrics import cli, store
from tests.files import csv_bytes
from tests.pdm_2021 import PDM

# Every marker word below must never appear inside formatting, a link or an image.
MARKERS = ("TEBAL", "MIRING", "MERAH", "KLIK", "PIKSEL", "TAUTAN", "CORET", "TEGAS", "RUMUS")
OUTSIDE = "evil.example"
HOSTILE_OPD = (
    f"Dinas **TEBAL** _MIRING_ [KLIK](https://{OUTSIDE}/klik)",
    f"Badan ![PIKSEL](https://{OUTSIDE}/piksel.png) $E=mc^2$ PIKSEL",
    f"Kantor <img src=https://{OUTSIDE}/x.png> <a href='https://{OUTSIDE}'>TAUTAN</a> :red[MERAH] www.{OUTSIDE}",
    "@SUM(1+1) Bagian RUMUS",
)
HOSTILE_NAMES = ("*Budi TEBAL* Santoso", "~CORET~ Siti `kode`", f"Rina https://{OUTSIDE}/KLIK", "_MIRING_ Joko")
LETTER = f"[surat](https://{OUTSIDE}/surat) **TEGAS** $x$"
JULY, SEPTEMBER = date(2021, 7, 11), date(2021, 9, 20)
# A UNOR ID per OPD, as a SIASN export has: the hostile names are then the units Peta Unit Kerja lists.
HEADER = ["NIP", "NAMA", "UNOR NAMA", "UNOR ID", "STATUS AKTIVASI", "STATUS PDM", "STATUS VERIFIKASI", "EMAIL"]
HEADER.append("EMAIL GOV")


def _nip(number: int) -> str:
    return f"19900101202012{1 if number % 2 else 2}{number:03d}"


def _rows(later: bool) -> list[list[str]]:
    rows = [HEADER]
    for number in range(1, 41):
        opd = HOSTILE_OPD[number % len(HOSTILE_OPD)]
        name = f"{HOSTILE_NAMES[number % len(HOSTILE_NAMES)]} {number}"
        active = number % 3 != 0 or (later and number % 2 == 1)
        pdm = later and number % 4 == 0
        email = f"{_nip(number)}@gmail.com" if number % 5 else ""
        rows.append(
            [_nip(number), name, opd, f"8AE48{number % len(HOSTILE_OPD)}", "Sudah" if active else "Belum",
             "Sudah" if pdm else "Belum", "Belum", email, f"{_nip(number)}@tanjabbarkab.go.id"]
        )  # fmt: skip
    return rows


def build_hostile_database(path: Path, folder: Path) -> Path:
    """Two snapshots (July, September) of 40 ASN in four hostile OPD, and an extension by a hostile letter."""
    for day, later in ((JULY, False), (SEPTEMBER, True)):
        source = folder / f"pdm_{day.isoformat()}.csv"
        source.write_bytes(csv_bytes(_rows(later), delimiter=";"))
        code = cli.main(["ingest", str(source), "--date", day.isoformat(), "--db", str(path), "--confirm"])
        assert code == 0, f"the hostile roster of {day} was refused"
    con = store.connect(path)
    try:
        store.add_deadline_extension(
            con, PDM.key, "aktivasi", date(2021, 9, 30), LETTER, date(2021, 8, 30), "semua", "uji"
        )
    finally:
        con.close()
    return path
