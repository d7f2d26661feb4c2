"""Hostile inputs, round 2: ambiguous columns and status words, impossible dates, mixed
encodings, a path that is no database, folders, messages that would echo file content, hidden
sheets and broken text, and every row accounted for (the Excel child and the memory and time
budgets: tests/test_hostile_limits.py).

Each refusal is checked as the operator meets it on the command line: exit 1, an Indonesian
message, no traceback, and the database exactly as it was."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from pdm_metrics import store
from pdm_metrics.errors import RosterError, StoreError
from pdm_metrics.ingest import snapshot_meta
from pdm_metrics.reading import csvfile, files
from pdm_metrics.reading.files import read_files
from pdm_metrics.roster import read_rosters
from tests.conftest import content_checksum
from tests.files import csv_bytes, xlsx_bytes
from tests.hostile_cli import NIP_1, NIP_2, ROOT, cli, fingerprint, refused, roster
from tests.pdm_2021 import ACTIVATION, PDM

# ----------------------------------------------------------------------------- status words

UNKNOWN_STATUS = ["Sudah Tidak Aktif", "Tidak diketahui", "Tidak ada data", "Sudah?", "Belum pernah", "Ya Tidak",
                  "N/A", "-", "Aktif?", "sudah / belum", "Sudah Aktivasi Ulang", "Belum Tidak"]  # fmt: skip


@pytest.mark.parametrize("word", UNKNOWN_STATUS)
def test_a_status_word_outside_the_vocabulary_is_refused_never_read_by_its_first_word(
    word: str, stored: Path, tmp_path: Path
) -> None:
    assert ACTIVATION.word_value(word) is None
    path = tmp_path / "rekap_20210801.csv"
    path.write_bytes(csv_bytes(roster(word)))
    refused(stored, path, "tidak dikenal")


@pytest.mark.parametrize(
    ("word", "value"),
    [("Sudah Aktivasi", True), ("BELUM DIVERIFIKASI", False), ("telah  aktivasi", True), ("Belum PDM", False)],
)
def test_the_known_phrases_read_whole(word: str, value: bool) -> None:
    assert ACTIVATION.word_value(word) is value


# ----------------------------------------------------------------------------- dates


@pytest.mark.parametrize("day", ["2030-01-01", "9999-12-31", "1999-07-11", "2019-12-31", "2024-06-01"])
def test_a_snapshot_date_outside_the_campaign_window_is_refused(day: str, stored: Path, tmp_path: Path) -> None:
    path = tmp_path / "rekap.csv"
    path.write_bytes(csv_bytes(roster()))
    refused(stored, path, "Tanggal snapshot", "--date", day)


def test_a_snapshot_dated_tomorrow_is_refused_not_just_confirmed(stored: Path, tmp_path: Path) -> None:
    path = tmp_path / "rekap.csv"
    path.write_bytes(csv_bytes(roster()))
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    refused(stored, path, "sesudah hari ini", "--date", tomorrow, "--confirm")


@pytest.mark.parametrize(
    ("cell", "message"),
    [("01/01/1900", "sebelum MySAPK"), ("1", "tidak dapat dibaca"), ("-5", "tidak dapat dibaca"),
     ("31/12/2017", "sebelum MySAPK"), ("0021-07-11", "sebelum MySAPK")],
)  # fmt: skip
def test_an_activation_date_before_mysapk_or_a_bad_serial_is_an_error(
    cell: str, message: str, stored: Path, tmp_path: Path
) -> None:
    path = tmp_path / "rekap_20210801.csv"
    path.write_bytes(csv_bytes(roster(extra=[cell])))
    refused(stored, path, message)


# ----------------------------------------------------------------------------- encodings


@pytest.mark.parametrize("line", [2, 3, 4])
def test_utf8_with_one_stray_byte_is_refused_with_its_line(line: int, stored: Path, tmp_path: Path) -> None:
    text = csv_bytes(roster()).decode("utf-8").replace("Siti Aminah", "Nur’aini").encode("utf-8")
    lines = text.split(b"\n")
    lines[line - 1] = lines[line - 1].replace(b"Dinas", b"D\xe9nas", 1)  # one Windows-1252 byte
    path = tmp_path / "rekap_20210801.csv"
    path.write_bytes(b"\n".join(lines))
    refused(stored, path, f"baris {line} memuat karakter dari encoding lain")


def test_a_whole_windows_1252_file_is_still_read_with_its_names_intact(stored: Path, tmp_path: Path) -> None:
    text = f"NIP;NAMA;OPD;STATUS AKTIVASI\n{NIP_1};José Andrés;Dinas A;Sudah\n{NIP_2};Siti;Dinas A;Belum\n"
    path = tmp_path / "rekap_20210801.csv"
    path.write_bytes(text.encode("cp1252"))
    assert cli("ingest", str(path), "--db", str(stored), "--confirm").returncode == 0
    con = store.connect(stored, read_only=True)
    names = {r[0] for r in con.execute("SELECT nama FROM roster").fetchall()}
    con.close()
    assert "José Andrés" in names


# ----------------------------------------------------------------------------- ambiguous columns


@pytest.mark.parametrize(
    ("header", "field"),
    [(["NIP", "NAMA", "OPD", "STATUS AKTIVASI", "N.I.P"], "NIP"),
     (["NIP", "NAMA", "OPD", "STATUS AKTIVASI", "Status Aktivasi "], "Status Aktivasi"),
     (["NIP", "NAMA", "OPD", "STATUS AKTIVASI", "Nama"], "Nama"),
     (["NIP", "NAMA", "OPD", "STATUS AKTIVASI", "O.P.D"], "OPD")],
)  # fmt: skip
def test_two_columns_that_serve_one_field_equally_are_a_question_not_a_pick(
    header: list[str], field: str, stored: Path, tmp_path: Path
) -> None:
    rows = [header, *[[*row, row[0]] for row in roster()[1:]]]
    path = tmp_path / "rekap_20210801.csv"
    path.write_bytes(csv_bytes(rows))
    refused(stored, path, f"Dua kolom dapat dibaca sebagai {field}")


# ----------------------------------------------------------------------------- --db and folders


@pytest.mark.parametrize(
    ("name", "content"),
    [("data.csv", b"NIP;NAMA\n1;a\n"), ("catatan.txt", b"bukan basis data"),
     ("foto.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64), ("kosong.duckdb", b""), ("rusak.duckdb", b"\x00" * 4096)],
)  # fmt: skip
def test_a_db_path_that_is_no_duckdb_database_is_refused_and_left_as_it_was(
    name: str, content: bytes, tmp_path: Path
) -> None:
    target = tmp_path / name
    target.write_bytes(content)
    roster_file = tmp_path / "rekap_20210711.csv"
    roster_file.write_bytes(csv_bytes(roster()))
    for args in (("ingest", str(roster_file)), ("snapshots",), ("rates",)):
        result = cli(*args, "--db", str(target))
        assert result.returncode == 1 and "bukan basis data Pantau PDM" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert target.read_bytes() == content


def test_a_folder_given_as_db_is_refused(tmp_path: Path) -> None:
    result = cli("snapshots", "--db", str(tmp_path))
    assert result.returncode == 1 and "adalah folder" in result.stderr and "Traceback" not in result.stderr


def test_a_folder_of_many_files_is_read_one_file_at_a_time(stored: Path, tmp_path: Path) -> None:
    """400 small files under a limit of 256 open files: read one at a time, as one snapshot."""
    folder = tmp_path / "wilayah"
    folder.mkdir()
    for number in range(400):
        nip = f"1990010120201{number:04d}"[:14] + f"{number % 2 + 1}{number:03d}"
        (folder / f"bagian_{number:04d}.csv").write_bytes(
            csv_bytes([roster()[0], [nip, f"ASN {number}", "Dinas A", "Sudah"]])
        )
    limited = (
        "import resource, runpy, sys; resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256)); "
        f"sys.argv = ['pdm_metrics', 'ingest', {str(folder)!r}, '--db', {str(stored)!r}, '--date', '2021-08-01', "
        "'--confirm']; runpy.run_module('pdm_metrics', run_name='__main__')"
    )
    result = subprocess.run(
        [sys.executable, "-c", limited], cwd=ROOT, capture_output=True, text=True, check=False, timeout=600
    )
    assert result.returncode == 0 and '"rows": 400' in result.stdout, result.stderr[-2000:]


def test_more_files_than_one_snapshot_takes_are_refused_with_a_message(stored: Path, tmp_path: Path) -> None:
    folder = tmp_path / "banyak"
    folder.mkdir()
    for number in range(501):
        (folder / f"b{number}.csv").write_bytes(b"x")
    refused(stored, folder, "Lebih dari 500 berkas")


# ----------------------------------------------------------------------------- messages


def test_a_header_with_control_characters_is_not_echoed_raw(stored: Path, tmp_path: Path) -> None:
    path = tmp_path / "rekap_20210801.csv"
    path.write_bytes(csv_bytes([["NIP", "NA\x1b[31mMA", "X" * 500], [NIP_1, "a", "b"]]))
    before = fingerprint(stored)
    result = cli("ingest", str(path), "--db", str(stored))
    assert result.returncode == 1 and "Kolom wajib tidak ditemukan" in result.stderr
    assert "\x1b" not in result.stderr and "X" * 100 not in result.stderr
    assert fingerprint(stored) == before


def test_a_file_name_with_control_characters_is_not_echoed_raw(stored: Path, tmp_path: Path) -> None:
    path = tmp_path / "rekap\x1b[2J_20210801.csv"
    path.write_bytes(b"")
    result = cli("ingest", str(path), "--db", str(stored))
    assert result.returncode == 1 and "kosong" in result.stderr and "\x1b" not in result.stderr


def _workbook_with_a_hidden_sheet(state: str) -> bytes:
    import io

    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    for name, rows in (
        ("Data", roster()),
        ("Lama", [roster()[0], [NIP_1.replace("1001", "1009"), "X", "Dinas Z", "Sudah"]]),
    ):
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write_string(r, c, value)
        if name == "Lama":
            sheet.hide()
    book.close()
    data = buffer.getvalue()
    if state == "veryHidden":
        import zipfile

        from tests.files import replace_zip_member

        workbook = (
            zipfile.ZipFile(io.BytesIO(data)).read("xl/workbook.xml").replace(b'state="hidden"', b'state="veryHidden"')
        )
        data = replace_zip_member(data, "xl/workbook.xml", workbook)
    return data


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_sheet_is_not_read_and_is_named(state: str, tmp_path: Path) -> None:
    db, path = tmp_path / "t.duckdb", tmp_path / "rekap_20210711.xlsx"
    path.write_bytes(_workbook_with_a_hidden_sheet(state))
    result = cli("ingest", str(path), "--db", str(db))
    assert result.returncode == 0 and '"rows": 3' in result.stdout, result.stderr
    assert "Lembar tersembunyi tidak dibaca: rekap_20210711.xlsx › Lama" in result.stderr


def test_unknown_status_words_are_listed_with_their_counts(stored: Path, tmp_path: Path) -> None:
    words = ["Tidak diketahui"] * 3 + ["Sudah Tidak Aktif"] * 2 + ["Sudah"]
    body = [[f"19900101202012{i % 2 + 1}{i:03d}", f"ASN {i}", "Dinas A", word] for i, word in enumerate(words)]
    rows = [roster()[0], *body]
    path = tmp_path / "rekap_20210801.csv"
    path.write_bytes(csv_bytes(rows))
    refused(stored, path, "Kata status tidak dikenal: 'Tidak diketahui' (3 baris), 'Sudah Tidak Aktif' (2 baris).")


def _with_sheet_prolog(prolog: bytes, encoding: str = "utf-8") -> bytes:
    from tests.files import replace_zip_member, sheet_xml

    good = xlsx_bytes(roster())
    body = sheet_xml(good).split(b"?>", 1)[-1]
    xml = b'<?xml version="1.0"?>' + prolog + body
    if encoding != "utf-8":
        xml = xml.decode("utf-8").replace('version="1.0"', f'version="1.0" encoding="{encoding}"').encode(encoding)
    return replace_zip_member(good, "xl/worksheets/sheet1.xml", xml)


@pytest.mark.parametrize(
    "workbook",
    [
        _with_sheet_prolog(b"<!DOCTYPE worksheet>"),  # declared, never used
        _with_sheet_prolog(b"<!-- " + b"x" * 8000 + b" --><!DOCTYPE worksheet>"),  # past the first 4 KB
        _with_sheet_prolog(b"<!doctype worksheet>"),
        _with_sheet_prolog(b'<!DOCTYPE w [<!ENTITY a "b">]>', "utf-16"),
    ],
    ids=["unused", "after-a-long-comment", "lower-case", "utf-16"],
)
def test_a_workbook_with_a_dtd_is_refused_however_it_is_hidden(workbook: bytes, stored: Path, tmp_path: Path) -> None:
    path = tmp_path / "rekap_20210801.xlsx"
    path.write_bytes(workbook)
    refused(stored, path, "DTD/ENTITY")


@pytest.mark.parametrize(
    "tail",
    [b'198502032010012002;Siti;Dinas A;"Belum', b'198502032010012002;Siti;Dinas A;"Belum\n',
     b'198502032010012002;"Siti;Dinas A;Belum\n'],
    ids=["last-field-no-newline", "last-field", "middle-field"],
)  # fmt: skip
def test_a_quote_that_never_closes_is_refused_with_its_line(tail: bytes, stored: Path, tmp_path: Path) -> None:
    path = tmp_path / "rekap_20210801.csv"
    path.write_bytes(b"NIP;NAMA;OPD;STATUS AKTIVASI\n199001012020121001;Budi;Dinas A;Sudah\n" + tail)
    refused(stored, path, "baris 3")


def test_a_report_of_many_problems_holds_the_first_in_memory_and_gives_them_all(tmp_path: Path) -> None:
    from pdm_metrics.checks.engine import MAX_PROBLEM_DETAIL
    from pdm_metrics.views import unggah

    rows = [roster()[0]] + [[f"12345{i:06d}", f"ASN {i}", "Dinas A", "Mungkin"] for i in range(12_000)]  # 2 errors each
    con = store.connect(tmp_path / "t.duckdb")
    checked = read_rosters([(csv_bytes(rows), "rekap_20210711.csv")], con=con)
    assert checked.error_count == 24_000 and len(checked.problems) == MAX_PROBLEM_DETAIL and checked.problems_cut
    assert list(checked.problems["row_number"][:2]) == [2, 2]  # file order: the first rows first
    preview = unggah.UploadPreview(checked, False, 0, (0,), checked.problems, [], None, checked.problems, {})
    full = unggah.full_report_csv(preview).decode("utf-8-sig").splitlines()
    assert full[0] == "Sumber;Baris;Kolom;Nilai;Alasan;Tingkat" and len(full) == 24_001
    checked.checks.close()
    con.close()


def test_the_full_report_is_the_shown_report_written_the_same_way_formulas_disarmed(tmp_path: Path) -> None:
    """The report quotes the file's own cells: a cell a spreadsheet would run as a formula is
    disarmed in the full CSV as in every download, byte for byte the CSV of the report shown."""
    from pdm_metrics import export
    from pdm_metrics.views import unggah

    hostile = ['=HYPERLINK("http://x","klik")', "+1;2", "@SUM(A1)\nlagi", "-5", 'kata "kutip"']
    rows = [roster()[0]] + [[f"12345{i:06d}", "ASN", "Dinas A", word] for i, word in enumerate(hostile)]
    text = io.StringIO()
    csv.writer(text, delimiter=";").writerows(rows)
    con = store.connect(tmp_path / "t.duckdb")
    checked = read_rosters([(text.getvalue().encode(), "rekap_20210711.csv")], con=con)
    report = checked.problems.rename(columns=unggah.REPORT_HEADERS)
    preview = unggah.UploadPreview(checked, False, 0, (0,), report, [], None, report, {})
    full = unggah.full_report_csv(preview)
    assert full == export.to_csv_bytes(report)
    assert "'=HYPERLINK" in full.decode("utf-8-sig") and "\n=HYPERLINK" not in full.decode("utf-8-sig")
    checked.checks.close()
    con.close()


def test_half_a_million_bad_rows_are_refused_within_a_memory_bound(stored: Path, tmp_path: Path) -> None:
    """Every row errs: the refusal counts them all, quotes ten, and the ingest stays under
    1,5 GB (the full report lives in DuckDB, which spills, not in Python). Measured by a wrapper
    of its own, whose only child is the ingest."""
    path = tmp_path / "rekap_20210801.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("NIP;NAMA;OPD;STATUS AKTIVASI\n")
        for i in range(500_000):
            handle.write(f"12345{i:06d};ASN {i};Dinas {i % 300};Mungkin\n")
    before = fingerprint(stored)
    ingest = ["-m", "pdm_metrics", "ingest", str(path), "--db", str(stored)]
    measured = (
        "import resource, subprocess, sys; "
        f"done = subprocess.run([sys.executable, *{ingest!r}]); "
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss; "
        "print('PEAK_KB', peak, file=sys.stderr); sys.exit(done.returncode)"
    )
    result = subprocess.run([sys.executable, "-c", measured], cwd=ROOT, capture_output=True, text=True, timeout=600)
    peak_kb = int(result.stderr.rsplit("PEAK_KB ", 1)[1].split()[0])
    assert result.returncode == 1 and "Berkas ditolak: 1.000.000 galat pada 500.000 baris" in result.stderr
    assert "Kata status tidak dikenal: 'Mungkin' (500.000 baris)" in result.stderr
    assert "Traceback" not in result.stderr and fingerprint(stored) == before
    assert peak_kb < 1.5 * 2**20, f"peak {peak_kb // 1024} MB"


@pytest.mark.parametrize(("where", "line"), [("last, no newline", 3), ("last", 3), ("middle", 2)])
def test_an_overlong_line_is_refused_with_its_number_wherever_it_sits(
    where: str, line: int, stored: Path, tmp_path: Path
) -> None:
    """DuckDB's reader dropped a too-long last line without a word; the same line mid-file it refused."""
    long_name = "A" * (2 * 2**20)
    good = f"{NIP_1};Budi;Dinas A;Sudah\n"
    bad = f"{NIP_2};{long_name};Dinas A;Belum"
    body = good + bad if where.startswith("last") else bad + "\n" + good
    body += "" if where == "last, no newline" else "\n"
    path = tmp_path / "rekap_20210801.csv"
    path.write_text("NIP;NAMA;OPD;STATUS AKTIVASI\n" + body, encoding="utf-8")
    refused(stored, path, f"Baris {line} terlalu panjang")


