"""What staff and clients said: how the interviews were coded, themes by role and by the area's
integration strength, the quote bank, what clients valued and the tone of what they said.

Selection and formatting only: every count, share and the choice of which quotes may be shown
(the small-cell rule) come from the protected ``qualitative_*`` tables. Quotes carry the
speaker's role only.
"""

from __future__ import annotations

from typing import Any

from ...evaluation import PublishedEvaluation
from ...labels import code_label
from .. import qualitative_charts as charts
from ..format import and_list, is_hidden
from ..tables import Col, TableSpec
from . import rows, visible

__all__ = ["ID", "TITLE", "build", "charts"]

ID = "qualitative"
TITLE = "What staff and clients said"

CLIENT_THEME = "client_valued"
# role code -> (one person, the group)
ROLES: dict[str, tuple[str, str]] = {
    "client": ("Client", "Clients"),
    "ips_staff": ("Employment specialist", "IPS staff"),
    "treatment_staff": ("Treatment staff", "Treatment staff"),
    "commissioner": ("Commissioner", "Commissioners"),
    "employer": ("Employer", "Employers"),
    "unknown": ("Role not recorded", "Role not recorded"),
    "not recorded": ("Role not recorded", "Role not recorded"),
}
STRENGTHS = ("strong", "moderate", "weak", "not recorded")
METHODS = {
    "embedding": "by meaning: a sentence-embedding model compared each segment with the codebook's "
    "definitions and examples",
    "keyword": "by the codebook's keywords: each segment was scored by the keywords and phrases it contains",
}


def role_label(role: str, plural: bool = False) -> str:
    one, many = ROLES.get(role, (role.replace("_", " ").capitalize(),) * 2)
    return many if plural else one


def strength_label(code: str) -> str:
    return "Not recorded" if code == "not recorded" else code_label("integration_strength", code)


def _role_order(role: str) -> tuple[int, str]:
    order = list(ROLES)
    return (order.index(role) if role in order else len(order), role)


