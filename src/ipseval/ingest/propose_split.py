"""Files that give more than one table, and tables given by more than one file, for the mapping
assistant.

A warehouse writes one contacts file holding both the appointments with clients and the contacts
with employers, told apart by a type column; the settings read such a file as both tables
(``[mapping.tables] "contacts.txt" = ["meetings", "employer_contacts"]``), each keeping its own rows
by that column. :func:`second_table` proposes the second table when the type column's labels name
records of both: by the codebook's labels or their own words (propose_filters, propose_kinds), or
when the meetings' mode column itself names employer contacts ('Face to face', 'Employer visit'):
the employer contacts then read that column as face_to_face, every label of another kind left out.

A warehouse also splits a long extract into part files ('IPS_CNTCT_P1_20240105.txt',
'IPS_CNTCT_P2_20240105.txt'; one file a financial year, each stamped with its run's time:
'Contacts_FY2019-20_20240108_0603.csv'), named alike but for part numbers and dates (part_names) and
with (nearly) the same columns, perhaps in another order: :func:`part_groups` finds them, and each
part is proposed as the tables its first part is (the later parts take no table of their own), its
columns as the first part's (:func:`align_parts`). :func:`merged` gives one proposal per standard
table, its files' columns and codes taken together, as the settings hold them.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import PurePath

from ipseval.ingest import TEXT_SUFFIXES
from ipseval.ingest.mapping import LEAVE_OUT, norm_name
from ipseval.ingest.part_names import part_key, same_columns
from ipseval.ingest.propose_codes import CodeGuess, guess_code
from ipseval.ingest.propose_filters import RECORD_WORDS, kinds_filter, own_label_filter, type_filter
from ipseval.ingest.propose_kinds import EMPLOYER_CONTACTS, MODE_UNSAID, SURE_KIND, record_kind
from ipseval.ingest.propose_read import LocalTable
from ipseval.schema import TABLES

MIN_SAME_COLUMNS = 4  # a table cut by a word in its name has at least this many columns, all the same
SIBLINGS = {"meetings": "employer_contacts", "employer_contacts": "meetings"}
MODE, FACE_TO_FACE = "mode", "face_to_face"  # a meeting's mode; whether an employer contact was face to face
MODE_AS_FACE_TO_FACE = 0.7  # the meetings' mode column read as the employer contacts' face_to_face: to check


def part_groups(tables: list[LocalTable]) -> list[list[int]]:
    """Groups (two or more, by position) of files that are parts of one extract: the same name but
    for a part number, and the same columns (see the module docstring)."""
    by: dict[str, list[int]] = {}
    for i, t in enumerate(tables):
        key = part_key(_stem(t.name))
        if key is not None:
            by.setdefault(key, []).append(i)
    out = []
    for group in by.values():
        first = {norm_name(c.name) for c in tables[group[0]].columns}
        alike = [i for i in group if same_columns(first, {norm_name(c.name) for c in tables[i].columns})]
        if len(alike) > 1:
            out.append(alike)
    grouped = {i for g in out for i in g}
    return out + _split_by_a_word([i for i in range(len(tables)) if i not in grouped], tables)


def align_parts(groups: list[list[int]], tables: list, codes_for) -> None:
    """The later parts of each group (``tables``: proposals by position) read as their first part
    is: the settings map a column once for all the files of a table, so a column a later part
    proposed otherwise (its own values too few to tell) takes the first part's standard column,
    its values guessed for it (``codes_for(position, column, standard)``: the guesses)."""
    for group in groups:
        first = tables[group[0]]
        held = {c.local: c for c in first.columns}
        for i in group[1:]:
            for c in tables[i].columns:
                h = held.get(c.local)
                if h is None or h.standard == c.standard or tables[i].standard != first.standard:
                    continue
                c.standard, c.confidence, c.how, c.advice = h.standard, h.confidence, h.how, h.advice
                c.codes = codes_for(i, c, h.standard) if h.standard else []


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


def _stem(name: str) -> str:
    """A file's name without its suffix; a sheet's name as it is."""
    return PurePath(name).stem if PurePath(name).suffix.lower() in TEXT_SUFFIXES else name


def second_table(t, lookups: list) -> tuple[str, str] | None:
    """(the second table a contacts file gives, the column telling their rows apart), when its type
    column's labels name records of both meetings and employer contacts: a row filter's labels by
    their lookup or by their words (propose_filters), or a meeting's mode column whose labels name
    employer contacts (propose_kinds); None otherwise."""
    sibling = SIBLINGS.get(t.standard)
    if sibling is None or sibling not in RECORD_WORDS:
        return None
    for f in t.filters:
        k = next((k for k, c in enumerate(t.columns) if c.local == f.column), None)
        lookup = lookups[k] if k is not None else None
        if f.own_labels and any(record_kind(g.value).kind == sibling for g in f.entries if g.value):
            return sibling, f.column
        if lookup is not None and type_filter(sibling, f.column, list(t.columns[k].evidence.top), lookup):
            return sibling, f.column
    modes = [c for k, c in enumerate(t.columns) if c.standard == MODE and lookups[k] is None]
    if sibling == EMPLOYER_CONTACTS and modes and _names_employers(modes[0].codes):
        return sibling, modes[0].local
    return None


def _names_employers(codes: list[CodeGuess]) -> bool:
    """Whether some label of a mode column is left out as surely naming an employer contact."""
    return any(
        g.code == LEAVE_OUT
        and (k := record_kind(g.value)).kind == EMPLOYER_CONTACTS
        and k.confidence >= SURE_KIND
        for g in codes
    )


def split_rows(first, sib, k: int, lookup, blanks: int) -> None:
    """The second table's own way of keeping its rows, by the first's type column ``k``: the same
    column's lookup labels or plain words as a row filter; or, the column being the meetings' mode,
    as the employer contacts' face_to_face, every other label left out (see employer_modes). A
    mode column of the meetings gives the employer contacts' face_to_face too."""
    column, said = sib.columns[k], first.columns[k]
    values = list(column.evidence.top)
    if lookup is not None:
        found = type_filter(sib.standard, column.local, values, lookup)
    elif said.standard == MODE and _as_face_to_face(sib, column, employer_modes(values, blanks), said):
        return
    elif said.standard == MODE:  # another column is surely face_to_face: this one keeps the rows
        found = kinds_filter(sib.standard, column.local, values, blanks)
    else:
        found = own_label_filter(sib.standard, column.local, values, blanks)
    if found is None:
        return
    sib.filters.append(found)
    column.standard, column.codes = None, []
    column.advice = f"says which rows to keep: see [mapping.codes.{sib.standard}.{column.local}]"
    j = next((j for j, c in enumerate(first.columns) if c.standard == MODE), None)
    if sib.standard == EMPLOYER_CONTACTS and j is not None and lookup is None:
        codes = [_mode_as_face_to_face(g) for g in first.columns[j].codes]
        _as_face_to_face(sib, sib.columns[j], codes, first.columns[j])


