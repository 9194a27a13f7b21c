"""The registry's contract: every analysis declares what it needs and what it returns, and the
evaluation, the report and the docs follow it."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from ipseval.analyses import NOT_RUN, RAN, REGISTRY, Facts, Needs, declared
from ipseval.evaluation import compute
from ipseval.report import SECTIONS
from ipseval.settings import Settings
from ipseval.store import StoreError

# Tables every evaluation has, whatever ran: not made by one analysis
EVERY_EVALUATION = {"analyses", "data_quality", "model_cards"}


def test_every_analysis_shows_in_a_report_section_and_has_a_unique_key():
    ids = {m.ID for m in SECTIONS}
    assert all(a.section in ids for a in REGISTRY)
    assert len({a.key for a in REGISTRY}) == len(REGISTRY)


@pytest.fixture(scope="module")
def demo_evaluation(demo_store_and_settings):
    store, settings = demo_store_and_settings
    fast = settings.model_copy(deep=True)
    fast.impact.imputations = 2
    fast.impact.bootstrap_reps = 99
    return compute(store, fast)


def test_every_result_table_is_declared_by_exactly_one_analysis(demo_evaluation):
    for key in demo_evaluation.tables:
        owners = [a.key for a in REGISTRY if declared(a, key)]
        assert len(owners) == (0 if key in EVERY_EVALUATION else 1), (key, owners)


def test_every_analysis_the_demo_allows_runs_and_gives_a_table(demo_evaluation):
    status = {r["analysis"]: r for r in demo_evaluation.tables["analyses"].data.to_dicts()}
    # the session's demo has no comparison group, and its interviews are left out
    assert {k for k, r in status.items() if r["status"] != RAN} == {"comparison", "interviews"}
    assert {r["status"] for k, r in status.items() if k in ("comparison", "interviews")} == {NOT_RUN}
    for a in REGISTRY:
        if status[a.key]["status"] == RAN:
            assert any(declared(a, k) for k in demo_evaluation.tables), a.key


def test_an_evaluation_refuses_definitions_other_than_the_stores(demo_store_and_settings):
    store, settings = demo_store_and_settings
    other = settings.model_copy(deep=True)
    other.definitions.hours_threshold = 30
    with pytest.raises(StoreError, match=r"definitions\.hours_threshold"):
        compute(store, other)


def _facts(**kw) -> Facts:
    base = dict(
        tables=frozenset({"clients", "jobs"}), clients=50, denominator=30, job_entries=6, areas=3,
        known={"areas.integration_strength": 0, "clients.sex": 50, "clients.engagement_date": 40},
        impact=True, interviews=False,
    )  # fmt: skip
    return Facts(**(base | kw))


@pytest.mark.parametrize(
    ("needs", "facts", "phrase"),
    [
        (Needs(tables=("meetings",)), {}, "needs the meetings table"),
        (
            Needs(columns=("areas.integration_strength",)),
            {},
            "integration_strength column of the areas table",
        ),
        (Needs(min_denominator=40), {}, "at least 40 clients in the job-entry denominator"),
        (Needs(min_job_entries=1), {"job_entries": 0}, "at least one job entry; these data have none"),
        (Needs(min_areas=4), {}, "at least 4 areas"),
        (Needs(impact=True), {"impact": False}, "--no-impact"),
        (Needs(interviews=True), {}, "interviews/ folder"),
    ],
)
def test_each_unmet_need_is_named_in_plain_words_without_counting_people(needs, facts, phrase):
    reason = _facts(**facts).unmet(needs)
    assert phrase in reason
    assert reason[0].isupper() and reason.endswith(".")
    for n in ("50", "30", "6 "):  # the data's own counts are never quoted
        assert n not in reason


def test_needs_that_are_met_give_no_reason():
    assert _facts().unmet(Needs(tables=("jobs",), min_denominator=30, min_job_entries=6, min_areas=3)) is None


def test_without_a_jobs_table_job_figures_are_not_reported_rather_than_zero(make_store):
    clients = pl.DataFrame(
        {
            "client_id": ["a", "b", "c"],
            "local_authority": ["Brent"] * 3,
            "referral_date": [date(2020, 1, 1)] * 3,
            "engagement_date": [date(2020, 1, 5)] * 3,
        }
    )
    store = make_store(
        {"clients": clients, "jobs": pl.DataFrame(schema={"client_id": pl.Utf8})}, date(2021, 1, 1)
    )
    ev = compute(store, Settings())
    overall = ev.tables["outcomes"].data.filter(pl.col("breakdown") == "overall").row(0, named=True)
    assert overall["referrals"] == 3 and overall["engaged"] == 3
    assert overall["job_entries"] is None and overall["job_entry_rate"] is None
    status = {r["analysis"]: r for r in ev.tables["analyses"].data.to_dicts()}
    assert status["sustainment"]["status"] == NOT_RUN
    assert "needs the jobs table" in status["sustainment"]["reason"]
