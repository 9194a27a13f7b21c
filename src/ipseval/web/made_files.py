"""Files made on request for one session: the report's PDF takes a minute or so to make, so the
page asks for it with htmx (showing that it is being made) and is then sent to fetch it here, by
a random token bound to the session that asked. A file may be fetched again (a download the
browser dropped) until it expires."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class MadeFile:
    owner: str  # the session's CSRF token: only that session may fetch it
    content: bytes
    media_type: str
    filename: str
    made: float


class MadeFiles:
    """At most ``most`` files, each kept ``ttl`` seconds, in memory (the oldest goes first)."""

    def __init__(self, ttl: float = 600.0, most: int = 8):
        self.ttl, self.most = ttl, most
        self._files: dict[str, MadeFile] = {}
        self._lock = threading.Lock()

    def put(self, owner: str, content: bytes, media_type: str, filename: str) -> str:
        """Keep a file for ``owner``; the token that fetches it."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._expire()
            while len(self._files) >= self.most:  # the oldest goes first
                self._files.pop(min(self._files, key=lambda t: self._files[t].made))
            self._files[token] = MadeFile(owner, content, media_type, filename, time.monotonic())
        return token

    def get(self, owner: str, token: str) -> MadeFile | None:
        """The file for ``token`` if ``owner`` made it and it has not expired."""
        with self._lock:
            self._expire()
            found = self._files.get(token)
            if found is None or not secrets.compare_digest(found.owner, owner):
                return None
            return found

    def _expire(self) -> None:
        now = time.monotonic()
        for token in [t for t, f in self._files.items() if now - f.made > self.ttl]:
            del self._files[token]


MADE = MadeFiles()
