"""'Where to look next': the areas where integration or fidelity is weakest, beside their job entry
rates, and the fidelity items scored lowest across teams. Evidence, not advice: each sentence says
where a factor was weakest and what job entry was there, never what to do.

Read from the four-factor scorecard (``scorecard_areas``) and the fidelity tables as published; a
hidden job entry rate is said to be "not shown" with why (disclosure control protecting small
numbers, see :mod:`.hidden`), never given; a missing one "not known".
"""

from __future__ import annotations

from typing import Any

from ..benchmarks import BAND_WORDS
from ..evaluation import PublishedEvaluation
from ..labels import code_label
from .format import and_list, is_hidden, is_missing, number, pct
from .hidden import SMALL_NUMBERS, why_hidden
from .sections import row, rows

Row = dict[str, Any]
STRENGTH_ORDER = ("strong", "moderate", "weak")  # strongest first
MOST_AREAS = 3  # a sentence names at most this many areas
ALL_TEAMS = "All teams"  # the fidelity_lowest rows of the teams' mean (ipseval.fidelity.review_tables)


WHY = "_why_hidden"  # an area row's reason its job entry rate is hidden (set by where_next)


def rate_words(v: Any, why: str = SMALL_NUMBERS) -> str:
    """A job entry rate in a sentence: '19.6%', 'not shown, to protect ...' (hidden by disclosure
    control, ``why`` from :func:`.hidden.why_hidden`) or 'not known' (missing)."""
    if is_hidden(v):
        return f"not shown, {why}"
    return "not known" if is_missing(v) else pct(v)


def _job_entry(areas: list[Row]) -> str:
    """', where job entry was 19.6% and 25.0%' for the areas named; words that are the same for
    every area are said once (', where job entry was not known', not '... not known and not known')."""
    rates = [rate_words(a.get("job_entry_rate"), a.get(WHY, SMALL_NUMBERS)) for a in areas]
    if len(areas) > 1 and len(set(rates)) == 1 and not is_number_words(rates[0]):
        return f", where job entry was {rates[0]} in each"
    return f", where job entry was {and_list(rates)}"


def is_number_words(words: str) -> bool:
    """Whether a rate in words is a figure ('19.6%'), not a phrase ('not known')."""
    return words[:1].isdigit()


def weakest_integration(areas: list[Row], overall: Any) -> str:
    """'Integration with drug and alcohol treatment was weakest in X and Y (recorded as weak),
    where job entry was 19.6% and 25.0% (all areas: 31.5%).' Needs two strengths to contrast."""
    found = [a for a in areas if a.get("integration_strength") in STRENGTH_ORDER]
    levels = {a["integration_strength"] for a in found}
    if len(levels) < 2:
        return ""
    weakest = max(levels, key=STRENGTH_ORDER.index)
    named = sorted(
        (a for a in found if a["integration_strength"] == weakest), key=lambda a: a["local_authority"]
    )
    if len(named) > MOST_AREAS:
        return ""  # most areas share the weakest level: nothing stands out
    level = code_label("integration_strength", weakest).lower()
    places = and_list(a["local_authority"] for a in named)
    return (
        f"Integration with drug and alcohol treatment was weakest in {places} (recorded as {level})"
        f"{_job_entry(named)}{_overall(overall)}."
    )


def lowest_fidelity(areas: list[Row], overall: Any) -> str:
    """'Fidelity was lowest in X (IPS-25 total 76, fair fidelity) and Y (79, fair fidelity), where
    job entry was ...': the two lowest totals (with ties), when areas' totals differ."""
    found = sorted(
        (a for a in areas if isinstance(a.get("fidelity_total"), int | float)),
        key=lambda a: (a["fidelity_total"], a["local_authority"]),
    )
    if len(found) < 2 or found[0]["fidelity_total"] == found[-1]["fidelity_total"]:
        return ""
    cut = found[1]["fidelity_total"] if len(found) > 2 else found[0]["fidelity_total"]
    named = [a for a in found if a["fidelity_total"] <= cut][:MOST_AREAS]
    places = and_list(
        f"{a['local_authority']} ({'IPS-25 total ' if i == 0 else ''}{a['fidelity_total']:g}, "
        f"{BAND_WORDS.get(str(a.get('fidelity_band')), 'band not known')})"
        for i, a in enumerate(named)
    )
    return f"Fidelity was lowest in {places}{_job_entry(named)}{_overall(overall)}."


def lowest_items(found: list[Row]) -> str:
    """The lowest-scoring items across teams, e.g. "Across teams, the IPS-25 items scored lowest
    were 'X' (mean 2.4 of 5) and 'Y' (2.6)."
    """
    items = sorted((r for r in found if r.get("item") is not None), key=lambda r: (r["rank"], r["item"]))
    if not items:
        return ""
    lowest = [r for r in items if r["rank"] <= 2][:MOST_AREAS]
    named = and_list(
        f"'{r['item_name']}' ({'mean ' if i == 0 else ''}{number(r['score'])}{' of 5' if i == 0 else ''})"
        for i, r in enumerate(lowest)
    )
    were = "items scored lowest were" if len(lowest) > 1 else "item scored lowest was"
    return f"Across teams, the IPS-25 {were} {named}."


def where_next(pub: PublishedEvaluation) -> list[str]:
    """The 'where to look next' sentences (none when the data do not tell areas apart)."""
    table = pub.table("scorecard_areas")
    areas = [
        {**a, WHY: why_hidden(table, a, "job_entry_rate")}
        for a in rows(pub, "scorecard_areas", breakdown="local_authority")
    ]
    overall = (row(pub, "scorecard_areas", breakdown="overall") or {}).get("job_entry_rate")
    lowest = rows(pub, "fidelity_lowest")
    teams = {r.get("team") for r in lowest}
    # the teams' mean, or a single team's own scores
    team_mean = [r for r in lowest if r.get("team") == ALL_TEAMS or len(teams) == 1]
    integration = weakest_integration(areas, overall)
    # the all-areas rate is given once, with the first sentence that names areas
    fidelity = lowest_fidelity(areas, None if integration else overall)
    parts = [integration, fidelity, lowest_items(team_mean)]
    return [p for p in parts if p]


def _overall(v: Any) -> str:
    return f" (all areas: {pct(v)})" if not is_hidden(v) and not is_missing(v) else ""
