"""The helper process (ipseval.workers): the impact models run there give what they give here, an
error that cannot travel back keeps its words, and the helper ends with the process that started
it (the command line ends without the interpreter's teardown)."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ipseval import workers
from ipseval.analyses import FAILED, REGISTRY, Outcome, elsewhere
from ipseval.evaluation import compute

MODELS = ("published_model", "hazard", "cox", "time_to_job_by_area")


def test_impact_models_in_the_helper_give_what_they_give_here(demo_store_and_settings, monkeypatch):
    if not workers.enabled():
        pytest.skip("one core: no helper process")
    store, settings = demo_store_and_settings
    settings = settings.model_copy(deep=True)
    settings.impact.imputations = 3
    assert workers.second_core() is not None
    sent: list[object] = []
    collect = elsewhere.collect
    monkeypatch.setattr(elsewhere, "collect", lambda *a: sent.append(collect(*a)) or sent[-1])
    there = compute(store, settings, only=("outcomes", *MODELS))
    assert sent and sent[0] is not None  # the models did run in the helper
    monkeypatch.setenv("IPSEVAL_WORKERS", "0")  # a second thread here instead
    here = compute(store, settings, only=("outcomes", *MODELS))
    assert list(there.tables) == list(here.tables) and len(there.tables) > 5
    for key, table in there.tables.items():
        assert table.data.equals(here.tables[key].data), key
    assert there.failed == here.failed == []


def test_this_process_does_the_callers_next_work_while_the_helper_is_busy(
    demo_store_and_settings, monkeypatch
):
    """while_waiting runs once when the models are still out, never when they are back already."""
    from concurrent.futures import Future

    store, settings = demo_store_and_settings
    settings = settings.model_copy(deep=True)
    settings.impact.imputations = 0
    done_here = compute(store, settings, only=("outcomes", "hazard"))

    def pending(*_args):  # the helper "busy": answers only once the waiting work has run
        job: Future = Future()
        pending.job = job
        return job

    def collect(job, analyses):
        if not job.done():  # then the models run here, as when the helper broke
            job.set_result(None)
        return None

    monkeypatch.setattr(elsewhere, "submit", pending)
    monkeypatch.setattr(elsewhere, "collect", collect)
    calls: list[bool] = []
    busy = compute(
        store, settings, only=("outcomes", "hazard"), while_waiting=lambda: calls.append(pending.job.done())
    )
    assert calls == [False]
    assert list(busy.tables) == list(done_here.tables)
    for key, table in busy.tables.items():
        assert table.data.equals(done_here.tables[key].data), key

    def ready(*_args):
        job: Future = Future()
        job.set_result(None)
        return job

    monkeypatch.setattr(elsewhere, "submit", ready)
    calls.clear()
    compute(store, settings, only=("outcomes", "hazard"), while_waiting=lambda: calls.append(True))
    assert calls == []


def test_an_error_that_cannot_travel_back_keeps_its_words() -> None:
    class Odd(Exception):  # a local class cannot be pickled, nor can this one be rebuilt
        def __init__(self, a: int, b: int) -> None:
            super().__init__(f"{a} of {b}")

    outcome = Outcome(REGISTRY[0], FAILED, "It failed.", error=Odd(1, 2))
    back = Outcome(REGISTRY[0], **pickle.loads(pickle.dumps(elsewhere._parts(outcome))))
    assert back.failure == outcome.failure == "Odd: 1 of 2"
    plain = Outcome(REGISTRY[0], FAILED, "It failed.", error=KeyError("x"))
    assert isinstance(elsewhere._parts(plain)["error"], KeyError)  # one that can goes as itself


def _ended(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")  # a zombie has ended, only not yet been reaped


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to see the helper")
def test_the_helper_ends_with_the_process_that_started_it() -> None:
    if not workers.enabled():
        pytest.skip("one core: no helper process")
    code = (
        "import os\nfrom ipseval import workers\n"
        "print(workers.second_core().submit(os.getpid).result(), flush=True)\nos._exit(0)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    helper = int(r.stdout.split()[-1])
    assert helper != r.returncode and helper > 0
    deadline = time.monotonic() + 60
    while not _ended(helper) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _ended(helper), "the helper outlived the process that started it"


def test_evaluate_in_its_own_process_ends_with_its_exit_code_and_every_output(tmp_path) -> None:
    from ipseval import demo

    data, out = tmp_path / "data", tmp_path / "out"
    demo.write_demo(data, interviews=False)
    r = subprocess.run(
        [sys.executable, "-m", "ipseval", "evaluate", str(data), "--out", str(out), "--imputations", "2"],
        capture_output=True,
        text=True,
        timeout=900,
        env=dict(os.environ, COLUMNS="200"),
    )
    assert r.returncode == 1, r.stderr  # the demo's faulty rows
    assert "Done in" in r.stdout
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert "impact_published_adjusted" in results["tables"]
    assert (out / "report.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    assert len(list((out / "tables").glob("*.csv"))) == len(results["tables"])
    # the helper is stopped and its queues' semaphores unlinked before the process ends: nothing
    # from multiprocessing's resource tracker ("leaked semaphore objects") reaches the terminal
    assert "leaked" not in r.stderr and "Warning" not in r.stderr, r.stderr
