"""The dashboard's access controls, each replayed as the attack that was measured against it.

1. DNS rebinding: a web page under another host name reads the settings page and saves a change.
2. Serving on a network address, the last account removed from another process: local mode for all.
3. A session cookie saved before logging out works after it.
4. A 1.5 GB body sent to the login form is read (spooled to disk) before it is refused.
5. Password spraying: forwarded headers trusted from loopback, and one's own login clearing the
   address's failures.

Most tests talk to the ASGI app through Starlette's TestClient (a Host of 127.0.0.1 and a chosen
peer address); the body limits are checked by calling the app with a counting ``receive``, and the
forwarded-header test runs the app in uvicorn configured exactly as ``ipseval serve`` configures it.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from ipseval.settings import Settings
from ipseval.web.app import create_app

PASSWORD = "correct horse battery"
BASE = "http://127.0.0.1:8050"
EVIL = "rebind.evil.example:8050"


def _settings(**dashboard) -> Settings:
    s = Settings()
    s.impact.enabled = False
    for k, v in dashboard.items():
        setattr(s.dashboard, k, v)
    return s


def make_app(tmp: Path, accounts: dict[str, str] | None = None, settings: Settings | None = None, **kw):
    """A dashboard over an empty home with ``accounts`` (name -> role); none = local mode."""
    app = create_app(tmp / "home", settings or _settings(), **kw)
    for name, role in (accounts or {}).items():
        app.state.accounts.add(name, role, PASSWORD)
    return app


def client(app, peer: str = "127.0.0.1", **kw) -> TestClient:
    return TestClient(app, base_url=BASE, client=(peer, 50000), **kw)


def csrf_in(text: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert m, "no CSRF token on the page"
    return m.group(1)


def login(app, name: str, peer: str = "127.0.0.1") -> TestClient:
    c = client(app, peer)
    token = csrf_in(c.get("/login").text)
    r = c.post(
        "/login", data={"username": name, "password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303, r.text[:300]
    return c


def attempt(c: TestClient, name: str, password: str, **headers) -> int:
    token = csrf_in(c.get("/login", headers=headers).text)
    r = c.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": token},
        headers=headers,
        follow_redirects=False,
    )
    return r.status_code


ADMINS = {"admin": "admin"}
EVERYONE = {"admin": "admin", "analyst": "analyst", "viewer": "viewer"}


# -- 1. Host names and origins ------------------------------------------------------------------


def test_dns_rebinding_cannot_read_the_settings_nor_change_them(tmp_path):
    """Attack 1: a page on rebind.evil.example, its name re-pointed at 127.0.0.1, in local mode."""
    app = make_app(tmp_path)  # local mode: everyone on this computer is the admin
    c = client(app)
    rebound = {"host": EVIL, "origin": f"http://{EVIL}"}
    r = c.get("/settings", headers=rebound)
    assert r.status_code in (400, 421)
    assert 'name="csrf_token"' not in r.text and "min_clients_in_view" not in r.text
    # even holding a token (from a page it could not read), the change is refused
    token = csrf_in(c.get("/settings").text)
    r = c.post("/settings", data={"csrf_token": token, "dashboard.min_clients_in_view": "1"}, headers=rebound)
    assert r.status_code in (400, 421)
    assert app.state.workspace.settings.dashboard.min_clients_in_view == 20


@pytest.mark.parametrize(
    "host",
    ["rebind.evil.example", "rebind.evil.example:8050", "127.0.0.1.evil.example:8050", "localhost.:80x", ""],
)
def test_a_host_name_not_on_the_list_is_refused_before_any_routing(tmp_path, host):
    app = make_app(tmp_path, EVERYONE)
    c = client(app)
    for path in ("/login", "/static/htmx.min.js", "/no/such/page"):
        r = c.get(path, headers={"host": host})
        assert r.status_code == 400, (path, r.status_code)
        assert r.headers["content-type"].startswith("text/plain") and len(r.text) < 300
        assert "set-cookie" not in r.headers


def test_loopback_names_and_configured_names_are_answered(tmp_path):
    app = make_app(tmp_path, EVERYONE, _settings(allowed_hosts=["ipseval.example.org"]), port=8050)
    c = client(app)
    for host in ("127.0.0.1:8050", "localhost:8050", "[::1]:8050", "LOCALHOST:8050", "ipseval.example.org"):
        assert c.get("/login", headers={"host": host}).status_code == 200, host
    # a loopback name on another port is another server's (the dashboard knows its own port)
    assert c.get("/login", headers={"host": "127.0.0.1:9999"}).status_code == 400
    # nothing is added for a network address: only what the admin configures
    wide = make_app(tmp_path / "wide", EVERYONE, host="0.0.0.0", port=8050)
    wc = client(wide, "192.0.2.10")
    assert wc.get("/login", headers={"host": "192.0.2.1:8050"}).status_code == 400
    assert wc.get("/login", headers={"host": "127.0.0.1:8050"}).status_code == 200


def test_a_change_from_another_origin_is_refused(tmp_path):
    app = make_app(tmp_path, EVERYONE, port=8050)  # the port `ipseval serve` listens on
    c = login(app, "admin")
    token = csrf_in(c.get("/settings").text)
    change = {"csrf_token": token, "dashboard.min_clients_in_view": "1"}
    for headers in (
        {"origin": "http://evil.example"},
        {"origin": f"http://{EVIL}"},
        {"origin": "http://127.0.0.1:9999"},  # another server on this computer
        {"origin": "null"},  # a sandboxed frame or a page that hides where it is
        {"referer": "http://evil.example/page"},  # no Origin: the Referer is checked instead
    ):
        r = c.post("/settings", data=change, headers=headers)
        assert r.status_code == 403, headers
        assert "another site" in r.text
    assert app.state.workspace.settings.dashboard.min_clients_in_view == 20
    r = c.post("/settings", data=change, headers={"origin": BASE, "referer": BASE + "/settings"})
    assert r.status_code == 200
    assert app.state.workspace.settings.dashboard.min_clients_in_view == 1


def test_the_login_form_checks_the_origin_too(tmp_path):
    app = make_app(tmp_path, EVERYONE)
    c = client(app)
    token = csrf_in(c.get("/login").text)
    r = c.post(
        "/login",
        data={"username": "admin", "password": PASSWORD, "csrf_token": token},
        headers={"origin": "http://evil.example"},
    )
    assert r.status_code == 403


# -- 2. local mode ---------------------------------------------------------------------------------


def _serve(monkeypatch, *args: str):
    """``ipseval serve ARGS`` up to the point uvicorn would start: (app, uvicorn's arguments)."""
    import uvicorn
    from typer.testing import CliRunner

    from ipseval.cli import app as cli

    served: list = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.append((app, kw)))
    r = CliRunner().invoke(cli, ["serve", *args])
    assert r.exit_code == 0, r.output
    return served[-1]


