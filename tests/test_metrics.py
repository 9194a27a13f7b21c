"""Every metric on a tiny hand-made service whose answers were worked out by hand.

The fixture (data cut 2021-06-30):
  c1 A 2020  engaged 2020-01-13; job 2020-03-02..2020-06-01 = exactly 91 days (13 weeks), exactly 16 h;
             3 attended meetings + 1 missed
  c2 A 2020  engaged 2020-02-10; job starts ON the data cut (20 h, ongoing); no meetings
  c3 A 2020  engaged 2020-03-09; job 2020-03-05 BEFORE engagement (10 h, ended 2020-04-01); 5 meetings
  c4 B 2021  engaged, employed at referral (job retention) with a job: not in the denominator
  c5 B 2021  never engaged
  c6 B 2021  engaged 2021-03-08, discharged 2021-05-31, no job; 12 meetings
  c7 B 2021  engaged 2021-01-04; job 2021-02-01 (hours unknown, ongoing) and a second job; 25 meetings
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from ipseval import metrics, profile
from ipseval.settings import Settings

D = date
CUT = D(2021, 6, 30)


def _clients() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "client_id": ["c1", "c2", "c3", "c4", "c5", "c6", "c7"],
            "local_authority": ["A", "A", "A", "B", "B", "B", "B"],
            "referral_date": [
                D(2020, 1, 6),
                D(2020, 2, 3),
                D(2020, 3, 2),
                D(2021, 1, 4),
                D(2021, 2, 1),
                D(2021, 3, 1),
                D(2021, 1, 4),
            ],
            "engagement_date": [
                D(2020, 1, 13),
                D(2020, 2, 10),
                D(2020, 3, 9),
                D(2021, 1, 11),
                None,
                D(2021, 3, 8),
                D(2021, 1, 4),
            ],
            "discharge_date": [None, None, None, None, None, D(2021, 5, 31), None],
            "employed_at_referral": [False, False, None, True, False, False, False],
            "age": [25, 30, 35, 40, None, 50, 60],
            "sex": ["male", "female", "male", "unknown", "male", "female", "male"],
            "benefits": ["out_of_work"] * 5 + ["none", "unknown"],
        }
    )


def _jobs() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "client_id": ["c1", "c2", "c3", "c4", "c7", "c7"],
            "start_date": [D(2020, 3, 2), CUT, D(2020, 3, 5), D(2021, 2, 1), D(2021, 2, 1), D(2021, 4, 1)],
            "end_date": [D(2020, 6, 1), None, D(2020, 4, 1), None, None, None],
            "hours_per_week": [16.0, 20.0, 10.0, 30.0, None, 8.0],
        }
    )


def _meetings() -> pl.DataFrame:
    rows = []
    start = {"c1": D(2020, 1, 14), "c3": D(2020, 3, 10), "c6": D(2021, 3, 9), "c7": D(2021, 1, 5)}
    for cid, n in {"c1": 3, "c3": 5, "c6": 12, "c7": 25}.items():
        rows += [(cid, start[cid] + timedelta(days=3 * i), True) for i in range(n)]
    rows.append(("c1", D(2020, 2, 20), False))  # a missed appointment is not a meeting
    return pl.DataFrame(rows, schema=["client_id", "meeting_date", "attended"], orient="row")


@pytest.fixture
def store(make_store):
    return make_store({"clients": _clients(), "jobs": _jobs(), "meetings": _meetings()}, CUT)


def _row(table, **where) -> dict:
    df = table.data
    for k, v in where.items():
        df = df.filter(pl.col(k) == v)
    assert df.height == 1, where
    return df.row(0, named=True)


def test_job_entry_counts_and_denominator(store):
    r = _row(metrics.outcomes(store), breakdown="overall")
    assert r["referrals"] == 7
    assert r["engaged"] == 6
    assert r["employed_at_referral"] == 1
    assert r["denominator"] == 5  # engaged and not employed at referral (c3's blank counts as not employed)
    assert r["job_entries"] == 4
    assert r["job_entry_rate"] == pytest.approx(0.8)
    assert r["job_starts"] == 5  # c7 has two; c4 (job retention) is not counted


def test_job_entry_rate_has_wilson_interval(store):
    r = _row(metrics.outcomes(store), breakdown="overall")
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(4, 5, method="wilson")
    assert (r["job_entry_ci_low"], r["job_entry_ci_high"]) == pytest.approx((lo, hi))


def test_exactly_16_hours_counts_as_16_plus_and_unknown_hours_leave_the_base(store):
    r = _row(metrics.outcomes(store), breakdown="overall")
    assert r["first_jobs_hours_known"] == 3  # c7's first job has no hours
    assert r["first_jobs_16plus"] == 2  # c1 exactly 16, c2 20; c3 10
    assert r["share_16plus"] == pytest.approx(2 / 3)


def test_job_before_engagement_counts_at_day_zero_and_is_flagged(store):
    r = _row(metrics.outcomes(store), breakdown="overall")
    assert r["jobs_before_engagement"] == 1
    assert r["entries_within_window"] == 3  # c1, c3, c7; c2's job came 16 months after engagement
    assert r["share_within_window"] == pytest.approx(0.75)


def test_client_with_no_meetings_counts_as_zero(store):
    r = _row(metrics.outcomes(store), breakdown="overall")
    # engaged clients' attended meetings: c1 3, c2 0, c3 5, c4 0, c6 12, c7 25
    assert r["meetings_engaged"] == 45
    assert r["meetings_per_engaged_client"] == pytest.approx(7.5)
    assert r["median_meetings"] == pytest.approx(4.0)
    assert r["engaged_without_meetings"] == 2


def test_breakdowns_by_area_and_year_add_up_to_overall(store):
    t = metrics.outcomes(store)
    a = _row(t, breakdown="local_authority", group="A")
    b = _row(t, breakdown="local_authority", group="B")
    assert (a["referrals"], a["denominator"], a["job_entries"]) == (3, 3, 3)
    assert (b["referrals"], b["engaged"], b["denominator"], b["job_entries"]) == (4, 3, 2, 1)
    y2021 = _row(t, breakdown="referral_year", group="2021")
    assert y2021["job_entries"] == 1
    overall = _row(t, breakdown="overall")
    for col in ("referrals", "engaged", "denominator", "job_entries"):
        assert a[col] + b[col] == overall[col]


def test_job_started_on_data_cut_counts_as_entry_and_not_yet_due(store):
    t = metrics.sustainment(store)
    r13 = _row(t, breakdown="overall", weeks=13)
    # c1 exactly 13 weeks -> sustained; c7 ongoing 149 days -> sustained; c3 ended at 27 days; c2 not yet due
    assert (r13["first_jobs"], r13["sustained"], r13["not_sustained"], r13["not_yet_due"]) == (4, 2, 1, 1)
    assert r13["due"] == 3
    assert r13["sustained_rate"] == pytest.approx(2 / 3)
    r26 = _row(t, breakdown="overall", weeks=26)
    # c1 ended at 91 days and c3 at 27 -> not sustained; c2 and c7 ongoing, under 26 weeks -> not yet due
    assert (r26["sustained"], r26["not_sustained"], r26["not_yet_due"], r26["due"]) == (0, 2, 2, 2)
    assert r26["sustained_rate"] == pytest.approx(0.0)


def test_exactly_13_weeks_is_sustained_one_day_less_is_not(make_store):
    clients = _clients().filter(pl.col("client_id") == "c1")
    for end, expected in ((D(2020, 6, 1), 1), (D(2020, 5, 31), 0)):
        jobs = pl.DataFrame(
            {"client_id": ["c1"], "start_date": [D(2020, 3, 2)], "end_date": [end], "hours_per_week": [16.0]}
        )
        r = _row(
            metrics.sustainment(make_store({"clients": clients, "jobs": jobs}, CUT)),
            breakdown="overall",
            weeks=13,
        )
        assert r["sustained"] == expected


def test_meeting_bands_use_attended_meetings_only(store):
    t = metrics.meeting_bands(store).data
    got = {r["meeting_band"]: (r["clients"], r["job_entries"]) for r in t.iter_rows(named=True)}
    assert got == {"No meetings": (1, 1), "1-4": (1, 1), "5-9": (1, 1), "10-19": (1, 0), "20+": (1, 1)}


def test_minimum_hours_setting_drops_short_jobs(make_store):
    s = Settings.model_validate({"definitions": {"job_start_min_hours": 12}})
    st = make_store({"clients": _clients(), "jobs": _jobs(), "meetings": _meetings()}, CUT, s)
    r = _row(metrics.outcomes(st), breakdown="overall")
    # c3 (10 h) and c7's unknown-hours first job no longer count; c7's 8 h second job neither
    assert r["job_entries"] == 2


def test_time_to_job_cumulative_incidence_by_hand(store):
    res = metrics.time_to_job(store, Settings.model_validate({"report": {"curve_min_at_risk": 1}}))
    curve = res["time_to_job_curve"].data.filter(pl.col("breakdown") == "overall")
    # denominator clients: c3 day 0 (job before engagement), c7 28, c1 49, c6 discharged without a
    # job at 84 (the competing event), c2 still followed at the data cut (506).
    # F1(0) = 1/5 = .2, S = .8; F1(28) = .2 + .8/4 = .4, S = .6; F1(49) = .4 + .6/3 = .6, S = .4;
    # F2(84) = .4/2 = .2
    in_work = dict(zip(curve["day"].to_list(), curve["in_work"].to_list(), strict=True))
    gone = dict(zip(curve["day"].to_list(), curve["discharged"].to_list(), strict=True))
    assert in_work[0.0] == pytest.approx(0.2)
    assert in_work[28.0] == pytest.approx(0.4)
    assert in_work[49.0] == pytest.approx(0.6)
    assert in_work[504.0] == pytest.approx(0.6)  # weekly grid, up to the last follow-up (day 506)
    assert gone[77.0] == 0.0 and gone[84.0] == pytest.approx(0.2)
    assert max(in_work) == 504.0
    at3 = _row(res["time_to_job_at"], breakdown="overall", months=3)
    assert at3["in_work"] == pytest.approx(0.6)
    assert at3["discharged"] == pytest.approx(0.2) and at3["discharged_by_then"] == 1
    assert at3["km_in_work"] == pytest.approx(0.6)  # no job starts after the discharge here
    assert at3["at_risk"] == 1  # only c2 still followed up and out of work at 91 days
    summary = _row(res["time_to_job_summary"], breakdown="overall")
    assert summary["median_days"] == 49.0 and summary["discharged"] == 1


def test_kaplan_meier_matches_statsmodels_second_implementation():
    from statsmodels.duration.survfunc import SurvfuncRight

    rng = np.random.default_rng(7)
    days = rng.integers(0, 400, 300).astype(float)
    event = rng.random(300) < 0.4
    km = metrics.kaplan_meier(days, event)
    sf = SurvfuncRight(days, event.astype(int))
    # compare at the event times statsmodels reports
    ours = dict(zip(km["day"].to_list(), km["survival"].to_list(), strict=True))
    for t, s, se in zip(sf.surv_times, sf.surv_prob, sf.surv_prob_se, strict=True):
        assert ours[t] == pytest.approx(s, abs=1e-12)
        if 0 < s < 1:
            # log-log interval from Greenwood's standard error
            z = 1.959963984540054
            theta = np.log(-np.log(s))
            half = z * se / (s * abs(np.log(s)))
            lo, hi = np.exp(-np.exp(theta + half)), np.exp(-np.exp(theta - half))
            row = km.filter(pl.col("day") == t)
            assert row["ci_low"][0] == pytest.approx(lo, rel=1e-6)
            assert row["ci_high"][0] == pytest.approx(hi, rel=1e-6)


def test_profile_counts_percentages_and_type2_quartiles(store):
    t = profile.profile(store).data
    sex = {
        r["level"]: (r["n"], r["percent"])
        for r in t.filter(pl.col("characteristic") == "sex").iter_rows(named=True)
    }
    assert sex["male"] == (4, pytest.approx(4 / 7))
    assert sex["female"] == (2, pytest.approx(2 / 7))
    assert sex["unknown"] == (1, pytest.approx(1 / 7))
    age = t.filter((pl.col("characteristic") == "age") & (pl.col("kind") == "continuous")).row(0, named=True)
    # known ages 25 30 35 40 50 60: median 37.5; type 2 quartiles 30 and 50
    assert (age["n"], age["median"], age["q1"], age["q3"]) == (6, 37.5, 30.0, 50.0)
    unknown_age = t.filter((pl.col("characteristic") == "age") & (pl.col("kind") == "unknown")).row(
        0, named=True
    )
    assert unknown_age["n"] == 1
    # every characteristic's rows add up to all clients
    sums = t.group_by("characteristic").agg(pl.col("n").sum())
    assert set(sums["n"].to_list()) == {7}


def test_profile_quartiles_match_numpy_type2_on_random_data():
    rng = np.random.default_rng(1)
    ages = rng.integers(18, 70, 101)
    clients = pl.DataFrame(
        {"referral_date": [D(2020, 1, 1)] * 101, "age": ages, "work_confidence": rng.integers(0, 11, 101)}
    )
    for c in profile.PROFILE_CHARACTERISTICS:
        if c not in clients.columns and c != "referral_year":
            dtype = (
                pl.Boolean
                if c in ("employed_at_referral", "gp_visit_recent", "ae_visit_recent", "criminal_conviction")
                else pl.Utf8
            )
            clients = clients.with_columns(pl.lit(None, dtype=dtype).alias(c))
    t = profile.client_profile(clients)
    age = t.filter((pl.col("characteristic") == "age") & (pl.col("kind") == "continuous")).row(0, named=True)
    assert age["median"] == np.median(ages)


def test_recent_job_that_already_ended_is_not_yet_due_not_a_failure(make_store):
    # started 30 days before the cut and ended after 10 days: it never had the chance to last 13 weeks
    clients = _clients().filter(pl.col("client_id") == "c1")
    jobs = pl.DataFrame(
        {
            "client_id": ["c1"],
            "start_date": [CUT - timedelta(days=30)],
            "end_date": [CUT - timedelta(days=20)],
            "hours_per_week": [16.0],
        }
    )
    r = _row(
        metrics.sustainment(make_store({"clients": clients, "jobs": jobs}, CUT)),
        breakdown="overall",
        weeks=13,
    )
    assert (r["not_yet_due"], r["not_sustained"], r["due"]) == (1, 0, 0)
    assert r["sustained_rate"] is None


def test_kaplan_meier_matches_lifelines_event_table_and_interval():
    from lifelines import KaplanMeierFitter

    rng = np.random.default_rng(11)
    days = np.concatenate([rng.integers(0, 300, 400), [0, 0, 5]]).astype(float)  # ties and zeros
    event = rng.random(days.size) < 0.35
    ours = metrics.kaplan_meier(days, event)
    kmf = KaplanMeierFitter(alpha=0.05).fit(days, event_observed=event)
    table = kmf.event_table
    assert ours["day"].to_list() == table.index.tolist()
    assert ours["at_risk"].to_list() == table["at_risk"].tolist()
    assert ours["events"].to_list() == table["observed"].tolist()
    assert ours["censored"].to_list() == table["censored"].tolist()
    np.testing.assert_allclose(ours["survival"].to_numpy(), kmf.survival_function_.iloc[:, 0], rtol=1e-12)
    ci = kmf.confidence_interval_survival_function_
    np.testing.assert_allclose(ours["ci_low"].to_numpy(), ci.iloc[:, 0], rtol=1e-9)
    np.testing.assert_allclose(ours["ci_high"].to_numpy(), ci.iloc[:, 1], rtol=1e-9)


def test_blank_employed_at_referral_can_be_left_out_of_the_denominator(make_store):
    s = Settings.model_validate({"definitions": {"missing_employed_at_referral": "exclude"}})
    st = make_store({"clients": _clients(), "jobs": _jobs(), "meetings": _meetings()}, CUT, s)
    r = _row(metrics.outcomes(st), breakdown="overall")
    assert (r["denominator"], r["job_entries"]) == (4, 3)  # c3 (blank) leaves with its job


def test_published_curve_keeps_no_counts_that_would_reveal_daily_job_starts(store):
    from ipseval.disclosure import protect

    curve = metrics.time_to_job(store, Settings.model_validate({"report": {"curve_min_at_risk": 1}}))[
        "time_to_job_curve"
    ]
    published = protect(curve, Settings().disclosure)
    assert {"guard_n", "at_risk", "events"}.isdisjoint(published.data.columns)
    days = published.data.filter(pl.col("breakdown") == "overall")["day"].to_list()
    assert all(d % 7 == 0 for d in days)
    # with only five clients, every estimate is guarded away under the default policy
    overall = published.hidden.filter(published.data["breakdown"] == "overall")
    assert overall["in_work"].all()
