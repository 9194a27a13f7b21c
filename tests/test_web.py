"""The dashboard: every route per role (allowed, 401 or 403), and the locks on the doors.

Pages are the report's sections, tested with the report; here: who may do what, sessions, CSRF,
login limits, security headers, uploads (limits, problems shown, atomic replacement, audit),
filters (stable URLs, small views withheld from viewers), fidelity reviews and area edits.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient

from ipseval import subset as flt
from ipseval.settings import Settings
from ipseval.web import auth
from ipseval.web.app import create_app
from ipseval.web.sessions import COOKIE, SessionStore
from ipseval.web.throttle import LoginThrottle
from ipseval.web.workspace import Workspace, WorkspaceError

PASSWORD = "correct horse battery"
ROLES = ("viewer", "analyst", "admin")
BASE = "http://127.0.0.1:8050"  # the dashboard answers loopback names (and those it is told)


def client(app, peer: str = "127.0.0.1") -> TestClient:
    """A browser on this computer (local mode answers nobody else)."""
    return TestClient(app, base_url=BASE, client=(peer, 50000))


def _settings() -> Settings:
    s = Settings()
    s.impact.enabled = False  # the models are tested elsewhere; pages here need only be served
    return s


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory) -> Path:
    from ipseval import demo

    d = tmp_path_factory.mktemp("webdemo") / "data"
    demo.write_demo(d, n_clients=300, seed=7, interviews=False)
    return d


def _home(tmp: Path, demo_folder: Path, accounts: bool = True):
    app = create_app(tmp / "home", _settings())
    app.state.workspace.import_folder(demo_folder, "setup")
    if accounts:
        for role in ROLES:
            app.state.accounts.add(role, role, PASSWORD)
    return app


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory, demo_folder):
    return _home(tmp_path_factory.mktemp("shared"), demo_folder)


def login(app, role: str | None) -> TestClient:
    c = client(app)
    if role is None:
        return c
    token = csrf_of(c.get("/login"))
    r = c.post(
        "/login", data={"username": role, "password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    return c


def csrf_of(response) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert m, "no CSRF token on the page"
    return m.group(1)


def token_for(c: TestClient) -> str:
    """The session's CSRF token, read from a page the session can see."""
    return csrf_of(c.get("/login")) if "Log in" in c.get("/login").text else _token_from_page(c)


def _token_from_page(c: TestClient) -> str:
    m = re.search(r'"X-CSRF-Token": "([^"]+)"', c.get("/page/headline").text)
    assert m
    return m.group(1)


# (method, url, minimum role)
GETS = [
    ("/page/headline", "viewer"),
    ("/page/outcomes", "viewer"),
    ("/page/data-quality", "viewer"),
    ("/definitions", "viewer"),
    ("/table/outcomes.csv", "viewer"),
    ("/report.html", "viewer"),
    ("/page/outcomes?figures=internal", "analyst"),
    ("/table/outcomes.csv?figures=internal", "analyst"),
    ("/problems", "analyst"),
    ("/fidelity/review", "analyst"),
    ("/upload", "admin"),
    ("/areas", "admin"),
    ("/settings", "admin"),
    ("/accounts", "admin"),
    ("/admin", "admin"),
]
POSTS = [
    ("/fidelity/review", "analyst"),
    ("/upload", "admin"),
    ("/upload/0123456789abcdef0123456789abcdef/discard", "admin"),
    ("/upload/0123456789abcdef0123456789abcdef/data-cut", "admin"),
    ("/areas", "admin"),
    ("/settings", "admin"),
    ("/accounts", "admin"),
]


@pytest.mark.parametrize(("url", "needed"), GETS)
@pytest.mark.parametrize("role", [None, *ROLES])
def test_every_page_per_role(shared_app, url, needed, role):
    c = login(shared_app, role)
    r = c.get(url, follow_redirects=False)
    if role is None:
        assert r.status_code == 401
        assert "Log in" in r.text
    elif auth.at_least(role, needed):
        assert r.status_code == 200, r.text[:500]
    else:
        assert r.status_code == 403


@pytest.mark.parametrize(("url", "needed"), POSTS)
@pytest.mark.parametrize("role", [None, *ROLES])
def test_every_change_per_role(shared_app, url, needed, role):
    c = login(shared_app, role)
    token = _token_from_page(c) if role else csrf_of(c.get("/login"))
    # an empty or invalid form: an allowed role gets past the door and is told what is wrong
    r = c.post(url, data={"csrf_token": token}, follow_redirects=False)
    if role is None:
        assert r.status_code == 401
    elif auth.at_least(role, needed):
        assert r.status_code not in (401, 403), r.text[:500]
    else:
        assert r.status_code == 403