def _user(*args: str, password: str = PASSWORD) -> None:
    from typer.testing import CliRunner

    from ipseval.cli import app as cli

    r = CliRunner().invoke(cli, ["user", *args], input=password + "\n")
    assert r.exit_code == 0, r.output


def test_removing_the_last_account_while_serving_on_a_network_closes_the_dashboard(tmp_path, monkeypatch):
    """Attack 2: served on 0.0.0.0 with one admin; `ipseval user remove` from another terminal."""
    home = str(tmp_path / "home")
    _user("add", "boss", "--role", "admin", "--home", home, "--password-stdin")
    app, _ = _serve(monkeypatch, "--home", home, "--host", "0.0.0.0", "--port", "8050")
    assert client(app, "10.0.0.5").get("/admin", follow_redirects=False).status_code == 401
    _user("remove", "boss", "--home", home)
    for peer in ("10.0.0.5", "127.0.0.1"):
        r = client(app, peer).get("/admin", follow_redirects=False)
        assert r.status_code in (403, 503), (peer, r.status_code)
        assert "no accounts" in r.text and "restart" in r.text
    # an account added again does not reopen it: a restart does (with the account)
    _user("add", "boss", "--role", "admin", "--home", home, "--password-stdin")
    assert client(app, "10.0.0.5").get("/login").status_code == 503
    again, _ = _serve(monkeypatch, "--home", home, "--host", "0.0.0.0", "--port", "8050")
    assert client(again, "10.0.0.5").get("/login").status_code == 200


