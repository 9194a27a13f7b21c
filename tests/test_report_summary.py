"""The report's opening summary and 'where to look next' on odd values: hidden ('*') and missing
(None) values, no impact analysis, no wellbeing. Each sentence says less, never crashes, and never
shows a hidden number. (On the demo: tests/test_report_commissioner.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ipseval.report.summary import Facts, summary
from ipseval.report.where_next import lowest_fidelity, lowest_items, weakest_integration

JOB_ENTRY = {
    "referrals": 714,
    "job_entry_rate": 0.315,
    "job_entry_ci_low": 0.279,
    "job_entry_ci_high": 0.354,
    "job_entries": 183,
    "denominator": 581,
}
SUSTAINED = {"sustained_rate": 0.506, "sustained_ci_low": 0.431, "sustained_ci_high": 0.58, "due": 170}
PER_MEETING = {"odds_ratio": 0.996, "or_ci_low": 0.892, "or_ci_high": 1.113}
DOMAINS = [
    {"label": "Substance recovery", "evidence": "better", "change_mean": 9.44, "change_ci_low": 8.26,
     "change_ci_high": 10.63, "n": 213},
    {"label": "Physical health", "evidence": "unclear", "change_mean": 1.2, "change_ci_low": -0.5,
     "change_ci_high": 2.9, "n": 196},
]  # fmt: skip


def facts(**change) -> Facts:
    base = {
        "period": ("2019-01-02", "2022-03-31"),
        "referrals": 714,
        "job_entry": dict(JOB_ENTRY),
        "benchmark": 0.40,
        "benchmark_source": "IPS Grow Quality Mark",
        "sustained": dict(SUSTAINED),
        "sustained_benchmark": 0.65,
        "sustained_source": "IPS Grow KPI",
        "per_meeting": dict(PER_MEETING),
        "domains": [dict(d) for d in DOMAINS],
    }
    return Facts(**(base | change))


def text_of(f: Facts) -> str:
    return " ".join(summary(f))


def test_the_summary_reads_every_result_with_its_uncertainty():
    text = text_of(facts())
    assert text.startswith("714 people were referred to the service between January 2019 and March 2022.")
    assert "Of the 581 engaged clients who were out of work when referred, 183 (31.5%) started a job" in text
    assert "(95% confidence interval 27.9% to 35.4%)" in text
    assert (
        "below the national benchmark of 40% (IPS Grow Quality Mark): the whole interval lies below it"
        in text
    )
    assert "Of the 170 first jobs whose 13-week outcome is known, 50.6% lasted at least 13 weeks" in text
    assert "below the benchmark of at least 65% (IPS Grow KPI)" in text
    assert (
        "There is no clear sign that more meetings led to more jobs "
        "(each extra recent meeting went with 1.00 times the odds of starting a job, 95% confidence interval "
        "0.89 to 1.11)."
    ) in text
    assert (
        "Wellbeing clearly improved between engagement and about 6 months later in 1 of the 2 domains" in text
    )
    assert (
        "in substance recovery (up 9.4 points out of 100, 95% confidence interval 8.3 to 10.6; 213 clients)"
        in text
    )


def test_a_rate_whose_interval_spans_the_benchmark_is_not_called_below_it():
    spans = facts(
        job_entry=JOB_ENTRY | {"job_entry_rate": 0.37, "job_entry_ci_low": 0.31, "job_entry_ci_high": 0.43}
    )
    text = text_of(spans)
    assert "The interval includes the national benchmark of 40%" in text and "below the national" not in text
    above = facts(
        sustained=SUSTAINED | {"sustained_rate": 0.8, "sustained_ci_low": 0.7, "sustained_ci_high": 0.88}
    )
    assert "meeting the benchmark of at least 65%" in text_of(above)
    higher = facts(per_meeting={"odds_ratio": 1.2, "or_ci_low": 1.05, "or_ci_high": 1.37})
    assert "went on to more job starts (each extra recent meeting went with 1.20 times the odds" in text_of(
        higher
    )


def test_hidden_values_say_less_and_are_never_shown():
    hidden = facts(
        job_entry={"referrals": 714, "job_entry_rate": "*", "job_entry_ci_low": "*", "job_entry_ci_high": "*",
                   "job_entries": "*", "denominator": 581},
        sustained={"sustained_rate": "*", "sustained_ci_low": "*", "sustained_ci_high": "*", "due": "*"},
        per_meeting={"odds_ratio": "*", "or_ci_low": "*", "or_ci_high": "*"},
        domains=[DOMAINS[0] | {"change_mean": "*", "change_ci_low": "*", "change_ci_high": "*", "n": "*"}],
    )  # fmt: skip
    text = text_of(hidden)
    # hidden by disclosure control: said so, never 'too few to publish'
    assert "The job entry rate is not shown, to protect small numbers of people (disclosure control)." in text
    assert (
        "The share of first jobs lasting 13 weeks is not shown, to protect small numbers of people "
        "(disclosure control)." in text
    )
    assert "Whether more meetings led to more jobs is not shown, to protect" in text
    assert "too few" not in text
    assert "benchmark" not in text  # nothing to set beside it
    assert "*" not in text and "points out of 100" not in text
    assert (
        "Wellbeing clearly improved between engagement and about 6 months later in the one domain measured."
        in text
    )


def test_missing_values_no_impact_and_no_wellbeing_leave_their_sentences_out():
    text = text_of(
        facts(
            job_entry=JOB_ENTRY | {"job_entry_ci_low": None, "job_entry_ci_high": None, "job_entries": None},
            sustained={},
            per_meeting=None,
            domains=[],
        )
    )
    assert "31.5% of engaged clients who were out of work when referred started a job." in text
    assert "For comparison, the national benchmark of 40% (IPS Grow Quality Mark)." in text  # no claim
    assert "lasted" not in text and "meetings" not in text and "Wellbeing" not in text
    nothing = Facts()
    assert summary(nothing) == []  # no value to stand on: nothing said, nothing raised
    no_jobs = text_of(facts(has_jobs=False))
    assert "No jobs were recorded" in no_jobs and "benchmark" not in no_jobs


def test_sustainment_at_another_horizon_has_no_13_week_benchmark():
    text = text_of(facts(weeks=26, sustained_benchmark=None))
    assert "Of the 170 first jobs whose 26-week outcome is known, 50.6% lasted at least 26 weeks" in text
    assert "at least 65%" not in text


AREAS = [
    {"local_authority": "Barnet", "integration_strength": "strong", "fidelity_total": 110,
     "fidelity_band": "good", "job_entry_rate": 0.38},
    {"local_authority": "Ealing", "integration_strength": "weak", "fidelity_total": 76,
     "fidelity_band": "fair", "job_entry_rate": 0.196},
    {"local_authority": "Harrow", "integration_strength": "weak", "fidelity_total": 79,
     "fidelity_band": "fair", "job_entry_rate": "*"},
    {"local_authority": "Brent", "integration_strength": "moderate", "fidelity_total": None,
     "fidelity_band": None, "job_entry_rate": None},
]  # fmt: skip


def test_where_to_look_next_is_evidence_and_keeps_hidden_rates_hidden():
    integration = weakest_integration(AREAS, 0.315)
    assert integration == (
        "Integration with drug and alcohol treatment was weakest in Ealing and Harrow (recorded as weak), "
        "where job entry was 19.6% and not shown, to protect small numbers of people (all areas: 31.5%)."
    )
    fidelity = lowest_fidelity(AREAS, "*")
    assert fidelity == (
        "Fidelity was lowest in Ealing (IPS-25 total 76, fair fidelity) and Harrow (79, fair fidelity), "
        "where job entry was 19.6% and not shown, to protect small numbers of people."
    )
    items = [
        {"rank": 2, "item": 4, "item_name": "Team assignment", "score": 2.57},
        {"rank": 1, "item": 5, "item_name": "Frequent team contact", "score": 2.43},
        {"rank": 3, "item": None, "item_name": "4 items scored 3", "score": 3.0},
    ]
    assert lowest_items(items) == (
        "Across teams, the IPS-25 items scored lowest were 'Frequent team contact' (mean 2.4 of 5) "
        "and 'Team assignment' (2.6)."
    )
    # nothing to contrast: no sentence
    same = [a | {"integration_strength": "strong", "fidelity_total": 100} for a in AREAS]
    assert weakest_integration(same, 0.3) == "" and lowest_fidelity(same, 0.3) == ""
    assert weakest_integration([], None) == "" and lowest_items([]) == ""


@pytest.fixture(scope="module")
def tiny_html(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, object]:
    """The tiny evaluation of test_report (60 clients, no wellbeing), under ndtms: hidden cells."""
    from ipseval.report import render_html
    from test_report import evaluate, publish, tiny_tables

    pub = publish(evaluate(Path(tmp_path_factory.mktemp("tiny")), tiny_tables()), "ndtms")
    return render_html(pub), pub


def test_summary_on_a_tiny_evaluation_with_hidden_cells(tiny_html):
    html, pub = tiny_html
    summary_html = re.search(r'<p class="summary" id="summary">(.*?)</p>', html, re.S).group(1)
    assert "people were referred to the service" in summary_html
    assert "Wellbeing" not in summary_html  # no wellbeing table
    assert "*" not in summary_html
    assert not any(f == "report section 'At a glance'" for f, _e in pub.failed)


def test_referrals_within_one_month_are_said_in_that_month():
    from datetime import date

    from ipseval.report import summary as s

    facts = s.Facts.__new__(s.Facts)
    object.__setattr__(facts, "period", (date(2019, 1, 2), date(2019, 1, 15)))
    object.__setattr__(facts, "referrals", 5)
    assert s.referred(facts) == "5 people were referred to the service in January 2019."


# -- why a figure is not shown: disclosure control, or nothing to estimate --------------------------


def _sustainment(rows: list[dict]) -> object:
    """A tiny sustainment table (declared as ipseval.metrics declares it), protected under ndtms
    with threshold 5."""
    import polars as pl

    from ipseval.disclosure import protect
    from ipseval.results import ColumnsAddUp, Rate, ResultTable
    from ipseval.settings import Disclosure

    data = pl.DataFrame(rows).with_columns(
        (pl.col("sustained") / pl.col("due")).alias("sustained_rate"),
        pl.lit(0.5).alias("sustained_ci_low"),
        pl.lit(0.9).alias("sustained_ci_high"),
    )
    table = ResultTable(
        key="sustainment",
        title="Sustainment",
        data=data,
        dims=["breakdown", "group", "weeks"],
        counts=["first_jobs", "sustained", "not_sustained", "not_yet_due", "due"],
        rates={"sustained_rate": Rate("sustained", "due", ("sustained_ci_low", "sustained_ci_high"))},
        additive=[
            ColumnsAddUp(("sustained", "not_sustained"), "due"),
            ColumnsAddUp(("due", "not_yet_due"), "first_jobs"),
        ],
        spare=["not_yet_due", "first_jobs", "not_sustained"],
    )
    return protect(table, Disclosure(policy="ndtms", threshold=5))


def _row(first_jobs, sustained, not_sustained, not_yet_due):
    return {"breakdown": "overall", "group": "All", "weeks": 13, "first_jobs": first_jobs,
            "sustained": sustained, "not_sustained": not_sustained, "not_yet_due": not_yet_due,
            "due": sustained + not_sustained}  # fmt: skip


def test_a_rate_hidden_for_a_small_part_says_so_not_too_few():
    """The trial's case: 60 first jobs, 52 sustained; the few not sustained and not yet due are
    protected, so the rate is hidden though it rests on many jobs."""
    from ipseval.report.hidden import IN_ITS_PARTS, why_hidden

    t = _sustainment([_row(60, 52, 4, 4)])
    r = t.rows()[0]
    assert r["sustained_rate"] == "*" and r["first_jobs"] == 60
    assert why_hidden(t, r, "sustained_rate") == IN_ITS_PARTS
    text = text_of(facts(sustained=r, hidden_why={"sustained": why_hidden(t, r, "sustained_rate")}))
    assert (
        "The share of the 60 first jobs lasting 13 weeks is not shown, to protect the few people in one "
        "of its parts (disclosure control)." in text
    )
    assert "too few" not in text


def test_a_rate_on_a_small_hidden_base_is_said_to_protect_small_numbers():
    from ipseval.report.hidden import SMALL_NUMBERS, why_hidden

    t = _sustainment([_row(3, 2, 1, 0)])  # every count small: the base itself is protected
    r = t.rows()[0]
    assert r["sustained_rate"] == "*" and r["first_jobs"] == "*"
    assert why_hidden(t, r, "sustained_rate") == SMALL_NUMBERS
    assert why_hidden(None, r, "sustained_rate") == SMALL_NUMBERS  # no declarations: say no more


def test_nothing_to_estimate_yet_is_not_said_to_be_hidden():
    due_none = {"first_jobs": 4, "sustained": 0, "not_sustained": 0, "not_yet_due": 4, "due": 0,
                "sustained_rate": None, "sustained_ci_low": None, "sustained_ci_high": None}  # fmt: skip
    text = text_of(facts(sustained=due_none))
    assert "No first job had been going 13 weeks by the data cut" in text
    assert "cannot be estimated yet" in text and "not shown" not in text


def test_a_hidden_median_is_explained_in_words_beside_table_one():
    """The trial's '*' for Age (years): its n (those with an age) is hidden because, with everyone
    referred, it would give away the few without one; the note says so, no number."""
    from ipseval.report.sections.profile import hidden_statistics

    rows = [
        {"characteristic": "age", "level": None, "kind": "continuous", "n": "*", "clients": 210,
         "median": "*", "q1": "*", "q3": "*"},
        {"characteristic": "age", "level": "unknown", "kind": "unknown", "n": "*", "clients": 210},
        {"characteristic": "work_confidence", "level": None, "kind": "continuous", "n": 150,
         "clients": 210, "median": 6, "q1": 4, "q3": 8},
    ]  # fmt: skip
    (note,) = hidden_statistics(rows)
    assert note.startswith("Age (years): the median and interquartile range are not shown (*), because")
    assert note.endswith("(disclosure control).") and "too few" not in note


def test_words_the_same_for_every_area_are_said_once():
    """Found on a 5-client service: 'where job entry was not known and not known'."""
    unknown = [a | {"job_entry_rate": None} for a in AREAS]
    assert weakest_integration(unknown, None) == (
        "Integration with drug and alcohol treatment was weakest in Ealing and Harrow (recorded as weak), "
        "where job entry was not known in each."
    )
    both = [a | {"job_entry_rate": 0.2} for a in AREAS]
    assert "where job entry was 20.0% and 20.0%" in weakest_integration(both, None)


@pytest.mark.parametrize(("sustained", "met"), [(52, True), (40, False)])
def test_a_hidden_sustained_share_is_said_as_the_least_it_can_be(sustained, met):
    """Hidden for a small part, the share's own counts may still be shown: 52 of 70 first jobs
    lasted 13 weeks, so the share among those whose outcome is known (70 at most) is at least
    52/70 = 74.3%, above the 65% KPI whatever the hidden part; 40/70 = 57.1% says nothing of it."""
    f = facts(sustained={"sustained_rate": "*", "sustained_ci_low": "*", "sustained_ci_high": "*",
                         "due": "*", "not_sustained": "*", "sustained": sustained, "first_jobs": 70})  # fmt: skip
    text = text_of(f)
    share = "74.3%" if met else "57.1%"
    assert f"{sustained} of the 70 first jobs ({share}) had lasted 13 weeks by the data cut" in text
    assert "the share of those whose outcome is known is at least this" in text
    assert "The exact share of the 70 first jobs lasting 13 weeks is not shown" in text
    assert ("the benchmark of at least 65% (IPS Grow KPI) is met" in text) is met
    assert "*" not in text


def test_left_out_rows_of_a_file_giving_two_tables_are_said_to_count_once_per_table():
    from ipseval.report.sections.data_quality import _file_gives_two

    contacts = [
        {"table": "meetings", "file": "contacts.csv", "rows_left_out": 207},
        {"table": "employer_contacts", "file": "contacts.csv", "rows_left_out": 2376},
    ]
    assert _file_gives_two(contacts)  # 2,583 for a 2,528-row file: said, not hidden
    assert not _file_gives_two([{**contacts[0], "file": "meetings.csv"}, contacts[1]])
    assert not _file_gives_two([contacts[0], {**contacts[1], "rows_left_out": 0}])
