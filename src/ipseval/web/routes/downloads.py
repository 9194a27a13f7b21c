"""Downloads: each table of a view as CSV, and the view's report as HTML or PDF, protected as the
pages are (a view withheld from a viewer is withheld here too)."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from ..deps import Who, asked_view, need, refuse_if_withheld
from ..made_files import MADE

router = APIRouter()


def attachment(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.get("/table/{key}.csv")
def table_csv(request: Request, key: str, w: Who = Depends(need("viewer"))) -> Response:
    from ...report.outputs import write_table_csv

    asked = asked_view(request, w)
    if asked is None:
        return PlainTextResponse("No data yet.", status_code=404)
    refuse_if_withheld(request, asked)
    pub = asked.view.published(asked.caller)
    table = pub.table(key)
    if table is None:
        return PlainTextResponse(f"No table {key} for this view. {pub.missing_reason(key)}", status_code=404)
    buf = io.StringIO()
    write_table_csv(table, buf)
    suffix = "-internal" if asked.internal else ""
    return attachment(
        ("\ufeff" + buf.getvalue()).encode("utf-8"), "text/csv; charset=utf-8", f"{key}{suffix}.csv"
    )


@router.get("/report.pdf/make")
def make_pdf(request: Request, w: Who = Depends(need("viewer"))) -> Response:
    """The view's PDF, made while the page shows that it is being made (an htmx request from the
    PDF link, whose plain address still works without scripts). The answer, shown beside the PDF
    link, is a link to :func:`made_pdf` marked ``data-start``, which the dashboard's script
    follows at once (one click); it stays there in case the download did not start."""
    made = report(request, "pdf", w)
    if made.status_code != 200:
        return made
    name = made.headers["content-disposition"].split('filename="')[1].rstrip('"')
    token = MADE.put(w.session.csrf, bytes(made.body), "application/pdf", name)
    ready = f"/report.pdf/ready/{token}"
    return HTMLResponse(
        f'The PDF is ready and downloading. If it did not start: <a href="{ready}" download '
        'class="dash-ready" data-start>download it</a>.'
    )


@router.get("/report.pdf/ready/{token}")
def made_pdf(token: str, w: Who = Depends(need("viewer"))) -> Response:
    found = MADE.get(w.session.csrf, token)
    if found is None:
        return PlainTextResponse("This PDF is no longer here: make it again from the page.", status_code=404)
    return attachment(found.content, found.media_type, found.filename)


@router.get("/report.{kind}")
def report(request: Request, kind: str, w: Who = Depends(need("viewer"))) -> Response:
    from ...report import render_html, write_pdf

    if kind not in ("html", "pdf"):
        return PlainTextResponse("Not found", status_code=404)
    asked = asked_view(request, w)
    if asked is None:
        return PlainTextResponse("No data yet.", status_code=404)
    refuse_if_withheld(request, asked)
    html = render_html(asked.view.published(asked.caller))
    name = "report" + ("-internal" if asked.internal else "")
    if kind == "html":
        return attachment(html.encode("utf-8"), "text/html; charset=utf-8", f"{name}.html")
    with tempfile.TemporaryDirectory() as tmp:
        pdf = write_pdf(html, Path(tmp) / "report.pdf").read_bytes()
    return attachment(pdf, "application/pdf", f"{name}.pdf")