def test_local_mode_answers_only_a_peer_on_this_computer(tmp_path):
    app = make_app(tmp_path)
    assert client(app).get("/admin").status_code == 200
    for peer in ("10.0.0.5", "192.168.1.20", "2001:db8::1", "testclient"):
        r = client(app, peer).get("/admin")
        assert r.status_code == 403, peer
        assert "local mode" in r.text
    # nor a request that came through a proxy on this computer (a browser never sends these)
    for header in ("x-forwarded-for", "forwarded", "x-real-ip"):
        value = "for=203.0.113.9" if header == "forwarded" else "203.0.113.9"
        assert client(app).get("/admin", headers={header: value}).status_code == 403, header


def test_local_mode_ends_for_everyone_else_when_the_first_account_is_made(tmp_path):
    app = make_app(tmp_path)
    c = client(app)
    assert c.get("/admin").status_code == 200
    app.state.accounts.add("boss", "admin", PASSWORD)
    assert c.get("/admin", follow_redirects=False).status_code == 401
    assert client(app, "10.0.0.5").get("/admin", follow_redirects=False).status_code == 401


# -- 3. sessions -------------------------------------------------------------------------------------


def _cookie(c: TestClient) -> str:
    return c.cookies.get("ipseval_session")


def _with_cookie(app, cookie: str) -> TestClient:
    c = client(app)
    c.cookies.set("ipseval_session", cookie)
    return c


def _token(c: TestClient) -> str:
    m = re.search(r'"X-CSRF-Token": "([^"]+)"', c.get("/page/headline").text)
    assert m
    return m.group(1)


def test_a_cookie_saved_before_logging_out_is_dead_after_it(tmp_path):
    """Attack 3."""
    app = make_app(tmp_path, EVERYONE)
    c = login(app, "admin")
    saved = _cookie(c)
    assert _with_cookie(app, saved).get("/admin").status_code == 200
    r = c.post("/logout", data={"csrf_token": _token(c)}, follow_redirects=False)
    assert r.status_code == 303
    assert _with_cookie(app, saved).get("/admin", follow_redirects=False).status_code == 401


def test_session_cookies_carry_a_random_id_only(tmp_path):
    app = make_app(tmp_path, EVERYONE)
    a, b = login(app, "viewer"), login(app, "viewer")
    ca, cb = _cookie(a), _cookie(b)
    assert ca != cb and re.fullmatch(r"[A-Za-z0-9_-]{40,}", ca)
    assert "viewer" not in ca and "." not in ca  # no name, no signed payload
    stored = (tmp_path / "home" / "sessions.json").read_text(encoding="utf-8")
    assert ca not in stored  # the store keeps a hash of the id: the file cannot be replayed
    assert (tmp_path / "home" / "sessions.json").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("how", ["password", "role", "remove", "cli-password", "cli-remove"])
def test_account_changes_end_that_accounts_sessions_at_once(tmp_path, how):
    app = make_app(tmp_path, EVERYONE)
    home = str(tmp_path / "home")
    admin, victim = login(app, "admin"), login(app, "analyst")
    saved = _cookie(victim)
    other = login(app, "viewer")
    new = "a completely new passphrase"
    form = {"csrf_token": _token(admin), "name": "analyst"}
    if how == "password":
        r = admin.post("/accounts", data=form | {"action": "password", "password": new, "password2": new})
    elif how == "role":
        r = admin.post("/accounts", data=form | {"action": "role", "role": "viewer"})
    elif how == "remove":
        r = admin.post("/accounts", data=form | {"action": "remove"})
    elif how == "cli-password":
        _user(
            "add",
            "analyst",
            "--role",
            "analyst",
            "--replace",
            "--home",
            home,
            "--password-stdin",
            password=new,
        )
    else:
        _user("remove", "analyst", "--home", home)
    if how in ("password", "role", "remove"):
        assert r.status_code == 200
    assert _with_cookie(app, saved).get("/page/headline", follow_redirects=False).status_code == 401
    # nobody else's
    assert other.get("/page/headline").status_code == 200 and admin.get("/admin").status_code == 200


