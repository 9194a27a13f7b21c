"""Login throttling: at most ``[dashboard] login_attempts`` failed logins per account and per
address in a window of 15 minutes.

The two counts are kept apart. A successful login clears that account's own failures and nothing
else: an address's failures only decay with time, so someone trying passwords on many accounts
cannot wipe their address's count by logging in to their own account in between. IPv6 addresses
are counted per /64 block (one household or server holds a whole block).
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import deque
from collections.abc import Callable

WINDOW = 15 * 60
_PRUNE_AT = 10_000  # keys kept before expired ones are dropped (a spray of made-up names)


def address_key(address: str) -> str:
    """The unit an address's failures are counted in: the address, or its /64 for IPv6."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class LoginThrottle:
    """Failed logins per account and per address in the last ``window`` seconds."""

    def __init__(self, attempts: Callable[[], int], window: float = WINDOW):
        """``attempts``: read on each check (an admin may change the setting while serving)."""
        self.attempts, self.window = attempts, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(account: str, address: str) -> tuple[str, str]:
        return f"account:{account.lower()}", f"address:{address_key(address)}"

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def retry_after(self, account: str, address: str) -> int:
        """Seconds until this account may be tried from this address (0 = now)."""
        now, limit = time.monotonic(), self.attempts()
        with self._lock:
            waits = [
                int(q[-limit] + self.window - now) + 1
                for key in self._keys(account, address)
                if len(q := self._recent(key, now)) >= limit
            ]
        return max(waits, default=0)

    def failed(self, account: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in self._keys(account, address):
                self._recent(key, now).append(now)
            if len(self._failures) > _PRUNE_AT:
                self._prune(now)

    def succeeded(self, account: str) -> None:
        """The account's own failures end; the address's stay until they expire."""
        with self._lock:
            self._failures.pop(self._keys(account, "")[0], None)

    def _prune(self, now: float) -> None:
        for key in [k for k, q in self._failures.items() if not q or q[-1] <= now - self.window]:
            del self._failures[key]
