"""A coded value read through the label a lookup in the export gives it ('G = Mixed - Any other mixed
background' on a Lookups sheet): the export's own word for what the code means beats a guess from
the vocabulary, whether the guess is from the value alone (the NHS letters) or from the label's
words read loosely.

Lookup labels are often a group, a dash and a detail ('White - Irish', 'Other Ethnic Groups -
Chinese', 'Cancelled: by client'). The group is the export's own classification, so it is read
first: 'Mixed - Any other mixed background' is mixed, though its detail holds the words 'any other'.
When the detail alone clearly reads as another code ('Chinese': asian, under 'Other Ethnic Groups'),
the group's code is proposed at JUDGEMENT (to check) with both readings said; but a group naming a
particular code that its detail narrows to another ('Universal Credit - in work') gives the detail's
code, to check. A label whose words
name no code leaves the value's own reading in place ('Attended = Appointment took place': yes, as
'Attended' reads), the lookup still said.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ipseval.ingest.mapping import norm_name
from ipseval.ingest.propose_codes import CATCH_ALL, JUDGEMENT, CodeGuess, codes_named, guess_code
from ipseval.ingest.propose_lookups import Lookup
from ipseval.schema import Column

CLEAR = 0.85  # a reading at least this sure counts (a word of a usual label, or better)
# A group and its detail: 'White - Irish', 'Mixed – White and Asian', 'Cancelled: by client'.
_ACRONYM = re.compile(r"\(([A-Z][A-Z0-9\-]{2,11})\)")  # '(SWEMWBS)', '(TOP)': the name a thing goes by
_GROUP = re.compile(r"^(?P<group>[^:–—]*?\S)\s+[-–—]\s+(?P<detail>\S.*)$|^(?P<g2>[^:]*?\S):\s*(?P<d2>\S.*)$")


def label_code(label: str, column: Column, rows: int = 1) -> CodeGuess:
    """The code a lookup's label means in ``column``: its group first (see the module docstring)."""
    acronym = _ACRONYM.search(label)
    if acronym is not None:  # 'Short Warwick-Edinburgh ... Scale (SWEMWBS)': the name it goes by
        named = guess_code(acronym.group(1), column, rows)
        if named.code is not None and named.confidence >= CLEAR:
            return replace(named, value=label, how=f"'{acronym.group(1)}' in its label: {named.how}")
    whole = guess_code(label, column, rows)
    m = _GROUP.match(label.strip())
    if m is None:
        return whole
    group, detail = (
        (m.group("group"), m.group("detail")) if m.group("group") else (m.group("g2"), m.group("d2"))
    )
    by_group = guess_code(group, column, rows)
    by_detail = guess_code(detail, column, rows)
    if by_group.code is None or by_group.confidence < CLEAR:
        # a group that names no code clearly ('Universal Credit - in work', 'Rented - council'):
        # the detail says which code, when it reads clearly and the whole label does not
        clear = (
            by_detail.code is not None and by_detail.confidence >= CLEAR and by_detail.code not in CATCH_ALL
        )
        if clear and (whole.code is None or whole.confidence < CLEAR):
            return replace(by_detail, value=label, how=f"its detail '{detail}': {by_detail.how}")
        return whole
    clash = (
        by_detail.code is not None
        and by_detail.code != by_group.code
        and by_detail.confidence >= CLEAR
        and by_detail.code not in CATCH_ALL  # 'any other ... background' inside a group is that group
        and len(codes_named(detail, column)) == 1  # 'White and Black Caribbean' names two: no reading
    )
    if by_group.code == "" and by_detail.code:  # 'Not applicable - appointment in the future': why
        return replace(
            by_detail, value=label, how=f"the group '{group}' says no value; its detail: {by_detail.how}"
        )
    if clash and by_group.code not in CATCH_ALL:
        # a group naming a code that its detail narrows to another ('Universal Credit - in work',
        # 'Rented - council'): the detail is the more particular reading, still to check
        how = (
            f"its detail '{detail}' reads as {by_detail.code} ({by_detail.how}), though the group "
            f"'{group}' alone would read as {by_group.code}: the detail proposed"
        )
        return replace(by_detail, value=label, confidence=JUDGEMENT, how=how)
    if clash:
        how = (
            f"the group '{group}' reads as {by_group.code} ({by_group.how}), though '{detail}' alone "
            f"would read as {by_detail.code}: the export's group proposed"
        )
        return replace(by_group, value=label, confidence=JUDGEMENT, how=how)
    return replace(by_group, value=label, how=f"the group '{group}': {by_group.how}")


def by_lookup(g: CodeGuess, column: Column, lookup: Lookup) -> CodeGuess:
    """``g`` (a value's own guess) read again through the label ``lookup`` gives the value: the
    label's code wins; a label that names no code leaves ``g``'s code, the lookup said."""
    label = lookup.codes.get(norm_name(g.value))
    if label is None:
        return g if g.as_is or g.code == "" else _not_listed(g, lookup)
    said = lookup.evidence(g.value)
    by = label_code(label, column, g.rows)
    if by.code is None:
        if g.code is None:
            return replace(g, how=f"{said}: {by.how}")
        return replace(g, how=f"{said}, which names no code; the value itself: {g.how}")
    how = f"{said}: {by.how}"
    if g.code is not None and g.code != by.code and by.confidence >= CLEAR:
        how += f" (the value alone would read as {g.code}: the export's lookup is taken)"
    return replace(g, code=by.code, confidence=by.confidence, how=how, as_is=g.as_is and by.code == g.code)


def _not_listed(g: CodeGuess, lookup: Lookup) -> CodeGuess:
    """A value the column's own lookup does not list: likely a fault in the data (a code keyed
    wrongly, or one added to the system after its lookup), so left for a person, not guessed."""
    how = (
        f"not in the lookup '{lookup.headings[0]}' on '{lookup.where}', which lists "
        f"{len(lookup.codes)} codes for this column: a likely fault, to check in the data"
    )
    return replace(g, code=None, confidence=0.0, how=how, as_is=False)
