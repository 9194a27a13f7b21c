"""A whole release protected as one: every table, then the audit across tables, then the text.

:func:`protect_release` protects each table (:func:`.suppression.protect`), then, under the
``ndtms`` policy, audits the release as one linear system (:mod:`.audit`): a cell that counts the
same people as a hidden cell elsewhere is hidden too, and a small hidden count whose protection
interval is too narrow gets more cover, chosen where it costs least (spare columns first). It
repeats until the audit passes; a release that cannot be made to pass raises
:class:`DisclosureError` and is not written. Free text that leaves (notes, reasons) is checked
for counts of people (:mod:`.text`). The information lost is reported as a table.
"""

from __future__ import annotations

import time

import numpy as np
import polars as pl

from ..results import ProtectedTable, ResultTable
from ..settings import Disclosure
from .audit import Cell, System, build_system
from .suppression import protect
from .text import scrub_notes

__all__ = ["DisclosureError", "loss_table", "protect_release"]

TRIALS = 12  # cover candidates tried per failing cell, cheapest first
# CPU seconds of careful cover search (trying candidates by linear programming); past it, each
# failing cell gets its cheapest neighbour untried: the loop still proves the result, it may just
# hide a little more (a service of 60 one-client areas took 90 s of trials)
SEARCH_BUDGET = 5.0


class DisclosureError(Exception):
    """The release could not be protected: nothing is written. The message says which cell."""


def protect_release(tables: dict[str, ResultTable], policy: Disclosure) -> dict[str, ProtectedTable]:
    """Every table protected under ``policy``, audited as one release (see the module docstring);
    the tables keep their keys and order, and a ``disclosure_loss`` table is added."""
    force: dict[str, dict[str, np.ndarray]] = {}
    published = {k: protect(t, policy) for k, t in tables.items()}
    if policy.policy == "ndtms":
        published = _audit_loop(tables, published, force, policy)
    published = {k: scrub_notes(t, policy) for k, t in published.items()}
    if policy.policy not in ("ndtms", "nhs"):
        return published  # nothing is hidden ('none'), or figures are perturbed, not hidden ('ckm')
    loss = loss_table(tables, published, policy)
    return {**published, loss.key: protect(loss, policy)}


def _audit_loop(tables, published, force, policy: Disclosure) -> dict[str, ProtectedTable]:
    k = policy.effective_threshold
    width = k + 1  # a hidden count must be able to lie anywhere in a range as wide as the threshold
    system = build_system(tables, published, k)  # the relations: fixed; what is hidden changes
    withheld: set[str] = set()
    start = time.process_time()
    while True:  # every round hides at least one more cell, so this ends
        system.refresh(published)
        more = system.unprotected_copies() or _bound_covers(system, k, tables)
        if not more:
            failures = system.failures(k, width)
            if not failures:
                return _say_withheld(published, withheld)
            trials = TRIALS if time.process_time() - start < SEARCH_BUDGET else 0
            more = _covers(system, failures, k, width, tables, trials)
            if not more:  # last resort: every count of the tables that cannot otherwise be protected
                more = _whole_tables(system, failures, withheld)
            if not more:
                f = failures[0]
                raise DisclosureError(
                    f"the hidden count in {f.cell.table} (row {f.cell.row + 1}, {f.cell.column}) can be "
                    f"narrowed to {f.low:g}–{f.high:g} from the other figures, and no further cell can "
                    "protect it: the release is not written"
                )
        changed = _add(force, more, tables, published)
        if not changed:
            raise DisclosureError(
                "disclosure control could not hide what the audit asked for: the release is not written"
            )
        for key in changed:
            published[key] = protect(tables[key], policy, force[key])


def _bound_covers(system: System, k: int, tables) -> list[Cell]:
    """For each tight 'at most' bound with one hidden part, its cheapest visible part (by
    :func:`_cost`): with two parts hidden, neither is pinned by the bound alone, and the linear
    programmes then check both against every other relation."""
    return [
        min(cells, key=lambda c: _cost(system, c, k, tables)) for cells in system.tight_bounds(k) if cells
    ]


def _whole_tables(system: System, failures, withheld: set[str]) -> list[Cell]:
    """Every visible count of each failing cell's table (the table is withheld)."""
    names = {f.cell.table for f in failures} - withheld
    withheld |= names
    return [c for i, c in enumerate(system.cells) if c.table in names and not system.hidden[i]]


def _say_withheld(published: dict[str, ProtectedTable], withheld: set[str]) -> dict[str, ProtectedTable]:
    for key in withheld:
        published[key].notes = [
            *published[key].notes,
            "Every count of this table is hidden: with so few people, any count shown would let a "
            "hidden one be worked out from the other tables.",
        ]
    return published


