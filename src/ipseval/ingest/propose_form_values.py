"""The values of a column as the mapping form offers them: a code for each value of a coded or
yes/no column, and a whole value for the words and codes of any other column that ``ipseval map``
proposes one for ('Ongoing' in an end date: blank; 'Full time' in fte: 1; 999 in an age: blank;
a worker's name in a staff id column: their code; 'Often' on the WEMWBS scale: 4).

A drop-down per value says what it becomes. Its options are the column's codes, if it has a list,
and always: no mapping (as written), blank (not recorded), and, where the reader allows it, leave
the row out; a column that takes any value of its kind (a date, a number, text) has one more, the
value typed beside it, checked against the column's kind. :func:`read_value` reads a posted value
back; :func:`value_words` says a choice in words for the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ipseval.ingest.mapping import LEAVE_OUT, code_map, norm_name, whole_value_kind
from ipseval.ingest.propose import SURE
from ipseval.ingest.propose_codes import WELLBEING_LABELS, codes_of, guess_codes
from ipseval.ingest.propose_columns import candidate_columns, column_spec, wellbeing_codes
from ipseval.ingest.propose_novalue import value_guesses
from ipseval.labels import code_label
from ipseval.schema import BOOL_FALSE, BOOL_TRUE, TABLES, Column

if TYPE_CHECKING:
    from ipseval.ingest.propose import ColumnProposal
    from ipseval.settings import Settings

SAVED = "as saved before"
BLANK_CHOICE = "(blank)"  # the option for "" (not recorded): "" itself is the option for no mapping
TYPED = "(typed)"  # the option for the value typed beside the drop-down
_KIND_WORDS = {"date": "a date", "integer": "a whole number", "number": "a number", "text": "text"}


@dataclass
class ValueChoice:
    """One distinct value of a column: what it becomes, and the assistant's guess."""

    value: str  # as written in the export (its first spelling); "" = the column's blank cells
    rows: int
    code: str | None  # chosen; None = no mapping ("" = blank, not recorded)
    guess: str | None  # the assistant's
    confidence: float
    how: str
    reads_as: str | None = None  # what validate reads the value as with no mapping

    @property
    def sure(self) -> bool:
        return self.code is not None and self.confidence >= SURE


def spec(table: str, column: str) -> Column:
    """A standard column (or one the reader takes besides: a date of birth) of ``table``."""
    return column_spec(table, column)


def code_list(table: str, column: str) -> tuple[str, ...]:
    """The codes a value of ``column`` may be given from a list (a wellbeing measure's built-in
    names too); none for a column that takes any date, number or text."""
    own = spec(table, column)
    if own.type in ("code", "bool"):
        return codes_of(own)
    if table == "wellbeing" and column in WELLBEING_LABELS:
        return codes_of(wellbeing_codes(column))
    return ()


def typed(table: str, column: str) -> bool:
    """Whether a value of ``column`` may be given as typed (it takes any value of its kind)."""
    return spec(table, column).type not in ("code", "bool")


def value_options(table: str, column: str) -> list[tuple[str, str]]:
    """What each value's drop-down offers: (option, its plain label), in order."""
    own = spec(table, column)
    first = ("", "as written") if typed(table, column) else ("", "no code (its rows are named as problems)")
    out = [first, (BLANK_CHOICE, "blank: not recorded")]
    out += [(c, code_label(column, c)) for c in code_list(table, column)]
    if typed(table, column):
        out.append((TYPED, f"{_KIND_WORDS.get(own.type, 'the value')}, typed below"))
    if own.type not in ("date", "integer", "number"):  # the reader refuses it in a date or number
        out.append((LEAVE_OUT, "leave the row out (not a record)"))
    return out


def typed_hint(table: str, column: str) -> str:
    """What the box for a typed value takes, in words ('a date, YYYY-MM-DD')."""
    kind = spec(table, column).type
    return "a date, YYYY-MM-DD" if kind == "date" else _KIND_WORDS.get(kind, "a value")


def option_of(table: str, column: str, code: str | None) -> str:
    """The option a chosen value shows as (TYPED for a value typed beside it)."""
    if code is None:
        return ""
    if code == "":
        return BLANK_CHOICE
    if code == LEAVE_OUT or code in code_list(table, column):
        return code
    return TYPED


