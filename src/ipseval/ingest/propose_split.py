"""Files that give more than one table, and tables given by more than one file, for the mapping
assistant.

A warehouse writes one contacts file holding both the appointments with clients and the contacts
with employers, told apart by a type column; the settings read such a file as both tables
(``[mapping.tables] "contacts.txt" = ["meetings", "employer_contacts"]``), each keeping its own rows
by that column. :func:`second_tables` proposes the second table when the type column's labels name
records of both (propose_filters).

A warehouse also splits a long extract into part files ('IPS_CNTCT_P1_20240105.txt',
'IPS_CNTCT_P2_20240105.txt'), named alike but for the part's number and with (nearly) the same
columns, perhaps in another order: :func:`part_groups` finds them, and each part is proposed as the
tables its first part is. :func:`merged` gives one proposal per standard table, its files' columns
and codes taken together, as the settings hold them.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ipseval.ingest.mapping import norm_name
from ipseval.ingest.propose_filters import RECORD_WORDS, type_filter
from ipseval.ingest.propose_read import LocalTable

SAME_COLUMNS = 0.8  # share of the narrower part's headers the other part has too
MIN_SAME_COLUMNS = 4  # a table cut by a word in its name has at least this many columns, all the same
SIBLINGS = {"meetings": "employer_contacts", "employer_contacts": "meetings"}
_PART = re.compile(r"(?i)(?<=[_\-\s])(?:p|part|pt)?0?\d(?=[_\-\s.])")


def part_groups(tables: list[LocalTable]) -> list[list[int]]:
    """Groups (two or more, by position) of files that are parts of one extract: the same name but
    for a part number, and the same columns (see the module docstring)."""
    by: dict[str, list[int]] = {}
    for i, t in enumerate(tables):
        key = _PART.sub("#", t.name)
        if key != t.name:
            by.setdefault(key, []).append(i)
    out = []
    for group in by.values():
        first = {norm_name(c.name) for c in tables[group[0]].columns}
        alike = [i for i in group if _alike(first, {norm_name(c.name) for c in tables[i].columns})]
        if len(alike) > 1:
            out.append(alike)
    grouped = {i for g in out for i in g}
    return out + _split_by_a_word([i for i in range(len(tables)) if i not in grouped], tables)


def _split_by_a_word(rest: list[int], tables: list[LocalTable]) -> list[list[int]]:
    """Sheets or files with the very same columns whose names differ in one word only: a table cut
    by area or team ('Referrals - Northfield', 'Referrals - Southmere'). The columns must be the
    same, not merely alike, as the differing word is no part number."""
    by: dict[frozenset[str], list[int]] = {}
    for i in rest:
        columns = frozenset(norm_name(c.name) for c in tables[i].columns)
        if len(columns) >= MIN_SAME_COLUMNS:
            by.setdefault(columns, []).append(i)
    out = []
    for group in by.values():
        names = [re.findall(r"[A-Za-z0-9']+", tables[i].name) for i in group]
        alike = [i for i, n in zip(group, names, strict=True) if _one_word_apart(names[0], n)]
        if len(alike) > 1:
            out.append(alike)
    return out


def _one_word_apart(a: list[str], b: list[str]) -> bool:
    """Whether two names have the same words but one, at the same place (or are the same name)."""
    return len(a) == len(b) > 1 and sum(x.lower() != y.lower() for x, y in zip(a, b, strict=True)) <= 1


def _alike(a: set[str], b: set[str]) -> bool:
    return bool(a and b) and len(a & b) >= SAME_COLUMNS * min(len(a), len(b))


def second_table(t, lookups: list) -> str | None:
    """The second table a contacts file gives, when its type column's labels (a row filter already
    proposed) name records of both meetings and employer contacts; None otherwise."""
    sibling = SIBLINGS.get(t.standard)
    if sibling is None or sibling not in RECORD_WORDS:
        return None
    for f in t.filters:
        k = next((k for k, c in enumerate(t.columns) if c.local == f.column), None)
        lookup = lookups[k] if k is not None else None
        if lookup is not None and type_filter(sibling, f.column, list(t.columns[k].evidence.top), lookup):
            return sibling
    return None


def sibling_filter(sib, column, lookup) -> None:
    """The second table's own row filter, by the same type column."""
    found = type_filter(sib.standard, column.local, list(column.evidence.top), lookup)
    if found is not None:
        sib.filters.append(found)
        for c in sib.columns:
            if c.local == column.local:
                c.standard, c.codes = None, []
                c.advice = f"says which rows to keep: see [mapping.codes.{sib.standard}.{c.local}]"


def merged(tables: list) -> list:
    """One proposal per standard table: the first file's, with the columns, codes and row filters
    of its other files (parts, or a file giving two tables) added."""
    out: dict[str, object] = {}
    for t in tables:
        if not t.standard:
            continue
        if t.standard not in out:
            out[t.standard] = replace(t, columns=list(t.columns), filters=list(t.filters))
            continue
        m = out[t.standard]
        m.local = f"{m.local}, {t.local}"
        m.rows += t.rows
        m.missing = [x for x in m.missing if x in t.missing]
        have = {c.local: k for k, c in enumerate(m.columns)}
        for c in t.columns:
            if c.local not in have:
                m.columns.append(c)
            elif m.columns[have[c.local]].standard == c.standard and c.standard:
                m.columns[have[c.local]] = replace(c, codes=_codes(m.columns[have[c.local]].codes, c.codes))
        filters = {f.column: f for f in m.filters}
        for f in t.filters:
            if f.column in filters:
                held = filters[f.column]
                held.entries = _codes(held.entries, f.entries)
                held.unlisted = list(dict.fromkeys([*held.unlisted, *f.unlisted]))  # each part's own
            else:
                m.filters.append(f)
    return list(out.values())


def _codes(first: list, more: list) -> list:
    """Two files' guesses of one column taken together: one per value, its rows summed, the surer
    guess kept."""
    by = {norm_name(g.value): g for g in first}
    for g in more:
        key = norm_name(g.value)
        if key not in by:
            by[key] = g
            continue
        best = by[key] if by[key].confidence >= g.confidence else g
        by[key] = replace(best, rows=by[key].rows + g.rows)
    return sorted(by.values(), key=lambda g: -g.rows)
