"""Which column holds the client's id, and which the specialist's, by what their values are, not only
by their names.

Client ids. In a table with many rows per client (meetings, jobs, wellbeing...), the client's column
is the one whose values are the clients table's ids, once both are normalised as validate matches
them (validate_ids.keys: case, punctuation, a common prefix and leading zeros set aside, so 1134 is
HZN-001134): an 'Appt ID' numbered 55001, 55002... is not, however its name reads. A column whose
values differ on every row of such a table is a row id, never taken for client_id on its name alone.

Specialist ids. The staff table's id is the column the other tables' specialist columns hold; of two
that fit (a 'Worker Code' GAT01 and a 'Worker Name' 'Dodds, Rachel'), codes rather than people's
names. A specialist column elsewhere holding the names (a caseload's 'Key Worker') is read as the
codes through the staff table: each name is proposed as a code mapping to its code (to check).
"""

from __future__ import annotations

import re

import polars as pl

from ipseval.ingest.mapping import norm_name
from ipseval.ingest.propose_read import LocalTable
from ipseval.ingest.propose_staff import (
    HELD,
    StaffNames,
    holds_names,
    name_codes,
    share_held,
    staff_names,
)
from ipseval.schema import TABLES
from ipseval.validate_ids import keys
from ipseval.validate_staff import looks_like_names

CLIENT_ID = "client_id"
SPECIALIST = "employment_specialist_id"
MATCHED = 0.5  # share of a column's distinct values that must be client ids
COVERAGE = 0.1  # ... and of the clients' ids it must name (at least MIN_MATCHED)
MIN_MATCHED = 3
ROW_ID_MIN_ROWS = 20  # a column different on every one of this many rows is a row id
ROW_ID_CONFIDENCE = 0.5  # a row id kept as client_id for want of another column: to check
NAMES_READ_AS_CODES = 0.75  # a specialist column of names read as codes: to check


def choose_client_ids(tables: list, clients_table: str = "clients") -> None:
    """Each table's client_id chosen by its values (see the module docstring), the reason in its
    ``how``; ``tables``: propose.TableProposal, changed in place."""
    clients = next((t for t in tables if t.standard == clients_table), None)
    source = next((c for c in clients.columns if c.standard == CLIENT_ID), None) if clients else None
    known = _keys([v for v, _ in source.evidence.top]) if source else set()
    for t in tables:
        if t is clients or not t.standard or CLIENT_ID not in TABLES[t.standard].column_names:
            continue
        found = _by_values(t, known, source, clients) if known else None
        if found is None:
            _not_a_row_id(t)
        for c in t.columns:  # say why a row id, the next best name for it, is not taken
            best = c.alternatives[0][0] if c.alternatives else None
            if c.standard is None and not c.advice and best == CLIENT_ID and _row_id(c):
                c.advice = f"a row id, not the client's: every value is different on {c.evidence.n:,} rows"


def _keys(values: list[str]) -> set[str]:
    """The ids' keys as validate matches them; values with a space inside are left out first (a
    footer line such as 'Total records: 169' would hide the prefix the ids share)."""
    ids = [v.strip() for v in values if v.strip() and not re.search(r"\s", v.strip())]
    return set(keys(pl.Series(ids, dtype=pl.Utf8)).drop_nulls().to_list())


def _by_values(t, known: set[str], source, clients) -> bool | None:
    """The column of ``t`` whose values name most clients (at least MATCHED of its own values and
    COVERAGE of the clients); True when one does."""
    best = None
    for c in t.columns:
        taken = c.standard not in (None, CLIENT_ID) and c.sure  # a sure guess for another column stays
        if c.advice or taken or (found := _clients_named(c, known)) is None:
            continue
        if best is None or found[0] > best[0]:
            best = (*found, c)
    if best is None:
        return None
    matched, distinct, chosen = best
    words = (
        f"its values are the clients' ids ('{source.local}' in {clients.local}) once case, punctuation, "
        f"prefix and leading zeros are set aside: {matched} of its {distinct} distinct values"
    )
    current = next((c for c in t.columns if c.standard == CLIENT_ID), None)
    if current is not None and current is not chosen:
        current.standard, current.confidence = None, 0.0
        current.advice = (
            f"not the client's id: its values are not the clients' ids; '{chosen.local}' holds them"
        )
    share = matched / distinct
    if chosen.standard not in (None, CLIENT_ID):  # an unsure guess for another column gives way
        words += f" (not {chosen.standard}, as its name suggested)"
        if TABLES[t.standard].column(chosen.standard).required:
            t.missing.append(chosen.standard)
    if chosen.standard != CLIENT_ID:
        chosen.standard, chosen.how = CLIENT_ID, words
        chosen.confidence = round(0.6 + 0.35 * share, 2)
        chosen.alternatives = [a for a in chosen.alternatives if a[0] != CLIENT_ID]
    else:
        chosen.confidence = round(max(chosen.confidence, 0.6 + 0.35 * share), 2)
        chosen.how = f"{chosen.how}; {words}"
    t.missing = [m for m in t.missing if m != CLIENT_ID]
    return True


