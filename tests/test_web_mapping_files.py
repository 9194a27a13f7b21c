"""The mapping page shows everything `ipseval map` proposes (issue 18, part 1): besides tables,
columns and codes, the whole value of words and codes in date and number columns ('Current' in an
end date, 999 in an age, 'varies' in hours), a file's own order of day and month, columns written
once per group (filled down), a column every row of a file shares (fixed), and files laid out wide
(several for one table, with their words for 'not recorded'). Saved unchanged, the form gives the
settings `map` writes; an edit is saved and audited; nothing on the page is a setting's key."""

from __future__ import annotations

import html
import io
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ipseval.ingest.mapping import norm_name, table_key
from ipseval.ingest.propose import propose
from ipseval.ingest.propose_toml import write_proposal
from ipseval.settings import Settings, load_settings, settings_document
from ipseval.web.app import create_app

PASSWORD = "correct horse battery"
BASE = "http://127.0.0.1:8050"

# An export with other words than the trials': participants with 999 for an unknown age and
# 'Active' for an open case; placements dated month first (the other files day first),
# 'Current' for a job not ended and 'varies' for hours; an IPS-25 review whose team and date are
# written on the first row of each review only; one questionnaire's returns with no instrument
# column (its file name says SWEMWBS).
OAKFIELD = {
    "Participants.csv": """Ref,Borough,Referred On,Closure date,Age,Sex
P01,Oakfield,14/01/2023,20/06/2023,34,M
P02,Oakfield,21/02/2023,Active,41,F
P03,Elmbridge,03/03/2023,15/09/2023,999,F
P04,Elmbridge,17/03/2023,Active,29,M
P05,Oakfield,25/04/2023,30/10/2023,52,M
P06,Elmbridge,02/05/2023,Active,999,F
""",
    "Placements.csv": """Ref,Employer name,Date started,Date left,Weekly Hours
P01,Acme Ltd,03/15/2023,06/30/2023,16
P02,Baker & Sons,04/20/2023,Current,varies
P04,Acme Ltd,05/18/2023,Current,30
P05,City Cafe,07/24/2023,09/29/2023,varies
""",
    "Reviews.csv": """Team,Date of review,Item number,Rating
Oakfield IPS,12/06/2023,1,4
,,2,3
,,3,5
,,4,2
,,5,4
Elmbridge IPS,19/06/2023,1,3
,,2,4
,,3,4
,,4,5
,,5,3
""",
    "SWEMWBS_returns.csv": """Ref,Completed,Question,Answer
P01,20/01/2023,Total,21
P02,25/02/2023,Total,18
P03,10/03/2023,Total,24
P01,20/06/2023,Total,26
""",
}
# Two questionnaires laid out wide, one column per measure, '-' and 'NR' for a score not given.
WIDE = {
    "People.csv": "Client,Area,Referred\nC1,Northam,2023-01-10\nC2,Northam,2023-02-11\nC3,Southam,2023-03-12\n",
    "TOP forms.csv": """Client,TOP Date,Alcohol days,Opiate days,Crack days,Psych Health,Phys Health,Quality of Life
C1,2023-01-15,4,0,-,12,14,10
C2,2023-02-20,NR,2,0,9,NR,8
C3,2023-03-18,0,-,1,15,13,-
""",
    "SURE forms.csv": """Client,Date done,Drug and alcohol use,Self care,Relationships,Material resources,Outlook on life,SURE total
C1,2023-01-16,10,8,9,7,6,40
C2,2023-02-21,12,9,-,8,7,36
""",
}


