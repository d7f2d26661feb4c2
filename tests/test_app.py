"""Every page through Streamlit's AppTest, on the sample data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button

from pdm_metrics import store
from pdm_metrics.fmt import format_int
from pdm_metrics.schema import Column
from tests.apptest import figure_of, open_app
from tests.conftest import shown
from tests.files import HEADER, ROWS, csv_bytes, xlsx_bytes
from tests.pdm_2021 import ACTIVATION, PDM, VERIFICATION
from ui.widgets import lazy_key

ROOT = Path(__file__).resolve().parent.parent
JULY_11 = dt.date(2021, 7, 11)


def texts(at: AppTest) -> str:
    return shown(
        "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.title])
    )


def test_ringkasan_shows_the_known_figure_on_11_july_2021(app_db: Path) -> None:
    at = open_app(snapshot=JULY_11)
    assert "Ringkasan PDM · 11 Juli 2021" in texts(at)
    metrics = {m.label: m for m in at.metric}
    assert metrics["Aktivasi"].value == "72,11%"
    assert metrics["PDM"].value == "tidak tersedia"
    assert "2.829 dari 3.923" in texts(at)
    assert "Tenggat 31 Agustus 2021: 51 hari lagi" in texts(at)
    assert metrics["Aktivasi"].delta == "+17,51 poin"  # 54,60% on 28 Juni 2021
    assert "data contoh" in shown(at.warning[0].value)


def test_ringkasan_lowest_and_highest_opd_and_full_table(app_db: Path) -> None:
    at = open_app(snapshot=JULY_11)
    at_risk, lowest, highest, table = (d.value for d in at.dataframe[:4])
    assert list(at_risk.columns) == ["OPD", "Tahap", "Persentase", "Proyeksi saat tenggat", "Keterangan"]
    assert list(lowest.columns) == ["OPD", "Aktivasi", "Belum aktivasi", "Jumlah ASN"] and len(lowest) == 5
    assert lowest.iloc[0]["OPD"] == "Dinas Perikanan" and lowest.iloc[0]["Aktivasi"] == "41,38% (12)"
    assert highest.iloc[0]["OPD"] == "Dinas Koperasi dan UKM"
    assert len(table) == 45
    assert table["Aktivasi (bar)"].is_monotonic_increasing


def test_filters_carry_across_pages(app_db: Path) -> None:
    at = open_app(snapshot=JULY_11)
    at.multiselect(key="jenis_filter").set_value(["PPPK"])
    at.run()
    at.switch_page("app_pages/data.py")
    at.run()
    assert at.selectbox(key="snapshot").value == JULY_11
    table = at.dataframe[0].value
    assert set(table["Jenis ASN"]) == {"PPPK"}


def test_tren_chart_has_phase_bands_deadline_lines_and_target(app_db: Path) -> None:
    at = open_app("app_pages/tren.py")
    figure = figure_of(at)
    names = {shape.get("name") for shape in figure["layout"]["shapes"]}
    assert {"fase aktivasi", "fase pdm", "fase verifikasi", "tenggat aktivasi", "tenggat pdm",
            "tenggat verifikasi", "target 100%"} <= names  # fmt: skip
    # The deadlines are named in the legend (it wraps on a phone; labels in the plot lay over the curves).
    legend = {t["name"] for t in figure["data"]}
    assert {"Tenggat Aktivasi: 31 Agustus 2021", "Tenggat PDM: 14 September 2021",
            "Tenggat Verifikasi: 31 Desember 2021"} <= legend  # fmt: skip
    assert "Target 100%" in {a["text"] for a in figure["layout"]["annotations"]}
    assert figure["layout"]["separators"] == ",."
    traces = {t["name"]: t for t in figure["data"]}
    assert {"Aktivasi", "PDM", "Verifikasi"} <= set(traces)
    assert any(name.startswith("Aktivasi harian") for name in traces)
    july = [h for h in traces["Aktivasi"]["hovertext"] if h.startswith("11 Juli 2021")]
    assert july == ["11 Juli 2021<br>Aktivasi: 72,11%<br>2.829 dari 3.923"]


def test_tren_compare_one_opd(app_db: Path) -> None:
    at = open_app("app_pages/tren.py")
    at.selectbox(key="compare_opd").set_value("bkpsdm")
    at.run()
    names = [t["name"] for t in figure_of(at)["data"]]
    assert "BKPSDM: Aktivasi" in names


def test_opd_page_ranking_heatmap_and_drilldown(app_db: Path, sample_con: store.Connection) -> None:
    at = open_app("app_pages/opd.py", snapshot=JULY_11)
    ranking = figure_of(at, 0)
    bars = ranking["data"][0]
    assert len(bars["y"]) == 45 and bars["y"][0] == "Dinas Perikanan" and bars["text"][0] == "41,38%"
    assert len(at.get("plotly_chart")) == 1  # the heatmap's tab is not drawn until it is chosen
    at.session_state["opd_chart_tab"] = "Peta panas OPD × tanggal"
    at.run()
    heatmap = figure_of(at, 0)["data"][0]
    assert heatmap["type"] == "heatmap" and len(heatmap["x"]) == 16 and "11 Juli 2021" in heatmap["x"]
    at.selectbox(key="opd_detail").set_value("dinas perikanan")
    at.run()
    missing = at.dataframe[0].value
    expected = store.roster_rows(
        sample_con, JULY_11, store.RosterFilter(opd_keys=("dinas perikanan",), done=((1, False),))
    )
    assert sorted(missing["NIP"]) == sorted(expected["nip"]) and len(missing) == 17
    assert "Status PDM tidak ada di berkas snapshot ini." in [shown(i.value) for i in at.info]


def test_data_page_filters_statuses(app_db: Path) -> None:
    at = open_app("app_pages/data.py", snapshot=JULY_11)
    at.selectbox(key="data_pdm-2021_aktivasi").set_value("Belum")
    at.run()
    table = at.dataframe[0].value
    assert len(table) == 3923 - 2829 and set(table["Status Aktivasi"]) == {"Belum"}
    assert "1.094 ASN" in texts(at)
    assert len(at.get("download_button")) == 2


def test_upload_of_a_real_xlsx_shows_everywhere(app_db: Path) -> None:
    rows = [[*HEADER, "TGL AKTIVASI"], [*ROWS[0], "01/01/2022"], [*ROWS[1], ""], [*ROWS[2], "02/01/2022"]]
    at = open_app("app_pages/unggah.py")
    at.file_uploader[0].set_value(("rekap_20220105.xlsx", xlsx_bytes(rows), "application/octet-stream"))
    at.run()
    assert at.date_input[0].value == dt.date(2022, 1, 5)
    assert {m.label: m.value for m in at.metric}["Baris akan disimpan"] == "3"
    save_button(at).click()
    at.run()
    assert not at.exception
    assert "Snapshot 5 Januari 2022 tersimpan: 3 ASN, 2 sudah aktivasi" in shown(at.success[0].value)
    at.switch_page("app_pages/ringkasan.py")
    at.run()
    assert {m.label: m.value for m in at.metric}["Aktivasi"] == "66,67%"
    assert "2 dari 3" in texts(at)


def test_upload_of_a_bad_file_reports_rows_and_stores_nothing(app_db: Path) -> None:
    before = len(store.list_snapshots(store.connect(app_db, read_only=False)))
    st.cache_resource.clear()
    data = csv_bytes([HEADER, ROWS[0], ["123", "X", "Dinas A", "Entah"]])
    at = open_app("app_pages/unggah.py")
    at.file_uploader[0].set_value(("rekap_20220105.csv", data, "text/csv"))
    at.run()
    report = next(d.value for d in at.dataframe if "Alasan" in d.value.columns)
    assert list(report.columns) == ["Sumber", "Baris", "Kolom", "Nilai", "Alasan", "Tingkat"]
    assert set(report["Baris"]) == {3}
    assert save_button(at).disabled  # strict: nothing can be stored until the user chooses
    assert "Ada 2 galat" in shown(at.error[0].value)
    at.checkbox[0].check()
    at.run()
    assert not save_button(at).disabled
    assert len(store.list_snapshots(ui_connection())) == before


def test_upload_of_an_unreadable_file_gives_a_clear_error(app_db: Path) -> None:
    at = open_app("app_pages/unggah.py")
    at.file_uploader[0].set_value(("rekap.xlsx", b"bukan excel", "application/octet-stream"))
    at.run()
    assert "bukan berkas Excel yang sah" in shown(at.error[0].value)
    assert not at.exception


def test_with_several_files_a_refusal_names_its_file(app_db: Path) -> None:
    at = open_app("app_pages/unggah.py")
    good = ("rekap_20210711.csv", csv_bytes([HEADER, *ROWS]), "text/csv")
    at.file_uploader[0].set_value([good, ("dinkes.xlsx", b"bukan excel", "application/octet-stream")])
    at.run()
    message = shown(at.error[0].value)
    assert message.startswith("Berkas dinkes.xlsx bukan berkas Excel yang sah"), message
    at.file_uploader[0].set_value([good, ("kosong.csv", b"  ", "text/csv")])
    at.run()
    assert "kosong.csv" in shown(at.error[0].value) and not at.exception


def test_a_file_with_no_valid_row_is_refused_without_asking_a_date(app_db: Path) -> None:
    rows = [[f"12345{i:02d}", f"Pegawai {i}", "Dinas A", "Belum"] for i in range(5)]
    at = upload(open_app("app_pages/unggah.py"), "nip_number.csv", csv_bytes([HEADER, *rows]))
    assert any("Tidak ada satu baris pun yang valid" in shown(e.value) for e in at.error)
    assert not at.date_input and not any(b.label == "Simpan snapshot" for b in at.button)
    assert not at.exception


def save_button(at: AppTest) -> Button:
    return next(b for b in at.button if b.label == "Simpan snapshot")


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader[0].set_value((name, data, "application/octet-stream"))
    at.run()
    return at


def test_replacing_an_existing_date_asks_first(app_db: Path) -> None:
    at = upload(open_app("app_pages/unggah.py"), "rekap_20210711.csv", csv_bytes([HEADER, *ROWS]))
    save_button(at).click()
    at.run()
    at = upload(at, "rekap_20210711.csv", csv_bytes([HEADER, *ROWS]))
    assert any("sudah ada" in shown(w.value) for w in at.warning)
    assert save_button(at).disabled
    at.checkbox[0].check()
    at.run()
    save_button(at).click()
    at.run()
    assert "tersimpan: 3 ASN" in shown(at.success[0].value)


def test_a_fresh_install_builds_the_sample_in_a_file_of_its_own(streamlit_db: Path) -> None:
    at = open_app()
    assert "3.923 ASN" in texts(at) and "31 Desember 2021" in texts(at)  # the latest sample snapshot
    assert streamlit_db.with_name("app-contoh.duckdb").exists()
    assert store.snapshot_dates(ui_connection()) == []  # nothing of it in the real database
    st.cache_resource.clear()


def ui_connection() -> store.Connection:
    from ui import cache

    return cache.connection()


def test_the_first_real_upload_takes_one_click_and_the_sample_goes_away(app_db: Path) -> None:
    at = open_app()
    assert "data contoh" in shown(at.warning[0].value) and len(at.selectbox(key="snapshot").options) == 16
    at.switch_page("app_pages/unggah.py")
    at.run()
    # 11 Juli 2021 is a sample date too: the sample lives apart, so nothing asks to replace it.
    at = upload(at, "rekap_20210711.csv", csv_bytes([HEADER, *ROWS]))
    assert not save_button(at).disabled and not at.checkbox
    save_button(at).click()
    at.run()
    assert "Snapshot 11 Juli 2021 tersimpan: 3 ASN" in shown(at.success[0].value)
    assert not at.warning  # no sample banner
    at.switch_page("app_pages/ringkasan.py")
    at.run()
    assert "3 ASN" in texts(at) and not at.warning
    assert at.selectbox(key="snapshot").options == ["11 Juli 2021"]
    at.toggle(key="show_sample").set_value(True)  # deliberately, the whole dashboard switches
    at.run()
    assert "data contoh" in shown(at.warning[0].value) and "3.923 ASN" in texts(at)
    at.toggle(key="show_sample").set_value(False)
    at.run()
    assert not at.warning and at.selectbox(key="snapshot").options == ["11 Juli 2021"]
    assert store.snapshot_dates(ui_connection()) == [JULY_11]  # the real database holds the real snapshot only


def test_perubahan_page(app_db: Path) -> None:
    at = open_app("app_pages/perubahan.py", snapshot=dt.date(2021, 11, 8))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["ASN masuk"] == "14"  # the new PPPK appear between 25 Oktober and 8 November
    assert "Dari 25 Oktober 2021 sampai 8 November 2021" in texts(at)


def test_tindak_lanjut_page_messages_and_sanctions(app_db: Path) -> None:
    at = open_app("app_pages/tindak_lanjut.py", snapshot=JULY_11)
    assert len(at.main.expander) == 45
    assert not at.main.code  # a message is drawn when its OPD is opened
    at.session_state[lazy_key("followup_opd", "Dinas Perikanan")] = True
    at.run()
    messages = [c.value for c in at.main.code]
    assert len(messages) == 1 and "Dinas Perikanan" in messages[0] and "17 dari 29 ASN" in messages[0]
    assert "belum lewat" not in " ".join(shown(i.value) for i in at.info)  # a hidden tab is not drawn
    at.session_state["followup_tab"] = "Sanksi"
    at.run()
    assert "belum lewat" in " ".join(shown(i.value) for i in at.info)  # 31 Agustus is still ahead
    assert not at.main.code  # nor is the per-OPD tab once another is chosen


def test_tindak_lanjut_opens_on_the_stage_still_open(app_db: Path) -> None:
    at = open_app("app_pages/tindak_lanjut.py", snapshot=dt.date(2021, 9, 27))  # activation and PDM are over
    assert at.button_group[0].value == VERIFICATION.key
    first_opd = at.main.expander[0].label.split(":")[0]
    at.session_state[lazy_key("followup_opd", first_opd)] = True
    at.run()
    assert f"belum {VERIFICATION.action}" in at.main.code[0].value
    at.selectbox(key="snapshot").set_value(JULY_11)
    at.run()
    assert at.button_group[0].value == ACTIVATION.key


def test_tindak_lanjut_asks_for_a_narrower_selection_when_too_many_units(
    app_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pdm_metrics.views.tindak_lanjut.MAX_LISTED_UNITS", 40)  # the sample has 45 OPD
    at = open_app("app_pages/tindak_lanjut.py", snapshot=JULY_11)
    assert "mencakup 45 OPD" in shown(at.info[0].value) and not at.main.expander


def test_a_long_table_shows_its_first_rows_and_downloads_all(app_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pdm_metrics.views.data.SHOWN_ROWS", 1000)
    at = open_app("app_pages/data.py", snapshot=JULY_11)
    assert len(at.dataframe[0].value) == 1000
    assert "Ditampilkan 1.000 baris pertama dari 3.923" in texts(at) and "3.923 ASN" in texts(at)


def test_a_long_laptop_table_shows_its_worst_rows_and_says_so(app_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ringkasan's table of every OPD, cut for the browser (nationally 30.000 rows): the first rows
    of its order (lowest first), and a caption that names the cut and where every row is."""
    at = open_app()
    every_opd = at.dataframe[-1].value
    monkeypatch.setattr("ui.phone.SHOWN_ROWS", 10)
    at.run()
    shown_rows = at.dataframe[-1].value
    assert len(every_opd) == 45 and len(shown_rows) == 10
    assert shown_rows["OPD"].tolist() == every_opd["OPD"].head(10).tolist()
    assert "Ditampilkan 10 baris teratas dari 45; baris lainnya ada di unduhan." in texts(at)


