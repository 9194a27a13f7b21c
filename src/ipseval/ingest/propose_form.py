"""The mapping proposal as a form: what the dashboard's mapping page shows and reads back.

:func:`form_from_proposal` turns a :class:`~ipseval.ingest.propose.Proposal` into a
:class:`MappingForm`: each file or sheet with its standard table, each column with its standard
column, each distinct value of a coded or yes/no column with its standard code, and the order of
day and month in dates. Every choice keeps the assistant's guess, how sure it is and why. Where the
settings in force already map a name, that is chosen instead: the form shows what validate would do
with those settings, and the assistant's guesses for everything they leave open.

The form is plain data, kept as JSON beside an upload while it waits (:mod:`.propose_form_store`)
so the proposal is not worked out again on every request. :mod:`.propose_form_read` reads a posted
form back; :mod:`.propose_form_save` makes the settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ipseval.ingest.mapping import LEAVE_OUT, code_map, norm_name, table_key
from ipseval.ingest.propose import ACCEPT, SURE, ColumnProposal, Proposal, TableProposal, _assign
from ipseval.ingest.propose_codes import codes_of, guess_codes
from ipseval.ingest.propose_names import column_name_score, not_standard
from ipseval.schema import BOOL_FALSE, BOOL_TRUE, TABLES, Column

if TYPE_CHECKING:
    from ipseval.settings import Settings

MAX_VALUES = 50  # distinct values of one column offered for codes; more is not a list of codes
SAVED = "as saved before"
DATE_ORDERS = {
    "auto": "automatic: ISO and Excel dates only, else day/month/year",
    "dmy": "day/month/year (UK: 31/12/2020)",
    "mdy": "month/day/year (US: 12/31/2020)",
    "ymd": "year/month/day (2020/12/31)",
}


@dataclass
class ValueChoice:
    """One distinct value of a coded column: the code chosen and the assistant's guess."""

    value: str  # as written in the export (its first spelling)
    rows: int
    code: str | None  # chosen; None = no code (the rows are named as problems)
    guess: str | None  # the assistant's
    confidence: float
    how: str
    reads_as: str | None = None  # the code validate reads the value as with no mapping

    @property
    def sure(self) -> bool:
        return self.code is not None and self.confidence >= SURE


@dataclass
class ColumnChoice:
    """One column of a file or sheet: the standard column chosen (None = not used)."""

    local: str
    standard: str | None
    guess: str | None
    confidence: float
    how: str
    seen: str  # what its values look like, in words
    advice: str | None = None  # a column the standard leaves out on purpose: why
    values: list[tuple[str, int]] = field(default_factory=list)  # distinct values, at most MAX_VALUES
    more_values: int = 0  # distinct values, when there are more than MAX_VALUES (none kept)
    codes: list[ValueChoice] = field(default_factory=list)

    @property
    def sure(self) -> bool:
        return self.standard is not None and self.confidence >= SURE


@dataclass
class TableChoice:
    """One file or sheet: the standard table chosen (None = not read)."""

    local: str
    standard: str | None
    guess: str | None
    confidence: float
    how: str
    rows: int
    columns: list[ColumnChoice]

    @property
    def sure(self) -> bool:
        return self.standard is not None and self.confidence >= SURE

    @property
    def named(self) -> str | None:
        """The standard table this file or sheet is read as by its own name, whatever is chosen."""
        return next((n for n in TABLES if table_key(n) == table_key(self.local)), None)


@dataclass
class MappingForm:
    source: str  # the export's name
    workbook: bool  # one workbook (its sheets), else CSV files
    tables: list[TableChoice]
    date_order: str
    date_guess: str
    date_confidence: float
    date_how: str
    notes: list[str] = field(default_factory=list)

    @property
    def date_sure(self) -> bool:
        return self.date_confidence >= SURE


def form_from_proposal(p: Proposal, saved: Settings | None = None, source: str = "") -> MappingForm:
    """The proposal as a form; names ``saved`` (the settings in force) already maps are chosen so."""
    tables = [_table_choice(t, saved) for t in p.tables]
    d = p.date_order
    order = d.setting
    if saved is not None and not d.sure and saved.input.date_order != "auto":
        order = saved.input.date_order
    notes = [*p.notes, *(f"not read: {s}" for s in p.skipped)]
    name = source or p.source.name
    return MappingForm(name, p.workbook, tables, order, d.setting, d.confidence, d.how, notes)


def _table_choice(t: TableProposal, saved: Settings | None) -> TableChoice:
    columns = []
    for c in t.columns:
        values, more = _distinct(c.evidence.top)
        how = c.how if c.standard else "not matched"
        seen = c.evidence.describe()
        columns.append(
            ColumnChoice(c.local, c.standard, c.standard, c.confidence, how, seen, c.advice, values, more)
        )
    choice = TableChoice(t.local, t.standard, t.standard, t.confidence, t.how, t.rows, columns)
    std = saved_table(saved, t.local) or t.standard
    if std != t.standard:
        choice.how = SAVED
        set_table(choice, std, saved)
        return choice
    proposed = {c.local: c for c in t.columns}
    for c in choice.columns:
        if std is not None:
            _saved_column(c, std, saved)
            c.codes = codes_for(std, c.standard, c.values, saved)
            if c.standard == proposed[c.local].standard:
                _proposed_codes(c, proposed[c.local])
    _one_each(choice)
    return choice


