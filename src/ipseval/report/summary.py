"""The report's opening summary: what the results mean, in plain words, with their uncertainty.

Built only from published values (:class:`Facts`, gathered by :func:`facts`): job entry with its
95% interval and how many clients, against the national benchmark; 13-week sustainment against
its benchmark; the primary impact estimate; the wellbeing change. A value may be hidden by
disclosure control ("*") or missing (None): its sentence then says which (hidden "to protect the
few people in one of its parts", see :mod:`.hidden`; or nothing to estimate yet), or is left out,
and never shows or hints at a hidden number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..benchmarks import percent, short_source
from ..evaluation import PublishedEvaluation
from ..labels import in_sentence
from .format import ci, count, is_hidden, is_missing, month_year, number, pct, ratio, ratio_ci
from .hidden import SMALL_NUMBERS, not_shown, why_hidden
from .impact_words import direction
from .sections import has_table, row, rows

Row = dict[str, Any]
PER_MEETING_TERM = "recent_meetings"  # the primary analysis's exposure (see sections.impact)


def shown(*values: Any) -> bool:
    """Whether every value is a published number (neither hidden nor missing)."""
    return all(not is_hidden(v) and not is_missing(v) for v in values)


@dataclass
class Facts:
    """The published values the summary reads (rows as the protected tables give them)."""

    period: tuple[Any, Any] = (None, None)
    referrals: Any = None
    has_jobs: bool = True
    job_entry: Row = field(default_factory=dict)  # the outcomes table's overall row
    benchmark: float | None = None
    benchmark_source: str = ""
    weeks: int = 13
    sustained: Row = field(default_factory=dict)  # the sustainment table's overall row at `weeks`
    sustained_benchmark: float | None = None
    sustained_source: str = ""
    per_meeting: Row | None = None  # the primary impact analysis's row, None when it did not run
    domains: list[Row] = field(default_factory=list)  # wellbeing change per domain
    follow_up_months: int = 6  # when the wellbeing follow-up is taken, after engagement
    # why a hidden value is hidden (see .hidden.why_hidden), by fact: 'job_entry', 'sustained',
    # 'per_meeting'; a fact not named here is said to be hidden to protect small numbers
    hidden_why: dict[str, str] = field(default_factory=dict)

    def why(self, name: str) -> str:
        return self.hidden_why.get(name, SMALL_NUMBERS)


def facts(pub: PublishedEvaluation) -> Facts:
    """The summary's values from the protected tables and the settings' benchmarks."""
    from .sections.headline import sustainment_weeks

    b = pub.meta.settings.benchmarks
    weeks = sustainment_weeks(pub)
    overall = row(pub, "outcomes", breakdown="overall") or {}
    sustained_row = row(pub, "sustainment", breakdown="overall", weeks=weeks) or {}
    per_meeting = row(pub, "impact_hazard", term=PER_MEETING_TERM)
    return Facts(
        period=(pub.meta.period_start, pub.meta.period_end),
        referrals=overall.get("referrals"),
        has_jobs=has_table(pub, "jobs"),
        job_entry=overall,
        benchmark=b.job_entry_rate,
        benchmark_source=short_source(b.job_entry_rate_source),
        weeks=weeks,
        sustained=sustained_row,
        sustained_benchmark=b.sustained_13_weeks if weeks == 13 else None,
        sustained_source=short_source(b.sustained_13_weeks_source),
        per_meeting=per_meeting,
        domains=sorted(rows(pub, "wellbeing_domains"), key=lambda r: r["domain_order"]),
        follow_up_months=pub.meta.settings.wellbeing.follow_up_months,
        hidden_why={
            "job_entry": why_hidden(pub.table("outcomes"), overall, "job_entry_rate"),
            "sustained": why_hidden(pub.table("sustainment"), sustained_row, "sustained_rate"),
            "per_meeting": why_hidden(pub.table("impact_hazard"), per_meeting or {}, "odds_ratio"),
        },
    )


def summary(f: Facts) -> list[str]:
    """The summary's sentences, in reading order (those without a value to stand on left out)."""
    parts = [referred(f), job_entry(f), against_benchmark(f), sustained(f), impact(f), wellbeing(f)]
    return [p for p in parts if p]


