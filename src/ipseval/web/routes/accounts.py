"""Accounts and the audit log, for admins: add, change the role or password of, or remove an
account (each ends that account's sessions), sign everyone out, and read who did what."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from .. import auth
from ..deps import Change, Site, Who, change_by, need, render, set_session_cookie, site
from ..sessions import COOKIE

router = APIRouter()


def accounts_page(request: Request, w: Who, status: int = 200, **ctx) -> HTMLResponse:
    ctx.setdefault("error", None)
    ctx.setdefault("done", None)
    return render(
        request,
        w,
        "accounts.html.j2",
        status=status,
        users=site(request).accounts.names(),
        roles=auth.ROLES,
        min_password=auth.MIN_PASSWORD,
        **ctx,
    )


def _add(s: Site, actor: str, name: str, role: str, password: str, first: bool) -> str:
    if first and role != "admin":
        raise auth.AccountError(
            "the first account must be an admin: once accounts exist everyone logs in, "
            "and an admin is needed to upload data and manage accounts"
        )
    if s.accounts.get(name) is not None:
        raise auth.AccountError(f"'{name}' exists already")
    s.accounts.add(name, role, password)
    s.workspace.audit(actor, "account added", account=name, role=role)
    return f"Account '{name}' added as {role}."


def _role(s: Site, actor: str, name: str, role: str, password: str, first: bool) -> str:
    if name == actor and role != "admin":
        raise auth.AccountError("you cannot take away your own admin role: ask another admin")
    s.accounts.set_role(name, role)
    s.sessions.end_user(name)
    s.workspace.audit(actor, "account role changed", account=name, role=role)
    return f"'{name}' is now {role}: their current sessions have ended."


def _password(s: Site, actor: str, name: str, role: str, password: str, first: bool) -> str:
    s.accounts.set_password(name, password)
    s.sessions.end_user(name)
    s.workspace.audit(actor, "password set", account=name)
    return f"New password set for '{name}'."


def _remove(s: Site, actor: str, name: str, role: str, password: str, first: bool) -> str:
    if name == actor:
        raise auth.AccountError("you cannot remove your own account: ask another admin")
    s.accounts.remove(name)
    s.sessions.end_user(name)
    s.workspace.audit(actor, "account removed", account=name)
    return f"Account '{name}' removed."


ACTIONS = {"add": _add, "role": _role, "password": _password, "remove": _remove}


def apply(s: Site, actor: str, form: dict, first: bool) -> str:
    """Make the change a posted accounts form asks for: what was done, in words (AccountError: why
    it was not). Any change to an account ends its sessions."""
    action = ACTIONS.get(str(form.get("action") or ""))
    if action is None:
        raise auth.AccountError("choose what to change: add, role, password or remove")
    password = str(form.get("password") or "")
    if action in (_add, _password) and password != str(form.get("password2") or ""):
        raise auth.AccountError("the two passwords differ: type the same password twice")
    name, role = str(form.get("name") or "").strip(), str(form.get("role") or "")
    return action(s, actor, name, role, password, first)


@router.get("/accounts", response_class=HTMLResponse)
def accounts_form(request: Request, w: Who = Depends(need("admin"))) -> Response:
    return accounts_page(request, w)


@router.post("/accounts", response_class=HTMLResponse)
def accounts_submit(request: Request, change: Change = Depends(change_by("admin"))) -> Response:
    s, w = site(request), change.who
    first = s.local_mode
    try:
        done = apply(s, w.user.name, change.form, first)
    except auth.AccountError as e:
        return accounts_page(request, w, status=422, error=str(e)[:300])
    # the admin's own session follows their own account: after their first account (local mode
    # ends) or their own new password they stay logged in as that account
    name = str(change.form.get("name") or "").strip()
    own = (
        s.accounts.get(name)
        if (first and change.form.get("action") == "add") or name == w.user.name
        else None
    )
    if own is None:
        return accounts_page(request, w, done=done)
    cookie, session = s.sessions.issue(own)
    response = accounts_page(
        request, Who(own, session), done=done + (" You are logged in as this account." if first else "")
    )
    set_session_cookie(request, response, cookie)
    return response


@router.get("/admin", response_class=HTMLResponse)
def admin(request: Request, w: Who = Depends(need("admin"))) -> Response:
    s = site(request)
    return render(request, w, "admin.html.j2", audit=s.workspace.audit_entries(), sessions=len(s.sessions))


@router.post("/admin/sign-out-everyone")
def sign_out_everyone(request: Request, change: Change = Depends(change_by("admin"))) -> Response:
    s = site(request)
    s.sessions.end_all()
    s.workspace.audit(change.who.user.name, "everyone signed out")
    response = RedirectResponse("/" if s.local_mode else "/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
