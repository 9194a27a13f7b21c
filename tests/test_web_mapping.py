"""The mapping page of an upload (issue 18, part 1): an export named differently opens the mapping
assistant's proposal as a form; an admin's correction is saved with the home's settings, audited,
and the upload checked again with it; only admins see or post it, with the CSRF token and Origin
checks and the size limit of the other forms; a bad value is refused in plain words."""

from __future__ import annotations

import html
import io
import re
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ipseval.settings import Settings, load_settings
from ipseval.web.app import create_app

PASSWORD = "correct horse battery"
BASE = "http://127.0.0.1:8050"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "exports"
RIVERSIDE = EXAMPLES / "riverside" / "Riverside IPS export.xlsx"


def make_app(tmp: Path):
    s = Settings()
    s.impact.enabled = False  # the models are tested elsewhere
    app = create_app(tmp / "home", s)
    for role in ("viewer", "analyst", "admin"):
        app.state.accounts.add(role, role, PASSWORD)
    return app


def login(app, role: str | None) -> TestClient:
    c = TestClient(app, base_url=BASE, client=("127.0.0.1", 50000))
    if role is not None:
        r = c.post("/login", data={"username": role, "password": PASSWORD, "csrf_token": csrf(c.get("/login").text)},
                   follow_redirects=False)  # fmt: skip
        assert r.status_code == 303, r.text[:300]
    return c