def referred(f: Facts) -> str:
    start, end = f.period
    if not shown(f.referrals):
        return ""
    when = f" between {month_year(start)} and {month_year(end)}" if start and end else ""
    if start and end and month_year(start) == month_year(end):
        when = f" in {month_year(start)}"
    return f"{count(f.referrals)} people were referred to the service{when}."


def job_entry(f: Facts) -> str:
    """'Of the 581 engaged clients who were out of work when referred, 183 (31.5%) started a job
    (95% confidence interval 27.9% to 35.4%).'"""
    if not f.has_jobs:
        return "No jobs were recorded, so this summary cannot say how many clients found work."
    j = f.job_entry
    rate = j.get("job_entry_rate")
    if is_hidden(rate):
        return not_shown("the job entry rate", f.why("job_entry"))
    if not shown(rate):
        return ""
    who = "engaged clients who were out of work when referred"
    if shown(j.get("job_entries"), j.get("denominator")):
        text = (
            f"Of the {count(j['denominator'])} {who}, {count(j['job_entries'])} ({pct(rate)}) started a job"
        )
    else:
        text = f"{pct(rate)} of {who} started a job"
    low, high = j.get("job_entry_ci_low"), j.get("job_entry_ci_high")
    interval = f" (95% confidence interval {ci(low, high)})" if shown(low, high) else ""
    return f"{text}{interval}."


def against_benchmark(f: Facts) -> str:
    """The job entry rate against the national benchmark, by where its 95% interval lies."""
    j = f.job_entry
    rate, low, high = j.get("job_entry_rate"), j.get("job_entry_ci_low"), j.get("job_entry_ci_high")
    if f.benchmark is None or not f.has_jobs or not shown(rate):
        return ""
    mark = f"the national benchmark of {percent(f.benchmark)} ({f.benchmark_source})"
    return compare(mark, f.benchmark, low, high, "That is")


def compare(mark: str, benchmark: float, low: Any, high: Any, lead: str, at_least: bool = False) -> str:
    """A rate against a benchmark: below or above when its whole 95% interval is, else 'cannot
    tell apart'; without an interval, the benchmark alone (no claim)."""
    if not shown(low, high):
        return f"For comparison, {mark}."
    if float(high) < benchmark:
        return f"{lead} below {mark}: the whole interval lies below it."
    if float(low) > benchmark or (at_least and float(low) >= benchmark):
        return f"{lead} {'meeting' if at_least else 'above'} {mark}: the whole interval lies above it."
    return f"The interval includes {mark}, so these data cannot tell the two apart."


def sustained_floor(s: Row | None) -> float | None:
    """When the sustained share is hidden but its count and the first jobs are shown: sustained /
    first jobs, a lower bound of the share (its denominator, the jobs whose outcome is known, is
    at most the first jobs). Both counts are already published, so the bound tells nothing more."""
    if not s or not is_hidden(s.get("sustained_rate")) or not shown(s.get("sustained"), s.get("first_jobs")):
        return None
    return float(s["sustained"]) / float(s["first_jobs"]) if s["first_jobs"] else None


def _sustained_hidden(f: Facts) -> str:
    """The hidden share said as its lower bound when there is one, beside the benchmark."""
    s, weeks, floor = f.sustained, f.weeks, sustained_floor(f.sustained)
    jobs = f"the {count(s['first_jobs'])} first jobs" if shown(s.get("first_jobs")) else "first jobs"
    if floor is None:
        return not_shown(f"the share of {jobs} lasting {weeks} weeks", f.why("sustained"))
    hidden = not_shown(f"the exact share of {jobs} lasting {weeks} weeks", f.why("sustained"))
    text = (
        f"{count(s['sustained'])} of {jobs} ({pct(floor)}) had lasted {weeks} weeks by the data cut; "
        f"as some may have started too recently to tell, the share of those whose outcome is known is "
        f"at least this. {hidden}"
    )
    if f.sustained_benchmark is not None and floor >= f.sustained_benchmark:
        text += f" Even so, the benchmark of at least {percent(f.sustained_benchmark)} ({f.sustained_source}) is met."
    return text[0].upper() + text[1:]


