"""Server-side sessions: the cookie carries a random id, the home folder's ``sessions.json`` the rest.

A session is made at login and ends at logout, when its account's password or role changes or the
account is removed (here or by ``ipseval user`` in a terminal: the account's fingerprint is checked
on every request), when an admin signs everyone out, or ``[dashboard] session_hours`` after login.
The store keeps a SHA-256 hash of each id, never the id, so a copy of the file opens no session.
It lives in memory and is written through to the file (owner-only); it is read again when the file
changes, so deleting ``sessions.json`` ends every session, even while the dashboard runs.

Before logging in (or in local mode) a visitor has no stored session: their cookie holds a random
id and their CSRF token is derived from it with the home's secret key, so anonymous visitors cost
nothing to remember.
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
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from .auth import User

COOKIE = "ipseval_session"
PER_ACCOUNT = 20  # sessions one account may hold at once: a new login ends its oldest beyond these
_ID = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)


@dataclass
class Session:
    user: str  # "" before logging in
    fingerprint: str  # the account's, when the session was made
    csrf: str
    issued: float  # epoch seconds

    @property
    def anonymous(self) -> bool:
        return not self.user


def secret_key(home: Path, name: str = "secret.key") -> bytes:
    """A secret key of the home folder, made on first use (readable by its owner only):
    ``secret.key`` signs sessions; ``record-keys.key`` gives each client its cell key."""
    path = Path(home) / name
    try:
        return path.read_bytes()
    except FileNotFoundError:
        key = secrets.token_bytes(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key)
        return key


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class SessionStore:
    """Sessions by (hashed) id, in memory and in ``sessions.json``."""

    def __init__(self, home: Path, max_age: Callable[[], float]):
        """``max_age``: seconds a session lasts, read on each use (the setting may change)."""
        self.path = Path(home) / "sessions.json"
        self.max_age = max_age
        self._key = secret_key(home)
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}
        self._seen: tuple[int, int, int] | None = None  # the file's (inode, size, mtime) when read

    # -- the file ------------------------------------------------------------------------------

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return st.st_ino, st.st_size, st.st_mtime_ns

    def _refresh(self) -> None:
        """Read the file again if it changed since it was last read or written (under the lock)."""
        stat = self._stat()
        if stat == self._seen:
            return
        sessions: dict[str, Session] = {}
        if stat is not None:
            try:
                raw = json.loads(self.path.read_text(encoding="utf-8")).get("sessions", {})
                sessions = {k: Session(**v) for k, v in raw.items()}
            except (ValueError, TypeError, OSError):
                sessions = {}  # unreadable: nobody is logged in (safe), and it is written anew
        self._sessions, self._seen = sessions, stat

    def _write(self) -> None:
        now = time.time()
        self._sessions = {k: s for k, s in self._sessions.items() if now - s.issued < self.max_age()}
        tmp = self.path.with_name(f".sessions.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"sessions": {k: asdict(s) for k, s in self._sessions.items()}}, f)
        os.replace(tmp, self.path)
        self._seen = self._stat()

    # -- sessions ------------------------------------------------------------------------------

    def issue(self, user: User) -> tuple[str, Session]:
        """A new session for ``user``: (the cookie's value, the session)."""
        session_id = secrets.token_urlsafe(32)
        session = Session(user.name, user.fingerprint, secrets.token_urlsafe(32), time.time())
        with self._lock:
            self._refresh()
            own = sorted((s.issued, k) for k, s in self._sessions.items() if s.user == user.name)
            for _issued, key in own[: max(0, len(own) - PER_ACCOUNT + 1)]:
                del self._sessions[key]
            self._sessions[_hash(session_id)] = session
            self._write()
        return session_id, session

    def read(self, cookie: str | None) -> Session | None:
        """The logged-in session a cookie names (None: none, ended or expired)."""
        if not cookie or not _ID.match(cookie):
            return None
        with self._lock:
            self._refresh()
            session = self._sessions.get(_hash(cookie))
        if session is None or time.time() - session.issued >= self.max_age():
            return None
        return session

    def anonymous(self, cookie: str | None) -> tuple[str | None, Session]:
        """A visitor who is not logged in: (a new cookie to set, or None to keep theirs; the
        session, whose CSRF token is derived from the cookie's id)."""
        new = None
        if not cookie or not _ID.match(cookie):
            cookie = new = secrets.token_urlsafe(32)
        csrf = hmac.new(self._key, b"anonymous:" + cookie.encode(), hashlib.sha256).hexdigest()
        return new, Session("", "", csrf, time.time())

    def end(self, cookie: str | None) -> None:
        """End the session a cookie names (logging out)."""
        if cookie:
            self._drop(lambda key, _s: key == _hash(cookie))

    def end_user(self, name: str) -> None:
        """End every session of one account (its password or role changed, or it was removed)."""
        self._drop(lambda _k, s: s.user == name)

    def end_all(self) -> None:
        """End every session (an admin's "sign out everyone")."""
        self._drop(lambda _k, _s: True)

    def _drop(self, which: Callable[[str, Session], bool]) -> None:
        with self._lock:
            self._refresh()
            gone = [k for k, s in self._sessions.items() if which(k, s)]
            for k in gone:
                del self._sessions[k]
            self._write()

    def __len__(self) -> int:
        with self._lock:
            self._refresh()
            return len(self._sessions)