def _clients_named(c, known: set[str]) -> tuple[int, int] | None:
    """(clients' ids named, distinct values) of a column whose values are clients' ids (at least
    MATCHED of its own values and COVERAGE of the clients), else None."""
    if c.evidence.kind not in ("code", "text", "integer"):
        return None
    mine = _keys([v for v, _ in c.evidence.top])
    matched = len(mine & known)
    if not mine or matched / len(mine) < MATCHED or matched < max(MIN_MATCHED, COVERAGE * len(known)):
        return None
    return matched, len(mine)


def names_no_clients(t, tables: list) -> bool:
    """Whether the clients' ids are known (``tables``: the proposals) and no column of ``t`` holds
    them: a file of employer contacts, whose 'Telephone call' rows are then no client meetings."""
    clients = next((x for x in tables if x.standard == "clients"), None)
    source = next((c for c in clients.columns if c.standard == CLIENT_ID), None) if clients else None
    known = _keys([v for v, _ in source.evidence.top]) if source else set()
    return bool(known) and t is not clients and all(_clients_named(c, known) is None for c in t.columns)


def _not_a_row_id(t) -> None:
    """With no clients' ids to compare: a client_id differing on every row of a table of many rows
    per client is a row id; the next best-named column is taken instead, or it stays, to check."""
    if TABLES[t.standard].column(CLIENT_ID).unique:
        return
    current = next((c for c in t.columns if c.standard == CLIENT_ID), None)
    if current is None or not _row_id(current):
        return
    others = [
        (dict(c.alternatives).get(CLIENT_ID, 0.0), c)
        for c in t.columns
        if c.standard is None and not c.advice and not _row_id(c)
    ]
    score, other = max(others, key=lambda x: x[0], default=(0.0, None))
    why = f"every value of '{current.local}' is different on {current.evidence.n} rows: a row id, not the client's"
    if other is None or score <= 0:
        current.confidence = min(current.confidence, ROW_ID_CONFIDENCE)
        current.how = f"{current.how}; {why}?"
        return
    current.standard, current.confidence, current.advice = None, 0.0, why
    other.standard, other.confidence = CLIENT_ID, round(score, 2)
    other.how = f"the next best name for it ('{current.local}' is not: {why})"
    other.alternatives = [a for a in other.alternatives if a[0] != CLIENT_ID]


def _row_id(c) -> bool:
    ev = c.evidence
    return ev.n >= ROW_ID_MIN_ROWS and ev.distinct == ev.n


def choose_specialist_ids(tables: list, local: list[LocalTable]) -> None:
    """The staff table's id column by the other tables' values, codes before names; a specialist
    column of names elsewhere read as codes through the staff table (see the module docstring).
    ``local``: the tables as read, in the order of ``tables``."""
    staff_i = next((i for i, t in enumerate(tables) if t.standard == "staff"), None)
    if staff_i is None:
        return
    staff = tables[staff_i]
    users = [(t, c) for t in tables if t is not staff for c in t.columns if c.standard == SPECIALIST]
    candidates = [
        c
        for c in staff.columns
        if not c.advice
        and c.evidence.kind in ("code", "text", "integer")
        and (c.standard == SPECIALIST or (c.standard is None and _named_or_keyed(c, users)))
    ]
    held = {id(c): _held_by(c, users) for c in candidates}
    codes = [c for c in candidates if held[id(c)] and not looks_like_names([v for v, _ in c.evidence.top])]
    current = next((c for c in staff.columns if c.standard == SPECIALIST), None)
    current = _by_values_elsewhere(staff, current, candidates, held)
    if current is None and codes:  # no name fitted: the column the others' specialists are
        current = max(codes, key=lambda c: sum(s for _, s in held[id(c)]))
        current.standard, current.confidence = SPECIALIST, 0.85
        current.how = f"the other tables' specialists are its values ({_said(held[id(current)])})"
    if codes and current is not None and all(current is not c for c in codes):
        code = max(codes, key=lambda c: held[id(c)])
        current.standard, current.confidence = None, 0.0
        current.advice = f"people's names: the ids are the codes in '{code.local}'"
        code.standard, code.confidence = SPECIALIST, 0.9
        code.how = f"codes the other tables' specialist columns hold ({_said(held[id(code)])})"
        code.alternatives = [a for a in code.alternatives if a[0] != SPECIALIST]
        current = code
    if current is None:
        return
    for t, c in users:  # a column holding the staff ids is surely the specialist's
        if c.confidence < 0.8 and _held_by(current, [(t, c)]):
            c.confidence, c.how = (
                0.8,
                f"{c.how}; its values are the staff ids ('{current.local}', {staff.local})",
            )
    if not looks_like_names([v for v, _ in current.evidence.top]):  # names elsewhere are then ids
        _names_read_as_codes(staff, local[staff_i], current, users)
    _staff_ids_elsewhere(tables, staff, current)