def sustained(f: Facts) -> str:
    """'Of the 170 first jobs whose 13-week outcome is known, 50.6% lasted at least 13 weeks
    (95% confidence interval 43.1% to 58.0%), below the benchmark ...'"""
    s, weeks = f.sustained, f.weeks
    rate = s.get("sustained_rate")
    if not f.has_jobs or not s:
        return ""
    if is_hidden(rate):
        return _sustained_hidden(f)
    if not shown(rate):
        if shown(s.get("due")) and not s["due"]:
            # nothing to estimate yet, which is not the same as hidden
            return (
                f"No first job had been going {weeks} weeks by the data cut, so how many last "
                f"{weeks} weeks cannot be estimated yet."
            )
        return ""
    known = (
        f"Of the {count(s['due'])} first jobs whose {weeks}-week outcome is known, "
        if shown(s.get("due"))
        else ""
    )
    text = f"{known}{pct(rate)} lasted at least {weeks} weeks"
    low, high = s.get("sustained_ci_low"), s.get("sustained_ci_high")
    text += f" (95% confidence interval {ci(low, high)})." if shown(low, high) else "."
    if f.sustained_benchmark is None:
        return text[0].upper() + text[1:]
    mark = f"the benchmark of at least {percent(f.sustained_benchmark)} ({f.sustained_source})"
    return f"{text[0].upper() + text[1:]} {compare(mark, f.sustained_benchmark, low, high, 'That is', True)}"


def impact(f: Facts) -> str:
    """The primary impact estimate in words, e.g. 'There is no clear sign that more meetings led
    to more jobs (each extra recent meeting went with 1.00 times the odds of starting a job, 95%
    confidence interval 0.89 to 1.11).'"""
    r = f.per_meeting
    if r is None:
        return ""
    est, low, high = r.get("odds_ratio"), r.get("or_ci_low"), r.get("or_ci_high")
    if any(is_hidden(v) for v in (est, low, high)):
        return not_shown("whether more meetings led to more jobs", f.why("per_meeting"))
    if not shown(est, low, high):
        return ""
    # the odds ratio in words a commissioner reads ("odds ratio 1.81 per extra meeting" was jargon)
    numbers = (
        f"each extra recent meeting went with {ratio(est)} times the odds of starting a job, "
        f"95% confidence interval {ratio_ci(low, high)}"
    )
    way = direction(low, high)
    if way == "unclear":
        return f"There is no clear sign that more meetings led to more jobs ({numbers})."
    more = "more" if way == "higher" else "fewer"
    return (
        f"Clients who had attended more meetings recently went on to {more} job starts ({numbers}), "
        "allowing for time with the service and recorded characteristics."
    )


def wellbeing(f: Facts) -> str:
    """How many wellbeing domains clearly improved (their 95% interval wholly on the side of
    improvement), with the largest improvement as an example, and any that got worse."""
    tested = [d for d in f.domains if d.get("evidence") in ("better", "worse", "unclear")]
    if not tested:
        return ""
    better = [d for d in tested if d["evidence"] == "better"]
    worse = [d for d in tested if d["evidence"] == "worse"]
    when = f"between engagement and about {f.follow_up_months} months later"
    if len(tested) == 1:
        measured = "the one domain measured"
    elif not better:
        measured = f"any of the {len(tested)} domains measured"
    elif len(better) == len(tested):
        measured = f"all {len(tested)} domains measured"
    else:
        measured = f"{len(better)} of the {len(tested)} domains measured"
    text = f"Wellbeing {'clearly improved' if better else 'did not clearly improve'} {when} in {measured}"
    text += _largest_change(better)
    if worse:
        text += f"; {' and '.join(in_sentence(str(d['label'])) for d in worse)} got worse"
    return text + "."


def _largest_change(better: list[Row]) -> str:
    """', most in substance recovery (up 9.4 points out of 100, 95% confidence interval 8.3 to
    10.6; 213 clients)' ('' when no improvement is shown)."""
    example = max(
        (d for d in better if shown(d.get("change_mean"), d.get("change_ci_low"), d.get("change_ci_high"))),
        key=lambda d: float(d["change_mean"]),
        default=None,
    )
    if example is None:
        return ""
    n = f"; {count(example['n'])} clients" if shown(example.get("n")) else ""
    interval = (
        f"95% confidence interval {number(example['change_ci_low'])} to {number(example['change_ci_high'])}"
    )
    return (
        f", {'most in' if len(better) > 1 else 'in'} {in_sentence(str(example['label']))} "
        f"(up {number(example['change_mean'])} points out of 100, {interval}{n})"
    )
