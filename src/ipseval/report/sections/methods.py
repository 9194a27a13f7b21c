"""Methods appendix: every definition and setting used, disclosure control, data provenance and
each table's notes, so a reader can reproduce or challenge any figure."""

from __future__ import annotations

from typing import Any

from ...evaluation import PublishedEvaluation
from ...labels import table_label
from ...settings import settings_rows
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


def build(pub: PublishedEvaluation) -> dict[str, Any] | None:
    meta = pub.meta
    settings = TableSpec(
        id="settings",
        caption="Settings and definitions used",
        columns=[
            Col("name", "Setting", align="left"),
            Col("value", "Value", align="left"),
            Col("description", "What it means", align="left"),
        ],
        rows=[{"name": n, "value": v, "description": d} for n, v, d in settings_rows(meta.settings)],
        wrap_text=True,
        width="100%",
    )
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
        "settings": settings,
        "settings_source": meta.settings.source,
        "disclosure": pub.disclosure,
        "data_cut": meta.data_cut,
        "data_cut_source": meta.data_cut_source,
        "source": meta.source,
        "tables_present": [table_label(t) for t in meta.tables_present],
        "software_version": meta.software_version,
        "standard_version": meta.standard_version,
        "generated_at": meta.generated_at,
        "tables": [{"key": key, "title": t.title, "notes": t.notes} for key, t in pub.tables.items()],
    }
