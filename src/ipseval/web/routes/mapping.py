"""The mapping page of a waiting upload, for admins: the mapping assistant's proposal as a form
(:mod:`ipseval.ingest.propose_form`), read back by :mod:`ipseval.ingest.propose_form_read`; saved
into the home's settings (:mod:`ipseval.ingest.propose_form_save`), audited, and the upload checked
again with it. The body's size was checked while it arrived (:class:`..guards.BodyLimit`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from ... import problem_groups as pg
from ...ingest import InputError
from ...ingest import propose_form as pf
from ...ingest import propose_form_files as pff
from ...ingest import propose_form_read as pr
from ...ingest import propose_form_values as pv
from ...ingest import propose_form_wide as pw
from ...ingest.propose_form_read import FormReading, read_form
from ...ingest.propose_form_save import corrections, mapping_changes, merged_settings
from ...ingest.propose_form_store import cached_form, write_form
from ...ingest.propose_wide import BLANKS_SURE
from ..deps import Change, Who, change_by, need, render, site
from ..workspace import StagedUpload, Workspace, WorkspaceError

router = APIRouter()
FORM_FILE = "mapping.json"  # the form as last shown, kept beside the upload


def mapping_form(workspace: Workspace, token: str) -> pf.MappingForm:
    """The form of a waiting upload (proposed the first time: seconds). WorkspaceError, InputError."""
    source, name = workspace.upload_source(token)
    return cached_form(source, workspace.upload_file(token, FORM_FILE), workspace.settings, name)


def mapping_page(
    request: Request, w: Who, token: str, form: pf.MappingForm, status: int = 200, **ctx
) -> HTMLResponse:
    """The page; ``staged``: the upload as last checked (its problems summarised by cause)."""
    staged: StagedUpload | None = ctx.pop("staged", None)
    causes = []
    if staged is not None and staged.unreadable is None:
        causes = [
            dict(r, shown=pg.values_text(r["values"], r["distinct"]), rows_shown=pg.rows_text(r))
            for r in pg.group_problems(staged.problems).iter_rows(named=True)
        ]
    ctx.setdefault("reading", None)
    ctx.setdefault("changes", None)
    options = {
        "table_options": pr.table_options(),
        "column_options": pr.column_options,
        "code_options": pr.code_options,
        "coded": pv.coded,
        "date_orders": pff.DATE_ORDERS,
        "value_options": pv.value_options,
        "option_of": pv.option_of,
        "typed": pv.typed,
        "typed_hint": pv.typed_hint,
        "file_date_orders": pff.FILE_DATE_ORDERS,
        "two_digit_years": pff.TWO_DIGIT_YEARS,
        "fill_down": pff.FILL_DOWN,
        "wide_table_options": pw.table_options,
        "wide_part_options": pw.part_options,
        "instruments": pw.instruments(),
        "blanks_sure": BLANKS_SURE,
    }
    return render(
        request, w, "mapping.html.j2", status=status, token=token, form=form, staged=staged, causes=causes,
        **options, **ctx,
    )  # fmt: skip


def refused(request: Request, w: Who, status: int, message: str) -> HTMLResponse:
    return render(request, w, "message.html.j2", status=status, title="This upload cannot be mapped",
                  message=message)  # fmt: skip


def show_new_upload(request: Request, w: Who, staged: StagedUpload) -> HTMLResponse:
    """An upload the settings cannot read: its mapping page, or, when the export cannot be read
    even as it is, the reason (and the upload is discarded)."""
    workspace = site(request).workspace
    try:
        form = mapping_form(workspace, staged.token)
    except InputError as e:  # say why the export itself cannot be read
        error = workspace.upload_words(staged.token, str(e))
        workspace.discard_upload(staged.token)
        from .upload import upload_page  # upload imports this module

        return upload_page(request, w, 422, error)
    return mapping_page(request, w, staged.token, form, staged=staged)


@router.get("/upload/{token}/mapping", response_class=HTMLResponse)
def mapping_get(request: Request, token: str, w: Who = Depends(need("admin"))) -> Response:
    try:
        form = mapping_form(site(request).workspace, token)
    except (WorkspaceError, InputError) as e:
        return refused(request, w, 404 if isinstance(e, WorkspaceError) else 422, str(e))
    return mapping_page(request, w, token, form)


@router.post("/upload/{token}/mapping", response_class=HTMLResponse)
def mapping_post(request: Request, token: str, change: Change = Depends(change_by("admin"))) -> Response:
    w, workspace = change.who, site(request).workspace
    try:
        shown = mapping_form(workspace, token)
    except (WorkspaceError, InputError) as e:
        return refused(request, w, 404 if isinstance(e, WorkspaceError) else 422, str(e))
    reading = read_form(shown, change.form)
    if reading.problems:
        return mapping_page(request, w, token, reading.form, status=422, reading=reading)
    cache = workspace.upload_file(token, FORM_FILE)
    if reading.review:  # the columns or codes of a new choice: shown for a check, nothing saved
        write_form(cache, reading.form)
        return mapping_page(request, w, token, reading.form, reading=reading)
    return save(request, w, workspace, token, reading)


def save(request: Request, w: Who, workspace: Workspace, token: str, reading: FormReading) -> HTMLResponse:
    """Save the choices into the home's settings (audited when they change them), then check the
    upload again with them."""
    try:
        new = merged_settings(workspace.settings, reading.form)
    except InputError as e:
        reading.problems.append(str(e))
        return mapping_page(request, w, token, reading.form, status=422, reading=reading)
    changes = mapping_changes(workspace.settings, new)
    if changes:
        workspace.save_settings(
            new, w.user.name, "mapping saved", source=reading.form.source, changes=changes,
            corrected=corrections(reading.form),
        )  # fmt: skip
    write_form(workspace.upload_file(token, FORM_FILE), reading.form)
    staged = workspace.validate_upload(token)
    return mapping_page(request, w, token, reading.form, staged=staged, changes=changes)