def csrf(text: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert m, "no CSRF token on the page"
    return m.group(1)


def chosen(page: str) -> dict[str, str]:
    """Each drop-down of the mapping form with the value it shows chosen."""
    out = {}
    for name, body in re.findall(r'<select id="[^"]+" name="([^"]+)">(.*?)</select>', page, re.S):
        m = re.search(r'<option value="([^"]*)" selected', body)
        out[name] = m.group(1) if m else ""
    return out


def field_for(page: str, label: str) -> str:
    """The name of the drop-down whose label starts with ``label`` (a column or a value)."""
    m = re.search(r'<label for="([^"]+)">' + re.escape(label), page)
    assert m, f"no field for {label}"
    return re.search(rf'<select id="{m.group(1)}" name="([^"]+)"', page).group(1)


def post_form(c: TestClient, token: str, fields: dict[str, str], **kw):
    """Post the mapping form with this session's own CSRF token."""
    mine = csrf(c.get(f"/upload/{token}/mapping").text)
    return c.post(f"/upload/{token}/mapping", data={**fields, "csrf_token": mine}, **kw)


def upload(c: TestClient, name: str, content: bytes):
    token = csrf(c.get("/upload").text)
    return c.post("/upload", data={"csrf_token": token}, files={"file": (name, content)})


def upload_token(page: str) -> str:
    return re.search(r'action="/upload/([0-9a-f]{32})/mapping"', page).group(1)


def no_settings_file_advice(page: str) -> None:
    assert "[mapping" not in page and "input.date_order" not in page and "ipseval map" not in page


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    """A dashboard with the riverside workbook uploaded by its admin and waiting: (app, token, page)."""
    app = make_app(tmp_path_factory.mktemp("mapping"))
    r = upload(login(app, "admin"), RIVERSIDE.name, RIVERSIDE.read_bytes())
    assert r.status_code == 200, r.text[:500]
    return app, upload_token(r.text), r.text


def test_an_export_named_differently_opens_the_proposal_as_a_form(staged):
    app, token, page = staged
    assert "Mapping of Riverside IPS export.xlsx" in page and app.state.workspace.current() is None
    # why it cannot be read as it is, pointing to this page (not to a settings file)
    assert "This upload cannot be read with the settings in force" in page
    assert "no sheet named 'clients'" in html.unescape(page)
    assert '<a href="#mapping-form">the mapping page</a>' in page
    no_settings_file_advice(page)
    form = chosen(page)
    assert form["date_order"] == "dmy"
    assert [form[f"table.{i}"] for i in range(5)] == ["clients", "meetings", "jobs", "staff", "areas"]
    assert form[field_for(page, '<span class="dash-map-local">Client Ref')] == "client_id"
    assert form[field_for(page, '<span class="dash-map-local">Notes')] == ""  # not used
    assert form[field_for(page, "‘DNA’")] == "no" and form[field_for(page, "‘Telephone’")] == "phone"
    # codes by their plain labels; every standard column of the table offered, and "not used"
    assert '<option value="drug_alcohol_service" selected>Drug and alcohol service</option>' in page
    assert '<option value="">not used</option><option value="client_id" selected>client_id (required)' in page
    # the page as served again is the same form
    again = login(app, "admin").get(f"/upload/{token}/mapping")
    assert again.status_code == 200 and chosen(again.text) == form


def test_the_proposal_saved_is_audited_checked_again_and_imports(tmp_path):
    app = make_app(tmp_path)
    ws = app.state.workspace
    c = login(app, "admin")
    page = upload(c, RIVERSIDE.name, RIVERSIDE.read_bytes()).text
    token = upload_token(page)
    r = c.post(f"/upload/{token}/mapping", data={**chosen(page), "csrf_token": csrf(page)})
    assert r.status_code == 200, r.text[:800]
    assert "Saved in the dashboard's settings" in html.unescape(r.text) and "0 errors, 1 warning" in r.text
    no_settings_file_advice(r.text)
    # kept in the home, as a settings file the library reads, beside the other settings
    saved = load_settings(tmp_path / "home" / "ipseval.toml")
    expected = load_settings(EXAMPLES / "riverside" / "expected.toml")
    assert saved.mapping.tables == expected.mapping.tables and saved.input.date_order == "dmy"
    assert saved.impact.enabled is False and ws.settings.mapping == saved.mapping
    entry = ws.audit_entries()[0]
    assert (entry["user"], entry["action"], entry["source"]) == ("admin", "mapping saved", RIVERSIDE.name)
    assert entry["changes"]["mapping.tables.Caseload"] == "(none) → clients" and entry["corrected"] == {}
    r = c.post(f"/upload/{token}/accept", data={"csrf_token": csrf(page)})
    assert r.status_code == 200 and "is now the current data" in r.text
    assert ws.current() is not None and ws.audit_entries()[0]["action"] == "import"


def _zip(folder: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for p in sorted(folder.glob("*.csv")):
            z.writestr(f"export/{p.name}", p.read_bytes())
    return buf.getvalue()


def test_a_correction_is_saved_and_the_next_upload_needs_no_mapping(tmp_path):
    app = make_app(tmp_path)
    ws, c = app.state.workspace, login(app, "admin")
    content = _zip(EXAMPLES / "casetrack" / "export")  # CSV files named differently, in a zip
    page = upload(c, "casetrack.zip", content).text
    token = upload_token(page)
    form = chosen(page)
    rent, shelter = field_for(page, "‘RENT_PUBLIC’"), field_for(page, "‘SHELTER’")
    assert form[rent] == ""  # like no code: left for a person, never guessed as other
    assert form[shelter] == "supported_temporary"  # a shelter is temporary housing, as expected.toml says
    r = c.post(
        f"/upload/{token}/mapping",
        data={**form, rent: "social_rent", "csrf_token": csrf(page)},
    )
    assert r.status_code == 200 and "0 errors" in r.text, r.text[:800]
    codes = ws.settings.mapping.codes["clients"]["housing_tenure"]
    assert codes["RENT_PUBLIC"] == "social_rent" and codes["SHELTER"] == "supported_temporary"
    entry = ws.audit_entries()[0]
    assert entry["action"] == "mapping saved" and entry["corrected"] == {
        "'participants.csv' › 'HousingStatus' = 'RENT_PUBLIC'": "no code → social_rent",
    }
    assert entry["changes"]["mapping.codes.clients.housing_tenure.RENT_PUBLIC"] == "(none) → social_rent"
    assert c.post(f"/upload/{token}/accept", data={"csrf_token": csrf(page)}).status_code == 200
    # the same export next month: read with the saved mapping, clean, imported at once
    r = upload(c, "casetrack.zip", content)
    assert r.status_code == 200 and "is now the current data" in r.text


@pytest.mark.parametrize("role", [None, "viewer", "analyst"])
def test_only_admins_see_or_post_the_mapping(staged, role):
    app, token, page = staged
    c = login(app, role)
    r = c.get(f"/upload/{token}/mapping")
    assert r.status_code == (401 if role is None else 403) and "Client Ref" not in r.text
    token_field = csrf(c.get("/upload").text)  # the session's own token: the role is what is refused
    r = c.post(f"/upload/{token}/mapping", data={**chosen(page), "csrf_token": token_field})
    assert r.status_code == (401 if role is None else 403)
    assert load_settings(app.state.workspace.root / "ipseval.toml").mapping == Settings().mapping


def test_an_admins_post_needs_the_csrf_token_and_this_sites_origin(staged):
    app, token, page = staged
    c = login(app, "admin")
    r = c.post(f"/upload/{token}/mapping", data={**chosen(page), "csrf_token": "forged"})
    assert r.status_code == 403 and "expired" in r.text
    r = post_form(c, token, chosen(page), headers={"origin": "http://evil.example"})
    assert r.status_code == 403 and "another site" in r.text
    r = c.post(f"/upload/{token}/mapping", content=b"x" * (300 * 1024),
               headers={"content-type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert r.status_code == 413  # the size limit of the settings form
    assert c.get("/upload/0123456789abcdef0123456789abcdef/mapping").status_code == 404
    assert "mapping saved" not in [e["action"] for e in app.state.workspace.audit_entries()]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("column", "not_a_column", "&#39;not_a_column&#39; is not a column of clients"),
        ("code", "martian", "&#39;martian&#39; is not a code of referral_source"),
        ("table.0", "caseload", "&#39;caseload&#39; is not a table of the data standard"),
        ("date_order", "dd/mm", "&#39;dd/mm&#39; is not an order of dates"),
    ],
)
def test_a_bad_value_is_refused_in_plain_words(staged, field, value, message):
    app, token, page = staged
    c = login(app, "admin")
    name = {
        "column": field_for(page, '<span class="dash-map-local">Client Ref'),
        "code": field_for(page, "‘Probation’"),
    }.get(field, field)
    r = post_form(c, token, {**chosen(page), name: value})
    assert r.status_code == 422 and "Nothing was saved" in r.text and message in r.text
    assert "Traceback" not in r.text
    assert "mapping saved" not in [e["action"] for e in app.state.workspace.audit_entries()]


def test_a_sheet_given_another_table_is_shown_again_before_saving(staged):
    app, token, page = staged
    c = login(app, "admin")
    r = post_form(c, token, {**chosen(page), "table.3": "employer_contacts"})
    assert r.status_code == 200 and "Nothing was saved yet" in r.text
    assert "is now read as employer_contacts" in r.text and chosen(r.text)["table.3"] == "employer_contacts"
    assert "mapping saved" not in [e["action"] for e in app.state.workspace.audit_entries()]
    # put back as it was, for the other tests
    r = post_form(c, token, {"table.3": "staff"})
    assert chosen(r.text)["table.3"] == "staff"


def test_an_export_that_cannot_be_read_at_all_is_refused_and_not_kept(tmp_path):
    app = make_app(tmp_path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("export/people.csv", b"\x00\x01\x02 not text \xff\xfe" * 50)
    r = upload(login(app, "admin"), "broken.zip", buf.getvalue())
    assert r.status_code == 422 and 'id="upload-error"' in r.text
    assert "people.csv: this is not a text file" in r.text  # the real reason, not "map its name"
    assert str(tmp_path) not in r.text  # never a server path
    assert not any((app.state.workspace.root / "uploads").iterdir())
