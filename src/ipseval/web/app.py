"""The dashboard as a FastAPI application: routes parse the request, call the library, render.

Who may do what (see :mod:`.auth` for roles): every page and download needs at least a viewer;
internal figures (``?figures=internal``), the row-level problem list and fidelity reviews need an
analyst; uploads, area integration, settings, accounts and the audit log need an admin. A request
without a session gets 401 (with the login form), a role too low 403.
"""

from __future__ import annotations

import io
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import polars as pl
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.concurrency import run_in_threadpool
from starlette.middleware.base import BaseHTTPMiddleware

from .. import __version__
from .. import subset as flt
from ..ingest import InputError
from ..report import format as fmt
from ..schema import TABLES
from ..settings import Settings
from . import auth
from . import settings_form as sf
from .views import LANDING_PAGE, PAGE_IDS, PAGES, View, Views, definitions
from .workspace import DataVersion, Workspace, WorkspaceError

STATIC = {
    "htmx.min.js": "application/javascript",
    "dashboard.css": "text/css",
    "report.css": "text/css",
}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: Callable) -> Response:
        response = await call_next(request)
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        response.headers.setdefault("Cache-Control", "no-store")
        return response


class Denied(Exception):
    def __init__(self, status: int, message: str):
        self.status, self.message = status, message


@dataclass
class Who:
    """The person behind a request: their account (None = not logged in) and session."""

    user: auth.User | None
    session: auth.Session
    new_cookie: str | None  # a fresh anonymous session to set (carries the CSRF token)


async def posted_form(request: Request) -> PostedForm:
    """The request's form, read before a (synchronous) handler runs. Handlers that change data are
    synchronous so they run in worker threads: an import or a recomputation takes seconds and must
    not hold up the event loop that serves everyone else's pages."""
    return PostedForm(await request.form())


class PostedForm(dict):
    """A posted form: one value per field, and ``lists`` for fields sent more than once (ticked
    boxes)."""

    def __init__(self, form: Any):
        super().__init__(form)
        self.lists: dict[str, list[str]] = {k: [str(v) for v in form.getlist(k)] for k in form}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
    env.globals["strengths"] = AREA_STRENGTHS
    return env