def _mode_as_face_to_face(g: CodeGuess) -> CodeGuess:
    """A meeting's mode label read as whether an employer contact was face to face: yes for
    face_to_face, no for any other mode (less surely for 'other'); blank, left out or undecided as
    the mode was."""
    if g.code in (None, "", LEAVE_OUT):
        return replace(g, as_is=False)
    code = "yes" if g.code == "face_to_face" else "no"
    sure = min(g.confidence, MODE_AS_FACE_TO_FACE) if g.code == "other" else g.confidence
    return replace(g, code=code, confidence=sure, how=f"the mode {g.code} ({g.how})", as_is=False)


def _as_face_to_face(sib, column, codes: list[CodeGuess], said) -> bool:
    """``column`` of the employer contacts read as face_to_face (the meetings read it as mode),
    unless another of its columns is surely face_to_face (False then)."""
    held = next((c for c in sib.columns if c.standard == FACE_TO_FACE and c is not column), None)
    if held is not None and held.sure:
        return False
    if held is not None:
        held.alternatives = [(FACE_TO_FACE, held.confidence), *held.alternatives][:3]
        held.standard, held.confidence, held.codes = None, 0.0, []
    column.standard, column.codes, column.advice = FACE_TO_FACE, codes, None
    column.confidence = min(said.confidence, MODE_AS_FACE_TO_FACE)
    column.how = f"the meetings read it as their mode ({said.how}): face to face or not"
    return True


def employer_modes(values: list[tuple[str, int]], blanks: int) -> list[CodeGuess]:
    """A mode column's labels as the employer contacts' face_to_face: an employer contact's label by
    its mode ('Employer visit' yes, 'Employer email' no, a label naming none blank, to check), every
    other label and a blank cell left out (a client meeting, a note: no employer contact)."""
    column = TABLES[EMPLOYER_CONTACTS].column(FACE_TO_FACE)
    out = []
    for value, rows in values:
        kind = record_kind(value)
        if kind.kind != EMPLOYER_CONTACTS:
            how = f"{kind.how}: not an employer contact; the row is left out of employer_contacts"
            out.append(CodeGuess(value, rows, LEAVE_OUT, kind.confidence, how))
            continue
        g = guess_code(value, column, rows)
        if g.code in (None, LEAVE_OUT):
            how = f"{kind.how}, but not how it was made: face_to_face left blank (not recorded)"
            out.append(CodeGuess(value, rows, "", min(kind.confidence, MODE_UNSAID), how))
        else:
            out.append(replace(g, confidence=min(g.confidence, kind.confidence), how=f"{kind.how}; {g.how}"))
    if blanks:
        out.append(
            CodeGuess("", blanks, LEAVE_OUT, SURE_KIND, "a blank type: not said to be an employer contact")
        )
    return out


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