def test_an_admin_can_sign_out_everyone(tmp_path):
    app = make_app(tmp_path, EVERYONE)
    admin = login(app, "admin")
    others = [login(app, "viewer"), login(app, "analyst"), login(app, "admin")]
    r = admin.post("/admin/sign-out-everyone", data={"csrf_token": _token(admin)}, follow_redirects=False)
    assert r.status_code == 303
    for c in [*others, admin]:
        assert c.get("/page/headline", follow_redirects=False).status_code == 401
    assert app.state.workspace.audit_entries()[0]["action"] == "everyone signed out"
    # only an admin may, and only with the form's token
    viewer = login(app, "viewer")
    assert viewer.post("/admin/sign-out-everyone", data={"csrf_token": _token(viewer)}).status_code == 403
    admin = login(app, "admin")
    assert admin.post("/admin/sign-out-everyone", data={"csrf_token": "x"}).status_code == 403
    assert viewer.get("/page/headline").status_code == 200


def test_sessions_survive_a_restart_but_not_a_deleted_store(tmp_path):
    app = make_app(tmp_path, EVERYONE)
    saved = _cookie(login(app, "viewer"))
    again = create_app(tmp_path / "home", _settings())
    assert _with_cookie(again, saved).get("/page/headline").status_code == 200
    (tmp_path / "home" / "sessions.json").unlink()
    assert _with_cookie(again, saved).get("/page/headline", follow_redirects=False).status_code == 401


# -- 4. request sizes -----------------------------------------------------------------------------------

GB = 1024**3
CAP = 48 * 1024**2  # the test stops feeding after this much: the old code read everything it was sent


def _multipart(total: int) -> tuple[bytes, Iterator[bytes]]:
    """A multipart body with one file part of ``total`` bytes, made as it is read."""
    boundary = b"----ipsevaltest"
    head = (
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="x.bin"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n"
    )

    def chunks() -> Iterator[bytes]:
        yield head
        block = b"A" * 65536
        for _ in range(total // len(block)):
            yield block
        yield b"\r\n--" + boundary + b"--\r\n"

    return b"multipart/form-data; boundary=" + boundary, chunks()


def _call(app, method: str, path: str, body: Iterator[bytes], headers: list[tuple[bytes, bytes]]):
    """Call the ASGI app with a body fed as it asks: (status, response body, bytes it took)."""
    consumed = 0
    sent: list[dict] = []

    async def run() -> None:
        nonlocal consumed
        chunks = iter(body)

        async def receive() -> dict:
            nonlocal consumed
            if consumed > CAP:
                return {"type": "http.request", "body": b"", "more_body": False}
            chunk = next(chunks, None)
            if chunk is None:
                return {"type": "http.request", "body": b"", "more_body": False}
            consumed += len(chunk)
            return {"type": "http.request", "body": chunk, "more_body": True}

        async def send(message: dict) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"127.0.0.1:8050"), *headers],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8050),
        }
        await app(scope, receive, send)

    asyncio.run(run())
    start = next(m for m in sent if m["type"] == "http.response.start")
    text = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], text.decode("utf-8", "replace"), consumed


def test_a_huge_login_body_is_refused_before_it_is_read(tmp_path):
    """Attack 4: 1.5 GB of multipart sent to /login without logging in."""
    app = make_app(tmp_path, EVERYONE)
    ctype, body = _multipart(int(1.5 * GB))
    status, text, consumed = _call(app, "POST", "/login", body, [(b"content-type", ctype)])
    assert status == 413, text[:200]
    # the limit is a few KB: refused on the first chunk (64 KB here, as uvicorn reads) that passes it
    assert consumed < 128 * 1024, f"{consumed:,} bytes read before refusing"


def test_a_stated_length_over_the_limit_is_refused_without_reading(tmp_path):
    app = make_app(tmp_path, EVERYONE)
    ctype, body = _multipart(int(1.5 * GB))
    headers = [(b"content-type", ctype), (b"content-length", str(int(1.5 * GB) + 200).encode())]
    status, _text, consumed = _call(app, "POST", "/login", body, headers)
    assert status == 413 and consumed == 0


@pytest.mark.parametrize(("path", "limit_mb"), [("/upload", 1), ("/settings", 1), ("/accounts", 1)])
def test_every_form_has_a_size_limit(tmp_path, path, limit_mb):
    app = make_app(tmp_path, settings=_settings(max_upload_mb=1))  # local mode: no login needed
    ctype, body = _multipart(3 * 1024**2)
    status, _text, consumed = _call(app, "POST", path, body, [(b"content-type", ctype)])
    assert status == 413
    assert consumed <= limit_mb * 1024**2 + 128 * 1024


