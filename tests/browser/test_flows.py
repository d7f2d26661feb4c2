"""The main flows in a real browser set to en-US: numbers must still read 3.923 and 72,11%."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page

from pdm_metrics import demo
from pdm_metrics.fmt import format_date
from tests.browser.script_runs import runs_of

JULY_11 = dt.date(2021, 7, 11)

pytestmark = pytest.mark.browser


def wait_idle(page) -> None:  # type: ignore[no-untyped-def]
    """Until Streamlit has finished running the script and drawn the page, as its websocket says
    (script_runs: every page of the `browser` fixture's contexts is followed)."""
    page.wait_for_selector('[data-testid="stApp"]')
    runs = runs_of(page)
    assert runs is not None, "a page opened outside the browser fixture's contexts"
    runs.settled_at(page)


def open_page(page, url: str, label: str | None = None) -> None:  # type: ignore[no-untyped-def]
    if label and not page.get_by_test_id("stTopNav").is_visible():  # a phone: the navigation is in the sidebar
        open_sidebar(page)
        page.get_by_test_id("stSidebarNav").get_by_text(label, exact=True).click()
    elif label:
        section = next(s for s, titles in navigation_sections(page, label).items() if label in titles)
        page.get_by_test_id("stTopNavSection").filter(has_text=re.compile(f"^\\s*{re.escape(section)}\\s*$")).click()
        page.get_by_test_id("stTopNavPopover").get_by_text(label, exact=True).click()
        popover = page.get_by_test_id("stTopNavPopover")
        if popover.is_visible():  # a menu left open would take the page's next click to close it
            page.keyboard.press("Escape")
            popover.wait_for(state="hidden")
    else:
        page.goto(url)
    wait_idle(page)
    assert page.get_by_test_id("stException").count() == 0


def new_page(browser, width: int, height: int = 900):  # type: ignore[no-untyped-def]
    """A fresh browser context (no session, no cookies) of one screen size, set to en-US, and its page."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(30_000)
    return context, page


def open_sidebar(page) -> None:  # type: ignore[no-untyped-def]
    """On a phone the sidebar starts folded away (drawn off the left edge)."""
    content = page.get_by_test_id("stSidebarContent")
    if (content.bounding_box() or {"x": -1})["x"] < 0:
        page.get_by_test_id("stExpandSidebarButton").click()
        page.wait_for_timeout(600)  # the sidebar slides in


def close_sidebar(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_test_id("stSidebar").get_by_test_id("stSidebarCollapseButton").locator("button").click()
    wait_idle(page)


# Every visible element of the page's main part that reaches past the viewport's right edge
# (what a reader would have to scroll sideways to see), as "tag or test id: right edge".
_WIDER_THAN_VIEWPORT = """() => [...document.querySelectorAll('[data-testid=stMain] *')]
    .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0
                   && r.right > window.innerWidth + 1; })
    .map(e => (e.getAttribute('data-testid') || e.tagName) + ': ' + Math.round(e.getBoundingClientRect().right))"""


def elements_wider_than_viewport(page) -> list[str]:  # type: ignore[no-untyped-def]
    return list(page.evaluate(_WIDER_THAN_VIEWPORT))


def navigation_sections(page, looking_for: str | None = None) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """The top navigation's sections and the page titles in each (each section opened in turn;
    with `looking_for`, up to the section holding that page). The sections are found by name once
    the page has settled: a rerun redraws the navigation."""
    wait_idle(page)
    sections, found = page.get_by_test_id("stTopNavSection"), {}
    for name in dict.fromkeys(text.strip() for text in sections.all_inner_texts()):
        sections.filter(has_text=re.compile(f"^\\s*{re.escape(name)}\\s*$")).first.click()
        popover = page.get_by_test_id("stTopNavPopover")
        popover.wait_for()
        links = popover.get_by_test_id("stTopNavDropdownLink").all_inner_texts()
        found[name] = [link.split("\n")[-1].strip() for link in links]
        page.keyboard.press("Escape")
        popover.wait_for(state="hidden")
        if looking_for in found[name]:
            break
    return found


def navigation_text(page) -> str:  # type: ignore[no-untyped-def]
    """Every page title the navigation offers, one per line ("" when there is no navigation)."""
    return "\n".join(title for titles in navigation_sections(page).values() for title in titles)


def choose(page, label: str, option: str) -> None:  # type: ignore[no-untyped-def]
    box = page.get_by_test_id("stSelectbox").filter(has_text=label).first
    box.click()
    page.keyboard.type(option)  # the option list is virtualised: filter it first
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page)


def main_text(page: Page) -> str:
    return page.get_by_test_id("stMain").inner_text()


def test_walk_every_page_in_an_en_us_browser(page, server_url: str, screenshot_dir: Path) -> None:  # type: ignore[no-untyped-def]
    open_page(page, server_url)
    choose(page, "Tanggal snapshot", "11 Juli 2021")
    text = main_text(page)
    assert "72,11%" in text and "2.829 dari 3.923" in text and "Ringkasan PDM · 11 Juli 2021" in text
    assert "72.11" not in text and "2,829" not in text
    page.screenshot(path=str(screenshot_dir / "ringkasan.png"))
    page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").filter(has_text="OPD").click()
    page.get_by_role("option").first.wait_for()  # the list opens a moment after the click
    options = page.get_by_role("option").all_inner_texts()[:4]
    assert options == ["Badan Kesbangpol", "Bapenda", "Bappeda", "BKPSDM"]  # reading order, no "Select all"
    page.keyboard.press("Escape")

    open_page(page, server_url, "Tren & Tenggat")
    page.wait_for_selector(".js-plotly-plot")
    chart = page.locator(".js-plotly-plot").first.inner_text()
    assert "Tenggat Aktivasi: 31 Agustus 2021" in chart and "Target 100%" in chart and "Jul 2021" in chart
    page.screenshot(path=str(screenshot_dir / "tren.png"))

    open_page(page, server_url, "OPD")
    page.wait_for_selector(".js-plotly-plot")
    assert "41,38%" in page.locator(".js-plotly-plot").first.inner_text()
    page.screenshot(path=str(screenshot_dir / "opd.png"))
    choose(page, "Pilih OPD", "Dinas Perikanan")
    assert "Belum aktivasi (17)" in main_text(page)
    page.get_by_text("Belum aktivasi (17)").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "opd-rincian.png"))

    open_page(page, server_url, "Data & Unduh")
    page.get_by_role("button", name="Unduh XLSX").wait_for()
    assert "3.923 ASN" in main_text(page)
    page.screenshot(path=str(screenshot_dir / "data.png"))

    open_page(page, server_url, "Unggah Snapshot")
    assert "Pilih berkas snapshot" in main_text(page)
    page.screenshot(path=str(screenshot_dir / "unggah.png"))

    # The chart pages on a phone: readable, with no error and no chart toolbar over the titles.
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("tren", "opd"):  # their screenshots: tests/browser/test_phone.py
        page.goto(f"{server_url}/{path}")
        wait_idle(page)
        page.wait_for_selector(".js-plotly-plot")
        assert page.get_by_test_id("stException").count() == 0
        assert page.locator(".modebar").count() == 0


def test_download_a_filtered_xlsx_and_check_its_rows(page, server_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    open_page(page, server_url)
    choose(page, "Tanggal snapshot", "11 Juli 2021")
    open_page(page, server_url, "Data & Unduh")
    choose(page, "Status Aktivasi", "Belum")
    assert "1.094 ASN" in main_text(page)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Unduh XLSX").click()
    target = tmp_path / "unduhan.xlsx"
    download_info.value.save_as(target)
    sheet = openpyxl.load_workbook(target).active
    header = [c.value for c in sheet[4]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=5)]
    assert len(rows) == 1094
    assert {r["Status Aktivasi"] for r in rows} == {"Belum"}
    assert all(isinstance(r["NIP"], str) and len(r["NIP"]) == 18 for r in rows)
    assert "11 Juli 2021" in sheet["A1"].value and "aktivasi Belum" in sheet["A2"].value


def snapshot_options(page: Page) -> list[str]:
    """The dates the sidebar's snapshot picker offers."""
    page.get_by_test_id("stSelectbox").filter(has_text="Tanggal snapshot").first.click()
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    return options


