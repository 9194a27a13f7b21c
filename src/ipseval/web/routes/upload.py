"""Uploads by admins: a .zip of CSV files or an .xlsx workbook, validated and staged; a clean one
replaces the current data at once, one with errors waits for the admin's decision, and one the
settings cannot read (named differently) opens its mapping page (:mod:`.mapping`). The body's
size was checked while it arrived (:class:`..guards.BodyLimit`).

Each upload has its data cut (the date up to which its data are counted), shown with where it
comes from and settable on the upload form and on the page of an upload waiting for a decision:
blank is the default the command line chooses (the settings' date, else the latest date in the
data). It is kept with the upload, audited, and used for its check, import and evaluation."""

from __future__ import annotations

from datetime import date

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
    ctx.setdefault("cut_typed", None)
    s = site(request)
    cut = s.workspace.settings.definitions.data_cut
    default_cut = f"the date in the settings, {cut.isoformat()}" if cut else "the latest date in the data"
    return render(
        request, w, "upload.html.j2", status=status, error=error, max_mb=s.dash.max_upload_mb,
        default_cut=default_cut, **ctx,
    )  # fmt: skip


def read_data_cut(text: object) -> date | None:
    """A data cut typed in a form: a date (2024-03-31, or 31/03/2024), None when blank; ValueError
    with the words to show when it is not a date."""
    typed = str(text or "").strip()
    if not typed:
        return None
    for parse in (date.fromisoformat, _day_month_year):
        try:
            return parse(typed)
        except ValueError:
            pass
    raise ValueError(
        f"Date the data were extracted: '{typed}' is not a date (expected a date such as 2024-03-31, "
        "or blank for the default)"
    )


def _day_month_year(text: str) -> date:
    day, month, year = (int(p) for p in text.replace("-", "/").replace(".", "/").split("/"))
    if year < 1000:
        raise ValueError(text)
    return date(year, month, day)


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
        cut = read_data_cut(change.form.get("data_cut"))
    except ValueError as e:
        return upload_page(request, w, 422, str(e), cut_typed=change.form.get("data_cut"))
    try:
        # seconds of work: in a worker thread, so other people's pages are served meanwhile
        name = file.filename or ""
        staged = await run_in_threadpool(workspace.stage_upload, name, content, cut, w.user.name)
    except (WorkspaceError, InputError) as e:
        return upload_page(request, w, 422, str(e))
    if staged.unreadable is not None:  # named differently, perhaps: its mapping page (seconds of work)
        return await run_in_threadpool(show_new_upload, request, w, staged)
    if staged.clean:
        entry = await run_in_threadpool(workspace.accept_upload, staged.token, w.user.name, False)
        return render(request, w, "imported.html.j2", entry=entry, staged=staged)
    return upload_page(request, w, staged=staged, problems=staged.problems.head(500).to_dicts())


@router.post("/upload/{token}/data-cut", response_class=HTMLResponse)
def upload_data_cut(request: Request, token: str, change: Change = Depends(change_by("admin"))) -> Response:
    """Set a waiting upload's data cut (blank: the default), then check it again with it."""
    w, workspace = change.who, site(request).workspace
    try:
        cut = read_data_cut(change.form.get("data_cut"))
    except ValueError as e:
        try:
            staged = workspace.validate_upload(token)
        except WorkspaceError as gone:
            return upload_page(request, w, 409, str(gone))
        problems = staged.problems.head(500).to_dicts()
        typed = change.form.get("data_cut")
        return upload_page(request, w, 422, str(e), staged=staged, problems=problems, cut_typed=typed)
    try:
        workspace.set_upload_data_cut(token, cut, w.user.name)
        staged = workspace.validate_upload(token)
    except (WorkspaceError, InputError) as e:
        return upload_page(request, w, 409, str(e))
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