def _proposed_codes(c: ColumnChoice, proposal: ColumnProposal) -> None:
    """The proposal's own guesses where it knew more than the value alone (a code lookup on a cover
    sheet: 1 = Male); a value the settings already map keeps that."""
    by_value = {norm_name(g.value): g for g in proposal.codes if g.value}
    for v in c.codes:
        g = by_value.get(norm_name(v.value))
        if g is not None and v.how != SAVED and (g.code, g.how) != (v.guess, v.how):
            v.code, v.guess, v.confidence, v.how = g.code, g.code, g.confidence, g.how


def _saved_column(c: ColumnChoice, table: str, saved: Settings | None) -> None:
    if saved is None:
        return
    mapped = {norm_name(k): v for k, v in saved.mapping.columns.get(table, {}).items()}
    target = mapped.get(norm_name(c.local))
    if target in TABLES[table].column_names and target != c.standard:
        c.standard, c.confidence, c.how = target, 1.0, SAVED


def _one_each(t: TableChoice) -> None:
    """A standard column chosen twice keeps the column the settings gave it (the other: not used)."""
    by_std: dict[str, list[ColumnChoice]] = {}
    for c in t.columns:
        if c.standard:
            by_std.setdefault(c.standard, []).append(c)
    for same in by_std.values():
        for c in sorted(same, key=lambda c: c.how != SAVED)[1:]:
            c.standard, c.codes = None, []


def saved_table(saved: Settings | None, local: str) -> str | None:
    """The standard table the settings map a file or sheet name to."""
    if saved is None:
        return None
    return next((v for k, v in saved.mapping.tables.items() if table_key(k) == table_key(local)), None)


def set_table(t: TableChoice, table: str | None, saved: Settings | None = None) -> None:
    """Choose ``table`` for a file or sheet; its columns chosen again (the settings' mapping, else
    by their names) and their codes proposed again."""
    t.standard = table
    for c in t.columns:  # the guesses made for another table say nothing here
        c.standard, c.guess, c.confidence, c.how, c.codes = None, None, 0.0, "not matched", []
    if table is None:
        return
    spec = TABLES[table]
    for c in t.columns:
        _saved_column(c, table, saved)
    taken = {c.standard for c in t.columns if c.standard}
    scores: dict[tuple[int, str], tuple[float, str]] = {}
    for k, c in enumerate(t.columns):
        if c.standard or not_standard(c.local):
            continue
        for std in spec.column_names:
            m = column_name_score(c.local, std)
            if std not in taken and m.score >= ACCEPT:
                scores[k, std] = (round(m.score, 2), m.how)
    for k, std in _assign(((s, k, n) for (k, n), (s, _) in scores.items()), ACCEPT).items():
        c = t.columns[k]
        c.standard, c.guess, (c.confidence, c.how) = std, std, scores[k, std]
    for c in t.columns:
        c.codes = codes_for(table, c.standard, c.values, saved)


def set_column(t: TableChoice, c: ColumnChoice, standard: str | None) -> None:
    """Choose ``standard`` for a column of ``t``; its codes proposed again."""
    c.standard = standard
    c.codes = codes_for(t.standard, standard, c.values) if t.standard else []


def codes_for(
    table: str, column: str | None, values: list[tuple[str, int]], saved: Settings | None = None
) -> list[ValueChoice]:
    """Each distinct value of a coded column with the code guessed (or the code the settings give)."""
    if not coded(table, column):
        return []
    spec = TABLES[table].column(column)
    given = code_map(saved, table, column) if saved is not None else {}
    out = []
    for (value, rows), g in zip(values, guess_codes(list(values), spec), strict=True):
        choice = ValueChoice(value, rows, g.code, g.code, g.confidence, g.how, reads_as(value, spec))
        if given.get(norm_name(value)) in (*codes_of(spec), LEAVE_OUT):
            choice.code, choice.confidence, choice.how = given[norm_name(value)], 1.0, SAVED
        out.append(choice)
    return out


def coded(table: str, column: str | None) -> bool:
    """Whether a standard column takes codes (a code list, or yes/no)."""
    if column is None or column not in TABLES[table].column_names:
        return False
    return TABLES[table].column(column).type in ("code", "bool")


def reads_as(value: str, column: Column) -> str | None:
    """The code validate reads ``value`` as in ``column`` with no mapping (None = not a code)."""
    if column.type == "bool":
        low = value.strip().lower()
        return "yes" if low in BOOL_TRUE else "no" if low in BOOL_FALSE else None
    return norm_name(value) if norm_name(value) in (column.codes or ()) else None


def _distinct(top: tuple[tuple[str, int], ...]) -> tuple[list[tuple[str, int]], int]:
    """Distinct values, those validate reads alike taken together (first spelling kept); none kept
    when there are more than MAX_VALUES (then their number)."""
    rows: dict[str, int] = {}
    first: dict[str, str] = {}
    for value, k in top:
        key = norm_name(value)
        rows[key] = rows.get(key, 0) + k
        first.setdefault(key, value)
    if len(first) > MAX_VALUES:
        return [], len(first)
    return [(first[key], rows[key]) for key in first], 0
