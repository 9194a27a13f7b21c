"""Benchmark each stage of an evaluation: generate, read+validate, import, analyses, report.

Usage: python benchmarks/bench.py [--sizes 718,100000,1000000] [--meetings 25] [--keep DIR]

Each size runs in its own process so peak memory is per size. Peak memory per stage is the
largest resident set size sampled (every 10 ms) while that stage ran. Also times the whole
`ipseval evaluate` command on the 718-client demo, interpreter start included, and runs the
dashboard load test (benchmarks/bench_web.py: concurrent viewers while an upload replaces the data).
"evaluation" is what the 60 s target at a million clients covers: read+validate, import, every
analysis with the impact models, and the report (not generating the data, not imputation).
Results are printed as a table and written to benchmarks/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class PeakRSS:
    """Samples this process's resident memory in a background thread."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._page = os.sysconf("SC_PAGE_SIZE")
        self._t = threading.Thread(target=self._run, daemon=True)

    def _rss(self) -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * self._page

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            time.sleep(0.01)

    def __enter__(self) -> PeakRSS:
        self.peak = self._rss()
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, self._rss())


def _stage(results: list[dict], name: str, fn):
    t0 = time.perf_counter()
    with PeakRSS() as mem:
        value = fn()
    results.append({"stage": name, "seconds": time.perf_counter() - t0, "peak_mb": mem.peak / 2**20})
    return value


def run_size(n: int, meetings: float | None, workdir: Path) -> dict:
    """All stages for one size, in this process."""
    from ipseval.demo import write_demo
    from ipseval.evaluation import compute
    from ipseval.report import write_report
    from ipseval.settings import Settings
    from ipseval.store import Store, import_dataset
    from ipseval.validate import load

    data, out = workdir / "data", workdir / "out"
    s = Settings()
    stages: list[dict] = []
    kwargs = {} if meetings is None else {"meetings_per_client": meetings}
    rows = _stage(
        stages,
        "generate",
        lambda: write_demo(data, n_clients=n, seed=1, clean=True, interviews=False, **kwargs),
    )
    ds = _stage(stages, "read+validate", lambda: load(data, s))
    db = out / "ipseval.duckdb"
    _stage(
        stages,
        "import",
        lambda: import_dataset(db, ds.tables, s, ds.data_cut, row_counts=ds.row_counts, problems=ds.problems),
    )
    ds.tables.clear()  # free the validated frames before the next stages, as the CLI would

    # the analyses as `ipseval evaluate` runs them: every table and the impact models, without
    # multiple imputation (timed on its own below)
    no_mi = s.model_copy(deep=True)
    no_mi.impact.imputations = 0

    def _analyses():
        with Store(db) as store:
            return compute(store, no_mi)

    evaluation = _stage(stages, "analyses + impact models", _analyses)

    from ipseval.analyses import Context, run_all, tables_of

    def _impact(settings):
        with Store(db) as store:
            ctx = Context(store, settings, lambda _name: None)
            return tables_of(run_all(ctx, lambda *_: None, only=("published_model",)))

    if n <= 1_000:  # about 28 s per imputation at 100,000 clients: timed at the demo size only
        _stage(stages, f"impact with imputation (m={s.impact.imputations})", lambda: _impact(s))
    _stage(stages, "report", lambda: write_report(evaluation.publish(), out))
    evaluation_seconds = sum(
        x["seconds"] for x in stages if x["stage"] != "generate" and "imputation" not in x["stage"]
    )
    return {
        "clients": n,
        "rows": rows,
        "stages": stages,
        "total_seconds": sum(x["seconds"] for x in stages),
        "evaluation_seconds": evaluation_seconds,
    }


def cli_wall_time(python: str) -> list[dict]:
    """`ipseval evaluate` on the 718-client demo, as a user runs it (interpreter start included),
    with outcomes only (--no-impact) and with the impact models (20 imputations)."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        subprocess.run([python, "-m", "ipseval.cli", "demo", str(data)], check=True, capture_output=True)
        for extra, label in ((["--no-impact"], "outcomes only (--no-impact)"), ([], "with impact models")):
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                command = [python, "-m", "ipseval.cli", "evaluate", str(data), "-o", str(Path(tmp) / "out")]
                done = subprocess.run([*command, *extra], capture_output=True)
                if done.returncode not in (0, 1):  # 1: done, the demo's faulty rows were rejected
                    raise subprocess.CalledProcessError(done.returncode, command, done.stdout, done.stderr)
                times.append(time.perf_counter() - t0)
            out.append(
                {
                    "command": f"ipseval evaluate, 718-client demo, {label}",
                    "runs_seconds": times,
                    "best_seconds": min(times),
                }
            )
    return out


def web_load_test() -> dict:
    """benchmarks/bench_web.py in its own process (its defaults: 8 viewers for about 15 s)."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_web.py")], capture_output=True, text=True
    )
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError:
        return {"failed": f"exit code {proc.returncode}: {proc.stderr[-3000:]}"}


