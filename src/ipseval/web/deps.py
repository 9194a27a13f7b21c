"""What every route shares: the dashboard's parts, who is asking, the doors per role, forms that
passed the CSRF check, the view a request asks for, and rendering a page.

Routes declare what they need as FastAPI dependencies, in the order they are checked::

    @router.post("/areas")
    def areas_submit(request: Request, change: Change = Depends(change_by("admin"))) -> Response:

``change_by(role)`` checks the session and role first (401/403), then reads the form, then its
CSRF token (403), so nobody's form is read before they are known to be allowed to send it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment

from .. import subset as flt
from ..disclosure import Caller, viewers
from ..settings import Dashboard
from . import auth
from .network import Network, client_address
from .sessions import COOKIE, Session, SessionStore, same_token
from .throttle import LoginThrottle
from .views import PAGES, View, Views
from .workspace import DataVersion, Workspace


@dataclass
class Site:
    """The parts of one dashboard, made once by :func:`ipseval.web.app.create_app`."""

    workspace: Workspace
    accounts: auth.Accounts
    sessions: SessionStore
    throttle: LoginThrottle
    views: Views
    env: Environment
    trusted_proxies: list[Network]
    secure_cookies: bool

    @property
    def dash(self) -> Dashboard:  # read on each use: an admin may change it on the settings page
        return self.workspace.settings.dashboard

    @property
    def local_mode(self) -> bool:
        return not self.accounts.any()


def site(request: Request) -> Site:
    return request.app.state.site


class Denied(Exception):
    """A request refused with ``status`` (401 shows the login form) and a message in words."""

    def __init__(self, status: int, message: str):
        self.status, self.message = status, message


@dataclass
class Who:
    """The person behind a request: their account (None = not logged in) and session."""

    user: auth.User | None
    session: Session
    new_cookie: str | None = None  # a session id to set (a new visitor, or just logged in)


def who(request: Request) -> Who:
    """Who is asking (worked out once per request)."""
    found = getattr(request.state, "who", None)
    if found is None:
        found = request.state.who = _who(site(request), request.cookies.get(COOKIE))
    return found


def _who(s: Site, cookie: str | None) -> Who:
    if s.local_mode:  # only ever this computer: see guards.LocalModeGuard
        new, anonymous = s.sessions.anonymous(cookie)
        return Who(auth.LOCAL_ADMIN, anonymous, new)
    session = s.sessions.read(cookie)
    if session is not None:
        user = s.accounts.get(session.user)
        if user is not None and user.fingerprint == session.fingerprint:
            return Who(user, session)
        s.sessions.end(cookie)  # the account changed or went (perhaps in a terminal): it ends here
    new, anonymous = s.sessions.anonymous(cookie)
    return Who(None, anonymous, new)


def require(request: Request, role: str) -> Who:
    w = who(request)
    if w.user is None:
        raise Denied(401, "Please log in.")
    if not auth.at_least(w.user.role, role):
        raise Denied(403, f"This needs the {role} role; you are logged in as a {w.user.role}.")
    return w


def need(role: str):
    """A dependency: the person, who must be logged in with at least ``role``."""

    def dependency(request: Request) -> Who:
        return require(request, role)

    return dependency


class PostedForm(dict):
    """A posted form: one value per field, and ``lists`` for fields sent more than once (ticked
    boxes)."""

    def __init__(self, form: Any):
        super().__init__(form)
        self.lists: dict[str, list[str]] = {k: [str(v) for v in form.getlist(k)] for k in form}


async def posted_form(request: Request) -> PostedForm:
    """The request's form, read before a (synchronous) handler runs. Handlers that change data are
    synchronous so they run in worker threads: an import or a recomputation takes seconds and must
    not hold up the event loop that serves everyone else's pages."""
    return PostedForm(await request.form())


def check_csrf(w: Who, form: PostedForm, request: Request) -> None:
    """The session's CSRF token, from the form field or the header htmx sends. (Origin and Referer
    were checked before routing: :class:`.guards.HostGuard`.)"""
    token = request.headers.get("x-csrf-token") or form.get("csrf_token")
    if not same_token(str(token or ""), w.session.csrf):
        raise Denied(
            403, "This form has expired or did not come from this dashboard: reload the page and try again."
        )


@dataclass
class Change:
    """A state-changing request that passed the doors: who sent it, and their form."""

    who: Who
    form: PostedForm


def change_by(role: str):
    """A dependency for a state-changing request: role first, then the form, then its token."""

    def dependency(request: Request, w: Who = Depends(need(role)), form: PostedForm = Depends(posted_form)):
        check_csrf(w, form, request)
        return Change(w, form)

    return dependency


def peer_address(request: Request) -> str:
    """The address the request came from (forwarded headers believed from trusted proxies only)."""
    peer = request.client.host if request.client else None
    return client_address(peer, dict(request.headers), site(request).trusted_proxies)


def set_session_cookie(request: Request, response: Response, value: str) -> None:
    s = site(request)
    response.set_cookie(
        COOKIE,
        value,
        max_age=int(s.dash.session_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=s.secure_cookies,
        path="/",
    )


def render(request: Request, w: Who, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    """A page of the dashboard (the header names the data version the figures came from)."""
    s = site(request)
    version = ctx.pop("data_version", None) or s.workspace.current()
    html = s.env.get_template(template).render(
        request=request,
        user=w.user,
        local_mode=s.local_mode,
        csrf=w.session.csrf,
        pages=PAGES,
        version=version,
        at_least=lambda role: w.user is not None and auth.at_least(w.user.role, role),
        **ctx,
    )
    response = HTMLResponse(html, status_code=status)
    if w.new_cookie:
        set_session_cookie(request, response, w.new_cookie)
    return response


# -- the view a request asks for ---------------------------------------------------------------


@dataclass
class Asked:
    """The view a request asks for, as the person asking may see it."""

    view: View
    filters: flt.Filters
    caller: Caller

    @property
    def internal(self) -> bool:
        return self.caller == "internal"

    def query(self) -> str:
        """The URL query of this view (to keep it across links)."""
        return urlencode(self.filters.query() | ({"figures": "internal"} if self.internal else {}))


def caller_of(w: Who, internal: bool) -> Caller:
    """Which disclosure caller a person is: their role, and whether they asked for internal figures."""
    if not auth.at_least(w.user.role, "analyst"):
        if internal:
            raise Denied(403, "Internal figures (without disclosure control) are for analysts only.")
        return "viewer"
    return "internal" if internal else "analyst"


def asked_view(request: Request, w: Who) -> Asked | None:
    """The evaluation this request asks for (None before any data), with its filters and caller."""
    s = site(request)
    version: DataVersion | None = s.workspace.current()
    if version is None:
        return None
    params = dict(request.query_params)
    caller = caller_of(w, params.get("figures") == "internal")
    try:
        f = flt.parse(params, s.views.options(version))
    except flt.FilterError as e:
        raise Denied(400, f"This filter cannot be used: {e}.") from None
    f = viewers.filters_for(caller, f, s.workspace.settings)
    return Asked(s.views.view(version, f), f, caller)


def withheld(request: Request, asked: Asked) -> bool:
    """Too few clients in the view to show this caller its figures."""
    return viewers.withheld(
        asked.caller, asked.filters, asked.view.size(asked.caller), site(request).workspace.settings
    )


def refuse_if_withheld(request: Request, asked: Asked) -> None:
    if withheld(request, asked):
        raise Denied(
            403,
            f"This view covers fewer than {site(request).dash.min_clients_in_view} clients: "
            "its figures are withheld.",
        )
