"""Safe reading of spreadsheet files (xlsx, xls, ods) into a grid of text cells.

Spreadsheets are checked before parsing (zip structure, unpacked size, ratio,
sheet dimension, DTDs) and then parsed in a child process watched against the
reading's memory and time budget (budget.py): some hostile files make the calamine
reader abort its whole process, and the dashboard's server must survive them.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc

from pdm_metrics import budget
from pdm_metrics.errors import FULL_EXIT_CODE, RosterError, storage_full_message
from pdm_metrics.tempdirs import private_dir

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_UNPACKED_BYTES = int(os.environ.get("PDM_MAX_UNPACKED_MB", "3072")) * 1024 * 1024
MAX_COMPRESSION_RATIO = 150
MAX_COLUMNS = 1000
# Address space a Python child with pyarrow and fastexcel loaded reserves but never touches
# (thread stacks, allocator arenas): measured at about 1 GB over its resident peak.
CHILD_UNUSED_RESERVE = 1 * 2**30
WATCH_SECONDS = 0.02  # how often the child's memory and time are looked at
_DIMENSION = re.compile(rb'<dimension\s+ref="([A-Z]+)\d+(?::([A-Z]+)\d+)?"')
_OLE_ENCRYPTION = "EncryptionInfo".encode("utf-16-le")


@dataclass(frozen=True)
class SheetGrid:
    """Every cell of one sheet as text (column names c0, c1, ...), plus what the child saw."""

    table: pa.Table
    sheet_name: str
    header_row: int | None
    numeric_nip_rows: list[int]  # Excel row numbers whose NIP cell is a number


def column_index(letters: str) -> int:
    """'A' -> 1, 'XFD' -> 16384."""
    value = 0
    for char in letters:
        value = value * 26 + (ord(char) - 64)
    return value


def check_zip_workbook(data: bytes) -> None:
    """Reject damaged, oversized or hostile xlsx/ods packages before any parser sees them."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise RosterError(
            "Berkas Excel rusak atau terpotong (tidak dapat dibuka sebagai .xlsx). "
            "Unduh ulang berkasnya atau simpan ulang dari Excel."
        ) from exc
    if any(m.flag_bits & 0x1 for m in members):
        raise RosterError("Berkas Excel ini dilindungi kata sandi. Buka proteksinya lalu unggah ulang.")
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_UNPACKED_BYTES:
        raise RosterError(
            f"Isi berkas Excel terlalu besar setelah dibuka ({unpacked // 2**20} MB). "
            "Pecah berkas menjadi beberapa bagian atau gunakan CSV."
        )
    for member in members:
        if member.file_size > 10 * 2**20 and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1):
            raise RosterError(
                "Berkas Excel mencurigakan: isinya mengembang berlebihan saat dibuka "
                "(kemungkinan 'zip bomb'). Berkas ditolak."
            )
    for member in members:
        if member.filename.endswith((".xml", ".rels")):
            _check_xml_member(archive, member)


# A DTD can only come before the root element, but a long comment may push it far down.
_PROLOG_BYTES = 1 << 20
_ROOT_ELEMENT = re.compile(rb"<[A-Za-z_]")


def _declares_dtd(prolog: bytes) -> bool:
    """A DOCTYPE or ENTITY declaration before the root element, whatever its case or its encoding
    (UTF-16 text shows as ASCII once its zero bytes go), used or not: refused, as the README says."""
    text = re.sub(rb"<!--.*?-->", b"", prolog.replace(b"\x00", b""), flags=re.DOTALL)
    root = _ROOT_ELEMENT.search(text)
    before_root = (text if root is None else text[: root.start()]).lower()
    return b"<!doctype" in before_root or b"<!entity" in before_root