def web_table(web: dict):
    """The load test's figures as a small table."""
    from rich.table import Table

    table = Table(title="dashboard load test")
    table.add_column("figure")
    table.add_column("value", justify="right")
    if "failed" in web:
        table.add_row("[bold red]failed[/]", web["failed"])
        return table
    up = web["upload"]
    errors = f"[bold red]{web['errors']}[/]" if web["errors"] else "0"
    for name, value in (
        ("viewers, seconds of load", f"{web['viewers']}, {web['load_seconds']:.1f}"),
        ("requests", f"{web['requests']:,}"),
        ("throughput (requests/s)", f"{web['throughput_rps']:.1f}"),
        ("errors (must be 0)", errors),
        ("first view: evaluation computed (s)", f"{web['first_view_seconds']:.2f}"),
        ("first filtered view (s)", f"{web['first_filtered_view_seconds']:.2f}"),
        ("upload + import during the load (s)", f"{up['total_seconds']:.2f}" if up["ok"] else "failed"),
        ("new data served after import (s)", _num(web["versions"]["new_data_served_after_seconds"])),
        ("pages unlike the same page alone", str(web["differing_from_alone"])),
        ("pages repeating an element id", str(web["pages_repeating_an_id"])),
    ):
        table.add_row(name, value)
    for kind, lat in web["latency"].items():
        table.add_row(
            f"{kind}: p50 / p95 ms ({lat['requests']})",
            f"{_num(lat['p50_ms'], 0)} / {_num(lat['p95_ms'], 0)}",
        )
    return table


def _num(x: float | None, digits: int = 2) -> str:
    return "–" if x is None else f"{x:,.{digits}f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="718,100000,1000000")
    ap.add_argument(
        "--meetings", type=float, default=25.0, help="mean meetings per client for sizes above 718"
    )
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: run one size in this process
    ap.add_argument("--workdir", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.one is not None:
        meetings = None if args.one <= 718 else args.meetings
        print(json.dumps(run_size(args.one, meetings, Path(args.workdir))))
        return 0

    from rich.console import Console
    from rich.table import Table

    console = Console()
    results = {"machine": {"cores": os.cpu_count()}, "sizes": [], "cli": None, "web": None}
    for n in [int(x) for x in args.sizes.split(",")]:
        work = Path(tempfile.mkdtemp(prefix=f"ipsbench{n}_"))
        try:
            console.print(f"[bold]{n:,} clients[/] ...")
            proc = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--one",
                    str(n),
                    "--workdir",
                    str(work),
                    "--meetings",
                    str(args.meetings),
                ],
                capture_output=True,
                text=True,
            )
            if proc.returncode != 0:
                console.print(proc.stderr[-3000:])
                return 1
            results["sizes"].append(json.loads(proc.stdout.strip().splitlines()[-1]))
        finally:
            shutil.rmtree(work, ignore_errors=True)
    console.print("[bold]dashboard load test[/] ...")
    results["web"] = web_load_test()
    results["cli"] = cli_wall_time(sys.executable)

    table = Table(title="ipseval benchmark")
    for col in ("clients", "meetings rows", "stage", "seconds", "peak MB"):
        table.add_column(col, justify="right")
    for r in results["sizes"]:
        for i, st in enumerate(r["stages"]):
            table.add_row(
                f"{r['clients']:,}" if i == 0 else "",
                f"{r['rows'].get('meetings', 0):,}" if i == 0 else "",
                st["stage"],
                f"{st['seconds']:.2f}",
                f"{st['peak_mb']:.0f}",
            )
        table.add_row("", "", "total", f"{r['total_seconds']:.2f}", "")
        table.add_row(
            "",
            "",
            "[bold]evaluation (no generate, no imputation)[/]",
            f"[bold]{r['evaluation_seconds']:.2f}[/]",
            "",
            end_section=True,
        )
    console.print(table)
    console.print(web_table(results["web"]))
    for run in results["cli"]:
        console.print(f"{run['command']}: best of 3 = {run['best_seconds']:.2f} s wall")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2))
    console.print(f"written {out / 'latest.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
