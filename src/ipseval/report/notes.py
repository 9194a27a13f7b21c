"""Where each table note is printed: under its table for a reader, or in the methods appendix.

Notes on how a model was fitted (standard errors, strata, imputation, which sparse levels were
merged) matter to someone reproducing the figures, not to a reader of the table: the report's
body leaves them out (:func:`for_readers`) and the methods appendix prints every table's notes.
There a note that several tables share is printed once, in a numbered list at the start, and each
table refers to it by number (:func:`gather_shared`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# Phrases of the notes the impact models write about how they were fitted (see ipseval.impact):
# a note holding one of them belongs to the methods appendix.
METHOD_PHRASES: tuple[str, ...] = (
    "merged into",
    "combined into",
    "was left out of the model",
    "has one level in the model data",
    "pooled for lack of events",
    "enters as strata",
    "enters as a factor",
    "standard errors:",
    "Standard errors:",
    "is both a control",
    "Main estimate:",
    "Complete cases:",
    "rows with a missing",
)


def for_methods(note: str) -> bool:
    """Whether ``note`` is about how a model was fitted (printed in the methods appendix only)."""
    return any(phrase in note for phrase in METHOD_PHRASES)


def for_readers(notes: Iterable[str]) -> list[str]:
    """The notes a reader sees under a table: all but the model-fitting ones, each once."""
    return list(dict.fromkeys(n for n in notes if not for_methods(n)))


@dataclass
class TableNotes:
    """One table in the methods appendix: its own notes and the shared notes it refers to."""

    key: str
    title: str
    notes: list[str] = field(default_factory=list)
    shared: list[int] = field(default_factory=list)  # numbers in the shared list, from 1


def gather_shared(tables: Sequence[tuple[str, str, Sequence[str]]]) -> tuple[list[str], list[TableNotes]]:
    """From (key, title, notes) per table: the notes that two or more tables share, in the order
    first met, and each table with its own notes and the numbers of the shared ones it carries."""
    counts = Counter(n for _key, _title, notes in tables for n in dict.fromkeys(notes))
    shared = list(dict.fromkeys(n for _k, _t, notes in tables for n in notes if counts[n] > 1))
    number = {n: i + 1 for i, n in enumerate(shared)}
    out = []
    for key, title, notes in tables:
        own = list(dict.fromkeys(notes))
        out.append(
            TableNotes(
                key=key,
                title=title,
                notes=[n for n in own if n not in number],
                shared=[number[n] for n in own if n in number],
            )
        )
    return shared, out
