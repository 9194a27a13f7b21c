"""The settings page, for admins: every setting that decides a figure, read back from the form by
:mod:`..settings_form`; a saved change is kept in the home and the data evaluated again under it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from .. import settings_form as sf
from ..deps import Change, Who, change_by, need, render, site

router = APIRouter()


def settings_page(request: Request, w: Who, status: int = 200, **ctx) -> HTMLResponse:
    ctx.setdefault("change", None)
    ctx.setdefault("saved", False)
    current = site(request).workspace.settings
    return render(
        request,
        w,
        "settings.html.j2",
        status=status,
        fields=sf.editable_fields(current),
        sections=sf.SECTIONS,
        fixed=sf.fixed_settings(current),
        **ctx,
    )


@router.get("/settings", response_class=HTMLResponse)
def settings_form(request: Request, w: Who = Depends(need("admin"))) -> Response:
    return settings_page(request, w)


@router.post("/settings", response_class=HTMLResponse)
def settings_submit(request: Request, change: Change = Depends(change_by("admin"))) -> Response:
    workspace = site(request).workspace
    read = sf.read_form(change.form, change.form.lists, workspace.settings)
    if read.settings is None:
        return settings_page(request, change.who, status=422, change=read)
    if read.changes:  # the dashboard's own limits are read on each use: they apply at once
        workspace.change_settings(read.settings, change.who.user.name, read.changes)
    return settings_page(request, change.who, change=read, saved=True)