def test_an_upload_within_the_limit_is_read_whole(tmp_path):
    app = make_app(tmp_path, settings=_settings(max_upload_mb=1))
    c = client(app)
    token = csrf_in(c.get("/upload").text)
    r = c.post(
        "/upload", data={"csrf_token": token}, files={"file": ("x.zip", b"PK\x03\x04" + b"0" * 500_000)}
    )
    assert r.status_code == 422 and "cannot be opened" in r.text  # read, then judged as a zip


# -- 5. login throttling ----------------------------------------------------------------------------------


def test_spraying_accounts_from_one_address_hits_the_address_limit(tmp_path):
    """Attack 5b: failures spread over three accounts, one's own login in between."""
    app = make_app(tmp_path, {"a": "viewer", "b": "viewer", "c": "viewer", "me": "viewer"})
    c = client(app, "192.0.2.50")
    statuses = []
    for i in range(12):  # at most 4 failures per account: under the per-account limit of 5
        statuses.append(attempt(c, "abc"[i % 3], f"guess number {i}"))
        if i % 4 == 3:
            statuses.append(attempt(c, "me", PASSWORD))  # one's own account, in between
    assert 429 in statuses, statuses
    assert statuses.index(429) <= 6
    # the address is locked, not the accounts: another address may still log in to them
    assert attempt(client(app, "192.0.2.51"), "a", PASSWORD) == 303


def test_one_accounts_success_resets_nobody_elses_failures():
    from ipseval.web.throttle import LoginThrottle

    t = LoginThrottle(lambda: 3, window=60)
    for _ in range(2):
        t.failed("alice", "192.0.2.1")
    t.succeeded("mallory")
    t.failed("alice", "192.0.2.9")
    assert t.retry_after("alice", "192.0.2.77") > 0  # alice: 3 failures
    t.succeeded("alice")
    assert t.retry_after("alice", "192.0.2.77") == 0
    t.failed("bob", "192.0.2.1")
    assert t.retry_after("carol", "192.0.2.1") > 0  # the address: 3 failures, whoever logged in since


def test_address_failures_decay_with_time_only(monkeypatch):
    from ipseval.web import throttle

    now = [1000.0]
    monkeypatch.setattr(throttle.time, "monotonic", lambda: now[0])
    t = throttle.LoginThrottle(lambda: 2, window=60)
    t.failed("x", "192.0.2.1")
    t.failed("y", "192.0.2.1")
    assert t.retry_after("z", "192.0.2.1") > 0
    now[0] += 61
    assert t.retry_after("z", "192.0.2.1") == 0


def test_ipv6_addresses_are_counted_per_64_block():
    from ipseval.web.throttle import LoginThrottle

    t = LoginThrottle(lambda: 2, window=60)
    t.failed("x", "2001:db8:1:2::1")
    t.failed("y", "2001:db8:1:2::ffff")
    assert t.retry_after("z", "2001:db8:1:2:aaaa::9") > 0
    assert t.retry_after("z", "2001:db8:1:3::1") == 0