def read_value(table: str, column: str, option: str, text: str | None) -> tuple[str | None, str | None]:
    """(what a value becomes, the problem in words or None) from its posted option and typed text."""
    if option == "":
        return None, None
    if option == BLANK_CHOICE:
        return "", None
    if option == TYPED and typed(table, column):
        value = (text or "").strip()
        if not value:
            return None, "type the value it stands for, or choose another option"
        kind = whole_value_kind(spec(table, column), value)
        return (None, f"{quoted(value)} is not {kind}, which {column} takes") if kind else (value, None)
    allowed = [o for o, _ in value_options(table, column) if o not in ("", BLANK_CHOICE, TYPED)]
    if option in allowed:
        return option, None
    return None, f"{quoted(option)} is not a code of {column} ({', '.join(allowed)})"


def quoted(raw: str) -> str:
    """A posted value as a message names it: quoted, and cut short."""
    return f"'{raw[:60]}…'" if len(raw) > 60 else f"'{raw}'"


def value_words(code: str | None, blank: str) -> str:
    """A choice in words: ``blank`` for no mapping, 'blank' for "" (not recorded)."""
    if code is None:
        return blank
    return code or "blank"


def proposed_values(proposal: ColumnProposal, table: str, saved: Settings | None) -> list[ValueChoice]:
    """The values ``map`` proposes a whole value for, in a column that takes any value of its kind:
    each with its guess, or what the settings in force already give it (values read as they are,
    '16 hrs' as 16, are said apart: :func:`read_as_they_are`)."""
    out = [
        ValueChoice(g.value, g.rows, g.code, g.code, g.confidence, g.how)
        for g in proposal.codes
        if not g.as_is
    ]
    return with_saved(out, table, proposal.standard, saved)


def read_as_they_are(proposal: ColumnProposal, shown: int = 4) -> str:
    """The values of a date or number column validate reads with a unit or qualifier, in words."""
    found = [f"'{g.value}' as {g.code}" for g in proposal.codes if g.as_is]
    if not found:
        return ""
    more = f" and {len(found) - shown:,} more" if len(found) > shown else ""
    return f"read as they are: {', '.join(found[:shown])}{more}"


def with_saved(
    values: list[ValueChoice], table: str, column: str, saved: Settings | None
) -> list[ValueChoice]:
    """``values`` with what the settings in force give any of them chosen instead (marked so)."""
    given = code_map(saved, table, column) if saved is not None else {}
    for v in values:
        target = given.get(norm_name(v.value))
        if (
            target is not None
            and read_value(table, column, option_of(table, column, target), target)[1] is None
        ):
            v.code, v.confidence, v.how = target, 1.0, SAVED
    return values


def codes_for(
    table: str, column: str | None, values: list[tuple[str, int]], saved: Settings | None = None
) -> list[ValueChoice]:
    """Each distinct value of a coded column with the code guessed (or the code the settings give);
    in a date or number column, the words and codes where a value belongs ('Ongoing', 999)."""
    if not coded(table, column):
        if column not in standard_columns(table):
            return []
        guesses = value_guesses(column_spec(table, column), values)
        out = [
            ValueChoice(g.value, g.rows, g.code, g.code, g.confidence, g.how) for g in guesses if not g.as_is
        ]
        return with_saved(out, table, column, saved)
    spec = TABLES[table].column(column)
    out = [
        ValueChoice(value, rows, g.code, g.code, g.confidence, g.how, reads_as(value, spec))
        for (value, rows), g in zip(values, guess_codes(list(values), spec), strict=True)
    ]
    return with_saved(out, table, column, saved)


def coded(table: str, column: str | None) -> bool:
    """Whether a standard column takes codes (a code list, or yes/no)."""
    if column is None or column not in TABLES[table].column_names:
        return False
    return TABLES[table].column(column).type in ("code", "bool")


def standard_columns(table: str) -> list[str]:
    """The columns of ``table`` a local column may be (the reader's: a date of birth too)."""
    return [c.name for c in candidate_columns(table)]


def reads_as(value: str, column: Column) -> str | None:
    """The code validate reads ``value`` as in ``column`` with no mapping (None = not a code)."""
    if column.type == "bool":
        low = value.strip().lower()
        return "yes" if low in BOOL_TRUE else "no" if low in BOOL_FALSE else None
    return norm_name(value) if norm_name(value) in (column.codes or ()) else None