def test_home_redirects_to_the_headline_keeping_the_filters(shared_app):
    c = login(shared_app, "viewer")
    r = c.get("/?area=x", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/page/headline?area=x"
    assert login(shared_app, None).get("/", follow_redirects=False).status_code == 401


def test_static_files_are_a_fixed_list(shared_app):
    c = client(shared_app)
    assert c.get("/static/htmx.min.js").status_code == 200
    assert "htmx:afterSwap" in c.get("/static/dashboard.js").text
    assert c.get("/static/report.css").status_code == 200
    for bad in ("/static/..%2Fapp.py", "/static/app.py", "/static/%2e%2e%2fsecret.key"):
        assert c.get(bad).status_code == 404


def test_security_headers_and_no_inline_script(shared_app):
    c = login(shared_app, "viewer")
    r = c.get("/page/headline")
    csp = r.headers["content-security-policy"]
    script = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
    assert "'self'" in script and "unsafe-inline" not in script and "unsafe-eval" not in script
    assert "frame-ancestors 'none'" in csp
    assert r.headers["referrer-policy"] == "same-origin"  # no address leaves for another site
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", r.text), "inline script found"
    assert "http://" not in r.text.replace("http://www.w3.org", "") and "https://" not in r.text.replace(
        "https://www.w3.org", ""
    )


def test_pdf_is_made_while_the_page_says_so_then_fetched_once_by_its_session(shared_app, monkeypatch):
    import ipseval.report as report

    def fake_pdf(html: str, path: Path, files=None) -> Path:  # WeasyPrint takes a minute on the demo
        path.write_bytes(b"%PDF-1.7 " + str(len(html)).encode())
        return path

    monkeypatch.setattr(report, "write_pdf", fake_pdf)
    c = login(shared_app, "viewer")
    page = c.get("/page/headline").text
    link = re.search(r'<a href="/report.pdf"[^>]*>', page).group(0)
    assert 'hx-get="/report.pdf/make"' in link and 'hx-indicator="#pdf-busy"' in link
    assert re.search(r'id="pdf-busy" class="htmx-indicator[^"]*" role="status">Making the PDF', page)
    assert login(shared_app, None).get("/report.pdf/make").status_code == 401
    r = c.get("/report.pdf/make", headers={"HX-Request": "true"})
    assert r.status_code == 200 and "The PDF is ready and downloading" in r.text
    url = re.search(r'href="(/report.pdf/ready/[\w-]{20,})"', r.text).group(1)
    assert 'class="dash-ready" data-start' in r.text  # one click: dashboard.js follows it
    assert login(shared_app, "viewer").get(url).status_code == 404  # only the session that asked
    got = c.get(url)
    assert got.status_code == 200 and got.content.startswith(b"%PDF")
    assert got.headers["content-disposition"] == 'attachment; filename="report.pdf"'
    assert c.get(url).content == got.content  # again, if the browser dropped the download


def test_session_cookie_is_httponly_samesite_and_a_random_id(shared_app):
    c = client(shared_app)
    r = c.get("/login")
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    # a made-up cookie is nobody
    c2 = client(shared_app)
    c2.cookies.set(COOKIE, "forged.value.here")
    assert c2.get("/page/headline").status_code == 401
    c2.cookies.set(COOKIE, "A" * 43)
    assert c2.get("/page/headline").status_code == 401


def test_sessions_expire_and_end_when_the_password_changes(tmp_path, demo_folder):
    app = _home(tmp_path, demo_folder)
    c = login(app, "viewer")
    assert c.get("/page/data-quality").status_code == 200
    app.state.accounts.add("viewer", "viewer", "another long password", replace=True)
    assert c.get("/page/data-quality").status_code == 401
    hours = [8.0]
    store = SessionStore(tmp_path, lambda: hours[0] * 3600)
    cookie, _ = store.issue(auth.User("a", "viewer", "f"))
    assert store.read(cookie) is not None
    hours[0] = 0  # expired when read (the setting is read on each use)
    assert store.read(cookie) is None


def test_csrf_is_required_on_every_change(shared_app):
    c = login(shared_app, "admin")
    assert c.post("/areas", data={}).status_code == 403
    assert c.post("/areas", data={"csrf_token": "wrong"}).status_code == 403
    token = _token_from_page(c)
    foreign = c.post("/areas", data={"csrf_token": token}, headers={"origin": "https://evil.example"})
    assert foreign.status_code == 403
    # the header htmx sends works as well as the form field
    assert c.post("/areas", headers={"x-csrf-token": token}).status_code == 200
    # logging in needs the token too (login CSRF)
    anon = client(shared_app)
    assert anon.post("/login", data={"username": "viewer", "password": PASSWORD}).status_code == 403


def test_login_is_rate_limited(tmp_path, demo_folder):
    app = _home(tmp_path, demo_folder)
    c = client(app)
    token = csrf_of(c.get("/login"))
    for _ in range(5):
        r = c.post("/login", data={"username": "viewer", "password": "wrong password!", "csrf_token": token})
        assert r.status_code == 401 and "Wrong user name or password" in r.text
    r = c.post("/login", data={"username": "viewer", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    # another account from another address is not locked out by it
    limiter = LoginThrottle(lambda: 2, window=60)
    limiter.failed("a", "192.0.2.1")
    limiter.failed("a", "192.0.2.1")
    assert limiter.retry_after("a", "192.0.2.1") > 0 and limiter.retry_after("b", "192.0.2.2") == 0


def test_passwords_are_argon2_hashed_and_accounts_checked(tmp_path):
    accounts = auth.Accounts(tmp_path)
    accounts.add("sam", "analyst", PASSWORD)
    stored = (tmp_path / "users.json").read_text()
    assert PASSWORD not in stored and "$argon2" in stored
    assert (tmp_path / "users.json").stat().st_mode & 0o077 == 0
    assert accounts.check("sam", PASSWORD).role == "analyst"
    assert accounts.check("sam", "nope nope nope") is None and accounts.check("nobody", PASSWORD) is None
    for name, role, pw in [
        ("bad name", "viewer", PASSWORD),
        ("x", "boss", PASSWORD),
        ("y", "viewer", "short"),
    ]:
        with pytest.raises(auth.AccountError):
            accounts.add(name, role, pw)
    with pytest.raises(auth.AccountError, match="exists"):
        accounts.add("sam", "viewer", PASSWORD)


def test_local_mode_without_accounts_is_the_local_admin(tmp_path, demo_folder):
    app = _home(tmp_path, demo_folder, accounts=False)
    c = client(app)
    assert c.get("/admin").status_code == 200
    assert "Local mode" in c.get("/page/data-quality").text
    assert c.get("/login", follow_redirects=False).status_code == 303


def test_serve_refuses_other_addresses_without_accounts(tmp_path):
    from typer.testing import CliRunner

    from ipseval.cli import app as cli

    r = CliRunner().invoke(cli, ["serve", "--home", str(tmp_path / "h"), "--host", "0.0.0.0"])
    assert r.exit_code == 2 and "refusing to listen on 0.0.0.0" in r.output and "user add" in r.output
    r = CliRunner().invoke(
        cli,
        ["user", "add", "amy", "--role", "viewer", "--home", str(tmp_path / "h"), "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert r.exit_code == 0, r.output
    assert auth.Accounts(tmp_path / "h").check("amy", PASSWORD) is not None


def test_serve_keeps_the_homes_settings_unless_given_a_file(tmp_path, monkeypatch):
    import uvicorn
    from typer.testing import CliRunner

    from ipseval.cli import app as cli

    served = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.append(app))
    (tmp_path / "codes").mkdir()
    (tmp_path / "codes" / "ipseval.toml").write_text(
        'service_name = "From file"\n[qualitative]\ncodebook = "my-codebook.yaml"\n', encoding="utf-8"
    )
    home = str(tmp_path / "h")
    r = CliRunner().invoke(
        cli, ["serve", "--home", home, "--settings", str(tmp_path / "codes" / "ipseval.toml")]
    )
    assert r.exit_code == 0, r.output
    ws = served[-1].state.workspace
    assert ws.settings.service_name == "From file"
    # a relative file setting still names the file beside the settings file it came from
    assert ws.settings.qualitative.codebook == tmp_path / "codes" / "my-codebook.yaml"
    assert ws.audit_entries()[0]["action"] == "settings read"
    # started again without --settings: the home's own settings, not the defaults
    r = CliRunner().invoke(cli, ["serve", "--home", home])
    assert r.exit_code == 0, r.output
    assert served[-1].state.workspace.settings.service_name == "From file"
    # a broken hand edit of the home's file is named, not a traceback
    (tmp_path / "h" / "ipseval.toml").write_text("service_name = [", encoding="utf-8")
    r = CliRunner().invoke(cli, ["serve", "--home", home])
    assert r.exit_code != 0 and "ipseval.toml" in r.output and "Traceback" not in r.output
    # a file given replaces it
    r = CliRunner().invoke(
        cli, ["serve", "--home", home, "--settings", str(tmp_path / "codes" / "ipseval.toml")]
    )
    assert r.exit_code == 0, r.output
    assert 'service_name = "From file"' in (tmp_path / "h" / "ipseval.toml").read_text(encoding="utf-8")


def test_viewers_get_protected_figures_analysts_can_ask_for_internal_ones(shared_app):
    viewer, analyst = login(shared_app, "viewer"), login(shared_app, "analyst")
    assert "Not for publication" not in viewer.get("/page/outcomes").text
    internal = analyst.get("/page/outcomes?figures=internal")
    assert internal.status_code == 200 and "Not for publication" in internal.text
    assert "internal" in analyst.get("/table/outcomes.csv?figures=internal").headers["content-disposition"]
    # the viewer's CSV is the disclosure-controlled table, as published
    views = shared_app.state.views
    version = shared_app.state.workspace.current()
    view = views.view(version, flt.Filters())
    from ipseval.report.outputs import write_table_csv

    buf = io.StringIO()
    write_table_csv(view.published("viewer").table("outcomes"), buf)
    assert viewer.get("/table/outcomes.csv").content.decode("utf-8-sig") == buf.getvalue()
    assert viewer.get("/table/no_such_table.csv").status_code == 404


def test_filters_give_a_stable_url_and_htmx_gets_the_view_only(shared_app):
    c = login(shared_app, "analyst")
    options = shared_app.state.views.options(shared_app.state.workspace.current())
    area = options.areas[0]
    full = c.get(f"/page/outcomes?area={area}")
    assert full.status_code == 200 and 'id="filters"' in full.text and f"area {area}" in full.text
    part = c.get(f"/page/outcomes?area={area}&source=&specialist=", headers={"HX-Request": "true"})
    assert part.status_code == 200 and 'id="filters"' not in part.text and f"area {area}" in part.text
    assert part.headers["hx-push-url"] == f"/page/outcomes?area={area}"
    assert c.get("/page/outcomes?area=Atlantis").status_code == 400
    assert c.get("/page/outcomes?from=yesterday").status_code == 400


def test_small_views_are_withheld_from_viewers(tmp_path, demo_folder):
    app = _home(tmp_path, demo_folder)
    options = app.state.views.options(app.state.workspace.current())
    first = options.first_referral
    # one area and one referral source over a day: small even once widened to its quarter
    narrow = f"/page/outcomes?area={options.areas[0]}&source={options.sources[-1]}&from={first}&to={first}"
    viewer = login(app, "viewer")
    r = viewer.get(narrow)
    assert r.status_code == 200 and "fewer than 20 clients" in r.text
    # a viewer's period is widened to whole quarters (so two views a day apart cannot be subtracted)
    quarter = first.replace(month=3 * ((first.month - 1) // 3) + 1, day=1)
    assert f"referred {quarter}" in r.text
    assert viewer.get(narrow.replace("/page/outcomes", "/table/outcomes.csv")).status_code == 403
    analyst = login(app, "analyst")
    assert "fewer than 20 clients" not in analyst.get(narrow).text


# -- uploads ---------------------------------------------------------------------------------


def _zip(folder: Path, edit: dict[str, str] | None = None, extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for p in sorted(folder.glob("*.csv")):
            text = p.read_text(encoding="utf-8")
            for old, new in (edit or {}).items():
                text = text.replace(old, new, 1)
            z.writestr(f"export/{p.name}", text)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def test_upload_with_errors_waits_for_a_decision_then_replaces_the_data(tmp_path, demo_folder):
    app = _home(tmp_path, demo_folder)
    ws: Workspace = app.state.workspace
    before = ws.current()
    c = login(app, "admin")
    token = _token_from_page(c)
    clients = (demo_folder / "clients.csv").read_text().splitlines()
    first_date = clients[1].split(",")[2]
    bad = _zip(
        demo_folder, {first_date: "31/02/2020"}, {"../../escape.csv": b"x", "/abs/clients.csv.bak": b"y"}
    )
    r = c.post("/upload", data={"csrf_token": token}, files={"file": ("march.zip", bad, "application/zip")})
    assert r.status_code == 200
    assert "31/02/2020" in r.text and "clients.csv" in r.text and "referral_date" in r.text
    assert ws.current() == before  # nothing replaced yet
    # the decision comes before the (possibly long) list of problems
    assert r.text.index("/accept") < r.text.index("/discard") < r.text.index('class="dash-problems"')
    assert not (tmp_path / "escape.csv").exists() and not (tmp_path / "home" / "escape.csv").exists()
    staged = re.search(r"/upload/([0-9a-f]{32})/accept", r.text).group(1)
    r = c.post(f"/upload/{staged}/accept", data={"csrf_token": token})
    assert r.status_code == 200 and "is now the current data" in r.text
    after = ws.current()
    assert after != before and before.db_path.is_file()  # the previous version stays for readers
    entry = ws.audit_entries()[0]
    assert entry["user"] == "admin" and entry["action"] == "import" and entry["source"] == "march.zip"
    assert entry["rows_read"] == entry["rows_used"] + entry["rows_rejected"] and entry["accepted_with_errors"]
    # the token is spent
    assert c.post(f"/upload/{staged}/accept", data={"csrf_token": token}).status_code == 409


def test_clean_upload_replaces_at_once_and_bad_uploads_are_refused(tmp_path, demo_folder):
    s = _settings()
    s.dashboard.max_upload_mb = 1
    app = create_app(tmp_path / "home", s)
    app.state.accounts.add("admin", "admin", PASSWORD)
    c = login(app, "admin")
    token = _token_from_page(c)
    assert "No data yet" in c.get("/page/headline").text
    r = c.post("/upload", data={"csrf_token": token}, files={"file": ("notes.txt", b"hello", "text/plain")})
    assert r.status_code == 422 and ".zip of CSV files" in r.text
    r = c.post("/upload", data={"csrf_token": token}, files={"file": ("fake.xlsx", b"not a workbook", "x")})
    assert r.status_code == 422 and "does not match" in r.text
    big = b"PK\x03\x04" + b"0" * (2 * 1024 * 1024)
    r = c.post("/upload", data={"csrf_token": token}, files={"file": ("big.zip", big, "application/zip")})
    assert r.status_code == 413
    empty = _zip(tmp_path, extra={"readme.txt": b"hello"})  # none of the standard's files
    r = c.post("/upload", data={"csrf_token": token}, files={"file": ("e.zip", empty, "application/zip")})
    assert r.status_code == 422 and "none of the data standard" in r.text
    assert app.state.workspace.current() is None
    # a clean data set (the demo's clients and jobs without the rows it was given errors in)
    clean = tmp_path / "clean"
    clean.mkdir()
    from ipseval.validate import load

    ds = load(demo_folder, s)
    bad_rows = set(ds.problems.filter(pl.col("severity") == "error")["row"].drop_nulls().to_list())
    for name in ("clients", "areas"):
        lines = (demo_folder / f"{name}.csv").read_text().splitlines()
        keep = [lines[0]] + [
            x for i, x in enumerate(lines[1:], start=1) if name != "clients" or i not in bad_rows
        ]
        (clean / f"{name}.csv").write_text("\n".join(keep) + "\n")
    if load(clean, s).n_errors == 0:
        r = c.post(
            "/upload", data={"csrf_token": token}, files={"file": ("c.zip", _zip(clean), "application/zip")}
        )
        assert r.status_code == 200 and "is now the current data" in r.text
        assert app.state.workspace.current() is not None


def test_zip_members_are_matched_by_name_never_by_path(tmp_path):
    from ipseval.web.workspace import _unzip_tables

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("../../clients.csv", "client_id\n1\n")
        z.writestr("a/b/c/d/meetings.csv", "deep\n")  # too deep: not the data set's own file
        z.writestr("interviews/../../x.txt", "no")
        z.writestr("interviews/one.txt", "hello")
    _unzip_tables(buf.getvalue(), tmp_path / "out")
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    # only by their names, inside the folder: '..' and absolute parts never choose a place
    assert written == ["out/clients.csv", "out/interviews/one.txt", "out/interviews/x.txt"]


def test_workspace_versions_are_immutable_and_pruned(tmp_path, demo_folder):
    ws = Workspace(tmp_path / "home", _settings())
    assert ws.current() is None
    with pytest.raises(WorkspaceError):
        ws.replace_tables("x", "edit", {})
    seen = []
    for _ in range(5):
        ws.import_folder(demo_folder, "t")
        seen.append(ws.current())
    kept = sorted(p.name for p in (tmp_path / "home" / "versions").iterdir())
    assert kept == sorted(v.id for v in seen[-3:])
    assert [e["action"] for e in ws.audit_entries()] == ["import"] * 5 + ["settings read"]
    with pytest.raises(WorkspaceError):
        ws.accept_upload("../../etc", "t", True)


# -- forms -------------------------------------------------------------------------------------


def test_fidelity_review_is_scored_saved_and_audited(tmp_path, demo_folder):
    app = _home(tmp_path, demo_folder)
    c = login(app, "analyst")
    token = _token_from_page(c)
    form = {"csrf_token": token, "team": "Ealing", "review_date": "2022-03-01", "reviewer": "A. Reviewer"}
    form |= {f"item_{n}": "4" for n in range(1, 26)}
    form["item_25"] = "5"
    r = c.post("/fidelity/review", data=form)
    assert r.status_code == 200 and "101 out of 125" in r.text, r.text[-2000:]
    ws = app.state.workspace
    from ipseval.store import Store

    with Store(ws.current().db_path) as store:
        rows = store.query("SELECT * FROM fidelity WHERE team = 'Ealing' AND review_date = DATE '2022-03-01'")
    assert rows.height == 25 and rows["score"].sum() == 101
    assert ws.audit_entries()[0]["action"] == "fidelity review" and ws.audit_entries()[0]["user"] == "analyst"
    # a review with items missing is not saved, and each missing item is named
    del form["item_7"]
    form["review_date"] = "2022-04-01"
    r = c.post("/fidelity/review", data=form)
    assert r.status_code == 422 and "Item 7: choose a score" in r.text


def test_area_integration_edit_makes_a_new_version(tmp_path, demo_folder):
    app = _home(tmp_path, demo_folder)
    ws = app.state.workspace
    before = ws.current()
    c = login(app, "admin")
    token = _token_from_page(c)
    page = c.get("/areas").text
    n = len(re.findall(r'name="strength_(\d+)"', page))
    assert n > 0
    r = c.post("/areas", data={"csrf_token": token} | {f"strength_{i}": "weak" for i in range(n)})
    assert r.status_code == 200 and "Saved" in r.text
    from ipseval.store import Store

    with Store(ws.current().db_path) as store:
        assert set(store.table("areas")["integration_strength"].to_list()) == {"weak"}
    assert ws.current() != before and ws.audit_entries()[0]["action"] == "area integration edited"
    r = c.post("/areas", data={"csrf_token": token, "strength_0": "superb"})
    assert r.status_code == 422


# -- filters (pure) ------------------------------------------------------------------------------


def test_filters_cut_every_table_to_the_view():
    d = date
    tables = {
        "clients": pl.DataFrame(
            {
                "client_id": ["a", "b", "c", "d"],
                "local_authority": ["North", "North", "South", "South"],
                "referral_date": [d(2020, 1, 5), d(2020, 2, 9), d(2020, 1, 20), d(2020, 3, 1)],
                "referral_source": ["GP", "Self", "GP", "GP"],
                "employment_specialist_id": ["s1", "s1", "s2", "s3"],
            }
        ),
        "meetings": pl.DataFrame({"client_id": ["a", "a", "b", "c", "d"], "n": [1, 2, 3, 4, 5]}),
        "staff": pl.DataFrame(
            {"employment_specialist_id": ["s1", "s2", "s3"], "local_authority": ["North", "South", "South"]}
        ),
        "employer_contacts": pl.DataFrame({"employment_specialist_id": ["s1", "s2", "s2", "s3"]}),
        "areas": pl.DataFrame({"local_authority": ["North", "South"]}),
        "fidelity": pl.DataFrame({"team": ["north", "South team", "South"], "score": [1, 2, 3]}),
    }
    out = flt.apply(tables, flt.Filters(area="South", source="GP"))
    assert out["clients"]["client_id"].to_list() == ["c", "d"]
    assert out["meetings"]["n"].to_list() == [4, 5]
    assert out["staff"]["employment_specialist_id"].to_list() == ["s2", "s3"]
    assert out["employer_contacts"].height == 3
    assert out["areas"]["local_authority"].to_list() == ["South"]
    assert out["fidelity"]["score"].to_list() == [3]
    out = flt.apply(tables, flt.Filters(referred_from=d(2020, 1, 10), referred_to=d(2020, 2, 29)))
    assert out["clients"]["client_id"].to_list() == ["b", "c"]
    assert out["staff"].height == 3  # no area or specialist: staff unchanged
    out = flt.apply(tables, flt.Filters(specialist="s1"))
    assert out["clients"]["client_id"].to_list() == ["a", "b"] and out["employer_contacts"].height == 1
    f = flt.Filters(referred_from=d(2020, 1, 10), referred_to=d(2020, 2, 3)).whole_months()
    assert (f.referred_from, f.referred_to) == (d(2020, 1, 1), d(2020, 2, 29))
    opts = flt.options_from(tables["clients"])
    assert opts.areas == ["North", "South"] and opts.first_referral == d(2020, 1, 5)
    assert flt.parse({"area": "North", "from": "2020-01-01"}, opts) == flt.Filters(
        area="North", referred_from=d(2020, 1, 1)
    )
    for bad in ({"area": "West"}, {"to": "01/02/2020"}, {"from": "2020-03-01", "to": "2020-01-01"}):
        with pytest.raises(flt.FilterError):
            flt.parse(bad, opts)
    assert flt.Filters(area="North").query_string() == "area=North"


# -- settings in the browser ---------------------------------------------------------------------


def _first_jobs_16plus(app) -> int:
    ws = app.state.workspace
    view = app.state.views.view(ws.current(), flt.Filters())
    table = view.evaluation.tables["outcomes"].data
    return (
        int(table.filter(pl.col("group") == "All")["first_jobs_16plus"][0])
        if "group" in table.columns
        else int(table["first_jobs_16plus"][0])
    )


def test_settings_form_fields_and_what_is_not_editable():
    from ipseval.web import settings_form as sf

    names = [f.name for f in sf.editable_fields(Settings())]
    assert "definitions.hours_threshold" in names and "disclosure.policy" in names
    # read at upload, or paths on the server: never set from a browser
    for fixed in (
        "definitions.data_cut",
        "qualitative.codebook",
        "qualitative.coding_sheet",
        "wellbeing.measures_file",
    ):
        assert fixed not in names
    assert not any(n.startswith("mapping") for n in names)
    assert sf.parse_bands("1-4, 5-9,10+") == [
        {"label": "1-4", "low": 1, "high": 4},
        {"label": "5-9", "low": 5, "high": 9},
        {"label": "10+", "low": 10, "high": None},
    ]
    with pytest.raises(ValueError, match="'five' is not a band"):
        sf.parse_bands("1-4, five")


def test_the_settings_form_as_shown_saves_unchanged():
    """Every editable field, posted back as the form shows it, reads back with no problem and no
    change (a settings field the form cannot hold, such as a table of names, once broke saving)."""
    from ipseval.web import settings_form as sf

    s = Settings()
    fields = sf.editable_fields(s)
    form = {f.name: f.text for f in fields if f.kind != "multi"}
    form |= {f"{f.name}.present": "1" for f in fields if f.kind == "multi"}
    multi = {f.name: list(f.chosen) for f in fields if f.kind == "multi"}
    read = sf.read_form(form, multi, s)
    assert read.problems == {} and read.changes == {}


def test_settings_form_reads_changes_and_names_every_problem():
    from ipseval.web import settings_form as sf

    s = Settings()
    s.qualitative.names = ["Hannah"]
    ok = sf.read_form(
        {
            "definitions.hours_threshold": "20",
            "definitions.meeting_bands": "1-2, 3-9, 10+",
            "qualitative.names": "Hannah\r\nJo Bloggs\n",
            "disclosure.threshold": "",
            "qualitative.codebook": "/etc/passwd",  # not a field here: ignored
        },
        {},
        s,
    )
    assert ok.problems == {}
    assert ok.settings.definitions.hours_threshold == 20
    assert [b.label for b in ok.settings.definitions.meeting_bands] == ["1-2", "3-9", "10+"]
    assert ok.settings.qualitative.names == ["Hannah", "Jo Bloggs"]
    assert ok.settings.qualitative.codebook is None
    # the audit log gets counts of names, never the names
    assert ok.changes == {
        "definitions.hours_threshold": "16 → 20",
        "definitions.meeting_bands": "1-4, 5-9, 10-19, 20+ → 1-2, 3-9, 10+",
        "qualitative.names": "1 names → 2 names",
    }
    bad = sf.read_form(
        {
            "definitions.hours_threshold": "-3",
            "definitions.sustainment_weeks": "13, x",
            "disclosure.policy": "lax",
            "impact.enabled": "maybe",
            "definitions.meeting_bands": "1-4, 6-9",
        },
        {"definitions.model_controls": ["age", "shoe_size"]},
        s,
    )
    assert bad.settings is None
    assert set(bad.problems) == {"disclosure.policy", "impact.enabled"}  # form-level first
    bad = sf.read_form(
        {
            "definitions.hours_threshold": "-3",
            "definitions.sustainment_weeks": "13, x",
            "definitions.meeting_bands": "1-4, 6-9",
        },
        {},
        s,
    )
    assert set(bad.problems) == {
        "definitions.hours_threshold",
        "definitions.sustainment_weeks",
        "definitions.meeting_bands",
    }
    assert "contiguous" in bad.problems["definitions.meeting_bands"]
    # ticked boxes: unknown choices dropped, a form without the field keeps the current list
    ticks = sf.read_form(
        {"definitions.model_controls.present": "1"}, {"definitions.model_controls": ["age", "shoe_size"]}, s
    )
    assert ticks.settings.definitions.model_controls == ["age"]
    kept = sf.read_form({}, {}, s)
    assert kept.settings.definitions.model_controls == s.definitions.model_controls and kept.changes == {}


def test_settings_change_recomputes_the_figures_and_is_kept(tmp_path, demo_folder):
    app = _home(tmp_path, demo_folder)
    ws = app.state.workspace
    before_version, before_16 = ws.current(), _first_jobs_16plus(app)
    c = login(app, "admin")
    token = _token_from_page(c)
    page = c.get("/settings")
    assert 'name="definitions.hours_threshold" value="16"' in page.text
    # listed by their plain names (keys only in the form's field names), read-only ones too
    assert "Weekly hours that count as a longer job" in page.text
    assert "Date the data were extracted" in page.text  # read-only, with where to set it
    assert "<code>definitions." not in page.text

    r = c.post(
        "/settings", data={"csrf_token": token, "definitions.hours_threshold": "abc", "service_name": "X"}
    )
    assert r.status_code == 422
    assert ">Weekly hours that count as a longer job</a>" in r.text and "Nothing was saved" in r.text
    assert ws.current() == before_version and not (tmp_path / "home" / "ipseval.toml").read_text().count(
        "abc"
    )

    r = c.post(
        "/settings",
        data={"csrf_token": token, "definitions.hours_threshold": "35", "service_name": "West IPS"},
    )
    assert r.status_code == 200 and "Saved" in r.text, r.text[-2000:]
    after = ws.current()
    assert after != before_version
    assert ws.settings_for(after).definitions.hours_threshold == 35
    assert ws.settings_for(before_version).definitions.hours_threshold == 16  # kept with its version
    assert _first_jobs_16plus(app) < before_16  # fewer first jobs reach 35 hours than 16
    entry = ws.audit_entries()[0]
    assert entry["action"] == "settings changed" and entry["user"] == "admin"
    assert entry["changes"] == {
        "definitions.hours_threshold": "16 → 35",
        "service_name": "IPS service → West IPS",
    }
    assert "35" in c.get("/definitions").text
    # kept in the home folder: a restart without --settings uses them
    again = create_app(tmp_path / "home")
    assert again.state.workspace.settings.definitions.hours_threshold == 35
    assert again.state.workspace.settings.service_name == "West IPS"
    # no change: no new version
    r = c.post("/settings", data={"csrf_token": token, "definitions.hours_threshold": "35"})
    assert "No changes" in r.text and ws.current() == after


def test_filters_and_settings_read_as_plain_words(shared_app):
    viewer = login(shared_app, "viewer")
    page = viewer.get("/page/headline").text
    assert '<option value="drug_alcohol_service">Drug and alcohol service</option>' in page
    assert ">drug_alcohol_service<" not in page
    stamp = viewer.get("/page/headline?source=gp_health").text
    assert "referral source GP or health service" in stamp and "gp_health;" not in stamp
    settings = login(shared_app, "admin").get("/settings").text
    shown = re.sub(r"<[^>]+>", " ", settings)
    for label in ("Fewest weekly hours for a job to count", "Job entry benchmark", "Wild cluster bootstrap",
                  "Time since last job"):  # fmt: skip
        assert label in shown, label
    assert not re.search(r"\b(definitions|impact|disclosure|benchmarks|dashboard)\.(?!md\b)[a-z_]+", shown)


def test_dashboard_settings_take_effect_at_once(tmp_path, demo_folder):
    app = _home(tmp_path, demo_folder)
    admin = login(app, "admin")
    viewer = login(app, "viewer")
    area = app.state.views.options(app.state.workspace.current()).areas[0]
    assert viewer.get(f"/page/headline?area={area}").status_code == 200
    r = admin.post(
        "/settings", data={"csrf_token": _token_from_page(admin), "dashboard.min_clients_in_view": "100000"}
    )
    assert r.status_code == 200
    assert "withheld" in viewer.get(f"/page/headline?area={area}").text


def test_settings_given_at_start_replace_the_homes_and_are_audited(tmp_path):
    s = Settings()
    s.definitions.hours_threshold = 30
    create_app(tmp_path / "home", s)
    assert "hours_threshold = 30" in (tmp_path / "home" / "ipseval.toml").read_text()
    ws = create_app(tmp_path / "home").state.workspace
    assert ws.settings.definitions.hours_threshold == 30
    assert [e["action"] for e in ws.audit_entries()] == ["settings read"]
    create_app(tmp_path / "home", s)  # the same again: nothing to record
    assert len(ws.audit_entries()) == 1


# -- accounts in the browser ---------------------------------------------------------------------


def _accounts_post(c: TestClient, **data):
    return c.post("/accounts", data={"csrf_token": _token_from_page(c)} | data)


def test_admin_manages_accounts_in_the_browser(tmp_path, demo_folder):
    app = _home(tmp_path, demo_folder)
    admin = login(app, "admin")
    new = {"action": "add", "name": "carol", "role": "viewer", "password": PASSWORD}
    r = _accounts_post(admin, **new, password2="different password")
    assert r.status_code == 422 and "the two passwords differ" in r.text
    r = _accounts_post(admin, **(new | {"password": "short"}), password2="short")
    assert r.status_code == 422 and "too short" in r.text
    r = _accounts_post(admin, **new, password2=PASSWORD)
    assert r.status_code == 200 and "Account &#39;carol&#39; added as viewer" in r.text
    assert _accounts_post(admin, **new, password2=PASSWORD).status_code == 422  # exists already
    carol = login(app, "carol")
    assert carol.get("/page/headline").status_code == 200
    # a role change ends carol's session; she logs in again as an analyst
    assert _accounts_post(admin, action="role", name="carol", role="analyst").status_code == 200
    assert carol.get("/page/headline").status_code == 401
    carol = login(app, "carol")
    assert carol.get("/problems").status_code == 200
    new_password = "a brand new passphrase"
    r = _accounts_post(admin, action="password", name="carol", password=new_password, password2=new_password)
    assert r.status_code == 200 and carol.get("/problems").status_code == 401
    assert app.state.accounts.check("carol", new_password) is not None
    assert _accounts_post(admin, action="remove", name="carol").status_code == 200
    assert app.state.accounts.get("carol") is None
    actions = [e["action"] for e in app.state.workspace.audit_entries()[:4]]
    assert actions == ["account removed", "password set", "account role changed", "account added"]
    # nobody locks the dashboard out
    r = _accounts_post(admin, action="remove", name="admin")
    assert r.status_code == 422 and "your own account" in r.text
    r = _accounts_post(admin, action="role", name="admin", role="viewer")
    assert r.status_code == 422 and "own admin role" in r.text
    assert _accounts_post(admin, action="nonsense").status_code == 422
    # the admin's own new password keeps them logged in
    r = _accounts_post(admin, action="password", name="admin", password=new_password, password2=new_password)
    assert r.status_code == 200 and admin.get("/accounts").status_code == 200


def test_the_last_admin_cannot_be_removed_or_demoted():
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        accounts = auth.Accounts(Path(d))
        accounts.add("ann", "admin", PASSWORD)
        accounts.add("vic", "viewer", PASSWORD)
        with pytest.raises(auth.AccountError, match="only admin"):
            accounts.remove("ann")
        with pytest.raises(auth.AccountError, match="only admin"):
            accounts.set_role("ann", "analyst")
        accounts.set_role("vic", "admin")
        accounts.set_role("ann", "analyst")  # vic is an admin now
        accounts.remove("ann")
        accounts.remove("vic")  # the very last account: back to local mode
        assert not accounts.any()


def test_local_mode_first_account_must_be_an_admin_and_logs_in(tmp_path, demo_folder):
    app = _home(tmp_path, demo_folder, accounts=False)
    c = client(app)
    assert "local mode" in c.get("/accounts").text
    r = _accounts_post(c, action="add", name="boss", role="viewer", password=PASSWORD, password2=PASSWORD)
    assert r.status_code == 422 and "first account must be an admin" in r.text
    r = _accounts_post(c, action="add", name="boss", role="admin", password=PASSWORD, password2=PASSWORD)
    assert r.status_code == 200 and "You are logged in as this account" in r.text
    # local mode is over: this browser is boss; another is asked to log in
    assert c.get("/admin").status_code == 200 and "boss · admin" in c.get("/admin").text
    assert client(app).get("/admin").status_code == 401


def test_pages_word_the_view_not_the_report(shared_app):
    c = login(shared_app, "analyst")
    area = shared_app.state.views.options(shared_app.state.workspace.current()).areas[0]
    whole = c.get("/page/outcomes").text
    assert "Job outcomes, all areas" in whole
    part = c.get(f"/page/outcomes?area={area}").text
    assert f"Job outcomes, area {area}" in part and "Job outcomes, all areas" not in part
    quality = c.get("/page/data-quality").text
    # the problems are a page of the dashboard, not a file beside a report
    assert 'href="/problems"' in quality and "problems.html" not in quality
    assert "Settings were read from" in c.get("/definitions").text
    assert (
        "home folder" in c.get("/definitions").text
        and str(shared_app.state.workspace.root) not in c.get("/definitions").text
    )
