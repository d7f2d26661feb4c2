"""Read a roster file (xlsx/xls/ods/csv, as a file-like object) into a normalised frame
and a validation report.

Every check is vectorised over the whole column (pandas/Arrow string kernels);
per-value Python work only ever runs over the distinct values of a column.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import PurePath
from typing import BinaryIO

import numpy as np
import pandas as pd

from pdm_metrics import excel
from pdm_metrics.csvfile import read_csv_grid
from pdm_metrics.errors import RosterError
from pdm_metrics.fmt import format_int, parse_date_text
from pdm_metrics.nip import NIP_LENGTH, SCIENTIFIC_CELL, SPACE, nip_kinds, nip_structure_warnings
from pdm_metrics.nip import scientific_notation_message as numeric_nip_message
from pdm_metrics.schema import (
    COLUMN_LABELS,
    JENIS_ASN_WORDS,
    REQUIRED_COLUMNS,
    ROSTER_COLUMNS,
    STATUS_FALSE_WORDS,
    STATUS_TRUE_WORDS,
    Column,
    column_for_header,
    normalise_header,
)

ERROR = "Galat"
WARNING = "Peringatan"
PROBLEM_COLUMNS = ("sumber", "baris", "kolom", "nilai", "alasan", "tingkat")
MAX_SHOWN_VALUE = 80
STATUS_COLUMNS = (Column.STATUS_AKTIVASI, Column.STATUS_PDM, Column.STATUS_VERIFIKASI)
# Output columns of a normalised roster (the store's roster columns minus snapshot id).
OUTPUT_COLUMNS = ("row_number", *ROSTER_COLUMNS)


@dataclass
class Roster:
    """What one file holds: every data row normalised, the report, and where it came from."""

    rows: pd.DataFrame  # OUTPUT_COLUMNS + "valid"
    problems: pd.DataFrame  # PROBLEM_COLUMNS
    columns_present: frozenset[Column]
    snapshot_date: date | None
    date_source: str  # "diberikan", "judul berkas", "nama berkas" or "" when unknown
    source_name: str
    sha256: str

    @property
    def error_count(self) -> int:
        return int((self.problems["tingkat"] == ERROR).sum())

    @property
    def warning_count(self) -> int:
        return int((self.problems["tingkat"] == WARNING).sum())

    @property
    def valid_rows(self) -> pd.DataFrame:
        return self.rows[self.rows["valid"]]

    @property
    def invalid_row_count(self) -> int:
        return int((~self.rows["valid"]).sum())


# ----------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class _Part:
    """One table of a source: a CSV file, or one sheet of a workbook."""

    grid: pd.DataFrame
    row_numbers: np.ndarray
    header_index: int
    title_text: str
    numeric_nip_rows: list[int]
    label: str  # the file name, with the sheet when a workbook has several


Source = tuple[BinaryIO | bytes, str]


def read_roster(source: BinaryIO | bytes, filename: str, snapshot_date: date | None = None) -> Roster:
    """Read and validate one roster file. RosterError when the file cannot be used at all."""
    return read_rosters([(source, filename)], snapshot_date)


def read_rosters(sources: Sequence[Source], snapshot_date: date | None = None) -> Roster:
    """Several files (and every sheet with a header in a workbook) read as ONE snapshot.

    Duplicates are found across all of them; the report names the source of each problem.
    """
    raws, digests, parts = [], [], []
    for source, filename in sources:
        data = source if isinstance(source, bytes) else source.read()
        if not data or not data.strip():
            raise RosterError(f"Berkas {PurePath(filename).name} kosong: tidak ada isi yang dapat dibaca.")
        digests.append(hashlib.sha256(data).hexdigest())
        for part in _read_parts(data, filename):
            parts.append(part)
            raws.append(_raw_frame(part))
    # Optional columns count only when every table has them (else "not available", never a guess).
    columns = frozenset.intersection(*(_canonical_columns(raw) for raw in raws))
    extra = {"row_number", "source", "nip_is_number"}
    raw = pd.concat([r[[c for c in r.columns if c in columns or c in extra]] for r in raws], ignore_index=True)
    if raw.empty:
        raise RosterError("Berkas hanya berisi baris judul kolom, tanpa data ASN.")
    names = [PurePath(name).name for _, name in sources]
    date_found, date_source = _resolve_snapshot_date(snapshot_date, parts[0].title_text, names[0])
    rows, problems = normalise_rows(raw, snapshot_date=date_found)
    combined = digests[0] if len(digests) == 1 else hashlib.sha256("".join(digests).encode()).hexdigest()
    return Roster(
        rows=rows,
        problems=problems,
        columns_present=columns,
        snapshot_date=date_found,
        date_source=date_source,
        source_name=" + ".join(names),
        sha256=combined,
    )


CANONICAL_NAMES = frozenset(c.value for c in Column)


def _canonical_columns(raw: pd.DataFrame) -> frozenset[Column]:
    return frozenset(Column(str(c)) for c in raw.columns if str(c) in CANONICAL_NAMES)


def _raw_frame(part: _Part) -> pd.DataFrame:
    """The part's data rows as text columns named by Column, with row number, source and numeric-NIP flag."""
    columns = _map_header(part.grid, part.header_index)
    body = part.grid.iloc[part.header_index + 1 :]
    raw = pd.DataFrame(
        {column: body[position].to_numpy() for column, position in columns.items()},
        index=pd.RangeIndex(len(body)),
    ).astype("string")
    raw["row_number"] = part.row_numbers[part.header_index + 1 :]
    raw = _drop_empty_rows(raw, list(columns))
    raw["source"] = part.label
    raw["nip_is_number"] = raw["row_number"].isin(part.numeric_nip_rows)
    return raw


