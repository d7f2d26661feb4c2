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
import ipaddress
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pdm_metrics.errors import SecretsError
from pdm_metrics.fmt import excerpt

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
    """The [users] section of secrets.toml -> users by username; a bad entry is a SecretsError that
    names it (every visitor sees that one message, never a Python error)."""
    if section is None:
        return {}
    if not isinstance(section, Mapping):
        raise SecretsError("Bagian [users] di secrets.toml harus berisi [users.NAMA] untuk tiap pengguna.")
    users: dict[str, User] = {}
    for username, entry in section.items():
        users[str(username).lower()] = _user_from_entry(str(username), entry)
    return users


def _user_from_entry(username: str, entry: object) -> User:
    where = f"Pengguna [users.{excerpt(username)}] di .streamlit/secrets.toml"
    if not isinstance(entry, Mapping):
        raise SecretsError(f"{where} harus berupa tabel dengan name, role dan password_hash.")
    roles = ", ".join(r.value for r in Role)
    if "role" not in entry or str(entry["role"]).lower() not in {r.value for r in Role}:
        found = f"'{excerpt(entry['role'])}' tidak dikenal" if "role" in entry else "tidak ada"
        raise SecretsError(f"{where}: role {found}; pilih salah satu dari {roles}.")
    stored = str(entry.get("password_hash", ""))
    if not is_password_hash(stored):
        raise SecretsError(
            f"{where}: password_hash tidak ada atau tidak berbentuk scrypt$...; buat dengan "
            "python -m pdm_metrics hash-password."
        )
    return User(username.lower(), str(entry.get("name", username)), Role(str(entry["role"]).lower()), stored)


def is_password_hash(stored: str) -> bool:
    """Whether `stored` has the form hash_password writes (a typo would lock the user out unseen)."""
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt" or not all(p.isdigit() for p in parts[1:4]):
        return False
    try:
        return bool(base64.b64decode(parts[4], validate=True)) and bool(base64.b64decode(parts[5], validate=True))
    except ValueError:
        return False


def session_still_valid(users: Mapping[str, User], signed_in: User) -> bool:
    """A password session holds only while its account is unchanged: removed, another role or a new
    password hash sends it back to the login."""
    current = users.get(signed_in.username)
    return current is not None and current.role == signed_in.role and current.password_hash == signed_in.password_hash


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
    """Slows repeated failed logins, per client and per user name, and stays fair under concurrency.

    - Per client (the browser's address): after FREE_ATTEMPTS failures each try waits twice as
      long, up to `max_delay`. Guesses sent at once from many sessions of one client take turns:
      each reserves its slot (and counts as a failure) before it waits, so eight at once take as
      long as eight in a row.
    - Per user name, from any client: the same doubling, but never above `user_max_delay`, so a
      stranger guessing the admin's password slows the real admin (from another client) by a
      couple of seconds at most, never locks them out.
    Failures are forgotten after `forget_after` seconds without another, and on a success.
    """

    free_attempts: int = 3
    max_delay: float = 30.0
    user_max_delay: float = 2.0
    forget_after: float = 900.0
    max_tracked: int = 10_000
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    _clients: dict[str, _Failures] = field(default_factory=dict)
    _users: dict[str, _Failures] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _delay(self, failures: int, ceiling: float) -> float:
        extra = failures - self.free_attempts
        return 0.0 if extra < 0 else min(ceiling, 2.0**extra)

    def _wait(self, by_client: _Failures, by_user: _Failures) -> float:
        return max(self._delay(by_client.count, self.max_delay), self._delay(by_user.count, self.user_max_delay))

    def delay_for(self, username: str, client: str = "") -> float:
        """The wait the next attempt of `username` from `client` would start with."""
        with self._lock:
            now = self.clock()
            by_client = self._current(self._clients, client, now)
            by_user = self._current(self._users, username.strip().lower(), now)
            return max(0.0, by_client.next_slot - now) + self._wait(by_client, by_user)

    def attempt(self, users: Mapping[str, User], username: str, password: str, client: str = "") -> User | None:
        key = username.strip().lower()
        with self._lock:
            now = self.clock()
            by_client = self._current(self._clients, client, now)
            by_user = self._current(self._users, key, now)
            slot = max(now, by_client.next_slot) + self._wait(by_client, by_user)
            by_client.next_slot = slot
            # Counted as failed until it proves otherwise: a concurrent guess sees it already.
            by_client.count += 1
            by_user.count += 1
            by_client.last = by_user.last = now
        self.sleep(max(0.0, slot - now))
        user = authenticate(users, username, password)
        if user is not None:
            with self._lock:
                self._clients.pop(client, None)
                self._users.pop(key, None)
        return user

    def _current(self, table: dict[str, _Failures], key: str, now: float) -> _Failures:
        entry = table.get(key)
        if entry is None or (now - entry.last > self.forget_after and entry.next_slot <= now):
            if len(table) >= self.max_tracked:  # names are the guesser's choice: the table stays bounded
                table.clear()
            entry = table[key] = _Failures(last=now)
        return entry


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0
    next_slot: float = 0.0


def client_address(peer: str | None, headers: Mapping[str, str]) -> str:
    """Who is logging in, for the throttle: the TCP peer, or behind a reverse proxy on this machine
    (a loopback peer) the address the proxy added last to X-Forwarded-For / X-Real-IP. Entries
    before the last one are the browser's own word and are not trusted."""
    if peer:
        return peer
    named = _lowered(headers)
    forwarded = named.get("x-forwarded-for", "")
    last = forwarded.split(",")[-1].strip() if forwarded else ""
    return last or named.get("x-real-ip", "").strip() or "lokal"


def _lowered(headers: Mapping[str, str]) -> dict[str, str]:
    return {str(name).lower(): str(value) for name, value in headers.items()}


# Headers a reverse proxy adds: a request carrying one came from elsewhere, whatever its peer.
PROXY_HEADERS = ("x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip", "forwarded", "via")
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})


def is_loopback_address(address: str | None) -> bool:
    """Whether a server address listens on this machine only (empty: Streamlit's default, every interface)."""
    if not address:
        return False
    if address.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def is_local_request(server_address: str | None, peer: str | None, headers: Mapping[str, str]) -> bool:
    """Local mode's implicit admin is for this computer only: a loopback-only server, a loopback peer
    (`peer` None, as Streamlit reports it), no reverse-proxy header and a loopback Host name. Each
    alone would let a proxied or LAN request in."""
    if not is_loopback_address(server_address) or peer is not None:
        return False
    named = _lowered(headers)
    if any(name in named for name in PROXY_HEADERS):
        return False
    host = named.get("host", "localhost")
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return name.lower() in LOOPBACK_HOSTS


def role_for_email(mapping: Mapping[str, Any] | None, email: str | None) -> Role | None:
    """OIDC: the role granted to an identity provider's email in [oidc_roles] (None: not allowed)."""
    if not email or not mapping:
        return None
    value = mapping.get(email.lower())
    try:
        return Role(str(value).lower()) if value else None
    except ValueError:
        return None
