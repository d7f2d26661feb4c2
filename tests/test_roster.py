from __future__ import annotations

import datetime as dt
import io
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pdm_metrics.checks.rules import ERROR, WARNING
from pdm_metrics.errors import RosterError
from pdm_metrics.reading.snapshot_date import DateSource, snapshot_date_from_filename, snapshot_date_from_title
from pdm_metrics.roster import Roster, read_roster, read_rosters
from pdm_metrics.schema import Column
from tests.files import HEADER, NIP_A, NIP_B, NIP_C, ROWS, csv_bytes, replace_zip_member, xlsx_bytes
from tests.pdm_2021 import ACTIVATION, UPDATE

JULY_11 = dt.date(2021, 7, 11)


def errors_of(roster: Roster) -> pd.DataFrame:
    return roster.problems[roster.problems["level"] == ERROR]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_in_each_encoding_and_delimiter(encoding: str, delimiter: str) -> None:
    rows = [HEADER, [NIP_A, "Ma’ruf Amin", "Dinas Kesehatan", "Sudah"], ROWS[1]]
    roster = read_roster(csv_bytes(rows, delimiter, encoding), "daftar.csv", JULY_11)
    assert list(roster.rows["nama"]) == ["Ma’ruf Amin", "Siti Aminah"]
    assert list(roster.rows["done_1"]) == [True, False]
    assert roster.error_count == 0


def test_undecodable_csv_is_refused_not_guessed() -> None:
    data = csv_bytes([HEADER, ROWS[0]]) + b"\x81\x8d\x8f bad,\xff\xfe\n"
    with pytest.raises(RosterError, match="Encoding"):
        read_roster(data, "x.csv", JULY_11)


def test_header_below_title_rows_with_aliases_and_extra_columns() -> None:
    header = [
        "No",
        "N I P",
        "Nama Pegawai",
        "UNOR NAMA",
        "Status Aktivasi MySAPK",
        "TGL. AKTIVASI",
        "E-mail",
        "Golongan",
    ]
    rows = [header, ["1", NIP_A, "Budi", "Dinas A", "Sudah", "01/07/2021", "b@x.go.id", "III/a"]]
    titles = ["PEMERINTAH KABUPATEN TANJUNG JABUNG BARAT", "Keadaan per 11 Juli 2021", ""]
    roster = read_roster(xlsx_bytes(rows, titles), "rekap.xlsx")
    assert roster.snapshot_date == JULY_11 and roster.date_source == DateSource.TITLE
    assert roster.columns_present == {
        Column.NIP,
        Column.NAMA,
        Column.OPD,
        ACTIVATION.status_column,
        ACTIVATION.date_column,
        Column.EMAIL,
    }
    row = roster.rows.iloc[0]
    assert row["nip"] == NIP_A and row["email"] == "b@x.go.id"
    assert row["done_on_1"] == dt.datetime(2021, 7, 1)
    assert row["row_number"] == 5  # three title rows, the header on row 4


def test_missing_required_column_names_it_and_lists_headers() -> None:
    data = csv_bytes([["NIP", "NAMA", "UNIT KERJA", "GOLONGAN"], [NIP_A, "Budi", "Dinas A", "III/a"]])
    with pytest.raises(RosterError) as caught:
        read_roster(data, "x.csv", JULY_11)
    assert "Status Aktivasi" in caught.value.message
    assert "GOLONGAN" in caught.value.message and "UNIT KERJA" in caught.value.message


def test_nip_cleaning_and_errors_with_excel_row_numbers() -> None:
    rows = [
        HEADER,
        ["'" + NIP_A, "A", "Dinas A", "Sudah"],
        ["1985 1231 2010 01 2 002", "B", "Dinas A", "Sudah"],
        ["1992.0315.2021.21.1.003", "C", "Dinas A", "Sudah"],
        ["19900101202012100", "D", "Dinas A", "Sudah"],
        ["1,99001E+17", "E", "Dinas A", "Sudah"],
        ["NIP-LAMA", "F", "Dinas A", "Sudah"],
    ]
    roster = read_roster(csv_bytes(rows, ";", titles=["Daftar ASN"]), "x_20210711.csv")
    assert list(roster.valid_rows["nip"]) == [NIP_A, NIP_B, NIP_C]
    problems = errors_of(roster).set_index("row_number")
    assert problems.loc[6, "reason"] == "NIP harus 18 digit (terbaca 17 digit)"
    assert "Teks" in str(problems.loc[7, "reason"])
    assert problems.loc[8, "reason"] == "NIP hanya boleh berisi angka"
    assert set(problems["column_label"]) == {"NIP"}


