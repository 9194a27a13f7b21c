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
                *([Col("rows_left_out", "Rows left out", "count")] if _any_left_out(found) else []),
                Col("errors", "Errors", "count"),
                Col("warnings", "Warnings", "count"),
            ],
            rows=[{**r, "label": table_label(r["table"])} for r in found],
            notes=list(table.notes) if table else [],
        )
    problems = pub.meta.problems or {}
    return {
        "clients": next((r for r in found if r["table"] == "clients"), None),
        "demo": is_demo(pub),
        "loss": _loss(pub),
        "table": spec,
        "errors": problems.get("error", 0),
        "warnings": problems.get("warning", 0),
        "excluded_with_client": problems.get("excluded_with_client", 0),
        "left_out": sum(r.get("rows_left_out") or 0 for r in found),
        # a file giving two tables (meetings and employer contacts) has each row left out of the
        # table it is no record of: the sum counts such a row once per table, which is said
        "left_out_per_table": _file_gives_two(found),
        "source": pub.meta.source,
        "notes": list(pub.meta.data_notes),
    }


DEMO_MARK = "synthetic demo"  # in the service name the demo's settings file gives


def is_demo(pub: PublishedEvaluation) -> bool:
    """Whether the data are ipseval's synthetic demo (its settings name the service so)."""
    return DEMO_MARK in pub.meta.service_name.lower()


def _loss(pub: PublishedEvaluation) -> dict[str, Any] | None:
    """How much disclosure control hid: the tables that lost most, and the release as a whole."""
    table = pub.table("disclosure_loss")
    if table is None or not table.data.height or pub.disclosure.get("name") == "none":
        return None
    found = [r for r in rows(pub, "disclosure_loss") if r["hidden"]]
    found.sort(key=lambda r: (-r["share_hidden"], r["title"]))
    spec = TableSpec(
        id="disclosure-loss",
        caption="Counts hidden to protect people, by table",
        columns=[
            Col("title", "Table", align="left"),
            Col("counts", "Counts", "count"),
            Col("hidden", "Hidden", "count"),
            Col("share_hidden", "Share hidden", "pct"),
        ],
        rows=found,
        notes=list(table.notes),
    )
    return {"table": spec if found else None, "notes": list(table.notes)}


def _file_gives_two(found: list[dict[str, Any]]) -> bool:
    """Whether a file with rows left out gives more than one table."""
    tables: dict[str, set[str]] = {}
    for r in found:
        if r.get("rows_left_out"):
            tables.setdefault(str(r.get("file")), set()).add(r["table"])
    return any(len(t) > 1 for t in tables.values())


def _any_left_out(found: list[dict[str, Any]]) -> bool:
    """Whether any table had rows left out (not records of it): their column is shown only then."""
    return any(r.get("rows_left_out") for r in found)
