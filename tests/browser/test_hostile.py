"""Safe on a network, in a real browser over hostile data: names built to be Markdown, HTML, LaTeX,
images and links stay text on every page (no link, no image fetched from outside, no formatting
from data), and a pimpinan downloads every download of every page without one full NIP or email."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import openpyxl
import pytest
from playwright.sync_api import Page, Route

from tests.browser.conftest import HOSTILE_USERS
from tests.browser.test_flows import main_text, navigation_text, open_page, wait_idle
from tests.hostile_names import MARKERS
from tests.pdm_2021 import UPDATE, VERIFICATION

pytestmark = pytest.mark.browser

PIMPINAN_PAGES = ("Ringkasan", "Tren & Tenggat", "OPD", "Perubahan", "Profil NIP", "Tindak Lanjut", "Laporan PDF",
                  "Data & Unduh", "Kalender Regulasi")  # fmt: skip
ADMIN_ONLY_PAGES = ("Unggah Snapshot", "Peta Unit Kerja", "Catatan Audit", "Cadangan")
FULL_NIP = re.compile(r"(?<!\d)\d{8} ?\d{6} ?\d ?\d{3}(?!\d)")
FULL_EMAIL = re.compile(r"[\w.%+-]{2,}@[\w-]+\.")

# Every element that formats, links or fetches, whose text or address carries a marker word of the
# hostile names. The WhatsApp text is shown as code on purpose (st.code): it is left out.
FORMATTED_FROM_DATA = """(markers) => {
    const pattern = new RegExp(markers.join('|') + '|evil\\\\.example', 'i');
    const found = [];
    const selector = 'strong, em, b, i, del, s, a, img, .katex, [data-testid="stMarkdownContainer"] span[style]';
    for (const element of document.querySelectorAll(selector)) {
        if (element.closest('[data-testid="stCode"]')) continue;
        const said = [element.textContent, element.getAttribute('href'), element.getAttribute('src'),
                      element.getAttribute('xlink:href')].join(' ');
        if (pattern.test(said)) found.push(element.outerHTML.slice(0, 160));
    }
    for (const span of document.querySelectorAll('tspan[style]')) {  // Plotly's <b>/<i> become styled tspans
        const style = span.getAttribute('style') || '';
        // Our own titles are bold whole; a data-made <b>…</b> is bold inside a longer line.
        const line = span.closest('text');
        const part = line && line.textContent.trim() !== span.textContent.trim();
        if (/bold|italic/.test(style) && part && pattern.test(line.textContent)) {
            found.push(span.outerHTML.slice(0, 160));
        }
    }
    return found;
}"""


def sign_in(page: Page, url: str, user: tuple[str, str, str]) -> None:
    name, _, password = user
    open_page(page, url)
    page.get_by_label("Nama pengguna").fill(name)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    page.get_by_text("Ringkasan PDM").first.wait_for()
    wait_idle(page)


def outside_requests(page: Page) -> list[str]:
    """Every request the page makes to a host other than the dashboard's own is recorded and stopped."""
    seen: list[str] = []

    def guard(route: Route) -> None:
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            seen.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    return seen


def open_everything(page: Page) -> None:
    """Every expander opened (their titles and contents are drawn then)."""
    opened = 0
    for summary in page.get_by_test_id("stExpander").locator("summary").all():
        if summary.is_visible() and summary.get_attribute("aria-expanded") != "true":
            summary.click()
            opened += 1
    if opened:  # a wait costs its quiet time even when nothing happened
        wait_idle(page)


def every_view(page: Page) -> Iterator[None]:
    """The page as it opens, then with each of its tabs shown in turn (a tab's content is drawn
    when it is shown): the caller looks at each."""
    yield None
    for tab in page.get_by_role("tab").all():
        if tab.is_visible():
            tab.click()
            wait_idle(page)
            open_everything(page)
            yield None


def prepare(page: Page, label: str) -> None:
    """What a page needs chosen before it shows all it can: an OPD's detail, a stage whose deadline passed."""
    if label == "OPD":
        box = page.get_by_test_id("stSelectbox").filter(has_text="Pilih OPD").first
        box.evaluate("e => e.scrollIntoView({block: 'center'})")  # its list opens below it, on screen
        box.click()
        page.get_by_role("option").first.click()
        wait_idle(page)
    if label == "Tindak Lanjut":
        page.get_by_test_id("stButtonGroup").first.get_by_text(UPDATE.label, exact=True).click()
        wait_idle(page)
    if label == "Laporan PDF":
        page.get_by_role("button", name="Buat laporan PDF").click()
        page.get_by_text("siap.").wait_for(timeout=60_000)
        wait_idle(page)
    open_everything(page)


