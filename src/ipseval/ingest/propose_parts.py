"""Files that are parts of one table (an extract cut in two: ``CONTACTS_P1.txt``,
``CONTACTS_P2.txt``), told apart for ``ipseval map``.

Map gives each standard table one file; a second part is left unmatched (or matched to another
table it fits less well). When its name differs
from a matched file's only by part numbers or dates (ingest.part_names) and its columns are
mostly the same (in any order), it is marked as a part of that file: validate reads it with
that file's table(s) by itself (no entry needed), and the proposal says so instead of 'not read'.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import TYPE_CHECKING

from ipseval.ingest.mapping import norm_name
from ipseval.ingest.part_names import differ_by_part

if TYPE_CHECKING:
    from ipseval.ingest.propose import TableProposal

SAME_COLUMNS = 0.7  # share of the two files' column names (all of either) they have in common


def mark_parts(tables: list[TableProposal]) -> None:
    """Each table whose file is a part of a matched one's (unmatched, or matched less surely to
    another table: a second part's best table is taken by the first) gets ``part_of`` (that file),
    no table of its own, and its ``how`` saying so."""
    for t in tables:
        twin = next(
            (
                m
                for m in tables
                if m.standard
                and m is not t
                and m.standard != t.standard  # parts given their first part's tables (propose_split) stay so
                and (not t.standard or m.confidence > t.confidence)
                and _is_part(t, m)
            ),
            None,
        )
        if twin is not None:
            t.standard, t.part_of, t.missing = None, twin.local, []
            for c in t.columns:
                c.standard = None
            t.how = (
                f"a part of {twin.local} (the names differ only by a part number or date, the columns "
                f"are alike): validate reads it with {twin.local} as {twin.standard}; map it to [] to "
                "leave it out"
            )


def _is_part(t: TableProposal, m: TableProposal) -> bool:
    if not differ_by_part(PurePath(t.local).stem, PurePath(m.local).stem):
        return False
    a, b = ({norm_name(c.local) for c in x.columns} for x in (t, m))
    return bool(a | b) and len(a & b) >= SAME_COLUMNS * len(a | b)
