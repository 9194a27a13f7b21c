"""Data quality: rows read, used and rejected per table, and where the problem list is."""

from __future__ import annotations

from typing import Any

from ...evaluation import PublishedEvaluation
from ...labels import table_label
from ..tables import Col, TableSpec
from . import rows

ID = "data_quality"
TITLE = "Data quality"


def build(pub: PublishedEvaluation) -> dict[str, Any] | None:
    table = pub.table("data_quality")
    found = rows(pub, "data_quality")
    spec = None
    if found:
        spec = TableSpec(
            id="data-quality",
            caption="Rows read, used and rejected per table",
            columns=[
                Col("label", "Table", align="left"),
                Col("file", "File", align="left"),
                Col("rows_read", "Rows read", "count"),
                Col("rows_used", "Rows used", "count"),
                Col("rows_rejected", "Rows rejected", "count"),
                Col("errors", "Errors", "count"),
                Col("warnings", "Warnings", "count"),
            ],
            rows=[{**r, "label": table_label(r["table"])} for r in found],
            notes=list(table.notes) if table else [],
        )
    problems = pub.meta.problems or {}
    return {
        "table": spec,
        "errors": problems.get("error", 0),
        "warnings": problems.get("warning", 0),
        "excluded_with_client": problems.get("excluded_with_client", 0),
        "source": pub.meta.source,
    }
