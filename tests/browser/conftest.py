"""A real server and a real Chromium (Debian's, installed by .ci/run) for the main flows."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# This machine has no internet: without the background-networking flags Chromium keeps retrying.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
SCREENSHOT_DIR = ROOT / ("docs/screenshots" if os.environ.get("PDM_UPDATE_SCREENSHOTS") else "test-artifacts")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        if os.environ.get("PDM_REQUIRE_BROWSER"):
            pytest.fail("Chromium tidak terpasang di /usr/bin/chromium (apt-get install chromium)")
        pytest.skip("Chromium is not installed; run ./run-tests.sh to install it")
    return CHROMIUM


@pytest.fixture(scope="session")
def server_url(sample_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve(sample_db_path, tmp_path_factory.mktemp("browser"), secrets=None)


@pytest.fixture
def fresh_server_url(sample_db_path: Path, tmp_path: Path) -> Iterator[str]:
    """A server of the test's own: for a flow that stores real data."""
    yield from _serve(sample_db_path, tmp_path, secrets=None)


@pytest.fixture(scope="session")
def secured_server_url(sample_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app with users configured, as an agency would deploy it."""
    folder = tmp_path_factory.mktemp("secured")
    yield from _serve(sample_db_path, folder, secrets=secrets_file(folder, SECURED_USERS))


SECURED_USERS = [("kepala", "pimpinan", "kata-sandi-kepala"), ("ani", "operator", "kata-sandi-ani")]
HOSTILE_USERS = [("kepala", "pimpinan", "kata-sandi-kepala"), ("admin", "admin", "kata-sandi-admin")]


def secrets_file(folder: Path, users: list[tuple[str, str, str]]) -> Path:
    from pdm_metrics.auth import hash_password

    secrets = folder / "secrets.toml"
    secrets.write_text(
        "".join(
            f'[users.{name}]\nname = "{name.title()}"\nrole = "{role}"\npassword_hash = "{hash_password(pw)}"\n'
            for name, role, pw in users
        ),
        encoding="utf-8",
    )
    return secrets


@pytest.fixture(scope="session")
def hostile_server_url(sample_db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Users configured, and a real database whose names are built to be markup (tests/hostile_names.py)."""
    from tests.hostile_names import build_hostile_database

    folder = tmp_path_factory.mktemp("hostile")
    build_hostile_database(folder / "app.duckdb", folder)
    yield from _serve(sample_db_path, folder, secrets=secrets_file(folder, HOSTILE_USERS))


@pytest.fixture
def open_server_url(sample_db_path: Path, tmp_path: Path) -> Iterator[str]:
    """Local mode (no users) on a server listening on every interface, as a careless deployment runs it."""
    yield from _serve(sample_db_path, tmp_path, secrets=None, address="0.0.0.0")


def _serve(sample_db_path: Path, folder: Path, secrets: Path | None, address: str = "127.0.0.1") -> Iterator[str]:
    """A fresh install: the real database in `folder` (an empty one unless a test made it) beside a
    copy of the sample in its own file."""
    db, sample = folder / "app.duckdb", folder / "app-contoh.duckdb"
    shutil.copy(sample_db_path, sample)
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "app.py"),
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.address",
        address,
        "--secrets.files",
        str(secrets or folder / "tidak-ada.toml"),
    ]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "PDM_DB": str(db), "PDM_SAMPLE_DB": str(sample)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("the Streamlit server did not start")
    yield url
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium_path),
            args=CHROMIUM_FLAGS,
        )
        yield TrackedBrowser(launched)
        launched.close()


class TrackedBrowser:
    """The launched browser, whose every context follows its pages' script runs (wait_idle waits on them)."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser

    def new_context(self, **options: Any) -> Any:
        from tests.browser.script_runs import track

        return track(self._browser.new_context(**options))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture
def page(browser, server_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US", accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    context.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR
