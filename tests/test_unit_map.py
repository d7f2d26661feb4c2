"""Peta Unit Kerja: SIASN's units (UNOR) grouped into the agency's OPD, on every stored snapshot."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from pdm_metrics import store
from pdm_metrics.ingest import ingest_roster, plausibility
from pdm_metrics.roster import read_roster
from pdm_metrics.store import unit_map as stored_map
from pdm_metrics.unit_map import UnitMapError, read_unit_map
from pdm_metrics.views import cadangan, laporan, opd, perubahan, peta_unit, ringkasan, tindak_lanjut
from pdm_metrics.views.common import Filters, calendar_in_force
from tests.files import HEADER, NIP_A, NIP_B, NIP_C, ROWS, csv_bytes
from tests.lakes import new_database
from tests.pdm_2021 import ACTIVATION, PDM
from tests.test_siasn import NIP_D, SIASN_HEADER, UNOR_IDS, siasn_file, siasn_row

pytestmark = pytest.mark.lake  # the lake run (PDM_TEST_LAKE) runs these on DuckLake too

ROOT = Path(__file__).resolve().parent.parent
JULY_11, AUGUST_1 = dt.date(2021, 7, 11), dt.date(2021, 8, 1)
SD, PUSKESMAS = "SD NEGERI 57/V TUNGKAL ILIR", "PUSKESMAS BETARA"


def stored_siasn(tmp_path: Path) -> store.Connection:
    """The SIASN file of test_siasn (2 units, 4 ASN, 2 PPPK) stored as 11 July 2021."""
    con = store.connect(new_database(tmp_path, "t.duckdb"))
    ingest_roster(con, read_roster(siasn_file(), "siasn_20210711.csv"))
    return con


def map_file(*rows: tuple[str, str, str]) -> bytes:
    return csv_bytes([["UNOR ID", "UNOR NAMA", "OPD"], *[list(row) for row in rows]])


def load(con: store.Connection, data: bytes, name: str = "peta.csv") -> str:
    return peta_unit.apply_map_file(con, read_unit_map(data, name), name, "ani").said


def per_opd(con: store.Connection, day: dt.date | None = None) -> dict[str, tuple[int, int]]:
    counts = store.summary_counts(con, by_opd=True, snapshot_date=day)
    rows = zip(counts["opd"].astype(str), counts["total"].astype(int), counts["done_1"].astype(int), strict=True)
    return {opd_name: (int(total), int(activated)) for opd_name, total, activated in rows}


def test_a_map_loaded_after_the_snapshot_regroups_it_with_exact_counts(tmp_path: Path) -> None:
    con = stored_siasn(tmp_path)
    assert per_opd(con) == {SD: (2, 1), PUSKESMAS: (2, 1)}  # no map: each unit is its own row
    said = load(con, map_file(("", "sd negeri 57/v  tungkal ilir", "Dinas Pendidikan"), ("", PUSKESMAS, "Dinkes")))
    assert "2 unit (4 baris ASN) pindah OPD, 0 unit belum dipetakan" in said
    assert per_opd(con) == {"Dinas Pendidikan": (2, 1), "Dinkes": (2, 1)}
    pppk = store.summary_counts(con, by_opd=True, jenis_asn=["PPPK"])
    assert dict(zip(pppk["opd"], pppk["total"].astype(int), strict=True)) == {"Dinas Pendidikan": 1, "Dinkes": 1}
    # The roster rows moved with their units: lists and exports name the OPD, and keep the unit.
    rows = store.roster_rows(con, JULY_11).set_index("nip")
    assert rows.loc[NIP_A, "opd"] == "Dinas Pendidikan" and rows.loc[NIP_A, "unit"] == SD
    assert rows.loc[NIP_C, "opd"] == "Dinkes"
    # The next snapshot is grouped as it is stored, without loading the map again; its units are
    # compared with the stored units as read, so none is reported missing.
    august = read_roster(siasn_file(), "siasn_20210801.csv")
    assert plausibility(con, august, dt.date(2026, 12, 1)) == []
    ingest_roster(con, august)
    assert per_opd(con, AUGUST_1) == {"Dinas Pendidikan": (2, 1), "Dinkes": (2, 1)}
    con.close()


def test_changing_the_map_regroups_history_and_the_changes_between_snapshots(tmp_path: Path) -> None:
    con = stored_siasn(tmp_path)
    later = csv_bytes(
        [
            SIASN_HEADER,
            siasn_row(NIP_A, "Budi", SD, "PNS DAERAH", "T", "budi@gmail.com", "", "Sudah"),
            siasn_row(NIP_B, "Siti", SD, "CPNS DAERAH", "T", "siti@yahoo.com", "", "Sudah"),  # moved school
            siasn_row(NIP_C, "Rina", PUSKESMAS, "PPPK", "T", "", "", "Sudah"),
            siasn_row(NIP_D, "Dewi", SD, "PPPK", "T", "dewi@gmail.com", "", "Belum"),
        ]
    )
    ingest_roster(con, read_roster(later, "siasn_20210801.csv"))
    assert store.change_totals(con, JULY_11, AUGUST_1)["moved_in"] == 1  # two units: a move
    # Both units in one OPD: Siti moved within it, which is no move between OPD.
    load(con, map_file(("", SD, "Dinas Pendidikan"), ("", PUSKESMAS, "Dinas Pendidikan")))
    assert store.change_totals(con, JULY_11, AUGUST_1)["moved_in"] == 0
    assert per_opd(con, JULY_11) == {"Dinas Pendidikan": (4, 2)}
    counts = perubahan.changes(con, PDM, JULY_11, AUGUST_1).summary
    assert list(counts["OPD"]) == ["Dinas Pendidikan"]
    con.close()


def test_the_unit_id_wins_over_the_name(tmp_path: Path) -> None:
    """A unit renamed in SIASN keeps its UNOR ID: the map finds it by ID."""
    con = stored_siasn(tmp_path)
    load(con, map_file((UNOR_IDS[SD], "SD N 57 (nama lama)", "Dinas Pendidikan"), ("", PUSKESMAS, "Dinkes")))
    assert per_opd(con) == {"Dinas Pendidikan": (2, 1), "Dinkes": (2, 1)}
    # An ID that names another unit than the name: the ID decides.
    load(con, map_file((UNOR_IDS[PUSKESMAS], SD, "Dinkes"), ("", SD, "Dinas Pendidikan")))
    assert per_opd(con)["Dinkes"] == (2, 1) and per_opd(con)["Dinas Pendidikan"] == (2, 1)
    con.close()


def test_an_unmapped_unit_stays_its_own_row_and_is_flagged_on_ringkasan_and_in_the_pdf(tmp_path: Path) -> None:
    con = stored_siasn(tmp_path)
    calendar = calendar_in_force(con, PDM)
    assert not any("belum dipetakan" in n for n in ringkasan.overview(con, calendar, Filters()).notes)  # type: ignore[union-attr]
    load(con, map_file(("", SD, "Dinas Pendidikan")))
    assert per_opd(con) == {"Dinas Pendidikan": (2, 1), PUSKESMAS: (2, 1)}
    summary = ringkasan.overview(con, calendar, Filters())
    assert summary is not None
    note = "1 unit belum dipetakan ke OPD: PUSKESMAS BETARA (2 ASN)."
    assert any(n.startswith(note) for n in summary.notes)
    _, pdf = laporan.report_pdf(con, calendar, Filters(), dt.date(2026, 12, 1))
    assert pdf.startswith(b"%PDF")
    view = peta_unit.unit_map_view(con)
    assert (view.mapped, view.unmapped_total, view.unmapped_asn) == (1, 1, 2)
    assert list(view.unmapped[peta_unit.UNIT]) == [PUSKESMAS]
    con.close()


def test_the_opd_detail_opens_to_its_units(tmp_path: Path) -> None:
    con = stored_siasn(tmp_path)
    load(con, map_file(("", SD, "Dinas Pendidikan"), ("", PUSKESMAS, "Dinas Pendidikan")))
    detail = opd.opd_detail(con, calendar_in_force(con, PDM), Filters(), "dinas pendidikan")
    assert detail.name == "Dinas Pendidikan"
    assert detail.units.to_dict("list") == {
        "Unit kerja": [PUSKESMAS, SD],
        "Jumlah ASN": ["2", "2"],
        "Aktivasi": ["50,00%", "50,00%"],
        "PDM": ["tidak tersedia", "tidak tersedia"],
        "Verifikasi": ["tidak tersedia", "tidak tersedia"],
    }
    con.close()


def test_the_operator_maps_units_on_the_page_and_the_audit_log_keeps_the_history(tmp_path: Path) -> None:
    con = stored_siasn(tmp_path)
    load(con, map_file(("", SD, "Dinas Pendidikan")))
    untouched = peta_unit.unit_map_view(con).unmapped.drop(columns="unit_key")
    assert peta_unit.map_units(con, untouched, "ani") == "Belum ada OPD yang diisi."  # "(belum dipetakan)" left
    edited = untouched.assign(OPD=["Dinas Kesehatan"])
    said = peta_unit.map_units(con, edited, "ani")
    assert "0 unit belum dipetakan" in said
    assert per_opd(con) == {"Dinas Pendidikan": (2, 1), "Dinas Kesehatan": (2, 1)}
    log = store.audit_entries(con)
    actions = list(log["action"])
    assert "ganti peta unit kerja" in actions and "petakan unit kerja" in actions
    assert any(f"{PUSKESMAS} → Dinas Kesehatan" in d for d in log["detail"])
    con.close()


def test_the_exported_map_can_be_filled_in_and_loaded_back(tmp_path: Path) -> None:
    con = stored_siasn(tmp_path)
    load(con, map_file(("", SD, "Dinas Pendidikan")))
    data = peta_unit.map_workbook(peta_unit.map_export_frame(con), dt.date(2026, 12, 1))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows.index(["UNOR ID", "UNOR NAMA", "OPD", "Jumlah ASN", "Keterangan"])
    body = rows[header + 1 :]
    assert [r[:4] for r in body] == [["", SD, "Dinas Pendidikan", 2], [UNOR_IDS[PUSKESMAS], PUSKESMAS, "", 2]]
    assert body[1][4] == "belum dipetakan"
    # Loaded back untouched: the unfilled unit stays unmapped, which is no error.
    again = read_unit_map(data, "peta.xlsx")
    assert again.left_unmapped == 1 and len(again.entries) == 1
    sheet.cell(row=header + 3, column=3, value="Dinas Kesehatan")
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    load(con, buffer.getvalue(), "peta.xlsx")
    assert per_opd(con) == {"Dinas Pendidikan": (2, 1), "Dinas Kesehatan": (2, 1)}
    con.close()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [["UNOR NAMA", "OPD"], [SD, "Dinas Pendidikan"], [" sd negeri 57/v tungkal ilir", "Dinkes"]],
            "Unit dipetakan ke dua OPD atau lebih: SD NEGERI 57/V TUNGKAL ILIR (baris 2, 3)",
        ),
        ([["UNOR ID", "OPD"], ["U1", "Dinas A"], ["U1", "Dinas B"]], "ID U1 (baris 2, 3)"),
        ([["UNOR NAMA", "OPD"], [SD, "Dinas Pendidikan"], [PUSKESMAS, ""]], "OPD kosong pada baris 3"),
        ([["Nama Sekolah", "Dinas"], [SD, "Dinas Pendidikan"]], "harus memuat kolom unit"),
        ([["UNOR NAMA"], [SD]], "Judul kolom yang terbaca: UNOR NAMA"),
        ([["UNOR NAMA", "OPD"]], "tidak memuat satu pun unit"),
    ],
)
def test_bad_maps_are_refused_and_change_nothing(tmp_path: Path, rows: list[list[str]], message: str) -> None:
    con = stored_siasn(tmp_path)
    load(con, map_file(("", SD, "Dinas Pendidikan")))
    before = (stored_map.unit_map(con).to_dict("list"), per_opd(con), len(store.audit_entries(con)))
    with pytest.raises(UnitMapError, match=re.escape(message)):
        read_unit_map(csv_bytes(rows), "peta.csv")
    assert (stored_map.unit_map(con).to_dict("list"), per_opd(con), len(store.audit_entries(con))) == before
    con.close()


def test_opd_names_in_another_case_are_one_opd(tmp_path: Path) -> None:
    read = read_unit_map(map_file(("", SD, "DINAS PENDIDIKAN"), ("", PUSKESMAS, "Dinas  Pendidikan")), "p.csv")
    assert {e.opd for e in read.entries} == {"DINAS PENDIDIKAN"}  # a tie: the first spelling
    con = stored_siasn(tmp_path)
    peta_unit.apply_map_file(con, read, "p.csv", "ani")
    assert list(per_opd(con).values()) == [(4, 2)]
    con.close()


def test_the_map_is_kept_in_backups(tmp_path: Path) -> None:
    con = stored_siasn(tmp_path)
    load(con, map_file(("", SD, "Dinas Pendidikan"), ("", PUSKESMAS, "Dinkes")))
    backup = store.backup_zip(con, "admin")
    load(con, map_file(("", SD, "Lain"), ("", PUSKESMAS, "Lain")))
    cadangan.restore(con, backup, "admin")
    assert per_opd(con) == {"Dinas Pendidikan": (2, 1), "Dinkes": (2, 1)}
    con.close()


def test_a_map_in_a_file_with_instansi_groups_units_within_their_instansi(tmp_path: Path) -> None:
    con = store.connect(new_database(tmp_path, "t.duckdb"))
    ingest_roster(con, read_roster(siasn_file(work=("Kota Jambi", "Kab. Tanjab Barat")), "siasn_20210711.csv"))
    load(con, map_file(("", SD, "Dinas Pendidikan"), ("", PUSKESMAS, "Dinkes")))
    assert per_opd(con) == {
        "Dinas Pendidikan (Kab. Tanjab Barat)": (1, 0),
        "Dinas Pendidikan (Kota Jambi)": (1, 1),
        "Dinkes (Kab. Tanjab Barat)": (1, 0),
        "Dinkes (Kota Jambi)": (1, 1),
    }
    assert stored_map.stored_units(con)["unit"].tolist().count(SD) == 2  # the unit's own name, for the map
    con.close()


def test_email_risk_names_the_email_the_token_went_to_and_suggests_email_gov(tmp_path: Path) -> None:
    con = stored_siasn(tmp_path)
    risks = tindak_lanjut.email_risk(con, ACTIVATION, Filters()).risks.set_index("NIP")
    # Siti and Dewi (not activated): a personal EMAIL and no EMAIL GOV -> the usual fix, no empty column.
    assert risks.loc[NIP_B, "Email"] == "siti@yahoo.com" and "Email instansi (EMAIL GOV)" not in risks
    assert "admin SAPK" in str(risks.loc[NIP_B, "Cara memperbaiki"])
    con.close()
    data = csv_bytes(
        [SIASN_HEADER, siasn_row(NIP_A, "Budi", SD, "PNS DAERAH", "T", "budi@gmail.com", "budi@tjb.go.id", "Belum")]
    )
    other = store.connect(new_database(tmp_path, "u.duckdb"))
    ingest_roster(other, read_roster(data, "siasn_20210711.csv"))
    row = tindak_lanjut.email_risk(other, ACTIVATION, Filters()).risks.iloc[0]
    assert row["Email"] == "budi@gmail.com" and row["Email instansi (EMAIL GOV)"] == "budi@tjb.go.id"
    assert row["Cara memperbaiki"].startswith("Daftarkan email instansi budi@tjb.go.id (kolom EMAIL GOV)")
    other.close()


def test_units_import_and_export_on_the_command_line(tmp_path: Path) -> None:
    db, roster, peta, out = (
        new_database(tmp_path, "t.duckdb"),
        tmp_path / "siasn_20210711.csv",
        tmp_path / "peta.csv",
        tmp_path / "o.xlsx",
    )
    roster.write_bytes(siasn_file())
    peta.write_bytes(map_file(("", SD, "Dinas Pendidikan"), ("", PUSKESMAS, "Dinkes")))

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "pdm_metrics", *args, "--db", str(db)]
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)

    assert cli("ingest", str(roster)).returncode == 0
    loaded = cli("units", "import", str(peta))
    assert loaded.returncode == 0 and json.loads(loaded.stdout) == {"entries": 2, "left_unmapped": 0}
    rates = cli("rates", "--by", "opd")
    assert rates.stdout.splitlines()[1:] == [
        "2021-07-11,Dinas Pendidikan,2,1,,,50.00,,",
        "2021-07-11,Dinkes,2,1,,,50.00,,",
    ]
    assert cli("units", "export", "--out", str(out)).returncode == 0 and out.read_bytes().startswith(b"PK")
    peta.write_bytes(map_file(("", SD, "Dinas Pendidikan"), ("", SD, "Dinkes")))
    refused = cli("units", "import", str(peta))
    assert (
        refused.returncode == 1 and "Unit dipetakan ke dua OPD" in refused.stderr and "Traceback" not in refused.stderr
    )
    assert cli("rates", "--by", "opd").stdout == rates.stdout  # nothing changed


def test_the_follow_up_of_an_opd_lists_its_names_under_their_units(tmp_path: Path) -> None:
    con = stored_siasn(tmp_path)
    calendar = calendar_in_force(con, PDM)
    unmapped = tindak_lanjut.follow_up(con, calendar, Filters(), ACTIVATION)
    assert unmapped is not None and all("Unit kerja" not in o.missing for o in unmapped.opds)  # unit = OPD
    load(con, map_file(("", SD, "Dinas Pendidikan"), ("", PUSKESMAS, "Dinas Pendidikan")))
    view = tindak_lanjut.follow_up(con, calendar, Filters(), ACTIVATION)
    assert view is not None
    (disdik,) = view.opds
    assert disdik.opd == "Dinas Pendidikan" and list(disdik.missing["Unit kerja"]) == [SD, PUSKESMAS]
    lines = disdik.message.splitlines()
    # Units with the most still to do first, ties in reading order; each unit's names numbered.
    headings = [line for line in lines if line.startswith("*") and "ASN)" in line]
    assert headings == [f"*{PUSKESMAS}* (1 ASN)", f"*{SD}* (1 ASN)"]
    assert lines[lines.index(headings[0]) + 1].startswith("1. ") and lines[lines.index(headings[1]) + 1].startswith(
        "1. "
    )
    assert "tenggat sudah lewat" not in disdik.message.lower()  # 11 July: the deadline is ahead
    assert "Cara aktivasi" in disdik.message and "Panduan tersedia" not in disdik.message
    sheet = openpyxl.load_workbook(io.BytesIO(view.workbook)).worksheets[1]
    headers = [cell.value for row in sheet.iter_rows(max_row=6) for cell in row if cell.value]
    assert "Unit kerja" in headers
    con.close()


def test_followup_on_the_command_line_writes_what_tindak_lanjut_offers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pdm_metrics.cli import main

    con = stored_siasn(tmp_path)
    load(con, map_file(("", SD, "Dinas Pendidikan"), ("", PUSKESMAS, "Dinas Pendidikan")))
    offered = tindak_lanjut.follow_up(con, calendar_in_force(con, PDM), Filters(), ACTIVATION)
    con.close()
    assert offered is not None
    db, text, book = new_database(tmp_path, "t.duckdb"), tmp_path / "pesan.txt", tmp_path / "tindak.xlsx"
    common = ["--campaign", "pdm-2021", "--stage", "aktivasi", "--db", str(db)]
    assert main(["followup", *common, "--opd", "dinas  pendidikan", "--format", "text", "--out", str(text)]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "snapshot_date": "2021-07-11",
        "stage": "aktivasi",
        "opd": 1,
        "asn": 2,
    }
    assert text.read_text(encoding="utf-8") == offered.opds[0].message + "\n"
    assert main(["followup", *common, "--format", "xlsx", "--out", str(book)]) == 0
    capsys.readouterr()
    assert openpyxl.load_workbook(book).sheetnames == openpyxl.load_workbook(io.BytesIO(offered.workbook)).sheetnames
    assert (
        main(["followup", *common[:2], "--stage", "unggah", "--db", str(db), "--format", "text", "--out", str(text)])
        == 1
    )
    assert "Tahap 'unggah' tidak ada di kampanye pdm-2021 (pilih: aktivasi, pdm, verifikasi)" in capsys.readouterr().err
    assert main(["followup", *common, "--opd", "Dinas Tidak Ada", "--format", "text", "--out", str(text)]) == 1
    assert "OPD 'Dinas Tidak Ada' tidak ada" in capsys.readouterr().err


def test_peta_unit_counts_the_latest_units_only_and_an_opd_file_has_none_waiting(tmp_path: Path) -> None:
    con = store.connect(new_database(tmp_path, "t.duckdb"))
    ingest_roster(con, read_roster(csv_bytes([HEADER, *ROWS]), "rekap_20210628.csv"))
    before = peta_unit.unit_map_view(con)
    assert (before.unmapped_total, before.unmapped_asn) == (0, 0)  # OPD names are not units waiting for a map
    ingest_roster(con, read_roster(siasn_file(), "siasn_20210711.csv"))
    after = peta_unit.unit_map_view(con)
    # The SIASN snapshot's two units with their 4 ASN, not the June file's OPD, nor ASN summed over both.
    assert (after.unmapped_total, after.unmapped_asn) == (2, 4)
    assert set(after.unmapped[peta_unit.UNIT]) == {SD, PUSKESMAS}
    con.close()


def test_a_report_for_one_opd_names_it_in_its_header_and_file_name(tmp_path: Path) -> None:
    con = stored_siasn(tmp_path)
    load(con, map_file(("", SD, "Dinas Pendidikan"), ("", PUSKESMAS, "Dinkes")))
    one = Filters(JULY_11, ("dinkes",), campaign=PDM)
    assert laporan.report_scope(con, one) == "OPD: Dinkes; PNS dan PPPK"
    assert laporan.report_name(con, one, JULY_11) == "laporan_pdm-2021_dinkes_2021-07-11.pdf"
    assert laporan.report_name(con, Filters(JULY_11), JULY_11) == "laporan_pdm-2021_2021-07-11.pdf"
    assert laporan.report_scope(con, Filters(JULY_11, jenis_asn=("PPPK",))) == "semua OPD; PPPK"
    con.close()


def test_a_report_for_one_opd_ranks_its_units(tmp_path: Path) -> None:
    con = stored_siasn(tmp_path)
    load(con, map_file(("", SD, "Dinas Pendidikan"), ("", PUSKESMAS, "Dinas Pendidikan")))
    one = Filters(JULY_11, ("dinas pendidikan",), campaign=PDM)
    assert laporan.unit_ranking(con, one, JULY_11, ACTIVATION) == [
        (PUSKESMAS, 50.0, "50,00% · 1 belum"),
        (SD, 50.0, "50,00% · 1 belum"),
    ]
    assert laporan.unit_ranking(con, Filters(JULY_11, campaign=PDM), JULY_11, ACTIVATION) == []  # every OPD: by OPD
    _, pdf = laporan.report_pdf(con, calendar_in_force(con, PDM), one, dt.date(2026, 12, 2))
    assert pdf.startswith(b"%PDF")
    con.close()


def test_a_map_file_is_applied_in_one_step_and_can_be_undone(tmp_path: Path) -> None:
    """Loading applies at once (no second click); undoing puts back the map it replaced, with its
    counts, and the audit log keeps both steps."""
    con = stored_siasn(tmp_path)
    load(con, map_file(("", SD, "Dinas Pendidikan"), ("", PUSKESMAS, "Dinkes")))
    before = (stored_map.unit_map(con).to_dict("list"), per_opd(con))
    loaded = peta_unit.apply_map_file(
        con, read_unit_map(map_file(("", SD, "Salah"), ("", PUSKESMAS, "Salah")), "salah.csv"), "salah.csv", "ani"
    )
    assert "Peta dari salah.csv dimuat" in loaded.said and per_opd(con) == {"Salah": (4, 2)}
    said = peta_unit.undo_map_file(con, loaded, "ani")
    assert "Pemuatan salah.csv dibatalkan" in said
    assert (stored_map.unit_map(con).to_dict("list"), per_opd(con)) == before
    actions = [e for e in store.audit_entries(con)["action"] if e == "ganti peta unit kerja"]
    assert len(actions) == 3
    details = " ".join(store.audit_entries(con)["detail"].astype(str))
    assert "batalkan muat salah.csv" in details
    con.close()


def test_undoing_the_first_map_leaves_every_unit_its_own_opd_again(tmp_path: Path) -> None:
    con = stored_siasn(tmp_path)
    loaded = peta_unit.apply_map_file(con, read_unit_map(map_file(("", SD, "Disdik")), "peta.csv"), "peta.csv", "ani")
    assert per_opd(con) == {"Disdik": (2, 1), PUSKESMAS: (2, 1)}
    peta_unit.undo_map_file(con, loaded, "ani")
    assert per_opd(con) == {SD: (2, 1), PUSKESMAS: (2, 1)} and stored_map.unit_map(con).empty
    con.close()


def test_the_upload_says_how_many_of_the_files_units_the_map_names(tmp_path: Path) -> None:
    from pdm_metrics.views import unggah

    con = stored_siasn(tmp_path)

    def map_note() -> str | None:
        preview = unggah.upload_preview(con, "pdm-2021", [(siasn_file(), "siasn_20210801.csv")], None, JULY_11)
        preview.roster.checks.close()
        return preview.map_note

    assert map_note() is None  # no map yet
    load(con, map_file(("", SD, "Dinas Pendidikan")))
    note = map_note()
    assert note is not None and note.startswith("1 dari 2 unit di berkas ini sudah ada di peta.")
    assert "1 unit lainnya dihitung sebagai OPD tersendiri" in note
    load(con, map_file((UNOR_IDS[PUSKESMAS], "nama lain", "Dinkes"), ("", SD, "Dinas Pendidikan")))
    assert map_note() == "2 dari 2 unit di berkas ini sudah ada di peta."  # the puskesmas by its UNOR ID
    con.close()
