"""Sign-in: users from .streamlit/secrets.toml or the agency's identity provider; none means local mode."""

from __future__ import annotations

import tomllib
from typing import Any

import streamlit as st

from pdm_metrics import auth
from pdm_metrics.errors import SecretsError
from pdm_metrics.plain import md
from pdm_metrics.views import audit
from ui.cache import connection


def configured_users() -> dict[str, auth.User]:
    """Users from .streamlit/secrets.toml; none means local mode. SecretsError names a bad entry."""
    users: dict[str, auth.User] = auth.users_from_secrets(_secret("users"))
    return users


def oidc_roles() -> dict[str, Any] | None:
    """[oidc_roles] email = "role" when the agency's identity provider is configured ([auth])."""
    if _secret("auth") is None:
        return None
    roles = _secret("oidc_roles") or {}
    if not isinstance(roles, dict):
        raise SecretsError('Bagian [oidc_roles] di .streamlit/secrets.toml harus berisi email = "role".')
    return dict(roles)


def _secret(name: str) -> Any:
    """One section of secrets.toml (None when absent or no file); a file that is not TOML is a
    SecretsError, not Streamlit's error page."""
    try:
        return st.secrets.get(name) if name in st.secrets else None
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError) as exc:
        if isinstance(exc.__cause__, tomllib.TOMLDecodeError | TypeError):
            raise SecretsError(
                "Berkas .streamlit/secrets.toml tidak dapat dibaca (bukan TOML yang sah). Perbaiki berkasnya "
                "(contoh: .streamlit/secrets.toml.example), lalu muat ulang halaman."
            ) from exc
        return None


@st.cache_resource
def login_throttle() -> auth.LoginThrottle:
    return auth.LoginThrottle()


def current_user() -> auth.User:
    user: auth.User = st.session_state.get("user", auth.LOCAL_USER)
    return user


def is_local_mode() -> bool:
    return not configured_users() and oidc_roles() is None


def require_login() -> auth.User:
    """Return the signed-in user; otherwise show only the login screen (or why none is possible)
    and stop the script here, before any data is read."""
    try:
        users, roles = configured_users(), oidc_roles()
    except SecretsError as exc:
        st.title("Pantau PDM belum dapat dibuka")
        st.error(md(exc.message), icon=":material/error:")
        st.stop()
    if not users and roles is None:
        return _local_user()
    if "user" in st.session_state:
        if _session_holds(users, roles):
            return current_user()
        st.session_state.clear()
        st.session_state["login_notice"] = "Sesi berakhir karena akun Anda diubah atau dihapus. Silakan masuk lagi."
    if roles is not None and st.user.is_logged_in:
        email = str(st.user.get("email", ""))
        role = auth.role_for_email(roles, email)
        if role is not None:
            st.session_state["user"] = auth.User(email, str(st.user.get("name", email)), role)
            st.session_state["login_method"] = "oidc"
            record("masuk (OIDC)", email)
            st.rerun()
        st.error("Akun ini belum diberi akses ke Pantau PDM. Hubungi admin BKPSDM.")
        st.button("Keluar", on_click=st.logout)
        st.stop()
    _login_form(roles is not None, users)
    st.stop()


def _local_user() -> auth.User:
    """Local mode's implicit admin, for a request from this very computer only; anyone else gets the
    page that says how to create users."""
    if auth.is_local_request(st.get_option("server.address"), st.context.ip_address, st.context.headers):
        return auth.LOCAL_USER
    st.title("Pantau PDM belum siap dipakai di jaringan")
    st.error(
        "Belum ada pengguna. Tanpa pengguna, dasbor hanya dapat dibuka dari browser di komputer server itu "
        "sendiri (alamat `127.0.0.1`), tidak lewat jaringan atau reverse proxy.",
        icon=":material/lock:",
    )
    st.markdown(
        "Admin server membuat pengguna lebih dulu:\n\n"
        "1. Buat hash kata sandi: `.venv/bin/python -m pdm_metrics hash-password`\n"
        "2. Salin `.streamlit/secrets.toml.example` menjadi `.streamlit/secrets.toml` dan isi tiap pengguna "
        "(`name`, `role` = pimpinan/operator/admin, `password_hash`).\n"
        "3. Jalankan ulang dasbor. Panduan lengkap: docs/deployment.md."
    )
    st.stop()


def _session_holds(users: dict[str, auth.User], roles: dict[str, Any] | None) -> bool:
    """Every run re-checks the signed-in account against secrets.toml: a removed user, a changed
    role or password (or an OIDC email no longer granted) ends the session."""
    user = current_user()
    if st.session_state.get("login_method") == "oidc":
        return roles is not None and auth.role_for_email(roles, user.username) == user.role
    return auth.session_still_valid(users, user)


def _login_form(with_oidc: bool, users: dict[str, auth.User]) -> None:
    st.title("Masuk ke Pantau PDM")
    notice = st.session_state.pop("login_notice", None)
    if notice:
        st.info(notice, icon=":material/info:")
    st.caption(
        "Dasbor pemantauan kampanye data ASN (PDM MySAPK, SKP, dan lainnya). Data pribadi ASN dilindungi "
        "(UU 27/2022): masuk dengan akun Anda."
    )
    if with_oidc:
        st.button("Masuk dengan akun instansi", on_click=st.login, type="primary")
    with st.form("login"):
        username = st.text_input("Nama pengguna", autocomplete="username")
        password = st.text_input("Kata sandi", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Masuk", type="primary")
    if submitted:
        client = auth.client_address(st.context.ip_address, st.context.headers)
        user = login_throttle().attempt(users, username, password, client)
        if user is None:
            record("gagal masuk", username.strip().lower()[:64], actor="-")
            st.error("Nama pengguna atau kata sandi salah.")
            return
        st.session_state["user"] = user
        st.session_state["login_method"] = "password"
        record("masuk", user.username, actor=user.username)
        st.rerun()


def logout() -> None:
    record("keluar", current_user().username)
    st.session_state.clear()


def record(action: str, detail: str, actor: str | None = None) -> None:
    """Append to the audit log (who, when, what)."""
    audit.record_event(connection(), actor or current_user().username, action, detail)


def user_panel(user: auth.User) -> None:
    with st.sidebar:
        if is_local_mode():
            st.caption(
                "Mode lokal: dasbor hanya dapat dibuka dari komputer ini (127.0.0.1). Atur pengguna di "
                ".streamlit/secrets.toml untuk dipakai di jaringan kantor."
            )
        else:
            st.caption(f"Masuk sebagai **{md(user.name)}** ({user.role.label})")
            st.button("Keluar", on_click=logout, icon=":material/logout:")