def _codes(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The codebook rows (theme and sub-theme) in codebook order, once each."""
    seen: dict[str, dict[str, Any]] = {}
    for r in sorted(found, key=lambda r: r["order"]):
        seen.setdefault(r["code"], r)
    return list(seen.values())


def _label_row(r: dict[str, Any]) -> dict[str, Any]:
    theme = r["level"] == "theme"
    return {"label": r["label"], "_strong": theme, "_indent": 0 if theme else 1}


def _groups(found: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Each group (role, strength) once, with its interviews and segments (protected)."""
    out: dict[str, dict[str, Any]] = {}
    for r in found:
        out.setdefault(
            r[key], {"code": r[key], "interviews": r["total_interviews"], "segments": r["total_segments"]}
        )
    return list(out.values())


def _grid(
    found: list[dict[str, Any]], key: str, groups: list[str], labels: list[str], value: str
) -> tuple[list[tuple[str, bool]], list[str], list[list[Any]]]:
    codes = _codes(found)
    cell = {(r["code"], r[key]): r for r in found}
    return (
        [(r["label"], r["level"] == "theme") for r in codes],
        labels,
        [[cell.get((r["code"], g), {}).get(value) for g in groups] for r in codes],
    )


def who_table(roles: list[dict[str, Any]]) -> TableSpec:
    return TableSpec(
        id="qualitative-who",
        caption="Interviews and segments by role",
        columns=[
            Col("label", "Role", align="left"),
            Col("interviews", "Interviews", "count"),
            Col("segments", "Segments", "count"),
        ],
        rows=[{**r, "label": role_label(r["code"], plural=True)} for r in roles],
        notes=[
            "A segment is one answer, or part of a long answer; the interviewer's questions are not counted."
        ],
    )


def themes_by_role_table(found: list[dict[str, Any]], roles: list[dict[str, Any]]) -> TableSpec:
    """Interviews per theme and role; a role whose every figure is hidden gets no column (a
    column of '*' says nothing), and a note names it instead."""
    cell = {(r["code"], r["role"]): r for r in found}
    all_hidden = [
        g
        for g in roles
        if is_hidden(g["interviews"])
        and all(is_hidden(r["interviews"]) for r in found if r["role"] == g["code"])
    ]
    roles = [g for g in roles if g not in all_hidden]
    columns = [Col("label", "Theme", align="left")]
    header: dict[str, Any] = {}
    for i, g in enumerate(roles):
        columns.append(
            Col(f"r{i}", f"{role_label(g['code'], True)} (N = {{n{i}}})", "n_pct", (f"n{i}_n", f"n{i}_p"))
        )
        header[f"n{i}"] = g["interviews"]
    out = []
    for r in _codes(found):
        row = _label_row(r)
        for i, g in enumerate(roles):
            c = cell.get((r["code"], g["code"]), {})
            row[f"n{i}_n"], row[f"n{i}_p"] = c.get("interviews"), c.get("share_interviews")
        out.append(row)
    return TableSpec(
        id="qualitative-themes-by-role",
        caption="Interviews in which each theme came up, by role",
        columns=columns,
        rows=out,
        header=header,
        notes=[
            "Number of interviews in which at least one segment was coded to the theme (percentage "
            "of the role's interviews; N = the role's interviews). A theme row counts an interview "
            "once however many of its sub-themes came up.",
            *(
                [
                    f"Not shown: {and_list([role_label(g['code'], True).lower() for g in all_hidden])}, "
                    "whose interviews are too few to show (disclosure control); the grid above shows "
                    "what share of their segments each theme had."
                ]
                if all_hidden
                else []
            ),
        ],
    )


def themes_by_strength_table(found: list[dict[str, Any]], strengths: list[dict[str, Any]]) -> TableSpec:
    cell = {(r["code"], r["integration_strength"]): r for r in found}
    columns = [Col("label", "Theme", align="left")]
    header: dict[str, Any] = {}
    for i, g in enumerate(strengths):
        columns.append(
            Col(f"s{i}", f"{strength_label(g['code'])} (N = {{n{i}}})", "n_pct", (f"s{i}_n", f"s{i}_p"))
        )
        header[f"n{i}"] = g["segments"]
    out = []
    for r in _codes(found):
        row = _label_row(r)
        for i, g in enumerate(strengths):
            c = cell.get((r["code"], g["code"]), {})
            row[f"s{i}_n"], row[f"s{i}_p"] = c.get("segments"), c.get("share_segments")
        out.append(row)
    return TableSpec(
        id="qualitative-themes-by-integration",
        caption="Segments coded to each theme, by the area's integration strength",
        columns=columns,
        rows=out,
        header=header,
        notes=[
            "Number of segments coded to the theme (percentage of all segments from interviews in "
            "areas of that integration strength; N = those segments). Integration strength comes "
            "from the areas table; 'Not recorded' = an interview's area is not in it."
        ],
    )


def strands_table(strands: list[dict[str, Any]], tone: dict[str, dict[str, Any]]) -> TableSpec:
    return TableSpec(
        id="qualitative-client-strands",
        caption="Client interviews and segments by strand",
        columns=[
            Col("label", "Strand", align="left"),
            Col("iv", "Client interviews", "n_pct", ("interviews", "share_interviews")),
            Col("seg", "Clients' segments", "n_pct", ("segments", "share_segments")),
            Col("positive", "Positive in tone", "pct"),
        ],
        rows=[{**r, "positive": tone.get(r["code"], {}).get("share_positive")} for r in strands],
        notes=[
            "Client interviews in which the strand came up and clients' segments coded to it "
            "(percentages of all client interviews and segments). Positive in tone: the share of "
            "those segments that VADER scores as positive (see below)."
        ],
    )


def tone_table(tone_rows: list[dict[str, Any]]) -> TableSpec:
    return TableSpec(
        id="qualitative-sentiment",
        caption="Clients' segments by tone",
        columns=[
            Col("label", "", align="left"),
            Col("segments", "Segments", "count"),
            Col("pos", "Positive", "n_pct", ("positive", "share_positive")),
            Col("neu", "Neutral", "n_pct", ("neutral", "share_neutral")),
            Col("neg", "Negative", "n_pct", ("negative", "share_negative")),
            Col("mean_compound", "Mean score (−1 to +1)", "ratio"),
        ],
        rows=[
            {**r, "_strong": r["group"] == "all", "_indent": 0 if r["group"] == "all" else 1}
            for r in tone_rows
        ],
    )


def problems_table(found: list[dict[str, Any]]) -> TableSpec:
    return TableSpec(
        id="qualitative-problems",
        caption="Transcripts with problems",
        columns=[
            Col("file", "File", align="left"),
            Col("severity", "Severity", align="left"),
            Col("problem", "Problem", align="left"),
        ],
        rows=found,
        wrap_text=True,
    )


def quote_groups(quotes: list[dict[str, Any]], themes: list[str]) -> list[dict[str, Any]]:
    """Quotes per theme, then sub-theme, in codebook order: the quotes shown (text and role) and
    how many were withheld by the small-cell rule."""
    out: dict[str, dict[str, Any]] = {}
    for q in sorted(quotes, key=lambda q: q["order"]):
        if q["theme"] not in themes:
            continue
        theme = out.setdefault(q["theme"], {"code": q["theme"], "label": q["theme_label"], "codes": {}})
        sub = theme["codes"].setdefault(
            q["code"], {"code": q["code"], "label": q["label"], "quotes": [], "withheld": 0}
        )
        if q["withheld"] or not q["quote"]:
            sub["withheld"] += 1
        else:
            sub["quotes"].append({"text": q["quote"], "role": role_label(q["role"])})
    return [{**t, "codes": list(t["codes"].values())} for t in out.values()]


def build(pub: PublishedEvaluation) -> dict[str, Any] | None:
    if pub.table("qualitative_themes_by_role") is None:
        return None
    coding = {r["item"]: r["value"] for r in rows(pub, "qualitative_coding")}
    analyst = coding.get("coding") == "analyst"
    overall = rows(pub, "qualitative_themes")
    by_role = rows(pub, "qualitative_themes_by_role")
    roles = sorted(_groups(by_role, "role"), key=lambda g: _role_order(g["code"]))
    by_strength = rows(pub, "qualitative_themes_by_integration")
    strengths = [g for s in STRENGTHS for g in _groups(by_strength, "integration_strength") if g["code"] == s]
    role_codes = [g["code"] for g in roles]
    strength_codes = [g["code"] for g in strengths]

    integration = {
        r["integration_strength"]: r
        for r in by_strength
        if r["code"] == "integration" and r["level"] == "theme"
    }
    compare = None
    strong, weak = integration.get("strong"), integration.get("weak")
    if strong and weak and visible(strong["share_segments"]) and visible(weak["share_segments"]):
        compare = {"strong": strong["share_segments"], "weak": weak["share_segments"]}

    quotes = rows(pub, "qualitative_quotes")
    themes = [r["code"] for r in _codes(overall) if r["level"] == "theme"]
    quote_bank = quote_groups(quotes, [t for t in themes if t != CLIENT_THEME])
    strand_quotes = {c["code"]: c for g in quote_groups(quotes, [CLIENT_THEME]) for c in g["codes"]}
    shown = sum(1 for q in quotes if not q["withheld"] and q["quote"])
    withheld = sum(1 for q in quotes if q["withheld"])

    strands = sorted(rows(pub, "qualitative_client_strands"), key=lambda r: r["order"])
    tone_rows = sorted(rows(pub, "qualitative_sentiment"), key=lambda r: r["order"])
    tone = {r["group"]: r for r in tone_rows}
    all_tone = tone.get("all")
    problems = rows(pub, "qualitative_problems")

    method = coding.get("method", "")
    return {
        "analyst": analyst,
        "method": method,
        "method_text": METHODS.get(method, method),
        "quote_selection": coding.get("quote_selection", ""),
        "threshold": coding.get("quote_threshold", ""),
        "sentiment_method": coding.get("sentiment_method", ""),
        "codebook": coding.get("codebook", ""),
        "total": overall[0] if overall else None,
        "n_roles": len(roles),
        "roles": [role_label(r, plural=True) for r in role_codes],
        # mid-sentence: lower-case the first letter, but keep acronyms ("IPS staff")
        "roles_in_text": [
            lab if lab[:2].isupper() else lab[:1].lower() + lab[1:]
            for lab in (role_label(r, plural=True) for r in role_codes)
        ],
        "who_table": who_table(roles) if roles else None,
        "role_grid": _grid(
            by_role, "role", role_codes, [role_label(r, True) for r in role_codes], "share_segments"
        )
        if roles
        else None,
        "role_table": themes_by_role_table(by_role, roles) if roles else None,
        "strength_grid": _grid(
            by_strength,
            "integration_strength",
            strength_codes,
            [strength_label(s) for s in strength_codes],
            "share_segments",
        )
        if strengths
        else None,
        "strength_table": themes_by_strength_table(by_strength, strengths) if strengths else None,
        "compare": compare,
        "quote_bank": quote_bank,
        "quotes_shown": shown,
        "quotes_withheld": withheld,
        "strands": [
            {
                **r,
                "quotes": strand_quotes.get(r["code"], {}).get("quotes", []),
                "withheld": strand_quotes.get(r["code"], {}).get("withheld", 0),
            }
            for r in strands
        ],
        "strands_table": strands_table(strands, tone) if strands else None,
        "tone": all_tone,
        "tone_visible": bool(all_tone) and visible(all_tone["share_positive"]),
        "tone_hidden": bool(all_tone) and is_hidden(all_tone["share_positive"]),
        "tone_bars": [
            (r["label"], r["share_positive"], r["share_neutral"], r["share_negative"]) for r in tone_rows
        ],
        "tone_table": tone_table(tone_rows) if tone_rows else None,
        "problems": problems,
        "problems_table": problems_table(problems) if problems else None,
    }
