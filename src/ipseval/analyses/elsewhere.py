"""The impact models in the helper process (:mod:`ipseval.workers`), while the rest run here.

The models marked ``beside`` are mostly numpy and Python: in a second thread they would share the
interpreter lock with the analyses here; in the helper process they have the second core. The
helper opens the store itself (read-only: two processes may read one store), runs them, and sends
back what became of each. A run function may be a closure, which cannot be sent, so an outcome
travels without its analysis and is joined to it again here. When the helper cannot be used (none
started, it broke, or it cannot open the store), the caller runs the models itself: the results
are the same either way.
"""

from __future__ import annotations

import pickle
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from .. import workers
from ..settings import Settings
from .contract import Analysis, Context, Facts, ForeignError, Outcome

__all__ = ["collect", "submit"]


def submit(analyses: list[Analysis], ctx: Context, facts: Facts, raise_errors: bool) -> Future | None:
    """Start ``analyses`` in the helper process; None when there is no helper to run them."""
    keys = tuple(a.key for a in analyses)
    return workers.submit(
        _run_there, keys, ctx.store.path, ctx.settings, facts, ctx.data_folder, raise_errors
    )


def collect(job: Future, analyses: list[Analysis]) -> dict[str, Outcome] | None:
    """What became of each of ``analyses`` (waiting for the helper), or None when the helper
    broke or could not open the store: the caller then runs them itself."""
    sent = workers.result_or_none(job)
    if sent is None:
        return None
    return {a.key: Outcome(a, **sent[a.key]) for a in analyses}


def _run_there(
    keys: tuple[str, ...],
    db_path: Path,
    settings: Settings,
    facts: Facts,
    data_folder: Path | None,
    raise_errors: bool,
) -> dict[str, dict[str, Any]] | None:
    """In the helper: the analyses ``keys`` on the store at ``db_path``, each outcome's parts."""
    from ..store import Store, StoreError
    from .registry import REGISTRY
    from .runner import run_each

    try:
        store = Store(db_path)
    except StoreError:  # e.g. held for writing by the main process: it runs them itself
        return None
    with store:
        ctx = Context(store, settings, lambda *_: None, data_folder)
        chosen = [a for a in REGISTRY if a.key in keys]
        done = run_each(chosen, ctx, facts, raise_errors)
    return {key: _parts(o) for key, o in done.items()}


def _parts(outcome: Outcome) -> dict[str, Any]:
    """An outcome without its analysis; an error that cannot travel as itself goes as its text."""
    error = outcome.error
    if error is not None:
        try:
            pickle.loads(pickle.dumps(error))
        except Exception:
            error = ForeignError(outcome.failure)
    return {
        "status": outcome.status,
        "reason": outcome.reason,
        "tables": outcome.tables,
        "models": outcome.models,
        "error": error,
    }
