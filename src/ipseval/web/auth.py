"""Accounts and roles for the dashboard (sessions: :mod:`.sessions`; login limits: :mod:`.throttle`).

- Accounts live in ``users.json`` in the home folder: name, role, an argon2 hash of the password.
- Roles are ordered: a viewer sees disclosure-controlled figures; an analyst also sees internal
  (unprotected) figures, row-level problem lists and enters fidelity reviews; an admin also uploads
  data, edits settings and areas, and manages accounts.
- An account's *fingerprint* changes with its password or role: a session made before the change
  no longer matches it, so it ends, whichever process made the change.
- With no accounts at all the dashboard runs in *local mode*: it answers only requests from this
  computer, and everyone who can reach it is the local admin (see :mod:`.guards`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

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
    """The accounts file, read again whenever it changes (a `user add` or `user remove` in a
    terminal takes effect on the next request)."""

    def __init__(self, home: Path):
        self.path = Path(home) / "users.json"
        self._lock = threading.Lock()
        self._cache: tuple[tuple[int, int, int] | None, dict[str, dict[str, str]]] = (None, {})

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return {}
        stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
        seen, users = self._cache
        if stamp != seen:
            users = json.loads(self.path.read_text(encoding="utf-8")).get("users", {})
            self._cache = (stamp, users)
        return {name: dict(u) for name, u in users.items()}

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
