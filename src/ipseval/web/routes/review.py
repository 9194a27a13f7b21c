"""Fidelity reviews entered by analysts: the IPS-25 form, checked and scored by
:mod:`ipseval.fidelity.entry`, saved as a new data version."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from ...fidelity.entry import check_review, merged_fidelity
from ...fidelity.items import N_ITEMS, items
from ..deps import Change, Who, change_by, need, render, site

router = APIRouter()


@router.get("/fidelity/review", response_class=HTMLResponse)
def review_form(request: Request, w: Who = Depends(need("analyst"))) -> Response:
    return render(request, w, "review.html.j2", items=items(), values={}, errors=[], result=None)


@router.post("/fidelity/review", response_class=HTMLResponse)
def review_submit(request: Request, change: Change = Depends(change_by("analyst"))) -> Response:
    form, w = change.form, change.who
    workspace = site(request).workspace
    entry = check_review(
        str(form.get("team") or ""),
        str(form.get("review_date") or ""),
        {n: str(form.get(f"item_{n}") or "") for n in range(1, N_ITEMS + 1)},
        str(form.get("reviewer") or ""),
        workspace.settings.benchmarks.fidelity_cuts,
    )
    version = workspace.current()
    if entry.scored is not None and version is not None:
        workspace.replace_tables(
            w.user.name,
            "fidelity review",
            {"fidelity": merged_fidelity(version.db_path, entry)},
            team=entry.team,
            review_date=str(entry.review_date),
            total=entry.scored["total"],
        )
    return render(
        request,
        w,
        "review.html.j2",
        status=422 if entry.errors else 200,
        items=items(),
        values=form,
        errors=entry.errors,
        result=entry.scored,
    )
