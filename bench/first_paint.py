"""A newcomer's first open: from `streamlit run` to the first page drawn in a browser, for Pantau
PDM on a fresh clone (no database, no sample file yet) against a one-line Streamlit app served
from the same venv. Also: Save -> the new numbers on Ringkasan, server side, at regency scale.

    .venv/bin/python bench/first_paint.py [--runs 3]

Prints seconds per run and the median ratio; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CHROMIUM = "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def first_paint(app: Path, ready_text: str, env: dict[str, str], browser: object) -> float:
    """Seconds from starting the server to `ready_text` drawn in a new page."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
               "--server.headless", "true", "--server.address", "127.0.0.1"]  # fmt: skip
    started = time.perf_counter()
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        page = browser.new_page()  # type: ignore[attr-defined]
        while True:
            try:
                page.goto(f"http://127.0.0.1:{port}", timeout=2_000)
                break
            except PlaywrightError:  # the server is not listening yet
                time.sleep(0.05)
        page.get_by_text(ready_text).first.wait_for(timeout=120_000)
        seconds = time.perf_counter() - started
        page.close()
        return seconds
    finally:
        server.terminate()
        server.wait(timeout=20)


def save_to_ringkasan(folder: Path) -> tuple[float, float, float]:
    """Regency scale, server side: (Save of a 3.923-row snapshot, Ringkasan's run after it, sum).
    The database holds the sample's other snapshots as real data; Save is the upload page's commit
    of a file already checked, Ringkasan a fresh AppTest run of app.py (the new data version)."""
    import streamlit.runtime.context as context
    from streamlit.testing.v1 import AppTest

    from pdm_metrics import demo, store
    from pdm_metrics.campaign import PDM_2021
    from pdm_metrics.schema import Column
    from pdm_metrics.views import unggah

    db = folder / "simpan.duckdb"
    con = store.connect(db)
    people = demo.sample_people()
    for day in demo.SNAPSHOT_DATES[:-1]:
        store.save_snapshot(con, demo._SampleRows(people, day), demo._sample_meta(day), replace=True)
    con.execute("UPDATE snapshots SET is_sample = false")
    day = demo.SNAPSHOT_DATES[-1]
    frame = demo.snapshot_frame(people, day)
    labels = demo.CAMPAIGN.vocabulary.labels  # the headers a file of the campaign carries
    raw = frame.rename(columns={c: labels[Column(c)] for c in frame.columns}).to_csv(index=False).encode()
    preview = unggah.upload_preview(con, PDM_2021, [(raw, f"rekap_{day:%Y%m%d}.csv")], None, day)
    os.environ["PDM_DB"] = str(db)
    os.environ["PDM_SAMPLE_DB"] = str(folder / "simpan-contoh.duckdb")
    # AppTest's runtime reports no browser: it plays one on the server itself (local mode's loopback).
    context._get_client_context = lambda: SimpleNamespace(remote_ip="127.0.0.1", headers=[])
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.run()  # the server has run Ringkasan before (its caches are warm for the old data)
    started = time.perf_counter()
    stored = unggah.commit_upload(
        con, preview, replace=True, skip_invalid=False, uploaded_by="bench", notices_confirmed=True
    )
    saved = time.perf_counter() - started
    con.close()
    started = time.perf_counter()
    app.run()
    shown = time.perf_counter() - started
    title = app.title[0].value if app.title else "(no title)"
    # What was timed is real: the rows stored, Ringkasan drawn (the session keeps the date it showed).
    assert stored.rows == len(frame) and title.startswith("Ringkasan PDM"), (stored, title)
    return saved, shown, saved + shown


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pdm-paint-") as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        one_line = Path(folder, "satu_baris.py")
        one_line.write_text('import streamlit as st\n\nst.write("Halo")\n', encoding="utf-8")
        plain, unwatched, prepared, bare, setup = [], [], [], [], []
        # The one-line app as Streamlit serves it by default (watching its folder for changes), and
        # with the file watcher off as Pantau PDM's config sets it: both baselines are printed.
        default_watch = {**os.environ, "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "auto"}
        no_watch = {**os.environ, "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}
        for run in range(args.runs):
            fresh = Path(folder, f"run{run}")
            fresh.mkdir()
            sample = fresh / "pdm-contoh.duckdb"
            env = {**os.environ, "PDM_DB": str(fresh / "pdm.duckdb"), "PDM_SAMPLE_DB": str(sample)}
            plain.append(first_paint(one_line, "Halo", default_watch, browser))
            unwatched.append(first_paint(one_line, "Halo", no_watch, browser))
            # As a fresh clone's first open: the app builds the sample data itself.
            bare.append(first_paint(ROOT / "app.py", "Ringkasan PDM", env, browser))
            # As run-app.sh starts it: the app's modules compiled and the sample data built during
            # setup, then the server.
            sample.unlink()
            started = time.perf_counter()
            for step in (["compileall", "-q", "pdm_metrics", "ui"], ["pdm_metrics", "demo", "--db", str(sample)]):
                subprocess.run([sys.executable, "-m", *step], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
            setup.append(time.perf_counter() - started)
            prepared.append(first_paint(ROOT / "app.py", "Ringkasan PDM", env, browser))
            print(
                f"run {run + 1}: one-line app {plain[-1]:.2f} s (unwatched {unwatched[-1]:.2f} s); Pantau PDM "
                f"building its sample on first open {bare[-1]:.2f} s; sample built at setup in {setup[-1]:.2f} s, "
                f"then first paint {prepared[-1]:.2f} s",
                flush=True,
            )
        browser.close()
        base = statistics.median(plain)
        quiet = statistics.median(unwatched)
        print(f"median: one-line app {base:.2f} s (Streamlit's default), {quiet:.2f} s with the file watcher off")
        ready, built = statistics.median(prepared), statistics.median(setup)
        print(
            f"  Pantau PDM as run-app.sh starts it: {ready:.2f} s, ratio {ready / base:.2f} "
            f"({ready / quiet:.2f} against the unwatched one)"
        )
        print(f"  (run-app.sh built the sample data before starting the server, in {built:.2f} s)")
        print(f"  Pantau PDM building the sample on first open: {statistics.median(bare):.2f} s, "
              f"ratio {statistics.median(bare) / base:.2f}")  # fmt: skip
        saved, shown, total = save_to_ringkasan(Path(folder))
        print(
            f"Save -> Ringkasan (3.923 ASN, server side): save {saved:.2f} s + Ringkasan run {shown:.2f} s"
            f" = {total:.2f} s"
        )


if __name__ == "__main__":
    main()
