"""The limits one file's reading works within, whatever the file: the memory of the whole
process tree (what this process adds while reading, and the Excel reader's child whole) and
the wall-clock time.

A hostile workbook can be a few KB that expand to gigabytes, or a file that keeps a parser busy
for minutes. Both limits are checked as the reading goes (the Excel child is watched and ended
the moment the tree passes the memory budget or the time is up; DuckDB's work is interrupted at
the deadline), and the reader estimates a workbook's expansion before parsing it, so most such
files are refused before they take any memory at all.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from pdm_metrics.errors import RosterError
from pdm_metrics.fmt import format_int, format_size

MEMORY_BUDGET_MB = int(os.environ.get("PDM_MEMORY_BUDGET_MB", "1536"))
TIME_BUDGET_SECONDS = float(os.environ.get("PDM_TIME_BUDGET_S", "300"))
INTERRUPT_AGAIN_SECONDS = 0.1
_PAGE = os.sysconf("SC_PAGE_SIZE")


def resident_bytes(pid: int | str = "self") -> int:
    """The memory a process holds now (its resident set), 0 when it has ended."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


@dataclass(frozen=True)
class Budget:
    """How much memory the reading's process tree may hold, and until when it may run."""

    memory_bytes: int = MEMORY_BUDGET_MB * 2**20
    seconds: float = TIME_BUDGET_SECONDS
    started: float = field(default_factory=time.monotonic)
    # What this process held when the reading began: a server holds its other sessions' pages
    # too, so the budget counts what the reading adds (from the command line, nearly all of it).
    resident_at_start: int = field(default_factory=resident_bytes)

    def grown(self) -> int:
        """How much more memory this process holds than when the reading began."""
        return max(0, resident_bytes() - self.resident_at_start)

    def seconds_left(self) -> float:
        return self.seconds - (time.monotonic() - self.started)

    def check_time(self) -> None:
        if self.seconds_left() <= 0:
            raise RosterError(self.time_message())

    def time_message(self) -> str:
        return (
            f"Pembacaan berkas melewati batas waktu {format_int(round(self.seconds))} detik "
            "(PDM_TIME_BUDGET_S) dan dihentikan; tidak ada yang disimpan. Berkas yang sehat sebesar "
            "ini tidak selama itu: periksa berkasnya, pecah menjadi beberapa bagian, atau simpan sebagai CSV."
        )

    def memory_message(self, needed: int | None = None, why: str = "") -> str:
        """Why a file is refused for memory: with `needed`, as estimated before parsing."""
        limit = f"batas {format_size(self.memory_bytes)} (PDM_MEMORY_BUDGET_MB)"
        if needed is None:
            said = f"Pembacaan berkas ini melewati {limit} dan dihentikan."
        else:
            because = f" ({why})" if why else ""
            need = format_size(needed)
            said = f"Berkas ini memerlukan sekitar {need} memori untuk dibaca{because}, melebihi {limit}."
        return (
            f"{said} Berkas ditolak; tidak ada yang disimpan. Periksa berkasnya (sel terisi jauh di luar "
            "tabel, teks yang sangat panjang), atau simpan sebagai CSV."
        )


_current: ContextVar[Budget | None] = ContextVar("pdm_budget", default=None)


def current() -> Budget:
    """The budget of the reading under way in this thread (a fresh one outside any)."""
    return _current.get() or Budget()


@contextmanager
def reading(budget: Budget | None = None) -> Iterator[Budget]:
    """Everything read inside this block shares one budget."""
    active = budget or Budget()
    token = _current.set(active)
    try:
        yield active
    finally:
        _current.reset(token)


@contextmanager
def interrupt_at_deadline(budget: Budget, interrupt: Callable[[], None]) -> Iterator[None]:
    """Call `interrupt` (a DuckDB connection's) once the budget's time runs out inside the block,
    and again every INTERRUPT_AGAIN_SECONDS until the block ends: an interrupt that lands between
    two statements stops nothing, the next one stops the statement that follows."""
    done = threading.Event()

    def watch() -> None:
        if done.wait(max(budget.seconds_left(), 0.0)):
            return
        while not done.is_set():
            interrupt()
            done.wait(INTERRUPT_AGAIN_SECONDS)

    watcher = threading.Thread(target=watch, name="pdm-deadline", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
