"""The dashboard's worker process: answers calls, raises what the call raised, keeps its answers
apart from anything printed, and when it dies the call is made in the server instead."""

from __future__ import annotations

import operator
import threading
import time

import pytest

from ipseval.web.worker import Worker


@pytest.fixture
def worker():
    w = Worker()
    yield w
    w.stop()


def test_worker_answers_and_raises_what_the_call_raised(worker):
    assert worker.run(operator.add, 2, 3) == 5
    pid = worker._proc.pid
    with pytest.raises(ZeroDivisionError):
        worker.run(operator.truediv, 1, 0)
    # something printed in the worker goes to its stderr, not into the answers
    assert worker.run(print, "printed by the worker") is None
    assert worker.run(operator.mul, 6, 7) == 42
    assert worker._proc.pid == pid, "one process for every call"


def test_a_call_the_worker_cannot_read_is_refused_and_it_goes_on(worker, tmp_path, monkeypatch):
    # a function from a module only this process can import
    (tmp_path / "only_here.py").write_text("def twice(x):\n    return 2 * x\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    import only_here

    assert only_here.twice(2) == 4
    with pytest.raises(RuntimeError, match="could not read the call"):
        worker.run(only_here.twice, 2)
    assert worker.run(operator.add, 1, 1) == 2


def test_a_dead_worker_is_replaced_and_its_call_made_here(worker):
    assert worker.run(operator.add, 1, 2) == 3
    first = worker._proc
    first.kill()
    first.wait()
    assert worker.run(operator.add, 2, 2) == 4  # a new worker
    second = worker._proc
    assert second.pid != first.pid

    # killed in the middle of a call: the call is made in this process and still answers
    result: list[object] = []
    caller = threading.Thread(target=lambda: result.append(worker.run(time.sleep, 1.5)))
    caller.start()
    time.sleep(0.5)
    second.kill()
    caller.join(timeout=10)
    assert result == [None]
    assert worker.run(operator.sub, 5, 3) == 2 and worker._proc.pid != second.pid


def test_stop_ends_the_worker(worker):
    worker.run(operator.add, 0, 0)
    proc = worker._proc
    worker.stop()
    assert proc.poll() is not None