def _read_parts(data: bytes, filename: str) -> list[_Part]:
    """The tables of one file: one for a CSV, one per sheet with a header for a workbook."""
    suffix = PurePath(filename).suffix.lower()
    name = PurePath(filename).name
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<table")):
        raise RosterError(
            "Berkas ini halaman web (HTML/XML) yang diberi nama seperti Excel. Buka di Excel, "
            "lalu Simpan Sebagai 'Buku Kerja Excel (.xlsx)' dan unggah ulang."
        )
    if data.startswith(excel.ZIP_MAGIC) or data.startswith(excel.OLE_MAGIC):
        if data.startswith(excel.ZIP_MAGIC):
            excel.check_zip_workbook(data)
        else:
            excel.check_ole_workbook(data)
        sheets = excel.read_sheet_grids(data)
        return [_sheet_part(sheet, name if len(sheets) == 1 else f"{name} › {sheet.sheet_name}") for sheet in sheets]
    binary = b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if binary and suffix not in {".xlsx", ".xlsm", ".xls", ".ods"}:
        raise RosterError(
            "Berkas ini berisi data biner, bukan teks CSV (mungkin UTF-16 tanpa BOM atau berkas lain yang diberi "
            "nama .csv). Di Excel pilih Simpan Sebagai > 'CSV UTF-8 (dipisahkan koma)'."
        )
    if suffix in {".xlsx", ".xlsm", ".xls", ".ods"}:
        raise RosterError(
            f"Berkas bernama {suffix or 'tanpa ekstensi'} ini bukan berkas Excel yang sah "
            "(mungkin rusak atau terpotong). Simpan ulang dari Excel lalu unggah kembali."
        )
    csv_grid = read_csv_grid(data)
    _report_bad_csv_rows(csv_grid.bad_rows)
    grid = csv_grid.table.to_pandas()
    grid.columns = range(grid.shape[1])
    return [_Part(grid, csv_grid.row_numbers, 0, " ".join(csv_grid.title_lines), [], name)]


def _sheet_part(sheet: excel.SheetGrid, label: str) -> _Part:
    grid = sheet.table.to_pandas()
    grid.columns = range(grid.shape[1])
    numbers = np.arange(1, len(grid) + 1, dtype=np.int64)
    header = sheet.header_row if sheet.header_row is not None else _first_filled_row(grid)
    titles = " ".join(str(v) for v in grid.iloc[:header].stack().tolist())
    return _Part(grid, numbers, header, titles, sheet.numeric_nip_rows, label)


def _report_bad_csv_rows(bad_rows: list[tuple[int, str]]) -> None:
    if bad_rows:
        shown = ", ".join(format_int(n) for n, _ in bad_rows[:10])
        more = f" dan {format_int(len(bad_rows) - 10)} lainnya" if len(bad_rows) > 10 else ""
        raise RosterError(
            f"Jumlah kolom tidak sesuai dengan judul kolom pada baris {shown}{more}. "
            "Periksa pemisah kolom (koma/titik koma) dan tanda kutip pada baris tersebut."
        )