# ----------------------------------------------------------------------------- every row accounted for


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])  # read by DuckDB, or by pyarrow
def test_rows_read_are_counted_apart_from_the_reader_and_equal_stored_plus_skipped(
    encoding: str, stored: Path, tmp_path: Path
) -> None:
    """A quoted cell with a line break in it is one record, trailing blank lines none; the
    summary's `read` is the file's own count and equals rows + skipped."""
    path = tmp_path / "rekap_20210801.csv"
    body = [
        *roster()[1:],
        [NIP_1[:-1] + "9", '"Ma’ruf\nAmin"', "Dinas B", "Sudah"],
        ["123", "Salah", "Dinas B", "Sudah"],
    ]
    lines = ["NIP;NAMA;OPD;STATUS AKTIVASI", *(";".join(row) for row in body)]
    path.write_bytes(("\n".join(lines) + "\n\n\n").encode(encoding))
    result = cli("ingest", str(path), "--db", str(stored), "--skip-invalid", "--confirm")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["read"], summary["rows"], summary["skipped"]) == (5, 4, 1)


def test_a_reader_that_drops_a_record_is_caught() -> None:
    """The count of records is the file's own: a reader that loses one without a word (as DuckDB
    did with a too-long last line) makes the file refused, not a partial snapshot."""

    class DroppingSink:
        vocabulary = PDM.vocabulary

        def add_cells(self, label: str, first_row: int, cells: object, numeric_nip_rows: object) -> None:
            raise AssertionError("a plain CSV is read by the sink itself")

        def add_csv_file(
            self, label: str, path: str, delimiter: str, skip: int, width: int, positions: dict[str, int]
        ) -> int:
            return len(Path(path).read_text(encoding="utf-8").splitlines()) - skip - 1  # one lost

    with pytest.raises(RosterError, match="berisi 3 baris data, tetapi 2 yang terbaca"):
        read_files(DroppingSink(), [(csv_bytes(roster(), delimiter=";"), "rekap.csv")], lambda step: None)


