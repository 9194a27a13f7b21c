"""Write the demo's time-to-job frame for tests/reference/competing.R.

The 718-client demo with seed 2019 (as ``make demo`` and the tests' demo store): one row per
client in the job-entry denominator with days from engagement to first job or end of follow-up,
status (0 still on the caseload at the data cut, 1 first job, 2 discharged without a job), area,
integration strength ('not recorded' when the area has none), age and sex.

Run from the repository root: PYTHONPATH=src python tests/reference/export_competing.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl

from ipseval import demo
from ipseval.impact.data import analysis_frame
from ipseval.impact.survival import with_integration
from ipseval.settings import load_settings
from ipseval.store import Store, import_dataset
from ipseval.validate import load

OUT = Path(__file__).parent / "data" / "demo_competing.csv"


def demo_time_to_job(folder: Path) -> pl.DataFrame:
    """The demo's time-to-job frame, as the analyses read it."""
    data = folder / "data"
    demo.write_demo(data, n_clients=718, seed=2019, interviews=False)
    settings = load_settings(search_dir=data)
    ds = load(data, settings)
    import_dataset(folder / "store.duckdb", ds.tables, settings, ds.data_cut, row_counts=ds.row_counts)
    with Store(folder / "store.duckdb") as store:
        frame = with_integration(analysis_frame(store, settings))
    return frame.select(
        "client_id",
        pl.col("days_followed").alias("days"),
        pl.col("exit_status").alias("status"),
        "local_authority",
        "integration_strength",
        "age",
        pl.col("sex").alias("gender"),
    )


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        demo_time_to_job(Path(tmp)).write_csv(OUT)
    print(f"wrote {OUT}")