SAPK_HEADERS = {
    "nip": "NIP BARU",
    "nama": "NAMA",
    "opd": "UNIT KERJA",
    "jenis_asn": "JENIS PEGAWAI",
    "status_1": "STATUS AKTIVASI",  # PDM 2021's stages by slot: aktivasi, pdm, verifikasi
    "date_1": "TGL AKTIVASI",
    "email": "EMAIL",
    "status_2": "STATUS PDM",
    "status_3": "STATUS VERIFIKASI",
}


def export_file(path: Path, day: dt.date, rows: int | None = None, without: tuple[str, ...] = ()) -> Path:
    """A real-shaped roster export of the sample's people on `day` (a title row, SAPK headers)."""
    frame = demo.snapshot_frame(demo.sample_people(), day).drop(columns=list(without))
    frame = frame.head(rows) if rows else frame
    body = frame.rename(columns=SAPK_HEADERS).to_csv(index=False)
    path.write_text(f"DAFTAR ASN Keadaan per {format_date(day)}\n{body}", encoding="utf-8")
    return path


def upload_file(page: Page, url: str, path: Path) -> None:
    open_page(page, url, "Unggah Snapshot")
    page.locator('input[type="file"]').set_input_files(str(path))
    page.get_by_text("Baris akan disimpan").wait_for()
    wait_idle(page)


