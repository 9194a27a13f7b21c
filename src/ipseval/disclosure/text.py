"""Counts of people in free text: found, and taken out before anything leaves.

Analyses write notes ("… of the clients …"), reasons and model cards in words. A count of people
in a sentence is outside every relation the audit knows, so it must not be there at all: the
analyses are written not to put one there, and this module is the net under them. A number
followed (within a few words) by a word for people — clients, people, job starts, events … — is
replaced by "some", unless it is a threshold ("at least 20 clients", "fewer than 5 people").
"""

from __future__ import annotations

import re

from ..results import ProtectedTable
from ..settings import Disclosure

__all__ = ["PEOPLE_COUNT", "people_counts", "scrub", "scrub_notes"]

_PEOPLE = (
    r"(?:clients?|people|persons?|job starts?|job entries|job entrants?|first jobs?|events?|"
    r"referrals|participants?|person-periods?|cases|individuals|men|women)"
)
PEOPLE_COUNT = re.compile(
    rf"(?<![\w.,\-–])(\d[\d,]*)\b(?!\s+or\s+(?:fewer|more|less))(?!\s*[-–]\d)"
    rf"(?:\s+(?:of|out of)(?:\s+the)?\s+\d[\d,]*)?(?:\s+[\w-]+){{0,3}}?\s+{_PEOPLE}\b",
    re.IGNORECASE,
)
_THRESHOLD = re.compile(
    r"(?:at least|at most|fewer than|less than|more than|under|over|below|above|minimum of|up to|or more)\s*$",
    re.IGNORECASE,
)


def people_counts(text: str) -> list[str]:
    """The phrases of ``text`` that state a count of people (thresholds excepted)."""
    return [m.group(0) for m in PEOPLE_COUNT.finditer(text) if not _THRESHOLD.search(text[: m.start()])]


def scrub(text: str) -> str:
    """``text`` with every count of people replaced by 'some' (thresholds kept)."""

    def repl(m: re.Match) -> str:
        if _THRESHOLD.search(text[: m.start()]):
            return m.group(0)
        return re.sub(r"\d[\d,]*", "some", m.group(0), count=2).replace("some of some", "some of the")

    # "all 146 clients" says no count once the number goes: "all clients", not "all some clients"
    return _ALL_SOME.sub(r"\1", PEOPLE_COUNT.sub(repl, text))


_ALL_SOME = re.compile(r"\b(all|both|each of the|every one of the)\s+some\b", re.IGNORECASE)


def scrub_notes(table: ProtectedTable, policy: Disclosure) -> ProtectedTable:
    """The table with counts of people taken out of its notes (not under policy 'none')."""
    if policy.policy == "none":
        return table
    notes = [scrub(n) for n in table.notes]
    if notes == table.notes:
        return table
    table.notes = notes
    return table
