"""Users, roles and password hashes; the login throttle.

Users live in .streamlit/secrets.toml (never in the database):

    [users.ani]
    name = "Ani Lestari"
    role = "operator"                 # pimpinan | operator | admin
    password_hash = "scrypt$..."      # python -m pdm_metrics hash-password

With no [users] section the app runs in local mode (127.0.0.1 only).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
SCRYPT_MAXMEM = 64 * 1024 * 1024


class Role(StrEnum):
    PIMPINAN = "pimpinan"  # view and download masked tables
    OPERATOR = "operator"  # also upload, replace, regulation calendar
    ADMIN = "admin"  # also audit log, unmasked export, backup

    @property
    def label(self) -> str:
        return {"pimpinan": "Pimpinan", "operator": "Operator", "admin": "Admin"}[self.value]

    @property
    def can_upload(self) -> bool:
        return self in (Role.OPERATOR, Role.ADMIN)

    @property
    def sees_personal_data(self) -> bool:
        """Unmasked NIP and email (operators need them to chase people and fix uploads)."""
        return self in (Role.OPERATOR, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self is Role.ADMIN


@dataclass(frozen=True)
class User:
    username: str
    name: str
    role: Role
    password_hash: str = field(default="", repr=False)


LOCAL_USER = User("lokal", "Pengguna lokal", Role.ADMIN)


def hash_password(password: str, salt: bytes | None = None) -> str:
    """A scrypt hash in the form scrypt$n$r$p$salt$hash (salts and hashes base64)."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, maxmem=SCRYPT_MAXMEM
    )
    encode = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${encode(salt).decode()}${encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=SCRYPT_MAXMEM,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, base64.b64decode(expected))


def users_from_secrets(section: Mapping[str, Any] | None) -> dict[str, User]:
    """The [users] section of secrets.toml -> users by username; bad entries are a clear error."""
    users: dict[str, User] = {}
    for username, entry in (section or {}).items():
        try:
            role = Role(str(entry["role"]).lower())
            users[username.lower()] = User(
                username.lower(), str(entry.get("name", username)), role, str(entry["password_hash"])
            )
        except (KeyError, ValueError) as exc:
            raise ValueError(
                f"Pengguna '{username}' di secrets.toml tidak lengkap: perlu role (pimpinan/operator/admin) "
                "dan password_hash."
            ) from exc
    return users


def authenticate(users: Mapping[str, User], username: str, password: str) -> User | None:
    user = users.get(username.strip().lower())
    if user is None:
        verify_password(password, _dummy_hash())  # same cost for unknown names: no user enumeration by timing
        return None
    return user if verify_password(password, user.password_hash) else None


@functools.cache
def _dummy_hash() -> str:
    """Worked out on the first unknown name, not at import (scrypt costs 0,1 s on every start)."""
    return hash_password("tidak-dipakai", salt=b"0123456789abcdef")


@dataclass
class LoginThrottle:
    """Slows repeated failed logins: after FREE_ATTEMPTS failures, each try waits twice as long."""

    free_attempts: int = 3
    max_delay: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    _failures: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def delay_for(self, username: str) -> float:
        with self._lock:
            failures = self._failures.get(username.strip().lower(), 0)
        extra = failures - self.free_attempts
        return 0.0 if extra < 0 else min(self.max_delay, 2.0**extra)

    def attempt(self, users: Mapping[str, User], username: str, password: str) -> User | None:
        self.sleep(self.delay_for(username))
        user = authenticate(users, username, password)
        key = username.strip().lower()
        with self._lock:
            if user is None:
                self._failures[key] = self._failures.get(key, 0) + 1
            else:
                self._failures.pop(key, None)
        return user


def role_for_email(mapping: Mapping[str, Any] | None, email: str | None) -> Role | None:
    """OIDC: the role granted to an identity provider's email in [oidc_roles] (None: not allowed)."""
    if not email or not mapping:
        return None
    value = mapping.get(email.lower())
    try:
        return Role(str(value).lower()) if value else None
    except ValueError:
        return None
