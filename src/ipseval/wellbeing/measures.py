"""What each wellbeing measure is: its range, which direction is better, and its domain.

The built-in definitions (TOP and SURE) are data, in the same CSV layout an evaluator uses for a
service's own questionnaire (``[wellbeing] measures_file``), so both are read by one reader.

Domains are those of the published evaluation. How TOP and SURE map onto them is a judgement,
written down here and changeable through the measures file (a row for a built-in measure replaces
it):

- substance recovery: TOP days of use (alcohol, opiates, crack, cocaine, cannabis, other drugs in
  the past 28 days) and SURE drug and alcohol use;
- physical health: TOP physical health;
- mental health: TOP psychological health;
- resilience: SURE outlook on life (coping with problems, hope for the future) and SURE material
  resources (a stable home, money, meaningful activity: the "recovery capital" to fall back on);
- relationships: SURE relationships;
- positive behaviours and attitudes: SURE self-care (eating, sleeping, looking after oneself) and
  TOP quality of life (a client's own rating of how they are living).

SURE total has no domain: it sums the SURE domains, so it is reported as a measure only. A
measure's ``part_of`` names the measure of its instrument it adds up into (SURE's domains, into its
total): a total written beside all its parts is checked against their sum (see wellbeing.items). The
Warwick-Edinburgh Mental Wellbeing Scale, common in UK services, is built in by its total: WEMWBS
(14 items scored 1..5, total 14..70) and its short form SWEMWBS (7 items, raw total 7..35; the
metric conversion is not applied), both higher better, in the mental health domain. Their item
rows (item_01 ...) are range-checked, not analysed (wellbeing.items). TOP days
of use are analysed only for clients using that substance at baseline (``users_only``), as NDTMS
reports them: a client who did not use a substance cannot improve on it, and counting them would
dilute the change among those who did. SURE ranges are its item counts times 1..3 (21 items).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import polars as pl

from ..schema import BOOL_FALSE, BOOL_TRUE
from ..settings import Settings, SettingsError

# code -> label, in the order the report shows them
DOMAINS: dict[str, str] = {
    "substance_recovery": "Substance recovery",
    "physical_health": "Physical health",
    "mental_health": "Mental health",
    "resilience": "Resilience",
    "relationships": "Relationships",
    "positive_behaviours": "Positive behaviours and attitudes",
}

BUILTIN_MEASURES_CSV = """\
instrument,measure,label,min,max,higher_is_better,domain,users_only,part_of
TOP,psychological_health,Psychological health (TOP),0,20,yes,mental_health,no,
TOP,physical_health,Physical health (TOP),0,20,yes,physical_health,no,
TOP,quality_of_life,Quality of life (TOP),0,20,yes,positive_behaviours,no,
TOP,days_alcohol,Days drinking alcohol (TOP),0,28,no,substance_recovery,yes,
TOP,days_opiates,Days using opiates (TOP),0,28,no,substance_recovery,yes,
TOP,days_crack,Days using crack cocaine (TOP),0,28,no,substance_recovery,yes,
TOP,days_cocaine,Days using cocaine (TOP),0,28,no,substance_recovery,yes,
TOP,days_cannabis,Days using cannabis (TOP),0,28,no,substance_recovery,yes,
TOP,days_other,Days using other drugs (TOP),0,28,no,substance_recovery,yes,
SURE,substance_use,Drug and alcohol use (SURE),6,18,yes,substance_recovery,no,total
SURE,self_care,Self-care (SURE),5,15,yes,positive_behaviours,no,total
SURE,relationships,Relationships (SURE),4,12,yes,relationships,no,total
SURE,material_resources,Material resources (SURE),3,9,yes,resilience,no,total
SURE,outlook_on_life,Outlook on life (SURE),3,9,yes,resilience,no,total
SURE,total,Total score (SURE),21,63,yes,,no,
WEMWBS,total,Mental wellbeing (WEMWBS total),14,70,yes,mental_health,no,
SWEMWBS,total,Mental wellbeing (SWEMWBS raw total),7,35,yes,mental_health,no,
"""

REQUIRED = ("instrument", "measure", "min", "max", "higher_is_better", "domain")
OPTIONAL = ("label", "users_only", "part_of")

MEASURE_SCHEMA = {
    "instrument": pl.Utf8,  # as written in the definitions (e.g. "TOP")
    "measure": pl.Utf8,
    "key": pl.Utf8,  # "top|psychological_health": how data rows are matched (case-insensitive)
    "label": pl.Utf8,
    "scale_min": pl.Float64,
    "scale_max": pl.Float64,
    "higher_is_better": pl.Boolean,
    "domain": pl.Utf8,  # domain code; "" = none (reported as a measure only)
    "domain_label": pl.Utf8,
    "users_only": pl.Boolean,
    "part_of": pl.Utf8,  # the measure of the same instrument this one adds up into ("" = none)
    "measure_order": pl.Int64,
}


def measure_key(instrument: str, measure: str) -> str:
    """How an assessment row finds its definition: case and surrounding spaces ignored."""
    return f"{instrument.strip().lower()}|{measure.strip().lower()}"


def _code(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


_DOMAIN_ALIASES = {_code(label): code for code, label in DOMAINS.items()} | {c: c for c in DOMAINS}


def domain_code(text: str) -> tuple[str, str]:
    """(code, label) for a domain as written in a measures file: one of :data:`DOMAINS` by code or
    label (any case), or a service's own domain (its text as the label); ("", "") for none."""
    if not text.strip():
        return "", ""
    code = _DOMAIN_ALIASES.get(_code(text))
    if code:
        return code, DOMAINS[code]
    return _code(text), text.strip()


