"""The release audit: every published count of every table as one system of linear relations.

A reader holds every table of a release at once (the report, results.json and the CSVs are one
release). What they know about the hidden cells is a linear system:

* each declared relation (``RowsAddUp``: rows add up to a total published elsewhere;
  ``ColumnsAddUp``: parts add up to a total column on a row) is an equation, visible cells being
  constants;
* cells that count the same people in different tables (``SameCount``) are one unknown;
* counts that only rise along a time grid (``Monotone``) give inequalities;
* every count is at least 0.

For each hidden cell whose true value is small (1..k), linear programming (HiGHS) finds the least
and greatest value the system allows: its protection interval. The cell is protected when the
interval is at least ``width`` wide (the protection-interval idea of tau-Argus and sdcTable);
a cell the equations pin down exactly, or to a narrow range, is not.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from ..results import ColumnsAddUp, Monotone, ProtectedTable, ResultTable, RowsAddUp

__all__ = ["Cell", "Failure", "System", "build_system"]


@dataclass(frozen=True)
class Cell:
    """One published count: ``table``'s column ``column`` on row ``row``."""

    table: str
    row: int
    column: str


@dataclass
class Failure:
    """A small hidden count that the release narrows to [low, high], narrower than required."""

    cell: Cell
    value: float
    low: float
    high: float


