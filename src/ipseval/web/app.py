"""The dashboard as a FastAPI application, assembled: the doors every request passes
(:mod:`.guards`), the routers per concern (:mod:`.routes`) and what they share (:mod:`.deps`).

Who may do what (see :mod:`.auth` for roles): every page and download needs at least a viewer;
internal figures (``?figures=internal``), the row-level problem list and fidelity reviews need an
analyst; uploads, area integration, settings, accounts and the audit log need an admin. A request
without a session gets 401 (with the login form), a role too low 403. SECURITY.md has the threat
model.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from .. import __version__
from ..areas_edit import STRENGTHS
from ..disclosure import DisclosureError
from ..ingest.propose_form_save import MAPPING_PAGE, dashboard_words
from ..labels import characteristic_label, code_label
from ..report import format as fmt
from ..setting_labels import choice_label, setting_label
from ..settings import Settings
from . import auth
from .deps import Denied, Site, render, who
from .guards import BodyLimit, HostGuard, LocalModeGuard, SecurityHeaders
from .network import HostNames, is_loopback, networks
from .routes import ROUTERS
from .sessions import SessionStore
from .throttle import LoginThrottle
from .views import Views
from .workspace import Workspace

__all__ = ["create_app", "is_loopback"]

KB = 1024
# the most a request body may hold, per route (the upload's is [dashboard] max_upload_mb)
BODY_LIMITS = {"/login": 8 * KB, "/logout": 8 * KB, "/settings": 256 * KB}
MAPPING_LIMIT = 256 * KB  # an upload's mapping form (/upload/TOKEN/mapping): as large as the settings'
FORM_LIMIT = 64 * KB  # every other form
OTHER_LIMIT = 8 * KB  # GET and the like: no body expected
UPLOAD_OVERHEAD = 64 * KB  # the form around the uploaded file


def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("ipseval.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    fmt.register(env)
    env.globals.update(fmt.FORMATTERS)
    env.globals["software_version"] = __version__
    env.globals["strengths"] = STRENGTHS
    env.filters["mapping_words"] = mapping_words
    env.globals.update(
        code_label=code_label,
        characteristic_label=characteristic_label,
        setting_label=setting_label,
        choice_label=choice_label,
    )
    return env


def _is_mapping_form(path: str) -> bool:
    parts = path.split("/")
    return len(parts) == 4 and parts[1] == "upload" and parts[3] == "mapping"


def mapping_words(text: object, href: str = "/upload") -> Markup:
    """A message, its advice to map names in the settings file pointing to the mapping page
    instead (:func:`ipseval.ingest.propose_form_save.dashboard_words`), as a link to ``href``."""
    link = Markup('<a href="{}">{}</a>').format(href, MAPPING_PAGE)
    return escape(dashboard_words(str(text))).replace(MAPPING_PAGE, link)


def body_limits(workspace: Workspace):
    """``limit_for(method, path)`` for :class:`.guards.BodyLimit`: (bytes, what to say)."""

    def limit_for(method: str, path: str) -> tuple[int, str]:
        if method in ("GET", "HEAD", "OPTIONS"):
            return OTHER_LIMIT, "This request carries more than it may."
        if path == "/upload":
            mb = workspace.settings.dashboard.max_upload_mb
            return mb * 1024 * 1024 + UPLOAD_OVERHEAD, f"The file is larger than the {mb} MB limit."
        limit = MAPPING_LIMIT if _is_mapping_form(path) else BODY_LIMITS.get(path, FORM_LIMIT)
        return limit, f"This form sends more than the {limit // KB} KB it may: nothing was read or changed."

    return limit_for


def create_app(
    home: str | Path,
    settings: Settings | None = None,
    secure_cookies: bool = False,
    host: str = "127.0.0.1",
    port: int | None = None,
) -> FastAPI:
    """The dashboard over the workspace in ``home`` (see :class:`Workspace`); ``settings`` = adopt
    these as the home's settings (None = the home's own ``ipseval.toml``). ``host`` and ``port``:
    where it listens (the port is then the only one its loopback names answer on; a host beyond
    loopback closes it when the last account goes)."""
    workspace = Workspace(home, settings)
    dash = workspace.settings.dashboard  # the network settings are read once, here
    accounts = auth.Accounts(workspace.root)
    s = Site(
        workspace=workspace,
        accounts=accounts,
        sessions=SessionStore(workspace.root, lambda: workspace.settings.dashboard.session_hours * 3600),
        throttle=LoginThrottle(lambda: workspace.settings.dashboard.login_attempts),
        views=Views(workspace),
        env=_env(),
        trusted_proxies=networks(dash.trusted_proxies),
        secure_cookies=secure_cookies,
    )
    app = FastAPI(title="ipseval dashboard", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.site = s
    app.state.workspace, app.state.views, app.state.accounts = workspace, s.views, accounts
    add_doors(app, s, HostNames(dash.allowed_hosts, port), beyond_loopback=not is_loopback(host))
    for router in ROUTERS:
        app.include_router(router)
    app.add_exception_handler(Denied, denied)
    app.add_exception_handler(DisclosureError, not_protectable)
    return app


def add_doors(app: FastAPI, s: Site, names: HostNames, beyond_loopback: bool) -> None:
    """The middleware every request passes, outermost first: SecurityHeaders, HostGuard,
    LocalModeGuard, BodyLimit (added innermost first)."""
    app.add_middleware(BodyLimit, limit_for=body_limits(s.workspace))
    app.add_middleware(
        LocalModeGuard,
        local_mode=lambda: s.local_mode,
        beyond_loopback=beyond_loopback,
        trusted=s.trusted_proxies,
    )
    app.add_middleware(HostGuard, names=names)
    app.add_middleware(SecurityHeaders)


async def not_protectable(request: Request, exc: DisclosureError) -> Response:
    """A view whose figures disclosure control could not protect: withheld, with the reason."""
    return await denied(
        request,
        Denied(403, "The figures of this view cannot be shown: with so few people in it, disclosure control "
               "could not protect them. Widen the filters."),
    )  # fmt: skip


async def denied(request: Request, exc: Denied) -> Response:
    """A refusal as a page: the login form (401), or the reason in words."""
    w = who(request)
    if exc.status == 401:
        response = render(request, w, "login.html.j2", status=401, error=None, next=request.url.path)
        if request.headers.get("hx-request"):
            response.headers["HX-Redirect"] = "/login"
        return response
    if request.headers.get("hx-request"):  # a filter refused: say why where the figures were
        response = render(request, w, "refused.html.j2", status=exc.status, message=exc.message)
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    title = "Not allowed" if exc.status in (401, 403) else "This cannot be shown"
    return render(request, w, "message.html.j2", status=exc.status, title=title, message=exc.message)