@pytest.mark.parametrize("header", ["x-forwarded-for", "forwarded"])
def test_forwarded_headers_are_trusted_only_from_a_configured_proxy(tmp_path, header):
    def via(addr: str) -> dict[str, str]:
        return {header: f"for={addr}" if header == "forwarded" else addr}

    users = {f"u{i}": "viewer" for i in range(12)}
    s = _settings(trusted_proxies=["10.0.0.1"], allowed_hosts=["ipseval.example.org"])
    app = make_app(tmp_path, users, s)
    # not from the proxy: the header is ignored, every failure counts against the peer
    c = client(app, "10.9.9.9")
    statuses = [attempt(c, f"u{i}", "wrong password!", **via(f"198.51.100.{i}")) for i in range(6)]
    assert statuses[-1] == 429, statuses
    # from the proxy: the address it names is the one counted
    proxy = client(app, "10.0.0.1")
    statuses = [attempt(proxy, f"u{6 + i % 6}", "wrong password!", **via("203.0.113.7")) for i in range(6)]
    assert statuses[-1] == 429, statuses
    assert attempt(proxy, "u0", PASSWORD, **via("203.0.113.8")) == 303  # another person behind it
    assert attempt(proxy, "u0", PASSWORD) == 303  # the proxy itself is not locked either


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _uvicorn(app, kwargs: dict) -> Iterator[str]:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, **(kwargs | {"lifespan": "off"})))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{kwargs['port']}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_x_forwarded_for_from_loopback_does_not_make_new_addresses(tmp_path, monkeypatch):
    """Attack 5a: `ipseval serve` as started, each failed login claiming another address."""
    home = str(tmp_path / "home")
    _user("add", "boss", "--role", "admin", "--home", home, "--password-stdin")
    port = _free_port()
    app, kwargs = _serve(monkeypatch, "--home", home, "--port", str(port))
    with _uvicorn(app, kwargs) as base, httpx.Client(base_url=base, follow_redirects=False) as c:
        statuses = []
        for i in range(7):
            fake = {"x-forwarded-for": f"198.51.100.{i}", "forwarded": f"for=198.51.100.{i}"}
            token = csrf_in(c.get("/login").text)
            r = c.post(
                "/login",
                data={"username": f"ghost{i}", "password": "not the password", "csrf_token": token},
                headers=fake,
            )
            statuses.append(r.status_code)
    assert statuses[-1] == 429, statuses


# -- the parts, one by one ----------------------------------------------------------------------------


def test_one_account_holds_a_bounded_number_of_sessions(tmp_path):
    from ipseval.web.auth import User
    from ipseval.web.sessions import PER_ACCOUNT, SessionStore

    store = SessionStore(tmp_path, lambda: 3600)
    other, _ = store.issue(User("bob", "viewer", "f"))
    cookies = [store.issue(User("amy", "viewer", "f"))[0] for _ in range(PER_ACCOUNT + 5)]
    assert [store.read(c) is not None for c in cookies] == [False] * 5 + [True] * PER_ACCOUNT
    assert store.read(other) is not None and len(store) == PER_ACCOUNT + 1


def test_host_headers_are_parsed_strictly():
    from ipseval.web.network import split_host

    assert split_host("LocalHost:8050") == ("localhost", 8050)
    assert split_host("[::1]:8050") == ("::1", 8050)
    assert split_host("ipseval.example.org.") == ("ipseval.example.org", None)
    for bad in (
        "",
        ":8050",
        "a b",
        "host:0",
        "host:99999",
        "host:80:80",
        "[::1",
        "[::1]x",
        "évil.example",
        "a/b",
    ):
        assert split_host(bad) is None, bad


def test_the_client_address_behind_a_chain_of_proxies():
    from ipseval.web.network import client_address, networks

    trusted = networks(["10.0.0.0/8"])
    xff = {"x-forwarded-for": "198.51.100.1, 203.0.113.5, 10.0.0.7"}
    assert client_address("10.0.0.1", xff, trusted) == "203.0.113.5"  # the first hop not a proxy
    assert client_address("192.0.2.9", xff, trusted) == "192.0.2.9"  # not from a proxy: ignored
    assert client_address("10.0.0.1", xff, []) == "10.0.0.1"  # no proxies trusted
    fwd = {"forwarded": 'for=198.51.100.1;proto=https, for="[2001:db8::7]:443"'}
    assert client_address("10.0.0.1", fwd, trusted) == "2001:db8::7"
    assert client_address("10.0.0.1", {"x-forwarded-for": "unknown"}, trusted) == "10.0.0.1"


def test_pages_have_a_place_to_say_figures_are_perturbed(tmp_path, monkeypatch):
    from ipseval import demo
    from ipseval.web.views import View

    data = tmp_path / "data"
    demo.write_demo(data, n_clients=120, seed=3, interviews=False)
    app = make_app(tmp_path, {"viewer": "viewer"})
    app.state.workspace.import_folder(data, "setup")
    c = login(app, "viewer")
    assert "perturbed to protect people" not in c.get("/page/headline").text
    monkeypatch.setattr(View, "perturbed", lambda self, caller: caller == "viewer")
    assert "perturbed to protect people" in c.get("/page/headline").text