@dataclass
class System:
    """The release's counts and the relations between them (see the module docstring)."""

    cells: list[Cell]
    values: np.ndarray  # true value per cell
    hidden: np.ndarray  # bool per cell
    cls: np.ndarray  # class (one unknown) per cell: cells of one SameCount population share it
    equations: list[tuple[dict[int, float], float]] = field(default_factory=list)  # cell -> coef, rhs
    # inequalities sum(coef * cell) <= 0, as ((cell, coef), ...): a <= b is ((a, 1.0), (b, -1.0))
    at_most: list[tuple[tuple[int, float], ...]] = field(default_factory=list)
    # parts that add up to at most a total, with little room to spare: (parts, total), checked by
    # a rule (see :meth:`tight_bounds`), not by the linear programmes (they made a small service's
    # audit 20 times slower)
    bounds: list[tuple[tuple[int, ...], int]] = field(default_factory=list)
    index: dict[Cell, int] = field(default_factory=dict)
    totals: set[int] = field(default_factory=set)  # cells that are a total row of their table
    memo: dict = field(default_factory=dict)  # component -> narrow targets (shared across rounds)
    populations: dict[tuple, int] = field(default_factory=dict)  # (population, key) -> a cell of it
    _adj: dict | None = None
    _sigs: dict = field(default_factory=dict)
    _last_rels: list = field(default_factory=list)

    def refresh(self, published: dict[str, ProtectedTable]) -> None:
        """Read which cells are hidden now (the relations do not change with what is hidden)."""
        masks: dict[tuple[str, str], np.ndarray] = {}
        for i, c in enumerate(self.cells):
            mask = masks.get((c.table, c.column))
            if mask is None:
                hidden = published[c.table].hidden
                mask = hidden[c.column].to_numpy() if c.column in hidden.columns else np.zeros(0, bool)
                masks[(c.table, c.column)] = mask
            self.hidden[i] = bool(mask[c.row]) if len(mask) else False

    # -- what the audit asks ------------------------------------------------------------------------
    def unprotected_copies(self) -> list[Cell]:
        """Visible cells that count the same people as a hidden cell elsewhere: each must be
        hidden too, or the hidden one is simply read off the other table."""
        hidden_classes = set(self.cls[self.hidden].tolist())
        return [c for i, c in enumerate(self.cells) if not self.hidden[i] and self.cls[i] in hidden_classes]

    def sensitive(self, small: int) -> list[int]:
        """Classes of hidden cells whose true value is 1..``small``."""
        return sorted({int(self.cls[i]) for i in np.flatnonzero(self.hidden) if 1 <= self.values[i] <= small})

    def failures(self, small: int, width: float, only: list[int] | None = None) -> list[Failure]:
        """Hidden cells with a true value in 1..``small`` (or the classes ``only``) whose protection
        interval is narrower than ``width``."""
        targets = self.sensitive(small) if only is None else only
        out: list[Failure] = []
        done: set[int] = set()
        for k in targets:
            if k in done:
                continue
            classes, eqs, ubs = self._component(k)
            mine = [t for t in targets if t in classes]
            done.update(mine)
            rels = self._last_rels
            hid = tuple(i for r in rels for i in self._cells_of(r) if self.hidden[i])
            key = (tuple(classes), tuple(self._signature(r) for r in rels), hid, tuple(mine), width)
            if key not in self.memo:
                self.memo[key] = self._narrow(classes, eqs, ubs, mine, width)
            for t, (lo, hi) in self.memo[key].items():
                i = int(self._members(t)[0])
                out.append(Failure(self.cells[i], float(self.values[i]), lo, hi))
        return out

    def _narrow(self, classes, eqs, ubs, targets, width) -> dict[int, tuple[float, float]]:
        """The targets whose interval is narrower than ``width``, with their intervals.

        The true values are one solution, so a solution where a target lies ``width`` above its
        true value proves it protected: one programme maximising the targets' sum finds such
        solutions for most at once; only the rest get a programme each for both ends."""
        if not eqs and not ubs:
            return {}
        if len(eqs) == 1 and not ubs and all(c > 0 for i, c in eqs[0][0].items() if self.hidden[i]):
            # one sum of hidden counts with a known total r: each lies anywhere in [0, r]
            col = {k: j for j, k in enumerate(classes)}
            A, b = self._rows(list(eqs), col)
            spans = {t: float(b[0]) / A[0, col[t]] for t in targets}
            return {t: (0.0, r) for t, r in spans.items() if r < width - 1e-9}
        col = {k: j for j, k in enumerate(classes)}
        prog = self._programme(col, eqs, ubs)
        left = list(targets)
        while left:
            cost = np.zeros(len(col))
            cost[[col[t] for t in left]] = 1.0
            _status, _value, x = prog.optimum(cost, maximise=True)
            if x is None:  # unbounded (or a declaration bug): each target is decided on its own
                break
            safe = [t for t in left if x[col[t]] - self._value_of(t) >= width - 1e-9]
            if not safe:
                break
            left = [t for t in left if t not in safe]
        out = {}
        for t in left:
            lo, hi = self._range(prog, col[t], len(col), t)
            if hi - lo < width - 1e-9:
                out[t] = (lo, hi)
        return out

    def _programme(self, col: dict[int, int], eqs: list, ubs: list):
        from .lp import Programme

        A_eq, b_eq = self._rows(list(eqs), col)
        A_ub, b_ub = self._rows([(dict(rel), 0.0) for rel in ubs], col)
        return Programme(A_eq, b_eq, A_ub, b_ub, len(col))

    def _range(self, prog, j: int, n: int, k: int) -> tuple[float, float]:
        """Least and greatest value of class ``k`` (column ``j``); an infeasible programme would be
        a declaration bug, so the class then counts as pinned to its true value (fail closed)."""
        cost = np.zeros(n)
        cost[j] = 1.0
        ends = []
        for maximise in (False, True):
            status, value, _x = prog.optimum(cost, maximise)
            ends.append(self._value_of(k) if status == "infeasible" else value)
        return ends[0], ends[1]

    def _value_of(self, k: int) -> float:
        return float(self.values[self._members(k)[0]])

    def neighbours(self, cell: Cell) -> list[Cell]:
        """Visible cells in relations that reach ``cell`` through hidden cells: the cells whose
        hiding could widen its interval."""
        _classes, eqs, ubs = self._component(int(self.cls[self.index[cell]]))
        seen = {i for eq, _rhs in eqs for i in eq if not self.hidden[i]}
        seen |= {i for rel in ubs for i, _coef in rel if not self.hidden[i]}
        return [self.cells[i] for i in sorted(seen)]

    def tight_bounds(self, small: int) -> list[list[Cell]]:
        """Each bound (parts at most a visible total, the rest 0 to ``small``) with exactly one part
        hidden: the reader would pin it between the others and the total. Returns the visible
        parts of each, the cells that can cover it."""
        out = []
        for parts, total in self.bounds:
            hidden = [p for p in parts if self.hidden[p]]
            if len(hidden) == 1 and not self.hidden[total] and 1 <= self.values[hidden[0]] <= small:
                out.append([self.cells[p] for p in parts if not self.hidden[p]])
        return out

    def class_of(self, cell: Cell) -> int:
        return int(self.cls[self.index[cell]])

    # -- structure ---------------------------------------------------------------------------------
    def _adjacency(self) -> dict:
        """Static structure, built once: relations as cell lists, and the relations of each cell."""
        if self._adj is None:
            rels = [list(eq) for eq, _rhs in self.equations] + [[i for i, _c in p] for p in self.at_most]
            of_cell: dict[int, list[int]] = defaultdict(list)
            for r, members in enumerate(rels):
                for i in members:
                    of_cell[i].append(r)
            members: dict[int, list[int]] = defaultdict(list)
            for i, k in enumerate(self.cls.tolist()):
                members[k].append(i)
            self._adj = {"rels": rels, "of_cell": of_cell, "members": members}
        return self._adj

    def _members(self, k: int) -> list[int]:
        return self._adjacency()["members"][k]

    def _component(self, start: int) -> tuple[list[int], list, list]:
        """The hidden classes linked to class ``start`` through relations with hidden members, and
        those relations (equations, inequalities)."""
        adj = self._adjacency()
        n_eq = len(self.equations)
        classes, used, stack = {start}, set(), [start]
        while stack:
            k = stack.pop()
            for i in adj["members"][k]:
                for r in adj["of_cell"].get(i, ()):
                    if r in used:
                        continue
                    used.add(r)
                    for j in adj["rels"][r]:
                        kj = int(self.cls[j])
                        if self.hidden[j] and kj not in classes:
                            classes.add(kj)
                            stack.append(kj)
        self._last_rels = sorted(used)
        eqs = [self.equations[r] for r in self._last_rels if r < n_eq]
        ubs = [self.at_most[r - n_eq] for r in self._last_rels if r >= n_eq]
        return sorted(classes), eqs, ubs

    def _signature(self, r: int) -> tuple:
        """Relation ``r`` by content (a memo may be shared by systems whose relations are numbered
        differently), worked out once: sorting every relation of a large component on every
        check took a quarter of a small service's audit."""
        sig = self._sigs.get(r)
        if sig is None:
            n_eq = len(self.equations)
            if r < n_eq:
                eq, rhs = self.equations[r]
                sig = ("=", tuple(sorted(eq.items())), rhs)
            else:
                sig = ("<=", tuple(sorted(self.at_most[r - n_eq])))
            self._sigs[r] = sig
        return sig

    def _cells_of(self, r: int) -> list[int]:
        return self._adjacency()["rels"][r]

    # -- linear programmes -------------------------------------------------------------------------
    def _rows(self, rels: list, col: dict[int, int]) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Relations as matrix rows over the hidden classes (visible cells moved to the right)."""
        if not rels:
            return None, None
        A = np.zeros((len(rels), len(col)))
        b = np.zeros(len(rels))
        for r, (eq, rhs) in enumerate(rels):
            b[r] = rhs
            for i, coef in eq.items():
                if self.hidden[i]:
                    A[r, col[int(self.cls[i])]] += coef
                else:
                    b[r] -= coef * self.values[i]
        return A, b


def build_system(
    sources: dict[str, ResultTable],
    published: dict[str, ProtectedTable],
    small: int,
    memo: dict | None = None,
) -> System:
    """The release's counts (true values from ``sources``, hidden flags from ``published``) and
    every declared relation between them."""
    cells, values, hidden, where = [], [], [], {}
    for key, table in sources.items():
        pub = published.get(key)
        if pub is None or not table.about_people:
            continue
        for col in [c for c in table.counts if c not in table.internal]:
            true = table.data[col].cast(float).to_numpy()
            mask = pub.hidden[col].to_numpy() if col in pub.hidden.columns else np.zeros(len(true), bool)
            for i, v in enumerate(true):
                if np.isnan(v):
                    continue
                where[Cell(key, i, col)] = len(cells)
                cells.append(Cell(key, i, col))
                values.append(v)
                hidden.append(bool(mask[i]))
    by_key: dict[tuple, int] = {}
    system = System(
        cells, np.array(values, float), np.array(hidden, bool), _classes(sources, where, by_key), index=where,
        memo=memo if memo is not None else {},
    )  # fmt: skip
    system.populations = by_key
    for key, table in sources.items():
        if table.about_people:
            _relations(system, key, table, where, small)
    return system


def _classes(sources: dict[str, ResultTable], where: dict[Cell, int], by_key: dict[tuple, int]) -> np.ndarray:
    """One class per cell, shared by cells that count the same people (union of SameCount keys);
    ``by_key`` is filled with (population, key) -> a cell of it."""
    cls = np.arange(len(where))
    for key, table in sources.items():
        for share in table.shares:
            rows = table.data.with_row_index("__i").to_dicts()
            for r in rows:
                if any(r.get(c) != v for c, v in share.where):
                    continue
                cell = where.get(Cell(key, r["__i"], share.column))
                if cell is None:
                    continue
                ident = (
                    share.population,
                    tuple(k[1:] if k.startswith("=") else _norm(r[k]) for k in share.key),
                )
                first = by_key.setdefault(ident, cell)
                cls[cls == cls[cell]] = cls[first]
    return cls


def _norm(v: object) -> object:
    return str(v) if v is not None else None


def _relations(system: System, key: str, table: ResultTable, where: dict[Cell, int], small: int) -> None:
    data = table.data.with_row_index("__i")
    for rel in table.additive:
        if isinstance(rel, RowsAddUp):
            _rows_add_up(system, key, data, rel, where, small)
        elif isinstance(rel, ColumnsAddUp) and rel.at_most:
            _columns_at_most(system, key, table, rel, where, small)
        elif isinstance(rel, ColumnsAddUp):
            for i in range(table.data.height):
                t = where.get(Cell(key, i, rel.total))
                parts = [where[c] for p in rel.parts if (c := Cell(key, i, p)) in where]
                # a part left out (null) makes the sum unknown, not smaller
                if t is not None and parts and len(parts) == len(rel.parts):
                    system.equations.append(({**{p: 1.0 for p in parts}, t: -1.0}, 0.0))
    for mono in table.monotone:
        _monotone(system, key, data, mono, where)


def _columns_at_most(
    system: System, key: str, table: ResultTable, rel: ColumnsAddUp, where: dict, small: int
) -> None:
    """Parts that add up to no more than the total, on each row where the rest (the total minus
    the parts) is 0 to ``small``: only there can the bound pin a hidden part within the threshold
    (where the rest is larger, a lone hidden part can rise by the threshold before it binds). A row where the parts exceed the total (a job
    start on the very day of the grid counted both as a start and at risk) would mislead a
    reader, not inform them: it is left out rather than make the system infeasible."""
    for i in range(table.data.height):
        t = where.get(Cell(key, i, rel.total))
        parts = [where[c] for p in rel.parts if (c := Cell(key, i, p)) in where]
        if t is None or len(parts) != len(rel.parts):
            continue
        if 0 <= system.values[t] - sum(system.values[p] for p in parts) <= small:
            system.bounds.append((tuple(parts), t))


def _rows_add_up(system: System, key: str, data, rel: RowsAddUp, where: dict[Cell, int], small: int) -> None:
    """Each group's rows add up to its total: a row of the table (``rel.total``), or a figure
    published elsewhere, known to the reader (a total of 1..k is itself hidden wherever it is
    published, and a single row is its own total: neither tells anything)."""
    if not rel.by:
        groups = [((), data["__i"].to_list())]
    else:
        g = data.group_by(list(rel.by), maintain_order=True).agg("__i")
        groups = list(zip(g.select(rel.by).rows(), g["__i"].to_list(), strict=True))
    fixed = dict(rel.total)
    totals = _total_rows(data, rel) if fixed else {}
    # (with ``of``, the group's total is a count of another table, found by its population)
    for values, rows in groups:
        here = dict(zip(rel.by, values, strict=True))
        if fixed and all(here.get(c) == v for c, v in fixed.items()):
            continue  # the total rows themselves
        members = [where[c] for i in rows if (c := Cell(key, i, rel.column)) in where]
        row = totals.get(tuple((here | fixed)[c] for c in rel.by))
        total_cell = where.get(Cell(key, row, rel.column)) if row is not None else None
        if rel.of is not None:
            population, spec = rel.of
            ident = (population, tuple(k[1:] if k.startswith("=") else _norm(here[k]) for k in spec))
            total_cell = system.populations.get(ident)
        if total_cell is not None:
            system.totals.add(total_cell)
            if members:
                system.equations.append(({**{m: 1.0 for m in members}, total_cell: -1.0}, 0.0))
            continue
        total = float(sum(system.values[m] for m in members))
        if len(members) >= 2 and not 1 <= total <= small:  # a zero total is shown: all its rows are 0
            system.equations.append(({m: 1.0 for m in members}, total))


def _total_rows(data, rel: RowsAddUp) -> dict[tuple, int]:
    """The rows that are totals (their ``by`` values, with ``rel.total``'s substitutions), by those
    values; a value found on several rows is no single total and is left out."""
    hit = data
    for c, v in rel.total:
        hit = hit.filter(hit[c] == v)
    keys = hit.select(rel.by).rows()
    out: dict[tuple, int] = {}
    for key, i in zip(keys, hit["__i"].to_list(), strict=True):
        out[key] = -1 if key in out else i
    return {k: i for k, i in out.items() if i >= 0}


def _monotone(system: System, key: str, data, mono: Monotone, where: dict[Cell, int]) -> None:
    groups = data.group_by(list(mono.by), maintain_order=True).agg("__i", mono.along) if mono.by else None
    sets = (
        list(zip(groups["__i"].to_list(), groups[mono.along].to_list(), strict=True))
        if groups is not None
        else [(data["__i"].to_list(), data[mono.along].to_list())]
    )
    for rows, along in sets:
        ordered = [r for _a, r in sorted(zip(along, rows, strict=True))]
        chain = [where[c] for r in ordered if (c := Cell(key, r, mono.column)) in where]
        for a, b in itertools.pairwise(chain):
            lo, hi = (a, b) if mono.increasing else (b, a)
            system.at_most.append(((lo, 1.0), (hi, -1.0)))