def test_numeric_nip_cell_in_xlsx_is_an_error_even_if_18_digits() -> None:
    rows: Sequence[Sequence[object]] = [HEADER, [NIP_A, "A", "Dinas A", "Sudah"], [int(NIP_B), "B", "Dinas A", "Sudah"]]
    roster = read_roster(xlsx_bytes(rows), "x.xlsx", JULY_11)
    errors = errors_of(roster)
    assert list(errors["row_number"]) == [3]
    assert "Teks" in errors.iloc[0]["reason"]
    assert list(roster.valid_rows["nip"]) == [NIP_A]


def test_whole_numeric_nip_column_is_reported_row_by_row() -> None:
    rows: list[list[object]] = [
        list(HEADER),
        [int(NIP_A), "A", "Dinas A", "Sudah"],
        [int(NIP_B), "B", "Dinas A", "Sudah"],
    ]
    roster = read_roster(xlsx_bytes(rows), "x.xlsx", JULY_11)
    assert list(errors_of(roster)["row_number"]) == [2, 3]


def test_pns_structure_problem_is_a_warning_and_pppk_is_valid() -> None:
    rows = [HEADER, ["199013452020121001", "A", "Dinas A", "Sudah"], [NIP_C, "C", "Dinas A", "Belum"]]
    roster = read_roster(csv_bytes(rows), "x.csv", JULY_11)
    assert roster.error_count == 0
    warnings = roster.problems[roster.problems["level"] == WARNING]
    assert list(warnings["row_number"]) == [2]
    assert list(roster.rows["jenis_asn"]) == ["PNS", "PPPK"]  # derived from the NIP without a column


@pytest.mark.parametrize(
    ("word", "value"),
    [("Sudah", True), ("belum", False), ("Sudah Aktivasi", True), ("Belum Aktivasi", False), ("Ya", True),
     ("TIDAK", False), ("Y", True), ("n", False), ("1", True), ("0", False), ("Aktif", True),
     ("Tidak Aktif", False), ("Selesai", True), ("Terverifikasi", True), ("Belum Terverifikasi", False),
     ("TRUE", True), ("false", False)],
)  # fmt: skip
def test_status_words(word: str, value: bool) -> None:
    rows = [HEADER, [NIP_A, "A", "Dinas A", word]]
    roster = read_roster(csv_bytes(rows), "x.csv", JULY_11)
    assert roster.rows.iloc[0]["done_1"] is value or bool(roster.rows.iloc[0]["done_1"]) is value
    assert roster.error_count == 0


def test_unknown_status_word_is_an_error_naming_word_and_rows_never_no() -> None:
    rows = [HEADER, [NIP_A, "A", "Dinas A", "Proses"], [NIP_B, "B", "Dinas A", "Sudah"], [NIP_C, "C", "X", "Proses"]]
    roster = read_roster(csv_bytes(rows), "x.csv", JULY_11)
    errors = errors_of(roster)
    assert list(errors["row_number"]) == [2, 4]
    assert all("'Proses'" in reason for reason in errors["reason"])
    assert list(roster.valid_rows["nip"]) == [NIP_B]


STATUS_TRUE_WORDS = frozenset(w.upper() for w in ACTIVATION.done)
STATUS_FALSE_WORDS = frozenset(w.upper() for w in ACTIVATION.not_done)


@given(
    st.sampled_from(sorted(STATUS_TRUE_WORDS | STATUS_FALSE_WORDS)),
    st.sampled_from([str.lower, str.upper, str.title]),
    st.sampled_from(["", " ", "  "]),
)
def test_status_words_ignore_case_and_spacing(word: str, case, pad: str) -> None:  # type: ignore[no-untyped-def]
    assert ACTIVATION.word_value(pad + case(word) + pad) is (word in STATUS_TRUE_WORDS)


