"""Uploads by admins: a .zip of CSV files or an .xlsx workbook, validated and staged; a clean one
replaces the current data at once, one with errors waits for the admin's decision, and one the
settings cannot read (named differently) opens its mapping page (:mod:`.mapping`). The body's
size was checked while it arrived (:class:`..guards.BodyLimit`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ...ingest import InputError
from ..deps import Change, Who, change_by, need, render, site
from ..workspace import WorkspaceError
from .mapping import show_new_upload

router = APIRouter()


def upload_page(request: Request, w: Who, status: int = 200, error: str | None = None, **ctx) -> HTMLResponse:
    ctx.setdefault("staged", None)
    max_mb = site(request).dash.max_upload_mb
    return render(request, w, "upload.html.j2", status=status, error=error, max_mb=max_mb, **ctx)


@router.get("/upload", response_class=HTMLResponse)
def upload_form(request: Request, w: Who = Depends(need("admin"))) -> Response:
    return upload_page(request, w)


@router.post("/upload", response_class=HTMLResponse)
async def upload(request: Request, change: Change = Depends(change_by("admin"))) -> Response:
    w, workspace = change.who, site(request).workspace
    file = change.form.get("file")
    if file is None or not hasattr(file, "read"):
        return upload_page(request, w, 400, "Choose a file to upload.")
    max_mb = site(request).dash.max_upload_mb
    content = await file.read(max_mb * 1024 * 1024 + 1)
    if len(content) > max_mb * 1024 * 1024:  # the body's limit allows for the form around the file
        return upload_page(request, w, 413, f"The file is larger than the {max_mb} MB limit.")
    try:
        # seconds of work: in a worker thread, so other people's pages are served meanwhile
        staged = await run_in_threadpool(workspace.stage_upload, file.filename or "", content)
    except (WorkspaceError, InputError) as e:
        return upload_page(request, w, 422, str(e))
    if staged.unreadable is not None:  # named differently, perhaps: its mapping page (seconds of work)
        return await run_in_threadpool(show_new_upload, request, w, staged)
    if staged.clean:
        entry = await run_in_threadpool(workspace.accept_upload, staged.token, w.user.name, False)
        return render(request, w, "imported.html.j2", entry=entry, staged=staged)
    return upload_page(request, w, staged=staged, problems=staged.problems.head(500).to_dicts())


@router.post("/upload/{token}/{decision}", response_class=HTMLResponse)
def upload_decision(
    request: Request, token: str, decision: str, change: Change = Depends(change_by("admin"))
) -> Response:
    w, workspace = change.who, site(request).workspace
    try:
        if decision == "accept":
            entry = workspace.accept_upload(token, w.user.name, accept_errors=True)
            return render(request, w, "imported.html.j2", entry=entry, staged=None)
        if decision == "discard":
            workspace.discard_upload(token)
            return RedirectResponse("/upload", status_code=303)
    except (WorkspaceError, InputError) as e:
        return upload_page(request, w, 409, str(e))
    return PlainTextResponse("Not found", status_code=404)
