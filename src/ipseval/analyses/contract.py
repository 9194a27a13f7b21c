"""The one contract every analysis keeps: what it needs from the data, and what it returns.

An :class:`Analysis` declares its :class:`Needs` (tables, columns with known values, how many
clients, job entries and areas) and a ``run`` function that returns named results. Before an
analysis runs, :meth:`Facts.unmet` checks its needs against what the store holds; an unmet need
makes it "not run" with the reason in plain words, and every other analysis still runs.

Reasons never quote a count of people: they name the threshold that was not met, so the status
table is safe to publish as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..schema import TABLES, UNKNOWN

if TYPE_CHECKING:
    from ..impact.result import ImpactResult
    from ..results import ResultTable
    from ..settings import Settings
    from ..store import Store

__all__ = ["FAILED", "NOT_RUN", "RAN", "Analysis", "Context", "Facts", "ForeignError", "Needs", "Outcome"]

RAN, NOT_RUN, FAILED = "run", "not run", "failed"

Output = Mapping[str, "ResultTable | ImpactResult"]


@dataclass(frozen=True)
class Needs:
    """What an analysis needs before it is worth running.

    tables: standard tables holding at least one usable row.
    columns: ``"table.column"`` that must hold at least one known value (not blank, not unknown).
    min_clients / min_denominator / min_job_entries: clients referred, clients in the job-entry
        denominator, job entries among them.
    min_areas: distinct local authorities among the clients.
    impact: a service impact model ([impact] enabled; --no-impact switches these off).
    interviews: transcripts in an ``interviews/`` folder beside the data.
    """

    tables: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    min_clients: int = 1
    min_denominator: int = 0
    min_job_entries: int = 0
    min_areas: int = 0
    impact: bool = False
    interviews: bool = False

    def __post_init__(self) -> None:
        # the job-entry denominator is engaged clients: say that the dates are missing, not only
        # that the denominator is empty
        if self.min_denominator and "clients.engagement_date" not in self.columns:
            object.__setattr__(self, "columns", ("clients.engagement_date", *self.columns))

    def describe(self) -> str:
        """The needs in a few words, for the generated documentation."""
        parts = [f"the {t} table" for t in self.tables]
        parts += [f"known values in {c}" for c in self.columns]
        for n, what in (
            (self.min_clients, "clients"),
            (self.min_denominator, "clients in the job-entry denominator"),
            (self.min_job_entries, "job entries"),
            (self.min_areas, "areas"),
        ):
            if n > 1:
                parts.append(f"at least {n} {what}")
        if self.impact:
            parts.append("impact models switched on")
        if self.interviews:
            parts.append("an interviews/ folder")
        return ", ".join(parts) or "the clients table"


@dataclass
class Context:
    """What a run function is given: the open store, the settings, a progress callback and the
    data folder (interview transcripts are read from it, not from the store)."""

    store: Store
    settings: Settings
    step: Callable[[str], None]
    data_folder: Path | None = None


@dataclass(frozen=True)
class Analysis:
    """One analysis: its key, title, report section, needs, and the function that runs it.

    ``produces``: the result-table keys it may return (``*`` as a wildcard), for the docs and the
    contract tests. ``beside``: numpy-heavy models that run in the helper process (or, without
    one, a second thread on their own connection) beside the DuckDB-heavy analyses (two cores
    share the work).
    """

    key: str
    title: str
    section: str
    needs: Needs
    run: Callable[[Context], Output]
    produces: tuple[str, ...]
    beside: bool = False


@dataclass
class Outcome:
    """What became of one analysis: run, not run (a need not met, or the data did not allow the
    model) or failed (an unexpected error: a bug, named in the problem list)."""

    analysis: Analysis
    status: str
    reason: str = ""
    tables: dict[str, Any] = field(default_factory=dict)  # key -> ResultTable
    models: dict[str, Any] = field(default_factory=dict)  # key -> ImpactResult
    error: BaseException | None = None

    @property
    def failure(self) -> str:
        """The unexpected error as "ExceptionType: message" ("" when there was none)."""
        if self.error is None:
            return ""
        if isinstance(self.error, ForeignError):
            return str(self.error)
        return f"{type(self.error).__name__}: {self.error}"


class ForeignError(Exception):
    """An analysis's error raised in the helper process that could not be sent back as itself:
    its text is the original's "ExceptionType: message"."""


