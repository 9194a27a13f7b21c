"""The dashboard in a real browser (Debian's Chromium driven by Playwright): logging in, filters
through htmx with the view's address in the URL, CSV downloads, uploads with problems, fidelity
reviews and what a viewer may not reach.

One server (uvicorn in a thread, on a free loopback port) over one home folder holding the
718-client demo is shared by the whole module; each test uses its own browser context (cookies).
The upload and review tests each make a new data version, so they run last.

Under the dashboard's ``Referrer-Policy: same-origin`` Chromium posts its own forms with their
``Origin``, which the app checks against the host names it answers to;
test_own_login_form_is_accepted checks the app accepts them.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import socket
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORDS = {"admin": "admin-password-1", "analyst": "analyst-password-1", "viewer": "viewer-password-1"}
AREA = "Ealing"
FORMULA_AREA = "=cmd|' /C calc'!A0"  # a spreadsheet formula (DDE) as an area name

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
# a page over a new data version or new filters is worked out on first request: seconds, more on a
# busy machine
expect.set_options(timeout=20_000)


# ----------------------------------------------------------------------------- server and browser


@dataclass
class Server:
    url: str
    app: object
    data: Path  # the demo CSV folder that was imported

    def version(self) -> str:
        return self.app.state.workspace.current().id


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _one_blas_thread() -> Iterator[None]:
    """OpenBLAS (numpy's and scipy's) on one thread while the server runs.

    The impact models run in a thread beside the other analyses; with OpenBLAS's own threads on
    top, a busy 2-core machine took 10-60 s instead of 3-5 s for the first evaluation.
    """
    import ctypes

    import numpy  # noqa: F401  (load the libraries)
    import scipy.linalg  # noqa: F401

    with open("/proc/self/maps", encoding="utf-8") as f:
        libs = sorted({line.split()[-1] for line in f if "openblas" in line.lower() and ".so" in line})
    restore = []
    for path in libs:
        lib = ctypes.CDLL(path)
        for suffix in ("64_", ""):
            get = getattr(lib, f"scipy_openblas_get_num_threads{suffix}", None)
            put = getattr(lib, f"scipy_openblas_set_num_threads{suffix}", None)
            if get is not None and put is not None:
                restore.append((put, get()))
                put(1)
                break
    try:
        yield
    finally:
        for put, n in restore:
            put(n)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    import uvicorn

    from ipseval.demo import write_demo
    from ipseval.settings import load_settings
    from ipseval.subset import Filters
    from ipseval.web import create_app

    with _one_blas_thread():
        root = tmp_path_factory.mktemp("web")
        data = root / "data"
        write_demo(data, n_clients=718, seed=2019)  # as `ipseval demo DIR --clients 718 --seed 2019`
        app = create_app(root / "home", load_settings(search_dir=data))
        app.state.workspace.import_folder(data, "tests")
        for role, password in PASSWORDS.items():
            app.state.accounts.add(role, role, password)
        # the unfiltered view, worked out before the browser asks for it (the first takes seconds)
        app.state.views.view(app.state.workspace.current(), Filters())
        port = _free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        uvi = uvicorn.Server(config)
        thread = threading.Thread(target=uvi.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not uvi.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                pytest.fail("uvicorn did not start")
            time.sleep(0.02)
        yield Server(f"http://127.0.0.1:{port}", app, data)
        uvi.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def playwright() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright) -> Iterator[object]:
    b = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield b
    b.close()


@pytest.fixture
def open_as(server: Server, browser) -> Iterator[Callable[..., object]]:
    """open_as(role) -> a page in a fresh browser context, logged in as that role (None: not);
    ``then`` is where the login leads."""
    contexts = []

    def _open(role: str | None, then: str = "/"):
        context = browser.new_context(
            base_url=server.url,
            viewport={"width": 1280, "height": 900},
            accept_downloads=True,
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        if role is not None:
            login(page, role, then=then)
        return page

    yield _open
    for c in contexts:
        c.close()


def login(page, role: str, password: str | None = None, then: str = "/") -> None:
    page.goto("/login" + (f"?next={then}" if then != "/" else ""))
    page.get_by_label("User name").fill(role)
    page.get_by_label("Password").fill(password or PASSWORDS[role])
    page.get_by_role("button", name="Log in").click()
    if password is None:
        page.wait_for_url("**/page/headline" if then == "/" else f"**{then}")


def card_value(page, label: str) -> str:
    card = page.locator("#view article.card").filter(has=page.locator(".card-label", has_text=label))
    return card.locator(".card-value").inner_text().strip()


def shown_version(page) -> str:
    """The data version the page was drawn from (the header's tooltip)."""
    title = page.locator(".dash-version").get_attribute("title") or ""
    return title.removeprefix("data version ").strip()


def read_csv_download(download) -> list[list[str]]:
    raw = Path(download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV should start with a UTF-8 BOM (for Excel)"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def assert_no_live_formulas(rows: list[list[str]]) -> None:
    """No cell a spreadsheet would run: text starting = + - @ (or tab/CR) must be prefixed '."""
    for i, row in enumerate(rows, start=1):
        for cell in row:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                try:
                    float(cell)  # a negative number is a number, not a formula
                except ValueError:
                    pytest.fail(f"row {i}: cell {cell!r} would run as a formula in a spreadsheet")


# ----------------------------------------------------------------------------- logging in


def test_own_login_form_is_accepted(open_as, server: Server) -> None:
    """Chromium's own form POST, untouched: the app must not refuse its own forms."""
    page = open_as(None)
    origins = []
    page.on("request", lambda r: origins.append(r.header_value("origin")) if r.method == "POST" else None)
    login(page, "analyst", PASSWORDS["analyst"])
    page.wait_for_load_state()
    assert "came from another site" not in page.content()
    assert origins and all(o == server.url for o in origins), origins
    page.wait_for_url("**/page/headline")
    expect(page.locator(".dash-user")).to_have_text(re.compile(r"analyst · analyst"))


def test_login_as_analyst(open_as) -> None:
    page = open_as(None)
    response = page.goto("/page/outcomes")
    assert response.status == 401
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()

    page.get_by_label("User name").fill("analyst")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong user name or password.")

    page.get_by_label("User name").fill("analyst")
    page.get_by_label("Password").fill(PASSWORDS["analyst"])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/page/headline")
    expect(page.locator(".dash-user")).to_have_text(re.compile(r"analyst · analyst"))
    tools = page.get_by_role("navigation", name="Tools")
    expect(tools.get_by_role("link", name="Problems list")).to_be_visible()
    expect(tools.get_by_role("link", name="Fidelity review")).to_be_visible()
    expect(tools.get_by_role("link", name="Upload data")).to_have_count(0)
    expect(page.locator("#view article.card").first).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")
    assert page.goto("/page/headline").status == 401


def test_login_does_not_lead_off_the_site(open_as, server: Server) -> None:
    """?next= only leads to this dashboard's own pages (no open redirect)."""
    page = open_as(None)
    page.route("http://example.invalid/**", lambda route: route.fulfill(body="elsewhere"))
    page.goto("/login?next=/%5Cexample.invalid/")
    page.get_by_label("User name").fill("viewer")
    page.get_by_label("Password").fill(PASSWORDS["viewer"])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert page.url.startswith(server.url + "/"), page.url


# ----------------------------------------------------------------------------- filters


def test_area_filter_updates_the_view_through_htmx_and_the_url(open_as) -> None:
    page = open_as("analyst")
    everyone = int(card_value(page, "Clients referred").replace(",", ""))
    assert everyone > 700
    page.evaluate("window.__same_document = true")  # gone if the page is loaded again

    with page.expect_response(lambda r: "area=" + AREA in r.url) as r:
        page.locator("#filters select[name=area]").select_option(AREA)
    assert r.value.request.headers.get("hx-request") == "true", "the filter should be applied by htmx"
    page.wait_for_url(f"**/page/headline?area={AREA}")
    expect(page.locator("#stamp")).to_contain_text(f"area {AREA}")
    assert page.evaluate("window.__same_document === true"), "the page was reloaded, not swapped"

    in_area = int(card_value(page, "Clients referred").replace(",", ""))
    assert 20 <= in_area < everyone
    job_entry = card_value(page, "Job entry")
    # the page links keep the view
    expect(page.locator("nav.dash-pages a", has_text="Outcomes")).to_have_attribute(
        "href", f"/page/outcomes?area={AREA}"
    )

    # the address is the view: loading it again shows the same figures
    response = page.reload()
    assert response.status == 200
    assert page.evaluate("window.__same_document === undefined")
    expect(page.locator("#filters select[name=area]")).to_have_value(AREA)
    expect(page.locator("#stamp")).to_contain_text(f"area {AREA}")
    assert int(card_value(page, "Clients referred").replace(",", "")) == in_area
    assert card_value(page, "Job entry") == job_entry

    # and following a page link keeps the filter
    page.locator("nav.dash-pages a", has_text="Outcomes").click()
    page.wait_for_url(f"**/page/outcomes?area={AREA}")
    expect(page.locator("#stamp")).to_contain_text(f"area {AREA}")


def test_back_button_after_a_filter_restores_the_whole_page(open_as) -> None:
    page = open_as("analyst")
    with page.expect_response(lambda r: "area=" + AREA in r.url):
        page.locator("#filters select[name=area]").select_option(AREA)
    page.wait_for_url(f"**/page/headline?area={AREA}")
    expect(page.locator("#stamp")).to_contain_text(f"area {AREA}")
    page.go_back()
    page.wait_for_url(re.compile(r"/page/headline$"))
    expect(page.locator("#stamp")).to_contain_text("all clients")
    assert page.locator("header.dash-header").count() == 1 and page.locator("#filters").count() == 1
    expect(page.locator("#filters select[name=area]")).to_have_value("")


def test_a_filter_that_cannot_be_used_says_why(open_as) -> None:
    page = open_as("analyst")
    stamp = page.locator("#stamp").inner_text()
    # the end of the period first, without an event, then a start after it: one request
    page.locator("#filters input[name=to]").evaluate("(e) => { e.value = '2020-01-31'; }")
    with page.expect_response(lambda r: "from=2021-06-01" in r.url) as r:
        page.locator("#filters input[name=from]").fill("2021-06-01")
    assert r.value.status == 400
    assert "the period starts after it ends" in r.value.text()
    page.wait_for_timeout(300)  # let htmx do whatever it does with the answer
    shown = page.get_by_text("the period starts after it ends")
    assert page.locator("#stamp").count() == 0 or page.locator("#stamp").inner_text() != stamp
    expect(shown).to_be_visible()


# ----------------------------------------------------------------------------- CSV downloads


def test_csv_download_of_a_table(open_as) -> None:
    page = open_as("viewer")
    page.goto(f"/page/headline?area={AREA}")
    link = page.locator(".dash-downloads a", has_text="outcomes.csv")
    expect(link).to_have_attribute("href", f"/table/outcomes.csv?area={AREA}")
    with page.expect_download() as d:
        link.click()
    download = d.value
    assert download.suggested_filename == "outcomes.csv"
    rows = read_csv_download(download)
    assert rows[0][:3] == ["breakdown", "group", "referrals"], rows[0]
    assert len(rows) > 2 and all(len(r) == len(rows[0]) for r in rows)
    assert_no_live_formulas(rows)

    # a table with negative numbers (model estimates) and text (model formulas)
    page.goto("/page/impact")
    with page.expect_download() as d:
        page.locator(".dash-downloads a", has_text="impact_cox.csv").click()
    rows = read_csv_download(d.value)
    assert rows[0][:4] == ["term", "level", "reference", "estimate"], rows[0]
    assert len(rows) > 2
    assert_no_live_formulas(rows)


def test_pdf_download_says_it_is_being_made(open_as, monkeypatch) -> None:
    import ipseval.report as report

    def slow_pdf(html: str, path: Path, files=None) -> Path:  # the demo's takes a minute or more
        time.sleep(2.5)
        path.write_bytes(b"%PDF-1.7 " + str(len(html)).encode())
        return path

    monkeypatch.setattr(report, "write_pdf", slow_pdf)
    page = open_as("viewer")
    page.goto(f"/page/headline?area={AREA}")
    busy = page.locator("#pdf-busy")
    expect(busy).to_be_hidden()
    with page.expect_download(timeout=30_000) as d:  # one click: made, then fetched by itself
        page.locator(".dash-stamp a", has_text="Report (PDF)").click()
        expect(busy).to_be_visible()  # while the PDF is made
        expect(busy).to_have_text(re.compile("Making the PDF"))
    expect(busy).to_be_hidden()
    again = page.locator("#pdf-status a", has_text="download it")
    expect(page.locator("#pdf-status")).to_contain_text("The PDF is ready and downloading")
    assert d.value.suggested_filename == "report.pdf"
    assert Path(d.value.path()).read_bytes().startswith(b"%PDF")
    with page.expect_download() as d:  # the link fetches it again if the browser dropped it
        again.click()
    assert Path(d.value.path()).read_bytes().startswith(b"%PDF")


# ----------------------------------------------------------------------------- roles


def test_viewer_cannot_reach_analyst_or_admin_pages(open_as) -> None:
    page = open_as("viewer")
    tools = page.get_by_role("navigation", name="Tools")
    expect(page.locator(".dash-user")).to_have_text(re.compile(r"viewer · viewer"))
    for name in ("Upload data", "Admin", "Areas", "Problems list", "Fidelity review"):
        expect(tools.get_by_role("link", name=name)).to_have_count(0)
    expect(page.locator("#filters input[name=figures]")).to_have_count(0)

    for path in ("/problems", "/fidelity/review", "/page/headline?figures=internal", "/upload", "/admin"):
        response = page.goto(path)
        assert response.status == 403, path
        expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
        expect(page.get_by_role("alert")).to_contain_text(re.compile(r"analyst|admin"))
    expect(page.get_by_role("alert")).to_contain_text("you are logged in as a viewer")

    # nor by asking for the file or posting a form directly
    r = page.request.get("/table/outcomes.csv?figures=internal")
    assert r.status == 403
    r = page.request.post("/fidelity/review", form={"team": "x"})
    assert r.status == 403


# ----------------------------------------------------------------------------- upload


def _broken_zip(data: Path, dest: Path) -> Path:
    """The demo CSVs zipped, with an impossible date and a non-number in clients.csv and one
    client's area a spreadsheet formula (valid text, but it must be defused in CSV downloads)."""
    with (data / "clients.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    rows[3][header.index("referral_date")] = "2019-02-30"  # line 4 of the file
    rows[7][header.index("age")] = "forty"  # line 8
    rows[9][header.index("local_authority")] = FORMULA_AREA
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(data.glob("*.csv")):
            if p.name == "clients.csv":
                z.writestr("export/clients.csv", buf.getvalue())
            else:
                z.write(p, f"export/{p.name}")
    return dest


def test_upload_with_errors_waits_for_acceptance(open_as, server: Server, tmp_path: Path) -> None:
    upload = _broken_zip(server.data, tmp_path / "broken-export.zip")
    page = open_as("admin", then="/upload")
    expect(
        page.get_by_role("navigation", name="Tools").get_by_role("link", name="Upload data")
    ).to_be_visible()
    before = server.version()
    assert shown_version(page) == before

    page.get_by_label("File").set_input_files(upload)
    page.get_by_role("button", name="Upload and check").click()
    problems = page.locator("#upload-problems")
    expect(problems).to_be_visible()
    expect(problems.locator("h2")).to_contain_text(re.compile(r"broken-export\.zip: [\d,]+ errors"))
    expect(problems).to_contain_text("The current data have not been replaced")

    table = problems.locator("table.dash-problems")
    expect(table.locator("thead")).to_contain_text("File")
    for line, column, value in (("4", "referral_date", "2019-02-30"), ("8", "age", "forty")):
        row = table.locator("tbody tr").filter(has_text=value)
        expect(row).to_have_count(1)
        cells = [c.strip() for c in row.locator("td").all_inner_texts()]
        assert cells[:5] == ["error", "clients.csv", line, column, value], cells

    # nothing replaced yet: not on disk, not in what the dashboard shows
    assert server.version() == before
    admin = page.context.new_page()
    admin.goto("/admin")
    assert shown_version(admin) == before
    expect(admin.locator("#audit")).not_to_contain_text("broken-export.zip")

    page.get_by_role("button", name="Import the usable rows anyway").click()
    expect(page.locator("#imported")).to_contain_text("broken-export.zip is now the current data")
    expect(page.locator("#imported")).to_contain_text("errors accepted by admin")
    after = server.version()
    assert after != before
    assert shown_version(page) == after

    admin.goto("/admin")
    expect(admin.locator("#audit tbody tr").first).to_contain_text("broken-export.zip")
    expect(admin.locator("#audit tbody tr").first).to_contain_text("accepted_with_errors: True")

    # the formula-like area name reaches a download defused
    other = open_as("viewer", then="/page/impact")
    with other.expect_download() as d:
        other.locator(".dash-downloads a", has_text="area_variation.csv").click()
    rows = read_csv_download(d.value)
    assert rows[0][0] == "local_authority"
    assert "'" + FORMULA_AREA in [r[0] for r in rows]
    assert_no_live_formulas(rows)


# ----------------------------------------------------------------------------- fidelity review


def test_fidelity_review_is_scored_and_saved(open_as, server: Server) -> None:
    page = open_as("analyst", then="/fidelity/review")
    selects = page.locator("form.dash-review select[name^=item_]")
    expect(selects).to_have_count(25)
    before = server.version()

    page.get_by_label("Team or area").fill(AREA)
    page.get_by_label("Review date").fill("2022-03-01")
    page.get_by_label("Reviewer(s)").fill("Browser Test")
    scores = {n: "5" if n <= 10 else "4" if n <= 20 else "3" for n in range(1, 26)}
    for n, score in scores.items():
        page.locator(f"select[name=item_{n}]").select_option(score)
    total = sum(int(s) for s in scores.values())
    assert total == 105
    page.get_by_role("button", name="Score and save the review").click()

    result = page.locator("#review-result")
    expect(result).to_contain_text(f"{AREA}, 1 March 2022: {total} out of 125 (Good fidelity)")
    expect(page.locator("#review-errors")).to_have_count(0)
    assert server.version() != before, "a saved review makes a new data version"

    page.goto(f"/page/fidelity?area={AREA}")
    expect(page.locator("#view #fidelity")).to_contain_text("1 March 2022")


# ----------------------------------------------------------------------------- text in the data


def test_web_address_in_the_data_does_not_break_a_page(open_as, server: Server, tmp_path: Path) -> None:
    """An area named with a web address (free text people type) is shown like any other name."""
    data = tmp_path / "data"
    shutil.copytree(server.data, data)
    odd = "See https://example.invalid/ips"
    for name in ("clients.csv", "areas.csv", "staff.csv"):
        text = (data / name).read_text(encoding="utf-8")
        (data / name).write_text(text.replace("Harrow", odd), encoding="utf-8")
    server.app.state.workspace.import_folder(data, "tests")
    page = open_as("analyst", then="/problems")
    response = page.goto("/page/impact")
    assert response.status == 200
    expect(page.locator("#view #impact")).to_contain_text(odd)


# ----------------------------------------------------------------------------- settings and accounts


def test_settings_change_in_the_browser_changes_the_figures(open_as, server: Server) -> None:
    page = open_as("admin", then="/settings")
    before = server.version()
    page.goto("/page/headline")
    sixteen = card_value(page, "16+ hours a week")
    page.goto("/settings")
    field = page.locator("input[name='definitions.hours_threshold']")
    field.fill("thirty")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".dash-error")).to_contain_text("Weekly hours that count as a longer job")
    assert server.version() == before, "a refused form changes nothing"
    expect(page.locator("input[name='definitions.hours_threshold']")).to_have_value("thirty")  # as typed

    page.locator("input[name='definitions.hours_threshold']").fill("30")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".dash-ok")).to_contain_text("Weekly hours that count as a longer job 16 → 30")
    assert server.version() != before
    page.goto("/page/headline")
    expect(page.locator("#view")).to_contain_text("30+ hours a week")
    assert card_value(page, "30+ hours a week") != sixteen


