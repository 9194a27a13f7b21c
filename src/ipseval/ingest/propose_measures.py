"""One local label per wellbeing measure: two labels proposed as the same measure cannot both be it.

A long wellbeing file names each measure once ('TOP_CRK', 'TOP_COC'); when two of its labels are
proposed as one measure ('TOP_COC' read loosely as crack, beside 'TOP_CRK'), the reader would take
both rows as one measure of the form, so only the surest keeps the proposal and the other is left
for a person, saying which label has it. A score converted from another ('SWEMWBS total (metric
score, Rasch-converted)' beside the raw total) is proposed as left out: it is not the measure the
standard holds, and reading it as that measure would clash with the raw one.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ipseval.ingest.mapping import norm_name
from ipseval.ingest.propose_codes import JUDGEMENT, CodeGuess
from ipseval.ingest.propose_lookups import Lookup

_CONVERTED = re.compile(
    r"\b(metric|converted|conversion|rasch|transformed|standardi[sz]ed|percent(age)?)\b", re.I
)
_NOT_MEASURES = ("", "leave_out")


def _label(g: CodeGuess, lookup: Lookup | None) -> str:
    said = lookup.codes.get(norm_name(g.value)) if lookup is not None else None
    return f"{g.value} {said or ''}"


def one_measure_each(guesses: list[CodeGuess], lookup: Lookup | None = None) -> list[CodeGuess]:
    """``guesses`` of a measure column with each measure proposed for one label only (see the
    module docstring)."""
    by: dict[str, list[CodeGuess]] = {}
    for g in guesses:
        if g.code is not None and g.code not in _NOT_MEASURES:
            by.setdefault(g.code, []).append(g)
    out = {id(g): g for g in guesses}
    for code, gs in by.items():
        if len(gs) < 2:
            continue
        ranked = sorted(
            gs, key=lambda g: (bool(_CONVERTED.search(_label(g, lookup))), -g.confidence, -g.rows)
        )
        keeper = ranked[0]
        for g in ranked[1:]:
            out[id(g)] = _loser(g, code, keeper, lookup)
    return [out[id(g)] for g in guesses]


def _loser(g: CodeGuess, code: str, keeper: CodeGuess, lookup: Lookup | None) -> CodeGuess:
    if _CONVERTED.search(_label(g, lookup)) and not _CONVERTED.search(_label(keeper, lookup)):
        how = (
            f"a converted score beside '{keeper.value}', the {code} itself ({g.how}): its rows are left "
            "out, so that they are not read as a second " + code
        )
        return replace(g, code="leave_out", confidence=JUDGEMENT, how=how, as_is=False)
    how = f"{g.how}; but '{keeper.value}' is surer of {code}, and one label gives one measure: choose"
    return replace(g, code=None, confidence=0.0, how=how, as_is=False)
