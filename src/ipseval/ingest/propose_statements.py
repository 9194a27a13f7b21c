"""The mapping assistant for Warwick-Edinburgh items named by their statements, not their numbers.

Many case systems head a wellbeing form's item columns with the statement the client rates ("I've
been feeling optimistic about the future", "Useful", "Close to others") rather than 'Q1'. Each of
WEMWBS's 14 statements is known here by the words that tell it from the others ('optimistic',
'useful', 'interested' with 'people', 'mind'); a column whose name holds the words of exactly one
statement is that item. SWEMWBS has 7 of WEMWBS's statements (items 1, 2, 3, 6, 7, 9 and 11, in
that order: its item_01 ... item_07), so the same column is a different item number in each; the
instrument is the one the file's name gives, else SWEMWBS when every statement found is one of its
7 and WEMWBS when some is not. Beside the items, a column of each form's raw total ('Raw Score',
'Total') is proposed as the measure total; a converted score ('Metric Score') is not it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ipseval.ingest.totals import as_number

if TYPE_CHECKING:
    from ipseval.ingest.propose_read import LocalColumn

# WEMWBS item -> the sets of words, any one of which tells its statement from the other 13
STATEMENT_WORDS: dict[int, tuple[frozenset[str], ...]] = {
    n: tuple(frozenset(w.split()) for w in words)
    for n, words in {
        1: ("optimistic",),  # I've been feeling optimistic about the future
        2: ("useful",),  # I've been feeling useful
        3: ("relaxed",),  # I've been feeling relaxed
        4: ("interested people", "interested others"),  # I've been feeling interested in other people
        5: ("energy",),  # I've had energy to spare
        6: ("problems",),  # I've been dealing with problems well
        7: ("thinking", "clearly"),  # I've been thinking clearly
        8: ("good myself",),  # I've been feeling good about myself
        9: ("close",),  # I've been feeling close to other people
        10: ("confident",),  # I've been feeling confident
        11: ("mind",),  # I've been able to make up my own mind about things
        12: ("loved",),  # I've been feeling loved
        13: ("interested new", "new things"),  # I've been interested in new things
        14: ("cheerful",),  # I've been feeling cheerful
    }.items()
}
SHORT_FORM = (1, 2, 3, 6, 7, 9, 11)  # the WEMWBS items SWEMWBS asks, in its own order
STATEMENT_SURE = 0.8  # an item read from its statement's words: to check
_TOTAL = re.compile(r"\b(?:total|sum|raw\s*score|score)\b", re.I)
_CONVERTED = re.compile(r"\b(?:metric|converted|conversion|rasch|transformed|standardi[sz]ed)\b", re.I)


def statement_item(name: str) -> int | None:
    """The WEMWBS item whose statement ``name`` gives ('Feeling useful' -> 2), or None when it
    gives none or the words of two."""
    words = set(re.findall(r"[a-z]+", name.lower()))
    found = {n for n, keys in STATEMENT_WORDS.items() if any(k <= words for k in keys)}
    return found.pop() if len(found) == 1 else None


def statement_items(names: list[str], instrument: str | None) -> tuple[str, dict[str, int]] | None:
    """(instrument, column -> item number) of the columns named by a statement, each item once;
    the instrument as in the module docstring. None when no column names one."""
    found: dict[str, int] = {}
    for name in names:
        n = statement_item(name)
        if n is not None and n not in found.values():
            found[name] = n
    if not found:
        return None
    if instrument is None:
        instrument = "SWEMWBS" if set(found.values()) <= set(SHORT_FORM) else "WEMWBS"
    if instrument == "SWEMWBS":
        return instrument, {c: SHORT_FORM.index(n) + 1 for c, n in found.items() if n in SHORT_FORM}
    return instrument, found


def total_beside(columns: list[LocalColumn], items: set[str]) -> str | None:
    """The column beside the items that holds each form's raw total ('Raw Score', 'Total'): named
    as a total or a score, not converted, every value a number. None if none."""
    for c in columns:
        if c.name in items or not _TOTAL.search(c.name) or _CONVERTED.search(c.name) or not c.values:
            continue
        if all(as_number(v) is not None for v in c.values):
            return c.name
    return None
