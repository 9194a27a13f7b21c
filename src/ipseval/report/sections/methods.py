"""Methods appendix: every definition and setting used, disclosure control, data provenance and
each table's notes, so a reader can reproduce or challenge any figure."""

from __future__ import annotations

from typing import Any

from ...benchmarks import benchmark_list
from ...evaluation import PublishedEvaluation
from ...labels import characteristic_label, table_label
from ...setting_labels import setting_label
from ...settings import Settings, settings_rows
from ...validate_summary import rejected_rule
from ..notes import gather_shared
from ..tables import Col, TableSpec
from . import rows

ID = "methods"
TITLE = "Methods and definitions"


def km_sensitivity(pub: PublishedEvaluation) -> TableSpec | None:
    """The share who had started a job beside Kaplan-Meier's 1 - S (discharge as censoring)."""
    at = [r for r in rows(pub, "time_to_job_at", breakdown="overall") if r["months"] > 0]
    if not at:
        return None
    return TableSpec(
        id="km-sensitivity",
        caption="Sensitivity: share who had started a job, cumulative incidence against Kaplan-Meier",
        columns=[
            Col("label", "Months since engagement", align="left"),
            Col(
                "in_work",
                "Cumulative incidence (95% CI)",
                "pct_ci",
                ("in_work", "in_work_ci_low", "in_work_ci_high"),
            ),
            Col(
                "km_in_work",
                "Kaplan-Meier (95% CI)",
                "pct_ci",
                ("km_in_work", "km_in_work_ci_low", "km_in_work_ci_high"),
            ),
        ],
        rows=[{**r, "label": f"{r['months']} months"} for r in sorted(at, key=lambda r: r["months"])],
    )


def settings_table(settings: Settings) -> TableSpec:
    """Every setting used: its plain name, value and meaning, with its name in the settings file."""
    controls = ", ".join(characteristic_label(c) for c in settings.definitions.model_controls)
    found = [
        {
            "label": setting_label(name),
            "value": controls if name == "definitions.model_controls" else value,
            "description": description,
            "name": name,
        }
        for name, value, description in settings_rows(settings)
    ]
    return TableSpec(
        id="settings",
        caption="Settings and definitions used",
        columns=[
            Col("label", "Setting", align="left"),
            Col("value", "Value", align="left"),
            Col("description", "What it means", align="left"),
            Col("name", "In the settings file", align="left"),
        ],
        rows=found,
        wrap_text=True,
        width="100%",
    )


def benchmarks_table(settings: Settings) -> TableSpec:
    """The national benchmarks the report reads its figures against, with their sources."""
    return TableSpec(
        id="benchmarks",
        caption="National benchmarks and their sources",
        columns=[
            Col("what", "Benchmark", align="left"),
            Col("value", "Value", align="left"),
            Col("source", "Source", align="left"),
        ],
        rows=[
            {"what": b.what, "value": b.value, "source": b.source}
            for b in benchmark_list(settings.benchmarks)
        ],
        wrap_text=True,
        width="100%",
    )


def table_notes(pub: PublishedEvaluation) -> dict[str, Any]:
    """Every table's notes, a note that several tables share gathered once into a numbered list."""
    shared, tables = gather_shared([(key, t.title, list(t.notes)) for key, t in pub.tables.items()])
    return {
        "shared": shared,
        "tables": [{"key": t.key, "title": t.title, "notes": t.notes, "shared": t.shared} for t in tables],
    }


def build(pub: PublishedEvaluation) -> dict[str, Any] | None:
    meta = pub.meta
    cards = None
    if pub.table("model_cards") is not None:
        cards = TableSpec(
            id="model-cards",
            caption="Model cards: how each impact model was fitted",
            columns=[
                Col("model", "Model", align="left"),
                Col("formula", "Formula", align="left"),
                Col("n", "N", "count"),
                Col("events", "Events", "count"),
                Col("clusters", "Clusters", "count"),
                Col("se_type", "Standard errors", align="left"),
                Col("imputations", "Imputations", "count"),
                Col("software", "Software", align="left"),
            ],
            rows=pub.table("model_cards").rows("*"),
            wrap_text=True,
            width="100%",
        )
    return {
        "km_sensitivity": km_sensitivity(pub),
        "model_cards": cards,
        "settings": settings_table(meta.settings),
        "benchmarks": benchmarks_table(meta.settings),
        "settings_source": meta.settings.source,
        "disclosure": pub.disclosure,
        "data_cut": meta.data_cut,
        "rejected_rule": rejected_rule(meta.settings.input.max_rejected_share),
        "data_cut_source": meta.data_cut_source,
        "source": meta.source,
        "tables_present": [table_label(t) for t in meta.tables_present],
        "software_version": meta.software_version,
        "standard_version": meta.standard_version,
        "generated_at": meta.generated_at,
        **table_notes(pub),
    }