def _first_filled_row(grid: pd.DataFrame) -> int:
    filled = grid.notna().any(axis=1).to_numpy()
    return int(np.argmax(filled)) if filled.any() else 0


def _map_header(grid: pd.DataFrame, header_index: int) -> dict[Column, int]:
    """Canonical column -> grid position; RosterError naming what is missing."""
    if grid.empty:
        raise RosterError("Berkas kosong: tidak ada isi yang dapat dibaca.")
    header_cells = grid.iloc[header_index].tolist()
    columns: dict[Column, int] = {}
    for position, cell in enumerate(header_cells):
        if cell is None or pd.isna(cell):
            continue
        column = column_for_header(cell)
        if column is not None and column not in columns:
            columns[column] = position
    missing = [COLUMN_LABELS[c] for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        found = [str(c).strip() for c in header_cells if c is not None and not pd.isna(c) and str(c).strip()]
        raise RosterError(
            f"Kolom wajib tidak ditemukan: {', '.join(missing)}. "
            f"Judul kolom yang terbaca: {', '.join(found) if found else '(tidak ada)'}. "
            "Pastikan baris judul kolom memuat NIP, Nama, OPD/Unit Kerja dan Status Aktivasi."
        )
    return columns


def _drop_empty_rows(raw: pd.DataFrame, columns: list[Column]) -> pd.DataFrame:
    for column in columns:
        stripped = raw[column].str.strip()
        raw[column] = stripped.where(stripped != "")
    filled = raw[columns].notna().any(axis=1)
    return raw[filled].reset_index(drop=True)


# ----------------------------------------------------------------------------- snapshot date

_TITLE_DATE = re.compile(
    r"(?:keadaan|posisi|per|tanggal|tgl|tanggal data)\.?\s*(?:tanggal|tgl)?\.?\s*:?\s*"
    r"(\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\s+[A-Za-z]+\.?\s+\d{4})",
    re.IGNORECASE,
)
_NAME_DATES = (
    re.compile(r"(?<!\d)(20\d{2})-?(\d{2})-?(\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{2})[-_.](\d{2})[-_.](20\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{1,2})[\s_-]+([A-Za-z]+)[\s_-]+(20\d{2})(?!\d)"),
)


def snapshot_date_from_title(text: str) -> date | None:
    for match in _TITLE_DATE.finditer(text):
        found = parse_date_text(match.group(1))
        if found:
            return found
    return None


def snapshot_date_from_filename(filename: str) -> date | None:
    stem = PurePath(filename).stem
    for index, pattern in enumerate(_NAME_DATES):
        for match in pattern.finditer(stem):
            a, b, c = match.groups()
            text = f"{a}-{b}-{c}" if index == 0 else f"{a}-{b}-{c}" if index == 1 else f"{a} {b} {c}"
            found = parse_date_text(text)
            if found:
                return found
    return None


def _resolve_snapshot_date(given: date | None, title_text: str, filename: str) -> tuple[date | None, str]:
    if given is not None:
        return given, "diberikan"
    from_title = snapshot_date_from_title(title_text)
    if from_title is not None:
        return from_title, "judul berkas"
    from_name = snapshot_date_from_filename(filename)
    if from_name is not None:
        return from_name, "nama berkas"
    return None, ""


# ----------------------------------------------------------------------------- normalising


def normalise_rows(raw: pd.DataFrame, snapshot_date: date | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Raw text columns (named by Column, plus row_number and optionally source and
    nip_is_number) -> (normalised rows, problems). Rows are identified by position, so row
    numbers may repeat across sources."""
    raw = raw.reset_index(drop=True)
    sources = raw["source"] if "source" in raw else pd.Series("", index=raw.index, dtype="string")
    problems = _ProblemList(raw["row_number"], sources)
    out = pd.DataFrame({"row_number": raw["row_number"].astype("int64")})
    nip_is_number = raw["nip_is_number"] if "nip_is_number" in raw else pd.Series(False, index=raw.index)
    out["nip"] = _normalise_nip(raw[Column.NIP], nip_is_number.astype(bool), problems)
    out["nama"] = _required_text(raw, Column.NAMA, problems)
    out["opd"], out["opd_key"] = _normalise_opd(_required_text(raw, Column.OPD, problems))
    _scope_by_instansi(raw, out, problems)
    out["activated"] = _normalise_status(raw, Column.STATUS_AKTIVASI, problems)
    out["pdm_done"] = _normalise_status(raw, Column.STATUS_PDM, problems)
    out["verified"] = _normalise_status(raw, Column.STATUS_VERIFIKASI, problems)
    out["activated_on"] = _normalise_activation_date(raw, snapshot_date, problems)
    if Column.EMAIL in raw:
        _check_text(raw[Column.EMAIL], Column.EMAIL, problems)
    out["email"] = raw[Column.EMAIL].str.lower() if Column.EMAIL in raw else pd.NA
    out["email"] = out["email"].astype("string")
    out["jenis_asn"] = _normalise_jenis(raw, out["nip"], problems)
    _check_duplicates(out, problems.references, problems)
    out["valid"] = ~out.index.isin(problems.error_positions | problems.duplicate_positions)
    return out[[*OUTPUT_COLUMNS, "valid"]].reset_index(drop=True), problems.frame()


class _ProblemList:
    """Collects problems as frames (one per check), never row by row."""

    def __init__(self, row_numbers: pd.Series, sources: pd.Series) -> None:
        self._row_numbers = row_numbers
        self._sources = sources.astype("string").fillna("")
        self._parts: list[pd.DataFrame] = []
        self.error_positions: set[int] = set()
        self.duplicate_positions: set[int] = set()
        # How a message names a row: '5', or '5 (b.xlsx)' when several sources are read together.
        several = self._sources.nunique() > 1
        numbers = row_numbers.astype("int64").astype("string")
        self.references = numbers + " (" + self._sources + ")" if several else numbers

    def add(self, mask: pd.Series, column: Column, values: pd.Series, reason: str | pd.Series, level: str) -> None:
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        shown = values[mask].astype("string").fillna("").str.slice(0, MAX_SHOWN_VALUE)
        reasons = reason[mask] if isinstance(reason, pd.Series) else reason
        if level == ERROR:
            self.error_positions.update(mask[mask].index.tolist())
        self._parts.append(
            pd.DataFrame(
                {
                    "sumber": self._sources[mask],
                    "baris": self._row_numbers[mask].astype("int64"),
                    "kolom": COLUMN_LABELS[column],
                    "nilai": shown,
                    "alasan": reasons,
                    "tingkat": level,
                }
            )
        )

    def frame(self) -> pd.DataFrame:
        if not self._parts:
            return pd.DataFrame({name: pd.Series(dtype="string") for name in PROBLEM_COLUMNS}).astype(
                {"baris": "int64"}
            )
        frame = pd.concat(self._parts, ignore_index=True)
        frame = frame.astype(
            {"sumber": "string", "kolom": "string", "nilai": "string", "alasan": "string", "tingkat": "string"}
        )
        return frame.sort_values(["sumber", "baris", "kolom"], kind="stable").reset_index(drop=True)


def _normalise_nip(raw: pd.Series, nip_is_number: pd.Series, problems: _ProblemList) -> pd.Series:
    cleaned = raw.str.replace(f"^{SPACE}*'", "", regex=True).str.replace(f"({SPACE}|[.])+", "", regex=True)
    numeric = nip_is_number | raw.str.fullmatch(SCIENTIFIC_CELL).fillna(False)
    empty = cleaned.isna() | (cleaned == "")
    non_digit = ~empty & ~cleaned.str.fullmatch(r"[0-9]+").fillna(False)
    wrong_length = ~empty & ~non_digit & (cleaned.str.len() != NIP_LENGTH)
    problems.add(numeric, Column.NIP, raw, numeric_nip_message(), ERROR)
    problems.add(empty & ~numeric, Column.NIP, raw, "NIP kosong", ERROR)
    problems.add(non_digit & ~numeric, Column.NIP, raw, "NIP hanya boleh berisi angka", ERROR)
    lengths = "NIP harus 18 digit (terbaca " + cleaned.str.len().astype("string") + " digit)"
    problems.add(wrong_length & ~numeric, Column.NIP, raw, lengths, ERROR)
    usable = ~(numeric | empty | non_digit | wrong_length)
    structure = nip_structure_warnings(cleaned.where(usable, "0" * NIP_LENGTH))
    problems.add(usable & structure.notna(), Column.NIP, raw, structure, WARNING)
    return cleaned.where(usable).astype("string")


MAX_TEXT_LENGTH = 200
# C0/C1 control characters other than whitespace: pasted from other systems, never part of a name.
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"


def _required_text(raw: pd.DataFrame, column: Column, problems: _ProblemList) -> pd.Series:
    values = raw[column].str.replace(f"{SPACE}+", " ", regex=True).str.strip()
    problems.add(values.isna() | (values == ""), column, raw[column], f"{COLUMN_LABELS[column]} kosong", ERROR)
    _check_text(raw[column], column, problems)
    return values.astype("string")


def _check_text(values: pd.Series, column: Column, problems: _ProblemList) -> None:
    """Control characters and absurdly long cells are errors, named with their row."""
    control = values.str.contains(_CONTROL, regex=True).fillna(False)
    problems.add(control, column, values.str.replace(_CONTROL, "?", regex=True), "Berisi karakter kontrol", ERROR)
    too_long = values.str.len().fillna(0) > MAX_TEXT_LENGTH
    reason = f"Terlalu panjang (lebih dari {MAX_TEXT_LENGTH} karakter)"
    problems.add(too_long & ~control, column, values, reason, ERROR)


def _normalise_opd(names: pd.Series) -> tuple[pd.Series, pd.Series]:
    """OPD names differing only in case or spacing become one OPD, in its most common spelling."""
    keys = names.str.lower().str.replace(f"{SPACE}+", " ", regex=True).str.strip()
    pairs = pd.DataFrame({"key": keys, "name": names}).dropna()
    counts = pairs.value_counts().reset_index(name="n")
    counts = counts.sort_values(["key", "n", "name"], ascending=[True, False, True])
    spelling = counts.drop_duplicates("key").set_index("key")["name"]
    return keys.map(spelling).astype("string"), keys.astype("string")


def _scope_by_instansi(raw: pd.DataFrame, out: pd.DataFrame, problems: _ProblemList) -> None:
    """With an instansi column, an OPD is an OPD of one instansi: 'Dinas Kesehatan' of two
    regencies are two OPD, shown as 'Dinas Kesehatan (Kab. X)'."""
    if Column.INSTANSI not in raw:
        out["instansi"] = pd.Series(pd.NA, index=out.index, dtype="string")
        out["instansi_key"] = pd.Series(pd.NA, index=out.index, dtype="string")
        return
    out["instansi"], out["instansi_key"] = _normalise_opd(_required_text(raw, Column.INSTANSI, problems))
    out["opd_key"] = out["instansi_key"] + " › " + out["opd_key"]
    out["opd"] = out["opd"] + " (" + out["instansi"] + ")"


def status_word_value(word: str) -> bool | None:
    """True/False for a known status word, None for an unknown one."""
    normal = " ".join(word.upper().split()).rstrip(".")
    if normal in STATUS_TRUE_WORDS:
        return True
    if normal in STATUS_FALSE_WORDS:
        return False
    first = normal.split(" ")[0] if normal else ""
    if first in {"SUDAH", "TELAH"}:
        return True
    if first in {"BELUM", "TIDAK"}:
        return False
    return None


def _normalise_status(raw: pd.DataFrame, column: Column, problems: _ProblemList) -> pd.Series:
    if column not in raw:
        return pd.Series(pd.NA, index=raw.index, dtype="boolean")
    values = raw[column]
    codes, uniques = pd.factorize(values)
    known = np.array([status_word_value(str(u)) for u in uniques], dtype=object)
    mapped = pd.Series([None] * len(values) if len(uniques) == 0 else known[codes], index=raw.index, dtype=object)
    mapped[codes < 0] = None
    empty = values.isna()
    unknown = ~empty & mapped.isna()
    problems.add(empty, column, values, f"{COLUMN_LABELS[column]} kosong; isi Sudah atau Belum", ERROR)
    reasons = "Status '" + values.fillna("") + "' tidak dikenal; gunakan Sudah/Belum, Ya/Tidak atau 1/0"
    problems.add(unknown, column, values, reasons, ERROR)
    return mapped.astype("boolean")


_EXCEL_EPOCH = date(1899, 12, 30)


def parse_roster_date(text: str) -> date | None:
    """A date cell as text: ISO (Excel dates), dd/mm/yyyy, '11 Juli 2021', or an Excel serial."""
    found = parse_date_text(text)
    if found is not None:
        return found
    try:
        serial = float(text)
    except ValueError:
        return None
    if 20000 <= serial <= 80000:
        return _EXCEL_EPOCH + timedelta(days=int(serial))
    return None


def _normalise_activation_date(raw: pd.DataFrame, snapshot_date: date | None, problems: _ProblemList) -> pd.Series:
    if Column.TGL_AKTIVASI not in raw:
        return pd.Series(pd.NaT, index=raw.index, dtype="datetime64[s]")
    values = raw[Column.TGL_AKTIVASI]
    codes, uniques = pd.factorize(values)
    parsed_uniques = pd.to_datetime(pd.Series([parse_roster_date(str(u)) for u in uniques], dtype=object))
    parsed = pd.Series(parsed_uniques.to_numpy()[codes] if len(uniques) else pd.NaT, index=raw.index).astype(
        "datetime64[s]"
    )
    parsed = parsed.where(codes >= 0)
    unreadable = values.notna() & parsed.isna()
    problems.add(
        unreadable,
        Column.TGL_AKTIVASI,
        values,
        "Tanggal tidak dapat dibaca atau tidak ada di kalender (gunakan dd/mm/yyyy)",
        ERROR,
    )
    if snapshot_date is not None:
        late = parsed > pd.Timestamp(snapshot_date)
        problems.add(late, Column.TGL_AKTIVASI, values, "Tanggal aktivasi sesudah tanggal snapshot", WARNING)
    return parsed


def _normalise_jenis(raw: pd.DataFrame, nips: pd.Series, problems: _ProblemList) -> pd.Series:
    derived = nip_kinds(nips.fillna("0" * NIP_LENGTH)).where(nips.notna())
    if Column.JENIS_ASN not in raw:
        return derived.astype("string")
    values = raw[Column.JENIS_ASN]
    mapped = values.map(lambda v: None if pd.isna(v) else _jenis_word(str(v)), na_action="ignore")
    mapped = mapped.astype("string")
    unknown = values.notna() & mapped.isna()
    problems.add(unknown, Column.JENIS_ASN, values, "Jenis ASN tidak dikenal; gunakan PNS atau PPPK", ERROR)
    return mapped.fillna(derived).astype("string")


def _jenis_word(word: str) -> str | None:
    kind = JENIS_ASN_WORDS.get(normalise_header(word))
    return kind.value if kind else None


_CONTENT_COLUMNS = ["nama", "opd_key", "jenis_asn", "activated", "activated_on", "pdm_done", "verified", "email"]


def _check_duplicates(out: pd.DataFrame, references: pd.Series, problems: _ProblemList) -> None:
    """Same NIP twice (in any source): identical -> keep the first and warn; different -> error on every row."""
    repeated = out["nip"].notna() & out["nip"].duplicated(keep=False)
    if not repeated.any():
        return
    group = out[repeated].assign(ref=references[repeated])
    variants = group.drop_duplicates(["nip", *_CONTENT_COLUMNS]).groupby("nip").size()
    conflicting = out["nip"].isin(variants[variants > 1].index) & repeated
    first_refs = group.groupby("nip")["ref"].transform("first")
    ref_lists = group.groupby("nip")["ref"].transform(lambda refs: ", ".join(refs.head(10)))
    conflict_reason = "NIP yang sama muncul dengan data berbeda di baris " + ref_lists.astype("string")
    problems.add(conflicting, Column.NIP, out["nip"], conflict_reason.reindex(out.index), ERROR)
    identical_later = repeated & ~conflicting & out["nip"].duplicated(keep="first")
    reason = "Duplikat identik dengan baris " + first_refs.astype("string") + "; hanya satu yang disimpan"
    problems.add(identical_later, Column.NIP, out["nip"], reason.reindex(out.index), WARNING)
    problems.duplicate_positions = set(out.index[identical_later].tolist())
