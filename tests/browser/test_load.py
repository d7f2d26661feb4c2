"""A bounded load test on loopback: viewers move through the pages while an operator saves a new
snapshot. No page may fail, no viewer may see a half-written snapshot, and once the save has
finished every viewer sees the new snapshot whole."""

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
# Six sessions keep the server's runs overlapping the save (two cores, a few runs at a time)
# at a fraction of the twenty it had; each walks the pages until the save is done and it has shown
# a Ringkasan (what it would open after that, the last look checks), three rounds at most.
SESSIONS, MAX_ROUNDS = 6, 3


def test_viewers_while_an_operator_saves(fresh_server_url: str, tmp_path: Path) -> None:
    roster = export_file(tmp_path / "rekap_juli.csv", dt.date(2021, 7, 11))  # 3.923 ASN
    script = Path(__file__).with_name("load_sessions.py")
    command = [sys.executable, str(script), fresh_server_url, str(roster), str(SESSIONS), str(MAX_ROUNDS)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["errors"] == [] and len(report["saved"]) == 1
    # Every Ringkasan before the save showed a whole snapshot: the sample's, or (a viewer that
    # reloaded just after the save) the new one, whole.
    before = [tuple(r) for r in report["ringkasan"]]
    assert len(before) >= SESSIONS and all(day is not None for day, _ in before), before
    assert all(count == "3.923" for day, count in before if day == "11 Juli 2021"), before
    # After the save, every viewer's Ringkasan is the new snapshot, whole.
    assert [tuple(r) for r in report["after_save"]] == [("11 Juli 2021", "3.923")] * SESSIONS
    times = sorted(report["times"])
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"\n{len(times)} halaman, median {statistics.median(times):.2f} s, p95 {p95:.2f} s, maks {times[-1]:.2f} s")
