"""Plain-English readings of the impact section's odds ratios, for commissioners.

The words follow the published numbers: where the estimate sits against 1 (no difference) and
whether its 95% interval includes 1. Nothing is estimated here; a hidden ("*") or missing value
gets a sentence saying it is not shown instead of a reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from markupsafe import Markup, escape

from .format import is_hidden, is_missing, ratio, ratio_ci

Value = Any  # a number, "*" (hidden) or None (missing)
Direction = Literal["higher", "lower", "unclear"]

# hidden by disclosure control (not 'too few to estimate': that is MISSING)
NOT_SHOWN = "The estimate is not shown, to protect small numbers of people (disclosure control)."
MISSING = "The model could not estimate this (too little information in the data)."


def direction(low: Value, high: Value) -> Direction:
    """'higher' when the whole 95% interval is above 1, 'lower' when below, else 'unclear'."""
    if float(low) > 1:
        return "higher"
    if float(high) < 1:
        return "lower"
    return "unclear"


def _unshown(*values: Value) -> str | None:
    """Why a ratio has no reading (hidden by disclosure control, or missing), or None."""
    if any(is_hidden(v) for v in values):
        return NOT_SHOWN
    return MISSING if any(is_missing(v) for v in values) else None


def per_meeting_reading(estimate: Value, low: Value, high: Value, span: str, adjusted_for: str) -> Markup:
    """What the primary analysis's odds ratio per recent meeting says, its numbers in bold, e.g.
    'About 1.00 (95% confidence interval 0.89 to 1.11): these data do not show that ...'.
    ``span``: the period ('four weeks'); ``adjusted_for``: what the model allows for (a noun phrase).
    """
    unshown = _unshown(estimate, low, high)
    if unshown is not None:
        return Markup(escape(unshown))
    lead = f"About {ratio(estimate)} (95% confidence interval {ratio_ci(low, high)}):"
    met = f"attending more meetings in the previous {span}"
    job = f"chance of starting a job in the next {span}, once {adjusted_for} are taken into account."
    way = direction(low, high)
    if way == "unclear":
        rest = f"these data do not show that {met} was followed by a higher {job} The interval includes 1 (no difference)"
        if ratio(estimate) != ratio(1.0):  # the estimate itself is not 1.00 at the shown precision
            rest += f"; the estimate leans towards a {'higher' if float(estimate) > 1 else 'lower'} chance"
        rest += ", so the data are consistent with meetings making no difference."
    else:
        side = "above" if way == "higher" else "below"
        rest = f"{met} was followed by a {way} {job} The whole interval is {side} 1 (no difference)."
    return Markup(f"<strong>{escape(lead)}</strong> {escape(rest)}")


def band_reading(level: str, estimate: Value, low: Value, high: Value) -> str:
    """One landmark band against the reference band, e.g. '5–8 meetings: 3.14 (1.23 to 8.01),
    a higher chance'."""
    unshown = _unshown(estimate, low, high)
    if unshown is not None:
        return f"{level}: not shown"
    way = direction(low, high)
    verdict = "no clear difference (the interval includes 1)" if way == "unclear" else f"a {way} chance"
    return f"{level}: {ratio(estimate)} ({ratio_ci(low, high)}), {verdict}"


def landmark_reading(bands: Sequence[Sequence[Any]], reference: str, weeks: int) -> str:
    """The landmark check in one sentence: each band against ``reference``; ``bands`` start (level
    label, odds ratio, low, high), e.g. forest rows, for the bands other than the reference."""
    if not bands:
        return ""
    readings = "; ".join(band_reading(*b[:4]) for b in bands)
    return (
        f"Landmark check, among clients still looking for work {weeks} weeks after engagement, "
        f"against those who had attended {reference} by then: {readings}."
    )


def published_reading(bands: Sequence[Sequence[Any]], reference: str) -> str:
    """The published-style model's largest band against the reference, as the headline it gives;
    ``bands`` as for :func:`landmark_reading`."""
    shown = [b[:4] for b in bands if _unshown(*b[1:4]) is None]
    if not shown:
        return ""
    level, estimate, low, high = max(shown, key=lambda b: float(b[1]))
    return (
        f"Read naively, clients with {level} had about {ratio(estimate)} times the odds of moving into "
        f"work of clients with {reference} (95% confidence interval {ratio_ci(low, high)})."
    )
