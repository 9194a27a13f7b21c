"""The evaluation's pages (the report's sections, per page), the definitions, the problems list
and the dashboard's static files."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from ...problems import stored_problems
from ..deps import Asked, Who, asked_view, need, render, site, withheld
from ..views import LANDING_PAGE, PAGE_IDS, definitions

router = APIRouter()
STATIC = {
    "htmx.min.js": "application/javascript",
    "dashboard.js": "application/javascript",
    "dashboard.css": "text/css",
    "report.css": "text/css",
}
PROBLEMS_SHOWN = 1000


@router.get("/static/{name}")
def static(name: str) -> Response:
    if name not in STATIC:
        return PlainTextResponse("Not found", status_code=404)
    if name == "report.css":
        text = resources.files("ipseval.report").joinpath("templates/style.css").read_bytes()
    else:
        text = resources.files("ipseval.web").joinpath(f"static/{name}").read_bytes()
    return Response(text, media_type=STATIC[name], headers={"Cache-Control": "max-age=3600"})


@router.get("/")
def home(request: Request, w: Who = Depends(need("viewer"))) -> Response:
    q = request.url.query
    return RedirectResponse(f"/page/{LANDING_PAGE}" + (f"?{q}" if q else ""), status_code=303)


def page_context(request: Request, asked: Asked, page_id: str) -> dict:
    """What a page of figures shows: the view, its protected figures and the page drawn."""
    s, view = site(request), asked.view
    pub = view.published(asked.caller)
    small = withheld(request, asked)
    return {
        "page_id": page_id,
        "filters": asked.filters,
        "options": s.views.options(view.version),
        "internal": asked.internal,
        "query": asked.query(),
        "meta": pub.meta,
        "warning": pub.disclosure.get("warning"),
        "view": view,
        "withheld": small,
        "perturbed": view.perturbed(asked.caller),  # pages say so when figures are perturbed
        "perturbed_note": pub.disclosure.get("viewer_note"),
        "view_size": view.size(asked.caller),
        "page": None if small else view.page(asked.caller, page_id),
        "data_version": view.version,
        "min_clients": s.dash.min_clients_in_view,
    }


@router.get("/page/{page_id}", response_class=HTMLResponse)
def page(request: Request, page_id: str, w: Who = Depends(need("viewer"))) -> Response:
    if page_id not in PAGE_IDS:
        return render(
            request, w, "message.html.j2", status=404, title="Not found", message="There is no such page."
        )
    asked = asked_view(request, w)
    if asked is None:
        return render(request, w, "empty.html.j2", page_id=page_id)
    ctx = page_context(request, asked, page_id)
    # htmx's history restore asks with HX-Request too, but wants the whole page
    if request.headers.get("hx-request") and not request.headers.get("hx-history-restore-request"):
        response = render(request, w, "view.html.j2", **ctx)
        response.headers["Vary"] = "HX-Request"
        # the address bar shows the view's own address: bookmark it, share it, reload it
        response.headers["HX-Push-Url"] = f"/page/{page_id}" + (f"?{ctx['query']}" if ctx["query"] else "")
        return response
    return render(request, w, "page.html.j2", **ctx)


@router.get("/definitions", response_class=HTMLResponse)
def definitions_page(request: Request, w: Who = Depends(need("viewer"))) -> Response:
    asked = asked_view(request, w)
    if asked is None:
        return render(request, w, "empty.html.j2", page_id="headline")
    pub = asked.view.published(asked.caller)
    return render(
        request,
        w,
        "definitions.html.j2",
        defs=definitions(pub),
        meta=pub.meta,
        query=asked.query(),
        filters=asked.filters,
    )


@router.get("/problems", response_class=HTMLResponse)
def problems(request: Request, w: Who = Depends(need("analyst"))) -> Response:
    version = site(request).workspace.current()
    rows = stored_problems(version.db_path, PROBLEMS_SHOWN) if version is not None else []
    return render(request, w, "problems.html.j2", rows=rows, limit=PROBLEMS_SHOWN)
