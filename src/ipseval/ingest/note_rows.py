"""Note rows: a title, total or footer line inside a table ("Report generated 05/01/2024 — 213 records").

Such a row holds one text cell (words, not a code or a number) and nothing else, so a required
column of its table other than the note's own is blank: it is not a record. Like a fully blank row
it is left out before validation and not counted as a row read (rows read = used + rejected still
holds), but unlike a blank row it is named in a warning with its row and text, so nothing is
dropped unseen. A row with one value that could be a record (a lone client_id, a date) is read as
usual and its blank required cells are errors.
"""

from __future__ import annotations

import re

from ipseval.ingest import CellProblem
from ipseval.schema import TABLES

# Words: a letter, and two runs of characters separated by a space.
LETTER = r"[^\W\d_]"
TWO_WORDS = r"\S\s+\S"
_SHOWN = 120
EXPECTED = "a record, or a blank row (a note, title or total line is left out)"


def is_note_text(text: str) -> bool:
    """Whether a lone cell reads as a sentence or title rather than a value: letters, and words."""
    return bool(re.search(LETTER, text)) and bool(re.search(TWO_WORDS, text.strip()))


def required_positions(table: str, standard: dict[int, str]) -> set[int]:
    """Positions of the table's required columns in the file (``standard``: position -> column)."""
    return {i for i, name in standard.items() if TABLES[table].column(name).required}


def is_note_row(text: object, position: int, required: set[int]) -> bool:
    """Whether a row whose only filled cell is ``text`` at ``position`` is a note: the cell is text
    with words, and some required column of the table (at ``required``) lies elsewhere, so blank."""
    return isinstance(text, str) and bool(required - {position}) and is_note_text(text)


def note_problem(row: int, text: str) -> CellProblem:
    """The warning naming a note row that was left out: its row and (the start of) its text."""
    text = text.strip()
    shown = text if len(text) <= _SHOWN else text[:_SHOWN] + "…"
    return CellProblem(
        row=row,
        column=None,
        value=shown,
        expected=EXPECTED,
        message=f"a note, not a record: '{shown}'; left out (like a blank row, not counted as a row read)",
        severity="warning",
    )
