"""The store on DuckLake against the DuckDB file: every page query, opening, and one ingest, at
national scale (4,3 M ASN × 12 snapshots). Prints milliseconds and lake ÷ file.

    PDM_LAKE_DATA=/tmp/lake-data .venv-lake/bin/python bench/lake.py \
        --lake "dbname=pantau host=127.0.0.1 port=55439 user=postgres" [--file /tmp/national-1.5.duckdb]

Run it in the lake's environment (requirements-lake.txt: DuckDB 1.5), so both sides use the same
engine. The file is built as bench/national_pages.py builds it (or reused with --file); the lake
is filled with the same tables by DuckDB's COPY FROM DATABASE, so both hold the same rows. The
catalog database must be empty or hold this same copy. No timing is asserted anywhere.
"""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ingest_bench import HEADER, roster_rows  # noqa: E402
from national_pages import national_database, page_queries, timed  # noqa: E402

from pdm_metrics import store  # noqa: E402
from tests.lakes import with_database  # noqa: E402


def filled_lake(address: str, file: Path) -> tuple[Path, float]:
    """The lake at `address` holding the file's tables (copied unless it holds snapshots already)."""
    location = Path("ducklake:postgres:" + address)
    con = store.open_database(location, read_only=False, memory_limit=None)
    started = time.perf_counter()
    try:
        tables = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()")
        if not tables.fetchall()[0][0]:
            con.execute(f"ATTACH '{file}' AS national_file (READ_ONLY)")
            (catalog,) = con.execute("SELECT current_database()").fetchall()[0]
            con.execute(f'COPY FROM DATABASE national_file TO "{catalog}"')
    finally:
        con.close()
    return location, time.perf_counter() - started


def empty_lake(address: str) -> Path:
    """A new catalog database beside the one at `address`: an empty lake, as the file side starts empty."""
    psycopg = importlib.import_module("psycopg")
    catalog = f"pantau_ingest_{os.getpid()}_{int(time.time())}"
    with psycopg.connect(address, autocommit=True) as server:
        server.execute(f'CREATE DATABASE "{catalog}"')
    return Path("ducklake:postgres:" + with_database(address, catalog))


def writers_at_once(address: str, csvs: list[Path], dates: list[str]) -> tuple[float, list[int]]:
    """`ingest` processes started together on one fresh lake, one per (file, date): the seconds
    until the last has finished, and their exit codes."""
    location = empty_lake(address)
    store.connect(location).close()  # the tables, before the writers start
    started = time.perf_counter()
    commands = [
        [sys.executable, "-m", "pdm_metrics", "ingest", str(csv), "--db", str(location), "--date", day]
        for csv, day in zip(csvs, dates, strict=True)
    ]
    processes = [subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT) for c in commands]
    codes = [process.wait() for process in processes]
    seconds = time.perf_counter() - started
    con = store.connect(location, read_only=True)
    stored = store.list_snapshots(con)
    con.close()
    print(f"  {len(csvs)} writers, exit codes {codes}: {seconds:.1f} s; stored {len(stored)} snapshot(s), "
          f"rows {list(stored['row_count'])}")  # fmt: skip
    return seconds, codes


def concurrency(address: str, workdir: Path, rows: int, writers: int) -> None:
    """Several servers saving at once: different dates (all stored), the same date (one refusal)."""
    csvs = []
    for n in range(writers):
        csv = workdir / f"penulis-{n}.csv"
        write_csv(csv, rows)
        csvs.append(csv)
    days = [f"2022-0{n + 1}-03" for n in range(writers)]
    print(f"writers on one lake, {rows:_} rows each (whole processes):".replace("_", "."))
    alone, _ = writers_at_once(address, csvs[:1], days[:1])
    together, _ = writers_at_once(address, csvs, days)
    print(
        f"  {writers} dates at once ÷ one alone: {together / alone:.2f}× (saves take turns, reading and checks do not)"
    )
    writers_at_once(address, csvs[:2], [days[0], days[0]])


def opening_ms(location: Path) -> float:
    """Opening the store as the app does (read-write: version check and migrations), best of 3."""
    return timed(lambda: store.connect(location).close())


def ingest_seconds(location: Path, csv: Path) -> float:
    """One `python -m pdm_metrics ingest` of the file, as a whole process (reading, checks, saving)."""
    started = time.perf_counter()
    command = [sys.executable, "-m", "pdm_metrics", "ingest", str(csv), "--db", str(location), "--date", "2022-01-03"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if result.returncode != 0:
        raise SystemExit(f"ingest into {location} failed: {result.stderr}")
    return time.perf_counter() - started


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(",".join(HEADER) + "\n")
        for start in range(0, rows, 100_000):
            handle.writelines(",".join(row) + "\n" for row in roster_rows(start, min(rows, start + 100_000)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lake", required=True, help="libpq connection string of the catalog database")
    parser.add_argument("--asn", type=int, default=4_300_000)
    parser.add_argument("--snapshots", type=int, default=12)
    parser.add_argument("--file", type=Path, default=None, help="reuse (or keep) the national file here")
    parser.add_argument("--ingest-rows", type=int, default=1_000_000, help="0: no ingest comparison")
    parser.add_argument("--writers", type=int, default=3, help="processes saving at once (0: none)")
    parser.add_argument("--writer-rows", type=int, default=500_000)
    parser.add_argument("--writers-only", action="store_true", help="only the writers at once")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="pdm-lake-bench-"))
    os.environ.setdefault("PDM_LAKE_DATA", str(workdir / "lake-data"))
    if args.writers:
        concurrency(args.lake, workdir, args.writer_rows, args.writers)
    if args.writers_only:
        return
    path = args.file or workdir / "national.duckdb"
    con, days, built = national_database(path, args.asn, args.snapshots)
    con.close()
    location, copied = filled_lake(args.lake, path)
    print(f"data: {args.asn:_} ASN x {len(days)} snapshots; file built in {built:.0f} s, lake filled in {copied:.0f} s")
    print(f"open (connect + version check): file {opening_ms(path):.0f} ms, lake {opening_ms(location):.0f} ms")
    file_con, lake_con = store.connect(path, read_only=True), store.connect(location, read_only=True)
    print(f"{'page query':<42}{'file ms':>9}{'lake ms':>9}{'lake÷file':>11}")
    file_queries, lake_queries = page_queries(file_con, days), page_queries(lake_con, days)
    for name, query in file_queries.items():
        on_file, on_lake = timed(query), timed(lake_queries[name])
        print(f"{name:<42}{on_file:>9.0f}{on_lake:>9.0f}{on_lake / on_file:>10.1f}×")
    file_con.close()
    lake_con.close()
    if args.ingest_rows:
        csv = workdir / "rekap.csv"
        write_csv(csv, args.ingest_rows)
        fresh_file = ingest_seconds(workdir / "ingest.duckdb", csv)
        into_lake = ingest_seconds(empty_lake(args.lake), csv)
        print(
            f"ingest of {args.ingest_rows:_} rows (whole process): file {fresh_file:.1f} s, "
            f"lake {into_lake:.1f} s, lake÷file {into_lake / fresh_file:.2f}×".replace("_", ".")
        )


if __name__ == "__main__":
    main()
