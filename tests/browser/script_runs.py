"""When the page has settled, from what Streamlit itself says on the websocket: the browser asked
for a run (BackMsg rerun_script), the server says whether a script is running
(session_status_changed) and when a run finished (script_finished). The browser tests and
bench/clicks.py wait on these instead of fixed sleeps, so a slow machine only waits longer.
"""

from __future__ import annotations

import time
import weakref

from playwright.sync_api import BrowserContext, Page, WebSocket
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

# Nothing of the page is still drawn as a placeholder, left stale from the run before, or running.
DRAWN = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-testid="stMain"] [data-stale="true"]')
    && !document.querySelector('[data-testid="stMain"] [data-testid="stSkeleton"]')"""
# A click is dispatched before Playwright returns, but the browser sends its run request a moment
# later: the page must stay idle this long before it counts as settled.
QUIET_S = 0.2
_EARLY = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN


class ScriptRuns:
    """One page's script runs as its websockets report them (every socket the page opens)."""

    def __init__(self, page: Page) -> None:
        self.running = False
        self.sockets = 0  # open: none between a page's unload and its new page's connection
        self.awaiting_first_run = False  # a new connection's first run has not finished
        self.requested_at = self.finished_at = self.changed_at = time.perf_counter()
        self.finished = 0  # runs finished (not cut short by a newer run)
        page.on("websocket", self._watch)

    def _watch(self, socket: WebSocket) -> None:
        self.sockets += 1
        self.awaiting_first_run, self.changed_at = True, time.perf_counter()
        socket.on("close", self._closed)
        socket.on("framesent", self._sent)
        socket.on("framereceived", self._received)

    def _closed(self, _: WebSocket) -> None:
        self.sockets -= 1

    def _sent(self, payload: str | bytes) -> None:
        message = BackMsg()
        if isinstance(payload, bytes) and _parsed(message, payload) and message.WhichOneof("type") == "rerun_script":
            self.requested_at = self.changed_at = time.perf_counter()

    def _received(self, payload: str | bytes) -> None:
        message = ForwardMsg()
        if not isinstance(payload, bytes) or not _parsed(message, payload):
            return
        kind = message.WhichOneof("type")
        if kind == "session_status_changed":
            self.running = message.session_status_changed.script_is_running
            self.changed_at = time.perf_counter()
        elif kind == "script_finished" and message.script_finished != _EARLY:
            self.finished += 1
            self.awaiting_first_run = False
            self.finished_at = self.changed_at = time.perf_counter()

    def idle(self) -> bool:
        """Connected, no run under way, and none asked for since the last one finished."""
        connected = self.sockets > 0 and not self.awaiting_first_run
        return connected and not self.running and self.finished_at >= self.requested_at

    def settled_at(self, page: Page, timeout_s: float = 60.0) -> float:
        """Wait until the page is idle, drawn and quiet; the moment it became so (perf_counter)."""
        deadline = time.perf_counter() + timeout_s
        since: float | None = None
        while time.perf_counter() < deadline:
            page.wait_for_timeout(25)  # lets the websocket's events in
            if not self.idle() or not page.evaluate(DRAWN):
                since = None
                continue
            since = since or time.perf_counter()
            if time.perf_counter() - max(since, self.changed_at) >= QUIET_S:
                return max(since, self.finished_at)
        raise TimeoutError("halaman tidak selesai dijalankan dalam batas waktu")


def _parsed(message: BackMsg | ForwardMsg, payload: bytes) -> bool:
    try:
        message.ParseFromString(payload)
    except Exception:  # noqa: BLE001 - a frame that is not Streamlit's protobuf says nothing of runs
        return False
    return True


_TRACKED: weakref.WeakKeyDictionary[Page, ScriptRuns] = weakref.WeakKeyDictionary()


def track(context: BrowserContext) -> BrowserContext:
    """Every page the context opens from now on has its runs followed (before it connects)."""

    def follow(page: Page) -> None:
        _TRACKED.setdefault(page, ScriptRuns(page))

    context.on("page", follow)
    return context


def runs_of(page: Page) -> ScriptRuns | None:
    return _TRACKED.get(page)
