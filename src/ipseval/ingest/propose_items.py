"""The mapping assistant for questionnaire items and the totals written beside them.

Items (long wellbeing files). A WEMWBS export writes one row per question, its label the question's
number and words: 'Q01 Optimistic about the future', or on the Welsh form 'C01 Teimlo'n obeithiol am
y dyfodol'. For an instrument with built-in items (wellbeing.items: WEMWBS 14, SWEMWBS 7), a label
that starts with an item's number ('Q01', 'C1', 'Item 1', '1.', '1)', a warehouse's 'SWM_01') is proposed as that item,
``item_01``, when the labels give at least half of the instrument's item numbers (so a lone
'1. Overall' is not taken for an item), to check unless they give every one. Labels in two languages give the same item. The total
row itself is the measure ``total`` (proposed as usual), and validate checks it against the items.

Wide wellbeing files. A file named for such an instrument ('WEMWBS forms.csv') with one column per
item ('Q1' ... 'Q14') has them proposed as the items, beside its 'Total' column as the measure total.
Items without a total row or column are proposed as items all the same, and the proposal says that
each form's total is computed from its items when all are there (validate_computed).

Totals (wide fidelity files). An IPS-25 review per row with a 'Total' column beside the item
columns: that column is proposed as ``total`` of ``[mapping.wide.fidelity]`` (checked against each
row's items, never read as an item); an items-down sheet's 'Total' row as a ``total`` row
(wide_down). See ingest.totals.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ipseval.ingest.propose_codes import CodeGuess
from ipseval.ingest.totals import TOTAL_WORDS, as_number
from ipseval.wellbeing.items import BUILTIN_ITEMS, ITEM

if TYPE_CHECKING:
    from ipseval.ingest.propose import TableProposal
    from ipseval.ingest.propose_read import LocalColumn, LocalTable

ITEM_SURE = 0.7  # an item read from the number its label starts with: to check ...
ITEM_ALL_SURE = 0.85  # ... unless the labels give every item number of the instrument
TOTAL_SURE = 0.8  # a total column or row beside the items: to check
# said of items written without their total (validate_computed)
NO_TOTAL = "no total {}: ipseval computes each form's total from its items when every one is there"
_NUMBERED = re.compile(
    r"^\s*(?:item|question|q|c|cwestiwn|no\.?|#|[a-z]{2,8}[_\-])?\s*0*(?P<n>\d{1,2})(?:\s*[.):\-]\s*|\s+|$)",
    re.I,
)

# A label that is only a number ('7', a 'Question: Order' column) is the item's number, whatever
# measure's words it happens to be among (SWEMWBS's range 7-35 names no item).
_BARE_NUMBER = re.compile(r"^\s*0*\d{1,2}\s*$")


def item_of(label: str, items: int) -> int | None:
    """The item number a label starts with ('Q01 Optimistic...' -> 1), if 1 to ``items``."""
    m = _NUMBERED.match(label)
    n = int(m.group("n")) if m else 0
    return n if 1 <= n <= items else None


def propose_items(table: TableProposal, instruments: list[str]) -> None:
    """The measure labels of a wellbeing table proposed as items of ``instruments`` (those its
    rows give, by its instrument column's codes or the fixed value), in place: see the module
    docstring. Labels already matched to a measure keep their proposal."""
    counts = [BUILTIN_ITEMS[i][0] for i in {i.upper() for i in instruments} if i in BUILTIN_ITEMS]
    if table.standard != "wellbeing" or not counts:
        return
    items = max(counts)
    measure = next((c for c in table.columns if c.standard == "measure"), None)
    if measure is None:
        return
    open_ = [g for g in measure.codes if g.code is None or _BARE_NUMBER.match(g.value)]
    numbers = {n for g in open_ if (n := item_of(g.value, items))}
    if 2 * len(numbers) < items:
        return
    named = ", ".join(sorted({i.upper() for i in instruments if i.upper() in BUILTIN_ITEMS}))
    sure = ITEM_ALL_SURE if len(numbers) == items else ITEM_SURE
    total = any(g.code == "total" or TOTAL_WORDS.match(g.value) for g in measure.codes)
    extra = "" if total else f"; {NO_TOTAL.format('row')}"
    measure.codes = [_as_item(g, items, named, sure, extra) if g in open_ else g for g in measure.codes]


def _as_item(g: CodeGuess, items: int, named: str, sure: float, extra: str) -> CodeGuess:
    n = item_of(g.value, items)
    if n is None:
        return g
    how = f"the item number its label starts with: {named} item {n} (items are checked; their total is analysed){extra}"
    return CodeGuess(g.value, g.rows, ITEM.format(n), sure, how)


def instruments_of(table: TableProposal, fixed: str | None) -> list[str]:
    """The instruments a wellbeing table's rows give: the fixed value, else its instrument column's
    proposed codes."""
    if fixed:
        return [fixed]
    column = next((c for c in table.columns if c.standard == "instrument"), None)
    return [g.code for g in column.codes if g.code] if column is not None else []


def total_column(columns: list[LocalColumn], items: dict[str, object]) -> tuple[str, float, str] | None:
    """The column of a wide fidelity file that holds each row's total beside ``items`` (its item
    columns): named as a total ('Total', 'Total score', 'Sum'), every value a number. None if none."""
    for c in columns:
        if c.name in items or not TOTAL_WORDS.match(c.name) or not c.values:
            continue
        if all(as_number(v) is not None for v in c.values):
            how = "each review's total beside its items: checked against their sum, never read as an item"
            return c.name, TOTAL_SURE, how
    return None


def wide_items(local: LocalTable) -> tuple[str, dict[str, tuple[str, float, str]]] | None:
    """A wellbeing file with one column per item of an instrument with built-in items: named for it
    ('WEMWBS forms': 'Q1' ... 'Q14', 'Total'), or with the items headed by their statements ('I've
    been feeling useful', propose_statements). (The instrument, item column -> (item_NN, how sure,
    why)), with a column of the raw total beside them as the measure total, when the columns give
    at least half of the instrument's items; None otherwise."""
    from ipseval.ingest.propose_statements import statement_items, total_beside

    name = local.name.lower()
    instrument = next(
        (
            i
            for i in sorted(BUILTIN_ITEMS, key=len, reverse=True)
            if re.search(rf"(?<![a-z]){i.lower()}(?![a-z])", name)
        ),
        None,
    )
    filled = [c.name for c in local.columns if c.values]
    found: dict[str, int] = {}
    if instrument is not None:
        found = {c: k for c in filled if (k := item_of(c, BUILTIN_ITEMS[instrument][0]))}
    how = "{} item {}: the number its name starts with (items are checked; their total is analysed)"
    if instrument is None or 2 * len(set(found.values())) < BUILTIN_ITEMS[instrument][0]:
        by_words = statement_items(filled, instrument)
        if by_words is not None:
            (instrument, found), how = (
                by_words,
                "{} item {}: its statement's words (items are checked; their total is analysed)",
            )
    if instrument is None:
        return None
    n = BUILTIN_ITEMS[instrument][0]
    if 2 * len(set(found.values())) < n:
        return None
    sure = ITEM_ALL_SURE if len(set(found.values())) == n else ITEM_SURE
    items = {col: (ITEM.format(k), sure, how.format(instrument, k)) for col, k in found.items()}
    total = total_beside(local.columns, set(items))
    if total is not None:
        items[total] = ("total", TOTAL_SURE, f"each {instrument} form's raw total, beside its items")
    return instrument, items