def test_a_pimpinan_sees_hostile_names_as_text_and_downloads_no_full_nip_or_email(  # type: ignore[no-untyped-def]
    browser, hostile_server_url: str, tmp_path: Path, screenshot_dir: Path
) -> None:
    """Every page a pimpinan may open, every tab and expander of it: no formatting, link or outside
    fetch from the names; every download of it, without a full NIP or email."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    outside = outside_requests(page)
    sign_in(page, hostile_server_url, HOSTILE_USERS[0])
    navigation = navigation_text(page)
    assert "Unggah Snapshot" not in navigation and "Cadangan" not in navigation
    formatted: dict[str, list[str]] = {}
    downloaded: dict[str, str] = {}
    for label in PIMPINAN_PAGES:
        open_page(page, hostile_server_url, label)
        prepare(page, label)
        for _ in every_view(page):
            formatted.setdefault(label, []).extend(page.evaluate(FORMATTED_FROM_DATA, list(MARKERS)))
            downloaded.update(download_all(page, label, tmp_path, len(downloaded)))
        assert page.get_by_test_id("stException").count() == 0, label
        if label in ("Ringkasan", "OPD", "Tindak Lanjut"):
            page.screenshot(path=str(screenshot_dir / f"nama-berbahaya-{label.split()[0].lower()}.png"))
    assert {label: found for label, found in formatted.items() if found} == {}
    assert outside == []
    leaks = {
        name: m.group(0) for name, text in downloaded.items() if (m := FULL_NIP.search(text) or FULL_EMAIL.search(text))
    }
    assert leaks == {}
    names = " ".join(downloaded)
    expected_names: tuple[str, ...] = (
        "risiko-email",
        "sanksi",
        "tindak-lanjut",
        "pdm-2021_data",
        "laporan_pdm-2021_",
        "profil_",
    )
    expected_names += ("laju",)
    for expected in expected_names:
        assert expected in names, (expected, sorted(downloaded))
    masked = [t for n, t in downloaded.items() if "risiko-email" in n and n.endswith(".csv")]
    assert masked and "***@tanjabbarkab.go.id" in masked[0]  # EMAIL GOV is there, masked
    # The names were on screen, as text: the walk looked at them, not at empty pages.
    open_page(page, hostile_server_url, "Tindak Lanjut")
    # The stage chosen before stays chosen (it is part of the view's address): back to the open one.
    page.get_by_test_id("stButtonGroup").first.get_by_text(VERIFICATION.label, exact=True).click()
    wait_idle(page)
    text = main_text(page).replace("\u2060", "")  # the word joiner that keeps an address from being a link
    assert "**TEBAL**" in text and "[KLIK](https://evil.example/klik)" in text and "<a href=" in text
    context.close()


def download_all(page: Page, label: str, folder: Path, numbered_from: int) -> dict[str, str]:
    """Click every download button in view; what each file says, by page and file name."""
    files: dict[str, str] = {}
    for button in page.get_by_test_id("stDownloadButton").locator("button").all():
        if not button.is_visible():
            continue
        with page.expect_download() as download_info:
            button.click()
        download = download_info.value
        target = folder / f"{numbered_from + len(files):03d}-{download.suggested_filename}"
        download.save_as(target)
        files[f"{label}: {download.suggested_filename}"] = file_text(target)
    if files:
        wait_idle(page)  # a download that is audited reruns the page
    return files


def test_the_admin_pages_show_hostile_names_as_text(browser, hostile_server_url: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    outside = outside_requests(page)
    sign_in(page, hostile_server_url, HOSTILE_USERS[1])
    formatted: dict[str, list[str]] = {}
    for label in ADMIN_ONLY_PAGES:
        open_page(page, hostile_server_url, label)
        open_everything(page)
        formatted[label] = page.evaluate(FORMATTED_FROM_DATA, list(MARKERS))
        assert page.get_by_test_id("stException").count() == 0, label
        if label == "Peta Unit Kerja":  # the hostile names are its unmapped units
            assert "Unit yang belum dipetakan" in main_text(page) and "40 ASN" in main_text(page)
    assert {label: found for label, found in formatted.items() if found} == {}
    assert outside == []
    context.close()


def file_text(path: Path) -> str:
    """What a downloaded file says: every cell of a workbook, the text of a CSV, a PDF's bytes."""
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        return "\n".join(str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row)
    if path.suffix == ".pdf":
        assert path.read_bytes().startswith(b"%PDF")
        return ""
    return path.read_bytes().decode("utf-8-sig", errors="replace")
