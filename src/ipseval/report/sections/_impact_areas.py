"""The impact section's local variation (areas, funnel, integration) and comparison-group parts:
selection from protected tables only."""

from __future__ import annotations

from typing import Any

from ...evaluation import PublishedEvaluation
from ...labels import code_label
from ..notes import for_readers
from ..tables import Col, TableSpec
from . import row, rows


def areas(pub: PublishedEvaluation) -> dict[str, Any] | None:
    table = pub.table("area_variation")
    if table is None:
        return None
    area_rows = rows(pub, "area_variation")
    spec = TableSpec(
        id="area-variation",
        caption="Job entry by area, observed and adjusted for who was referred",
        columns=[
            Col("local_authority", "Local authority", align="left"),
            Col("integration", "Integration", align="left"),
            Col("denominator", "Clients", "count"),
            Col("job_entries", "Job entries", "count"),
            Col(
                "rate",
                "Job entry rate (95% CI)",
                "pct_ci",
                ("job_entry_rate", "job_entry_ci_low", "job_entry_ci_high"),
            ),
            Col("expected_job_entries", "Expected", "number"),
            Col(
                "adjusted",
                "Adjusted rate (95% CI)",
                "pct_ci",
                ("adjusted_rate", "adjusted_ci_low", "adjusted_ci_high"),
            ),
            Col("funnel_95", "Funnel (95%)", align="left"),
            Col("adjusted_funnel_95", "Adjusted funnel (95%)", align="left"),
        ],
        rows=[
            {**r, "integration": code_label("integration_strength", r.get("integration_strength") or "")}
            for r in area_rows
        ],
        notes=for_readers(table.notes),
    )
    overall = row(pub, "outcomes", breakdown="overall") or {}
    limits = [
        (r["n"], r["lower_95"], r["upper_95"], r["lower_998"], r["upper_998"])
        for r in rows(pub, "area_funnel_limits")
    ]
    points = [(r["local_authority"], r["denominator"], r["job_entry_rate"]) for r in area_rows]
    panel = None
    if pub.table("integration_panel") is not None:
        panel = TableSpec(
            id="integration-panel",
            caption="Strength of IPS integration into the drug and alcohol team",
            columns=[
                Col("label", "Integration", align="left"),
                Col("areas", "Areas", "count"),
                Col("referrals", "Referrals", "count"),
                Col("referrals_per_area", "Referrals per area", "number"),
                Col(
                    "rate",
                    "Job entry rate (95% CI)",
                    "pct_ci",
                    ("job_entry_rate", "job_entry_ci_low", "job_entry_ci_high"),
                ),
                Col("odds_ratio", "Adjusted OR", "ratio_or_ref"),
                Col("or_ci", "95% CI", "ratio_ci", ("or_ci_low", "or_ci_high")),
                Col("ame_pp", "Adjusted difference", "pp_points"),
                Col("p_value", "p-value", "p_value"),
            ],
            rows=[
                {**r, "label": code_label("integration_strength", r.get("integration_strength") or "")}
                for r in rows(pub, "integration_panel")
            ],
            notes=for_readers(pub.table("integration_panel").notes),
        )
    return {
        "table": spec,
        "limits": limits,
        "points": points,
        "overall": overall.get("job_entry_rate"),
        "panel": panel,
        "gray": row(pub, "time_to_job_by_local_authority_gray"),
    }


def comparison(pub: PublishedEvaluation) -> dict[str, Any] | None:
    found = [(key, row(pub, key, term="ips")) for key in ("comparison_ipw", "comparison_match")]
    found = [(k, r) for k, r in found if r is not None]
    if not found:
        return None
    table = TableSpec(
        id="comparison",
        caption="Effect of IPS on job entry against a comparison group (effect on the treated)",
        columns=[
            Col("method", "Method", align="left"),
            Col("estimate", "Effect", "pp"),
            Col("ci", "95% CI", "pp_ci", ("ci_low", "ci_high")),
            Col("treated_n", "IPS clients", "count"),
            Col("comparison_n", "Comparison", "count"),
            Col("e_value", "E-value", "number"),
        ],
        rows=[{"method": "Weighting (IPW)" if k.endswith("ipw") else "Matching", **r} for k, r in found],
    )
    balance = pub.table(f"{found[0][0]}_balance")
    return {
        "table": table,
        "notes": for_readers(n for k, _r in found for n in pub.table(k).notes),
        "balance": balance.data if balance is not None and balance.data.height else None,
    }
