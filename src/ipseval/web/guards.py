"""The doors every request passes before any route sees it (ASGI middleware, outermost first).

1. :class:`SecurityHeaders`: CSP, no framing, no referrer to other sites, ``no-store``.
2. :class:`HostGuard`: a Host not on the allow-list is refused (400); a state-changing request
   whose Origin (or, without one, Referer) is not on it either is refused (403). This is what stops
   DNS rebinding, and it backs up the CSRF token and the SameSite cookie.
3. :class:`LocalModeGuard`: with no accounts (local mode) only this computer is answered, checked
   on every request; if the dashboard listens on a network address and the last account goes, it
   closes to everyone (503) until it is restarted.
4. :class:`BodyLimit`: a body larger than the route allows is refused (413) from its stated length,
   or as soon as more arrives than allowed, before anything is parsed or spooled to disk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .network import FORWARDING_HEADERS, HostNames, client_address, is_loopback, peer_of, scope_headers

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    # same-origin: the dashboard's own requests carry their Origin (checked), other sites get nothing
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


async def refuse(send: Send, status: int, message: str, headers: dict[str, str] | None = None) -> None:
    """A short plain-text answer (no page, no cookie)."""
    body = (message.rstrip() + "\n").encode("utf-8")
    head = {
        "content-type": "text/plain; charset=utf-8",
        "content-length": str(len(body)),
        "connection": "close",
        **(headers or {}),
    }
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(k.encode(), v.encode()) for k, v in head.items()],
        }
    )
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for k, v in SECURITY_HEADERS.items():
                    headers.setdefault(k, v)
                headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)


class HostGuard:
    def __init__(self, app: ASGIApp, names: HostNames):
        self.app, self.names = app, names

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = scope_headers(scope)
        if not self.names.allows_host(headers.get("host"), scope.get("scheme", "http")):
            return await refuse(
                send, 400, "Unknown host name: this dashboard answers only to the names it is configured for."
            )
        if scope["method"] not in SAFE_METHODS:
            origin = headers.get("origin") or headers.get("referer")
            if origin is not None and not self.names.allows_origin(origin):
                return await refuse(send, 403, "This request came from another site and was refused.")
        await self.app(scope, receive, send)


class LocalModeGuard:
    """``local_mode()``: True when there are no accounts; ``beyond_loopback``: the dashboard
    listens on a network address."""

    CLOSED = (
        "This dashboard has no accounts left, so it no longer answers anyone: it was serving a network "
        "address, where anyone could have reached it. Add an account (ipseval user add NAME --role admin) "
        "and restart it."
    )
    NOT_HERE = (
        "This dashboard is in local mode (no accounts): it answers only on the computer it runs on, "
        "and not through a proxy."
    )

    def __init__(self, app: ASGIApp, local_mode: Callable[[], bool], beyond_loopback: bool, trusted: list):
        self.app, self.local_mode = app, local_mode
        self.beyond_loopback, self.trusted = beyond_loopback, trusted
        self.closed = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self.closed or (self.beyond_loopback and self.local_mode()):
            self.closed = True  # until restarted: an account added back does not reopen it
            return await refuse(send, 503, self.CLOSED)
        if self.local_mode() and not self._from_this_computer(scope):
            return await refuse(send, 403, self.NOT_HERE)
        await self.app(scope, receive, send)

    def _from_this_computer(self, scope: Scope) -> bool:
        headers = scope_headers(scope)
        if any(h in headers for h in FORWARDING_HEADERS):
            return False  # a proxy passed it on: from wherever the proxy serves
        address = client_address(peer_of(scope), headers, self.trusted)
        host = (headers.get("host") or "").rsplit(":", 1)[0].strip("[]")
        return is_loopback(address) and is_loopback(host)


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """``limit_for(method, path)``: (bytes allowed, what to say when it is more)."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str, str], tuple[int, str]]):
        self.app, self.limit_for = app, limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit, message = self.limit_for(scope["method"], scope["path"])
        stated = scope_headers(scope).get("content-length")
        if stated is not None and (not stated.strip().isdigit() or int(stated) > limit):
            return await refuse(send, 413 if stated.strip().isdigit() else 400, message)
        state: dict[str, Any] = {"read": 0, "started": False, "refused": False}

        async def counted() -> Message:
            msg = await receive()
            if msg["type"] == "http.request":
                state["read"] += len(msg.get("body", b""))
                if state["read"] > limit:
                    if not state["started"]:
                        state["refused"] = state["started"] = True
                        await refuse(send, 413, message)
                    raise BodyTooLarge
            return msg

        async def watched(msg: Message) -> None:
            if state["refused"]:
                return  # the 413 has been sent: whatever the app says after it is dropped
            if msg["type"] == "http.response.start":
                state["started"] = True
            await send(msg)

        try:
            await self.app(scope, counted, watched)
        except Exception:  # BodyTooLarge, or whatever the app made of it (its answer was dropped)
            if not state["refused"]:
                raise
