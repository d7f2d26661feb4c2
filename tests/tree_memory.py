"""Peak memory of a whole process tree (a command and every process it starts), measured from
outside: the resident memory of each living process of the tree is read from /proc and summed,
every few milliseconds, while the command runs."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pdm_metrics.budget import resident_bytes


@dataclass(frozen=True)
class TreeRun:
    returncode: int
    stdout: str
    stderr: str
    peak_bytes: int  # the largest sum of resident memory over the tree seen at one moment
    seconds: float


def _descendants(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                pending += [int(p) for p in Path(f"/proc/{current}/task/{task}/children").read_text().split()]
        except OSError:
            continue  # ended meanwhile
    return found


def tree_resident_bytes(pid: int) -> int:
    """The resident memory of a process and every process below it, now."""
    return sum(resident_bytes(member) for member in _descendants(pid))


def run_measured(
    args: Sequence[str], cwd: Path, timeout: float, env: Mapping[str, str] | None = None, every: float = 0.005
) -> TreeRun:
    """Run `args`, sampling the tree's memory every `every` seconds until it ends."""
    started = time.monotonic()
    process = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_resident_bytes(process.pid))
            time.sleep(every)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    finally:
        done.set()
        sampler.join()
        if process.poll() is None:
            process.kill()
            process.wait()
    return TreeRun(process.returncode, stdout, stderr, peak, time.monotonic() - started)
