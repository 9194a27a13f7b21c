"""The wellbeing result tables, from the store or from already-paired data."""

from __future__ import annotations

import polars as pl

from ..results import ResultTable
from ..settings import Settings
from ..store import Store
from .compare import attrition, by_job_entry
from .measures import load_measures
from .pairing import Pairs, pairs_from_store
from .tables import coverage, domain_change, measure_change


def records(pairs: Pairs) -> ResultTable:
    """Assessment rows per instrument and measure: how many were used, and why others were not."""
    data = pairs.records.select(
        "instrument",
        "measure",
        "defined",
        "records",
        "used",
        "out_of_range",
        "after_data_cut",
        "client_not_engaged",
        "computed",
    )
    computed = data.filter(pl.col("computed") > 0)
    return ResultTable(
        key="wellbeing_records",
        title="Wellbeing assessment records used",
        data=data,
        dims=["instrument", "measure"],
        about_people=False,
        columns={
            "instrument": "instrument as written in the data (first spelling seen)",
            "measure": "measure as written in the data",
            "defined": "whether the measure has a definition (built-in or the measures file); "
            "undefined measures are not analysed",
            "records": "rows in the wellbeing table",
            "used": "rows used: defined, in range, on or before the data cut, client engaged",
            "out_of_range": "scores outside the measure's range (not used)",
            "after_data_cut": "assessments after the data cut (not used)",
            "client_not_engaged": "rows of clients with no engagement date (no baseline to anchor to)",
            "computed": "totals computed from their items (every item there once and valid) for "
            "assessments with no total written; counted in records",
        },
        notes=[
            "Counts of assessment rows, not of people. A measure not defined here can be described "
            "in a measures file (a wellbeing setting, see the methods appendix) to be analysed.",
            *(
                f"{r['instrument']} {r['measure']}: totals computed from their items for the assessments "
                "with no total written (column computed; a form missing an item gets none, see the "
                "problems list)."
                for r in computed.iter_rows(named=True)
            ),
        ],
    )


def tables_from_pairs(pairs: Pairs, measures: pl.DataFrame, settings: Settings) -> dict[str, ResultTable]:
    """Every wellbeing table from already-paired data (pure)."""
    w = settings.wellbeing
    # the attrition comparison needs the most memory: made before the frames the change tables share
    lost = attrition(pairs, measures)
    out = [
        coverage(pairs, measures),
        domain_change(pairs, measures, w),
        measure_change(pairs, measures, w),
        lost,
        by_job_entry(pairs, measures, w),
        records(pairs),
    ]
    return {t.key: t for t in out}


def wellbeing_tables(store: Store, settings: Settings) -> dict[str, ResultTable]:
    """Every wellbeing result table (unrounded, declared for disclosure control), keyed
    ``wellbeing_*``; {} when the imported data set has no wellbeing table."""
    if "wellbeing" not in store.tables_present:
        return {}
    measures = load_measures(settings)
    return tables_from_pairs(pairs_from_store(store, measures, settings.wellbeing), measures, settings)
