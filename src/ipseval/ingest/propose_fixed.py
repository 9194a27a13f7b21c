"""Columns a file does not have because every row shares one value: a wellbeing file that holds
one questionnaire has no instrument column. ``map`` proposes ``[mapping.fixed.<table>]`` for them,
with the value the file's name or its measures say, marked CHECK.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ipseval.ingest.propose_codes import guess_code
from ipseval.ingest.propose_columns import wellbeing_codes


@dataclass
class FixedProposal:
    table: str  # standard table
    column: str  # standard column the file lacks
    value: str
    how: str  # the evidence, in words


def propose_fixed(
    local: str, standard: str | None, measures: list[str], missing: list[str]
) -> FixedProposal | None:
    """The instrument of a wellbeing file without an instrument column, from the file's name
    ('WEMWBS_responses.csv') or, failing that, its measures' names ('SURE total'); None when
    neither says, or the file has the column."""
    if standard != "wellbeing" or "instrument" not in missing:
        return None
    column = wellbeing_codes("instrument")
    stem = local.rsplit(".", 1)[0] if "." in local else local
    for text, where in ((stem, "the file's name"), *((m, "a measure's name") for m in measures)):
        for word in [text, *re.split(r"[\W_]+", text)]:
            g = guess_code(word, column) if word else None
            if g is not None and g.code and g.confidence >= 0.9:
                return FixedProposal("wellbeing", "instrument", g.code.upper(), f"{where}: '{word}'")
    return None