@dataclass(frozen=True)
class Facts:
    """What the store holds, read once per evaluation, to check every analysis's needs."""

    tables: frozenset[str]
    clients: int
    denominator: int
    job_entries: int
    areas: int
    known: Mapping[str, int]  # "table.column" -> rows holding a known value
    impact: bool
    interviews: bool
    set_aside: Mapping[str, str] = field(default_factory=dict)  # table -> why it could not be read

    @classmethod
    def of(cls, store: Store, settings: Settings, data_folder: Path | None) -> Facts:
        present = frozenset(store.tables_present)
        row = store.query(
            "SELECT count(*) AS clients, count(DISTINCT local_authority) AS areas FROM clients"
        ).row(0, named=True)
        out = store.query(
            "SELECT count(*) FILTER (WHERE in_denominator) AS d, "
            "count(*) FILTER (WHERE job_entry) AS j FROM client_outcomes"
        ).row(0, named=True)
        return cls(
            tables=present,
            clients=int(row["clients"]),
            denominator=int(out["d"] or 0),
            job_entries=int(out["j"] or 0) if "jobs" in present else 0,
            areas=int(row["areas"]),
            known=_known_values(store, present),
            impact=settings.impact.enabled,
            interviews=_has_interviews(data_folder),
            set_aside=_set_aside(store),
        )

    def unmet(self, needs: Needs) -> str | None:
        """The first need these data do not meet, in plain words; None when all are met."""
        if needs.impact and not self.impact:
            return "Switched off ([impact] enabled = false in the settings, or --no-impact)."
        for t in needs.tables:
            if t not in self.tables and t in self.set_aside:
                return (
                    f"It needs the {t} table, which could not be read and was set aside: {self.set_aside[t]}."
                )
            if t not in self.tables:
                article = "an" if t[0] in "aeiou" else "a"
                return f"It needs the {t} table ({t}.csv or {article} '{t}' sheet), which has no usable rows."
        for c in needs.columns:
            if not self.known.get(c):
                table, column = c.split(".")
                return (
                    f"It needs known values in the {column} column of the {table} table; none were recorded."
                )
        if needs.interviews and not self.interviews:
            return "It needs interview transcripts in an interviews/ folder beside the data."
        for n, have, one, many in (
            (needs.min_clients, self.clients, "client", "clients"),
            (needs.min_denominator, self.denominator, "client in the job-entry denominator",
             "clients in the job-entry denominator"),
            (needs.min_job_entries, self.job_entries, "job entry", "job entries"),
            (needs.min_areas, self.areas, "area (local authority)", "areas (local authorities)"),
        ):  # fmt: skip
            if have < n:
                return (
                    f"It needs at least one {one}; these data have none."
                    if n == 1
                    else (f"It needs at least {n} {many}; these data have fewer.")
                )
        return None


def _known_values(store: Store, present: frozenset[str]) -> dict[str, int]:
    """Rows with a known value (not blank, not 'unknown') for every column of the present tables."""
    out: dict[str, int] = {}
    for name in sorted(present):
        spec = TABLES[name]
        exprs = []
        for c in spec.columns:
            col = f'"{c.name}"'
            known = f"{col} IS NOT NULL"
            if c.codes and UNKNOWN in c.codes:
                known += f" AND {col} <> '{UNKNOWN}'"
            exprs.append(f'count(*) FILTER (WHERE {known}) AS "{c.name}"')
        counts = store.query(f'SELECT {", ".join(exprs)} FROM "{name}"').row(0, named=True)
        out |= {f"{name}.{k}": int(v or 0) for k, v in counts.items()}
    return out


def _set_aside(store: Store) -> dict[str, str]:
    """Tables the reader set aside (see ipseval.validate_summary.SET_ASIDE_EXPECTED), each with the
    first words of its reason (what is missing), from the problems kept in the store."""
    import duckdb

    from ..store import sql_literal
    from ..validate_summary import SET_ASIDE_EXPECTED

    try:
        kept = store.query("SELECT * FROM import_problems LIMIT 0").columns
    except duckdb.Error:  # a store written before problems were kept in it
        return {}
    if "expected" not in kept:
        return {}
    rows = store.query(
        f'SELECT "table", file, message FROM import_problems WHERE expected = {sql_literal(SET_ASIDE_EXPECTED)}'
    )
    return {t: f"{file}: {_first_clause(m)}" for t, file, m in rows.iter_rows()}


def _first_clause(message: str) -> str:
    """A reader's message up to its list of what was found or its advice: what is wrong, in short."""
    for cut in (" (found", ". "):
        message = message.split(cut, 1)[0]
    return message.rstrip(".")


def _has_interviews(data_folder: Path | None) -> bool:
    if data_folder is None:
        return False
    from ..qualitative.evaluate import interviews_folder

    return interviews_folder(data_folder) is not None
