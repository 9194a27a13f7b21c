"""The mapping proposal as a form: what the dashboard's mapping page shows and reads back.

:func:`form_from_proposal` turns a :class:`~ipseval.ingest.propose.Proposal` into a
:class:`MappingForm`: each file or sheet with its standard table, each column with its standard
column, each distinct value of a coded or yes/no column with its standard code, the whole value of
each word or code ``map`` proposes one for in any other column (:mod:`.propose_form_values`), the
order of day and month in dates, per file when files disagree, the columns filled down and given
to every row, the century of two-digit years (:mod:`.propose_form_files`), and each file laid out
wide (:mod:`.propose_form_wide`). Every choice keeps the assistant's guess, how sure it is and why. Where the
settings in force already map a name, that is chosen instead: the form shows what validate would do
with those settings, and the assistant's guesses for everything they leave open.

The form is plain data, kept as JSON beside an upload while it waits (:mod:`.propose_form_store`)
so the proposal is not worked out again on every request. :mod:`.propose_form_read` reads a posted
form back; :mod:`.propose_form_save` makes the settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ipseval.ingest.mapping import norm_name, table_key, tables_named
from ipseval.ingest.propose import ACCEPT, SURE, ColumnProposal, Proposal, TableProposal, _assign
from ipseval.ingest.propose_form_files import (
    DateChoice,
    FixedChoice,
    file_dates,
    fill_down_how,
    fixed_choices,
    saved_fill_down,
    two_digit_seen,
)
from ipseval.ingest.propose_form_values import (
    SAVED,
    ValueChoice,
    coded,
    codes_for,
    proposed_values,
    read_as_they_are,
    standard_columns,
    with_saved,
)
from ipseval.ingest.propose_form_wide import WideChoice, wide_choice
from ipseval.ingest.propose_names import column_name_score, not_standard
from ipseval.schema import TABLES

if TYPE_CHECKING:
    from ipseval.settings import Settings

MAX_VALUES = 50  # distinct values of one column offered for codes; more is not a list of codes


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
    fill_down: bool | None = None  # blank cells take the value above; None = not offered
    fill_guess: bool | None = None
    fill_how: str = ""
    as_read: str = ""  # values read as they are with a unit or qualifier ('16 hrs' as 16), in words

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
    fixed: list[FixedChoice] = field(default_factory=list)  # columns every row of the file shares
    dates: DateChoice | None = None  # its own order of day and month (files disagree)

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
    wide: list[WideChoice] = field(default_factory=list)  # files laid out wide
    two_digit_years: str = "auto"
    two_digit_seen: list[str] = field(default_factory=list)  # columns with two-digit years, in words

    @property
    def date_sure(self) -> bool:
        return self.date_confidence >= SURE


def form_from_proposal(p: Proposal, saved: Settings | None = None, source: str = "") -> MappingForm:
    """The proposal as a form; names ``saved`` (the settings in force) already maps are chosen so."""
    dates = file_dates(p, saved)
    wide = {w.local: wide_choice(w, saved, dates.get(w.local)) for w in p.wide}
    tables = [_table_choice(p, t, saved, dates.get(t.local)) for t in p.tables if t.local not in wide]
    d = p.date_order
    order = d.setting
    if saved is not None and not d.sure and saved.input.date_order != "auto":
        order = saved.input.date_order
    notes = [*p.notes, *(f"not read: {s}" for s in p.skipped)]
    name = source or p.source.name
    form = MappingForm(
        name, p.workbook, tables, order, d.setting, d.confidence, d.how, notes, list(wide.values())
    )
    form.two_digit_years = saved.input.two_digit_years if saved is not None else "auto"
    form.two_digit_seen = two_digit_seen(p)
    return form


def _table_choice(
    p: Proposal, t: TableProposal, saved: Settings | None, dates: DateChoice | None
) -> TableChoice:
    columns = []
    for c in t.columns:
        values, more = _distinct(c.evidence.top)
        how = c.how if c.standard else "not matched"
        seen = c.evidence.describe()
        columns.append(
            ColumnChoice(c.local, c.standard, c.standard, c.confidence, how, seen, c.advice, values, more)
        )
    choice = TableChoice(t.local, t.standard, t.standard, t.confidence, t.how, t.rows, columns, dates=dates)
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
                _proposed_codes(c, proposed[c.local], std, saved)
    if std is not None:
        _fill_down(choice, fill_down_how(p, t), saved_fill_down(saved, std))
        choice.fixed = fixed_choices(p, t, saved)
    _one_each(choice)
    return choice


def _proposed_codes(c: ColumnChoice, proposal: ColumnProposal, table: str, saved: Settings | None) -> None:
    """The proposal's own guesses where it knew more than the value alone (a code lookup on a cover
    sheet: 1 = Male; the blank cells of a tick column: no); a value the settings already map keeps
    that. A column that takes any value of its kind: the values ``map`` proposes a value for."""
    if not coded(table, c.standard):
        c.codes, c.as_read = proposed_values(proposal, table, saved), read_as_they_are(proposal)
        return
    by_value = {norm_name(g.value): g for g in proposal.codes}
    for v in c.codes:
        g = by_value.pop(norm_name(v.value), None)
        if g is not None and v.how != SAVED and (g.code, g.how) != (v.guess, v.how):
            v.code, v.guess, v.confidence, v.how = g.code, g.code, g.confidence, g.how
    extra = [ValueChoice(g.value, g.rows, g.code, g.code, g.confidence, g.how) for g in by_value.values()]
    c.codes += with_saved(extra, table, c.standard, saved)


def _fill_down(t: TableChoice, proposed: dict[str, str], saved: list[str]) -> None:
    """Offer filling down the columns ``map`` proposes it for, and those the settings fill down."""
    for c in t.columns:
        if c.standard is None or (c.local not in proposed and c.standard not in saved):
            continue
        c.fill_guess = c.local in proposed
        c.fill_how = proposed.get(c.local, "")
        c.fill_down = c.fill_guess
        if saved and (c.standard in saved) != c.fill_guess:
            c.fill_down, c.fill_how = c.standard in saved, SAVED


def _saved_column(c: ColumnChoice, table: str, saved: Settings | None) -> None:
    if saved is None:
        return
    mapped = {norm_name(k): v for k, v in saved.mapping.columns.get(table, {}).items()}
    target = mapped.get(norm_name(c.local))
    if target in standard_columns(table) and target != c.standard:
        c.standard, c.confidence, c.how = target, 1.0, SAVED


def _one_each(t: TableChoice) -> None:
    """A standard column chosen twice keeps the column the settings gave it (the other: not used)."""
    by_std: dict[str, list[ColumnChoice]] = {}
    for c in t.columns:
        if c.standard:
            by_std.setdefault(c.standard, []).append(c)
    for same in by_std.values():
        for c in sorted(same, key=lambda c: c.how != SAVED)[1:]:
            c.standard, c.codes, c.fill_down = None, [], None


def saved_table(saved: Settings | None, local: str) -> str | None:
    """The standard table the settings map a file or sheet name to."""
    if saved is None:
        return None
    found = next((v for k, v in saved.mapping.tables.items() if table_key(k) == table_key(local)), None)
    return None if found is None else tables_named(found)[0]  # the first, of a file giving several


def set_table(t: TableChoice, table: str | None, saved: Settings | None = None) -> None:
    """Choose ``table`` for a file or sheet; its columns chosen again (the settings' mapping, else
    by their names) and their codes proposed again."""
    t.standard, t.fixed = table, []
    for c in t.columns:  # the guesses made for another table say nothing here
        c.standard, c.guess, c.confidence, c.how, c.codes = None, None, 0.0, "not matched", []
        c.fill_down = c.fill_guess = None
    if table is None:
        return
    for c in t.columns:
        _saved_column(c, table, saved)
    taken = {c.standard for c in t.columns if c.standard}
    scores: dict[tuple[int, str], tuple[float, str]] = {}
    for k, c in enumerate(t.columns):
        if c.standard or not_standard(c.local):
            continue
        for std in standard_columns(table):
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
