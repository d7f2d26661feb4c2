"""What a user presses, in a real browser: the settle time of every page's main controls, on the
regency's database (the sample's 3.923 ASN x 16 snapshots, as real data) and on a 1 M-ASN one.

    .venv/bin/python bench/clicks.py [--asn 1000000] [--snapshots 3] [--runs 2] [--regency-only]

Only the press itself is timed (a menu or a list opened before it is not). A press is settled
when the server has finished the script run it asked for (Streamlit's own
messages on the websocket, tests/browser/script_runs.py), the page shows no stale element or
placeholder, and nothing changed for 0,2 s (that quiet is not counted). Each action is
pressed `--runs` times and the slowest is printed (the first press is the cold one, the others
show what caching gives); nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import national_pages  # noqa: E402
from first_paint import free_port  # noqa: E402

from pdm_metrics import demo, store  # noqa: E402
from tests.browser.script_runs import runs_of, track  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]  # fmt: skip


# What the user does first (opening a menu or a list: not timed), then the press that is timed.
Press = tuple[Callable[[], None], Callable[[], None]]


def nothing() -> None:
    """No first step."""


def settle_time(page: Page, press: Press, timeout_s: float = 180.0) -> tuple[float, float]:
    """Seconds from the press to the page settled after the runs it caused, and of those the
    seconds until the server had finished its last run (the rest is the browser drawing)."""
    runs = runs_of(page)
    assert runs is not None, "the page was opened in a context that follows its runs"
    first_step, timed = press
    first_step()
    started = time.perf_counter()
    timed()
    settled = runs.settled_at(page, timeout_s)
    return settled - started, runs.finished_at - started


def serve(db: Path, sample: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
               "--server.headless", "true", "--server.address", "127.0.0.1"]  # fmt: skip
    env = {**os.environ, "PDM_DB": str(db), "PDM_SAMPLE_DB": str(sample)}
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return server, url
        except OSError:
            time.sleep(0.25)
    server.kill()
    raise RuntimeError("the server did not start")


def to_page(page: Page, label: str) -> Press:
    """The top navigation's way to a page: its section's menu opened, then the page pressed."""
    link = page.get_by_test_id("stTopNavPopover").get_by_text(label, exact=True)

    def open_menu() -> None:
        for section in page.get_by_test_id("stTopNavSection").all():
            section.click()
            if link.count():
                return
            page.keyboard.press("Escape")
        raise LookupError(label)

    return open_menu, link.click


def opener(page: Page, url: str) -> Press:
    def press() -> None:
        page.goto(url)

    return nothing, press


def segment(page: Page, label: str) -> Press:
    return nothing, page.get_by_test_id("stButtonGroup").get_by_text(label, exact=True).first.click


def select(page: Page, box: str) -> Press:
    """The selectbox labelled `box` opened, then its second option pressed."""
    selectbox = page.get_by_test_id("stSelectbox").filter(has_text=box).first

    def open_list() -> None:
        selectbox.evaluate("e => e.scrollIntoView({block: 'center'})")  # its list opens below it, on screen
        selectbox.click()

    return open_list, page.get_by_role("option").nth(1).click


def button(page: Page, label: str) -> Press:
    return nothing, page.get_by_role("button", name=label).first.click


def actions(page: Page) -> list[tuple[str, Press]]:
    """Every page's main controls, in the order a user meets them (each from where the last left off)."""
    # The sample and the 1 M database are PDM 2021's: its second and third stages by their labels.
    update, verification = national_pages.UPDATE.label, national_pages.VERIFICATION.label
    return [
        ("Ringkasan: tanggal snapshot lain", select(page, "Tanggal snapshot")),
        ("OPD: buka halaman", to_page(page, "OPD")),
        (f"OPD: Ukuran {update}", segment(page, update)),
        (f"OPD: Ukuran {verification}", segment(page, verification)),
        ("OPD: Urutan ASN belum terbanyak", segment(page, "ASN belum terbanyak")),
        ("OPD: pilih satu OPD", select(page, "Pilih OPD")),
        ("Tren: buka halaman", to_page(page, "Tren & Tenggat")),
        ("Tren: bandingkan dengan satu OPD", select(page, "Bandingkan")),
        ("Tindak Lanjut: buka halaman", to_page(page, "Tindak Lanjut")),
        (f"Tindak Lanjut: tahap {update}", segment(page, update)),
        ("Profil: buka halaman", to_page(page, "Profil NIP")),
        ("Perubahan: buka halaman", to_page(page, "Perubahan")),
        ("Data & Unduh: buka halaman", to_page(page, "Data & Unduh")),
        ("Laporan PDF: buka halaman", to_page(page, "Laporan PDF")),
        ("Laporan PDF: buat laporan", button(page, "Buat laporan PDF")),
        ("Ringkasan: kembali", to_page(page, "Ringkasan")),
    ]


def measure(db: Path, sample: Path, runs: int) -> dict[str, list[tuple[float, float]]]:
    """Each action's (settle, server) seconds over `runs` walks, on a server started for this database."""
    server, url = serve(db, sample)
    times: dict[str, list[tuple[float, float]]] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            for _ in range(runs):
                context = track(browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US"))
                page = context.new_page()
                page.set_default_timeout(120_000)
                for name, press in [("Ringkasan: buka dasbor", opener(page, url)), *actions(page)]:
                    times.setdefault(name, []).append(settle_time(page, press))
                    settle, server_part = times[name][-1]
                    print(f"   {name:<46}{settle:6.2f} s (server {server_part:.2f} s)", flush=True)
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return times


def sample_database(path: Path, as_real: bool) -> Path:
    """The sample's 3.923 ASN x 16 snapshots at `path`; `as_real`: stored as the agency's own data."""
    con = store.connect(path)
    demo.load_sample(con)
    if as_real:
        con.execute("UPDATE snapshots SET is_sample = false")
    con.close()
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--asn", type=int, default=1_000_000)
    parser.add_argument("--snapshots", type=int, default=3)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--regency-only", action="store_true")
    args = parser.parse_args()
    results: dict[str, dict[str, list[tuple[float, float]]]] = {}
    with tempfile.TemporaryDirectory(prefix="pdm-clicks-") as name:
        folder = Path(name)
        regency = sample_database(folder / "kabupaten.duckdb", as_real=True)
        sample = sample_database(folder / "contoh.duckdb", as_real=False)
        results["3.923 ASN x 16"] = measure(regency, sample, args.runs)
        if not args.regency_only:
            big, _, built = national_pages.national_database(folder / "besar.duckdb", args.asn, args.snapshots)
            big.close()
            label = f"{args.asn:_} ASN x {args.snapshots}".replace("_", ".")
            print(f"({label}: built in {built:.0f} s)", flush=True)
            results[label] = measure(folder / "besar.duckdb", sample, args.runs)
    scales = list(results)
    heading = "settle s (server s): first press / slowest later"
    print(f"\n{heading:<46}" + "".join(f"{s:>30}" for s in scales))
    for action in results[scales[0]]:
        cells = []
        for scale in scales:
            first, *later = results[scale][action]
            cell = f"{first[0]:.2f} ({first[1]:.2f})"
            if later:
                slowest = max(later)
                cell += f" / {slowest[0]:.2f} ({slowest[1]:.2f})"
            cells.append(cell)
        print(f"{action:<46}" + "".join(f"{c:>30}" for c in cells))


if __name__ == "__main__":
    main()
