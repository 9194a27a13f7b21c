"""Suggestion quality on the hand-labelled set: top-1 and top-3 accuracy per method.

Usage: python benchmarks/coding_quality.py [--csv tests/fixtures/qualitative/labelled_segments.csv]

The set (tests/fixtures/qualitative/, 210 segments, labelled by hand before any suggestion was
seen; see its README) gives each segment a primary code. A method is right at top-1 when its best
suggestion is the primary code, at top-3 when the primary code is among its three best. Rows are
split by source: 'written' rows were used while the codebook's keywords and the embedding score
were tuned, 'demo' rows (quoted from the demo transcripts) were held out. The embedding method
needs the [text] extra; without it only the keyword method is measured.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import polars as pl

from ipseval.qualitative.codebook import load_codebook
from ipseval.qualitative.suggest import load_embedding_encoder, suggest

ROOT = Path(__file__).resolve().parent.parent


def accuracy(labelled: pl.DataFrame, suggestions: pl.DataFrame) -> dict[str, float]:
    """Top-1 and top-3 accuracy of ``suggestions`` (segment_id, rank, code) against primary_code."""
    ranked = (
        suggestions.filter(pl.col("rank") <= 3)
        .group_by("segment_id")
        .agg(pl.col("code").sort_by("rank").alias("codes"))
    )
    joined = labelled.join(ranked, on="segment_id", how="left").with_columns(
        pl.col("codes").fill_null(pl.lit([], dtype=pl.List(pl.Utf8)))
    )
    top1 = joined.select((pl.col("codes").list.first() == pl.col("primary_code")).fill_null(False).mean())
    top3 = joined.select(pl.col("codes").list.contains(pl.col("primary_code")).mean())
    return {"n": joined.height, "top1": float(top1.item()), "top3": float(top3.item())}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", default=str(ROOT / "tests/fixtures/qualitative/labelled_segments.csv"))
    args = ap.parse_args()
    labelled = (
        pl.read_csv(args.csv)
        .with_row_index("segment_id")
        .with_columns(pl.col("segment_id").cast(pl.Utf8), pl.col("segment_text").alias("text"))
    )
    codebook = load_codebook()
    methods = {"keyword": None}
    encoder = load_embedding_encoder()
    if encoder is not None:
        methods["embedding"] = encoder
    results = []
    for method, enc in methods.items():
        t0 = time.perf_counter()
        got = suggest(labelled.select("segment_id", "text"), codebook, method=method, top_k=3, encoder=enc)
        seconds = time.perf_counter() - t0
        for source in ("written", "demo", "all"):
            rows = labelled if source == "all" else labelled.filter(pl.col("source") == source)
            results.append({"method": method, "rows": source, **accuracy(rows, got), "seconds": seconds})
    for r in results:
        print(f"{r['method']:9s} {r['rows']:8s} n={r['n']:3d}  top-1 {r['top1']:.1%}  top-3 {r['top3']:.1%}")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "coding_quality.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
