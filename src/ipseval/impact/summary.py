"""The plain-text summary of an impact result (:meth:`ImpactResult.summary`)."""

from __future__ import annotations

import math
import textwrap
from typing import Any

CARD_LINES = ("model", "formula", "outcome", "n", "events", "clusters", "se_type", "converged",
              "method", "treated", "comparison")  # fmt: skip
RATIOS = (("odds_ratio", "or_ci_low", "or_ci_high", "OR"), ("hazard_ratio", "hr_ci_low", "hr_ci_high", "HR"))


def _num(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.4g}" if abs(v) >= 1e-4 or v == 0 else f"{v:.2e}"
    return str(v)


def _ratio(columns: list[str]) -> tuple[str, str, str, str] | None:
    return next((r for r in RATIOS if r[0] in columns), None)


def summary_text(result: Any, width: int = 88) -> str:
    """``result`` (an ImpactResult) as text ``width`` characters wide."""
    rule = "=" * width
    lines = [rule, f"ipseval {result.name}".center(width), rule]
    for key in CARD_LINES:
        if key in result.card and result.card[key] not in (None, ""):
            text = f"{key}: {_num(result.card[key])}"
            lines += textwrap.wrap(text, width, subsequent_indent="    ")
    lines.append("-" * width)
    ratio = _ratio(result.table.columns)
    head = ["term", "estimate", "std err", "95% CI", "p"] + (
        [ratio[3], f"{ratio[3]} 95% CI"] if ratio else []
    )
    rows = [head]
    for r in result.table.iter_rows(named=True):
        name = r["term"] + (f"[{r['level']}]" if r["level"] else "")
        if r["reference"]:
            rows.append([name, "(reference)", "", "", ""] + (["1", ""] if ratio else []))
            continue
        row = [name, _num(r["estimate"]), _num(r["std_error"]),
               f"{_num(r['ci_low'])} to {_num(r['ci_high'])}", _num(r["p_value"])]  # fmt: skip
        if ratio:
            row += [_num(r[ratio[0]]), f"{_num(r[ratio[1]])} to {_num(r[ratio[2]])}"]
        rows.append(row)
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(head))]
    for j, row in enumerate(rows):
        cells = [str(c).ljust(widths[0]) if i == 0 else str(c).rjust(widths[i]) for i, c in enumerate(row)]
        lines.append("  ".join(cells))
        if j == 0:
            lines.append("-" * width)
    if result.notes:
        lines.append("-" * width)
        for note in result.notes:
            lines += textwrap.wrap(note, width)
    lines.append(rule)
    return "\n".join(lines)
