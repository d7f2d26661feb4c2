"""Access in a real browser and over plain HTTP, with users configured."""

from __future__ import annotations

import re
import urllib.request

import pytest

from tests.browser.conftest import SECURED_USERS
from tests.browser.test_flows import main_text, navigation_text, open_page, wait_idle

pytestmark = pytest.mark.browser


def test_http_probe_serves_no_data_before_login(secured_server_url: str) -> None:
    with urllib.request.urlopen(f"{secured_server_url}/", timeout=10) as response:
        body = response.read().decode("utf-8", errors="replace")
    assert response.status == 200 and not re.search(r"\d{18}", body) and "Ringkasan PDM" not in body


def test_only_the_login_screen_before_login_then_what_the_role_may_see(page, secured_server_url: str) -> None:  # type: ignore[no-untyped-def]
    open_page(page, secured_server_url)
    text = main_text(page)
    assert "Masuk ke Pantau PDM" in text and "Ringkasan PDM" not in text and "%" not in text
    assert page.get_by_test_id("stTopNav").count() == 0
    name, _, password = SECURED_USERS[0]
    page.get_by_label("Nama pengguna").fill(name)
    page.get_by_label("Kata sandi").fill("salah")
    page.get_by_role("button", name="Masuk").click()
    page.get_by_text("Nama pengguna atau kata sandi salah.").wait_for()
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    page.get_by_text("Ringkasan PDM").first.wait_for()
    wait_idle(page)
    navigation = navigation_text(page)
    assert "Ringkasan" in navigation and "Data & Unduh" in navigation
    assert "Unggah Snapshot" not in navigation and "Catatan Audit" not in navigation and "Cadangan" not in navigation
    assert "Pimpinan" in page.get_by_test_id("stSidebar").inner_text()
    page.get_by_role("button", name="Keluar").click()
    page.get_by_text("Masuk ke Pantau PDM").wait_for()


def test_local_mode_on_every_interface_serves_nobody_and_says_how_to_create_users(page, open_server_url: str) -> None:  # type: ignore[no-untyped-def]
    open_page(page, open_server_url)
    text = main_text(page)
    assert "Pantau PDM belum siap dipakai di jaringan" in text and "hash-password" in text
    assert "Ringkasan PDM" not in text and page.get_by_test_id("stTopNav").count() == 0


def test_local_mode_behind_a_proxy_name_is_not_local(browser, server_url: str) -> None:  # type: ignore[no-untyped-def]
    """The same loopback server reached under another host name (as through nginx): no implicit admin."""
    port = server_url.rsplit(":", 1)[1]
    context = browser.new_context(extra_http_headers={"X-Forwarded-For": "203.0.113.9"})
    tab = context.new_page()
    open_page(tab, f"http://127.0.0.1:{port}")
    assert "Pantau PDM belum siap dipakai di jaringan" in main_text(tab)
    context.close()