def test_a_record_lost_by_the_other_reader_is_caught_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file DuckDB does not read (here Windows-1252) goes through pyarrow, counted the same way."""
    real = csvfile.read_csv_grid

    def losing_one(data: bytes) -> csvfile.CsvGrid:
        grid = real(data)
        return replace(grid, table=grid.table.slice(0, grid.table.num_rows - 1))

    monkeypatch.setattr(files, "read_csv_grid", losing_one)
    data = csv_bytes(roster(extra=None), delimiter=";", encoding="cp1252").replace(b"Budi", "Bu’di".encode("cp1252"))
    with pytest.raises(RosterError, match="berisi 3 baris data, tetapi 2 yang terbaca"):
        read_rosters([(data, "rekap_20210711.csv")])


def test_a_store_that_would_lose_rows_stores_nothing(tmp_path: Path) -> None:
    con = store.connect(tmp_path / "t.duckdb")
    checked = read_rosters([(csv_bytes(roster()), "rekap_20210711.csv")], con=con)
    meta = replace(snapshot_meta(checked, "uji"), rows_read=checked.row_count + 1)
    before = content_checksum(con)
    with pytest.raises(StoreError, match="4 baris terbaca, tetapi 3 tersimpan dan 0 dilewati"):
        store.save_snapshot(con, checked.checks, meta)
    assert content_checksum(con) == before and store.list_snapshots(con).empty
    checked.checks.close()
    con.close()
