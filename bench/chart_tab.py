"""Where the OPD page's opening in a browser tab spends its time: the server's run, and the
browser's long tasks (over 50 ms each: Plotly's script evaluated, then the chart drawn).

    .venv/bin/python bench/chart_tab.py [--db PATH] [--tabs 3]

On the regency's database (the sample's 3.923 ASN x 16 snapshots, as real data, built as
bench/clicks.py builds it) unless `--db` names another. Each walk opens the dashboard in a new tab
and then the OPD page (the press timed, as bench/clicks.py times it). The tabs are pages of one
browser context, as the tabs of one browser are: from the second on, Plotly's script comes from
the browser's cache. A last tab is opened in a fresh context (a browser that never saw the
dashboard). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import BrowserContext, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from clicks import CHROMIUM, FLAGS, opener, sample_database, serve, settle_time, to_page  # noqa: E402

from tests.browser.script_runs import track  # noqa: E402

# Collects the long tasks the page runs from now on (the browser's own measure of work that
# holds the page up).
WATCH_LONG_TASKS = """() => {
    window.longTasks = [];
    new PerformanceObserver(list => { for (const e of list.getEntries()) window.longTasks.push(e.duration); })
        .observe({type: 'longtask'});
}"""


def open_opd_in_a_tab(context: BrowserContext, url: str, label: str) -> None:
    page = context.new_page()
    page.set_default_timeout(120_000)
    settle_time(page, opener(page, url))
    page.evaluate(WATCH_LONG_TASKS)
    settle, server = settle_time(page, to_page(page, "OPD"))
    tasks = sorted(page.evaluate("() => window.longTasks"), reverse=True)
    largest = ", ".join(f"{t:.0f}" for t in tasks[:3])
    print(f"{label:<34}{settle:6.2f} s   server {server:5.2f} s   long tasks {sum(tasks) / 1000:5.2f} s"
          f" (largest ms: {largest})", flush=True)  # fmt: skip
    page.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, help="a stored database (default: the regency's, built here)")
    parser.add_argument("--tabs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pdm-chart-tab-") as name:
        folder = Path(name)
        db = args.db or sample_database(folder / "kabupaten.duckdb", as_real=True)
        server, url = serve(db, sample_database(folder / "contoh.duckdb", as_real=False))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                one_browser = track(browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US"))
                for tab in range(1, args.tabs + 1):
                    open_opd_in_a_tab(one_browser, url, f"OPD opened, tab {tab} of one browser")
                fresh = track(browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US"))
                open_opd_in_a_tab(fresh, url, "OPD opened, a fresh browser")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
