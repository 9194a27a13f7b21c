"""Regression tables for the report in gtsummary's layout (OR | 95% CI | p-value, models side
by side, reference levels as 'Ref'): selection and arrangement of protected model tables only.
"""

from __future__ import annotations

from typing import Any

from ...evaluation import PublishedEvaluation
from ...labels import characteristic_label, code_label
from ..notes import for_readers
from ..tables import Col, TableSpec
from . import rows

MEETING_TERM = "meeting_band"


def term_label(term: str) -> str:
    if term == MEETING_TERM:
        return "IPS meetings attended"
    if term == "(Intercept)":
        return "Intercept"
    return characteristic_label(term)


def level_label(term: str, level: Any) -> str:
    if level in (None, ""):
        return ""
    if term == MEETING_TERM:
        return str(level)
    return code_label(term, str(level))


def _model_rows(pub: PublishedEvaluation, key: str) -> list[dict[str, Any]]:
    return [r for r in rows(pub, key) if r.get("term") != "(Intercept)"]


def regression_table(
    pub: PublishedEvaluation,
    table_id: str,
    caption: str,
    models: list[tuple[str, str]],
    terms: list[str] | None = None,
    ratio: tuple[str, str, str] = ("odds_ratio", "or_ci_low", "or_ci_high"),
    ratio_name: str = "OR",
    ame: bool = False,
) -> TableSpec | None:
    """gtsummary's tbl_merge layout: one stub of terms and levels, then ratio, CI and p per model."""
    present = [(key, label) for key, label in models if pub.table(key) is not None]
    if not present:
        return None
    order: list[tuple[str, str]] = []
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    for i, (key, _label) in enumerate(present):
        for r in _model_rows(pub, key):
            if terms is not None and r["term"] not in terms:
                continue
            k = (r["term"], r.get("level") or "")
            if k not in cells:
                order.append(k)
                cells[k] = {}
            cells[k].update(
                {
                    f"ratio_{i}": "Ref" if r.get("reference") else r.get(ratio[0]),
                    f"low_{i}": None if r.get("reference") else r.get(ratio[1]),
                    f"high_{i}": None if r.get("reference") else r.get(ratio[2]),
                    f"p_{i}": None if r.get("reference") else r.get("p_value"),
                    f"ame_{i}": None if r.get("reference") else r.get("ame"),
                }
            )
    out: list[dict[str, Any]] = []
    seen_terms: set[str] = set()
    for term, level in order:
        if level and term not in seen_terms:
            blank = {
                f"{part}_{i}": ""
                for i in range(len(present))
                for part in ("ratio", "low", "high", "p", "ame")
            }
            out.append({"label": term_label(term), "_strong": True, **blank})
        seen_terms.add(term)
        label = level_label(term, level) if level else term_label(term)
        out.append({"label": label, "_indent": 1 if level else 0, **cells[(term, level)]})
    columns = [Col("label", "Characteristic", align="left")]
    for i, (_key, model_label) in enumerate(present):
        prefix = f"{model_label}: " if len(present) > 1 else ""
        columns += [
            Col(f"ratio_{i}", f"{prefix}{ratio_name}", "ratio_or_ref"),
            Col(f"ci_{i}", "95% CI", "ratio_ci", (f"low_{i}", f"high_{i}")),
            Col(f"p_{i}", "p-value", "p_value_marked"),
        ]
        if ame:
            columns.append(Col(f"ame_{i}", "Marginal effect", "pp"))
    notes = [SIGNIFICANCE_NOTE]
    if ame:
        notes.append(
            "Marginal effect: the average difference in the chance of moving into work against the "
            "reference level, in percentage points."
        )
    for key, _label in present:
        notes += [n for n in pub.table(key).notes if not n.startswith(EXPLANATION_START)]
    return TableSpec(id=table_id, caption=caption, columns=columns, rows=out, notes=for_readers(notes))


SIGNIFICANCE_NOTE = "‡ p < 0.05: conventionally called statistically significant."


# The dose-response models carry a plain-English explanation for commissioners as their last
# note; the section shows it once, as prose, rather than under every table.
EXPLANATION_START = "Why this differs from the published evaluation"


def dose_explanation(pub: PublishedEvaluation) -> str | None:
    for key in ("impact_hazard", "impact_landmark"):
        table = pub.table(key)
        for note in table.notes if table is not None else []:
            if note.startswith(EXPLANATION_START):
                return note
    return None