def _add(force, cells: list[Cell], tables, published) -> set[str]:
    """Add ``cells`` to the cells forced hidden; a table's forced cells start from everything it
    hides now, so that protecting it again never shows a cell it hid (hiding only grows)."""
    changed = set()
    for c in cells:
        if c.table not in force:
            hidden = published[c.table].hidden
            force[c.table] = {
                col: hidden[col].to_numpy().copy() for col in tables[c.table].counts if col in hidden.columns
            }
        masks = force[c.table]
        mask = masks.setdefault(c.column, np.zeros(tables[c.table].data.height, bool))
        if not mask[c.row]:
            mask[c.row] = True
            changed.add(c.table)
    return changed


def _covers(system: System, failures, k: int, width: float, tables, trials: int = TRIALS) -> list[Cell]:
    """For each failing cell, a visible neighbour to hide: of the ``trials`` cheapest, the first
    that protects it, else the one that widens its interval most; with no trials, the cheapest
    (see :func:`_cost`)."""
    chosen: list[Cell] = []
    for f in failures:
        target = system.class_of(f.cell)
        if trials and system.failures(k, width, only=[target]) == []:
            continue  # an earlier choice in this round already protects it
        candidates = sorted(system.neighbours(f.cell), key=lambda c: _cost(system, c, k, tables))
        best, best_width = None, f.high - f.low
        for cand in candidates[:trials]:
            members = system._members(system.class_of(cand))
            system.hidden[members] = True
            left = system.failures(k, width, only=[target])
            system.hidden[members] = False
            now = float("inf") if not left else left[0].high - left[0].low
            if now > best_width + 1e-9:
                best, best_width = cand, now
            if not left:
                break
        best = best or (candidates[0] if candidates else None)
        if best is not None:
            chosen.append(best)
            system.hidden[system._members(system.class_of(best))] = True  # later failures see it
    return chosen


def _cost(system: System, cell: Cell, k: int, tables) -> tuple:
    """What hiding ``cell`` (and every copy of it in other tables) costs a reader: a total row
    most, then a count a published rate rests on, then a key figure rather than a spare column
    (a complement or a total a reader needs least); then small counts before large ones, which
    widen intervals less, and smaller before larger."""
    copies = [system.cells[i] for i in system._members(system.class_of(cell))]
    total = any(system.index[c] in system.totals for c in copies)
    in_rate = any(
        c.column in (r.numerator, r.denominator) for c in copies for r in tables[c.table].rates.values()
    )
    spare = all(c.column in tables[c.table].spare for c in copies)
    v = float(system.values[system.index[cell]])
    return (total, in_rate, not spare, v <= k, v, cell.table, cell.row, cell.column)


def loss_table(
    tables: dict[str, ResultTable], published: dict[str, ProtectedTable], policy: Disclosure
) -> ResultTable:
    """How much disclosure control hid: per table, the published counts and how many are hidden;
    and overall the share of people hidden, to the nearest whole per cent (an exact share would
    be one more linear relation between the hidden cells)."""
    rows, hidden_sum, total_sum = [], 0.0, 0.0
    for key, t in tables.items():
        p = published.get(key)
        if p is None or not t.about_people:
            continue
        shown = [c for c in t.counts if c not in t.internal and c in p.hidden.columns]
        if not shown:
            continue
        vals = t.data.select(pl.col(c).cast(pl.Float64) for c in shown).to_numpy()
        hid = p.hidden.select(shown).to_numpy()
        present = ~np.isnan(vals)
        n_cells, n_hidden = int(present.sum()), int((hid & present).sum())
        rows.append({"table": key, "title": t.title, "counts": n_cells, "hidden": n_hidden})
        hidden_sum += float(np.nansum(np.where(hid, vals, 0)))
        total_sum += float(np.nansum(vals))
    df = pl.DataFrame(
        rows, schema={"table": pl.Utf8, "title": pl.Utf8, "counts": pl.Int64, "hidden": pl.Int64}
    )
    df = df.with_columns((pl.col("hidden") / pl.col("counts")).alias("share_hidden"))
    k = policy.effective_threshold if policy.policy != "none" else 0
    people = round(100 * hidden_sum / total_sum) if total_sum >= 200 * (k + 1) and total_sum else None
    notes = [
        f"Across the release, {df['hidden'].sum():,} of {df['counts'].sum():,} published counts are hidden."
        if df.height
        else "No counts about people were published.",
    ]
    if people is not None:
        notes.append(f"Hidden cells hold about {people}% of the sum of all published counts.")
    return ResultTable(
        key="disclosure_loss",
        title="Information hidden by disclosure control",
        data=df,
        dims=["table", "title"],
        about_people=False,  # counts of table cells, not of people
        columns={
            "counts": "counts about people published in the table (missing cells left out)",
            "hidden": "of which hidden by disclosure control",
            "share_hidden": "hidden / counts",
        },
        notes=notes,
    )