def _check_xml_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    try:
        with archive.open(member) as handle:
            head = handle.read(4096)
            prolog = head + handle.read(_PROLOG_BYTES - len(head))
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError) as exc:
        raise RosterError("Berkas Excel rusak atau terpotong: sebagian isinya tidak dapat dibaca.") from exc
    if _declares_dtd(prolog):
        raise RosterError("Berkas Excel berisi deklarasi DTD/ENTITY yang tidak diizinkan. Berkas ditolak.")
    match = _DIMENSION.search(head)
    if match and member.filename.startswith("xl/worksheets/"):
        last = match.group(2) or match.group(1)
        if column_index(last.decode()) > MAX_COLUMNS:
            raise RosterError(
                f"Lembar kerja memakai kolom sampai {last.decode()}, jauh melebihi tabel daftar ASN. "
                "Hapus sel-sel di luar tabel lalu simpan ulang."
            )


def check_ole_workbook(data: bytes) -> None:
    """An OLE file is either a legacy .xls or an encrypted (password) xlsx."""
    if _OLE_ENCRYPTION in data[:1_000_000] or _OLE_ENCRYPTION in data[-1_000_000:]:
        raise RosterError("Berkas Excel ini dilindungi kata sandi. Buka proteksinya lalu unggah ulang.")


def read_sheet_grids(data: bytes) -> tuple[list[SheetGrid], list[str]]:
    """Parse a workbook in a child process watched against the reading's budget: every sheet
    that has a header row. Hidden sheets are not read: their names come second.
    RosterError on any failure."""
    with private_dir("excel") as workdir:
        source = Path(workdir, "input.bin")
        source.write_bytes(data)
        limits = budget.current()
        returncode = _run_watched_child(source, workdir, limits)
        meta_path = Path(workdir, "meta.json")
        if returncode == -signal.SIGABRT:  # an allocation past its address-space limit aborts the parser
            raise RosterError(limits.memory_message())
        if returncode == FULL_EXIT_CODE:
            raise RosterError(storage_full_message())
        if returncode != 0 or not meta_path.exists():
            raise RosterError(
                "Berkas Excel tidak dapat dibaca: berkas rusak, bukan format Excel yang didukung, "
                "atau terlalu besar untuk dibaca. Simpan ulang sebagai .xlsx atau .csv lalu coba lagi."
            )
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("error"):
            raise RosterError(str(meta["error"]))
        grids = []
        for sheet in meta["sheets"]:
            # Mapped, not copied: the grid's pages are the file's, read as DuckDB takes them in
            # (the mapping outlives the folder's removal).
            table = ipc.open_file(pa.memory_map(str(Path(workdir, sheet["grid"])))).read_all()
            grids.append(
                SheetGrid(table, str(sheet["sheet"]), sheet["header_row"], [int(r) for r in sheet["numeric_nip_rows"]])
            )
        return grids, [str(name) for name in meta.get("hidden", [])]


def _run_watched_child(source: Path, workdir: str, limits: budget.Budget) -> int:
    """Run the Excel child on `source`; end it the moment the reading passes its memory budget
    (this process's growth since the reading began plus the child's whole memory) or its time.
    The child gets the memory still free as its own estimate's allowance and, as a last stop for
    an allocation faster than the watch, an address-space limit of that plus what it reserves
    without using."""
    allowance = limits.memory_bytes - limits.grown()
    if allowance <= 0:
        raise RosterError(limits.memory_message())
    child = subprocess.Popen(
        [sys.executable, "-m", "pdm_metrics.reading.excel_worker", str(source), workdir],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={
            **os.environ,
            "PDM_CHILD_ALLOWANCE_BYTES": str(allowance),
            "PDM_CHILD_MEMORY_BYTES": str(allowance + CHILD_UNUSED_RESERVE),
            "PDM_PARENT_PID": str(os.getpid()),  # the child ends when this process ends
        },
    )
    try:
        while child.poll() is None:
            if limits.grown() + budget.resident_bytes(child.pid) > limits.memory_bytes:
                raise RosterError(limits.memory_message())
            limits.check_time()
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=WATCH_SECONDS)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return child.returncode
