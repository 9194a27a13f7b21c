"""Columns told by the values they share with another table's column, for the mapping assistant: a
column holding the staff ids or the areas another table holds is that column (a mapped one is
surer for it; one only named like it must share a value)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ipseval.ingest.mapping import norm_name
from ipseval.schema import TABLES

if TYPE_CHECKING:
    from ipseval.ingest.propose import ColumnProposal, TableProposal

SHARED_VALUE_COLUMNS = ("employment_specialist_id", "local_authority")
OVERLAP = 0.8  # share of a column's distinct values found in the other table's column


def by_shared_values(tables: list[TableProposal]) -> None:
    """A column left unmapped whose values are those of another table's column of the same kind
    (SHARED_VALUE_COLUMNS) is proposed as that column; a mapped one is surer for it."""
    from ipseval.ingest.propose import SURE  # a column sharing the values is at least this sure

    for ref in SHARED_VALUE_COLUMNS:
        sources = [(t, c) for t in tables if t.standard for c in t.columns if c.standard == ref]
        for t in tables:
            if not t.standard or ref not in TABLES[t.standard].column_names:
                continue
            for c in t.columns:
                if c.advice or c.evidence.kind not in ("code", "text"):
                    continue
                # another part of the same table (a sheet per area) holds other areas by design
                others = [(o, d) for o, d in sources if o is not t and o.standard != t.standard]
                found = _shared(c, others)
                if found is None:
                    _unless_shared(c, ref, others)
                    continue
                share, o, d = found
                words = f"its values are those of '{d.local}' ({o.local}): {share:.0%} of them"
                holder = next((x for x in t.columns if x.standard == ref), None)
                if c.standard is None and holder is not None and _shared(holder, others) is None:
                    # the column proposed by its name holds none of the others' values: this one does
                    holder.standard, holder.confidence, holder.codes = None, 0.0, []
                    holder.advice = (
                        f"its values are not those of '{d.local}' ({o.local}); '{c.local}' holds them"
                    )
                if c.standard is None and all(x.standard != ref for x in t.columns):
                    c.standard, c.confidence, c.how = ref, round(0.7 + 0.15 * share, 2), words
                    c.alternatives = [a for a in c.alternatives if a[0] != ref]
                    t.missing = [m for m in t.missing if m != ref]
                elif c.standard == ref and not c.sure:
                    c.confidence, c.how = max(c.confidence, SURE), f"{c.how}; {words}"


SHARED_NONE = 0.6  # a column named this weakly for a local authority must share a value with the others'


def _unless_shared(c: ColumnProposal, ref: str, others: list[tuple[TableProposal, ColumnProposal]]) -> None:
    """A local authority column proposed by a weak likeness of names ('Title' like 'site') whose
    values are none of the other tables' local authorities is not one ('Employment Specialist')."""
    if ref != "local_authority" or c.standard != ref or c.confidence >= SHARED_NONE or not others:
        return
    values = {norm_name(v) for v, _ in c.evidence.top}
    if any(values & {norm_name(v) for v, _ in d.evidence.top} for _, d in others):
        return
    c.alternatives = [(ref, c.confidence), *c.alternatives][:3]
    c.standard, c.confidence, c.codes = None, 0.0, []
    c.advice = (
        f"its values are none of the local authorities of '{others[0][1].local}' ({others[0][0].local})"
    )


def _shared(c: ColumnProposal, others: list[tuple[TableProposal, ColumnProposal]]):
    values = {norm_name(v) for v, _ in c.evidence.top}
    if len(values) < 2:
        return None
    best = None
    for o, d in others:
        share = len(values & {norm_name(v) for v, _ in d.evidence.top}) / len(values)
        if share >= OVERLAP and (best is None or share > best[0]):
            best = (share, o, d)
    return best
