"""Paired benchmark: ipseval against hand-written R and Python references doing the same work.

Usage: python benchmarks/paired.py [--sizes 718,100000] [--million] [--pairs 3] [--seed 1]
                                   [--meetings 25] [--no-warmup]

For each size the data are generated once (`ipseval demo DIR --clients N --seed S`, with the
demo's deliberately faulty rows, so every command validates), then the commands run as
interleaved pairs: in each repetition every command of a comparison runs once, in an order that
rotates from one repetition to the next, so a change in the machine's load falls on all of them.

  outcomes only       ipseval evaluate --no-impact   vs  headline.R --no-model, headline.py --no-model
  full, no imputation ipseval evaluate --imputations 0  vs  headline.R, headline.py (+ band logit)
  default (718 only)  ipseval evaluate, as `make demo` runs it (target: under 3 s wall)

Per run: CPU seconds (user + system) of the command and every process it started (os.wait4; a
helper left running when the command ends is adopted and counted too, see _adopt_orphans),
wall seconds, and peak resident memory (the largest process's). Printed: median CPU and wall,
peak memory, and the paired CPU ratio ipseval / R and ipseval / Python (the median of the
per-repetition ratios: target at most 1.0). The load average at start and end says how quiet the
machine was: on a busy machine the figures are not worth keeping. R is skipped (and said so)
when Rscript or data.table, survival and sandwich are missing. Written to
benchmarks/results/paired.json. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "benchmarks" / "reference"
R_PACKAGES = ("data.table", "survival", "sandwich")


@dataclass
class Run:
    work: str
    command: str
    repetition: int
    cpu_seconds: float
    wall_seconds: float
    peak_mb: float
    exit_code: int


def environment() -> dict[str, str]:
    """The children import this checkout's ipseval (not another installed copy), compiled to
    bytecode first as ``pip install`` does for an installed package: with PYTHONDONTWRITEBYTECODE
    set (as on some machines, ours included), every run would otherwise compile ipseval's sources
    again (1.2 s of a 5.4 s demo run, measured)."""
    import compileall

    compileall.compile_dir(ROOT / "src", quiet=1)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), env.get("PYTHONPATH")) if p)
    return env


def _adopt_orphans() -> bool:
    """Make this process the reaper of its descendants' orphans (Linux): a command that ends
    without waiting for its helper process (ipseval's evaluate ends with os._exit) would otherwise
    hide that helper's CPU from os.wait4. Whether it could be done."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


ADOPTS_ORPHANS = _adopt_orphans()


def _reap_orphans(limit_s: float = 60.0) -> tuple[float, float]:
    """(CPU s, largest peak RSS MB) of the orphans adopted from the last command, waiting for each
    to end (an ipseval helper ends with its parent within a second)."""
    cpu, peak, end = 0.0, 0.0, time.perf_counter() + limit_s
    while time.perf_counter() < end:
        try:
            pid, _status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            break  # none left
        if pid == 0:
            time.sleep(0.02)
            continue
        cpu += usage.ru_utime + usage.ru_stime
        peak = max(peak, usage.ru_maxrss / 1024)
    return cpu, peak


def measure(argv: list[str], env: dict[str, str]) -> tuple[float, float, float, int, str]:
    """Run ``argv``: (CPU s of it and its descendants, orphans included, wall s until it ends, peak
    RSS MB of its largest process, exit code, stderr tail)."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        orphans_cpu, orphans_peak = _reap_orphans()
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read()[-3000:].decode(errors="replace")
    cpu = usage.ru_utime + usage.ru_stime + orphans_cpu
    return cpu, wall, max(usage.ru_maxrss / 1024, orphans_peak), proc.returncode, tail


def r_missing() -> str | None:
    """Why the R reference cannot run (None when it can)."""
    if shutil.which("Rscript") is None:
        return "Rscript is not installed"
    check = f"quit(status = !all(sapply(c({', '.join(map(repr, R_PACKAGES))}), requireNamespace, quietly = TRUE)))"
    if subprocess.run(["Rscript", "-e", check], capture_output=True).returncode:
        return f"R packages {', '.join(R_PACKAGES)} are not all installed"
    return None


def load_average() -> list[float]:
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


# ---------------------------------------------------------------- the commands


def generate(data: Path, n: int, seed: int, meetings: float | None, env: dict[str, str]) -> None:
    extra = [] if meetings is None else ["--meetings-per-client", str(meetings)]
    command = [
        sys.executable,
        "-m",
        "ipseval.cli",
        "demo",
        str(data),
        "--clients",
        str(n),
        "--seed",
        str(seed),
    ]
    subprocess.run([*command, *extra], check=True, capture_output=True, env=env)


def reference_options(data: Path, out: Path | None) -> list[str]:
    """What the references need to know of ipseval's settings and choices: whether clients without
    a meeting are counted in the first band, and which time-to-job estimate ipseval publishes."""
    from ipseval.settings import load_settings

    policy = load_settings(search_dir=data).disclosure
    merge = policy.effective_threshold if policy.policy != "none" else 0
    method = "km"
    results = out / "results.json" if out else None
    if results and results.exists():
        notes = " ".join(json.loads(results.read_text())["tables"].get("time_to_job_at", {}).get("notes", []))
        method = "aj" if "aalen" in notes.lower() or "cumulative incidence" in notes.lower() else "km"
    return [f"--merge-no-meetings-up-to={merge}", f"--time-to-job={method}"]


def comparisons(data: Path, out: Path, options: list[str], with_r: bool) -> dict[str, dict[str, list[str]]]:
    """{work: {command label: argv}}, ipseval first in each."""
    evaluate = [sys.executable, "-m", "ipseval.cli", "evaluate", str(data), "-o", str(out)]
    r = ["Rscript", str(REFERENCE / "headline.R"), str(data), str(out / "reference_r.json"), *options]
    py = [sys.executable, str(REFERENCE / "headline.py"), str(data), str(out / "reference_py.json"), *options]
    works = {
        "outcomes only": ([*evaluate, "--no-impact"], ["--no-model"]),
        "full, no imputation": ([*evaluate, "--imputations", "0"], []),
    }
    out_ = {}
    for work, (ipseval, extra) in works.items():
        commands = {"ipseval": ipseval, "R": [*r, *extra], "Python": [*py, *extra]}
        if not with_r:
            del commands["R"]
        out_[work] = commands
    return out_


def run_pairs(commands: dict[str, list[str]], work: str, pairs: int, env) -> list[Run]:
    """``pairs`` repetitions of every command, the order rotating each time."""
    runs, labels = [], list(commands)
    for rep in range(pairs):
        for label in labels[rep % len(labels) :] + labels[: rep % len(labels)]:
            cpu, wall, peak, code, err = measure(commands[label], env)
            if code not in (0, 1):  # ipseval exits 1 when it rejected rows: the demo's faulty ones
                raise RuntimeError(f"{label} ({work}) exited {code}:\n{err}")
            runs.append(Run(work, label, rep, cpu, wall, peak, code))
    return runs


# ---------------------------------------------------------------- summary


def summarise(runs: list[Run]) -> list[dict]:
    """Per work and command: medians, peak memory and the paired CPU ratios of ipseval."""
    rows = []
    for work in dict.fromkeys(r.work for r in runs):
        mine = [r for r in runs if r.work == work]
        cpu = {(r.command, r.repetition): r.cpu_seconds for r in mine}
        for command in dict.fromkeys(r.command for r in mine):
            these = [r for r in mine if r.command == command]
            row = {
                "work": work,
                "command": command,
                "runs": len(these),
                "median_cpu_seconds": statistics.median(r.cpu_seconds for r in these),
                "median_wall_seconds": statistics.median(r.wall_seconds for r in these),
                "peak_mb": max(r.peak_mb for r in these),
            }
            if command == "ipseval":
                for ref, key in (("R", "cpu_ratio_r"), ("Python", "cpu_ratio_python")):
                    ratios = [
                        cpu[("ipseval", r.repetition)] / r.cpu_seconds for r in mine if r.command == ref
                    ]
                    row[key] = statistics.median(ratios) if ratios else None
            rows.append(row)
    return rows


def targets(results: dict) -> list[str]:
    """The issue's targets, each with its figure: met or not (meaningful on a quiet machine only)."""
    out = []
    for size in results["sizes"]:
        for row in size["summary"]:
            if row["command"] == "ipseval" and row.get("cpu_ratio_r") is not None:
                ok = "met" if row["cpu_ratio_r"] <= 1.0 else "NOT met"
                out.append(
                    f"{size['clients']:,} clients, {row['work']}: CPU ratio ipseval / R "
                    f"{row['cpu_ratio_r']:.2f} (target <= 1.0): {ok}"
                )
            if row["work"] == "default evaluate":
                ok = "met" if row["median_wall_seconds"] < 3.0 else "NOT met"
                out.append(
                    f"{size['clients']:,} clients, default evaluate: {row['median_wall_seconds']:.2f} s wall "
                    f"(target < 3 s on a quiet machine): {ok}"
                )
    return out


def print_table(results: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(shutil.get_terminal_size().columns, 110))
    table = Table(title="ipseval against hand-written references (paired runs, medians)")
    for col in ("clients", "work", "command", "CPU s", "wall s", "peak MB", "CPU ÷ R", "CPU ÷ Python"):
        table.add_column(col, justify="right" if col not in ("work", "command") else "left")
    for size in results["sizes"]:
        for i, row in enumerate(size["summary"]):
            table.add_row(
                f"{size['clients']:,}" if i == 0 else "",
                row["work"],
                row["command"],
                f"{row['median_cpu_seconds']:.2f}",
                f"{row['median_wall_seconds']:.2f}",
                f"{row['peak_mb']:.0f}",
                _ratio(row.get("cpu_ratio_r")),
                _ratio(row.get("cpu_ratio_python")),
                end_section=i == len(size["summary"]) - 1,
            )
    console.print(table)
    start, end = results["machine"]["load_average_start"], results["machine"]["load_average_end"]
    console.print(
        f"load average (1, 5, 15 min) at start {start}, at end {end}; {results['machine']['cores']} cores"
    )
    for line in results["targets"]:
        console.print(line)
    if results["r_missing"]:
        console.print(f"[bold yellow]R reference not run: {results['r_missing']}[/]")


def _ratio(x: float | None) -> str:
    if x is None:
        return "–"
    return f"[bold red]{x:.2f}[/]" if x > 1.0 else f"{x:.2f}"


# ---------------------------------------------------------------- main


def bench_size(n: int, args, env, with_r: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"ipspaired{n}_") as tmp:
        data, out = Path(tmp) / "data", Path(tmp) / "out"
        generate(data, n, args.seed, None if n <= 718 else args.meetings, env)
        if not args.no_warmup:  # caches warm, and ipseval's results say which time-to-job estimate
            measure(comparisons(data, out, [], False)["outcomes only"]["ipseval"], env)
        options = reference_options(data, out)
        runs = []
        for work, commands in comparisons(data, out, options, with_r).items():
            print(f"{n:,} clients: {work} ...", file=sys.stderr)
            runs += run_pairs(commands, work, args.pairs, env)
        if n == 718:
            default = {
                "ipseval (default)": [
                    sys.executable,
                    "-m",
                    "ipseval.cli",
                    "evaluate",
                    str(data),
                    "-o",
                    str(out),
                ]
            }
            print(f"{n:,} clients: default evaluate ...", file=sys.stderr)
            runs += run_pairs(default, "default evaluate", args.pairs, env)
        rows = {p.stem: sum(1 for _ in p.open()) - 1 for p in data.glob("*.csv")}
    return {
        "clients": n,
        "rows": rows,
        "options": options,
        "runs": [asdict(r) for r in runs],
        "summary": summarise(runs),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="718,100000", help="clients per data set, comma-separated")
    ap.add_argument("--million", action="store_true", help="also 1,000,000 clients")
    ap.add_argument("--pairs", type=int, default=3, help="repetitions of each command")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--meetings", type=float, default=25.0, help="mean meetings per client above 718 clients")
    ap.add_argument("--no-warmup", action="store_true", help="skip the untimed first ipseval run")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "paired.json")
    args = ap.parse_args()

    sizes = [int(x) for x in args.sizes.split(",")] + ([1_000_000] if args.million else [])
    missing = r_missing()
    if missing:
        print(f"R reference not run: {missing}", file=sys.stderr)
    env = environment()
    results = {
        "machine": {"cores": os.cpu_count(), "load_average_start": load_average()},
        "r_missing": missing,
        "pairs": args.pairs,
        "sizes": [],
    }
    for n in sizes:
        results["sizes"].append(bench_size(n, args, env, with_r=missing is None))
    results["machine"]["load_average_end"] = load_average()
    results["targets"] = targets(results)
    print_table(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