@given(st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=12))
def test_status_words_outside_vocabulary_are_unknown(word: str) -> None:
    normal = word.upper()
    known = normal in STATUS_TRUE_WORDS | STATUS_FALSE_WORDS or normal.split(" ")[0] in {
        "SUDAH",
        "BELUM",
        "TELAH",
        "TIDAK",
    }
    if not known:
        assert ACTIVATION.word_value(word) is None


def test_opd_spellings_differing_in_case_or_spacing_are_one_opd_in_most_common_spelling() -> None:
    rows = [HEADER, [NIP_A, "A", "Dinas Kesehatan", "Sudah"], [NIP_B, "B", "DINAS  KESEHATAN", "Sudah"],
            [NIP_C, "C", "Dinas Kesehatan ", "Belum"]]  # fmt: skip
    roster = read_roster(csv_bytes(rows), "x.csv", JULY_11)
    assert set(roster.rows["opd"]) == {"Dinas Kesehatan"}
    assert set(roster.rows["opd_key"]) == {"dinas kesehatan"}


def test_the_spelling_of_most_rows_wins_however_the_others_are_spaced() -> None:
    """Three rows write DINAS KESEHATAN, two write Dinas Kesehatan each spaced its own way: the
    spacing variants count together, and it is rows that count, not distinct spellings."""
    nips = [f"1990010120201210{n:02d}" for n in range(1, 6)]
    cells = ["DINAS KESEHATAN", "DINAS KESEHATAN", "DINAS KESEHATAN", "Dinas  Kesehatan", "Dinas Kesehatan"]
    rows = [HEADER, *([nip, "A", cell, "Sudah"] for nip, cell in zip(nips, cells, strict=True))]
    roster = read_roster(csv_bytes(rows), "x.csv", JULY_11)
    assert set(roster.rows["opd"]) == {"DINAS KESEHATAN"}
    # Two rows spaced two ways against one: a tie of three spellings unless the two count together.
    rows = [HEADER, *([nip, "A", cell, "Sudah"] for nip, cell in zip(nips, cells[2:], strict=False))]
    assert set(read_roster(csv_bytes(rows), "x.csv", JULY_11).rows["opd"]) == {"Dinas Kesehatan"}


@pytest.mark.parametrize(
    ("cell", "expected"),
    [(dt.datetime(2021, 7, 3), dt.date(2021, 7, 3)), ("03/07/2021", dt.date(2021, 7, 3)),
     ("03-07-2021", dt.date(2021, 7, 3)), ("2021-07-03", dt.date(2021, 7, 3)), ("3 Juli 2021", dt.date(2021, 7, 3)),
     ("3 Jul 2021", dt.date(2021, 7, 3)), (44380, dt.date(2021, 7, 3))],
)  # fmt: skip
def test_activation_dates_in_every_usual_form(cell: object, expected: dt.date) -> None:
    rows: Sequence[Sequence[object]] = [[*HEADER, "TANGGAL AKTIVASI"], [NIP_A, "A", "Dinas A", "Sudah", cell]]
    roster = read_roster(xlsx_bytes(rows), "x.xlsx", JULY_11)
    assert roster.error_count == 0
    assert roster.rows.iloc[0]["done_on_1"].date() == expected


def test_impossible_activation_date_is_an_error_and_a_late_one_a_warning() -> None:
    rows = [
        [*HEADER, "TGL AKTIVASI"],
        [NIP_A, "A", "D", "Sudah", "31/02/2021"],
        [NIP_B, "B", "D", "Sudah", "20/07/2021"],
    ]
    roster = read_roster(csv_bytes(rows), "x.csv", JULY_11)
    assert list(errors_of(roster)["row_number"]) == [2]
    warnings = roster.problems[roster.problems["level"] == WARNING]
    assert list(warnings["row_number"]) == [3] and "sesudah" in warnings.iloc[0]["reason"]


def test_identical_duplicate_is_kept_once_with_a_warning() -> None:
    rows = [HEADER, ROWS[0], ROWS[1], ROWS[0]]
    roster = read_roster(csv_bytes(rows), "x.csv", JULY_11)
    assert roster.error_count == 0 and roster.warning_count == 1
    assert list(roster.valid_rows["nip"]) == [NIP_A, NIP_B]
    assert "baris 2" in roster.problems.iloc[0]["reason"]


