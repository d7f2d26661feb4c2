"""The national-scale benchmark in one command: ingest against its floors, every page's
database time and whole page reruns through AppTest, printed side by side.

    .venv/bin/python bench/national.py                 # 4,3 M ASN, 12 snapshots, 1 M-row xlsx
    .venv/bin/python bench/national.py --asn 200000 --xlsx-rows 100000 --snapshots 3   # a quick look

Every figure is measured in this run on this machine; nothing is asserted. Ratios are the
number to read (absolute times on a shared 2-core machine are noisy).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ingest_bench
import national_pages

ROOT = Path(__file__).resolve().parent.parent
PAGES = (
    "ringkasan",
    "tren",
    "opd",
    "perubahan",
    "tindak_lanjut",
    "profil",
    "data",
    "kalender",
    "laporan",
)


def number(value: float, decimals: int = 0) -> str:
    """Indonesian digits: 4.300.000 and 1,5."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


LOGIN_TITLE = "Masuk ke Pantau PDM"


def as_browser_on_the_server() -> None:
    """AppTest's mock client is no browser on the server itself: without users, the dashboard
    would show every page as the login page. Its client is made a loopback one, as the tests do."""
    import streamlit.runtime.context as context

    from tests.conftest import FakeClient

    client = FakeClient()  # no address, no headers: what a browser on the server itself sends
    setattr(context, "_get_client_context", lambda: client)  # noqa: B010 (the tests patch it so too)


def page_reruns(db: Path) -> dict[str, tuple[float, float]]:
    """Per page: (first run after opening it, a rerun with the page's data cached), in seconds."""
    os.environ["PDM_DB"] = str(db)
    from streamlit.testing.v1 import AppTest

    as_browser_on_the_server()
    results = {}
    for page in PAGES:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=900)
        started = time.perf_counter()
        at.run()  # opens Ringkasan, the default page
        if page != "ringkasan":
            at.switch_page(f"app_pages/{page}.py")
            started = time.perf_counter()
            at.run()
        first = time.perf_counter() - started
        if at.exception:
            raise RuntimeError(f"{page}: {[e.value for e in at.exception]}")
        if [t.value for t in at.title] == [LOGIN_TITLE]:
            raise RuntimeError(f"{page}: the login page was shown, not the page")
        started = time.perf_counter()
        at.run()
        results[page] = (first, time.perf_counter() - started)
    return results


def print_ingest(results: dict[str, dict[str, float]], rows: int, xlsx_rows: int, openpyxl_rows: int) -> None:
    print(f"\n1. Ingest of one snapshot ({number(rows)} rows CSV, {number(xlsx_rows)} rows xlsx)")
    print(f"   {'step':<44}{'seconds':>9}{'peak MB':>9}{'ratio':>8}")
    pairs = [("csv ingest", "csv floor"), ("xlsx ingest", "xlsx floor"), ("xlsx openpyxl", "xlsx ingest")]
    labels = {
        "csv floor": "floor: DuckDB read_csv -> table",
        "csv ingest": "Pantau PDM ingest, all checks (CSV)",
        "xlsx floor": "floor: fastexcel -> Arrow -> DuckDB table",
        "xlsx ingest": "Pantau PDM ingest, all checks (xlsx)",
        "xlsx openpyxl": f"pandas.read_excel openpyxl (x{number(xlsx_rows / max(openpyxl_rows, 1))} of"
        f" {number(openpyxl_rows)})",
    }
    ratios = {step: results[step]["seconds"] / results[base]["seconds"] for step, base in pairs if step in results}
    for step, result in results.items():
        ratio = f"{number(ratios[step], 1)}x" if step in ratios else ""
        print(f"   {labels[step]:<44}{number(result['seconds'], 1):>9}{number(result['peak_mb']):>9}{ratio:>8}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--asn", type=int, default=4_300_000)
    parser.add_argument("--snapshots", type=int, default=12)
    parser.add_argument("--xlsx-rows", type=int, default=1_000_000)
    parser.add_argument("--openpyxl-rows", type=int, default=100_000, help="openpyxl is timed on this many rows")
    parser.add_argument("--db", type=Path, default=None, help="reuse (or keep) the national database here")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="pdm-bench-") as folder:
        workdir = Path(folder)
        ingest = ingest_bench.measure_csv(args.asn, workdir)
        ingest |= ingest_bench.measure_xlsx(args.xlsx_rows, workdir, min(args.openpyxl_rows, args.xlsx_rows))
        print_ingest(ingest, args.asn, args.xlsx_rows, min(args.openpyxl_rows, args.xlsx_rows))

        db = args.db or workdir / "national.duckdb"
        con, days, seconds = national_pages.national_database(db, args.asn, args.snapshots)
        rows = con.execute("SELECT count(*) FROM roster").fetchall()[0][0]
        built = f"built in {number(seconds)} s" if seconds >= 1 else f"reused from {db}"
        print(
            f"\n2. Database time of each page query ({number(rows)} roster rows, {len(days)} snapshots,"
            f" {built}; best of 3)"
        )
        for name, query in national_pages.page_queries(con, days).items():
            print(f"   {name:<44}{number(national_pages.timed(query)):>9} ms")
        con.close()

        print("\n3. Whole page through AppTest (first run after opening the page / rerun, seconds)")
        for page, (first, rerun) in page_reruns(db).items():
            print(f"   {page:<44}{number(first, 2):>9}{number(rerun, 2):>9}")


if __name__ == "__main__":
    main()
