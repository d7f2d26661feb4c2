"""The reading's memory budget against the worst files we can build, and what it costs a sound one:
each file is ingested by the command line while the whole process tree's resident memory is
sampled from outside every 5 ms (tests/tree_memory.py).

    .venv/bin/python bench/hostile_memory.py [--sound-rows 1000000]

Prints one line per file: size on disk, exit code, peak of the tree, seconds, the message's
start. Nothing is asserted (tests/test_hostile_inputs.py asserts the bound).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest_bench import write_xlsx

from tests import hostile_workbooks
from tests.tree_memory import run_measured

ROOT = Path(__file__).resolve().parent.parent

FILES: dict[str, tuple[Callable[[], bytes], str]] = {
    "shared string × 20.000 cells": (hostile_workbooks.shared_string_bomb, ".xlsx"),
    "shared string numbered 00": (lambda: hostile_workbooks.shared_string_bomb(index="00"), ".xlsx"),
    "one cell at ALL100000": (hostile_workbooks.sparse_span, ".xlsx"),
    "same, reference second": (lambda: hostile_workbooks.sparse_span(reference_first=False), ".xlsx"),
    "ods repeats (60 M cells)": (hostile_workbooks.ods_repeat_bomb, ".ods"),
    "sizes that lie (800 MB as 2 MB)": (hostile_workbooks.lying_sizes, ".xlsx"),
}


def colliding_nips(path: Path, rows: int = 3_000_000) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("NIP;NAMA;OPD;STATUS AKTIVASI\n")
        for i in range(rows):
            handle.write(f"199001012020121{i % 1000:03d};ASN {i};Dinas {i % 300};Sudah\n")


def measure(label: str, path: Path, folder: Path) -> None:
    db = folder / "bench.duckdb"
    db.unlink(missing_ok=True)
    command = [sys.executable, "-m", "pdm_metrics", "ingest", str(path), "--db", str(db), "--confirm"]
    run = run_measured(command, ROOT, timeout=900)
    said = run.stderr.strip().splitlines()[-1][:110] if run.stderr.strip() else ""
    size = path.stat().st_size / 2**20
    print(
        f"{label:34} {size:8.1f} MB  exit {run.returncode}  peak {run.peak_bytes / 2**20:6.0f} MB  "
        f"{run.seconds:5.1f} s  {said}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sound-rows", type=int, default=1_000_000, help="rows of the sound xlsx (0: none)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for label, (build, suffix) in FILES.items():
            path = folder / f"rekap_20210801{suffix}"
            path.write_bytes(build())
            measure(label, path, folder)
            path.unlink()
        path = folder / "rekap_20210801.csv"
        colliding_nips(path)
        measure("3.000.000 rows, NIPs colliding", path, folder)
        path.unlink()
        if args.sound_rows:
            path = folder / "rekap_20210801.xlsx"
            write_xlsx(path, args.sound_rows)
            measure(f"sound xlsx, {args.sound_rows:_} rows".replace("_", "."), path, folder)


if __name__ == "__main__":
    main()
