"""The report renderers: self-contained HTML, hidden cells as '*', banner, JSON, CSV, PDF."""

from __future__ import annotations

import csv
import itertools
import json
import re
import shutil
import subprocess
import warnings
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from ipseval import labels
from ipseval.evaluation import Evaluation, PublishedEvaluation, compute
from ipseval.report import SECTIONS, charts, render_html, write_report
from ipseval.report import format as fmt
from ipseval.report.outputs import FORMAT, results_json, write_tables_csv
from ipseval.report.sections import not_run
from ipseval.results import ProtectedTable, ResultTable
from ipseval.settings import Disclosure, Settings
from ipseval.store import Store, import_dataset

SERVICE = "Tiny IPS <Test> & Co"
DATA_CUT = date(2024, 6, 30)

# ----------------------------------------------------------------------------- a tiny data set
# 60 clients in three areas. Known small cells (ndtms hides counts 1..4):
#   ethnicity 'asian' = 3 clients          -> hidden in Table 1 and in the ethnicity chart
#   Southmere: 6 in the denominator, 1 job -> its job entry rate is hidden (table and chart)
AREAS = ["Northbrook"] * 30 + ["Eastvale"] * 24 + ["Southmere"] * 6
ETHNICITY = ["white"] * 40 + ["black"] * 9 + ["asian"] * 3 + ["mixed"] * 5 + [None] * 3
SEX = ["male", "female"] * 29 + ["other", None]
SUBSTANCE = ["alcohol", "opiates", "crack", "cocaine", "cannabis"] * 12
LAST_JOB = ["never_worked", "under_1y", "1_to_2y", "2_to_5y", "5_to_10y", "over_10y"] * 10
BENEFITS = ["out_of_work"] * 45 + ["in_work"] * 6 + ["none"] * 6 + [None] * 3
HOUSING = ["social_rent", "private_rent", "supported_temporary", "homeless", "owner"] * 12


def tiny_tables(with_jobs: bool = True) -> dict[str, pl.DataFrame]:
    clients, jobs, meetings = [], [], []
    for i in range(60):
        cid = f"C{i:03d}"
        referred = date(2022, 1, 10) + timedelta(days=12 * i)
        engaged = i % 12 != 5
        engagement = referred + timedelta(days=10 + i % 7) if engaged else None
        clients.append(
            {
                "client_id": cid,
                "local_authority": AREAS[i],
                "referral_date": referred,
                "referral_source": ["drug_alcohol_service", "self", "gp_health"][i % 3],
                "engagement_date": engagement,
                "discharge_date": None,
                "employed_at_referral": i in (7, 31, 44),
                "age": 22 + (i * 7) % 40,
                "sex": SEX[i],
                "ethnicity": ETHNICITY[i],
                "main_substance": SUBSTANCE[i],
                "treatment_status": ["in_treatment", "completed_treatment"][i % 2],
                "time_since_last_job": LAST_JOB[i],
                "benefits": BENEFITS[i],
                "gp_visit_recent": i % 2 == 0,
                "ae_visit_recent": i % 5 == 0,
                "housing_tenure": HOUSING[i],
                "criminal_conviction": i % 3 == 0,
                "work_confidence": (i * 3) % 11,
                "highest_qualification": ["none", "level_1_2", "level_3"][i % 3],
            }
        )
        if engagement is None:
            continue
        for k in range(i % 23):
            meetings.append({"client_id": cid, "meeting_date": engagement + timedelta(days=7 * k)})
        if (i % 3 == 0 and AREAS[i] != "Southmere") or i == 55:
            start = engagement + timedelta(days=20 + (i * 11) % 300)
            end = start + timedelta(days=40 + (i * 37) % 250) if i % 4 == 0 else None
            jobs.append(
                {
                    "client_id": cid,
                    "start_date": start,
                    "end_date": end,
                    "hours_per_week": [10, 16, 20, 30, 37.5][i % 5],
                }
            )
    tables = {"clients": pl.DataFrame(clients), "meetings": pl.DataFrame(meetings)}
    if with_jobs:
        tables["jobs"] = pl.DataFrame(jobs)
    return tables


def evaluate(tmp: Path, tables: dict[str, pl.DataFrame]) -> Evaluation:
    settings = Settings(service_name=SERVICE)
    counts = pl.DataFrame(
        {
            "table": list(tables),
            "file": [f"{k}.csv" for k in tables],
            "rows_read": [f.height for f in tables.values()],
            "rows_used": [f.height for f in tables.values()],
            "rows_rejected": [0] * len(tables),
        }
    )
    import_dataset(tmp / "store.duckdb", tables, settings, DATA_CUT, row_counts=counts)
    with Store(tmp / "store.duckdb") as store:
        return compute(store, settings, source="tiny")


