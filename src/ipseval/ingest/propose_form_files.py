"""What the mapping form offers about reading a file beyond its columns and their values, each as
``ipseval map`` proposes it: the order of day and month in one file's dates when the files
disagree; a column whose blank cells take the value above (a group's value written once); a column
the file does not have because every row shares one value (a wellbeing file of one questionnaire:
its instrument); and which century a two-digit year is in. Each is chosen in plain words and kept
with the settings (:mod:`.propose_form_save`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ipseval.ingest.propose_form_values import SAVED

if TYPE_CHECKING:
    from ipseval.ingest.propose import Proposal, TableProposal
    from ipseval.settings import Settings

DATE_ORDERS = {
    "auto": "automatic: ISO and Excel dates only, else day/month/year",
    "dmy": "day/month/year (UK: 31/12/2020)",
    "mdy": "month/day/year (US: 12/31/2020)",
    "ymd": "year/month/day (2020/12/31)",
}
FILE_DATE_ORDERS = {"": "as the order above", **DATE_ORDERS}
TWO_DIGIT_YEARS = {
    "auto": "20yy, or 19yy if that is after this year",
    "2000s": "always 20yy (68 is 2068)",
    "1900s": "always 19yy (20 is 1920)",
    "refuse": "not read: each is a problem",
}
FILL_DOWN = {"yes": "take the value of the row above", "no": "stay blank"}


@dataclass
class DateChoice:
    """The order of day and month in one file's dates ("" = the export's order, chosen above)."""

    order: str
    guess: str
    confidence: float
    how: str


@dataclass
class FixedChoice:
    """A standard column the file does not have, and the value every row takes ("" = none)."""

    column: str
    value: str
    guess: str
    how: str


def file_dates(p: Proposal, saved: Settings | None) -> dict[str, DateChoice]:
    """Each file's own order of day and month, by file or sheet name: when files disagree, those
    whose order differs from the export's are proposed their own (the others follow it)."""
    d = p.date_order
    if len(d.tables) < 2 and not d.orders:
        return {}
    out = {}
    for o in d.tables:
        guess = d.orders.get(o.table, "")
        choice = DateChoice(guess, guess, o.confidence, o.how)
        own = saved.input.date_orders.get(o.table) if saved is not None else None
        if own is not None and own != guess and o.confidence < 0.8:
            choice.order, choice.how = own, SAVED
        out[o.local] = choice
    return out


def fill_down_how(p: Proposal, t: TableProposal) -> dict[str, str]:
    """The columns of ``t`` (by local name) ``map`` proposes to fill down, with why in words."""
    chosen = p.fill_down.get(t.standard or "", [])
    return {
        c.local: f"filled on {c.evidence.n:,} of {t.rows:,} rows, each value on several: a group's value "
        "written once"
        for c in t.columns
        if c.standard in chosen
    }


def saved_fill_down(saved: Settings | None, table: str) -> list[str]:
    """The standard columns of ``table`` the settings in force fill down."""
    return list(saved.input.fill_down.get(table, [])) if saved is not None else []


def fixed_choices(p: Proposal, t: TableProposal, saved: Settings | None) -> list[FixedChoice]:
    """The columns ``map`` gives every row of ``t``'s file (and those the settings in force give)."""
    out = [FixedChoice(f.column, f.value, f.value, f.how) for f in p.fixed if f.table == t.standard]
    given = saved.mapping.fixed.get(t.standard or "", {}) if saved is not None else {}
    for column, value in given.items():
        mine = next((f for f in out if f.column == column), None)
        if mine is None:
            out.append(FixedChoice(column, value, "", SAVED))
        elif mine.value != value:
            mine.value, mine.how = value, SAVED
    return out


def two_digit_seen(p: Proposal) -> list[str]:
    """The date columns read that write years with two digits, in words (none: nothing to choose)."""
    from ipseval.ingest.propose_toml import two_digit_columns

    return [
        f"'{c.local}' ({local}): {sum(k for _, k in c.evidence.two_digit_years):,} dates with a "
        f"two-digit year, e.g. {c.evidence.two_digit_years[0][0]}"
        for local, c in two_digit_columns(p)
    ]
