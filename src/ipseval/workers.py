"""The second core: one helper process for work that can run beside the main one.

ipseval's own work is mostly Python holding the interpreter lock, so a second thread gains little
on the two-core machines our users evaluate on. A second *process* does: it is started early (its
imports then happen while the main process reads), runs the impact models while the main process
computes the other analyses (:mod:`ipseval.analyses.elsewhere`), and later draws part of the
report while the main process draws the rest. It ends with the process that started it.

The helper is started with ``spawn`` (never ``fork``: the main process holds DuckDB and polars
thread pools, which a forked child could inherit locked). It receives only picklable values and
returns only picklable values. Everything here is an optimisation: when the helper cannot start
or breaks, callers do the work themselves and the outputs are the same.

Off when the machine has one core, or when ``IPSEVAL_WORKERS=0``; an evaluation starts it only
when the impact models run (without them there is too little time for its imports to hide in:
measured on the demo, it cost 2.3 CPU-s and saved no wall time).
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import pickle
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

_LOCK = threading.Lock()
_POOL: dict[str, ProcessPoolExecutor | None] = {}
_THEN: list[tuple[str, ...]] = []  # modules to import once the first call is queued (second_core)


def enabled() -> bool:
    """Whether a helper process may be used here."""
    if os.environ.get("IPSEVAL_WORKERS", "").strip() == "0":
        return False
    return (os.cpu_count() or 1) >= 2


def _import_all(modules: tuple[str, ...]) -> None:
    for name in modules:
        importlib.import_module(name)


def _follow_parent() -> None:
    """In the helper: end when the main process ends, however it ends. The command line ends
    without the interpreter's teardown once its outputs are written (``os._exit``), which never
    tells the pool to stop, and the pool's queue would keep an orphaned helper waiting forever."""

    def watch() -> None:
        multiprocessing.parent_process().join()
        os._exit(0)

    threading.Thread(target=watch, name="follow-parent", daemon=True).start()


def second_core(warm: tuple[str, ...] = (), then: tuple[str, ...] = ()) -> ProcessPoolExecutor | None:
    """The helper process (started on first use, importing ``warm`` modules at once), or None
    when helpers are off or cannot start. ``then``: modules to import after the first call
    :func:`submit` queues, which does not need them (the report's, after the impact models)."""
    if not enabled():
        return None
    with _LOCK:
        if "pool" not in _POOL:
            try:
                pool = ProcessPoolExecutor(
                    max_workers=1, mp_context=get_context("spawn"), initializer=_follow_parent
                )
                pool.submit(_import_all, warm)  # starts the process; imports while we go on
            except (OSError, RuntimeError):
                pool = None
            _POOL["pool"] = pool
            _THEN[:] = [then] if then and pool is not None else []
        return _POOL["pool"]


def submit(fn: Callable[..., Any], *args: Any) -> Future | None:
    """``fn(*args)`` in the helper process (both picklable), or None when no helper was started
    (:func:`second_core`) or helpers are off. A helper is not started here: started this late its
    imports would take longer than the work it could take over."""
    with _LOCK:
        pool = _POOL.get("pool") if enabled() else None
    if pool is None:
        return None
    # Pickled here, not in the pool's feeder thread: polars objects serialised in that thread while
    # this one goes on with polars work deadlocked once (each thread waiting on the other's lock).
    payload = pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL)
    try:
        job = pool.submit(_call_pickled, payload)
        with _LOCK:
            then, _THEN[:] = _THEN[:], []
        for modules in then:
            pool.submit(_import_all, modules)
        return job
    except RuntimeError:  # broken or shut down: the caller does the work itself
        _forget()
        return None


def submit_named(target: str, *args: Any) -> Future | None:
    """Like :func:`submit` for the function ``target`` ("package.module:function"), which this
    process need not have imported: the report's drawing starts in the helper before this process
    has imported the report's libraries (matplotlib, great_tables: about half a second)."""
    return submit(_call_named, target, *args)


def _call_named(target: str, *args: Any) -> Any:
    """In the helper: ``target(*args)``, importing its module first."""
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)(*args)


def _call_pickled(payload: bytes) -> bytes:
    """In the helper: the call ``payload`` holds, its result pickled for the caller to unpickle in
    its own thread (see :func:`submit`)."""
    fn, args = pickle.loads(payload)
    return pickle.dumps(fn(*args), protocol=pickle.HIGHEST_PROTOCOL)


def _forget() -> None:
    with _LOCK:
        pool = _POOL.pop("pool", None)
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


def close() -> None:
    """Stop the helper at once, before the process ends without the interpreter's teardown
    (``os._exit``): every output is written, so its work is done. Its queues' named semaphores
    are unlinked here, as a normal exit would; otherwise multiprocessing's resource tracker
    unlinks them and prints a warning about leaked semaphores on the user's terminal. (A clean
    ``shutdown(wait=True)`` took 0.34 s on the demo, most of it the helper's own teardown.)"""
    from multiprocessing import util

    with _LOCK:
        pool = _POOL.pop("pool", None)
    if pool is None:
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    util._run_finalizers(0)  # the semaphores' finalizers (priority 0), not the threads' joins


def result_or_none(job: Future | None) -> Any:
    """``job``'s result, or None when there was no job or the helper broke (the caller then does
    the work itself). An exception raised by the work itself propagates."""
    if job is None:
        return None
    from concurrent.futures.process import BrokenProcessPool

    try:
        return pickle.loads(job.result())
    except BrokenProcessPool:
        _forget()
        return None