def save_upload(page: Page, said: str) -> None:
    """Press Simpan snapshot and wait for the page to say the snapshot is stored."""
    page.get_by_role("button", name="Simpan snapshot").click()
    page.get_by_text(said).wait_for()


def test_a_fresh_install_from_the_sample_to_real_data_that_is_checked_before_it_is_saved(  # type: ignore[no-untyped-def]
    page, fresh_server_url: str, tmp_path: Path, screenshot_dir: Path
) -> None:
    open_page(page, fresh_server_url)
    assert "data contoh" in main_text(page) and "31 Desember 2021" in snapshot_options(page)

    # The July export (3.923 ASN) on a date the sample has too: saved with one click.
    upload_file(page, fresh_server_url, export_file(tmp_path / "rekap_juli.csv", JULY_11))
    assert "sudah ada" not in main_text(page) and "Periksa sebelum menyimpan" not in main_text(page)
    page.screenshot(path=str(screenshot_dir / "unggah-periksa.png"))
    save_upload(page, "Snapshot 11 Juli 2021 tersimpan: 3.923 ASN")
    open_page(page, fresh_server_url, "Ringkasan")
    text = main_text(page)
    assert "Ringkasan PDM · 11 Juli 2021" in text and "72,11%" in text and "2.829 dari 3.923" in text
    assert "data contoh" not in text  # no sample banner
    assert snapshot_options(page) == ["11 Juli 2021"]  # no sample date in the picker
    page.screenshot(path=str(screenshot_dir / "ringkasan.png"), full_page=True)

    # 100 rows of October without an email column: flagged, naming both counts, before it can be saved.
    part = export_file(tmp_path / "rekap_oktober.csv", dt.date(2021, 10, 1), rows=100, without=("email",))
    upload_file(page, fresh_server_url, part)
    text = main_text(page)
    assert "Berkas ini memuat 100 ASN; snapshot 11 Juli 2021 memuat 3.923 ASN" in text
    assert page.get_by_role("button", name="Simpan snapshot").is_disabled()
    page.screenshot(path=str(screenshot_dir / "unggah-peringatan.png"), full_page=True)
    page.get_by_text("Saya sudah memeriksa").click()
    wait_idle(page)
    save_upload(page, "Snapshot 1 Oktober 2021 tersimpan: 100 ASN")

    # Risiko email on that file says the column is absent (never "Email kosong").
    open_page(page, fresh_server_url, "Tindak Lanjut")
    page.get_by_role("tab", name="Risiko email").click()
    wait_idle(page)
    text = main_text(page)
    assert "tidak memuat kolom email: risiko email tidak tersedia" in text and "Email kosong" not in text


