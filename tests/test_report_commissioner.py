"""The report as a commissioner reads it, on the demo (718 clients, seed 2019, its faulty rows kept):
the opening summary and 'where to look next', benchmarks beside the figures and with their sources
in the methods appendix, no raw code or setting key in the body, notes shared by tables printed
once, and the data quality section saying how many client rows were read, used and rejected."""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ipseval.cli import app
from ipseval.schema import TABLES
from ipseval.settings import Settings, settings_rows

runner = CliRunner()
FAST = "\n[impact]\nimputations = 2\nbootstrap_reps = 99\n"  # the models' full settings are tested elsewhere


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> str:
    tmp = tmp_path_factory.mktemp("commissioner")
    data, out = tmp / "data", tmp / "out"
    r = runner.invoke(app, ["demo", str(data), "--clients", "718", "--seed", "2019"])
    assert r.exit_code == 0, r.output
    with (data / "ipseval.toml").open("a", encoding="utf-8") as f:
        f.write(FAST)
    r = runner.invoke(app, ["evaluate", str(data), "-o", str(out)])
    assert r.exit_code == 1, r.output  # the demo's faulty rows
    return (out / "report.html").read_text(encoding="utf-8")


def section(html: str, section_id: str) -> str:
    start = html.index(f'<section id="{section_id}"')
    end = html.find("<section id=", start + 1)
    return html[start : end if end > 0 else len(html)]


def visible_text(fragment: str) -> str:
    """The words a reader sees: no styles, no tags, entities decoded, spaces collapsed."""
    fragment = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", fragment, flags=re.S)
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment)))


def body_before_methods(html: str) -> str:
    return visible_text(html[: html.index('<section id="methods"')])


def test_the_summary_says_what_the_demo_results_mean(report: str):
    text = visible_text(re.search(r'<p class="summary" id="summary">.*?</p>', report, re.S).group(0))
    assert text.strip().startswith(
        "714 people were referred to the service between January 2019 and March 2022."
    )
    assert "Of the 581 engaged clients who were out of work when referred, 183 (31.5%) started a job" in text
    assert "(95% confidence interval 27.9% to 35.4%)" in text
    assert "below the national benchmark of 40% (IPS Grow Quality Mark, since April 2024)" in text
    assert "lasted at least 13 weeks" in text and "benchmark of at least 65%" in text
    assert (
        "There is no clear sign that more meetings led to more jobs (each extra recent meeting went with 1.00 times the odds of starting a job"
        in text
    )
    assert "Wellbeing clearly improved" in text
    where = visible_text(re.search(r'<p class="where-next">.*?</p>', report, re.S).group(0))
    assert (
        "Integration with drug and alcohol treatment was weakest in Hillingdon and Kensington and Chelsea "
        "(recorded as weak), where job entry was 19.6% and 25.0% (all areas: 31.5%)."
    ) in where
    assert "do not show that one caused the other" in where
    # the summary comes first, before the cards
    assert report.index('id="summary"') < report.index('id="where-next"') < report.index('class="cards"')


def test_benchmarks_beside_the_cards_and_with_their_sources_in_the_appendix(report: str):
    headline = visible_text(section(report, "headline"))
    assert "National benchmark: 40% (IPS Grow Quality Mark, since April 2024)." in headline
    assert "Benchmark: at least 65% (IPS Grow key performance indicator)." in headline
    methods = visible_text(section(report, "methods"))
    assert "National benchmarks and their sources" in methods
    for source in (
        "ipsgrow.org.uk/resource/policy-note-calculating-employment-rates",
        "ipsgrow.org.uk/ips-grow-key-performance-and-outcome-framework",
        "IPS Supported Employment Fidelity Scale",
    ):
        assert source in methods
    assert "115 to 125 exemplary fidelity, 100 to 114 good, 74 to 99 fair, 73 or less not IPS" in methods
    # wherever the fidelity band is described
    assert "IPS-25 fidelity scale, UK version used in IPS Grow fidelity reviews" in visible_text(
        section(report, "fidelity")
    )
    assert "Benchmarks: the fidelity band is the IPS-25 band" in visible_text(section(report, "scorecard"))


def _codes_and_keys() -> set[str]:
    codes = {code for t in TABLES.values() for c in t.columns for code in (c.codes or ()) if "_" in code}
    keys = {name for name, _v, _d in settings_rows(Settings())}
    return codes | keys | {k.rsplit(".", 1)[-1] for k in keys if "_" in k.rsplit(".", 1)[-1]}


def test_no_raw_code_or_setting_key_in_the_report_body(report: str):
    body = body_before_methods(report)
    body = re.sub(r"\S+\.(csv|html|json|xlsx|toml|pdf)\b", " ", body)  # file names are names
    named = sorted(w for w in _codes_and_keys() if re.search(rf"(?<![\w.]){re.escape(w)}(?!\w)", body))
    assert named == []
    # nor any other snake_case word (a column or table name)
    assert sorted(set(re.findall(r"(?<![\w./-])[a-z0-9]+(?:_[a-z0-9]+)+", body))) == []
    # the appendix names each setting beside its plain description
    methods = visible_text(section(report, "methods"))
    assert (
        "Fewest weekly hours for a job to count" in methods and "definitions.job_start_min_hours" in methods
    )


def test_notes_shared_by_tables_are_printed_once_in_the_appendix(report: str):
    methods = section(report, "methods")
    shared = re.findall(r'<li id="shared-note-\d+">(.*?)</li>', methods, re.S)
    assert len(shared) >= 5
    printed = [*shared, *re.findall(r"<p>(.*?)</p>", methods[methods.index('class="table-notes"') :], re.S)]
    assert len(printed) == len(set(printed))  # each note once, whole
    for note in shared:
        assert methods.count(f">{note}<") == 1, note
    assert "See shared notes" in visible_text(methods)
    # the list comes at the start of the appendix
    assert methods.index('id="shared-notes"') < methods.index("Definitions and settings")
    # how the models were fitted is for the appendix, not the body
    body = body_before_methods(report)
    for phrase in ("merged into the largest level", "combined into the reference level", "Main estimate:"):
        assert phrase not in body, phrase
        assert phrase in visible_text(methods), phrase


def test_data_quality_says_how_many_client_rows_were_read_used_and_rejected(report: str):
    text = visible_text(section(report, "data_quality"))
    assert "719 client rows read, 714 used: 5 rejected, see problems.html" in text
    assert "synthetic demo data, which include faulty rows on purpose" in text
    assert "5 more client rows were rejected for errors and are not counted" in visible_text(
        section(report, "headline")
    )


def test_readme_agrees_with_the_report_about_the_demo():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    words = " ".join(readme.split())
    assert "4 of the 718 clients have a faulty row" in words
    assert "719 client rows are read and 5 rejected, and the report uses 714 clients" in words
