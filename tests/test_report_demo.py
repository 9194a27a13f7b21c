"""The demo report (718 clients, seed 2019, as `make demo`) as a reader sees it: the infographic's
pictures withhold hidden values, the COVID-19 period is marked on every chart over calendar time,
no two chart labels overlap, every table keeps every column on the screen and in the PDF, and the
PDF is of reasonable length."""

from __future__ import annotations

import re
import subprocess
from html import unescape
from typing import Any

import pytest

from ipseval import api, demo
from ipseval.report import format as fmt
from svg_boxes import charts_of, overlapping

pytestmark = pytest.mark.slow  # the demo evaluated and printed: a few minutes

MAX_PAGES = 40
TIME_SERIES = ("fidelity-trend", "evidence-caseload", "evidence-contacts")  # charts over calendar time


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("demo")
    demo.write_demo(folder / "data", 718, 2019)
    return api.evaluate(folder / "data", folder / "out", pdf=True)


@pytest.fixture(scope="module")
def html(run: Any) -> str:
    return run.outputs["report.html"].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def pdf_text(run: Any) -> str:
    out = subprocess.run(["pdftotext", str(run.outputs["report.pdf"]), "-"], capture_output=True, text=True)
    return out.stdout


def _texts(svg: str) -> list[str]:
    return [t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def test_age_chart_shows_the_protected_bands_and_withholds_hidden_ones(run: Any, html: str) -> None:
    chart = charts_of(html)["profile-age"]
    profile = run.published.tables["profile"]
    raw = run.evaluation.tables["profile"].data.to_dicts()
    bands = [(i, r) for i, r in enumerate(profile.rows()) if r["characteristic"] == "age_band"]
    hidden = 0
    for j, (i, r) in enumerate(bands):
        label = "Unknown" if r["level"] == "unknown" else r["level"]
        assert f"{label}: {fmt.pct(r['percent'])}" in chart
        if profile.is_hidden(i, "percent"):
            hidden += 1
            assert f'id="profile-age-bar-{j}"' not in chart  # no bar
            assert f"{label}: {fmt.pct(raw[i]['percent'])}" not in chart  # nor its value
        else:
            assert f'id="profile-age-bar-{j}"' in chart
    assert hidden >= 1  # the demo's oldest band and its unknown ages are small: withheld
    assert _texts(chart).count("*") == hidden


def test_integration_picture_has_a_row_per_area(run: Any, html: str) -> None:
    chart = charts_of(html)["scorecard-integration"]
    areas = [r for r in run.published.tables["scorecard_areas"].rows() if r["breakdown"] == "local_authority"]
    words = {"strong": "Strong", "moderate": "Moderate", "weak": "Weak"}
    for r in areas:
        assert f"{r['local_authority']}: {words.get(r['integration_strength'], '*')}" in chart
    assert len(re.findall(r"<use ", chart)) == 3 * len(areas)


def test_covid_period_is_marked_on_every_chart_over_time(html: str) -> None:
    charts = charts_of(html)
    for chart_id in TIME_SERIES:
        assert f'id="{chart_id}-period"' in charts[chart_id], chart_id
        assert "COVID-19" in _texts(charts[chart_id]), chart_id


def test_no_two_labels_overlap_on_any_chart(html: str) -> None:
    charts = charts_of(html)
    assert len(charts) >= 20
    for chart_id, svg in charts.items():
        assert overlapping(svg) == [], chart_id


def _tables(html: str) -> list[tuple[str, list[str], list[int]]]:
    """(caption, column headers, cells per body row) of every table."""
    out = []
    for table in re.findall(r'<table class="gt_table">.*?</table>', html, re.DOTALL):
        caption = unescape(re.search(r'<caption class="tbl-caption">([^<]*)</caption>', table).group(1))
        heads = [
            unescape(re.sub(r"<[^>]+>", "", h)).strip()
            for h in re.findall(r'<th[^>]*scope="col"[^>]*>(.*?)</th>', table, re.DOTALL)
        ]
        body = table.split("<tbody", 1)[1]
        cells = [
            len(re.findall(r"<t[hd][\s>]", row))
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.DOTALL)
        ]
        out.append((caption, heads, cells))
    return out


def test_every_table_keeps_every_column_in_the_html(html: str) -> None:
    tables = _tables(html)
    assert len(tables) >= 30
    for caption, heads, cells in tables:
        assert all(n == len(heads) for n in cells), caption
    coefficients = next(t for t in tables if t[0].startswith("Likelihood of moving into work"))
    assert coefficients[1].count("p-value") == 3 and coefficients[1][-1] == "Marginal effect"


def test_the_pdf_keeps_the_last_column_of_every_wide_table(html: str, pdf_text: str) -> None:
    text = " ".join(pdf_text.split())
    for caption, heads, _cells in _tables(html):
        if len(heads) < 8:
            continue
        start = text.find(" ".join(caption.split())[:60])
        assert start >= 0, caption
        last = heads[-1].split()[0]
        assert last in text[start : start + 4000], (caption, heads[-1])
    assert "Complete cases: OR" in text or "Complete cases:" in text


def test_the_pdf_is_of_reasonable_length(run: Any) -> None:
    info = subprocess.run(["pdfinfo", str(run.outputs["report.pdf"])], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages <= MAX_PAGES, pages