class _Fields(HTMLParser):
    """What a browser posts from the mapping form: each drop-down's chosen option (else its
    first) and each text box's value."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._inside = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._inside = a.get("id") == "mapping-form"
        elif self._inside and tag == "select":
            self._select = a["name"]
        elif self._inside and tag == "option" and self._select:
            if self._select not in self.fields or "selected" in a:
                self.fields[self._select] = a.get("value", "")
        elif self._inside and tag == "input" and a.get("type") in ("text", "hidden"):
            self.fields[a["name"]] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form":
            self._inside = False


def fields(page: str) -> dict[str, str]:
    parser = _Fields()
    parser.feed(page)
    return parser.fields


def name_of(page: str, label: str) -> str:
    """The name of the field whose label starts with ``label`` (its drop-down or text box)."""
    import re

    m = re.search(r'<label for="([^"]+)">' + re.escape(label), page)
    assert m, f"no field for {label}"
    return re.search(rf'id="{m.group(1)}" name="([^"]+)"', page).group(1)


def make_app(tmp: Path):
    s = Settings()
    s.impact.enabled = False  # the models are tested elsewhere
    app = create_app(tmp / "home", s)
    app.state.accounts.add("admin", "admin", PASSWORD)
    return app


def admin(app) -> TestClient:
    c = TestClient(app, base_url=BASE, client=("127.0.0.1", 50000))
    token = fields_token(c.get("/login").text)
    r = c.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token},
               follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    return c


def fields_token(page: str) -> str:
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def upload(c: TestClient, files: dict[str, str]) -> tuple[str, str]:
    """Upload ``files`` as a zip; (the mapping page, its upload's token)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in files.items():
            z.writestr(f"export/{name}", text)
    r = c.post("/upload", data={"csrf_token": fields_token(c.get("/upload").text)},
               files={"file": ("export.zip", buf.getvalue())})  # fmt: skip
    assert r.status_code == 200, r.text[:500]
    import re

    return r.text, re.search(r'action="/upload/([0-9a-f]{32})/mapping"', r.text).group(1)


def post(c: TestClient, token: str, form: dict[str, str]):
    return c.post(f"/upload/{token}/mapping", data=form)


def map_writes(tmp: Path, files: dict[str, str]) -> Settings:
    """The settings in the ipseval.toml `ipseval map` writes for ``files``."""
    folder = tmp / "cli"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return load_settings(write_proposal(propose(folder), folder / "ipseval.toml"))


def as_read(s: Settings) -> dict:
    """The settings that decide how an export is read. `map` also writes the names the reader
    takes by themselves (Age = "age", 'clients.csv' = "clients"); the dashboard leaves those out,
    as before: the same reading either way."""
    doc = settings_document(s)
    m = doc["mapping"]
    m["columns"] = {
        t: own
        for t, cols in m["columns"].items()
        if (own := {k: v for k, v in cols.items() if norm_name(k) != v})
    }
    m["tables"] = {k: v for k, v in m["tables"].items() if table_key(k) != v}
    keep = ("date_order", "date_orders", "fill_down", "two_digit_years")
    return {"mapping": m, "input": {k: doc["input"][k] for k in keep}}


def no_setting_keys(page: str) -> None:
    text = html.unescape(page)
    for key in ("[mapping", "[input", "fill_down", "date_orders", "two_digit", "mapping.wide", "ipseval map"):
        assert key not in text.replace('name="two_digit_years"', ""), key


@pytest.fixture(scope="module")
def oakfield(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("oakfield")
    app = make_app(tmp)
    c = admin(app)
    page, token = upload(c, OAKFIELD)
    return app, c, page, token, map_writes(tmp, OAKFIELD)


def test_the_page_shows_each_proposal_with_its_confidence(oakfield):
    _, _, page, _, _ = oakfield
    form = fields(page)
    text = html.unescape(page)
    no_setting_keys(page)
    # words where a value belongs: the whole value each stands for
    assert form[name_of(page, "‘Current’")] == "(blank)" and "means still open" in text
    assert form[name_of(page, "‘999’")] == "(blank)" and form[name_of(page, "‘varies’")] == "(blank)"
    # the placements' own order of day and month (month first), the others following the export's
    assert form["date_order"] == "dmy"
    dates = {k: v for k, v in form.items() if k.startswith("dates.")}
    assert sorted(dates.values()) == ["", "", "", "mdy"]
    assert "03/15/2023 in 'Date started' (Placements.csv) can only be month/day/year" in text
    # the review's team and date filled down, marked to check
    fill = {k: v for k, v in form.items() if k.startswith("fill.")}
    assert list(fill.values()) == ["yes", "yes"]
    assert "filled on 2 of 10 rows, each value on several" in text
    # the questionnaire's instrument, given to every row
    (fixed,) = [k for k in form if k.startswith("fixed.")]
    assert (
        form[fixed] == "SWEMWBS"
        and "Instrument of every row" in text
        and "the file's name: 'SWEMWBS'" in text
    )
    assert text.count('<span class="dash-badge dash-check">check</span>') >= 3  # fill-down and fixed


def test_the_form_saved_unchanged_gives_what_map_writes(oakfield):
    app, c, page, token, expected = oakfield
    r = post(c, token, fields(page))
    assert r.status_code == 200 and "Saved in the dashboard's settings" in html.unescape(r.text), r.text[
        :2000
    ]
    saved = load_settings(app.state.workspace.root / "ipseval.toml")
    assert as_read(saved) == as_read(expected)
    assert saved.input.fill_down == {"fidelity": ["team", "review_date"]}
    assert saved.mapping.fixed == {"wellbeing": {"instrument": "SWEMWBS"}}
    assert saved.input.date_orders == {"jobs": "mdy"}
    assert saved.mapping.codes["jobs"]["end_date"] == {"Current": ""}
    entry = app.state.workspace.audit_entries()[0]
    assert entry["action"] == "mapping saved" and entry["corrected"] == {}
    assert entry["changes"]["input.fill_down.fidelity"] == "(none) → team, review_date"
    assert entry["changes"]["mapping.fixed.wellbeing.instrument"] == "(none) → SWEMWBS"
    assert entry["changes"]["input.date_orders.jobs"] == "(none) → mdy"
    # read with these settings: the review's rows all have their team, the open jobs no end date
    assert "0 errors" in r.text, r.text[:3000]


def test_an_edit_is_saved_and_audited(tmp_path):
    app = make_app(tmp_path)
    c = admin(app)
    # 'Still active': words the assistant does not know, so 'Closure date' is left unmatched
    files = {**OAKFIELD, "Participants.csv": OAKFIELD["Participants.csv"].replace("Active", "Still active")}
    page, token = upload(c, files)
    form = fields(page)
    closure = name_of(page, '<span class="dash-map-local">Closure date')
    assert form[closure] == ""
    # a person reads it as the discharge date: its values are listed, shown for a check
    r = post(c, token, {**form, closure: "discharge_date"})
    assert r.status_code == 200 and "Nothing was saved yet" in r.text
    page = r.text
    form = fields(page)
    still = name_of(page, "‘Still active’")
    assert form[still] == "" and "not a valid date" in html.unescape(page)  # as written: a problem
    # ... and corrects the rest: the review date not filled down, the instrument, the hours
    fill = [k for k in form if k.startswith("fill.")][1]
    (fixed,) = [k for k in form if k.startswith("fixed.")]
    varies = name_of(page, "‘varies’")
    edits = {still: "(blank)", fill: "no", fixed: "WEMWBS", varies: "(typed)", "value" + varies[4:]: "20"}
    r = post(c, token, {**form, **edits})
    assert r.status_code == 200 and "Saved in the dashboard's settings" in html.unescape(r.text), r.text[
        :2000
    ]
    s = app.state.workspace.settings
    assert s.mapping.columns["clients"]["Closure date"] == "discharge_date"
    assert s.mapping.codes["clients"]["discharge_date"] == {"Still active": ""}
    assert s.input.fill_down == {"fidelity": ["team"]}
    assert s.mapping.fixed["wellbeing"] == {"instrument": "WEMWBS"}
    assert s.mapping.codes["jobs"]["hours_per_week"] == {"varies": "20"}
    entry = app.state.workspace.audit_entries()[0]
    assert entry["corrected"] == {
        "'Participants.csv' › 'Closure date'": "not used → discharge_date",
        "'Placements.csv' › 'Weekly Hours' = 'varies'": "blank → 20",
        "'Reviews.csv' › 'Date of review' filled down": "yes → no",
        "'SWEMWBS_returns.csv' › instrument of every row": "SWEMWBS → WEMWBS",
    }
    assert entry["changes"]["mapping.codes.jobs.hours_per_week.varies"] == "(none) → 20"
    # shown again, the saved choices are marked so
    again = c.get(f"/upload/{token}/mapping").text
    assert fields(again)["value" + varies[4:]] == "20"


def test_a_typed_value_of_the_wrong_kind_is_refused_in_plain_words(oakfield):
    app, c, page, token, _ = oakfield
    varies = name_of(page, "‘varies’")
    before = len(app.state.workspace.audit_entries())
    r = post(c, token, {**fields(page), varies: "(typed)", "value" + varies[4:]: "about twenty"})
    assert r.status_code == 422 and "Nothing was saved" in r.text
    assert "&#39;about twenty&#39; is not a number, which hours_per_week takes" in r.text
    assert len(app.state.workspace.audit_entries()) == before


def test_wide_files_several_for_one_table(tmp_path):
    app = make_app(tmp_path)
    c = admin(app)
    page, token = upload(c, WIDE)
    no_setting_keys(page)
    text = html.unescape(page)
    assert "Sheet" not in text and "File ‘TOP forms.csv’ · laid out wide" in text
    assert "File ‘SURE forms.csv’ · laid out wide" in text
    form = fields(page)
    top = next(k for k, v in form.items() if v == "TOP" and k.endswith(".instrument")).split(".")[1]
    assert form[name_of(page, '<span class="dash-map-local">Psych Health')] == "item:psychological_health"
    assert form[name_of(page, '<span class="dash-map-local">TOP Date')] == "assessment_date"
    blanks = {k: v for k, v in form.items() if k.startswith(f"wide.{top}.blank.")}
    assert list(blanks.values()) == ["yes", "yes"] and '‘NR’ <span class="dash-map-seen">2 cells' in text
    # saved unchanged: what map writes
    r = post(c, token, form)
    assert "Saved in the dashboard's settings" in html.unescape(r.text), r.text[:2000]
    assert as_read(app.state.workspace.settings) == as_read(map_writes(tmp_path, WIDE))
    # an edit: 'NR' is a problem, not a blank; Phys Health not read
    nr = list(blanks)[1]
    phys = name_of(page, '<span class="dash-map-local">Phys Health')
    r = post(c, token, {**fields(r.text), nr: "no", phys: ""})
    assert "Saved in the dashboard's settings" in html.unescape(r.text), r.text[:2000]
    (entry,) = [
        w for w in app.state.workspace.settings.mapping.wide["wellbeing"] if w.file == "TOP forms.csv"
    ]
    assert entry.blanks == ["-"] and "Phys Health" not in entry.items
    assert app.state.workspace.audit_entries()[0]["corrected"] == {
        "'TOP forms.csv' › 'NR' read as not recorded": "yes → no",
        "'TOP forms.csv' › 'Phys Health'": "item:physical_health → none",
    }


def test_a_tab_separated_text_file_in_the_zip_is_read_as_the_command_line_reads_it(tmp_path):
    app = make_app(tmp_path)
    files = dict(OAKFIELD)
    files["Placements.txt"] = files.pop("Placements.csv").replace(",", "\t")
    page, _ = upload(admin(app), files)
    assert "File ‘Placements.txt’ · 4 rows" in html.unescape(page)
