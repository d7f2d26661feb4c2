"""Private temporary folders: a copy of an upload, an Excel grid, a download being written, all of
them personal data. Each is named after the process that made it (pdm-KIND-PID-…), so that a
folder left behind by a process that was killed (kill -9 gives it no chance to clean up) is
removed the next time any Pantau PDM process makes one."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

_NAME = re.compile(r"^pdm-[a-z]+-(\d+)-")


def private_dir(kind: str) -> tempfile.TemporaryDirectory[str]:
    """A temporary folder of this process (removed on exit from its `with`), after the orphans went."""
    remove_orphans()
    return tempfile.TemporaryDirectory(prefix=f"pdm-{kind}-{os.getpid()}-")


def remove_orphans(root: Path | None = None) -> list[Path]:
    """Remove the folders of Pantau PDM processes that no longer run; returns them."""
    removed: list[Path] = []
    folder = root or Path(tempfile.gettempdir())
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _NAME.match(entry.name)
        if match and entry.is_dir(follow_symlinks=False) and not _running(int(match.group(1))):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive, and not ours to clean
        return True
    return True
