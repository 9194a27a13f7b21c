"""Fidelity teams matched to the service's areas by name, for the mapping assistant.

A fidelity review names a team ('Cardiff IPS', 'Co Durham', 'Sth Tyneside'); outcomes are counted
by the clients' area ('Cardiff', 'County Durham', 'South Tyneside'). Fidelity is set beside an area's
outcomes when the team's name is the area's, so a team whose name holds an area's name, or shortens
it word by word ('Co' for County, 'Sth' for South: each word the start of, or letters in order of,
the area's word, at least one word in full), is proposed as that area, to check; of two spellings
it fits, the full one ('County Durham', not 'Co Durham'). Spellings of one area that differ only in
case, spaces and punctuation count as one, written as the commonest.
"""

from __future__ import annotations

import re

from ipseval.ingest.propose_codes import CodeGuess

TEAM_AREA = 0.75  # a team whose name holds or shortens one area's name: that area, to check
SEVERAL_AREAS = 0.6  # ... when the name fits more than one area: the commonest, surely to check


def fold_name(text: str) -> str:
    """Lower-case words only, for finding one name inside another."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower().replace("&", " and ")).split())


def area_for_team(team: str, areas: list[tuple[str, int]], rows: int = 1) -> CodeGuess | None:
    """The area ``team`` names, from ``areas`` ((spelling, rows) of the clients' local_authority),
    as a code guess; None when it names none, or one written as the team is (case and punctuation
    aside: teams and areas are compared so)."""
    spellings = _spellings(areas)
    key = fold_name(team)
    if not key:
        return None
    fits = [(k, how) for k in spellings if (how := _fit(key, k)) is not None]
    # a shortened name the team fits ('Co Durham') gives way to the full one it shortens ('County Durham')
    fits = [(k, how) for k, how in fits if not any(_shortened(k, other) for other, _ in fits)]
    if not fits:
        return None
    best, how = max(fits, key=lambda f: (spellings[f[0]][1], f[0] == key))
    area = spellings[best][0]
    if best == key:  # written as the area is, but for case and punctuation: nothing to map
        return None
    confidence = TEAM_AREA if len(fits) == 1 else SEVERAL_AREAS
    others = [spellings[k][0] for k, _ in fits if k != best]
    also = f"; it may also be {', '.join(others[:3])}" if others else ""
    return CodeGuess(team, rows, area, confidence, f"{how.format(area=area)} (clients' areas){also}")


def _spellings(areas: list[tuple[str, int]]) -> dict[str, tuple[str, int]]:
    """Folded area name -> (its commonest spelling, rows of all its spellings)."""
    written: dict[str, int] = {}  # surrounding spaces are no spelling of their own
    for spelling, n in areas:
        written[spelling.strip()] = written.get(spelling.strip(), 0) + n
    out: dict[str, tuple[str, int, int]] = {}
    for spelling, n in written.items():
        key = fold_name(spelling)
        if not key:
            continue
        best, best_n, total = out.get(key, (spelling, 0, 0))
        out[key] = (spelling, n, total + n) if n > best_n else (best, best_n, total + n)
    return {k: (s, total) for k, (s, _, total) in out.items()}


def _fit(team: str, area: str) -> str | None:
    """How the folded team name fits the folded area name, or None."""
    if team == area:
        return "the team's name is the area's, '{area}'"
    if f" {area} " in f" {team} ":
        return "the team's name holds the area's name '{area}'"
    pairs = list(zip(team.split(), area.split(), strict=False))
    same_length = len(team.split()) == len(area.split())
    if same_length and any(x == y for x, y in pairs) and all(x == y or _shortens(x, y) for x, y in pairs):
        return "the team's name shortens the area's name '{area}'"
    return None


def _shortened(name: str, other: str) -> bool:
    """Whether the folded ``name`` shortens the folded ``other`` word by word."""
    return name != other and (_fit(name, other) or "").startswith("the team's name shortens")


def _shortens(short: str, word: str) -> bool:
    """'co' of 'county', 'sth' of 'south': the same first letter, the letters in order, shorter."""
    if not short or len(short) >= len(word) or short[0] != word[0] or short.isdigit():
        return False
    rest = iter(word[1:])
    return all(ch in rest for ch in short[1:])
