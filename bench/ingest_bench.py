"""CSV ingest of one large snapshot, with all validation, against the floor of DuckDB's own
read_csv straight into a table. Prints seconds, ratio and peak memory (each step runs in its
own process so peak memory is that step's alone).

    .venv/bin/python bench/ingest_bench.py --rows 1000000

A baseline for the national-scale work (4,3 million ASN per snapshot); no timing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = "NIP;NAMA;UNIT KERJA;STATUS AKTIVASI;TGL AKTIVASI;EMAIL;STATUS PDM;STATUS VERIFIKASI"


def write_csv(path: Path, rows: int) -> None:
    """Valid, distinct NIPs across ~30.000 unit names; written in chunks to keep memory flat."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write(HEADER + "\n")
        for start in range(0, rows, 100_000):
            lines = []
            for i in range(start, min(rows, start + 100_000)):
                birth = f"19{60 + i % 38:02d}{1 + i % 12:02d}{1 + i % 28:02d}"
                unique = f"{birth}{2000 + i // 12_000 % 20}{1 + (i // 1000) % 12:02d}{1 + i % 2}{i % 1000:03d}"
                status = "Sudah" if i % 4 else "Belum"
                date = f"{1 + i % 30:02d}/06/2021" if i % 4 else ""
                lines.append(f"{unique};Pegawai {i};Unit {i % 30_000};{status};{date};p{i}@x.go.id;{status};Belum")
            handle.write("\n".join(lines) + "\n")


STEPS = {
    "floor": (
        "import duckdb, sys\n"
        "con = duckdb.connect(sys.argv[2])\n"
        "con.execute(\"CREATE TABLE t AS SELECT * FROM read_csv(?, delim=';', header=true, all_varchar=true)\","
        " [sys.argv[1]])\n"
    ),
    "ingest": (
        "import sys\n"
        "from pdm_metrics.cli import main\n"
        "sys.exit(main(['ingest', sys.argv[1], '--db', sys.argv[2], '--date', '2021-07-11']))\n"
    ),
}


def run_step(name: str, csv_path: Path, workdir: Path) -> dict[str, float]:
    db = workdir / f"{name}.duckdb"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", STEPS[name], str(csv_path), str(db)], cwd=ROOT, check=True,
                   capture_output=True)  # fmt: skip
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far
    return {"seconds": seconds, "peak_mb": peak_kb / 1024}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pdm-bench-") as folder:
        workdir = Path(folder)
        csv_path = workdir / "snapshot.csv"
        write_csv(csv_path, args.rows)
        size_mb = csv_path.stat().st_size / 2**20
        floor = run_step("floor", csv_path, workdir)  # run first: ru_maxrss is a running maximum
        ingest = run_step("ingest", csv_path, workdir)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"CSV: {args.rows:_} rows, {size_mb:.0f} MB".replace("_", "."))
    print(f"{'step':<32}{'seconds':>10}{'peak MB':>10}")
    print(f"{'DuckDB read_csv (floor)':<32}{floor['seconds']:>10.1f}{floor['peak_mb']:>10.0f}")
    print(f"{'pdm_metrics ingest (validated)':<32}{ingest['seconds']:>10.1f}{ingest['peak_mb']:>10.0f}")
    print(f"ratio ingest / floor: {ingest['seconds'] / floor['seconds']:.1f}")
    print(json.dumps({"rows": args.rows, "floor": floor, "ingest": ingest}))


if __name__ == "__main__":
    main()
