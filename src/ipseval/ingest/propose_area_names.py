"""Area names for area codes, from the export's own areas file.

A warehouse writes areas as codes ('KGM') in every table and gives their names once, in its areas
file beside the code ('KGM|Kingsmoor'). The report and the dashboard show an area as it is stored,
so a commissioner would read 'weakest in KGM'. When the areas table's ``local_authority`` column
holds short codes, one per row, and another of its columns (mapped to nothing) holds a different
name with words for each, each code is proposed as its name in every table that has areas
(``[mapping.codes.<table>.local_authority] KGM = "Kingsmoor"``), to check.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ipseval.ingest.propose_codes import CodeGuess
from ipseval.ingest.propose_read import LocalTable

if TYPE_CHECKING:
    from ipseval.ingest.propose import TableProposal

NAMED = 0.8  # how sure: the export's own pairing, but the name column is chosen by its look
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,7}$")  # 'KGM', 'E09000009', 'LA_01'
_WORDS = re.compile(r"[a-z]{2}")  # a name has lower-case letters ('Kingsmoor', "St Mary's Vale")


def name_area_codes(tables: list[TableProposal], local: list[LocalTable]) -> None:
    """Propose each area code's name (in place, as codes of every ``local_authority`` column)."""
    names, where = _names(tables, local)
    if not names:
        return
    for t in tables:
        for c in t.columns:
            if c.standard != "local_authority" or c.codes:
                continue
            c.codes = [
                CodeGuess(v, k, names[v], NAMED, f"the area's name on {where}")
                for v, k in c.evidence.top
                if v in names
            ]


def _names(tables: list[TableProposal], local: list[LocalTable]) -> tuple[dict[str, str], str]:
    """{code: name} from the areas table and the name column's header, or ({}, '')."""
    areas = next((t for t in tables if t.standard == "areas"), None)
    if areas is None:
        return {}, ""
    file = next((lt for lt in local if lt.name == areas.local), None)
    code = next((c.local for c in areas.columns if c.standard == "local_authority"), None)
    if file is None or code is None:
        return {}, ""
    cells = {c.name: [v.strip() for v in c.values] for c in file.columns}
    codes = cells.get(code, [])
    if not _one_each(codes, file.rows) or not all(_CODE.match(v) for v in codes):
        return {}, ""
    for c in areas.columns:
        words = cells.get(c.local, [])
        if c.standard is None and _one_each(words, file.rows) and all(_WORDS.search(v) for v in words):
            return dict(zip(codes, words, strict=True)), f"'{areas.local}' ('{c.local}')"
    return {}, ""


def _one_each(values: list[str], rows: int) -> bool:
    """A value on every row, each different (so the columns pair row by row)."""
    return bool(values) and len(values) == rows and len(set(values)) == rows
