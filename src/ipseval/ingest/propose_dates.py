"""The order of day and month in an export's dates, proposed for the settings' ``input.date_order``.

One setting covers every file, so the evidence of every column read as a date is pooled: a date
such as 25/03/2021 (first part above 12) can only be day/month/year, 03/25/2021 only month/day/year.
ISO dates and Excel date cells need no setting; dates that never settle it are read the UK way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ipseval.ingest.propose_columns import column_spec

if TYPE_CHECKING:
    from ipseval.ingest.propose import TableProposal

SURE = 0.8
ORDER_WORDS = {"dmy": "day/month/year", "mdy": "month/day/year", "ymd": "year/month/day"}


@dataclass(frozen=True)
class DateOrderProposal:
    setting: str  # "auto", "dmy", "mdy" or "ymd"
    confidence: float
    how: str  # plain words: what settles it
    columns: list[tuple[str, str, str]] = field(default_factory=list)  # (file or sheet, column, order seen)

    @property
    def sure(self) -> bool:
        return self.confidence >= SURE


def date_columns(tables: list[TableProposal]) -> list[tuple[str, str, object]]:
    """(file or sheet, column, DateOrder) for every column proposed as a standard date column."""
    out = []
    for t in tables:
        if not t.standard:
            continue
        for c in t.columns:
            if c.standard and column_spec(t.standard, c.standard).type == "date":
                out.append((t.local, c.local, c.evidence.order))
    return out


def propose_date_order(tables: list[TableProposal]) -> DateOrderProposal:
    """The date_order setting the proposed date columns need, and how sure it is."""
    found = date_columns(tables)
    seen = [(t, c, o.order or "none") for t, c, o in found]
    by_order: dict[str, list[tuple[str, object]]] = {}
    for t, c, o in found:
        if o.order:
            by_order.setdefault(o.order, []).append((f"'{c}' ({t})", o))
    dmy, mdy = by_order.get("dmy", []), by_order.get("mdy", [])
    if by_order.get("mixed") or (dmy and mdy):
        first = sum(o.day_first for _, o in dmy + by_order.get("mixed", []))
        second = sum(o.month_first for _, o in mdy + by_order.get("mixed", []))
        setting = "dmy" if first >= second else "mdy"
        where = ", ".join(w for w, _ in by_order.get("mixed", []) + dmy + mdy)
        how = (
            f"dates in {where} can only be read in different orders ({first} only day first, {second} only "
            f"month first): {ORDER_WORDS[setting]} proposed; the others will be named as problems"
        )
        return DateOrderProposal(setting, 0.4, how, seen)
    for order, confidence in (("dmy", 0.95), ("mdy", 0.95)):
        if by_order.get(order):
            where, o = by_order[order][0]
            how = f"{o.example} in {where} can only be {ORDER_WORDS[order]}"
            return DateOrderProposal(order, confidence, how, seen)
    if by_order.get("ymd"):
        where, _ = by_order["ymd"][0]
        return DateOrderProposal("ymd", 0.9, f"dates in {where} are written year first with / or .", seen)
    if by_order.get("either"):
        where, _ = by_order["either"][0]
        how = f"no date in {where} settles the order (days and months all 12 or less): UK day/month/year assumed"
        return DateOrderProposal("dmy", 0.6, how, seen)
    how = "only ISO dates (YYYY-MM-DD) and Excel dates: no setting needed"
    return DateOrderProposal("auto", 1.0, how, seen)
