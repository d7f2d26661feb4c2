"""What a user presses, in a real browser: the settle time of every page's main controls, on the
regency's database (the sample's 3.923 ASN x 16 snapshots, as real data) and on a 1 M-ASN one.

    .venv/bin/python bench/clicks.py [--asn 1000000] [--snapshots 3] [--runs 2] [--regency-only]

A press is settled when the server has finished the script run it started (Streamlit's own
`script_finished` message, read off the websocket, so no fixed wait is counted), no further run
followed within 0,3 s, and the page shows no stale element or placeholder. Each action is
pressed `--runs` times and the slowest is printed (the first press is the cold one, the others
show what caching gives); nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, WebSocket, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import national_pages  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from pdm_metrics import demo, store  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]  # fmt: skip
CLEAN = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-testid="stMain"] [data-stale="true"]')
    && !document.querySelector('[data-testid="stMain"] [data-testid="stSkeleton"]')"""
QUIET_AFTER_RUN = 0.3  # seconds without a new run before a press counts as settled


class Runs:
    """The script runs the page's websocket reports: how many finished, when the last started and ended."""

    def __init__(self, page: Page) -> None:
        self.finished, self.started_at, self.finished_at = 0, 0.0, 0.0
        page.on("websocket", self._watch)

    def _watch(self, socket_: WebSocket) -> None:
        socket_.on("framereceived", self._frame)

    def _frame(self, payload: str | bytes) -> None:
        if isinstance(payload, str):
            return
        message = ForwardMsg()
        try:
            message.ParseFromString(payload)
        except Exception:  # noqa: BLE001 - a frame of another kind is no run's end
            return
        kind = message.WhichOneof("type")
        if kind == "new_session":
            self.started_at = time.perf_counter()
        elif kind == "script_finished":
            self.finished, self.finished_at = self.finished + 1, time.perf_counter()


def settle_time(page: Page, runs: Runs, press: Callable[[], None], timeout: float = 180.0) -> float:
    """Seconds from the press to the page settled after the runs it caused."""
    before = runs.finished
    started = time.perf_counter()
    press()
    clean_since: float | None = None
    while time.perf_counter() - started < timeout:
        page.wait_for_timeout(25)  # lets the websocket events in
        now = time.perf_counter()
        running = runs.started_at > runs.finished_at
        if runs.finished <= before or running or not page.evaluate(CLEAN):
            clean_since = None
            continue
        clean_since = clean_since or now
        if now - max(runs.finished_at, runs.started_at) >= QUIET_AFTER_RUN:
            return max(runs.finished_at, clean_since) - started
    raise TimeoutError("the page did not settle")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


def to_page(page: Page, label: str) -> Callable[[], None]:
    """The top navigation's way to a page: its section's menu, then the page."""

    def press() -> None:
        for section in page.get_by_test_id("stTopNavSection").all():
            section.click()
            link = page.get_by_test_id("stTopNavPopover").get_by_text(label, exact=True)
            if link.count():
                link.click()
                return
            page.keyboard.press("Escape")
        raise LookupError(label)

    return press


def opener(page: Page, url: str) -> Callable[[], None]:
    def press() -> None:
        page.goto(url)

    return press


def segment(page: Page, label: str) -> Callable[[], None]:
    return lambda: page.get_by_test_id("stButtonGroup").get_by_role("button", name=label, exact=True).first.click()


def select(page: Page, box: str, option: str | None = None) -> Callable[[], None]:
    """Choose `option` (the first other one when None) in the selectbox labelled `box`."""

    def press() -> None:
        page.get_by_test_id("stSelectbox").filter(has_text=box).first.click()
        options = page.get_by_role("option")
        (options.filter(has_text=re.compile(f"^{re.escape(option)}$")) if option else options.nth(1)).first.click()

    return press


def button(page: Page, label: str) -> Callable[[], None]:
    return lambda: page.get_by_role("button", name=label).first.click()


def actions(page: Page) -> list[tuple[str, Callable[[], None]]]:
    """Every page's main controls, in the order a user meets them (each from where the last left off)."""
    return [
        ("Ringkasan: tanggal snapshot lain", select(page, "Tanggal snapshot")),
        ("OPD: buka halaman", to_page(page, "OPD")),
        ("OPD: Ukuran PDM", segment(page, "PDM")),
        ("OPD: Ukuran Verifikasi", segment(page, "Verifikasi")),
        ("OPD: Urutan ASN belum terbanyak", segment(page, "ASN belum terbanyak")),
        ("OPD: pilih satu OPD", select(page, "Pilih OPD")),
        ("Tren: buka halaman", to_page(page, "Tren & Tenggat")),
        ("Tren: bandingkan dengan satu OPD", select(page, "Bandingkan")),
        ("Tindak Lanjut: buka halaman", to_page(page, "Tindak Lanjut")),
        ("Tindak Lanjut: tahap PDM", segment(page, "PDM")),
        ("Profil: buka halaman", to_page(page, "Profil NIP")),
        ("Perubahan: buka halaman", to_page(page, "Perubahan")),
        ("Data & Unduh: buka halaman", to_page(page, "Data & Unduh")),
        ("Laporan PDF: buka halaman", to_page(page, "Laporan PDF")),
        ("Laporan PDF: buat laporan", button(page, "Buat laporan PDF")),
        ("Ringkasan: kembali", to_page(page, "Ringkasan")),
    ]


def measure(db: Path, sample: Path, runs: int) -> dict[str, list[float]]:
    """Each action's settle times over `runs` walks, on a server started for this database."""
    server, url = serve(db, sample)
    times: dict[str, list[float]] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            for _ in range(runs):
                context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
                page = context.new_page()
                page.set_default_timeout(120_000)
                watched = Runs(page)
                times.setdefault("Ringkasan: buka dasbor", []).append(settle_time(page, watched, opener(page, url)))
                for name, press in actions(page):
                    times.setdefault(name, []).append(settle_time(page, watched, press))
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
    results: dict[str, dict[str, list[float]]] = {}
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
    print(f"\n{'settle time, s (first press / slowest later)':<46}" + "".join(f"{s:>24}" for s in scales))
    for action in results[scales[0]]:
        cells = []
        for scale in scales:
            first, *later = results[scale].get(action, [float("nan")])
            cells.append(f"{first:.2f} / {max(later):.2f}" if later else f"{first:.2f}")
        print(f"{action:<46}" + "".join(f"{c:>24}" for c in cells))


if __name__ == "__main__":
    main()
