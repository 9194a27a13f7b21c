"""Logging in and out. Failed logins are throttled per account and per address (see
:mod:`..throttle`); a login makes a new server-side session, a logout ends it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..deps import (
    PostedForm,
    Who,
    check_csrf,
    peer_address,
    posted_form,
    render,
    set_session_cookie,
    site,
    who,
)
from ..sessions import COOKIE

router = APIRouter()


def safe_next(target: str) -> str:
    """Where to go after logging in: a page of this dashboard, never another site."""
    if not target.startswith("/") or target.startswith("//") or any(c in target for c in "\\\r\n\t"):
        return "/"
    return target


def _page(request: Request, w: Who, status: int, error: str | None, next_page: str = "/") -> HTMLResponse:
    return render(request, w, "login.html.j2", status=status, error=error, next=next_page)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    if site(request).local_mode:
        return RedirectResponse("/", status_code=303)
    return _page(request, who(request), 200, None, safe_next(request.query_params.get("next", "/")))


@router.post("/login")
def login(request: Request, form: PostedForm = Depends(posted_form)) -> Response:
    w = who(request)
    check_csrf(w, form, request)
    s = site(request)
    name = str(form.get("username", ""))[:64]
    password = str(form.get("password", ""))[:1024]
    address = peer_address(request)
    wait = s.throttle.retry_after(name, address)
    if wait:
        response = _page(request, w, 429, f"Too many failed attempts: try again in {wait // 60 + 1} minutes.")
        response.headers["Retry-After"] = str(wait)
        return response
    user = s.accounts.check(name, password)
    if user is None:
        s.throttle.failed(name, address)
        return _page(request, w, 401, "Wrong user name or password.")
    s.throttle.succeeded(name)  # this account's failures only: never the address's
    cookie, _ = s.sessions.issue(user)
    response = RedirectResponse(safe_next(str(form.get("next") or "/")), status_code=303)
    set_session_cookie(request, response, cookie)
    return response


@router.post("/logout")
def logout(request: Request, form: PostedForm = Depends(posted_form)) -> Response:
    check_csrf(who(request), form, request)
    s = site(request)
    s.sessions.end(request.cookies.get(COOKIE))
    response = RedirectResponse("/" if s.local_mode else "/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
