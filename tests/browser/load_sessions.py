"""Many viewers at once while an operator saves a snapshot (run by test_load.py in a process of
its own, since it drives Chromium with Playwright's async API).

    python tests/browser/load_sessions.py URL ROSTER.csv SESSIONS MAX_ROUNDS

Each viewer walks the pages until the operator's save has finished and it has shown a Ringkasan
(at most MAX_ROUNDS rounds of the pages), then opens Ringkasan once more: the save, not a clock,
decides when the last look is taken.
Prints one JSON object: page times, errors, what each Ringkasan showed before and after the save.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script: the repository's root
from tests.browser.script_runs import DRAWN

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]  # fmt: skip
PAGES = ("", "tren", "opd", "tindak_lanjut", "data")
Report = dict[str, list[object]]


async def settle(page: Page) -> None:
    """Until Streamlit has run the page and drawn it (as the browser tests wait)."""
    await page.wait_for_selector('[data-testid="stApp"]', timeout=120_000)
    # Every page has a title: under load the first run can start seconds after the page opens.
    await page.wait_for_selector('[data-testid="stMain"] h1', timeout=180_000)
    for _ in range(2):
        await page.wait_for_timeout(500)
        await page.wait_for_function(DRAWN, timeout=120_000)


async def visit(page: Page, url: str, path: str, index: int, report: Report) -> str:
    """Open one page, note its time and any exception; the main part's text."""
    started = time.perf_counter()
    await page.goto(f"{url}/{path}", timeout=120_000)
    await settle(page)
    report["times"].append(round(time.perf_counter() - started, 3))
    if await page.get_by_test_id("stException").count():
        report["errors"].append(f"sesi {index}, halaman '{path}'")
    return await page.get_by_test_id("stMain").inner_text()


def ringkasan_shown(text: str) -> list[object]:
    """[date, ASN count] of the snapshot a Ringkasan showed ([None, the text's start] when unreadable)."""
    found = re.search(r"Ringkasan PDM · ([^\n]+)\n+([\d.]+) ASN", text)
    return list(found.groups()) if found else [None, text[:200]]


async def viewer(browser: Browser, url: str, max_rounds: int, index: int, saved: asyncio.Event, report: Report) -> None:
    context = await browser.new_context(viewport={"width": 1366, "height": 800}, locale="en-US")
    page = await context.new_page()
    try:
        shown_ringkasan = False
        for step in range(max_rounds * len(PAGES)):
            path = PAGES[(index + step) % len(PAGES)]
            text = await visit(page, url, path, index, report)
            if path == "":
                report["ringkasan"].append(ringkasan_shown(text))
                shown_ringkasan = True
            # Each viewer walks on until the save is done and it has shown a Ringkasan of its own;
            # what it would open after that is what the last look below checks.
            if saved.is_set() and shown_ringkasan:
                break
        await saved.wait()
        report["after_save"].append(ringkasan_shown(await visit(page, url, "", index, report)))
    finally:
        await context.close()


async def operator(browser: Browser, url: str, roster: str, saved: asyncio.Event, report: Report) -> None:
    """Upload and save the roster while the viewers move through the pages."""
    context = await browser.new_context(viewport={"width": 1366, "height": 800}, locale="en-US")
    page = await context.new_page()
    page.set_default_timeout(180_000)
    try:
        await page.goto(f"{url}/unggah", timeout=120_000)
        await settle(page)
        await page.locator('input[type="file"]').set_input_files(roster)
        await page.get_by_text("Baris akan disimpan").wait_for()
        await settle(page)
        await page.get_by_role("button", name="Simpan snapshot").click()
        await page.get_by_text("tersimpan:").first.wait_for()
        report["saved"].append(time.perf_counter())
    finally:
        saved.set()  # a failed save must not leave the viewers waiting: the test sees `saved` empty
        await context.close()


async def main(url: str, roster: str, sessions: int, max_rounds: int) -> None:
    report: Report = {"times": [], "errors": [], "ringkasan": [], "after_save": [], "saved": []}
    saved = asyncio.Event()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        viewers = [viewer(browser, url, max_rounds, i, saved, report) for i in range(sessions)]
        await asyncio.gather(operator(browser, url, roster, saved, report), *viewers)
        await browser.close()
    print(json.dumps(report))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
