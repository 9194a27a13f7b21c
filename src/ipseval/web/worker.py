"""A worker process for the dashboard's evaluations (``python -m ipseval.web.worker``).

An evaluation is seconds of mostly Python work. In a thread of the server it shares the
interpreter lock with every page being served: with eight busy readers it got about a ninth of
it, and importing the demo took 48 s instead of 6. In its own process it has its own lock and a
core, and pages are served meanwhile as fast as before.

The server sends a function (by reference) and its arguments, pickled and length-prefixed, on
the worker's stdin; the worker answers the same way on its stdout with the result or the
exception. A plain child process, not :mod:`multiprocessing`: that re-runs the parent's main
script in the child, which breaks in a script that is not guarded by ``if __name__ ==
"__main__"``. If the worker dies (out of memory, killed), the call is made in the server
instead and a new worker is started next time.
"""

from __future__ import annotations

import atexit
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any, BinaryIO

_LENGTH = struct.Struct("!Q")


class WorkerGone(Exception):
    """The worker process ended before it answered."""


def _send(stream: BinaryIO, obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)))
    stream.write(data)
    stream.flush()


def _receive(stream: BinaryIO) -> Any:
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        raise WorkerGone("the worker process ended")
    (n,) = _LENGTH.unpack(head)
    data = stream.read(n)
    if len(data) < n:
        raise WorkerGone("the worker process ended mid-answer")
    return pickle.loads(data)


class Worker:
    """One worker process, started on first use, used by one call at a time."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()
        atexit.register(self.stop)

    def _start(self) -> subprocess.Popen:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        # the worker's numpy on one thread: it runs beside the server, on a machine of few cores
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(var, "1")
        return subprocess.Popen(
            [sys.executable, "-m", "ipseval.web.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )

    def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` in the worker (``fn`` must be a module-level function)."""
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._proc = self._start()
            proc = self._proc
            try:
                _send(proc.stdin, (fn, args))
                ok, value = _receive(proc.stdout)
            except (WorkerGone, BrokenPipeError, OSError, EOFError, pickle.UnpicklingError):
                self._kill(proc)
                self._proc = None
                ok, value = None, None
        if ok is None:  # the worker died: this call is made here, a new worker starts next time
            return fn(*args)
        if not ok:
            raise value
        return value

    def _kill(self, proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            try:
                proc.stdin.close()  # the worker ends at the end of its input
                proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self._kill(proc)


def _serve() -> None:
    """The worker's loop: answer calls until the server closes our stdin."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C stops the server, which then stops us
    requests = sys.stdin.buffer
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything a library prints goes to stderr, never into the answers
    sys.stdout = sys.stderr
    while True:
        try:
            fn, args = _receive(requests)
        except WorkerGone:
            return
        except Exception as e:  # the frame was read whole: say why it cannot be run, and go on
            _send(answers, (False, RuntimeError(f"the worker could not read the call: {e}")))
            continue
        try:
            answer = (True, fn(*args))
        except Exception as e:  # sent back and raised in the server, as if called there
            answer = (False, e)
        try:
            _send(answers, answer)
        except (pickle.PicklingError, TypeError, AttributeError) as e:
            _send(answers, (False, RuntimeError(f"the worker's answer could not be sent back: {e}")))


if __name__ == "__main__":
    _serve()
