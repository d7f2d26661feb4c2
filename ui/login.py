"""Sign-in: users from .streamlit/secrets.toml or the agency's identity provider; none means local mode."""

from __future__ import annotations

from typing import Any

import streamlit as st

from pdm_metrics import auth
from pdm_metrics.views import audit
from ui.cache import connection


def configured_users() -> dict[str, auth.User]:
    """Users from .streamlit/secrets.toml; none means local mode."""
    try:
        section = st.secrets.get("users")
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return {}
    return auth.users_from_secrets(section)


def oidc_roles() -> dict[str, Any] | None:
    """[oidc_roles] email = "role" when the agency's identity provider is configured ([auth])."""
    try:
        if "auth" not in st.secrets:
            return None
        return dict(st.secrets.get("oidc_roles", {}))
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
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
    """Return the signed-in user; otherwise show only the login screen and stop the script here,
    before any data is read."""
    if is_local_mode():
        return auth.LOCAL_USER
    if "user" in st.session_state:
        return current_user()
    roles = oidc_roles()
    if roles is not None and st.user.is_logged_in:
        email = str(st.user.get("email", ""))
        role = auth.role_for_email(roles, email)
        if role is not None:
            st.session_state["user"] = auth.User(email, str(st.user.get("name", email)), role)
            record("masuk (OIDC)", email)
            st.rerun()
        st.error("Akun ini belum diberi akses ke Pantau PDM. Hubungi admin BKPSDM.")
        st.button("Keluar", on_click=st.logout)
        st.stop()
    _login_form(roles is not None)
    st.stop()


def _login_form(with_oidc: bool) -> None:
    st.title("Masuk ke Pantau PDM")
    st.caption("Dasbor pemantauan PDM MySAPK. Data pribadi ASN dilindungi (UU 27/2022): masuk dengan akun Anda.")
    if with_oidc:
        st.button("Masuk dengan akun instansi", on_click=st.login, type="primary")
    with st.form("login"):
        username = st.text_input("Nama pengguna", autocomplete="username")
        password = st.text_input("Kata sandi", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Masuk", type="primary")
    if submitted:
        user = login_throttle().attempt(configured_users(), username, password)
        if user is None:
            record("gagal masuk", username.strip().lower()[:64], actor="-")
            st.error("Nama pengguna atau kata sandi salah.")
            return
        st.session_state["user"] = user
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
            st.caption(f"Masuk sebagai **{user.name}** ({user.role.label})")
            st.button("Keluar", on_click=logout, icon=":material/logout:")
