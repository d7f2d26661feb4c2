"""Rosters as SIASN's "Export Data ASN" writes them: ID/NAMA pairs, NIP BARU beside NIP LAMA, EMAIL
beside EMAIL GOV, JENIS PEGAWAI NAMA, and the status columns an operator appends."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from pdm_metrics import store
from pdm_metrics.errors import RosterError
from pdm_metrics.ingest import ingest_roster
from pdm_metrics.roster import Roster, read_roster, read_rosters
from pdm_metrics.schema import Column
from pdm_metrics.views import unggah
from tests.files import NIP_A, NIP_B, NIP_C, csv_bytes
from tests.lakes import new_database
from tests.pdm_2021 import PDM

pytestmark = pytest.mark.lake  # the lake run (PDM_TEST_LAKE) runs these on DuckLake too

ROOT = Path(__file__).resolve().parent.parent
JULY_11 = dt.date(2021, 7, 11)
SIASN_HEADER = [
    "PNS ID", "NIP BARU", "NIP LAMA", "NAMA", "GELAR DEPAN", "GELAR BELAKANG", "TANGGAL LAHIR", "JENIS KELAMIN",
    "NIK", "EMAIL", "EMAIL GOV", "JENIS PEGAWAI ID", "JENIS PEGAWAI NAMA", "KEDUDUKAN HUKUM NAMA", "GOL AKHIR NAMA",
    "JABATAN NAMA", "LOKASI KERJA NAMA", "UNOR ID", "UNOR NAMA", "INSTANSI INDUK ID", "INSTANSI INDUK NAMA",
    "INSTANSI KERJA ID", "INSTANSI KERJA NAMA", "SATUAN KERJA INDUK ID", "SATUAN KERJA INDUK NAMA",
    "SATUAN KERJA KERJA ID", "SATUAN KERJA KERJA NAMA", "STATUS AKTIVASI",
]  # fmt: skip
# NIP_D looks like a PNS number (digits 13-14 a month), yet SIASN says PPPK: the column wins.
NIP_D = "198801012022031004"
UNOR_IDS = {"SD NEGERI 57/V TUNGKAL ILIR": "8ae483c8", "PUSKESMAS BETARA": "8ae483c9"}


def siasn_row(nip: str, name: str, unor: str, kind: str, work: str, email: str, gov: str, status: str) -> list[str]:
    return [
        "A1B2", nip, "123456789", name, "", "S.Pd", "01-01-1990", "Laki-laki", "1501010101900001", email, gov,
        "1" if kind.startswith("PNS") else "2", kind, "Aktif", "III/a", "Guru", "Kuala Tungkal", UNOR_IDS[unor], unor,
        "I1", "Pemerintah Kab. Tanjung Jabung Barat", "I1", work, "S1", "Dinas Pendidikan", "S2", "Dinas Pendidikan",
        status,
    ]  # fmt: skip


TANJAB = "Pemerintah Kab. Tanjung Jabung Barat"


def siasn_file(work: tuple[str, str] = (TANJAB, TANJAB)) -> bytes:
    rows = [
        siasn_row(
            NIP_A,
            "Budi",
            "SD NEGERI 57/V TUNGKAL ILIR",
            "PNS DAERAH",
            work[0],
            "budi@gmail.com",
            "budi@tanjabbarkab.go.id",
            "Sudah",
        ),
        siasn_row(NIP_B, "Siti", "PUSKESMAS BETARA", "CPNS DAERAH", work[1], "siti@yahoo.com", "", "Belum"),
        siasn_row(NIP_C, "Rina", "PUSKESMAS BETARA", "PPPK", work[0], "", "rina@tanjabbarkab.go.id", "Sudah"),
        siasn_row(NIP_D, "Dewi", "SD NEGERI 57/V TUNGKAL ILIR", "PPPK", work[1], "dewi@gmail.com", "", "Belum"),
    ]
    return csv_bytes([SIASN_HEADER, *rows])


def read(data: bytes) -> Roster:
    return read_roster(data, "siasn_20210711.csv")


def test_siasn_headers_are_read_as_siasn_writes_them() -> None:
    roster = read(siasn_file())
    assert roster.error_count == 0 and roster.snapshot_date == JULY_11
    rows = roster.valid_rows.set_index("nip")
    assert list(rows.index) == [NIP_A, NIP_B, NIP_C, NIP_D]  # NIP BARU, never NIP LAMA
    kinds = rows["jenis_asn"].to_dict()
    assert kinds == {NIP_A: "PNS", NIP_B: "PNS", NIP_C: "PPPK", NIP_D: "PPPK"}  # from JENIS PEGAWAI NAMA
    assert rows.loc[NIP_A, "email"] == "budi@gmail.com"  # EMAIL, the one SAPK sends the token to
    assert rows.loc[NIP_A, "email_gov"] == "budi@tanjabbarkab.go.id" and rows["email_gov"].isna()[NIP_B]
    assert rows.loc[NIP_A, "unit_id"] == "8ae483c8"
    assert set(rows["opd"]) == {"SD NEGERI 57/V TUNGKAL ILIR", "PUSKESMAS BETARA"}  # UNOR NAMA
    # One instansi in the whole file: no instansi level, the units keep their plain names.
    assert Column.INSTANSI not in roster.columns_present and rows["instansi"].isna().all()


def test_the_upload_shows_which_file_column_became_which_field(tmp_path: Path) -> None:
    con = store.connect(new_database(tmp_path, "t.duckdb"))
    preview = unggah.upload_preview(con, PDM.key, [(siasn_file(), "siasn_20210711.csv")], None, dt.date(2026, 12, 1))
    mapping = preview.mapping.set_index("Kolom berkas")
    assert mapping.loc["NIP BARU", "Dibaca sebagai"] == "NIP"
    assert mapping.loc["NIP LAMA", "Dibaca sebagai"] == "tidak dipakai"
    # Both emails are kept: EMAIL is where the token went, EMAIL GOV the address to suggest.
    assert mapping.loc["EMAIL", "Dibaca sebagai"] == "Email"
    assert mapping.loc["EMAIL GOV", "Dibaca sebagai"] == "Email instansi"
    assert mapping.loc["JENIS PEGAWAI NAMA", "Dibaca sebagai"] == "Jenis ASN"
    # The ID beside the unit's name is the unit's ID (the Peta Unit Kerja matches on it).
    assert mapping.loc["UNOR ID", "Dibaca sebagai"] == "ID unit kerja"
    assert mapping.loc["UNOR ID", "Keterangan"] == "pasangan ID dari UNOR NAMA"
    assert mapping.loc["PNS ID", "Dibaca sebagai"] == "tidak dipakai"
    assert "satu instansi saja" in str(mapping.loc["INSTANSI KERJA NAMA", "Keterangan"])
    assert "diambil dari INSTANSI KERJA NAMA" in str(mapping.loc["INSTANSI INDUK NAMA", "Keterangan"])
    assert len(mapping) == len(SIASN_HEADER)
    con.close()


def test_several_instansi_come_from_instansi_kerja_and_counts_per_jenis_are_exact(tmp_path: Path) -> None:
    roster = read(siasn_file(work=("Kota Jambi", "Kab. Tanjung Jabung Barat")))
    rows = roster.valid_rows.set_index("nip")
    assert rows.loc[NIP_A, "instansi"] == "Kota Jambi" and rows.loc[NIP_B, "instansi"] == "Kab. Tanjung Jabung Barat"
    con = store.connect(new_database(tmp_path, "t.duckdb"))
    ingest_roster(con, roster)
    counts = store.summary_counts(con, by_opd=True).groupby("opd")["total"].sum().to_dict()
    assert counts == {
        "PUSKESMAS BETARA (Kab. Tanjung Jabung Barat)": 1,
        "PUSKESMAS BETARA (Kota Jambi)": 1,
        "SD NEGERI 57/V TUNGKAL ILIR (Kab. Tanjung Jabung Barat)": 1,
        "SD NEGERI 57/V TUNGKAL ILIR (Kota Jambi)": 1,
    }
    pppk = store.summary_counts(con, by_opd=False, jenis_asn=["PPPK"])
    assert int(pppk["total"].iloc[0]) == 2 and int(pppk["done_1"].iloc[0]) == 1
    con.close()


def test_the_operator_can_take_a_field_from_another_column_and_it_is_remembered(tmp_path: Path) -> None:
    con = store.connect(new_database(tmp_path, "t.duckdb"))
    chosen = {Column.OPD: "SATUAN KERJA KERJA NAMA"}
    today = dt.date(2026, 12, 1)
    preview = unggah.upload_preview(con, PDM.key, [(siasn_file(), "siasn_20210711.csv")], None, today, chosen=chosen)
    assert set(preview.roster.valid_rows["opd"]) == {"Dinas Pendidikan"}
    mapping = preview.mapping.set_index("Kolom berkas")
    assert mapping.loc["SATUAN KERJA KERJA NAMA", "Keterangan"] == "dipilih operator sebagai OPD"
    assert mapping.loc["UNOR NAMA", "Keterangan"] == "tidak dipakai: OPD diambil dari SATUAN KERJA KERJA NAMA"
    unggah.commit_upload(con, preview, replace=False, skip_invalid=False, uploaded_by="ani")
    # The next file with the same header is read the same way without asking again ...
    later = unggah.upload_preview(con, PDM.key, [(siasn_file(), "siasn_20210801.csv")], None, today)
    assert set(later.roster.valid_rows["opd"]) == {"Dinas Pendidikan"} and later.choices == chosen
    # ... until the operator goes back to the built-in rules.
    plain = unggah.upload_preview(
        con, PDM.key, [(siasn_file(), "siasn_20210801.csv")], None, today, forget_remembered=True
    )
    assert "PUSKESMAS BETARA" in set(plain.roster.valid_rows["opd"]) and plain.choices == {}
    actions = store.audit_entries(con)
    assert "opd = SATUAN KERJA KERJA NAMA" in set(actions.loc[actions["action"] == "pilih kolom", "detail"])
    con.close()


def test_a_chosen_column_the_file_lacks_is_named() -> None:
    with pytest.raises(RosterError, match="Kolom 'UNIT ESELON' yang dipilih untuk OPD tidak ada di berkas ini"):
        read_rosters([(siasn_file(), "siasn_20210711.csv")], choose=lambda header: {Column.OPD: "UNIT ESELON"})


def test_the_command_line_takes_a_column_choice_and_remembers_it(tmp_path: Path) -> None:
    db, first, second = (
        new_database(tmp_path, "t.duckdb"),
        tmp_path / "siasn_20210711.csv",
        tmp_path / "siasn_20210801.csv",
    )
    first.write_bytes(siasn_file())
    second.write_bytes(siasn_file())
    chosen = run("ingest", str(first), "--db", str(db), "--column", "opd=SATUAN KERJA KERJA NAMA")
    assert chosen.returncode == 0, chosen.stderr
    assert "Kolom dipilih: opd = SATUAN KERJA KERJA NAMA" in chosen.stderr
    again = run("ingest", str(second), "--db", str(db))
    assert again.returncode == 0, again.stderr
    con = store.connect(db, read_only=True)
    assert set(store.opd_choices(con)["opd"]) == {"Dinas Pendidikan"}  # both snapshots, without asking twice
    con.close()
    wrong = run("ingest", str(first), "--db", str(db), "--column", "unit=UNOR NAMA")
    assert wrong.returncode == 2 and "DATA salah satu dari: nip, nama, opd" in wrong.stderr


def run(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pdm_metrics", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