def publish(ev: Evaluation, policy: str) -> PublishedEvaluation:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # secondary suppression notes on tiny tables
        return ev.publish(Disclosure(policy=policy))


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory: pytest.TempPathFactory) -> Evaluation:
    return evaluate(tmp_path_factory.mktemp("tiny"), tiny_tables())


@pytest.fixture(scope="module")
def pub(evaluation: Evaluation) -> PublishedEvaluation:
    return publish(evaluation, "ndtms")


@pytest.fixture(scope="module")
def pub_none(evaluation: Evaluation) -> PublishedEvaluation:
    return publish(evaluation, "none")


@pytest.fixture(scope="module")
def written(pub: PublishedEvaluation, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_report(pub, tmp_path_factory.mktemp("out"), pdf=True)


@pytest.fixture(scope="module")
def html(written: dict[str, Path]) -> str:
    return written["report.html"].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def html_none(pub_none: PublishedEvaluation) -> str:
    return render_html(pub_none)


def svg_of(html: str, chart_id: str) -> str:
    m = re.search(rf'<svg[^>]*aria-labelledby="{chart_id}-title".*?</svg>', html, re.DOTALL)
    assert m, f"chart {chart_id} not found"
    return m.group(0)


def svg_texts(svg: str) -> list[str]:
    return [t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def stub_cell(html: str, table_id: str, label: str) -> str:
    """The first value cell of the row labelled ``label`` in the table with id ``table_id``."""
    table = re.search(rf'<div id="tbl-{table_id}".*?</table>', html, re.DOTALL)
    assert table, table_id
    m = re.search(rf">{re.escape(label)}</th>\s*<td[^>]*>([^<]*)</td>", table.group(0))
    assert m, f"row {label!r} not in {table_id}"
    return m.group(1)


def row_index(table: ProtectedTable, **match: object) -> int:
    for i, r in enumerate(table.data.to_dicts()):
        if all(r[k] == v for k, v in match.items()):
            return i
    raise AssertionError(match)


# ----------------------------------------------------------------------------- self-containment
# How the test treats namespace declarations: charts.py strips them (inline SVG in HTML needs no
# xmlns), so *no* "http://" or "https://" may appear anywhere in the file, not even in xmlns.

NETWORK_PATTERNS = {
    "absolute URL": re.compile(r"https?://", re.IGNORECASE),
    "protocol-relative URL": re.compile(r"""["'(=\s]//[a-z0-9-]+(\.[a-z0-9-]+)+""", re.IGNORECASE),
    "@import": re.compile(r"@import", re.IGNORECASE),
    "url() outside data:/#": re.compile(r"url\(\s*(?!['\"]?(?:data:|#))", re.IGNORECASE),
    "script": re.compile(r"<script", re.IGNORECASE),
    "link element": re.compile(r"<link\b", re.IGNORECASE),
    "src attribute": re.compile(r"\ssrc\s*=", re.IGNORECASE),
    "href not to an anchor": re.compile(r"""\shref\s*=\s*(?!["']?#)""", re.IGNORECASE),
    "web font": re.compile(r"@font-face|fonts\.googleapis", re.IGNORECASE),
}


def network_references(text: str) -> list[str]:
    return [name for name, rx in NETWORK_PATTERNS.items() if rx.search(text)]


def test_network_check_catches_what_it_should() -> None:
    assert network_references('<link rel="stylesheet" href="x.css">') == [
        "link element",
        "href not to an anchor",
    ]
    assert network_references('<svg xmlns="http://www.w3.org/2000/svg">') == ["absolute URL"]
    assert network_references("a { background: url(//cdn.example.com/x.png) }") == [
        "protocol-relative URL",
        "url() outside data:/#",
    ]
    assert network_references('<path clip-path="url(#p1)"/><a href="#outcomes">') == []


def test_report_html_makes_no_network_reference(html: str, html_none: str) -> None:
    assert network_references(html) == []
    assert network_references(html_none) == []


def test_report_has_a_title_block_and_every_section_heading(html: str, pub: PublishedEvaluation) -> None:
    assert "<h1>Tiny IPS &lt;Test&gt; &amp; Co</h1>" in html
    assert "Evaluation report" in html
    assert "30 June 2024" in html  # data as at
    assert "10 January 2022" in html  # first referral
    optional = {"wellbeing", "fidelity", "scorecard", "qualitative"}  # only with their data (not here)
    for module in SECTIONS:
        built = module.build(pub)
        assert built is not None or module.ID in optional, module.ID
        heading = f'<h2 id="{module.ID}-heading">{module.TITLE}</h2>'
        # a section without its data is kept to say which analyses did not run, and why
        assert (heading in html) == (built is not None or bool(not_run(pub, module.ID))), module.ID


def test_headings_never_skip_a_level(html: str) -> None:
    levels = [int(h) for h in re.findall(r"<h([1-6])[\s>]", html)]
    assert levels[0] == 1 and levels.count(1) == 1
    for a, b in itertools.pairwise(levels):
        assert b <= a + 1, (a, b)


def test_charts_and_tables_are_accessible(html: str) -> None:
    svgs = re.findall(r"<svg[^>]*>", html)
    assert len(svgs) >= 8
    assert all('role="img"' in s and "aria-labelledby=" in s for s in svgs)
    assert html.count("<title id=") == len(svgs)
    assert html.count('<table class="gt_table">') == html.count('<caption class="tbl-caption">')


def test_service_name_is_escaped(html: str) -> None:
    assert "<Test>" not in html


def test_hidden_count_renders_as_star_in_table_and_chart(html: str, pub: PublishedEvaluation) -> None:
    profile = pub.tables["profile"]
    asian = row_index(profile, characteristic="ethnicity", level="asian")
    assert profile.is_hidden(asian, "n") and profile.is_hidden(asian, "percent")
    raw = profile.source.data.row(asian, named=True)
    assert raw["n"] == 3  # the value that must never appear
    shown = f"{raw['n']} ({100 * raw['percent']:.1f}%)"

    assert stub_cell(html, "profile", "Asian") == "*"
    assert shown not in html
    chart = svg_of(html, "profile-ethnicity")
    texts = svg_texts(chart)
    assert "Asian" in texts and "*" in texts
    assert f"{100 * raw['percent']:.1f}%" not in texts
    assert "Asian: *" in chart  # the chart's text description too


def test_age_bands_are_protected_profile_rows_drawn_as_columns(html: str, pub: PublishedEvaluation) -> None:
    profile = pub.tables["profile"]
    bands = [r for r in profile.rows() if r["characteristic"] == "age_band"]
    assert [r["level"] for r in bands] == ["16-24", "25-34", "35-44", "45-54", "55-64", "65+"]
    age = next(r for r in profile.rows() if r["characteristic"] == "age" and r["kind"] == "continuous")
    assert sum(r["n"] for r in bands) == age["n"]  # every known age in one band
    chart = svg_of(html, "profile-age")
    for r in bands:
        assert f"{r['level']}: {fmt.pct(r['percent'])}" in chart
        assert stub_cell(html, "profile", r["level"]) == fmt.n_pct(r["n"], r["percent"])


def test_no_two_chart_labels_overlap(html: str) -> None:
    from svg_boxes import charts_of, overlapping

    found = charts_of(html)
    assert "profile-age" in found and len(found) >= 8
    for chart_id, svg in found.items():
        assert overlapping(svg) == [], chart_id


def test_hidden_rate_renders_as_star_in_area_table_and_chart(html: str, pub: PublishedEvaluation) -> None:
    outcomes = pub.tables["outcomes"]
    south = row_index(outcomes, breakdown="local_authority", group="Southmere")
    assert outcomes.is_hidden(south, "job_entry_rate")
    table = re.search(r'<div id="tbl-by-local_authority".*?</table>', html, re.DOTALL).group(0)
    row = re.search(r">Southmere</th>(.*?)</tr>", table, re.DOTALL).group(1)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)
    assert cells[0] == "6"  # referrals, shown
    assert cells[3] == "*" and cells[4] == "*"  # job entries and rate (95% CI)
    chart = svg_of(html, "area-job-entry")
    assert "Southmere: *" in chart
    raw = outcomes.source.data.row(south, named=True)
    assert f"{100 * raw['job_entry_rate']:.1f}%" not in svg_texts(chart)


def test_disclosure_none_shows_exact_values_and_the_banner(html_none: str, html: str) -> None:
    assert stub_cell(html_none, "profile", "Asian") == "3 (5.0%)"
    assert 'class="banner"' in html_none and "Not for publication" in html_none
    # on every printed page: a page margin box (WeasyPrint and Chromium print it on each page)
    assert re.search(r"@page\s*\{\s*@top-center\s*\{\s*content:", html_none)
    assert 'class="banner"' not in html and "@top-center { content" not in html


def test_hidden_number_at_risk_is_a_star_under_the_curve() -> None:
    svg = charts.time_to_job("km", "t", [(30.0, 0.1, 0.05, 0.2), (90.0, 0.2, 0.1, 0.3)], [(0, 40), (3, "*")])
    texts = svg_texts(svg)
    assert "40" in texts and "*" in texts
    assert "3 months *" in svg


def test_missing_and_hidden_are_told_apart() -> None:
    assert fmt.pct(0.30215) == "30.2%"
    assert fmt.pct("*") == "*"
    assert fmt.pct(None) == "–"
    assert fmt.count(1234) == "1,234"
    assert fmt.ci(0.2693, 0.3368) == "26.9% to 33.7%"
    assert fmt.pct_ci(0.302, 0.269, 0.337) == "30.2% (26.9% to 33.7%)"
    assert fmt.pct_ci("*", "*", "*") == "*"
    assert fmt.pct_ci(0.302, None, None) == "30.2%"
    assert fmt.n_pct(12, 0.302) == "12 (30.2%)"
    assert fmt.n_pct("*", "*") == "*"
    assert fmt.median_iqr(34.0, 28.0, 41.5) == "34 (28, 41.5)"
    assert fmt.days_months(124) == "124 days (4.1 months)"
    assert fmt.long_date("2021-03-04") == "4 March 2021"


def test_labels_read_as_plain_english() -> None:
    assert labels.code_label("referral_source", "drug_alcohol_service") == "Drug and alcohol service"
    assert labels.characteristic_label("time_since_last_job") == "Time since last job"
    assert labels.code_label("time_since_last_job", "1_to_2y") == "1 to 2 years"
    assert labels.code_label("benefits", "none") == "No benefits"
    assert labels.code_label("highest_qualification", "none") == "No qualifications"
    assert labels.code_label("local_authority", "Hammersmith & Fulham") == "Hammersmith & Fulham"
    assert labels.code_label("sex", "some_new_code") == "Some new code"


def test_report_is_deterministic(pub: PublishedEvaluation, html: str) -> None:
    assert render_html(pub) == html  # same evaluation, same bytes (chart ids are salted, not random)


def test_section_contract() -> None:
    from importlib import resources

    templates = resources.files("ipseval.report") / "templates" / "sections"
    for module in SECTIONS:
        assert isinstance(module.ID, str) and isinstance(module.TITLE, str) and callable(module.build)
        assert (templates / f"{module.ID}.html.j2").is_file()


def test_without_jobs_the_outcomes_section_says_what_could_not_be_measured(tmp_path: Path) -> None:
    pub = publish(evaluate(tmp_path, tiny_tables(with_jobs=False)), "ndtms")
    html = render_html(pub)
    assert "No jobs table was supplied" in html
    outcomes = html[html.index('id="outcomes"') : html.index('id="impact"')]
    assert "Jobs sustained</strong>: It needs the jobs table" in outcomes
    assert network_references(html) == []


def test_impact_analyses_that_did_not_run_are_named_where_their_chart_would_be(
    html: str, pub: PublishedEvaluation
) -> None:
    # the tiny data set has too few job starts for any dose-response model
    assert pub.table("impact_hazard") is None and pub.table("impact_published_adjusted") is None
    impact = html[html.index('id="impact"') : html.index('id="wellbeing"')]
    pair = impact[impact.index('class="impact-pair"') : impact.index('class="not-run"')]
    assert "forest-" not in pair  # no chart without its analysis
    for title in ("Primary analysis", "Landmark analysis", "Published-style model"):
        assert re.search(rf"{title}[^<]*: not run on these data, so it is not drawn here", pair), title


# ----------------------------------------------------------------------------- JSON, CSV, PDF


def test_write_report_returns_every_file(written: dict[str, Path], pub: PublishedEvaluation) -> None:
    assert {"report.html", "report.pdf", "results.json"} <= set(written)
    assert {f"tables/{k}.csv" for k in pub.tables} <= set(written)
    assert all(p.is_file() for p in written.values())


def test_results_json_round_trips_with_hidden_cells(
    written: dict[str, Path], pub: PublishedEvaluation
) -> None:
    data = json.loads(written["results.json"].read_text(encoding="utf-8"))
    assert data == json.loads(json.dumps(results_json(pub)))
    assert data["format"] == FORMAT
    assert set(data) == {"format", "meta", "disclosure", "settings", "tables"}
    assert set(data["tables"]) == set(pub.tables)
    assert data["meta"]["data_cut"] == "2024-06-30"
    assert data["settings"]["service_name"] == SERVICE
    profile = data["tables"]["profile"]
    assert set(profile) == {"title", "notes", "dims", "columns", "rows"}
    asian = next(r for r in profile["rows"] if r["characteristic"] == "ethnicity" and r["level"] == "asian")
    assert asian["n"] == "*" and asian["percent"] == "*"
    # unrounded: the overall job entry rate is exactly job_entries / denominator
    overall = next(r for r in data["tables"]["outcomes"]["rows"] if r["breakdown"] == "overall")
    assert overall["job_entry_rate"] == overall["job_entries"] / overall["denominator"]
    for t in data["tables"].values():
        assert list(t["columns"]) == list(t["rows"][0]) if t["rows"] else True


def test_csv_hides_cells_and_neutralises_formulas(tmp_path: Path, pub: PublishedEvaluation) -> None:
    data = pl.DataFrame(
        {
            "group": ['=HYPERLINK("x")', "+44", "-1", "@SUM(A1)", "plain"],
            "n": [10, 20, 3, 40, 50],
            "delta": [-5.5, 1.0, None, 2.0, 3.0],
        }
    )
    source = ResultTable(key="t", title="T", data=data, dims=["group"], counts=["n"])
    hidden = pl.DataFrame({"n": [False, False, True, False, False]})
    table = ProtectedTable(
        "t",
        "T",
        data.with_columns(pl.when(hidden["n"]).then(None).otherwise(pl.col("n")).alias("n")),
        hidden,
        ["group"],
        {},
        [],
        source,
    )
    fake = PublishedEvaluation(meta=pub.meta, disclosure=pub.disclosure, tables={"t": table})
    [path] = write_tables_csv(fake, tmp_path)
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["group", "n", "delta"]
    assert [r[0] for r in rows[1:]] == ['\'=HYPERLINK("x")', "'+44", "'-1", "'@SUM(A1)", "plain"]
    assert [r[1] for r in rows[1:]] == ["10", "20", "*", "40", "50"]
    assert [r[2] for r in rows[1:]] == ["-5.5", "1.0", "", "2.0", "3.0"]  # numbers stay numbers


def test_table_csvs_mark_hidden_cells(written: dict[str, Path]) -> None:
    with written["tables/profile.csv"].open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    asian = next(r for r in rows if r["characteristic"] == "ethnicity" and r["level"] == "asian")
    assert asian["n"] == "*"


def test_pdf_is_written(written: dict[str, Path]) -> None:
    pdf = written["report.pdf"].read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000


# ----------------------------------------------------------------------------- browser

CHROMIUM = "/usr/bin/chromium"


def screenshot(html_path: Path, png: Path, width: int, height: int, profile: Path) -> None:
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            f"--screenshot={png}",
            html_path.resolve().as_uri(),
        ],
        check=True,
        timeout=120,
        capture_output=True,
    )


