"""Write the demo's analysis frames to tests/reference/data/demo_*.csv for the R reference scripts.

The demo is generated as ``make demo`` does (718 clients, seed 2019), validated and imported; each
frame is taken from ipseval's own builders, so R fits exactly the data the report's estimate
rests on. Run from the repository root with the project Python (``make reference`` does).

Files written:

* ``demo_rates.csv``: counts behind every Wilson interval of the outcome tables (x of n).
* ``demo_time_to_job.csv``: one row per client in the job-entry denominator, days to first job
  or censoring, the event, area and integration strength (Kaplan-Meier, log-rank).
* ``demo_model_<name>.csv`` and ``demo_models.json``: the rows each logit model of the report
  was fitted on (person-periods joined to their client's controls) and the call
  (outcome, terms, reference levels, cluster, SE type, AME terms).
* ``demo_mi_frame.csv`` and ``demo_mi.json``: the published-style model's frame before
  imputation and the imputation call; ``demo_mi_fits.csv``: the estimate and SE of every term
  in each of the m completed-data fits (the input to Rubin's rules).
* ``demo_wellbeing.csv``: baseline and follow-up scores per followed-up client and measure,
  with the measure's direction and whether the client had found work by the follow-up.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from ipseval import demo, metrics  # noqa: E402
from ipseval.impact import areas, dose, imputation, published  # noqa: E402
from ipseval.impact.data import analysis_frame  # noqa: E402
from ipseval.settings import load_settings  # noqa: E402
from ipseval.store import Store, import_dataset  # noqa: E402
from ipseval.validate import load  # noqa: E402

OUT = ROOT / "tests" / "reference" / "data"


def open_demo(folder: Path) -> tuple[Store, object]:
    """The 718-client demo (seed 2019), validated and imported, with its settings."""
    data = folder / "data"
    demo.write_demo(data, n_clients=718, seed=2019, interviews=False)
    settings = load_settings(search_dir=data)
    ds = load(data, settings)
    db = folder / "store.duckdb"
    import_dataset(db, ds.tables, settings, ds.data_cut, row_counts=ds.row_counts)
    return Store(db), settings


def write(df: pl.DataFrame, name: str) -> None:
    df.write_csv(OUT / name, null_value="NA", float_precision=None)
    print(f"wrote {name}: {df.height} rows")


# ------------------------------------------------------------------------------- rates


def export_rates(store: Store, settings) -> None:
    """x of n behind each Wilson interval of outcomes, sustainment and the meeting bands."""
    out = metrics.outcomes(store).data
    parts = [
        out.select(pl.lit("job_entry").alias("rate"), "breakdown", "group", x="job_entries", n="denominator"),
        out.select(
            pl.lit("share_16plus").alias("rate"),
            "breakdown",
            "group",
            x="first_jobs_16plus",
            n="first_jobs_hours_known",
        ),
    ]
    sus = metrics.sustainment(store).data
    parts.append(
        sus.select(
            (pl.lit("sustained_") + pl.col("weeks").cast(pl.Utf8) + pl.lit("w")).alias("rate"),
            "breakdown",
            "group",
            x="sustained",
            n="due",
        )
    )
    bands = metrics.meeting_bands(store, settings).data
    parts.append(
        bands.select(
            pl.lit("meeting_band").alias("rate"),
            pl.lit("meeting_band").alias("breakdown"),
            pl.col("meeting_band").alias("group"),
            x="job_entries",
            n="clients",
        )
    )
    rates = pl.concat([p.with_columns(pl.col("x", "n").cast(pl.Int64)) for p in parts])
    write(rates.filter(pl.col("n") > 0), "demo_rates.csv")


# ------------------------------------------------------------------------------- time to job


def export_time_to_job(store: Store, settings) -> None:
    """The Kaplan-Meier frame of the time-to-job table (metrics) with area and integration strength."""
    km = metrics._time_to_job_frame(store).select("client_id", "days", "event")
    by = analysis_frame(store, settings).select(
        "client_id", "local_authority", pl.col("integration_strength").fill_null("not recorded")
    )
    frame = km.join(by, on="client_id", how="left", maintain_order="left")
    assert frame["local_authority"].null_count() == 0
    write(frame.with_columns(pl.col("event").cast(pl.Int8)), "demo_time_to_job.csv")


# ------------------------------------------------------------------------------- logit models


class Recorder:
    """Stands in for ``logit`` in the analysis modules: records each call, then fits as usual."""

    def __init__(self, real):
        self.real, self.calls, self.paused = real, [], False

    def __call__(self, df, outcome, terms, **kw):
        result = self.real(df, outcome, terms, **kw)
        if not self.paused:
            self.calls.append(
                {"df": df, "outcome": outcome, "terms": list(terms), "kw": kw, "result": result}
            )
        return result


def _flat(call: dict) -> pl.DataFrame:
    """The rows of one call as a single table: person-periods joined to their unit's columns."""
    df, kw = call["df"], call["kw"]
    units = kw.get("unit_frame")
    if units is not None:
        extra = [c for c in units.columns if c not in df.columns or c == kw["unit"]]
        df = df.join(units.select(extra), on=kw["unit"], how="left", maintain_order="left")
    keep = [call["outcome"], *call["terms"], *(c for c in (kw.get("cluster"), kw.get("unit")) if c)]
    df = df.select(list(dict.fromkeys(keep)))
    return df.with_columns(pl.col(c).cast(pl.Utf8) for c in call["terms"] if not df.schema[c].is_numeric())


