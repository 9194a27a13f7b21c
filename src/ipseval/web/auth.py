"""Accounts, roles, sessions, CSRF tokens and login rate limiting for the dashboard.

- Accounts live in ``users.json`` in the home folder: name, role, an argon2 hash of the password.
- Roles are ordered: a viewer sees disclosure-controlled figures; an analyst also sees internal
  (unprotected) figures, row-level problem lists and enters fidelity reviews; an admin also uploads
  data, edits settings and areas, and manages accounts.
- A session is a signed cookie (itsdangerous) holding the user name, a CSRF token and the time it
  was issued; it expires after ``[dashboard] session_hours``. Changing or removing an account ends
  its sessions (the cookie also carries the account's password-hash fingerprint).
- With no accounts at all the dashboard runs in *local mode*: it only listens on the loopback
  address and everyone who can reach it is the local admin (the CLI refuses other addresses).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

ROLES = ("viewer", "analyst", "admin")
LOCAL_USER = "local"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 10
_hasher = PasswordHasher()


class AccountError(ValueError):
    """An account change that cannot be made (bad name, role or password)."""


def at_least(role: str, needed: str) -> bool:
    return ROLES.index(role) >= ROLES.index(needed)


@dataclass(frozen=True)
class User:
    name: str
    role: str
    fingerprint: str  # changes when the password or role changes: old sessions stop working

    @property
    def local(self) -> bool:
        return self.name == LOCAL_USER and self.fingerprint == ""


LOCAL_ADMIN = User(LOCAL_USER, "admin", "")


class Accounts:
    """The accounts file, read fresh on each lookup (a `user add` in a terminal takes effect at once)."""

    def __init__(self, home: Path):
        self.path = Path(home) / "users.json"
        self._lock = threading.Lock()

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8")).get("users", {})
        except FileNotFoundError:
            return {}

    def _write(self, users: dict[str, dict[str, str]]) -> None:
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"users": users}, f, indent=1)
        os.replace(tmp, self.path)

    def any(self) -> bool:
        return bool(self._read())

    def names(self) -> list[tuple[str, str, str]]:
        """(name, role, created) for every account."""
        return [(n, u["role"], u.get("created", "")) for n, u in sorted(self._read().items())]

    def add(self, name: str, role: str, password: str, replace: bool = False) -> None:
        if not _NAME.match(name or "") or name == LOCAL_USER:
            raise AccountError(
                f"'{name}': a user name is 1-64 letters, digits, '.', '_', '@' or '-' (not '{LOCAL_USER}')"
            )
        _check_role(role)
        _check_password(password)
        with self._lock:
            users = self._read()
            if name in users and not replace:
                raise AccountError(f"'{name}' exists already (use --replace to change its role or password)")
            if name in users:
                _keep_an_admin(users, name, role)
            users[name] = {
                "role": role,
                "hash": _hasher.hash(password),
                "created": datetime.now(UTC).replace(microsecond=0).isoformat(),
            }
            self._write(users)

    def set_role(self, name: str, role: str) -> None:
        """Change an account's role (its sessions end: they were issued for the old role)."""
        _check_role(role)
        with self._lock:
            users = self._read()
            if name not in users:
                raise AccountError(f"no user named '{name}'")
            _keep_an_admin(users, name, role)
            users[name]["role"] = role
            self._write(users)

    def set_password(self, name: str, password: str) -> None:
        """Give an account a new password (its sessions end)."""
        _check_password(password)
        with self._lock:
            users = self._read()
            if name not in users:
                raise AccountError(f"no user named '{name}'")
            users[name]["hash"] = _hasher.hash(password)
            self._write(users)

    def remove(self, name: str) -> None:
        with self._lock:
            users = self._read()
            if name not in users:
                raise AccountError(f"no user named '{name}'")
            _keep_an_admin(users, name, None)
            del users[name]
            self._write(users)

    def get(self, name: str) -> User | None:
        u = self._read().get(name)
        if u is None:
            return None
        return User(name, u["role"], _fingerprint(u))

    def check(self, name: str, password: str) -> User | None:
        """The user if the password is right (the same work is done for unknown names)."""
        u = self._read().get(name)
        stored = u["hash"] if u else _DUMMY_HASH
        try:
            _hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        return User(name, u["role"], _fingerprint(u)) if u else None


_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"role '{role}': choose one of {', '.join(ROLES)}")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password is too short: use at least {MIN_PASSWORD} characters")


def _keep_an_admin(users: dict[str, dict[str, str]], name: str, new_role: str | None) -> None:
    """Refuse a change that would leave accounts but no admin (nobody could then upload data or
    manage accounts in the dashboard). Removing the very last account is allowed: local mode."""
    after = {n: u["role"] for n, u in users.items() if n != name}
    if new_role is not None:
        after[name] = new_role
    if after and "admin" not in after.values():
        raise AccountError(f"'{name}' is the only admin: make another account an admin first")


def _fingerprint(u: dict[str, str]) -> str:
    return hashlib.sha256((u["hash"] + u["role"]).encode()).hexdigest()[:16]


def secret_key(home: Path) -> bytes:
    """The home folder's signing key, made on first use (readable by its owner only)."""
    path = Path(home) / "secret.key"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        key = secrets.token_bytes(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key)
        return key


@dataclass
class Session:
    user: str
    fingerprint: str
    csrf: str


class Sessions:
    """Signed, expiring session cookies."""

    COOKIE = "ipseval_session"

    def __init__(self, key: bytes, max_age_seconds: float):
        self._s = URLSafeTimedSerializer(key, salt="ipseval-session")
        self.max_age = int(max_age_seconds)

    def issue(self, user: User) -> tuple[str, Session]:
        session = Session(user.name, user.fingerprint, secrets.token_urlsafe(24))
        return self._s.dumps([session.user, session.fingerprint, session.csrf]), session

    def read(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        try:
            user, fingerprint, csrf = self._s.loads(cookie, max_age=self.max_age)
        except (BadSignature, SignatureExpired, ValueError, TypeError):
            return None
        return Session(str(user), str(fingerprint), str(csrf))


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


class LoginLimiter:
    """At most ``attempts`` failed logins per account and per address in ``window`` seconds."""

    def __init__(self, attempts: int, window: float = 15 * 60):
        self.attempts, self.window = attempts, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def retry_after(self, *keys: str) -> int:
        """Seconds until another attempt is allowed (0 = allowed now)."""
        now = time.monotonic()
        with self._lock:
            waits = [
                int(q[0] + self.window - now) + 1
                for k in keys
                if len(q := self._recent(k, now)) >= self.attempts
            ]
        return max(waits, default=0)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for k in keys:
                self._failures.pop(k, None)
