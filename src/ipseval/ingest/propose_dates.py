"""The order of day and month in an export's dates, proposed for ``input.date_order`` and, when
files disagree, ``[input.date_orders]`` per table.

One system writes one file in one format, so the evidence is pooled per file (its table), over
every column read as a date: a date such as 25/03/2021 (first part above 12) can only be
day/month/year, 03/25/2021 only month/day/year, 2021/03/25 is year first. When the files that
settle it agree, one global order is proposed; when they disagree, the order most files use is
global and each other file's table gets its own. ISO dates and Excel date cells need no setting;
a file whose dates never settle it follows the global order (UK day/month/year by default).
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
class TableDateOrder:
    """The order one file's dates need: ``setting`` is "dmy", "mdy", "ymd" or "" (nothing settles it)."""

    table: str  # standard table
    local: str  # file or sheet
    setting: str
    confidence: float
    how: str


@dataclass(frozen=True)
class DateOrderProposal:
    setting: str  # "auto", "dmy", "mdy" or "ymd"
    confidence: float
    how: str  # plain words: what settles it
    columns: list[tuple[str, str, str]] = field(default_factory=list)  # (file or sheet, column, order seen)
    tables: list[TableDateOrder] = field(default_factory=list)  # per file, whatever the global order

    @property
    def sure(self) -> bool:
        return self.confidence >= SURE

    @property
    def orders(self) -> dict[str, str]:
        """``[input.date_orders]``: the tables whose files need another order than the global one."""
        return {t.table: t.setting for t in self.tables if t.setting and t.setting != self.setting}


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


def _table_order(t: TableProposal) -> TableDateOrder | None:
    """The order the date columns of one file settle, pooled; None if it has no dates to read."""
    found = [
        (c.local, c.evidence.order)
        for c in t.columns
        if c.standard and column_spec(t.standard, c.standard).type == "date" and c.evidence.order.order
    ]
    if not found:
        return None
    day = sum(o.day_first for _, o in found)
    month = sum(o.month_first for _, o in found)
    year = sum(o.year_first for _, o in found)
    where = f"'{t.local}'"
    example: dict[str, tuple[str, str]] = {}
    for c, o in found:
        if o.example:
            example.setdefault(o.order, (c, o.example))
    if day and month:
        setting = "dmy" if day >= month else "mdy"
        how = (
            f"dates in {where} can only be read in different orders ({day} only day first, {month} only "
            f"month first): {ORDER_WORDS[setting]} proposed; the others will be named as problems"
        )
        return TableDateOrder(t.standard, t.local, setting, 0.4, how)
    for order, n in (("dmy", day), ("mdy", month)):
        if n:
            column, value = example.get(order, ("", ""))
            shown = f"{value} in '{column}' ({t.local})" if value else f"dates in {where}"
            return TableDateOrder(
                t.standard, t.local, order, 0.95, f"{shown} can only be {ORDER_WORDS[order]}"
            )
    if year:
        how = f"dates in {where} are written year first with / or ."
        return TableDateOrder(t.standard, t.local, "ymd", 0.9, how)
    how = f"no date in {where} settles the order (days and months all 12 or less)"
    return TableDateOrder(t.standard, t.local, "", 0.6, how)


def propose_date_order(tables: list[TableProposal]) -> DateOrderProposal:
    """The date_order setting (and per-table date_orders) the proposed date columns need."""
    seen = [(t, c, o.order or "none") for t, c, o in date_columns(tables)]
    per = [o for t in tables if t.standard for o in [_table_order(t)] if o is not None]
    settled = [o for o in per if o.setting in ("dmy", "mdy")]
    mixed = [o for o in per if o.confidence < 0.5]
    if mixed:
        worst = mixed[0]
        how = worst.how
        if len(per) > 1:
            how += "; " + "; ".join(o.how for o in per if o is not worst)
        setting = worst.setting if len({o.setting for o in settled}) <= 1 else _most(settled)
        return DateOrderProposal(setting, 0.4, how, seen, per)
    if settled:
        setting = _most(settled)
        differ = [o for o in per if o.setting and o.setting != setting]
        first = next(o for o in settled if o.setting == setting)
        if not differ:
            return DateOrderProposal(setting, first.confidence, first.how, seen, per)
        how = (
            f"the files use different orders: {first.how}, so {ORDER_WORDS[setting]} for every file not "
            "listed in [input.date_orders]; " + "; ".join(o.how for o in differ)
        )
        return DateOrderProposal(setting, 0.9, how, seen, per)
    ymd = [o for o in per if o.setting == "ymd"]
    either = [o for o in per if not o.setting]
    if ymd and not either:
        return DateOrderProposal("ymd", 0.9, ymd[0].how, seen, per)
    if either:
        how = f"{either[0].how}: UK day/month/year assumed"
        return DateOrderProposal("dmy", 0.6, how, seen, per)
    how = "only ISO dates (YYYY-MM-DD) and Excel dates: no setting needed"
    return DateOrderProposal("auto", 1.0, how, seen, per)


def _most(settled: list[TableDateOrder]) -> str:
    """The order most files settle (day/month/year when as many settle each)."""
    dmy = sum(o.setting == "dmy" for o in settled)
    mdy = sum(o.setting == "mdy" for o in settled)
    return "mdy" if mdy > dmy else "dmy"
