"""Progress of long work, told through one small protocol so the library knows nothing of terminals.

A reporter has one method, ``stage(name, done=None, total=None)``: ``name`` says what is being
done now ("computing outcomes (3/23)"), ``done``/``total`` how far the whole job is (here always
a share of 1.0), or None when not known. The command line draws a bar in a terminal and
:class:`Lines` elsewhere (logs, CI, the dashboard's worker, ``| tee``); :class:`Plan` turns the
phases of a job, each weighted by its usual share of the time, into that overall share.
"""

from __future__ import annotations

import io
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, TextIO, runtime_checkable


@runtime_checkable
class Progress(Protocol):
    def stage(self, name: str, done: float | None = None, total: float | None = None) -> None: ...


class Silent:
    """Reports nothing."""

    def stage(self, name: str, done: float | None = None, total: float | None = None) -> None:
        return None

    def __enter__(self) -> Silent:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class Callback:
    """An older-style reporter: a function called with the stage name only."""

    def __init__(self, fn: Callable[[str], Any]):
        self.fn = fn

    def stage(self, name: str, done: float | None = None, total: float | None = None) -> None:
        self.fn(name)


def as_progress(progress: Progress | Callable[[str], Any] | None) -> Progress:
    """Any accepted reporter (None, a ``Progress``, or a function of the stage name) as a ``Progress``."""
    if progress is None:
        return Silent()
    if isinstance(progress, Progress):
        return progress
    return Callback(progress)


class Lines:
    """One plain line per stage, flushed at once: ``[  12.3 s  45%] computing outcomes (3/23)``."""

    def __init__(self, stream: TextIO | None = None, clock: Callable[[], float] = time.perf_counter):
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.start = clock()
        self._last = ""
        self._lock = threading.Lock()

    def stage(self, name: str, done: float | None = None, total: float | None = None) -> None:
        with self._lock:
            if name == self._last:
                return
            self._last = name
            share = f"{100 * done / total:3.0f}%" if done is not None and total else "    "
            try:
                self.stream.write(f"[{self.clock() - self.start:6.1f} s {share}] {name}\n")
                self.stream.flush()
            except (OSError, ValueError):  # a closed pipe (| head) must not stop the work
                self.stream = io.StringIO()

    def __enter__(self) -> Lines:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class Countdown:
    """Reports one repeated task's progress as "imputation 7 of 20, about 12 s left".

    Call it with (done, total) after each repeat. The time left is the pace since the first
    report times the repeats still to do; the first report has none (the work before it, such as
    setting up, is not part of the pace). ``report`` takes the sentence (e.g. a step callback).
    """

    def __init__(
        self, report: Callable[[str], Any], what: str, clock: Callable[[], float] = time.perf_counter
    ):
        self.report, self.what, self.clock = report, what, clock
        self._first: tuple[int, float] | None = None

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if self._first is None or done <= self._first[0]:
            self._first = (done, now)
        text = f"{self.what} {done} of {total}"
        first, started = self._first
        if first < done < total:
            text += f", about {duration((now - started) / (done - first) * (total - done))} left"
        self.report(text)


def duration(seconds: float) -> str:
    """A rough duration: "12 s", "3 min", "1 h 20 min"."""
    if seconds < 89.5:
        return f"{max(1, round(seconds))} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 90 else f"{minutes // 60} h {minutes % 60} min"


def _count(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() else f"{v:g}"


class Plan:
    """The phases of one job, each with a weight (its usual share of the time), as overall progress.

    ``phase(key, name)`` starts a phase (every earlier phase counts as done); ``step(name, done,
    total)`` reports within it, with ``done``/``total`` counting its parts when known (shown as
    "(3/23)"). Overall progress never goes back. Safe to call from several threads.
    """

    def __init__(self, progress: Progress | Callable[[str], Any] | None, weights: dict[str, float]):
        self.progress = as_progress(progress)
        self.weights = dict(weights)
        self.scale = sum(self.weights.values()) or 1.0
        self._before = 0.0  # weight of the phases already done
        self._key: str | None = None
        self._within = 0.0  # share of the current phase done
        self._lock = threading.Lock()

    @property
    def share(self) -> float:
        """How much of the whole job is done, 0..1."""
        current = self.weights.get(self._key, 0.0) if self._key else 0.0
        return min(1.0, (self._before + current * self._within) / self.scale)

    def phase(self, key: str, name: str) -> None:
        with self._lock:
            if self._key is not None and self._key != key:
                self._before += self.weights.get(self._key, 0.0)
            self._key, self._within = key, 0.0
            self.progress.stage(name, self.share, 1.0)

    def step(self, name: str, done: float | None = None, total: float | None = None) -> None:
        with self._lock:
            if done is not None and total:
                self._within = max(self._within, min(1.0, done / total))
                name = f"{name} ({_count(done)}/{_count(total)})"
            self.progress.stage(name, self.share, 1.0)

    def finish(self, name: str = "done") -> None:
        with self._lock:
            self._before, self._key, self._within = self.scale, None, 0.0
            self.progress.stage(name, 1.0, 1.0)
