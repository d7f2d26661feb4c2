"""A bounded load test on loopback: 20 viewers move through the pages while an operator saves a
new snapshot. No page may fail, and no viewer may see a half-written snapshot."""

from __future__ import annotations

import datetime as dt
import json
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.test_flows import export_file

pytestmark = pytest.mark.browser
SESSIONS, ROUNDS = 20, 1


def test_twenty_viewers_while_an_operator_saves(fresh_server_url: str, tmp_path: Path) -> None:
    roster = export_file(tmp_path / "rekap_juli.csv", dt.date(2021, 7, 11))  # 3.923 ASN
    script = Path(__file__).with_name("load_sessions.py")
    command = [sys.executable, str(script), fresh_server_url, str(roster), str(SESSIONS), str(ROUNDS)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["errors"] == [] and len(report["saved"]) == 1
    assert len(report["times"]) == SESSIONS * ROUNDS * 5
    # Every Ringkasan showed a whole snapshot: the sample's, or after the save the new one, whole.
    shown = [tuple(r) for r in report["ringkasan"]]
    assert len(shown) == SESSIONS * ROUNDS and all(date is not None for date, _ in shown)
    assert all(count == "3.923" for date, count in shown if date == "11 Juli 2021")
    times = sorted(report["times"])
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"\n{len(times)} halaman, median {statistics.median(times):.2f} s, p95 {p95:.2f} s, maks {times[-1]:.2f} s")
