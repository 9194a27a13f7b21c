"""Area integration, edited by admins: the areas come from :mod:`ipseval.areas_edit`; a change is
saved as a new data version and audited."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from ...areas_edit import AreaEditError, area_rows, edit_strengths
from ..deps import Change, Who, change_by, need, render, site

router = APIRouter()


def current_rows(request: Request) -> list[dict]:
    version = site(request).workspace.current()
    return area_rows(version.db_path) if version is not None else []


@router.get("/areas", response_class=HTMLResponse)
def areas_form(request: Request, w: Who = Depends(need("admin"))) -> Response:
    return render(request, w, "areas.html.j2", rows=current_rows(request), saved=False, error=None)


@router.post("/areas", response_class=HTMLResponse)
def areas_submit(request: Request, change: Change = Depends(change_by("admin"))) -> Response:
    w, rows = change.who, current_rows(request)
    if not rows:
        return render(
            request, w, "areas.html.j2", status=409, rows=rows, saved=False, error="There are no data yet."
        )
    # a row not in this form is left as it is
    chosen = {
        i: str(change.form.get(f"strength_{i}") or "")
        for i in range(len(rows))
        if f"strength_{i}" in change.form
    }
    try:
        edit = edit_strengths(rows, chosen)
    except AreaEditError as e:
        return render(request, w, "areas.html.j2", status=422, rows=rows, saved=False, error=str(e))
    if edit.changed:
        site(request).workspace.replace_tables(
            w.user.name, "area integration edited", {"areas": edit.table()}, changes=edit.changed
        )
    return render(
        request, w, "areas.html.j2", rows=current_rows(request), saved=True, error=None, changed=edit.changed
    )