def create_app(home: str | Path, settings: Settings | None = None, secure_cookies: bool = False) -> FastAPI:
    """The dashboard over the workspace in ``home`` (see :class:`Workspace`); ``settings`` = adopt
    these as the home's settings (None = the home's own ``ipseval.toml``)."""
    workspace = Workspace(home, settings)

    def dash():  # read on each use: an admin may change them on the settings page
        return workspace.settings.dashboard

    accounts = auth.Accounts(workspace.root)
    sessions = auth.Sessions(auth.secret_key(workspace.root), dash().session_hours * 3600)
    limiter = auth.LoginLimiter(dash().login_attempts)
    views = Views(workspace)
    env = _env()
    app = FastAPI(title="ipseval dashboard", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(SecurityHeaders)
    app.state.workspace, app.state.views, app.state.accounts = workspace, views, accounts

    # -- plumbing ------------------------------------------------------------------------------

    def set_cookie(response: Response, value: str) -> None:
        response.set_cookie(
            sessions.COOKIE,
            value,
            max_age=sessions.max_age,
            httponly=True,
            samesite="strict",
            secure=secure_cookies,
            path="/",
        )

    def who(request: Request) -> Who:
        session = sessions.read(request.cookies.get(sessions.COOKIE))
        new_cookie = None
        if session is None:
            new_cookie, session = sessions.issue(auth.User("", "", ""))
        if not accounts.any():
            return Who(auth.LOCAL_ADMIN, session, new_cookie)
        user = accounts.get(session.user) if session.user else None
        if user is not None and user.fingerprint != session.fingerprint:
            user = None  # password or role changed, or account removed and made again
        return Who(user, session, new_cookie)

    def need(request: Request, role: str) -> Who:
        w = who(request)
        if w.user is None:
            raise Denied(401, "Please log in.")
        if not auth.at_least(w.user.role, role):
            raise Denied(403, f"This needs the {role} role; you are logged in as a {w.user.role}.")
        return w

    def checked_form(request: Request, w: Who, form: PostedForm) -> PostedForm:
        """The posted form, after the CSRF and same-origin checks every state change must pass."""
        origin = request.headers.get("origin")
        # "null": browsers send it for same-site forms under Referrer-Policy: no-referrer; the
        # CSRF token (and the SameSite=Strict cookie) is what protects those
        own = f"{request.url.scheme}://{request.headers.get('host', '')}"
        if origin and origin not in ("null", own):
            raise Denied(403, "This request came from another site and was refused.")
        token = request.headers.get("x-csrf-token") or form.get("csrf_token")
        if not auth.same_token(str(token or ""), w.session.csrf):
            raise Denied(
                403,
                "This form has expired or did not come from this dashboard: reload the page and try again.",
            )
        return form

    def render(request: Request, w: Who, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        # the header names the version the figures came from, not one made current since
        version = ctx.pop("data_version", None) or workspace.current()
        html = env.get_template(template).render(
            request=request,
            user=w.user,
            local_mode=not accounts.any(),
            csrf=w.session.csrf,
            pages=PAGES,
            version=version,
            at_least=lambda role: w.user is not None and auth.at_least(w.user.role, role),
            **ctx,
        )
        response = HTMLResponse(html, status_code=status)
        if w.new_cookie:
            set_cookie(response, w.new_cookie)
        return response

    @app.exception_handler(Denied)
    async def denied(request: Request, exc: Denied) -> Response:
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

    def current_or_none() -> DataVersion | None:
        return workspace.current()

    def view_for(request: Request, w: Who) -> tuple[View, flt.Filters, bool] | None:
        """The evaluation this request asks for (None before any data), with its filters and
        whether internal figures were asked for (and allowed)."""
        version = current_or_none()
        if version is None:
            return None
        params = dict(request.query_params)
        internal = params.get("figures") == "internal"
        if internal and not auth.at_least(w.user.role, "analyst"):
            raise Denied(403, "Internal figures (without disclosure control) are for analysts only.")
        try:
            f = flt.parse(params, views.options(version))
        except flt.FilterError as e:
            raise Denied(400, f"This filter cannot be used: {e}.") from None
        if not internal and dash().viewer_period == "month" and not auth.at_least(w.user.role, "analyst"):
            f = f.whole_months()
        return views.view(version, f), f, internal

    def query_for(f: flt.Filters, internal: bool) -> str:
        q = f.query() | ({"figures": "internal"} if internal else {})
        return urlencode(q)

    def withheld(view: View, w: Who) -> bool:
        """Too few clients in a filtered view to show a viewer its figures."""
        return (
            not view.filters.empty
            and view.clients < dash().min_clients_in_view
            and not auth.at_least(w.user.role, "analyst")
        )

    # -- static assets -------------------------------------------------------------------------

    @app.get("/static/{name}")
    def static(name: str) -> Response:
        if name not in STATIC:
            return PlainTextResponse("Not found", status_code=404)
        if name == "report.css":
            text = resources.files("ipseval.report").joinpath("templates/style.css").read_bytes()
        else:
            text = resources.files("ipseval.web").joinpath(f"static/{name}").read_bytes()
        return Response(text, media_type=STATIC[name], headers={"Cache-Control": "max-age=3600"})

    # -- logging in and out ----------------------------------------------------------------------

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request) -> Response:
        w = who(request)
        if not accounts.any():
            return RedirectResponse("/", status_code=303)
        return render(request, w, "login.html.j2", error=None, next=request.query_params.get("next", "/"))

    @app.post("/login")
    def login(request: Request, posted: PostedForm = Depends(posted_form)) -> Response:
        w = who(request)
        form = checked_form(request, w, posted)
        name = str(form.get("username", ""))[:64]
        password = str(form.get("password", ""))[:1024]
        address = request.client.host if request.client else "?"
        keys = (f"user:{name.lower()}", f"addr:{address}")
        wait = limiter.retry_after(*keys)
        if wait:
            r = render(
                request,
                w,
                "login.html.j2",
                status=429,
                next="/",
                error=f"Too many failed attempts: try again in {wait // 60 + 1} minutes.",
            )
            r.headers["Retry-After"] = str(wait)
            return r
        user = accounts.check(name, password)
        if user is None:
            limiter.failed(*keys)
            return render(
                request, w, "login.html.j2", status=401, next="/", error="Wrong user name or password."
            )
        limiter.succeeded(*keys)
        cookie, _ = sessions.issue(user)
        target = str(form.get("next") or "/")
        if not target.startswith("/") or target.startswith("//"):
            target = "/"
        response = RedirectResponse(target, status_code=303)
        set_cookie(response, cookie)
        return response

    @app.post("/logout")
    def logout(request: Request, posted: PostedForm = Depends(posted_form)) -> Response:
        w = who(request)
        checked_form(request, w, posted)
        response = RedirectResponse("/login" if accounts.any() else "/", status_code=303)
        response.delete_cookie(sessions.COOKIE, path="/")
        return response

    # -- the evaluation pages --------------------------------------------------------------------

    @app.get("/")
    def home(request: Request) -> Response:
        need(request, "viewer")
        q = request.url.query
        return RedirectResponse(f"/page/{LANDING_PAGE}" + (f"?{q}" if q else ""), status_code=303)

    @app.get("/page/{page_id}", response_class=HTMLResponse)
    def page(request: Request, page_id: str) -> Response:
        w = need(request, "viewer")
        if page_id not in PAGE_IDS:
            return render(
                request, w, "message.html.j2", status=404, title="Not found", message="There is no such page."
            )
        found = view_for(request, w)
        if found is None:
            return render(request, w, "empty.html.j2", page_id=page_id)
        view, f, internal = found
        pub = view.published(internal)
        ctx = {
            "page_id": page_id,
            "filters": f,
            "options": views.options(view.version),
            "internal": internal,
            "query": query_for(f, internal),
            "meta": pub.meta,
            "warning": pub.disclosure.get("warning"),
            "view": view,
            "withheld": withheld(view, w),
            "page": None if withheld(view, w) else view.page(internal, page_id),
            "data_version": view.version,
            "min_clients": dash().min_clients_in_view,
        }
        # htmx's history restore asks with HX-Request too, but wants the whole page
        if request.headers.get("hx-request") and not request.headers.get("hx-history-restore-request"):
            response = render(request, w, "view.html.j2", **ctx)
            response.headers["Vary"] = "HX-Request"
            # the address bar shows the view's own address: bookmark it, share it, reload it
            response.headers["HX-Push-Url"] = f"/page/{page_id}" + (
                f"?{ctx['query']}" if ctx["query"] else ""
            )
            return response
        return render(request, w, "page.html.j2", **ctx)

    @app.get("/table/{key}.csv")
    def table_csv(request: Request, key: str) -> Response:
        w = need(request, "viewer")
        found = view_for(request, w)
        if found is None:
            return PlainTextResponse("No data yet.", status_code=404)
        view, _f, internal = found
        if withheld(view, w):
            raise Denied(
                403,
                f"This view covers fewer than {dash().min_clients_in_view} clients: its figures are withheld.",
            )
        pub = view.published(internal)
        table = pub.table(key)
        if table is None:
            return PlainTextResponse(
                f"No table {key} for this view. {pub.missing_reason(key)}", status_code=404
            )
        from ..report.outputs import write_table_csv

        buf = io.StringIO()
        write_table_csv(table, buf)
        suffix = "-internal" if internal else ""
        return Response(
            ("\ufeff" + buf.getvalue()).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{key}{suffix}.csv"'},
        )

    @app.get("/definitions", response_class=HTMLResponse)
    def definitions_page(request: Request) -> Response:
        w = need(request, "viewer")
        found = view_for(request, w)
        if found is None:
            return render(request, w, "empty.html.j2", page_id="headline")
        view, f, internal = found
        pub = view.published(internal)
        return render(
            request,
            w,
            "definitions.html.j2",
            defs=definitions(pub),
            meta=pub.meta,
            query=query_for(f, internal),
            filters=f,
        )

    @app.get("/report.{kind}")
    def report(request: Request, kind: str) -> Response:
        w = need(request, "viewer")
        if kind not in ("html", "pdf"):
            return PlainTextResponse("Not found", status_code=404)
        found = view_for(request, w)
        if found is None:
            return PlainTextResponse("No data yet.", status_code=404)
        view, _f, internal = found
        if withheld(view, w):
            raise Denied(
                403,
                f"This view covers fewer than {dash().min_clients_in_view} clients: its figures are withheld.",
            )
        from ..report import render_html, write_pdf

        html = render_html(view.published(internal))
        name = "report" + ("-internal" if internal else "")
        if kind == "html":
            return Response(
                html.encode("utf-8"),
                media_type="text/html; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{name}.html"'},
            )
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            pdf = write_pdf(html, Path(tmp) / "report.pdf").read_bytes()
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
        )

    # -- analysts ------------------------------------------------------------------------------

    @app.get("/problems", response_class=HTMLResponse)
    def problems(request: Request) -> Response:
        w = need(request, "analyst")
        version = current_or_none()
        rows: list[dict] = []
        if version is not None:
            from ..store import Store

            with Store(version.db_path) as store:
                rows = store.table("import_problems").head(1000).to_dicts()
        return render(request, w, "problems.html.j2", rows=rows, limit=1000)

    @app.get("/fidelity/review", response_class=HTMLResponse)
    def review_form(request: Request) -> Response:
        w = need(request, "analyst")
        from ..fidelity.items import items

        return render(request, w, "review.html.j2", items=items(), values={}, errors=[], result=None)

    @app.post("/fidelity/review", response_class=HTMLResponse)
    def review_submit(request: Request, posted: PostedForm = Depends(posted_form)) -> Response:
        w = need(request, "analyst")
        form = checked_form(request, w, posted)
        from ..fidelity import score_reviews
        from ..fidelity.items import items

        errors, rows, team, when = review_rows(form)
        result = None
        if not errors:
            scored = score_reviews(pl.DataFrame(rows))
            if scored.reviews.height:
                result = scored.reviews.row(0, named=True)
                version = current_or_none()
                if version is not None:
                    from ..store import Store

                    with Store(version.db_path) as store:
                        old = store.table("fidelity") if "fidelity" in store.tables_present else None
                    new = pl.DataFrame(
                        [{**r, "reviewer": form.get("reviewer") or None} for r in rows],
                        schema={
                            "team": pl.Utf8,
                            "review_date": pl.Date,
                            "item": pl.Int64,
                            "score": pl.Int64,
                            "reviewer": pl.Utf8,
                        },
                    )
                    if old is not None:
                        old = old.drop("source_row")
                        new = pl.concat([old, new.select(old.columns)], how="vertical_relaxed")
                    workspace.replace_tables(
                        w.user.name,
                        "fidelity review",
                        {"fidelity": new},
                        team=team,
                        review_date=str(when),
                        total=result["total"],
                    )
            else:
                errors = [str(x) for x in scored.not_scored["reason"].to_list()]
        return render(
            request,
            w,
            "review.html.j2",
            items=items(),
            values=form,
            errors=errors,
            result=result,
            status=200 if not errors else 422,
        )

    # -- admins --------------------------------------------------------------------------------

    @app.get("/upload", response_class=HTMLResponse)
    def upload_form(request: Request) -> Response:
        w = need(request, "admin")
        return render(request, w, "upload.html.j2", staged=None, error=None, max_mb=dash().max_upload_mb)

    @app.post("/upload", response_class=HTMLResponse)
    async def upload(request: Request) -> Response:
        w = need(request, "admin")
        limit = dash().max_upload_mb * 1024 * 1024
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > limit + 64 * 1024:
            return render(
                request,
                w,
                "upload.html.j2",
                status=413,
                staged=None,
                max_mb=dash().max_upload_mb,
                error=f"The file is larger than the {dash().max_upload_mb} MB limit.",
            )
        form = checked_form(request, w, PostedForm(await request.form()))
        file = form.get("file")
        if file is None or not hasattr(file, "read"):
            return render(
                request,
                w,
                "upload.html.j2",
                status=400,
                staged=None,
                max_mb=dash().max_upload_mb,
                error="Choose a file to upload.",
            )
        content = await file.read(limit + 1)
        if len(content) > limit:
            return render(
                request,
                w,
                "upload.html.j2",
                status=413,
                staged=None,
                max_mb=dash().max_upload_mb,
                error=f"The file is larger than the {dash().max_upload_mb} MB limit.",
            )
        try:
            # seconds of work: in a worker thread, so other people's pages are served meanwhile
            staged = await run_in_threadpool(workspace.stage_upload, file.filename or "", content)
        except (WorkspaceError, InputError) as e:
            return render(
                request,
                w,
                "upload.html.j2",
                status=422,
                staged=None,
                max_mb=dash().max_upload_mb,
                error=str(e),
            )
        if staged.clean:
            entry = await run_in_threadpool(workspace.accept_upload, staged.token, w.user.name, False)
            return render(request, w, "imported.html.j2", entry=entry, staged=staged)
        return render(
            request,
            w,
            "upload.html.j2",
            status=200,
            staged=staged,
            error=None,
            max_mb=dash().max_upload_mb,
            problems=staged.problems.head(500).to_dicts(),
        )

    @app.post("/upload/{token}/{decision}", response_class=HTMLResponse)
    def upload_decision(
        request: Request, token: str, decision: str, posted: PostedForm = Depends(posted_form)
    ) -> Response:
        w = need(request, "admin")
        checked_form(request, w, posted)
        try:
            if decision == "accept":
                entry = workspace.accept_upload(token, w.user.name, accept_errors=True)
                return render(request, w, "imported.html.j2", entry=entry, staged=None)
            if decision == "discard":
                workspace.discard_upload(token)
                return RedirectResponse("/upload", status_code=303)
        except (WorkspaceError, InputError) as e:
            return render(
                request,
                w,
                "upload.html.j2",
                status=409,
                staged=None,
                max_mb=dash().max_upload_mb,
                error=str(e),
            )
        return PlainTextResponse("Not found", status_code=404)

    @app.get("/areas", response_class=HTMLResponse)
    def areas_form(request: Request) -> Response:
        w = need(request, "admin")
        return render(request, w, "areas.html.j2", rows=area_rows(), saved=False, error=None)

    def area_rows() -> list[dict]:
        version = current_or_none()
        if version is None:
            return []
        from ..store import Store

        with Store(version.db_path) as store:
            if "areas" not in store.tables_present:
                names = store.query(
                    "SELECT DISTINCT local_authority FROM clients WHERE local_authority IS NOT NULL ORDER BY 1"
                )
                return [
                    {
                        "local_authority": n,
                        "integration_strength": None,
                        "co_located": None,
                        "population": None,
                    }
                    for n in names["local_authority"].to_list()
                ]
            return store.table("areas").sort("local_authority").to_dicts()

    @app.post("/areas", response_class=HTMLResponse)
    def areas_submit(request: Request, posted: PostedForm = Depends(posted_form)) -> Response:
        w = need(request, "admin")
        form = checked_form(request, w, posted)
        rows = area_rows()
        if not rows:
            return render(
                request,
                w,
                "areas.html.j2",
                status=409,
                rows=rows,
                saved=False,
                error="There are no data yet.",
            )
        allowed = AREA_STRENGTHS
        changed = []
        for i, r in enumerate(rows):
            if f"strength_{i}" not in form:  # not in this form: left as it is
                continue
            value = str(form.get(f"strength_{i}", "") or "")
            if value and value not in allowed:
                return render(
                    request,
                    w,
                    "areas.html.j2",
                    status=422,
                    rows=rows,
                    saved=False,
                    error=f"{r['local_authority']}: '{value[:30]}' is not one of {', '.join(allowed)}.",
                )
            new = value or None
            if new != r.get("integration_strength"):
                changed.append(
                    f"{r['local_authority']}: {r.get('integration_strength') or 'blank'} → {new or 'blank'}"
                )
            r["integration_strength"] = new
        if changed:
            frame = pl.DataFrame(
                [{k: v for k, v in r.items() if k != "source_row"} for r in rows],
                schema={
                    "local_authority": pl.Utf8,
                    "integration_strength": pl.Utf8,
                    "co_located": pl.Boolean,
                    "population": pl.Int64,
                },
            )
            workspace.replace_tables(
                w.user.name, "area integration edited", {"areas": frame}, changes=changed
            )
        return render(request, w, "areas.html.j2", rows=area_rows(), saved=True, error=None, changed=changed)

    @app.get("/admin", response_class=HTMLResponse)
    def admin(request: Request) -> Response:
        w = need(request, "admin")
        return render(request, w, "admin.html.j2", audit=workspace.audit_entries())

    # -- accounts --------------------------------------------------------------------------------

    def accounts_page(request: Request, w: Who, status: int = 200, **ctx: Any) -> HTMLResponse:
        ctx.setdefault("error", None)
        ctx.setdefault("done", None)
        return render(
            request,
            w,
            "accounts.html.j2",
            status=status,
            users=accounts.names(),
            roles=auth.ROLES,
            min_password=auth.MIN_PASSWORD,
            **ctx,
        )

    @app.get("/accounts", response_class=HTMLResponse)
    def accounts_form(request: Request) -> Response:
        w = need(request, "admin")
        return accounts_page(request, w)

    @app.post("/accounts", response_class=HTMLResponse)
    def accounts_submit(request: Request, posted: PostedForm = Depends(posted_form)) -> Response:
        w = need(request, "admin")
        form = checked_form(request, w, posted)
        action = str(form.get("action") or "")
        name = str(form.get("name") or "").strip()
        role = str(form.get("role") or "")
        password = str(form.get("password") or "")
        first = not accounts.any()
        try:
            if action in ("add", "password") and password != str(form.get("password2") or ""):
                raise auth.AccountError("the two passwords differ: type the same password twice")
            if action == "add":
                if first and role != "admin":
                    raise auth.AccountError(
                        "the first account must be an admin: once accounts exist everyone logs in, "
                        "and an admin is needed to upload data and manage accounts"
                    )
                if accounts.get(name) is not None:
                    raise auth.AccountError(f"'{name}' exists already")
                accounts.add(name, role, password)
                done = f"Account '{name}' added as {role}."
                workspace.audit(w.user.name, "account added", account=name, role=role)
            elif action == "role":
                if name == w.user.name and role != "admin":
                    raise auth.AccountError("you cannot take away your own admin role: ask another admin")
                accounts.set_role(name, role)
                done = f"'{name}' is now {role}: their current sessions have ended."
                workspace.audit(w.user.name, "account role changed", account=name, role=role)
            elif action == "password":
                accounts.set_password(name, password)
                done = f"New password set for '{name}'."
                workspace.audit(w.user.name, "password set", account=name)
            elif action == "remove":
                if name == w.user.name:
                    raise auth.AccountError("you cannot remove your own account: ask another admin")
                accounts.remove(name)
                done = f"Account '{name}' removed."
                workspace.audit(w.user.name, "account removed", account=name)
            else:
                raise auth.AccountError("choose what to change: add, role, password or remove")
        except auth.AccountError as e:
            return accounts_page(request, w, status=422, error=str(e)[:300])
        # the admin's own session follows their own account: after their first account (local
        # mode ends) or their own new password they stay logged in as that account
        own = accounts.get(name) if (first and action == "add") or name == w.user.name else None
        if own is not None:
            cookie, session = sessions.issue(own)
            w = Who(own, session, cookie)
            done += " You are logged in as this account." if first else ""
        return accounts_page(request, w, done=done)

    # -- settings --------------------------------------------------------------------------------

    def settings_page(request: Request, w: Who, status: int = 200, **ctx: Any) -> HTMLResponse:
        ctx.setdefault("change", None)
        ctx.setdefault("saved", False)
        return render(
            request,
            w,
            "settings.html.j2",
            status=status,
            fields=sf.editable_fields(workspace.settings),
            sections=sf.SECTIONS,
            fixed=fixed_settings(workspace.settings),
            **ctx,
        )

    @app.get("/settings", response_class=HTMLResponse)
    def settings_form(request: Request) -> Response:
        w = need(request, "admin")
        return settings_page(request, w)

    @app.post("/settings", response_class=HTMLResponse)
    def settings_submit(request: Request, posted: PostedForm = Depends(posted_form)) -> Response:
        w = need(request, "admin")
        form = checked_form(request, w, posted)
        change = sf.read_form(form, form.lists, workspace.settings)
        if change.settings is None:
            return settings_page(request, w, status=422, change=change)
        if change.changes:
            workspace.change_settings(change.settings, w.user.name, change.changes)
            sessions.max_age = int(dash().session_hours * 3600)
            limiter.attempts = dash().login_attempts
        return settings_page(request, w, change=change, saved=True)

    return app


