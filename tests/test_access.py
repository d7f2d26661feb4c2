"""Access control through AppTest: nothing before login, each role sees only what it may."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pdm_metrics import auth, store
from tests.conftest import shown

ROOT = Path(__file__).resolve().parent.parent
PASSWORDS = {"kepala": "pimpinan-rahasia", "ani": "operator-rahasia", "admin": "admin-rahasia-sekali"}
ROLES = {"kepala": "pimpinan", "ani": "operator", "admin": "admin"}


@pytest.fixture(scope="module")
def users_secret() -> dict[str, dict[str, str]]:
    return {
        name: {"name": name.title(), "role": ROLES[name], "password_hash": auth.hash_password(password)}
        for name, password in PASSWORDS.items()
    }


@pytest.fixture
def db_path(app_db: Path) -> Path:
    return app_db


def fresh_app(users: dict[str, dict[str, str]]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets["users"] = users
    at.run()
    return at


def login(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click()
    at.run()
    return at


def test_nothing_is_read_before_login(users_secret, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    at = fresh_app(users_secret)
    assert [t.value for t in at.title] == ["Masuk ke Pantau PDM"]
    assert not at.metric and not at.dataframe and not at.get("plotly_chart") and not at.warning
    assert not db_path.exists()  # st.stop() came before the database was even opened
    at.switch_page("app_pages/data.py")
    at.run()
    assert [t.value for t in at.title] == ["Masuk ke Pantau PDM"] and not at.dataframe


def test_wrong_password_is_refused_and_audited(users_secret, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    at = login(fresh_app(users_secret), "ani", "salah")
    assert shown(at.error[0].value) == "Nama pengguna atau kata sandi salah."
    assert [t.value for t in at.title] == ["Masuk ke Pantau PDM"]
    con = store.connect(db_path)  # the app's own connection is open in this process too
    entries = store.audit_entries(con)
    con.close()
    failed = entries[entries["action"] == "gagal masuk"]
    assert list(failed["detail"]) == ["ani"] and list(failed["actor"]) == ["-"]


def test_pimpinan_sees_masked_data_and_cannot_upload(users_secret, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    at = login(fresh_app(users_secret), "kepala", PASSWORDS["kepala"])
    assert "Ringkasan PDM" in at.title[0].value
    assert any("Pimpinan" in c.value for c in at.sidebar.caption)
    at.switch_page("app_pages/data.py")
    at.run()
    nips = at.dataframe[0].value["NIP"]
    assert nips.str.fullmatch(r"\d{8}\*{8}\d{2}").all()
    for forbidden in ("app_pages/unggah.py", "app_pages/audit.py", "app_pages/cadangan.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(forbidden)  # the page is not even registered for this role
    at.switch_page("app_pages/kalender.py")
    at.run()
    assert [b.label for b in at.main.button] == []  # the calendar is view-only for pimpinan
    assert not at.main.text_input


def test_operator_uploads_and_sees_nip_but_no_audit(users_secret, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    at = login(fresh_app(users_secret), "ani", PASSWORDS["ani"])
    at.switch_page("app_pages/unggah.py")
    at.run()
    assert at.title[0].value == "Unggah Snapshot"
    at.switch_page("app_pages/data.py")
    at.run()
    assert at.dataframe[0].value["NIP"].str.fullmatch(r"\d{18}").all()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/audit.py")


def test_admin_reads_the_audit_log_and_logout_ends_the_session(users_secret, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    at = login(fresh_app(users_secret), "admin", PASSWORDS["admin"])
    at.switch_page("app_pages/audit.py")
    at.run()
    log = at.dataframe[0].value
    assert "masuk" in set(log["Tindakan"]) and "admin" in set(log["Pengguna"])
    next(b for b in at.sidebar.button if b.label == "Keluar").click()
    at.run()
    assert [t.value for t in at.title] == ["Masuk ke Pantau PDM"]


def test_local_mode_says_so(db_path: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert any("Mode lokal" in c.value for c in at.sidebar.caption)