def test_a_long_pace_table_is_written_out_as_far_as_it_is_shown(app_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tren's Laju & proyeksi table (nationally 90.000 rows) is written out only as far as the
    laptop shows it: its first rows, in the whole table's order, with a caption naming the cut."""
    at = open_app("app_pages/tren.py")
    whole = at.dataframe[-1].value
    st.cache_data.clear()
    monkeypatch.setattr("pdm_metrics.views.tren.SHOWN_ROWS", 10)
    at.run()
    shown_rows = at.dataframe[-1].value
    assert len(whole) > 100 and len(shown_rows) == 10
    assert shown_rows[["OPD", "Tahap", "Status"]].equals(whole[["OPD", "Tahap", "Status"]].head(10))
    rows = format_int(len(whole))
    assert f"Ditampilkan 10 baris teratas dari {rows}; baris lainnya ada di unduhan." in texts(at)
    assert f"Ditampilkan 10 baris teratas dari {rows}; baris lainnya di layar lebar dan di unduhan." in texts(at)


def test_profil_and_laporan_pages(app_db: Path) -> None:
    at = open_app("app_pages/profil.py")
    assert len(at.get("plotly_chart")) == 4
    at.switch_page("app_pages/laporan.py")
    at.run()
    at.button[0].click()
    at.run()
    assert not at.exception
    assert "Laporan snapshot 31 Desember 2021 siap." in shown(at.success[0].value)
    assert at.get("download_button")


def test_kalender_page_records_an_extension(app_db: Path) -> None:
    at = open_app("app_pages/kalender.py")
    assert "Belum ada perpanjangan tercatat." in [shown(i.value) for i in at.info]
    at.date_input[0].set_value(dt.date(2021, 10, 31))
    at.text_input[0].set_value("12998/B-SI.01.01/SD/EIII/2021")
    at.date_input[1].set_value(dt.date(2021, 9, 13))
    at.selectbox(key="ext_phase").set_value("pdm")
    at.button[0].click()
    at.run()
    assert not at.exception
    phases = at.dataframe[0].value.set_index("Fase")
    assert phases.loc["Pemutakhiran data mandiri (PDM)", "Berakhir (berlaku)"] == "31 Oktober 2021"
    at.switch_page("app_pages/tren.py")
    at.run()
    assert "Tenggat PDM: 31 Oktober 2021" in {t["name"] for t in figure_of(at)["data"]}


def test_a_partial_file_is_flagged_and_saved_only_when_confirmed(app_db: Path) -> None:
    full = [HEADER, *ROWS, *[[f"19900101202012{i:04d}", f"Pegawai {i}", "Dinas Sosial", "Sudah"] for i in range(1, 8)]]
    at = upload(open_app("app_pages/unggah.py"), "rekap_20210920.csv", csv_bytes(full))
    save_button(at).click()
    at.run()
    at = upload(at, "rekap_20211001.csv", csv_bytes([HEADER, *ROWS]))
    notices = [shown(w.value) for w in at.warning]
    assert any("Berkas ini memuat 3 ASN; snapshot 20 September 2021 memuat 10 ASN" in n for n in notices)
    assert any("Dinas Sosial" in n for n in notices)  # the OPD that vanished
    assert save_button(at).disabled  # not before the operator confirms
    at.checkbox[0].check()
    at.run()
    save_button(at).click()
    at.run()
    assert "Snapshot 1 Oktober 2021 tersimpan: 3 ASN" in shown(at.success[0].value)
    entry = store.audit_entries(ui_connection()).iloc[-1]
    assert entry["action"] == "konfirmasi peringatan" and "memuat 3 ASN" in entry["detail"]


def test_pages_the_data_choices_do_not_apply_to_show_none_and_keep_them(app_db: Path) -> None:
    at = open_app(snapshot=JULY_11)
    at.switch_page("app_pages/unggah.py")
    at.run()
    assert not at.sidebar.selectbox and not at.sidebar.multiselect  # no filter that does nothing here
    at.switch_page("app_pages/ringkasan.py")
    at.run()
    assert at.selectbox(key="snapshot").value == JULY_11  # the choice came back with the page
    assert "Ringkasan PDM · 11 Juli 2021" in texts(at)


def test_the_upload_page_shows_the_column_mapping_and_takes_another_column(app_db: Path) -> None:
    from tests.test_siasn import siasn_file

    at = upload(open_app("app_pages/unggah.py"), "siasn_20210711.csv", siasn_file())
    mapping = at.dataframe[0].value.set_index("Kolom berkas")
    assert (
        mapping.loc["NIP BARU", "Dibaca sebagai"] == "NIP"
        and mapping.loc["NIP LAMA", "Dibaca sebagai"] == "tidak dipakai"
    )
    at.selectbox(key="pick_field").set_value(Column.OPD)
    at.selectbox(key="pick_header").set_value("SATUAN KERJA KERJA NAMA")
    next(b for b in at.button if b.label == "Pakai kolom ini").click()
    at.run()
    mapping = at.dataframe[0].value.set_index("Kolom berkas")
    assert mapping.loc["SATUAN KERJA KERJA NAMA", "Dibaca sebagai"] == "OPD"
    assert mapping.loc["UNOR NAMA", "Dibaca sebagai"] == "tidak dipakai"


def test_dates_stored_before_they_were_refused_still_draw_every_time_axis(app_db: Path) -> None:
    """A database written before impossible dates were refused at ingest may hold a snapshot dated
    0021 or 9999 (a typo): Tren, Ringkasan and the PDF draw (the axis ticks thin out to at most 24
    and stop at the calendar's end) instead of raising OverflowError or running for minutes."""
    from pdm_metrics.views import common, laporan

    sample = app_db.with_name("contoh.duckdb")
    con = store.connect(sample)
    con.execute("UPDATE snapshots SET snapshot_date = DATE '0021-07-11' WHERE id = (SELECT min(id) FROM snapshots)")
    con.execute("UPDATE snapshots SET snapshot_date = DATE '9999-12-31' WHERE id = (SELECT max(id) FROM snapshots)")
    day, pdf = laporan.report_pdf(
        con, common.calendar_in_force(con, PDM), common.Filters(dt.date(9999, 12, 31), ()), dt.date(2026, 12, 1)
    )
    con.close()
    assert day == dt.date(9999, 12, 31) and pdf.startswith(b"%PDF")
    for page in ("app_pages/tren.py", "app_pages/ringkasan.py"):
        at = open_app(page)
        assert "31 Desember 9999" in texts(at) or at.selectbox(key="snapshot").value == dt.date(9999, 12, 31)


def test_a_run_asks_each_database_for_its_data_and_version_once(app_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every cached view needs to know which data show and their version; a run asks once (on a
    lake each question is a round trip to the catalog), and an upload is seen on the next run."""
    asked: list[str] = []

    def counted(name: str) -> Callable[..., object]:
        original = getattr(store, name)

        def ask(*args: object) -> object:
            asked.append(name)
            return original(*args)

        return ask

    for name in ("snapshot_dates", "data_version"):
        monkeypatch.setattr(store, name, counted(name))
    at = open_app(page="app_pages/opd.py")
    asked.clear()
    at.run()
    # Once per database: whether real data exist, the sample's version (shown), the real one's (its
    # deadline extensions count whatever shows).
    assert sorted(asked) == ["data_version", "data_version", "snapshot_dates"]
    assert any("data contoh" in shown(w.value) for w in at.warning)
    con = store.connect(app_db)
    from pdm_metrics.ingest import ingest_roster
    from pdm_metrics.roster import read_roster

    ingest_roster(con, read_roster(csv_bytes([HEADER, *ROWS]), "rekap_20210711.csv"))
    con.close()
    at.run()
    assert not any("data contoh" in shown(w.value) for w in at.warning)  # the real snapshot shows
    assert at.selectbox(key="snapshot").value == JULY_11