@pytest.mark.browser
def test_report_renders_in_headless_chromium(written: dict[str, Path], tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed")
    from PIL import Image

    for name, (w, h) in {"desktop": (1280, 2400), "phone": (390, 2400)}.items():
        png = tmp_path / f"report-{name}.png"
        screenshot(written["report.html"], png, w, h, tmp_path / f"profile-{name}")
        assert png.is_file() and png.stat().st_size > 20_000, name
        with Image.open(png) as im:
            assert im.size == (w, h)
            lo, hi = zip(*im.convert("RGB").getextrema(), strict=True)
            assert max(hi) - min(lo) > 100, f"{name} screenshot is a single colour"


def test_helper_process_draws_the_same_report(pub: PublishedEvaluation, monkeypatch) -> None:
    """Sections drawn by the second-core helper (ipseval.workers) are byte for byte the ones
    drawn here; with the helper off, or broken, the report is the same."""
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from ipseval import workers

    if not workers.enabled():
        pytest.skip("one core: no helper process")
    assert workers.second_core() is not None
    both = render_html(pub)
    assert 'id="profile"' in both and not pub.failed
    monkeypatch.setenv("IPSEVAL_WORKERS", "0")
    assert workers.submit(str, 1) is None
    assert render_html(pub) == both
    monkeypatch.delenv("IPSEVAL_WORKERS")
    broken: Future = Future()
    broken.set_exception(BrokenProcessPool("the helper died"))
    monkeypatch.setattr(workers, "submit", lambda *a: broken)
    assert render_html(pub) == both
    monkeypatch.undo()
    workers._forget()  # no helper started (an evaluation without the impact models): none is
    assert workers.submit(str, 1) is None and "pool" not in workers._POOL  # started late
    assert render_html(pub) == both