def test_conflicting_duplicate_is_an_error_on_every_row() -> None:
    rows = [HEADER, ROWS[0], ROWS[1], [NIP_A, "Budi Santoso", "Dinas Kesehatan", "Belum"]]
    roster = read_roster(csv_bytes(rows), "x.csv", JULY_11)
    errors = errors_of(roster)
    assert list(errors["row_number"]) == [2, 4]
    assert "2, 4" in errors.iloc[0]["reason"]


@pytest.mark.parametrize(
    ("title", "expected"),
    [("Keadaan per 11 Juli 2021", JULY_11), ("Data per tanggal 11-07-2021", JULY_11),
     ("Posisi: 2021-07-11", JULY_11), ("Rekap ASN", None)],
)  # fmt: skip
def test_snapshot_date_from_title(title: str, expected: dt.date | None) -> None:
    assert snapshot_date_from_title(title) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [("aktivasi_20210711.xlsx", JULY_11), ("aktivasi 2021-07-11.csv", JULY_11), ("rekap_11-07-2021.xlsx", JULY_11),
     ("rekap 11 Juli 2021.xlsx", JULY_11), ("rekap.xlsx", None), ("rekap_20211399.csv", None)],
)  # fmt: skip
def test_snapshot_date_from_file_name(name: str, expected: dt.date | None) -> None:
    assert snapshot_date_from_filename(name) == expected


def test_given_date_wins_and_unknown_date_is_none() -> None:
    data = csv_bytes([HEADER, ROWS[0]], titles=["Keadaan per 1 Juni 2021"])
    assert read_roster(data, "x_20210801.csv", JULY_11).snapshot_date == JULY_11
    assert read_roster(data, "x_20210801.csv").snapshot_date == dt.date(2021, 6, 1)
    assert read_roster(csv_bytes([HEADER, ROWS[0]]), "x_20210801.csv").date_source == DateSource.FILENAME
    assert read_roster(csv_bytes([HEADER, ROWS[0]]), "x.csv").snapshot_date is None


def test_ragged_csv_row_is_a_clear_error_with_its_row_number() -> None:
    data = csv_bytes([HEADER, ROWS[0], [*ROWS[1], "extra"], ROWS[2]], titles=["Daftar"])
    with pytest.raises(RosterError, match="baris 4"):
        read_roster(data, "x.csv", JULY_11)


def test_empty_cells_in_required_columns_are_errors() -> None:
    rows = [HEADER, [NIP_A, "", "Dinas A", "Sudah"], [NIP_B, "B", "", ""]]
    roster = read_roster(csv_bytes(rows), "x.csv", JULY_11)
    errors = errors_of(roster)
    assert sorted(errors["column_label"]) == ["Nama", "OPD", "Status Aktivasi"]


def test_legacy_xls_with_title_rows_and_a_numeric_nip() -> None:
    from tests.files import xls_bytes

    rows: Sequence[Sequence[object]] = [HEADER, ROWS[0], [float(NIP_B), "B", "Dinas A", "Sudah"]]
    roster = read_roster(xls_bytes(rows, titles=["Keadaan per 11 Juli 2021"]), "rekap.xls")
    assert roster.snapshot_date == JULY_11
    assert list(roster.valid_rows["nip"]) == [NIP_A]
    assert list(errors_of(roster)["row_number"]) == [4]


def test_ods_workbook() -> None:
    from tests.files import ods_bytes

    roster = read_roster(ods_bytes([HEADER, *ROWS]), "rekap_20210711.ods")
    assert list(roster.valid_rows["nip"]) == [NIP_A, NIP_B, NIP_C] and roster.error_count == 0


def test_every_sheet_with_a_header_is_one_snapshot_and_duplicates_are_found_across_sheets() -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    first = workbook.active
    first.title = "Wilayah 1"
    for row in [["Keadaan per 11 Juli 2021"], HEADER, ROWS[0], ROWS[1]]:
        first.append(row)
    notes = workbook.create_sheet("Catatan")
    notes.append(["Lembar ini bukan data"])
    second = workbook.create_sheet("Wilayah 2")
    for row in [HEADER, ROWS[2], ROWS[0]]:
        second.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    roster = read_roster(buffer.getvalue(), "nasional.xlsx")
    assert roster.snapshot_date == JULY_11
    assert sorted(roster.valid_rows["nip"]) == sorted([NIP_A, NIP_B, NIP_C])
    warning = roster.problems.iloc[0]
    assert warning["source"] == "nasional.xlsx › Wilayah 2" and warning["row_number"] == 3
    assert "baris 3 (nasional.xlsx › Wilayah 1)" in warning["reason"]


