"""A phone and a laptop in a real Chromium: the four pages a head reads fit the screen (no element
reaches past its right edge), a shared address opens the same view in a fresh browser, and a
SIASN export with its map puts the follow-up names under their schools."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.test_flows import (
    choose,
    elements_wider_than_viewport,
    main_text,
    new_page,
    open_page,
    save_upload,
    upload_file,
    wait_idle,
)
from tests.files import NIP_A, NIP_B, NIP_C, csv_bytes
from tests.test_siasn import NIP_D, SIASN_HEADER, TANJAB, siasn_row

pytestmark = pytest.mark.browser

# Each page's address, and a text of its last part (drawn when the page is whole).
PAGES = {
    "ringkasan": ("", "Unduh XLSX"),
    "tren": ("tren", "Unduh XLSX"),
    "opd": ("opd", "Rincian satu OPD"),
    "tindak-lanjut": ("tindak_lanjut", "Per OPD & pesan WhatsApp"),
}


def full_height_screenshot(page, path: Path) -> None:  # type: ignore[no-untyped-def]
    """The whole page: Streamlit scrolls inside its own container, so the window is made as tall
    as the page's content first (the width stays the device's)."""
    width = page.viewport_size["width"]
    height = int(page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight"))
    page.set_viewport_size({"width": width, "height": min(max(height, 800), 12_000)})
    wait_idle(page)
    page.screenshot(path=str(path))


@pytest.mark.parametrize(("width", "device"), [(390, "ponsel"), (1366, "laptop")])
def test_the_four_pages_a_head_reads_fit_the_screen(  # type: ignore[no-untyped-def]
    browser, server_url: str, screenshot_dir: Path, width: int, device: str
) -> None:
    context, page = new_page(browser, width, 844)
    for name, (path, last) in PAGES.items():
        open_page(page, f"{server_url}/{path}")
        page.get_by_test_id("stMain").get_by_text(last, exact=True).last.wait_for()
        wait_idle(page)
        assert elements_wider_than_viewport(page) == [], name
        tables = page.get_by_test_id("stTable")
        grids = page.get_by_test_id("stDataFrame")
        if name in ("ringkasan", "tren"):  # the phone reads a compact table, the laptop the full one
            phone_tables = sum(tables.nth(i).is_visible() for i in range(tables.count()))
            grid_tables = sum(grids.nth(i).is_visible() for i in range(grids.count()))
            assert (phone_tables > 0, grid_tables > 0) == (width < 640, width >= 640), (name, phone_tables, grid_tables)
        if name == "ringkasan" and width < 640:
            text = main_text(page)
            assert "Kecamatan Pengabuan" in text and "Belum verifikasi" in text
        full_height_screenshot(page, screenshot_dir / f"{device}-{name}.png")
        page.set_viewport_size({"width": width, "height": 844})
    context.close()


def test_a_shared_address_opens_the_same_view_in_a_fresh_browser(browser, server_url: str) -> None:  # type: ignore[no-untyped-def]
    first, page = new_page(browser, 1366, 900)
    open_page(page, f"{server_url}/opd")
    choose(page, "Tanggal snapshot", "27 September 2021")
    page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").filter(has_text="OPD").click()
    page.keyboard.type("Dinas Kesehatan")
    page.get_by_role("option", name="Dinas Kesehatan", exact=True).click()
    page.keyboard.press("Escape")
    wait_idle(page)
    page.get_by_test_id("stMain").get_by_test_id("stButtonGroup").first.get_by_text("PDM", exact=True).click()
    wait_idle(page)
    page.get_by_text("Peringkat OPD menurut PDM, 27 September 2021").wait_for()
    shown = main_text(page)
    page.get_by_test_id("stSidebar").get_by_text("Salin tautan").click()
    address = page.get_by_test_id("stSidebar").get_by_test_id("stCode").inner_text().strip()
    assert address.startswith(f"{server_url}/opd?") and "tanggal=2021-09-27" in address, address
    assert "opd=Dinas+Kesehatan" in address and "tahap=pdm" in address, address
    assert page.url == address  # the address bar holds it too
    first.close()

    fresh, other = new_page(browser, 1366, 900)
    open_page(other, address)
    other.get_by_text("Peringkat OPD menurut PDM, 27 September 2021").wait_for()
    other.get_by_text("Rincian satu OPD").wait_for()
    wait_idle(other)
    assert main_text(other) == shown and "27 September 2021" in shown and "Dinas Kesehatan" in shown
    fresh.close()


def two_schools_and_a_puskesmas() -> bytes:
    """A SIASN export whose UNOR is the school or puskesmas: Budi (SMP) and Dewi (SD) still to
    activate, under Dinas Pendidikan once mapped; Siti at the puskesmas."""
    smp = siasn_row(NIP_A, "Budi", "SD NEGERI 57/V TUNGKAL ILIR", "PNS DAERAH", TANJAB, "budi@gmail.com", "", "Belum")
    smp[17:19] = ["8ae483ca", "SMP NEGERI 1 TUNGKAL ILIR"]
    rows = [
        smp,
        siasn_row(NIP_B, "Siti", "PUSKESMAS BETARA", "CPNS DAERAH", TANJAB, "siti@yahoo.com", "", "Belum"),
        siasn_row(NIP_C, "Rina", "PUSKESMAS BETARA", "PPPK", TANJAB, "", "rina@tanjabbarkab.go.id", "Sudah"),
        siasn_row(NIP_D, "Dewi", "SD NEGERI 57/V TUNGKAL ILIR", "PPPK", TANJAB, "dewi@gmail.com", "", "Belum"),
    ]
    return csv_bytes([SIASN_HEADER, *rows])


def test_siasn_upload_then_the_map_in_one_step_then_names_under_their_schools(  # type: ignore[no-untyped-def]
    page, fresh_server_url: str, tmp_path: Path, screenshot_dir: Path
) -> None:
    roster = tmp_path / "siasn_20210711.csv"
    roster.write_bytes(two_schools_and_a_puskesmas())
    open_page(page, fresh_server_url)
    upload_file(page, fresh_server_url, roster)
    save_upload(page, "Snapshot 11 Juli 2021 tersimpan: 4 ASN")

    peta = tmp_path / "peta-unit.csv"
    peta.write_text(
        "UNOR NAMA;OPD\nSD NEGERI 57/V TUNGKAL ILIR;Dinas Pendidikan\nSMP NEGERI 1 TUNGKAL ILIR;Dinas Pendidikan\n"
        "PUSKESMAS BETARA;Dinas Kesehatan\n",
        encoding="utf-8",
    )
    open_page(page, fresh_server_url, "Peta Unit Kerja")
    page.locator('input[type="file"]').set_input_files(str(peta))
    # One step: no button to press; the page says what changed and offers the undo.
    page.get_by_text("Peta dari peta-unit.csv dimuat").wait_for()
    wait_idle(page)
    text = main_text(page)
    assert "3 unit dalam peta" in text and "Unit sudah dipetakan\n\n3" in text, text
    assert page.get_by_role("button", name="Batalkan: kembalikan peta sebelum peta-unit.csv").is_visible()
    full_height_screenshot(page, screenshot_dir / "peta-unit-satu-langkah.png")
    page.set_viewport_size({"width": 1440, "height": 900})

    open_page(page, fresh_server_url, "Tindak Lanjut")
    page.get_by_test_id("stMain").get_by_test_id("stExpander").filter(has_text="Dinas Pendidikan").click()
    message = page.get_by_test_id("stMain").get_by_test_id("stCode").first.inner_text()
    lines = [line.strip() for line in message.splitlines()]
    assert "Dinas Pendidikan" in message and "2 dari 2 ASN belum" in message, message
    sd = next(i for i, line in enumerate(lines) if "SD NEGERI 57/V TUNGKAL ILIR" in line)
    smp = next(i for i, line in enumerate(lines) if "SMP NEGERI 1 TUNGKAL ILIR" in line)
    dewi = next(i for i, line in enumerate(lines) if "Dewi" in line)
    budi = next(i for i, line in enumerate(lines) if "Budi" in line)
    assert sd < dewi < smp < budi, lines  # each name under its school, schools in reading order
    assert "Siti" not in message  # the puskesmas is Dinas Kesehatan's
    full_height_screenshot(page, screenshot_dir / "tindak-lanjut-per-sekolah.png")
