"""Ingest of one large snapshot, with all validation, against the floors: DuckDB's own read_csv
straight into a table (CSV), fastexcel -> Arrow -> DuckDB table (xlsx), and what a user would
otherwise run, pandas.read_excel with openpyxl. Each step runs in its own process, so its peak
memory is its own.

    .venv/bin/python bench/ingest_bench.py --rows 1000000 [--xlsx-rows 0]

Part of bench/national.py; no timing is asserted anywhere.
"""

from __future__ import annotations

import argparse
import itertools
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.tree_memory import tree_resident_bytes  # noqa: E402

HEADER = ["NIP", "NAMA", "UNIT KERJA", "STATUS AKTIVASI", "TGL AKTIVASI", "EMAIL", "STATUS PDM", "STATUS VERIFIKASI"]


def roster_rows(start: int, stop: int) -> list[list[str]]:
    """Valid, distinct NIPs across ~30.000 unit names (as a national export would hold them)."""
    rows = []
    for i in range(start, stop):
        birth = f"19{60 + i % 25:02d}{1 + i % 12:02d}{1 + i % 28:02d}"
        unique = f"{birth}{2000 + i // 12_000 % 20}{1 + (i // 1000) % 12:02d}{1 + i % 2}{1 + i % 999:03d}"
        status = "Sudah" if i % 4 else "Belum"
        day = f"{1 + i % 30:02d}/06/2021" if i % 4 else ""
        rows.append([unique, f"Pegawai {i}", f"Unit {i % 30_000}", status, day, f"p{i}@x.go.id", status, "Belum"])
    return rows


def write_csv(path: Path, rows: int) -> None:
    """Written in chunks to keep memory flat."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write(";".join(HEADER) + "\n")
        for start in range(0, rows, 100_000):
            chunk = roster_rows(start, min(rows, start + 100_000))
            handle.write("\n".join(";".join(r) for r in chunk) + "\n")


def write_xlsx(path: Path, rows: int) -> None:
    """NIP cells as text, as BKN's exports keep them; constant memory."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("Data")
    sheet.write_row(0, 0, HEADER)
    for start in range(0, rows, 100_000):
        for offset, row in enumerate(roster_rows(start, min(rows, start + 100_000))):
            sheet.write_row(start + offset + 1, 0, row)
    workbook.close()


# Each step prints the peak memory the kernel recorded: the larger of the process and the
# children it waited for (the xlsx reader's child process).
PEAK = (
    "\nimport resource\n"
    "print(max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
    " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
)


STEPS = {
    "csv floor": (
        "import duckdb, sys\n"
        "con = duckdb.connect(sys.argv[2])\n"
        "con.execute(\"CREATE TABLE t AS SELECT * FROM read_csv(?, delim=';', header=true, all_varchar=true)\","
        " [sys.argv[1]])\n"
    ),
    "xlsx floor": (
        "import duckdb, fastexcel, sys\n"
        "sheet = fastexcel.read_excel(sys.argv[1]).load_sheet(0, dtypes='string')\n"
        "grid = sheet.to_arrow()\n"
        "con = duckdb.connect(sys.argv[2])\n"
        "con.execute('CREATE TABLE t AS SELECT * FROM grid')\n"
    ),
    "openpyxl": ("import pandas, sys\nframe = pandas.read_excel(sys.argv[1], engine='openpyxl', dtype=str)\n"),
    "ingest": (
        "import sys\n"
        "from pdm_metrics.cli import main\n"
        "assert main(['ingest', sys.argv[1], '--db', sys.argv[2], '--date', '2021-07-11']) == 0\n"
    ),
}


def run_step(step: str, source: Path, workdir: Path) -> dict[str, float]:
    """Seconds and peak memory (MB) of one step in a fresh process. The peak is the larger of
    what the kernel recorded per process and the sum over the process and its children, sampled
    every 50 ms: a parent and its reader child hold memory at the same time."""
    db = workdir / f"{step.replace(' ', '_')}.duckdb"
    db.unlink(missing_ok=True)
    started = time.perf_counter()
    command = [sys.executable, "-c", STEPS[step] + PEAK, str(source), str(db)]
    with tempfile.TemporaryFile("w+", encoding="utf-8") as stages:
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=stages, text=True)
        sampled_kb = 0
        while process.poll() is None:
            sampled_kb = max(sampled_kb, tree_resident_bytes(process.pid) // 1024)
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        output = process.stdout.read() if process.stdout else ""
        stages.seek(0)
        steps = step_seconds(stages.read())
    if process.returncode != 0:
        raise RuntimeError(f"{step} failed with exit code {process.returncode}")
    db.unlink(missing_ok=True)
    recorded_kb = int(output.strip().splitlines()[-1])
    return {"seconds": seconds, "peak_mb": max(recorded_kb, sampled_kb) / 1024, **steps}


# The ingest command's progress lines on stderr ("[   4.1 s] Memeriksa 4.300.000 baris ...") mark
# where each step starts: reading, checking, saving, done.
STEP_STARTS = {"reading": "Membaca", "checks": "Memeriksa", "saving": "Menyimpan ...", "done": "Selesai"}


def step_seconds(progress: str) -> dict[str, float]:
    """Seconds of each ingest step (reading, checks, saving) from its progress lines; none for a floor."""
    starts: dict[str, float] = {}
    for line in progress.replace("\r", "\n").splitlines():
        found = re.match(r"\[\s*([\d.]+) s\] (.*)", line)
        for name, word in STEP_STARTS.items():
            if found and found.group(2).startswith(word) and name not in starts:
                starts[name] = float(found.group(1))
    names = list(STEP_STARTS)
    if not all(name in starts for name in names):
        return {}
    return {name: starts[after] - starts[name] for name, after in itertools.pairwise(names)}


def measure_csv(rows: int, workdir: Path) -> dict[str, dict[str, float]]:
    path = workdir / "snapshot.csv"
    write_csv(path, rows)
    print(f"CSV of {rows:_} rows: {path.stat().st_size / 1e6:.0f} MB".replace("_", "."), flush=True)
    results = {"csv floor": run_step("csv floor", path, workdir), "csv ingest": run_step("ingest", path, workdir)}
    path.unlink()
    return results


def measure_xlsx(rows: int, workdir: Path, openpyxl_rows: int) -> dict[str, dict[str, float]]:
    path = workdir / "snapshot.xlsx"
    write_xlsx(path, rows)
    print(f"xlsx of {rows:_} rows: {path.stat().st_size / 1e6:.0f} MB".replace("_", "."), flush=True)
    results = {"xlsx floor": run_step("xlsx floor", path, workdir), "xlsx ingest": run_step("ingest", path, workdir)}
    if openpyxl_rows:
        small = workdir / "openpyxl.xlsx"
        write_xlsx(small, openpyxl_rows)
        timing = run_step("openpyxl", small, workdir)
        # openpyxl reads row by row: its time grows in proportion to the rows.
        results["xlsx openpyxl"] = {**timing, "seconds": timing["seconds"] * rows / openpyxl_rows}
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=0)
    parser.add_argument("--openpyxl-rows", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pdm-bench-") as folder:
        results = measure_csv(args.rows, Path(folder))
        if args.xlsx_rows:
            results |= measure_xlsx(args.xlsx_rows, Path(folder), args.openpyxl_rows)
    for name, result in results.items():
        steps = ", ".join(f"{step} {result[step]:.1f} s" for step in ("reading", "checks", "saving") if step in result)
        print(f"{name:<16}{result['seconds']:>10.1f} s{result['peak_mb']:>10.0f} MB   {steps}")


if __name__ == "__main__":
    main()