def test_admin_adds_an_account_that_can_log_in(open_as, browser, server: Server) -> None:
    page = open_as("admin", then="/accounts")
    form = page.locator("form").filter(has=page.get_by_role("button", name="Add account"))
    form.get_by_label("User name").fill("commissioner1")
    form.get_by_label("Role").select_option("viewer")
    form.get_by_label("Password (at least").fill("commissioner-pass-1")
    form.get_by_label("Password again").fill("commissioner-pass-1")
    form.get_by_role("button", name="Add account").click()
    expect(page.locator(".dash-ok")).to_contain_text("Account 'commissioner1' added as viewer")
    expect(page.locator("table.dash-accounts")).to_contain_text("commissioner1")

    other = open_as(None)
    login(other, "commissioner1", password="commissioner-pass-1")
    other.wait_for_url("**/page/headline")
    expect(other.locator(".dash-user")).to_contain_text("commissioner1 · viewer")
    assert other.goto("/upload").status == 403


# ----------------------------------------------------------------------------- access


def test_dns_rebinding_is_refused(playwright, server: Server) -> None:
    """A name re-pointed at 127.0.0.1 (Chromium's resolver told so) reaches the server, which
    refuses it: the page under that name cannot read the dashboard."""
    port = server.url.rsplit(":", 1)[1]
    b = playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP rebind.evil.example 127.0.0.1"],
    )
    try:
        page = b.new_page()
        response = page.goto(f"http://rebind.evil.example:{port}/settings")
        assert response.status == 400
        assert "Unknown host name" in page.content() and "csrf_token" not in page.content()
    finally:
        b.close()


def test_a_form_on_another_site_is_refused(open_as, server: Server) -> None:
    page = open_as("admin", then="/settings")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    evil = (
        f'<form id="f" method="post" action="{server.url}/settings">'
        f'<input name="csrf_token" value="{token}"><input name="dashboard.min_clients_in_view" value="1">'
        "</form><script>document.getElementById('f').submit()</script>"
    )
    page.route("http://evil.example/**", lambda route: route.fulfill(body=evil, content_type="text/html"))
    with page.expect_response(
        lambda r: r.url == f"{server.url}/settings" and r.request.method == "POST"
    ) as r:
        page.goto("http://evil.example/")
    assert r.value.status in (401, 403)
    assert server.app.state.workspace.settings.dashboard.min_clients_in_view != 1


def test_logging_out_ends_the_session_on_the_server(open_as, server: Server) -> None:
    page = open_as("viewer")
    saved = page.context.cookies()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")
    page.context.add_cookies(saved)  # the cookie as it was before logging out
    assert page.goto("/page/headline").status == 401
