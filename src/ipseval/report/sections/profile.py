"""Who the service supported: bar charts of key characteristics (the age bands as columns, drawn by
:mod:`..picture_charts`, reached from the template as ``section.charts``), then Table 1 (gtsummary
layout)."""

from __future__ import annotations

from typing import Any

from ...evaluation import PublishedEvaluation
from ...labels import characteristic_label, code_label
from ...schema import UNKNOWN
from .. import picture_charts as charts
from ..format import is_hidden
from ..hidden import DISCLOSURE, SMALL_NUMBERS
from ..tables import Col, TableSpec
from . import rows

__all__ = ["ID", "TITLE", "build", "charts"]

ID = "profile"
TITLE = "Who the service supported"

CHARTED = ("sex", "ethnicity", "main_substance", "time_since_last_job", "benefits", "housing_tenure")


def chart_items(profile_rows: list[dict[str, Any]], characteristic: str) -> list[tuple[str, Any, bool]]:
    """(label, share, is_unknown) per level, in the code list's order, Unknown last."""
    levels = sorted(
        (r for r in profile_rows if r["characteristic"] == characteristic), key=lambda r: r["level_order"]
    )
    return [
        (code_label(characteristic, r["level"]), r["percent"], r["kind"] == "unknown")
        for r in levels
        if r["kind"] != "continuous"
    ]


def table_one(profile_rows: list[dict[str, Any]], clients: Any, notes: list[str]) -> TableSpec:
    """The profile as gtsummary's Table 1: a bold line per characteristic, indented levels."""
    out: list[dict[str, Any]] = []
    seen: list[str] = []
    for r in profile_rows:
        name = r["characteristic"]
        if name not in seen:
            seen.append(name)
            if r["kind"] != "continuous":
                out.append({"label": characteristic_label(name), "kind": "header", "_strong": True})
        if r["kind"] == "continuous":
            out.append({**r, "label": characteristic_label(name), "_strong": True})
        else:
            label = "Unknown" if r["level"] == UNKNOWN else code_label(name, r["level"])
            out.append({**r, "label": label, "_indent": 1})
    return TableSpec(
        id="profile",
        caption="Table 1. Characteristics of clients referred",
        columns=[
            Col("label", "Characteristic", align="left"),
            Col("stat", "N = {n}", "summary_cell", ("kind", "n", "percent", "median", "q1", "q3")),
        ],
        rows=out,
        header={"n": clients},
        notes=notes,
    )


STATISTICS = ("median", "q1", "q3")  # a continuous characteristic's summary in Table 1


def hidden_statistics(profile_rows: list[dict[str, Any]]) -> list[str]:
    """A note for each continuous characteristic (age) whose median and quartiles are hidden ("*"
    in Table 1), saying why in words. They are hidden when the number of clients they rest on is
    (disclosure control: a statistic on a hidden count is hidden too); that number is hidden when
    it, or the Unknown beside it, is small, since the two add up to everyone referred."""
    notes = []
    for r in profile_rows:
        if r["kind"] != "continuous" or not any(is_hidden(r.get(c)) for c in STATISTICS):
            continue
        label = characteristic_label(r["characteristic"])
        if is_hidden(r.get("n")):
            why = (
                "because the number of clients they rest on (those with a value recorded) is hidden: "
                "with the number referred, it would give away a small count"
            )
        else:
            why = SMALL_NUMBERS
        notes.append(f"{label}: the median and interquartile range are not shown (*), {why} {DISCLOSURE}.")
    return notes


def build(pub: PublishedEvaluation) -> dict[str, Any] | None:
    table = pub.table("profile")
    if table is None or table.data.height == 0:
        return None
    profile_rows = rows(pub, "profile")
    clients = profile_rows[0]["clients"]
    present = {r["characteristic"] for r in profile_rows}
    bars = [
        {
            "id": f"profile-{name}",
            "title": characteristic_label(name),
            "bars": chart_items(profile_rows, name),
        }
        for name in CHARTED
        if name in present
    ]
    ages = chart_items(profile_rows, "age_band") if "age_band" in present else []
    return {
        "clients": clients,
        "ages": ages,
        "charts": bars,
        "table": table_one(profile_rows, clients, [*table.notes, *hidden_statistics(profile_rows)]),
    }
