"""Write a small demo-shaped frame with separation for the Firth reference (tests/reference/firth.R).

A clean 300-client demo (seed 1): clients in the job-entry denominator with job entry, meeting
band and four controls, complete cases. One client has sex "other" and a job entry, so maximum
likelihood has no estimate (quasi-complete separation). Run from the repository root with the
project's Python (``make reference`` does).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ipseval import demo
from ipseval.impact.data import analysis_frame
from ipseval.settings import load_settings
from ipseval.store import Store, import_dataset
from ipseval.validate import load

COLUMNS = ["job_entry", "meeting_band", "sex", "age", "criminal_conviction", "gp_visit_recent"]
OUT = Path("tests/reference/data/firth_demo.csv")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        demo.write_demo(data, n_clients=300, seed=1, clean=True, interviews=False)
        settings = load_settings(search_dir=data)
        ds = load(data, settings)
        db = Path(tmp) / "store.duckdb"
        import_dataset(db, ds.tables, settings, ds.data_cut, row_counts=ds.row_counts)
        with Store(db) as store:
            frame = analysis_frame(store, settings).select(COLUMNS).drop_nulls()
    frame.write_csv(OUT)
    print(f"wrote {OUT} ({frame.height} rows)")


if __name__ == "__main__":
    main()
