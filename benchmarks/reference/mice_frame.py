"""The published-style model's imputation frame, for timing ipseval's multiple imputation against
R's mice on the same table (benchmarks/reference/mice_frame.R).

Usage: python benchmarks/reference/mice_frame.py DATA OUT_DIR [--m 20] [--iterations 5] [--no-time]

DATA is a data folder (``ipseval demo DIR --clients N``); it is validated and imported into
OUT_DIR/store.duckdb (kept, so a second run starts at once). Writes OUT_DIR/mi_frame.csv (the
frame ``impute_and_fit`` receives: outcome, meeting band, cluster and controls, missing values as
NA) and OUT_DIR/mi.json (the columns to impute, the predictors, the categorical columns, m and
iterations), then, unless --no-time, times ipseval on that frame: the m chains alone, and the
whole ``impute_and_fit`` (chains, the m clustered logits, pooling), CPU and wall seconds, with
the load average. One BLAS thread, as ipseval sets when it is imported; a big table's chains
run two at a time in threads, as in ipseval (``IPSEVAL_WORKERS=0``: one at a time); CPU seconds
are those of every thread.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
for _var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # as ipseval does, before numpy loads
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from ipseval.impact import imputation, published  # noqa: E402
from ipseval.settings import load_settings  # noqa: E402
from ipseval.store import Store, import_dataset  # noqa: E402
from ipseval.validate import load  # noqa: E402


def open_store(data: Path, out: Path):
    settings = load_settings(search_dir=data)
    db = out / "store.duckdb"
    if not db.exists():
        ds = load(data, settings)
        import_dataset(db, ds.tables, settings, ds.data_cut, row_counts=ds.row_counts)
    return Store(db), settings


def capture(store, settings) -> dict:
    """The frame, fit and call published_model passes to impute_and_fit (nothing is imputed)."""
    found = {}

    class Captured(Exception):
        pass

    def grab(frame, fit, columns, m=20, seed=1, progress=None, *, predictors=None, iterations=5):
        found.update(frame=frame, fit=fit, columns=list(columns), predictors=list(predictors or []))
        raise Captured

    real = published.impute_and_fit
    published.impute_and_fit = grab
    try:
        published.published_model(store, settings, m=20)
    except Captured:
        pass
    finally:
        published.impute_and_fit = real
    return found


def export(found: dict, out: Path, m: int, iterations: int) -> None:
    keep = list(dict.fromkeys([*found["predictors"], *found["columns"]]))
    frame = found["frame"].select(keep)
    frame = frame.with_columns(pl.col(c).cast(pl.Utf8) for c in keep if not frame.schema[c].is_numeric())
    frame.write_csv(out / "mi_frame.csv", null_value="NA")
    spec = {
        "impute": found["columns"],
        "predictors": found["predictors"],
        "categorical": [c for c in keep if frame.schema[c] == pl.Utf8],
        "m": m,
        "iterations": iterations,
        "rows": frame.height,
        "incomplete_rows": int(frame.select(pl.any_horizontal(pl.all().is_null()).sum()).item()),
    }
    (out / "mi.json").write_text(json.dumps(spec, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out / 'mi_frame.csv'}: {frame.height:,} rows, {len(keep)} columns")


def clock(label: str, work) -> None:
    cpu, wall = time.process_time(), time.perf_counter()
    work()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"ipseval {label}: {cpu:.1f} CPU-s, {wall:.1f} s wall (load average {load})", flush=True)


def time_ipseval(found: dict, m: int, iterations: int) -> None:
    from ipseval.impact.chained import Layout, each_imputation

    frame, columns = found["frame"], found["columns"]
    cols = list(dict.fromkeys([*columns, *found["predictors"]]))

    def chains() -> None:
        arrays, levels = imputation._encode(frame, cols)
        layout = Layout(arrays, levels, [c for c in columns if np.isnan(arrays[c]).any()])
        for _ in each_imputation(layout, iterations, 1, m):
            pass

    def whole() -> None:
        imputation.impute_and_fit(
            frame, found["fit"], columns, m=m, predictors=found["predictors"], iterations=iterations
        )

    clock(f"chains (m = {m}, {iterations} iterations)", chains)
    clock(f"impute_and_fit (chains, {m} clustered logits, pooling)", whole)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--m", type=int, default=20)
    ap.add_argument("--iterations", type=int, default=imputation.CYCLES)
    ap.add_argument("--no-time", action="store_true")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    store, settings = open_store(args.data, args.out)
    with store:
        found = capture(store, settings)
    export(found, args.out, args.m, args.iterations)
    if not args.no_time:
        time_ipseval(found, args.m, args.iterations)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