def test_follow_up_pages_and_pdf_report(page, server_url: str, tmp_path: Path, screenshot_dir: Path) -> None:  # type: ignore[no-untyped-def]
    open_page(page, server_url)
    choose(page, "Tanggal snapshot", "11 Juli 2021")

    open_page(page, server_url, "Perubahan")
    assert "Dari 28 Juni 2021 sampai 11 Juli 2021" in main_text(page)
    page.screenshot(path=str(screenshot_dir / "perubahan.png"))

    open_page(page, server_url, "Tindak Lanjut")
    page.get_by_text("Dinas Perikanan: 17 dari 29 ASN").click()
    page.get_by_text("Tindak lanjut PDM – Dinas Perikanan").first.wait_for()
    page.get_by_text("Tindak lanjut PDM – Dinas Perikanan").first.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "tindak-lanjut.png"))
    page.get_by_role("tab", name="Risiko email").click()
    wait_idle(page)
    assert "Bukan email instansi" in main_text(page)
    page.screenshot(path=str(screenshot_dir / "risiko-email.png"))

    open_page(page, server_url, "Profil NIP")
    page.wait_for_selector(".js-plotly-plot")
    page.screenshot(path=str(screenshot_dir / "profil.png"))

    open_page(page, server_url, "Kalender Regulasi")
    assert "Belum ada perpanjangan tercatat." in main_text(page)
    page.screenshot(path=str(screenshot_dir / "kalender.png"))

    open_page(page, server_url, "Laporan PDF")
    page.get_by_role("button", name="Buat laporan PDF").click()
    page.get_by_text("Laporan snapshot 11 Juli 2021 siap.").wait_for()
    page.screenshot(path=str(screenshot_dir / "laporan.png"))
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Unduh laporan (PDF)").click()
    target = tmp_path / "laporan.pdf"
    download_info.value.save_as(target)
    assert target.read_bytes().startswith(b"%PDF") and target.stat().st_size > 20_000


def test_a_siasn_export_shows_its_column_mapping_and_the_units_left_out_of_the_map(  # type: ignore[no-untyped-def]
    page, fresh_server_url: str, tmp_path: Path, screenshot_dir: Path
) -> None:
    from tests.test_siasn import siasn_file

    roster = tmp_path / "siasn_20210711.csv"
    roster.write_bytes(siasn_file())
    open_page(page, fresh_server_url)
    upload_file(page, fresh_server_url, roster)
    # The mapping opens by itself: SIASN's file has columns whose use needs a word (pairs, one instansi).
    mapping = page.get_by_test_id("stExpander").filter(has_text="Kolom berkas → kolom Pantau PDM")
    assert mapping.get_by_test_id("stDataFrame").is_visible()
    page.screenshot(path=str(screenshot_dir / "unggah-siasn.png"), full_page=True)
    save_upload(page, "Snapshot 11 Juli 2021 tersimpan: 4 ASN")

    peta = tmp_path / "peta.csv"
    peta.write_text("UNOR NAMA;OPD\nSD NEGERI 57/V TUNGKAL ILIR;Dinas Pendidikan\n", encoding="utf-8")
    open_page(page, fresh_server_url, "Peta Unit Kerja")
    page.locator('input[type="file"]').set_input_files(str(peta))
    page.get_by_text("Peta dari peta.csv dimuat").wait_for()  # one step: applied as it is chosen
    wait_idle(page)
    text = main_text(page)
    assert "Unit sudah dipetakan\n\n1" in text and "1 unit, 2 ASN" in text  # the grid itself is a canvas
    page.screenshot(path=str(screenshot_dir / "peta-unit.png"), full_page=True)

    open_page(page, fresh_server_url, "Ringkasan")
    text = main_text(page)
    assert "1 unit belum dipetakan ke OPD: PUSKESMAS BETARA (2 ASN)" in text
    page.screenshot(path=str(screenshot_dir / "ringkasan-peta.png"), full_page=True)


def test_a_workbook_built_to_expand_is_refused_on_the_page_and_the_server_lives_on(  # type: ignore[no-untyped-def]
    page, fresh_server_url: str, tmp_path: Path, screenshot_dir: Path
) -> None:
    """Uploaded through the browser, the 0,3 MB workbook that would take 3,9 GB is refused with
    its figures before it is parsed; the same server then draws Ringkasan as before."""
    from tests.hostile_workbooks import shared_string_bomb

    bomb = tmp_path / "rekap_20210801.xlsx"
    bomb.write_bytes(shared_string_bomb())
    open_page(page, fresh_server_url)
    open_page(page, fresh_server_url, "Unggah Snapshot")
    page.locator('input[type="file"]').set_input_files(str(bomb))
    page.get_by_text("memori untuk dibaca").wait_for()
    wait_idle(page)
    text = main_text(page)
    assert "sekitar 3,9 GB" in text and "batas 1,5 GB" in text and "Baris akan disimpan" not in text
    page.screenshot(path=str(screenshot_dir / "unggah-ditolak-memori.png"), full_page=True)
    open_page(page, fresh_server_url, "Ringkasan")
    assert "3.923" in main_text(page)
