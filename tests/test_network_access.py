"""Safe on a network (1): no implicit admin off this computer, sessions that end with their account,
a secrets file that is wrong says where, and a login throttle that is fair under concurrency."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pdm_metrics import auth
from pdm_metrics.errors import SecretsError
from tests.conftest import FakeClient, shown

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK_HOST = {"Host": "127.0.0.1:8501"}


# ----------------------------------------------------------------------------- what is local


@pytest.mark.parametrize(
    ("server", "peer", "headers", "local"),
    [
        ("127.0.0.1", None, LOOPBACK_HOST, True),
        ("localhost", None, {"Host": "localhost:8501"}, True),
        ("::1", None, {"Host": "[::1]:8501"}, True),
        ("127.0.0.1", None, {}, True),
        # nginx on this machine forwards a remote browser: the peer is loopback, the rest is not
        ("127.0.0.1", None, {"Host": "pdm.example.go.id"}, False),
        ("127.0.0.1", None, {**LOOPBACK_HOST, "X-Forwarded-For": "203.0.113.9"}, False),
        ("127.0.0.1", None, {**LOOPBACK_HOST, "x-real-ip": "203.0.113.9"}, False),
        ("127.0.0.1", None, {**LOOPBACK_HOST, "Forwarded": "for=203.0.113.9"}, False),
        ("127.0.0.1", None, {**LOOPBACK_HOST, "Via": "1.1 proxy"}, False),
        ("127.0.0.1", "192.168.1.20", LOOPBACK_HOST, False),
        # a server listening on every interface is never "this computer only"
        ("0.0.0.0", None, LOOPBACK_HOST, False),
        ("", None, LOOPBACK_HOST, False),
        (None, None, LOOPBACK_HOST, False),
        ("10.0.0.5", None, LOOPBACK_HOST, False),
    ],
)
def test_only_a_loopback_request_to_a_loopback_server_is_local(
    server: str | None, peer: str | None, headers: dict[str, str], local: bool
) -> None:
    assert auth.is_local_request(server, peer, headers) is local


def test_the_client_behind_a_proxy_is_the_address_the_proxy_added() -> None:
    assert auth.client_address("192.168.1.20", {"X-Forwarded-For": "1.2.3.4"}) == "192.168.1.20"
    # the browser may write anything before the proxy's own entry: only the last one counts
    assert auth.client_address(None, {"x-forwarded-for": "6.6.6.6, 203.0.113.9"}) == "203.0.113.9"
    assert auth.client_address(None, {"X-Real-IP": "203.0.113.7"}) == "203.0.113.7"
    assert auth.client_address(None, {}) == "lokal"


# ----------------------------------------------------------------------------- secrets.toml


@pytest.mark.parametrize(
    ("section", "named"),
    [
        ({"ani": {"role": "opertor", "password_hash": auth.hash_password("x" * 12)}}, "role 'opertor' tidak dikenal"),
        ({"ani": {"password_hash": auth.hash_password("x" * 12)}}, "role tidak ada"),
        ({"ani": {"role": "admin", "password_hash": "scrypt$...ganti..."}}, "password_hash"),
        ({"ani": {"role": "admin"}}, "password_hash"),
        ({"ani": "admin"}, "harus berupa tabel"),
    ],
)
def test_a_bad_user_entry_is_named(section: dict[str, object], named: str) -> None:
    with pytest.raises(SecretsError, match=named) as raised:
        auth.users_from_secrets(section)
    assert "[users.ani]" in raised.value.message


def test_a_misspelt_role_shows_one_indonesian_message_to_every_visitor(app_db: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets["users"] = {"ani": {"name": "Ani", "role": "opertor", "password_hash": auth.hash_password("a" * 12)}}
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Pantau PDM belum dapat dibuka"]
    assert "[users.ani]" in shown(at.error[0].value) and "opertor" in shown(at.error[0].value)
    assert not at.text_input  # no login form, no data


# ----------------------------------------------------------------------------- local mode off this computer


def _app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    return at


def test_local_mode_is_admin_on_this_computer(app_db: Path) -> None:
    at = _app()
    assert "Ringkasan PDM" in at.title[0].value


@pytest.mark.parametrize(
    "client",
    [
        FakeClient(None, [("Host", "pdm.example.go.id"), ("X-Forwarded-For", "203.0.113.9")]),  # behind nginx
        FakeClient("192.168.1.20", [("Host", "192.168.1.5:8501")]),  # straight from the office network
    ],
)
def test_local_mode_refuses_a_remote_client_and_says_how_to_create_users(
    app_db: Path, apptest_client: FakeClient, client: FakeClient
) -> None:
    apptest_client.remote_ip, apptest_client.headers = client.remote_ip, client.headers
    at = _app()
    assert [t.value for t in at.title] == ["Pantau PDM belum siap dipakai di jaringan"]
    assert "hash-password" in at.markdown[0].value and "secrets.toml" in at.markdown[0].value
    assert not at.metric and not at.dataframe and not app_db.exists()  # nothing read, nothing opened
    at.switch_page("app_pages/cadangan.py")  # a deep link runs app.py first, which stops here
    at.run()
    assert [t.value for t in at.title] == ["Pantau PDM belum siap dipakai di jaringan"] and not at.button


# ----------------------------------------------------------------------------- sessions follow their account


def _signed_in(users: dict[str, dict[str, str]], username: str, password: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets["users"] = users
    at.run()
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click()
    at.run()
    at.switch_page("app_pages/unggah.py")
    at.run()
    assert at.title[0].value == "Unggah Snapshot"
    return at


def _operator(password: str) -> dict[str, str]:
    return {"name": "Ani", "role": "operator", "password_hash": auth.hash_password(password)}


@pytest.mark.parametrize("change", ["password", "removed", "role"])
def test_an_open_session_ends_when_its_account_changes(app_db: Path, change: str) -> None:
    admin = {"name": "Admin", "role": "admin", "password_hash": auth.hash_password("admin-rahasia-sekali")}
    at = _signed_in({"ani": _operator("kata-sandi-lama"), "admin": admin}, "ani", "kata-sandi-lama")
    ani = dict(at.secrets["users"]["ani"])
    changed = {
        "password": {"ani": _operator("kata-sandi-baru"), "admin": admin},
        "removed": {"admin": admin},
        "role": {"ani": {**ani, "role": "pimpinan"}, "admin": admin},  # same password, lower role
    }
    at.secrets["users"] = changed[change]
    at.run()
    assert [t.value for t in at.title] == ["Masuk ke Pantau PDM"]
    assert "Sesi berakhir" in shown(at.info[0].value)
    at.switch_page("app_pages/unggah.py")
    at.run()
    assert [t.value for t in at.title] == ["Masuk ke Pantau PDM"] and not at.get("file_uploader")


# ----------------------------------------------------------------------------- the throttle


class FakeTime:
    """A clock that moves only when the throttle sleeps: waits are exact, whatever the machine's load."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.waits.append(seconds)


