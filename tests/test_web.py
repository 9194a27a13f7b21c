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

from ipseval.settings import Settings
from ipseval.web import auth
from ipseval.web import filters as flt
from ipseval.web.app import create_app
from ipseval.web.workspace import Workspace, WorkspaceError

PASSWORD = "correct horse battery"
ROLES = ("viewer", "analyst", "admin")


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
    c = TestClient(app)
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
    ("/admin", "admin"),
]
POSTS = [
    ("/fidelity/review", "analyst"),
    ("/upload", "admin"),
    ("/upload/0123456789abcdef0123456789abcdef/discard", "admin"),
    ("/areas", "admin"),
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
    c = TestClient(shared_app)
    assert c.get("/static/htmx.min.js").status_code == 200
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
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", r.text), "inline script found"
    assert "http://" not in r.text.replace("http://www.w3.org", "") and "https://" not in r.text.replace(
        "https://www.w3.org", ""
    )


def test_session_cookie_is_httponly_samesite_and_signed(shared_app):
    c = TestClient(shared_app)
    r = c.get("/login")
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    # a forged cookie is nobody
    c2 = TestClient(shared_app)
    c2.cookies.set(auth.Sessions.COOKIE, "forged.value.here")
    assert c2.get("/page/headline").status_code == 401


def test_sessions_expire_and_end_when_the_password_changes(tmp_path, demo_folder):
    app = _home(tmp_path, demo_folder)
    c = login(app, "viewer")
    assert c.get("/page/data-quality").status_code == 200
    app.state.accounts.add("viewer", "viewer", "another long password", replace=True)
    assert c.get("/page/data-quality").status_code == 401
    s = auth.Sessions(b"k" * 32, max_age_seconds=-1)  # already expired when read
    cookie, _ = s.issue(auth.User("a", "viewer", "f"))
    assert s.read(cookie) is None
    assert auth.Sessions(b"k" * 32, 60).read(cookie) is not None


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
    anon = TestClient(shared_app)
    assert anon.post("/login", data={"username": "viewer", "password": PASSWORD}).status_code == 403


def test_login_is_rate_limited(tmp_path, demo_folder):
    app = _home(tmp_path, demo_folder)
    c = TestClient(app)
    token = csrf_of(c.get("/login"))
    for _ in range(5):
        r = c.post("/login", data={"username": "viewer", "password": "wrong password!", "csrf_token": token})
        assert r.status_code == 401 and "Wrong user name or password" in r.text
    r = c.post("/login", data={"username": "viewer", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    # another account from another address is not locked out by it
    limiter = auth.LoginLimiter(2, window=60)
    limiter.failed("user:a", "addr:1")
    limiter.failed("user:a", "addr:1")
    assert limiter.retry_after("user:a", "addr:1") > 0 and limiter.retry_after("user:b", "addr:2") == 0


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
    c = TestClient(app)
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
    write_table_csv(view.published(False).table("outcomes"), buf)
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
    narrow = f"/page/outcomes?from={first}&to={first}"
    viewer = login(app, "viewer")
    r = viewer.get(narrow)
    assert r.status_code == 200 and "fewer than 20 clients" in r.text
    # a viewer's period is widened to whole months (so two views a day apart cannot be subtracted)
    assert f"referred {first.replace(day=1)}" in r.text
    assert viewer.get(f"/table/outcomes.csv?from={first}&to={first}").status_code in (200, 403)
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
    assert len(ws.audit_entries()) == 5
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
