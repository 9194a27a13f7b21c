"""Rows that are not records of their table, for the mapping assistant: a column of the file that is
no standard column but says which rows to keep.

A warehouse extract rarely holds only the rows a standard table wants: a contacts file holds IPS
appointments beside case notes, SMS reminders and team meetings; an outcomes file holds paid job
starts beside jobs held at referral, voluntary placements and courses; a staff file holds team
leaders and administrators beside the employment specialists; a referrals file holds referrals not
accepted. The settings leave such rows out by a column of the file
(``[mapping.codes.<table>."<column>"]``: labels to ``keep``, ``"*" = "leave_out"``).

Four kinds of column are proposed, always to check:

- a type column whose lookup labels (the export's codebook) read as records of the table ('IPS 1:1
  appointment' for meetings, 'Paid job start' for jobs, 'Employment Specialist' for staff) for
  some codes and as something else for the others ('Case note', 'Voluntary work placement'): the
  first kept, every other code left out;
- a meetings file's type column written in plain words, with no codebook ('Activity Type': 'IPS
  Appointment', 'Case Note', 'Employer Engagement'), its labels read by propose_kinds: meetings
  kept, employer contacts and notes left out (and the employer contacts kept by the second table
  the file gives, propose_split);
- a jobs (or staff) file's type column in plain words ('Outcome Type': 'Paid employment - new
  start', 'Job retention - in work at referral', 'Voluntary work'): paid job starts kept, the
  others left out;
- a yes/no column named as accepted, eligible or included: yes kept, no left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ipseval.ingest.mapping import LEAVE_OUT, norm_name
from ipseval.ingest.propose_codes import CodeGuess
from ipseval.ingest.propose_ids import names_no_clients
from ipseval.ingest.propose_kinds import EMPLOYER_CONTACTS, MEETINGS, SURE_KIND, KindGuess, record_kind
from ipseval.ingest.propose_lookups import Lookup
from ipseval.schema import BOOL_FALSE, BOOL_TRUE

KEEP = "keep"
NAME_ONLY = 0.8  # a column proposed less surely than this gives way to the rows it says to keep
FILTER_SURE = 0.6  # always to check: a person knows which rows their service counts
MAX_TYPES = 30  # a type column has at most this many distinct values
UNSAID_SHARE = 0.2  # a plain-words type column's rows whose labels name neither kind: at most this share
UNSAID_SURE = 0.5  # ... each left out, less surely
# Words of labels naming records of each standard table (the standard's own terms).
RECORD_WORDS = {
    "meetings": ("appointment", "session", "meeting", "1 1", "one to one", "vocational profile", "review"),
    "employer_contacts": ("employer",),
    "jobs": (
        *("paid job", "job start", "paid employment", "paid work", "new job", "started work", "new start"),
        *("self employment", "self employed", "employment start"),
    ),
    "staff": ("employment specialist",),
}
# Words of labels naming rows that are no record of any of them, whatever else they say.
NOT_RECORD_WORDS = (
    *("note", "administration", "admin", "reminder", "sms", "text message", "letter", "email", "mdt"),
    *("team meeting", "treatment team", "voluntary", "volunteer", "education", "training", "retained"),
    *("held at referral", "at referral", "unpaid", "placement", "cancelled booking"),
)
# ... and no record of one table only: a job kept from before referral, or a later check that a
# job is still held, is no job started (an in-work support meeting on retention is a meeting).
NOT_RECORD_OF = {"jobs": ("retention", "work experience", "work trial", "sustainment", "sustained")}
# What a record of each table is, for the labels kept or left out by their words.
RECORD_MEANING = {
    "jobs": "the standard's jobs are paid jobs started while on the caseload",
    "staff": "the standard's staff are the employment specialists",
}
_TRUE, _FALSE = BOOL_TRUE | {"-1"}, BOOL_FALSE  # an Access-style flag: -1 yes, 0 no
ACCEPTED_WORDS = ("accepted", "accept", "eligible", "included", "include", "inscope")


@dataclass
class RowFilter:
    """Rows of a file left out or kept by the labels of one of its columns."""

    column: str  # the local column
    entries: list[CodeGuess] = field(default_factory=list)  # value -> keep / leave_out
    how: str = ""
    every_other: bool = False  # '"*" = "leave_out"': codes not listed are left out too
    unlisted: list[str] = field(default_factory=list)  # codes in the data its lookup does not list
    own_labels: bool = False  # its labels read by their words (propose_kinds), no lookup explaining them

    def said(self) -> str:
        """Why, with the codes the lookup does not list (likely faults, left out by '*')."""
        if not self.unlisted:
            return self.how
        return f"{self.how}; {', '.join(self.unlisted)} not in the lookup (a likely fault): left out by '*'"

    def mapping(self) -> dict[str, str]:
        out = {g.value: g.code for g in self.entries if g.code}
        return out | ({"*": LEAVE_OUT} if self.every_other else {})


def _has(text: str, words: tuple[str, ...]) -> bool:
    padded = f" {re.sub(r'[^a-z0-9]+', ' ', text.lower()).strip()} "
    return any(f" {w} " in padded for w in words)


def _reads_as(label: str, table: str) -> str:
    """keep when a label names a record of ``table`` (and nothing that is no record), else leave_out."""
    others = [w for t, ws in RECORD_WORDS.items() if t != table for w in ws]
    if _has(label, _not_record(table)) or (_has(label, others) and not _has(label, RECORD_WORDS[table])):
        return LEAVE_OUT
    return KEEP if _has(label, RECORD_WORDS[table]) else LEAVE_OUT


def _not_record(table: str) -> tuple[str, ...]:
    return (*NOT_RECORD_WORDS, *NOT_RECORD_OF.get(table, ()))


def type_filter(table: str, column: str, values: list[tuple[str, int]], lookup: Lookup) -> RowFilter | None:
    """The rows a type column keeps by its lookup's labels (see the module docstring); None when its
    labels do not split into records of ``table`` and others."""
    if table not in RECORD_WORDS or len(values) > MAX_TYPES:
        return None
    entries = []
    for value, rows in values:
        label = lookup.codes.get(norm_name(value))
        if label is None:
            continue  # not in the lookup: left out by '*', and said
        code = _reads_as(label, table)
        how = f"{lookup.evidence(value)}: {'a record' if code == KEEP else 'not a record'} of {table}"
        entries.append(CodeGuess(value, rows, code, FILTER_SURE, how))
    kinds = {g.code for g in entries}
    if kinds != {KEEP, LEAVE_OUT}:
        return None
    missing = [v for v, _ in values if norm_name(v) not in lookup.codes]
    how = f"its labels on '{lookup.where}' say which rows are {table}"
    return RowFilter(column, entries, how, every_other=True, unlisted=missing)


def own_label_filter(
    table: str, column: str, values: list[tuple[str, int]], blanks: int = 0, clients: bool = True
) -> RowFilter | None:
    """:func:`kinds_filter` of a meetings or employer contacts column whose name says it gives each
    row's kind ('Activity Type', 'Record category'), :func:`words_filter` of another table's (a
    jobs file's 'Outcome Type'); None for any other. ``clients``: the file may name clients (in a
    file of employer contacts naming none, 'Telephone call' is a call to an employer)."""
    if table not in (MEETINGS, EMPLOYER_CONTACTS):
        return words_filter(table, column, values)
    return kinds_filter(table, column, values, blanks, clients) if _type_name(column) else None


def words_filter(table: str, column: str, values: list[tuple[str, int]]) -> RowFilter | None:
    """The rows a jobs or staff file's type column written in plain words keeps ('Outcome Type':
    'Paid employment - new start' kept; 'Job retention - in work at referral', 'Voluntary work',
    'Work placement (unpaid)' left out): labels naming records of ``table`` (RECORD_WORDS, and none
    of NOT_RECORD_WORDS) kept, every other left out; None unless both are there."""
    named = _type_name(column) or _has(column, ("outcome",))
    if table not in RECORD_MEANING or not named or not 1 < len(values) <= MAX_TYPES:
        return None
    others = [w for t, ws in RECORD_WORDS.items() if t != table for w in ws]
    entries, unsaid = [], 0
    for value, rows in values:
        code, sure = _reads_as(value, table), FILTER_SURE
        if code == LEAVE_OUT and not _has(value, (*_not_record(table), *others)):
            unsaid, sure = unsaid + rows, UNSAID_SURE  # its words say neither: a contract type, a sector
        how = f"{'a record' if code == KEEP else 'not a record'} of {table} ({RECORD_MEANING[table]})"
        entries.append(CodeGuess(value, rows, code, sure, how))
    if {g.code for g in entries} != {KEEP, LEAVE_OUT} or unsaid > UNSAID_SHARE * sum(r for _, r in values):
        return None
    how = f"its labels, read by their words (no codebook explains them), say which rows are {table}"
    return RowFilter(column, entries, how, every_other=True)


def kinds_filter(
    table: str, column: str, values: list[tuple[str, int]], blanks: int = 0, clients: bool = True
) -> RowFilter | None:
    """The rows of ``table`` (meetings or employer_contacts) a type column in plain words keeps, its
    labels read by propose_kinds; None unless they name records of ``table`` and surely some that
    are not. Blank cells are left out of employer contacts (a meeting's type may go unsaid; an
    employer contact's hardly). ``clients`` False: the file names no client, so a label naming a
    meeting is how an employer was contacted."""
    if table not in (MEETINGS, EMPLOYER_CONTACTS) or not 1 < len(values) <= MAX_TYPES:
        return None
    kinds = {value: _kind(value, table, clients) for value, _ in values}
    keep = [v for v, k in kinds.items() if k.kind == table]
    if not any(kinds[v].confidence >= SURE_KIND for v in keep) or not any(
        k.kind != table and k.confidence >= SURE_KIND for k in kinds.values()
    ):
        return None
    entries = []
    for value, rows in values:
        k = kinds[value]
        code = KEEP if k.kind == table else LEAVE_OUT
        how = f"{k.how}: {'a record' if code == KEEP else 'not a record'} of {table}"
        entries.append(CodeGuess(value, rows, code, k.confidence, how))
    if blanks and table == EMPLOYER_CONTACTS:
        entries.append(
            CodeGuess("", blanks, LEAVE_OUT, SURE_KIND, "a blank type: not said to be an employer contact")
        )
    how = f"its labels, read by their words (no codebook explains them), say which rows are {table}"
    return RowFilter(column, entries, how, every_other=True, own_labels=True)


def _kind(label: str, table: str, clients: bool) -> KindGuess:
    kind = record_kind(label)
    if clients or table != EMPLOYER_CONTACTS or kind.kind != MEETINGS:
        return kind
    how = f"{kind.how}, but the file names no client: a contact with an employer"
    return KindGuess(EMPLOYER_CONTACTS, kind.confidence, how)


TYPE_NAME_WORDS = ("type", "kind", "category", "class", "activity", "event", "entry", "record", "nature")


def _type_name(name: str) -> bool:
    """Whether a column's name says it gives each row's kind ('Activity Type', 'Record category')."""
    return any(w in TYPE_NAME_WORDS for w in re.sub(r"[^a-z0-9]+", " ", name.lower()).split())


def _accepted_name(name: str) -> bool:
    from ipseval.ingest.propose_names import _skeleton

    tokens = re.sub(r"[^a-z0-9]+", " ", name.lower()).split()
    return any(
        t == w or (len(t) >= 4 and (w.startswith(t) or _skeleton(t, w)))
        for t in tokens
        for w in ACCEPTED_WORDS
    )


def accepted_filter(column: str, values: list[tuple[str, int]]) -> RowFilter | None:
    """A yes/no column named as accepted (a referral accepted onto the caseload): no rows left out."""
    low = {v: v.strip().lower() for v, _ in values}
    if not _accepted_name(column) or not values or not all(x in _TRUE | _FALSE for x in low.values()):
        return None
    entries = [
        CodeGuess(v, k, KEEP if low[v] in _TRUE else LEAVE_OUT, FILTER_SURE, f"'{column}' {v}")
        for v, k in values
    ]
    if {g.code for g in entries} != {KEEP, LEAVE_OUT}:
        return None
    return RowFilter(
        column, entries, f"'{column}' says whether the row was accepted: rows not accepted are left out"
    )


def propose_filters(tables: list, explained: list[list[Lookup | None]]) -> None:
    """Each mapped table's row filters (in place, ``TableProposal.filters``): its columns mapped to
    no standard column whose labels or name say which rows to keep. ``explained``: per table and
    column, the lookup that explains its codes (or None)."""
    for t, lookups in zip(tables, explained, strict=True):
        if not t.standard:
            continue
        for c, lookup in zip(t.columns, lookups, strict=True):
            if c.advice or (c.standard and c.confidence >= NAME_ONLY):
                continue
            values = list(c.evidence.top)
            typed = lookup is not None and not _codes_read(c)
            found = type_filter(t.standard, c.local, values, lookup) if typed else None
            if lookup is None and c.standard is None:
                clients = t.standard != EMPLOYER_CONTACTS or not names_no_clients(t, tables)
                found = found or own_label_filter(t.standard, c.local, values, clients=clients)
            elif lookup is None:  # every label of a jobs or staff type column says what it is
                found = found or words_filter(t.standard, c.local, values)
            found = found or accepted_filter(c.local, values)
            if found is None:
                continue
            t.filters.append(found)
            if c.standard:  # proposed by a likeness of names only: what it says of rows is surer
                c.alternatives = [(c.standard, c.confidence), *c.alternatives][:3]
                c.standard, c.confidence, c.codes = None, 0.0, []
            c.advice = f"says which rows to keep: see [mapping.codes.{t.standard}.{c.local}]"


def _codes_read(c) -> bool:
    """Whether a mapped column's lookup labels read, most of them, as its standard column's codes
    (an attendance column whose labels name a future appointment is still the attendance)."""
    sure = sum(g.rows for g in c.codes if g.code and g.confidence >= NAME_ONLY)
    return bool(c.standard) and sure * 2 >= sum(g.rows for g in c.codes) > 0


def filter_toml(table: str, f: RowFilter, comment, check) -> list[str]:
    """A row filter's settings section, each label with why (``comment``, ``check``: propose_toml's)."""
    from ipseval.ingest.propose_quote import toml_key, toml_str

    lines = [f"[mapping.codes.{table}.{toml_key(f.column)}]  # {check(FILTER_SURE)}{comment(f.said())}"]
    for g in f.entries:
        rows = f"{g.rows} row{'s' if g.rows != 1 else ''}"
        doubt = check(g.confidence) if g.confidence < FILTER_SURE else ""  # less sure than the section
        lines.append(f"{toml_key(g.value)} = {toml_str(g.code)}  # {doubt}{comment(g.how)} ({rows})")
    if f.every_other:
        lines.append('"*" = "leave_out"  # every other label: not a record of this table')
    return [*lines, ""]
