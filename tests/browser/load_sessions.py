"""Many viewers at once while an operator saves a snapshot (run by test_load.py in a process of
its own, since it drives Chromium with Playwright's async API).

    python tests/browser/load_sessions.py URL ROSTER.csv SESSIONS ROUNDS

Prints one JSON object: page times, errors, and what each Ringkasan showed.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time

from playwright.async_api import Browser, Page, async_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]  # fmt: skip
PAGES = ("", "tren", "opd", "tindak_lanjut", "data")
NO_RUN = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"


async def settle(page: Page) -> None:
    """Until Streamlit has run the page and drawn it (as the browser tests wait)."""
    await page.wait_for_selector('[data-testid="stApp"]', timeout=120_000)
    # Every page has a title: under load the first run can start seconds after the page opens.
    await page.wait_for_selector('[data-testid="stMain"] h1', timeout=180_000)
    for _ in range(2):
        await page.wait_for_timeout(500)
        await page.wait_for_function(NO_RUN, timeout=120_000)


async def viewer(browser: Browser, url: str, rounds: int, index: int, report: dict[str, list[object]]) -> None:
    context = await browser.new_context(viewport={"width": 1366, "height": 800}, locale="en-US")
    page = await context.new_page()
    try:
        for round_ in range(rounds):
            for offset in range(len(PAGES)):
                path = PAGES[(index + offset + round_) % len(PAGES)]
                started = time.perf_counter()
                await page.goto(f"{url}/{path}", timeout=120_000)
                await settle(page)
                report["times"].append(round(time.perf_counter() - started, 3))
                if await page.get_by_test_id("stException").count():
                    report["errors"].append(f"sesi {index}, halaman '{path}'")
                if path == "":
                    text = await page.get_by_test_id("stMain").inner_text()
                    found = re.search(r"Ringkasan PDM · ([^\n]+)\n+([\d.]+) ASN", text)
                    report["ringkasan"].append(list(found.groups()) if found else [None, text[:200]])
    finally:
        await context.close()


async def operator(browser: Browser, url: str, roster: str, report: dict[str, list[object]]) -> None:
    """Upload and save the roster while the viewers move through the pages."""
    context = await browser.new_context(viewport={"width": 1366, "height": 800}, locale="en-US")
    page = await context.new_page()
    page.set_default_timeout(180_000)
    await page.goto(f"{url}/unggah", timeout=120_000)
    await settle(page)
    await page.locator('input[type="file"]').set_input_files(roster)
    await page.get_by_text("Baris akan disimpan").wait_for()
    await settle(page)
    await page.get_by_role("button", name="Simpan snapshot").click()
    await page.get_by_text("tersimpan:").first.wait_for()
    report["saved"].append(time.perf_counter())
    await context.close()


async def main(url: str, roster: str, sessions: int, rounds: int) -> None:
    report: dict[str, list[object]] = {"times": [], "errors": [], "ringkasan": [], "saved": []}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        viewers = [viewer(browser, url, rounds, i, report) for i in range(sessions)]
        await asyncio.gather(operator(browser, url, roster, report), *viewers)
        await browser.close()
    print(json.dumps(report))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
