"""What a coded column is, read from the labels its lookup gives its codes.

A warehouse names its columns in abbreviations no list of names foresees ('DISCH_RSN_CD',
'TSLJ_CD', 'INTEG_CD'), but its codebook says what each code means: 'Moved out of area',
'Disengaged / lost contact' are discharge reasons; 'Strong', 'Moderate', 'Weak' are the strengths of
integration. A column whose lookup's labels read, most of them, as distinct codes of one standard
column is proposed as that column, however its name reads. Labels meaning 'not known' and the
catch-all 'other' say nothing of which column it is and are not counted.
"""

from __future__ import annotations

from ipseval.ingest.mapping import norm_name
from ipseval.ingest.propose_codes import CATCH_ALL
from ipseval.ingest.propose_lookup_codes import CLEAR, label_code
from ipseval.ingest.propose_lookups import Lookup
from ipseval.schema import Column

FIT_FLOOR = 0.5  # at least this share of the telling labels must read as the column's codes
MIN_CODES = 2  # ... as at least this many distinct codes
CODE_BASE, BOOL_BASE, SPAN = 0.55, 0.45, 0.35  # the score: base + SPAN * fit (yes/no tells less)
_SILENT = ("", "unknown", *CATCH_ALL)


def label_fit(
    lookup: Lookup, column: Column, values: tuple[tuple[str, int], ...]
) -> tuple[float, str] | None:
    """(score, why) for ``column`` being the standard column of a local column whose lookup is
    ``lookup``: its labels of the codes the column holds read as the column's codes. None when they
    do not (fewer than half, or fewer than two distinct codes)."""
    if column.type not in ("code", "bool"):
        return None
    held = {norm_name(v) for v, _ in values} & set(lookup.codes)
    guesses = [label_code(lookup.codes[k], column) for k in sorted(held)]
    telling = [g for g in guesses if g.code not in _SILENT or g.confidence < CLEAR]
    read = [g for g in telling if g.code not in _SILENT and g.confidence >= CLEAR]
    if not telling or len({g.code for g in read}) < MIN_CODES or len(read) < FIT_FLOOR * len(telling):
        return None
    fit = len(read) / len(telling)
    base = BOOL_BASE if column.type == "bool" else CODE_BASE
    example = "; ".join(f"'{g.value}' {g.code}" for g in read[:2])
    why = (
        f"the labels '{lookup.headings[0]}' on '{lookup.where}' gives its codes read as "
        f"{column.name} codes ({len(read)} of {len(telling)}: {example})"
    )
    return base + SPAN * fit, why
