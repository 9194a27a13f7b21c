"""Walk the registry: check each analysis's needs, run it, and record what became of it.

An analysis whose needs are not met, or whose model the data do not allow (an
:class:`~ipseval.impact.result.AnalysisError`), is "not run" with its reason. Any other exception
is a bug: the analysis is "failed", the others still run, and the caller (the CLI) exits 3. With
``raise_errors`` (``--debug``) the exception propagates instead, traceback and all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from fnmatch import fnmatchcase
from typing import Any

import polars as pl

from ..results import ResultTable
from . import elsewhere
from .contract import FAILED, NOT_RUN, RAN, Analysis, Context, Facts, Outcome
from .registry import REGISTRY

__all__ = ["declared", "missing_table_reason", "run_all", "status_table", "tables_of"]

Step = Callable[..., None]


def as_sentence(text: str) -> str:
    """``text`` with a capital first letter and a full stop."""
    text = text.strip() or "No reason was given."
    return text[0].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def declared(analysis: Analysis, key: str) -> bool:
    """Whether ``key`` is one of the tables ``analysis`` says it produces."""
    return any(fnmatchcase(key, pattern) for pattern in analysis.produces)


def _run_one(analysis: Analysis, ctx: Context, facts: Facts, raise_errors: bool) -> Outcome:
    from ..impact.result import AnalysisError, ImpactResult

    reason = facts.unmet(analysis.needs)
    if reason is not None:
        return Outcome(analysis, NOT_RUN, reason)
    try:
        produced = dict(analysis.run(ctx))
    except AnalysisError as e:
        return Outcome(analysis, NOT_RUN, as_sentence(str(e)))
    except Exception as e:
        if raise_errors:
            raise
        return Outcome(analysis, FAILED, f"It failed with an unexpected error ({type(e).__name__}).", error=e)
    if not produced:
        return Outcome(analysis, NOT_RUN, "These data gave it nothing to report.")
    out = Outcome(analysis, RAN)
    for key, value in produced.items():
        if isinstance(value, ImpactResult):
            out.models[key] = value
        else:
            out.tables[key] = value
    return out


def _walk(
    analyses: Iterable[Analysis],
    ctx: Context,
    facts: Facts,
    step: Step,
    count: list[int],
    total: int,
    raise_errors: bool,
) -> dict[str, Outcome]:
    done = {}
    for a in analyses:
        step(a.title, count[0], total)
        done[a.key] = _run_one(a, ctx, facts, raise_errors)
        count[0] += 1
    return done


def run_each(analyses: list[Analysis], ctx: Context, facts: Facts, raise_errors: bool) -> dict[str, Outcome]:
    """``analyses`` one after another on ``ctx``, without progress (the helper process's part)."""
    return _walk(analyses, ctx, facts, lambda *_: None, [0], len(analyses), raise_errors)


def run_all(
    ctx: Context,
    step: Step,
    raise_errors: bool = False,
    only: Iterable[str] | None = None,
    while_waiting: Callable[[], Any] | None = None,
) -> list[Outcome]:
    """Every registered analysis (or those keyed in ``only``) on ``ctx``'s store, in registry order.

    The models marked ``beside`` run on the second core (:func:`_beside`) while the others run
    here. ``step(title, done, total)`` is called before each analysis run here, and for each
    model run in the helper process once its outcome is back. ``while_waiting()`` is called when
    this process would otherwise sit idle waiting for the helper (the caller's next work).
    """
    facts = Facts.of(ctx.store, ctx.settings, ctx.data_folder)
    chosen = [a for a in REGISTRY if only is None or a.key in set(only)]
    count, total = [0], len(chosen)
    beside = [a for a in chosen if a.beside and facts.unmet(a.needs) is None]
    here = [a for a in chosen if a not in beside]
    if not beside:
        outcomes = _walk(here, ctx, facts, step, count, total, raise_errors)
    else:
        walk = (step, count, total, raise_errors)
        outcomes = _beside(beside, here, ctx, facts, walk, while_waiting)
    return [outcomes[a.key] for a in chosen]


def _beside(
    beside: list[Analysis],
    here: list[Analysis],
    ctx: Context,
    facts: Facts,
    walk: tuple[Step, list[int], int, bool],
    while_waiting: Callable[[], Any] | None,
) -> dict[str, Outcome]:
    """``beside`` in the helper process (:mod:`.elsewhere`) or, without one, a second thread on
    its own connection to the store; ``here`` in this thread meanwhile. ``walk``: step, count,
    total and raise_errors, as :func:`_walk` takes them."""
    step, count, total, raise_errors = walk
    job = elsewhere.submit(beside, ctx, facts, raise_errors)
    if job is None:
        return _in_two_threads(beside, here, ctx, facts, step, count, total, raise_errors)
    outcomes = _walk(here, ctx, facts, step, count, total, raise_errors)
    if not job.done():  # else the last analysis here would seem to take the models' time
        step(f"the impact models ({len(beside)}, in the helper process)", count[0], total)
        if while_waiting is not None:
            while_waiting()
    found = elsewhere.collect(job, beside)
    if found is None:  # the helper broke, or could not open the store: run them here
        return outcomes | _walk(beside, ctx, facts, step, count, total, raise_errors)
    for a in beside:
        step(a.title, count[0], total)
        count[0] += 1
    return outcomes | found


def _in_two_threads(
    beside: list[Analysis],
    here: list[Analysis],
    ctx: Context,
    facts: Facts,
    step: Step,
    count: list[int],
    total: int,
    raise_errors: bool,
) -> dict[str, Outcome]:
    own = ctx.store.cursor()
    other = Context(own, ctx.settings, ctx.step, ctx.data_folder)
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            job = pool.submit(_walk, beside, other, facts, step, count, total, raise_errors)
            outcomes = _walk(here, ctx, facts, step, count, total, raise_errors)
            return outcomes | job.result()
    finally:
        own.close()


def tables_of(outcomes: list[Outcome]) -> dict[str, ResultTable]:
    """The result tables of every analysis that ran, in registry order, models made into tables
    (with the model cards at the end, when any model was fitted)."""
    from ..impact.tables import model_cards, model_tables

    tables: dict[str, ResultTable] = {}
    models = {}
    for o in outcomes:
        tables |= o.tables
        tables |= model_tables(o.models)
        models |= o.models
    if models:
        tables["model_cards"] = model_cards(models)
    return tables


STATUS_SCHEMA = {
    "analysis": pl.Utf8,
    "title": pl.Utf8,
    "section": pl.Utf8,
    "status": pl.Utf8,
    "reason": pl.Utf8,
}


def status_table(outcomes: list[Outcome]) -> ResultTable:
    """What became of every analysis: run, not run (with the reason) or failed."""
    rows = [
        {"analysis": o.analysis.key, "title": o.analysis.title, "section": o.analysis.section,
         "status": o.status, "reason": o.reason}
        for o in outcomes
    ]  # fmt: skip
    return ResultTable(
        key="analyses",
        title="Analyses: which ran, and why any did not",
        data=pl.DataFrame(rows, schema=STATUS_SCHEMA),
        dims=list(STATUS_SCHEMA),
        about_people=False,
        columns={
            "analysis": "the analysis's key in the registry",
            "title": "what the analysis is",
            "section": "the report section that shows it",
            "status": f"'{RAN}', '{NOT_RUN}' (the data do not allow it; see reason) or '{FAILED}' (an "
            "unexpected error, listed in the problem report)",
            "reason": "why it did not run, in plain words",
        },
    )


def missing_table_reason(status: list[dict], key: str) -> str:
    """Why result table ``key`` is not in an evaluation, from its status rows (see
    :func:`status_table`): the reason of the analysis that would have made it."""
    by_key = {a.key: a for a in REGISTRY}
    for r in status:
        a = by_key.get(r["analysis"])
        if a is not None and declared(a, key) and r["status"] != RAN:
            return f"{a.title}: {r['reason']}"
    return "No analysis of these data produced it."