def _spec(call: dict, frame: pl.DataFrame) -> dict:
    kw = call["kw"]
    se = kw.get("se", "cluster_t")
    return {
        "outcome": call["outcome"],
        "terms": call["terms"],
        "categorical": [t for t in call["terms"] if frame.schema[t] == pl.Utf8],
        # every categorical term's reference level, as the fit chose it (given or first in order)
        "reference": dict(call["result"].card["reference_levels"]),
        "cluster": kw.get("cluster") if se in ("cluster_t", "wild") else None,
        "se": se,
        "unit": kw.get("unit"),
        "ame_terms": call["terms"] if kw.get("ame_terms") is None else list(kw["ame_terms"]),
    }


def check_refit(name: str, spec: dict, result) -> None:
    """The written rows, read back and refitted, give the report's estimates (so the CSV is the data)."""
    from ipseval.impact.flat import logit

    frame = pl.read_csv(
        OUT / f"demo_model_{name}.csv",
        null_values="NA",
        schema_overrides=dict.fromkeys(spec["categorical"], pl.Utf8),
        infer_schema_length=None,
    )
    kw = {k: spec[k] for k in ("reference", "cluster", "se", "unit", "ame_terms")}
    refit = logit(frame, spec["outcome"], spec["terms"], **kw)
    for column in ("estimate", "std_error", "ame"):
        a, b = refit.table[column].to_numpy(), result.table[column].to_numpy()
        assert np.allclose(a, b, rtol=1e-10, atol=1e-12, equal_nan=True), f"{name}: {column} changed on refit"


def export_models(store: Store, settings) -> None:
    """Every logit of the impact section, recorded while the real analyses run."""
    from ipseval.impact.flat import logit

    recorder = Recorder(logit)
    modules = (dose, published, areas)
    for module in modules:
        module.logit = recorder
    real_impute = imputation.impute_and_fit
    mi: dict = {}

    def impute_and_fit(frame, fit, **kw):  # the imputed fits are not recorded, only the frame
        recorder.paused = True
        try:
            result = real_impute(frame, fit, **kw)
        finally:
            recorder.paused = False
        mi.update(frame=frame, kw=kw, result=result)
        return result

    published.impute_and_fit = impute_and_fit
    try:
        names = {}
        found = published.published_model(store, settings)
        names["published_complete_case"], names["published_unadjusted"] = recorder.calls[-2:]
        dose.discrete_time_hazard(store, settings)
        names["hazard"] = recorder.calls[-1]
        dose.landmark(store, settings, landmark_weeks=settings.impact.landmark_weeks)
        names["landmark"], names["landmark_per_meeting"] = recorder.calls[-2:]
        areas.area_variation(store, settings)
        names["area_expected"] = recorder.calls[-1]
        areas.integration_panel(store, settings)
        names["integration"] = recorder.calls[-1]
    finally:
        for module in modules:
            module.logit = logit
        published.impute_and_fit = real_impute

    specs = {}
    for name, call in names.items():
        frame = _flat(call)
        specs[name] = _spec(call, frame)
        write(frame, f"demo_model_{name}.csv")
        check_refit(name, specs[name], call["result"])
    (OUT / "demo_models.json").write_text(json.dumps(specs, indent=2) + "\n", encoding="utf-8")

    # multiple imputation: the frame before imputation, the call, and the m completed-data fits
    kw = mi["kw"]
    spec = names["published_complete_case"]
    columns, predictors = list(kw["columns"]), list(kw["predictors"])
    frame = mi["frame"].select(
        list(dict.fromkeys([spec["outcome"], *spec["terms"], spec["kw"]["cluster"], *columns, *predictors]))
    )
    frame = frame.with_columns(
        pl.col(c).cast(pl.Utf8) for c in frame.columns if not frame.schema[c].is_numeric()
    )
    write(frame, "demo_mi_frame.csv")
    mi_spec = _spec(spec, frame) | {
        "impute": columns,
        "predictors": predictors,
        "m": kw["m"],
        "categorical": [c for c in frame.columns if frame.schema[c] == pl.Utf8],
    }
    (OUT / "demo_mi.json").write_text(json.dumps(mi_spec, indent=2) + "\n", encoding="utf-8")
    fits = mi["result"].extra["imputations"].filter(pl.col("estimate").is_not_null())
    write(fits, "demo_mi_fits.csv")
    assert found["published_mi"].table.height == names["published_complete_case"]["result"].table.height


# ------------------------------------------------------------------------------- wellbeing


def export_wellbeing(store: Store, settings) -> None:
    """Followed-up episodes per measure: what the per-measure change and job-entry tables use."""
    from ipseval.wellbeing.compare import _found_work
    from ipseval.wellbeing.measures import load_measures
    from ipseval.wellbeing.pairing import pairs_from_store
    from ipseval.wellbeing.tables import paired_frame

    measures = load_measures(settings)
    pairs = pairs_from_store(store, measures, settings.wellbeing)
    paired = _found_work(paired_frame(pairs, measures), pairs.clients)
    directions = measures.select("key", "higher_is_better", "measure_order")
    frame = (
        paired.join(directions, on="key", how="left")
        .select(
            "key",
            "measure_order",
            pl.col("higher_is_better").cast(pl.Int8),
            "client_no",
            "baseline_score",
            "follow_up_score",
            pl.col("in_denominator").cast(pl.Int8),
            pl.col("found_work").cast(pl.Int8),
        )
        .sort("measure_order", "client_no")
    )
    assert np.isfinite(frame["follow_up_score"].to_numpy()).all()
    write(frame, "demo_wellbeing.csv")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store, settings = open_demo(Path(tmp))
        with store:
            export_rates(store, settings)
            export_time_to_job(store, settings)
            export_models(store, settings)
            export_wellbeing(store, settings)


if __name__ == "__main__":
    main()
