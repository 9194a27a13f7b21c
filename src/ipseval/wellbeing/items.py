"""The parts a wellbeing total adds up: built-in questionnaire items, and measures marked ``part_of``.

The Warwick-Edinburgh Mental Wellbeing Scale (WEMWBS; Tennant et al. 2007, Health and Quality of
Life Outcomes 5:63) has 14 items, each scored 1 (none of the time) to 5 (all of the time), and its
total is their sum, 14 to 70. The short form SWEMWBS (Stewart-Brown et al. 2009) has 7 of them
(WEMWBS items 1, 2, 3, 6, 7, 9 and 11), raw total 7 to 35. Their item rows are written with the
measure ``item_01`` ... ``item_14`` (SWEMWBS: ``item_01`` ... ``item_07`` in its own order). The
items are built in here, not among the measures (wellbeing.measures): a score outside 1 to 5 is an
error on its row at validation, but only the totals are analysed (computed from the items where
the export writes none: validate_computed).

Other parts: a measure whose ``part_of`` names another measure of its instrument (SURE's five
domains add up into its total; a service's own questionnaire may say so in its measures file).

:func:`parts` lists them all, one row per part with the whole it adds into, for the check of a
total written beside its parts (validate_totals). The parts of a whole must add up to the whole's
range (14 items of 1-5 make 14-70): a measures file that says otherwise cannot be checked against,
and is a settings error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from ..settings import SettingsError
from .measures import load_measures, measure_key

if TYPE_CHECKING:
    from ..settings import Settings

# instrument -> (number of items, lowest and highest item score, the measure they add up into)
BUILTIN_ITEMS: dict[str, tuple[int, float, float, str]] = {
    "WEMWBS": (14, 1, 5, "total"),
    "SWEMWBS": (7, 1, 5, "total"),
}
ITEM = "item_{:02d}"
PART_SCHEMA = {
    "key": pl.Utf8,  # the part's instrument|measure key (measures.measure_key)
    "instrument": pl.Utf8,
    "measure": pl.Utf8,
    "scale_min": pl.Float64,
    "scale_max": pl.Float64,
    "whole_key": pl.Utf8,  # the instrument|measure key of the total it adds into
    "whole": pl.Utf8,  # that total's measure, as the definitions write it
    "n_parts": pl.Int64,  # how many parts that total has
}


def builtin_items() -> list[dict]:
    """One definition per built-in item: instrument, measure, key, scale_min, scale_max, part_of."""
    out = []
    for instrument, (n, lo, hi, whole) in BUILTIN_ITEMS.items():
        for k in range(1, n + 1):
            measure = ITEM.format(k)
            out.append(
                {
                    "instrument": instrument,
                    "measure": measure,
                    "key": measure_key(instrument, measure),
                    "scale_min": float(lo),
                    "scale_max": float(hi),
                    "part_of": whole,
                }
            )
    return out


def item_ranges() -> pl.DataFrame:
    """key, instrument, measure, scale_min, scale_max of every built-in item (validate_wellbeing
    checks their scores as it checks the measures')."""
    cols = ("key", "instrument", "measure", "scale_min", "scale_max")
    return pl.DataFrame(
        [{c: r[c] for c in cols} for r in builtin_items()], schema={c: PART_SCHEMA[c] for c in cols}
    )


def parts(settings: Settings) -> pl.DataFrame:
    """Every part of a wellbeing total in force (see the module docstring), one row each
    (PART_SCHEMA); SettingsError when a measures file names a whole that is not defined or parts
    whose ranges do not add up to the whole's."""
    return parts_of(load_measures(settings))


def parts_of(measures: pl.DataFrame) -> pl.DataFrame:
    """:func:`parts`, given the measures in force (wellbeing.measures.load_measures)."""
    defined = {r["key"]: r for r in measures.iter_rows(named=True)}
    rows = {r["key"]: r for r in builtin_items() if r["key"] not in defined}
    rows |= {k: r for k, r in defined.items() if r["part_of"]}
    by_whole: dict[str, list[dict]] = {}
    for r in rows.values():
        by_whole.setdefault(measure_key(r["instrument"], r["part_of"]), []).append(r)
    problems, out = [], []
    for whole_key, members in by_whole.items():
        whole = defined.get(whole_key)
        name = f"{members[0]['instrument']} {members[0]['part_of']}"
        if whole is None:
            problems.append(
                f"{name}: its parts ({', '.join(m['measure'] for m in members)}) add into no defined measure"
            )
            continue
        lo, hi = sum(m["scale_min"] for m in members), sum(m["scale_max"] for m in members)
        if (lo, hi) != (whole["scale_min"], whole["scale_max"]):
            problems.append(
                f"{name}: its {len(members)} parts add up to {lo:g}-{hi:g}, not its range of "
                f"{whole['scale_min']:g}-{whole['scale_max']:g}"
            )
            continue
        out += [
            {**{c: m[c] for c in ("key", "instrument", "measure", "scale_min", "scale_max")},
             "whole_key": whole_key, "whole": whole["measure"], "n_parts": len(members)}
            for m in members
        ]  # fmt: skip
    if problems:
        raise SettingsError("wellbeing measures (part_of): " + "; ".join(problems))
    return pl.DataFrame(out, schema=PART_SCHEMA)


def items_md() -> list[str]:
    """The data standard's paragraph on items and totals written beside them (docs)."""
    n = {i: v[0] for i, v in BUILTIN_ITEMS.items()}
    return [
        f"Items of a total. WEMWBS is built in with its {n['WEMWBS']} items (`item_01` ... "
        f"`item_{n['WEMWBS']:02d}`, each 1–5) and SWEMWBS with its",
        f"{n['SWEMWBS']} (`item_01` ... `item_{n['SWEMWBS']:02d}`, in SWEMWBS's own order): an item row",
        "outside 1–5 is an error on its row; items are checked, not analysed (the totals are). SURE's",
        "five domains add up into its total, and a measures file may say the same of a service's own",
        "questionnaire (a `part_of` column naming the measure the row adds up into; the parts' ranges",
        "must add up to the whole's). Where a form (one client, date and instrument) gives a total",
        "beside all its parts, the total is checked: one that is not their sum is a warning on the",
        "total's row naming the sum, and the sum is what is analysed; a total beside a part that was",
        "rejected (scored 6 on a 1–5 item, blank) is an error too, since it holds that part's value.",
        "Where a form gives its parts but no total, the total is computed as their sum when every part",
        "is there once with a valid score (a warning per file says for how many assessments, and the",
        "wellbeing records table counts them); a form with a part missing, rejected or given twice",
        "gets no total, with a warning on its first row naming those parts (a client who skipped an",
        "item would otherwise get a lower score). SWEMWBS totals, written or computed, are raw (7–35).",
        "",
    ]
