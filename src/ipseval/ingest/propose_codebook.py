"""Code lookups read from a codebook table: a sheet or file of code and label columns.

A small export keeps one lookup per sheet ('Code', 'Label'); a data warehouse keeps every lookup in
one long table with a column naming the field each row belongs to ('DOMAIN|CODE|DESCRIPTION'),
often with the validity of each row beside it ('VALID_FROM|VALID_TO|ACTIVE_FLG'): a code whose
meaning changed is listed twice, its old row closed (an end date in the past, not active) and its
current row open. :func:`table_lookups` reads both shapes and keeps each code's current row.
"""

from __future__ import annotations

import re

from ipseval.ingest.mapping import norm_name
from ipseval.ingest.propose_codes import fold
from ipseval.ingest.propose_lookups import MIN_ENTRIES, Lookup
from ipseval.ingest.propose_read import LocalTable

_CODE_HEADERS = ("code", "value", "id", "key", "number", "no")
_LABEL_HEADERS = ("label", "description", "meaning", "name", "text", "decode", "desc")
_FIELD_HEADERS = (
    *("field", "column", "variable", "list", "lookup", "category", "item", "question", "type"),
    *("domain", "codeset", "dimension", "attribute", "group"),
)
# Words of a column that says when a codebook row holds, not what it means (a warehouse's
# slowly-changing history): such columns may stand beside the code, label and field columns.
_VALIDITY_WORDS = {"valid", "from", "to", "start", "end", "effective", "expiry", "active", "current"}
_VALIDITY_WORDS |= {"flag", "flg", "ind", "date", "dt", "inactive", "deleted", "status", "version"}
_ACTIVE_WORDS = {"active", "current"}
_END_WORDS = {"to", "end", "expiry"}
_TRUE = {"y", "yes", "t", "true", "1", "-1"}
SMALL_TABLE = 4  # a code/label table this narrow needs no field column
WIDE_CODEBOOK = 8  # the most columns a codebook with a field column and validity columns has
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w]


def _header(table: LocalTable, names: tuple[str, ...], skip: tuple[int | None, ...] = ()) -> int | None:
    for k, c in enumerate(table.columns):
        words = fold(c.name).split()
        if k not in skip and words and any(w in names for w in words[-1:] + words[:1]):
            return k
    return None


def _layout(table: LocalTable) -> tuple[int, int, int | None] | None:
    """(code, label, field) column numbers of a codebook table; None when it is not one."""
    code = _header(table, _CODE_HEADERS)
    label = _header(table, _LABEL_HEADERS, (code,))
    if code is None or label is None:
        return None
    named = _header(table, _FIELD_HEADERS, (code, label))
    if len(table.columns) <= SMALL_TABLE:
        return code, label, named
    if named is None or len(table.columns) > WIDE_CODEBOOK:
        return None
    rest = [c for k, c in enumerate(table.columns) if k not in (code, label, named)]
    if all(set(_words(c.name)) & _VALIDITY_WORDS for c in rest):
        return code, label, named
    return None


def is_lookup_table(table: LocalTable) -> bool:
    """A sheet or file of code and label columns (and perhaps a column naming the field, and
    columns saying when each row holds)."""
    return _layout(table) is not None


def _currency(table: LocalTable, length: int) -> list[tuple[int, int]]:
    """Per row, how current it is: (active, open-ended), from the validity columns filled on every
    row; (0, 0) for all rows when there are none."""
    out = [[0, 0] for _ in range(length)]
    for c in table.columns:
        words = set(_words(c.name))
        if len(c.values) != length or not words & (_ACTIVE_WORDS | _END_WORDS):
            continue
        for k, v in enumerate(c.values):
            if words & _ACTIVE_WORDS:
                out[k][0] = int(v.strip().lower() in _TRUE)
            elif words & _END_WORDS:
                m = _YEAR.search(v)
                out[k][1] = int(m is None or int(m.group(1)) >= 9000)  # 31-DEC-9999: still valid
    return [(a, b) for a, b in out]


def table_lookups(table: LocalTable) -> list[Lookup]:
    """The lookups of a code/label table: one per field named in its field column, else one headed
    by the table's name; a code listed twice keeps its current row. Its columns must be filled on
    every row to be read row by row."""
    layout = _layout(table)
    if layout is None:
        return []
    code, label, named = layout
    cols = [k for k in layout if k is not None]
    lengths = {len(table.columns[k].values) for k in cols}
    if len(lengths) != 1:
        return []
    length = lengths.pop()
    fields = table.columns[named].values if named is not None else [table.name] * length
    codes, labels = table.columns[code].values, table.columns[label].values
    by: dict[str, Lookup] = {}
    rank: dict[tuple[str, str], tuple[int, int]] = {}
    for f, c, lab, now in zip(fields, codes, labels, _currency(table, length), strict=True):
        lk = by.setdefault(f, Lookup([f], where=table.name))
        key = norm_name(c)
        if key in lk.codes and rank[f, key] >= now:
            continue  # an older row of a code already read, or the same code again
        lk.codes[key], lk.written[key], rank[f, key] = lab.strip(), c, now
    return [lk for lk in by.values() if len(lk.codes) >= MIN_ENTRIES]