AREA_STRENGTHS: tuple[str, ...] = next(
    c.codes or () for c in TABLES["areas"].columns if c.name == "integration_strength"
)


def fixed_settings(settings: Settings) -> list[tuple[str, str]]:
    """The settings not changed in the browser (see :mod:`.settings_form`), for admins to read."""
    rows = [
        ("definitions.data_cut", str(settings.definitions.data_cut or "blank: the latest date in the data")),
        ("qualitative.codebook", str(settings.qualitative.codebook or "blank: the built-in codebook")),
        ("qualitative.coding_sheet", str(settings.qualitative.coding_sheet or "blank: none")),
        ("wellbeing.measures_file", str(settings.wellbeing.measures_file or "blank: the built-in measures")),
    ]
    m = settings.mapping
    mapped = [
        f"{what} in {len(v)} table(s)"
        for what, v in (("column names", m.columns), ("codes", m.codes), ("file names", m.tables))
        if v
    ]
    rows.append(("mapping", "own " + ", ".join(mapped) if mapped else "none: the data standard's own names"))
    return rows


def review_rows(form: dict[str, Any]) -> tuple[list[str], list[dict], str, date | None]:
    """The 25 item scores of a posted review form, checked: (problems, rows, team, date)."""
    from ..fidelity.items import N_ITEMS

    errors = []
    team = str(form.get("team") or "").strip()[:120]
    if not team:
        errors.append("Team: give the team or area reviewed.")
    when = None
    try:
        when = date.fromisoformat(str(form.get("review_date") or ""))
    except ValueError:
        errors.append("Review date: give the date of the review (YYYY-MM-DD).")
    rows = []
    for n in range(1, N_ITEMS + 1):
        raw = str(form.get(f"item_{n}") or "")
        if raw not in ("1", "2", "3", "4", "5"):
            errors.append(f"Item {n}: choose a score from 1 to 5.")
            continue
        rows.append({"team": team, "review_date": when, "item": n, "score": int(raw)})
    return errors, rows, team, when