def _bool(value: str) -> bool | None:
    v = value.strip().lower()
    if v in BOOL_TRUE:
        return True
    if v in BOOL_FALSE:
        return False
    return None


def parse_measures(text: str, source: str) -> list[dict]:
    """Rows of a measures CSV as definitions; every problem found is raised at once, each with
    the row number as a spreadsheet shows it (header = row 1)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise SettingsError(f"{source}: the measures file is empty") from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise SettingsError(f"{source}: the measures file lacks column(s) {', '.join(missing)}")
    problems: list[str] = []
    out: list[dict] = []
    seen: set[str] = set()
    for row_no, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        r = dict(zip(header, [v.strip() for v in values], strict=False))
        where = f"row {row_no}"
        if not r.get("instrument") or not r.get("measure"):
            problems.append(f"{where}: instrument and measure are required")
            continue
        try:
            lo, hi = float(r["min"]), float(r["max"])
        except (KeyError, ValueError):
            problems.append(f"{where}: min and max must be numbers (got {r.get('min')!r}, {r.get('max')!r})")
            continue
        if not lo < hi:
            problems.append(f"{where}: min ({lo:g}) must be below max ({hi:g})")
        better = _bool(r.get("higher_is_better", ""))
        if better is None:
            problems.append(
                f"{where}: higher_is_better must be yes or no (got {r.get('higher_is_better')!r})"
            )
        users = _bool(r.get("users_only") or "no")
        if users is None:
            problems.append(f"{where}: users_only must be yes or no (got {r.get('users_only')!r})")
        key = measure_key(r["instrument"], r["measure"])
        if key in seen:
            problems.append(f"{where}: {r['instrument']} {r['measure']} is defined twice")
        seen.add(key)
        code, dlabel = domain_code(r.get("domain", ""))
        out.append(
            {
                "instrument": r["instrument"],
                "measure": r["measure"],
                "key": key,
                "label": r.get("label")
                or f"{r['measure'].replace('_', ' ').capitalize()} ({r['instrument']})",
                "scale_min": lo,
                "scale_max": hi,
                "higher_is_better": bool(better),
                "domain": code,
                "domain_label": dlabel,
                "users_only": bool(users),
                "part_of": r.get("part_of", "").strip().lower(),
            }
        )
    if problems:
        raise SettingsError(f"{source}: " + "; ".join(problems))
    return out


def measures_path(settings: Settings) -> Path | None:
    """The measures file, a relative path read from the settings file's folder."""
    name = settings.wellbeing.measures_file
    if not name:
        return None
    path = Path(name)
    if not path.is_absolute() and settings.source:
        path = Path(settings.source).parent / path
    return path


def load_measures(settings: Settings) -> pl.DataFrame:
    """Every measure definition in force: the built-in TOP and SURE ones, replaced or extended by
    the settings' measures file. One row per measure, in report order (built-in first)."""
    rows = {r["key"]: r for r in parse_measures(BUILTIN_MEASURES_CSV, "built-in measures")}
    path = measures_path(settings)
    if path is not None:
        if not path.is_file():
            raise SettingsError(f"wellbeing.measures_file: file not found: {path}")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise SettingsError(f"{path}: the measures file is not UTF-8 text") from None
        for r in parse_measures(text, str(path)):
            rows[r["key"]] = r  # a service's definition replaces the built-in one
    ordered = [{**r, "measure_order": i} for i, r in enumerate(rows.values(), start=1)]
    frame = pl.DataFrame(ordered, schema=MEASURE_SCHEMA)
    if path is not None:  # a service's parts must add up to their whole (wellbeing.items)
        from .items import parts_of

        parts_of(frame)
    return frame


def domains_in_use(measures: pl.DataFrame) -> list[tuple[str, str]]:
    """(code, label) of every domain some measure belongs to: the evaluation's six in their order,
    then a service's own domains in the order they first appear."""
    used = {c: label for c, label in measures.select("domain", "domain_label").iter_rows() if c}
    known = [(c, label) for c, label in DOMAINS.items() if c in used]
    return known + [(c, label) for c, label in used.items() if c not in DOMAINS]
