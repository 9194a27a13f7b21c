"""Where a request comes from and which name it used: the Host allow-list, origins, peer addresses.

- :class:`HostNames`: the names the dashboard answers to. The loopback names (127.0.0.1, localhost,
  ::1) on the dashboard's own port always; other names only as ``[dashboard] allowed_hosts`` lists
  them. A web page whose name was re-pointed at this computer (DNS rebinding) sends its own name
  in Host and Origin, and is refused.
- :func:`client_address`: the address a request came from. Forwarded headers (``X-Forwarded-For``,
  ``Forwarded``) are believed only when the peer is one of ``[dashboard] trusted_proxies``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")
_LABEL = re.compile(r"^[a-z0-9_][a-z0-9_-]{0,62}$")
_DEFAULT_PORT = {"http": 80, "https": 443, "ws": 80, "wss": 443}

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def is_loopback(host: str) -> bool:
    """A loopback address or the name ``localhost``."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def split_host(value: str) -> tuple[str, int | None] | None:
    """``name[:port]`` or ``[v6]:port`` as (lower-case name, port); None when it is not one."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        name, rest = value[1:end], value[end + 1 :]
        if end < 0 or (rest and not rest.startswith(":")):
            return None
        port_text = rest[1:] if rest else None
    elif value.count(":") > 1:  # a bare IPv6 address (only in settings: a Host header has brackets)
        name, port_text = value, None
    else:
        name, _, port_text = value.partition(":")
        port_text = port_text if ":" in value else None
    name = name.rstrip(".")
    if port_text is not None and not (port_text.isdigit() and 0 < int(port_text) < 65536):
        return None
    try:
        ipaddress.ip_address(name)
    except ValueError:
        if not 0 < len(name) <= 253 or not all(_LABEL.match(label) for label in name.split(".")):
            return None
    return name, int(port_text) if port_text is not None else None


class HostNames:
    """The names (and ports) this dashboard answers to."""

    def __init__(self, extra: Iterable[str], port: int | None):
        """``extra``: ``[dashboard] allowed_hosts``; ``port``: the port it listens on (None: any)."""
        self.port = port
        self.extra: list[tuple[str, int | None]] = [p for e in extra if (p := split_host(e)) is not None]

    def allows(self, name: str, port: int | None, scheme: str = "http") -> bool:
        port = port if port is not None else _DEFAULT_PORT.get(scheme)
        if name in LOOPBACK_NAMES:
            return self.port is None or port == self.port
        return any(name == n and (p is None or p == port) for n, p in self.extra)

    def allows_host(self, value: str | None, scheme: str) -> bool:
        """A Host header this dashboard answers."""
        found = split_host(value or "")
        return found is not None and self.allows(found[0], found[1], scheme)

    def allows_origin(self, value: str) -> bool:
        """An Origin (or Referer) of a page this dashboard served: ``null`` is not one."""
        try:
            url = urlsplit(value)
            port = url.port
        except ValueError:
            return False
        if url.scheme not in ("http", "https") or not url.hostname:
            return False
        return self.allows(url.hostname.lower().rstrip("."), port, url.scheme)


def networks(entries: Iterable[str]) -> list[Network]:
    return [ipaddress.ip_network(e, strict=False) for e in entries]


def _address(text: str) -> str | None:
    """An address from a forwarded header's hop (``1.2.3.4``, ``1.2.3.4:5``, ``"[v6]:5"``)."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.split(":")[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None  # "unknown", an obfuscated name: nothing to believe


def _hops(headers: dict[str, str]) -> list[str | None]:
    """The addresses a request passed through, as the proxies wrote them (client first)."""
    forwarded = headers.get("forwarded")
    if forwarded:
        hops = []
        for element in forwarded.split(","):
            pairs = dict(p.strip().split("=", 1) for p in element.split(";") if "=" in p)
            pairs = {k.strip().lower(): v for k, v in pairs.items()}
            hops.append(_address(pairs["for"]) if "for" in pairs else None)
        return hops
    return [_address(h) for h in headers.get("x-forwarded-for", "").split(",") if h.strip()]


def _trusted(address: str | None, trusted: list[Network]) -> bool:
    if address is None:
        return False
    ip = ipaddress.ip_address(address)
    return any(ip in net for net in trusted)


def client_address(peer: str | None, headers: dict[str, str], trusted: list[Network]) -> str:
    """The address a request came from: the peer, or, when the peer is a trusted proxy, the last
    address its forwarded header names that is not itself a trusted proxy."""
    current = peer or "?"
    if not trusted or not _trusted(_address(current), trusted):
        return current
    for hop in reversed(_hops(headers)):
        if hop is None:
            break  # a hop we cannot read: the last proxy we trust is the one we know
        current = hop
        if not _trusted(hop, trusted):
            break
    return current


def scope_headers(scope: dict) -> dict[str, str]:
    """An ASGI scope's headers as a dict (repeated headers joined with commas, as HTTP allows)."""
    out: dict[str, str] = {}
    for k, v in scope.get("headers", []):
        key = k.decode("latin-1").lower()
        value = v.decode("latin-1")
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


def peer_of(scope: dict) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None