def test_the_sheets_files_are_gone_once_read_whether_the_workbook_is_used_or_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The upload's copy and the Excel child's files live only while the file is read: a national
    workbook leaves hundreds of megabytes behind otherwise."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    roster = read_roster(xlsx_bytes([HEADER, *ROWS]), "daftar.xlsx", JULY_11)
    assert list(roster.valid_rows["nama"]) == [row[1] for row in ROWS]
    # Only the checks' spill folder stays, for as long as the checked rows do.
    spill = [path.name for path in tmp_path.iterdir()]
    assert len(spill) == 1 and spill[0].startswith("pdm-checks-")
    del roster
    with pytest.raises(RosterError, match="tidak dapat dibaca"):
        read_roster(replace_zip_member(xlsx_bytes([HEADER, *ROWS]), "xl/worksheets/sheet1.xml", b"<x"), "r.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_several_files_are_one_snapshot() -> None:
    from pdm_metrics.roster import read_rosters

    files = [
        (csv_bytes([[*HEADER, "STATUS PDM"], [*ROWS[0], "Sudah"]]), "jambi_20210711.csv"),
        (xlsx_bytes([HEADER, ROWS[1], [ROWS[2][0], "X", "Dinas A", "Entah"]]), "riau.xlsx"),
    ]
    roster = read_rosters(files)
    assert roster.snapshot_date == JULY_11 and roster.source_name == "jambi_20210711.csv + riau.xlsx"
    assert list(roster.valid_rows["nip"]) == [NIP_A, NIP_B]
    assert UPDATE.status_column not in roster.columns_present  # only one file carried it: not available
    error = errors_of(roster).iloc[0]
    assert (error["source"], error["row_number"]) == ("riau.xlsx", 3)


@pytest.mark.parametrize("line_end", ["\r\n", "\n", "\r"])
def test_a_blank_line_keeps_the_row_numbers_of_the_rows_after_it(line_end: str) -> None:
    lines = [HEADER, ROWS[0], [], [NIP_B, "Siti", "Dinas A", "Entah"], [NIP_C, "Ani", "Dinas A", "Entah"]]
    data = (line_end.join(";".join(cells) for cells in lines) + line_end * 2).encode()
    roster = read_roster(data, "x.csv", JULY_11)
    assert list(errors_of(roster)["row_number"]) == [4, 5]  # header 1, Budi 2, blank 3, Siti 4, Ani 5


def test_windows_1252_text_far_into_a_large_file_is_still_read_correctly() -> None:
    """The first 256 KB look like UTF-8; DuckDB's reader meets the ’ later and the file is re-read."""
    filler = [[f"1990010120201210{i % 90 + 10:02d}", f"Pegawai {i}", f"Dinas {i}", "Sudah"] for i in range(9000)]
    rows = [HEADER, *filler, [NIP_C, "Ma’ruf Amin", "Dinas Kesehatan", "Sudah"]]
    roster = read_roster(csv_bytes(rows, ",", "cp1252"), "besar.csv", JULY_11)
    assert roster.rows["nama"].iloc[-1] == "Ma’ruf Amin" and roster.row_count == 9001
    assert roster.rows["row_number"].iloc[-1] == 9002


def test_a_title_above_the_header_and_a_quoted_line_break_keep_excel_row_numbers() -> None:
    text = (
        "Keadaan per 11 Juli 2021\r\nNIP,NAMA,OPD,STATUS AKTIVASI\r\n"
        f'{NIP_A},"Budi\nSantoso",Dinas A,Sudah\r\n{NIP_B},Siti,Dinas A,Entah\r\n'
    )
    roster = read_roster(text.encode(), "x.csv")
    assert roster.snapshot_date == JULY_11 and roster.rows["nama"].iloc[0] == "Budi Santoso"
    assert list(errors_of(roster)["row_number"]) == [4]  # records: title 1, header 2, Budi 3, Siti 4


def test_progress_hears_each_step_of_reading_several_files() -> None:
    steps: list[str] = []
    sources = [(csv_bytes([HEADER, ROWS[0]]), "a.csv"), (xlsx_bytes([HEADER, ROWS[1], ROWS[2]]), "b.xlsx")]
    read_rosters(sources, JULY_11, steps.append)
    assert steps == ["Membaca a.csv", "Membaca b.xlsx", "Memeriksa 3 baris"]


def test_the_header_read_ahead_from_the_sheet_xml_matches_the_parsed_sheet(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import fastexcel

    from pdm_metrics.reading import excel_worker

    rows = [["No", "NIP", "NAMA", "OPD", "STATUS AKTIVASI"], ["1", NIP_A, "Budi", "Dinas A", "Sudah"]]
    path = tmp_path / "rekap.xlsx"
    path.write_bytes(xlsx_bytes(rows, ["DAFTAR ASN", "Keadaan per 11 Juli 2021", ""]))
    ahead = excel_worker._xlsx_first_rows(path, 0)
    parsed = fastexcel.read_excel(path).load_sheet(0, header_row=None, dtypes="string", eager=True).to_pylist()
    assert ahead is not None and ahead[3] == ["No", "NIP", "NAMA", "OPD", "STATUS AKTIVASI"]
    assert excel_worker._nip_column(ahead) == excel_worker._nip_column([list(r.values()) for r in parsed]) == (3, 1)


def _two_sheet_workbook(path: Path) -> None:
    """Sheet "Data" (a numeric NIP, a text one, an empty cell, a number stored as a float) is
    listed first but stored in the part named sheet2.xml, so only the workbook's relationships
    find it."""
    workbook = openpyxl.Workbook()
    data = workbook.active
    data.title = "Data"
    for row in [["DAFTAR ASN"], [], ["No", "NIP", "NAMA", "OPD", "STATUS AKTIVASI"],
                [1, int(NIP_A), "A", "Dinas A", "Sudah"], [2, NIP_B, "B", "Dinas A", "Sudah"],
                [3, None, "C", "Dinas A", "Sudah"], [4, 198512312010012003.0, "D", "Dinas A", "Belum"]]:  # fmt: skip
        data.append(row)
    workbook.create_sheet("Ringkasan").append(["Tidak ada data ASN di sini"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    saved = zipfile.ZipFile(buffer)
    first, second = "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"
    relations = (
        saved.read("xl/_rels/workbook.xml.rels").replace(b"sheet1.xml", b"sheetX").replace(b"sheet2.xml", b"sheet1.xml")
    )
    swapped = replace_zip_member(buffer.getvalue(), first, saved.read(second))
    swapped = replace_zip_member(swapped, second, saved.read(first))
    path.write_bytes(
        replace_zip_member(swapped, "xl/_rels/workbook.xml.rels", relations.replace(b"sheetX", b"sheet2.xml"))
    )


def test_numeric_nip_cells_read_from_the_sheet_xml_match_fastexcel(tmp_path: Path) -> None:
    import fastexcel

    from pdm_metrics.reading import excel_worker

    path = tmp_path / "rekap.xlsx"
    _two_sheet_workbook(path)
    assert fastexcel.read_excel(path).sheet_names == ["Data", "Ringkasan"]
    cells = excel_worker.xml_nip_cells(path, 0, 2, 1)
    expected = excel_worker.numeric_nip_rows(fastexcel.read_excel(path), 0, 2, 1)
    assert cells is not None and cells.numeric_rows == expected == [4, 7] and cells.count == 3
    assert excel_worker.column_letters(0) == "A" and excel_worker.column_letters(27) == "AB"


def test_when_the_sheet_xml_cannot_tell_fastexcel_finds_the_numeric_nip(tmp_path: Path) -> None:
    """A writer may put a cell's type before its reference: the XML search then misses cells,
    sees that it did (fewer cells than the sheet has) and leaves the question to fastexcel."""
    rows: Sequence[Sequence[object]] = [HEADER, [NIP_A, "A", "Dinas A", "Sudah"], [int(NIP_B), "B", "Dinas A", "Sudah"]]
    data = xlsx_bytes(rows)
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b'<c r="A3" t="n">' in sheet
    reordered = replace_zip_member(
        data, "xl/worksheets/sheet1.xml", sheet.replace(b'<c r="A3" t="n">', b'<c t="n" r="A3">')
    )
    assert list(errors_of(read_roster(reordered, "x.xlsx", JULY_11))["row_number"]) == [3]