USERS = auth.users_from_secrets({"admin": {"role": "admin", "password_hash": auth.hash_password("benar-sekali")}})


def test_guesses_sent_at_once_from_one_client_take_turns() -> None:
    fake = FakeTime()
    throttle = auth.LoginThrottle(sleep=fake.sleep, clock=fake.clock)
    start = threading.Barrier(8)

    def guess() -> None:
        start.wait()
        assert throttle.attempt(USERS, "admin", "salah", client="203.0.113.9") is None

    threads = [threading.Thread(target=guess) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # eight at once wait as long as eight in a row: 0, 0, 0, then 1, 1+2, 3+4, 7+8, 15+16 seconds
    assert sorted(fake.waits) == [0.0, 0.0, 0.0, 1.0, 3.0, 7.0, 15.0, 31.0]


def failed_guesses(count: int, client: str, every: float) -> tuple[FakeTime, auth.LoginThrottle]:
    """A throttle after `count` wrong passwords for "admin" from `client`, one each `every` seconds."""
    fake = FakeTime()
    throttle = auth.LoginThrottle(sleep=fake.sleep, clock=fake.clock)
    for _ in range(count):
        throttle.attempt(USERS, "admin", "salah", client=client)
        fake.now += every
    return fake, throttle


def test_a_stranger_cannot_lock_the_real_user_out() -> None:
    fake, throttle = failed_guesses(8, "203.0.113.9", every=60)
    assert throttle.delay_for("admin", client="203.0.113.9") == 30.0  # the guesser waits
    assert throttle.delay_for("admin", client="10.1.1.7") == 2.0  # the admin, elsewhere, barely
    fake.waits.clear()
    assert throttle.attempt(USERS, "admin", "benar-sekali", client="10.1.1.7") is not None
    assert fake.waits == [2.0]
    assert throttle.delay_for("admin", client="10.1.1.7") == 0.0


def test_failures_are_forgotten_after_a_quiet_while() -> None:
    fake, throttle = failed_guesses(5, "a", every=10)
    assert throttle.delay_for("admin", client="a") > 0
    fake.now += throttle.forget_after + 1
    assert throttle.delay_for("admin", client="a") == 0.0


def test_the_tables_stay_bounded_whatever_names_are_guessed() -> None:
    fake = FakeTime()
    # Four times the bound is as telling as ten times; each attempt hashes a password (0,1 s).
    throttle = auth.LoginThrottle(sleep=fake.sleep, clock=fake.clock, max_tracked=10)
    for number in range(40):
        throttle.attempt(USERS, f"orang-{number}", "salah", client=f"c{number}")
    assert len(throttle._users) <= 10 and len(throttle._clients) <= 10