def _named_or_keyed(c, users: list) -> bool:
    """A staff column that may be the specialist's id: named like it, or a key of at least three
    values that the other tables' specialist columns hold (a warehouse's 'STF_KEY')."""
    return SPECIALIST in dict(c.alternatives) or (len(c.evidence.top) >= 3 and bool(_held_by(c, users)))


def _staff_ids_elsewhere(tables: list, staff, ids) -> None:
    """A table that should name its specialist but no column proposed for it holds the staff ids
    (none, or one whose values are not the ids): the unmapped column whose values are (nearly all)
    the staff ids is that column."""
    known = {norm_name(v) for v, _ in ids.evidence.top}

    def share(c) -> float:
        mine = {norm_name(v) for v, _ in c.evidence.top}
        return len(mine & known) / len(mine) if len(mine) >= 2 else 0.0

    for t in tables:
        if t is staff or not t.standard or SPECIALIST not in TABLES[t.standard].column_names:
            continue
        now = next((c for c in t.columns if c.standard == SPECIALIST), None)
        if now is not None and share(now) >= 0.5:
            continue
        for c in t.columns:
            if c.standard or c.advice or share(c) < 0.8:
                continue
            if now is not None:
                now.standard, now.confidence, now.codes = None, 0.0, []
                now.advice = (
                    f"its values are not the staff ids ('{ids.local}', {staff.local}); '{c.local}' holds them"
                )
            mine = {norm_name(v) for v, _ in c.evidence.top}
            c.standard, c.confidence = SPECIALIST, 0.8
            c.how = f"its values are the staff ids ('{ids.local}', {staff.local}): {len(mine & known)} of {len(mine)}"
            t.missing = [m for m in t.missing if m != SPECIALIST]
            break


def _by_values_elsewhere(staff, current, candidates: list, held: dict):
    """The staff column whose values the other tables name their specialists by, when the one the
    names chose is not it (an alias or login beside the full names the caseload gives)."""
    if current is None or held.get(id(current)):
        return current
    best = max(
        (c for c in candidates if held[id(c)]), key=lambda c: sum(s for _, s in held[id(c)]), default=None
    )
    if best is None:
        return current
    current.standard, current.confidence = None, 0.0
    current.advice = f"not what the other tables name specialists by: they give the values of '{best.local}'"
    best.standard, best.confidence = SPECIALIST, 0.85
    best.how = f"the other tables' specialists are its values ({_said(held[id(best)])})"
    best.alternatives = [a for a in best.alternatives if a[0] != SPECIALIST]
    return best


def _held_by(c, users: list) -> list[tuple[str, float]]:
    """(table, share) of each other table's specialist column whose values are (mostly) ``c``'s."""
    mine = {norm_name(v) for v, _ in c.evidence.top}
    out = []
    for t, u in users:
        theirs = {norm_name(v) for v, _ in u.evidence.top}
        if theirs and len(theirs & mine) / len(theirs) >= 0.8:
            out.append((t.local, len(theirs & mine) / len(theirs)))
    return out


def _said(held: list[tuple[str, float]]) -> str:
    return ", ".join(f"{share:.0%} of '{t}'" for t, share in held)


def _names_read_as_codes(staff, table: LocalTable, code, users: list) -> None:
    """A specialist column of names elsewhere read as the staff codes (``code``) through the staff
    table's column of names, if it has one whose names are theirs (see propose_staff); a staff
    column of names is one however its header reads ('Name', which the standard leaves out)."""
    names = [
        c
        for c in staff.columns
        if c is not code
        and c.evidence.kind in ("code", "text")
        and holds_names([v for v, _ in c.evidence.top])
    ]
    for t, c in users:
        theirs = [v for v, _ in c.evidence.top]
        if not looks_like_names(theirs):
            continue
        for name in names:
            pairs = staff_names(table, name.local, code.local)
            if pairs is not None and share_held(pairs, theirs) >= HELD:
                _names_as_codes(c, staff, name, code, pairs)
                name.advice = (
                    f"people's names, not part of the standard: map reads the names of '{c.local}' as the "
                    f"codes in '{code.local}' through them ([mapping.codes.{t.standard}.{SPECIALIST}])"
                )
                break
        else:
            c.confidence = min(c.confidence, NAMES_READ_AS_CODES)
            c.how = (
                f"{c.how}; these are people's names, while the staff ids are the codes in '{code.local}' "
                f"({staff.local}): map each name to its code"
            )


def _names_as_codes(c, staff, name, code, pairs: StaffNames) -> None:
    """A specialist column of names: each name proposed as its code (from ``pairs``), the column
    marked to check."""
    via = f"'{name.local}' to '{code.local}' in {staff.local}"
    c.confidence = min(c.confidence, NAMES_READ_AS_CODES)
    c.how = (
        f"{c.how}; people's names, not the staff ids: each is read as its code through {staff.local} "
        f"({via}), below"
    )
    c.codes = name_codes(list(c.evidence.top), pairs, name.local, code.local, staff.local)
