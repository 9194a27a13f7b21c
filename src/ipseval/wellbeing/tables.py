"""The wellbeing result tables: coverage and change per measure and per domain (the attrition
and job-entry comparisons are in :mod:`.compare`). Tidy and unrounded; counts of people declared
for disclosure control.

How counts are published so that one table's suppression is not undone by another: the number
with both a baseline and a follow-up (``n``) appears in several tables and is only ever hidden
when it is itself small; ``wellbeing_measures`` / ``wellbeing_domains`` split it into improved /
no change / worse; ``wellbeing_coverage`` publishes followed up, lost and not yet due but no
total (the totals it protects with are internal, see :func:`coverage`).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ..disclosure import wilson_interval
from ..results import ColumnsAddUp, Rate, ResultTable
from ..settings import Wellbeing
from .measures import domains_in_use
from .pairing import Pairs
from .stats import holm, paired_summary

CHANGE_COLUMNS = {
    "n": "clients with both a baseline and a follow-up",
    "baseline_mean": "mean baseline score",
    "baseline_sd": "standard deviation of baseline scores",
    "follow_up_mean": "mean follow-up score",
    "follow_up_sd": "standard deviation of follow-up scores",
    "change_mean": "mean change, follow-up minus baseline, in the score's own units and sign "
    "(for days of use a fall is negative); see direction for whether it is an improvement",
    "change_sd": "standard deviation of the changes",
    "change_ci_low": "95% t interval of the mean change, lower bound",
    "change_ci_high": "95% t interval of the mean change, upper bound",
    "evidence": "better / worse: the 95% interval of the change lies wholly on the side of improvement / "
    "of getting worse; unclear: it includes 0",
    "effect_size": "Cohen's d_z: mean change / SD of the changes (own sign; none without spread)",
    "direction": "whether the mean change is an improvement: better, worse or no change (from the "
    "measure's direction: lower is better for days of use, higher for quality-of-life scores)",
    "t_statistic": "paired t statistic",
    "df": "degrees of freedom of the t test (n - 1)",
    "p_t": "paired t-test p-value (two-sided)",
    "p_t_holm": "paired t-test p-value, Holm-adjusted across the rows of this table",
    "wilcoxon_v": "Wilcoxon signed-rank V: sum of the ranks of improvements (zero changes dropped)",
    "wilcoxon_method": "exact, or normal approximation with continuity correction (zeros or ties, or 50+)",
    "p_wilcoxon": "Wilcoxon signed-rank p-value (two-sided)",
    "p_wilcoxon_holm": "Wilcoxon p-value, Holm-adjusted across the rows of this table",
    "improved": "clients whose score changed in the better direction",
    "no_change": "clients whose score did not change",
    "worse": "clients whose score changed in the worse direction",
    "share_improved": "improved / n",
    "share_improved_ci_low": "Wilson 95% interval, lower bound",
    "share_improved_ci_high": "Wilson 95% interval, upper bound",
    "share_no_change": "no_change / n",
    "share_worse": "worse / n",
}
_STATS = [c for c in CHANGE_COLUMNS if c not in ("n", "improved", "no_change", "worse") and "share" not in c]
_CHANGE_SCHEMA = {c: pl.Float64 for c in CHANGE_COLUMNS} | {
    "n": pl.Int64,
    "improved": pl.Int64,
    "no_change": pl.Int64,
    "worse": pl.Int64,
    "df": pl.Float64,
    "evidence": pl.Utf8,
    "direction": pl.Utf8,
    "wilcoxon_method": pl.Utf8,
}


def _change_row(b: np.ndarray, f: np.ndarray, higher_is_better: bool, min_pairs: int) -> dict:
    s = paired_summary(b, f, higher_is_better, min_pairs)  # with direction and evidence
    n = s["n"]
    s["share_improved"] = s["improved"] / n if n else None
    lo, hi = wilson_interval(s["improved"], n) if n else (None, None)
    s["share_improved_ci_low"], s["share_improved_ci_high"] = lo, hi
    s["share_no_change"] = s["no_change"] / n if n else None
    s["share_worse"] = s["worse"] / n if n else None
    return s


def _with_holm(rows: list[dict]) -> list[dict]:
    for test in ("p_t", "p_wilcoxon"):
        for r, adj in zip(rows, holm([r[test] for r in rows]), strict=True):
            r[f"{test}_holm"] = adj
    return rows


def _change_table(
    key: str, title: str, rows: list[dict], dims: dict[str, pl.DataType], notes: list[str]
) -> ResultTable:
    schema = dims | _CHANGE_SCHEMA
    data = pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)
    return ResultTable(
        key=key,
        title=title,
        data=data.select(*dims, *CHANGE_COLUMNS),
        dims=list(dims),
        counts=["n", "improved", "no_change", "worse"],
        rates={
            "share_improved": Rate("improved", "n", ("share_improved_ci_low", "share_improved_ci_high")),
            "share_no_change": Rate("no_change", "n"),
            "share_worse": Rate("worse", "n"),
        },
        guarded=dict.fromkeys(_STATS, "n"),
        additive=[ColumnsAddUp(("improved", "no_change", "worse"), "n")],
        columns={c: DIM_COLUMNS[c] for c in dims} | CHANGE_COLUMNS,
        notes=notes,
    )


# --------------------------------------------------------------------------------------------
# Per-client frames
# --------------------------------------------------------------------------------------------


def paired_frame(pairs: Pairs, measures: pl.DataFrame) -> pl.DataFrame:
    """Followed-up episodes with each score also on a 0-100 scale where 100 is best
    (percent of maximum possible: (score - min) / (max - min), reversed when lower is better).
    Computed once per pairing and set of measures (several tables start from it)."""
    return pairs.derived(("paired", measures), lambda: _paired(pairs.episodes, measures))


def _paired(episodes: pl.DataFrame, measures: pl.DataFrame) -> pl.DataFrame:
    # only the columns the tables read: at a million clients each column is two million rows
    followed = episodes.filter(pl.col("status") == "followed_up").select(*PAIRED_COLUMNS)
    return scaled_scores(followed, measures, ("domain",))


def paired_domain_scores(pairs: Pairs, measures: pl.DataFrame) -> pl.DataFrame:
    """:func:`domain_scores` of :func:`paired_frame`, computed once per pairing."""
    return pairs.derived(("domains", measures), lambda: domain_scores(paired_frame(pairs, measures)))


def split(frame: pl.DataFrame, column: str) -> dict[object, pl.DataFrame]:
    """The frame's rows per value of a column, in one pass (a filter per value would scan the
    whole frame each time: millions of rows times every measure)."""
    return {k[0]: part for k, part in frame.partition_by(column, as_dict=True, maintain_order=True).items()}


PAIRED_COLUMNS = ("client_no", "key", "baseline_score", "follow_up_score", "follow_up_date")
DEFINITION_COLUMNS = ("scale_min", "scale_max", "higher_is_better", "domain", "measure_order")


def scaled_scores(
    episodes: pl.DataFrame,
    measures: pl.DataFrame,
    keep: tuple[str, ...] = DEFINITION_COLUMNS,
    scores: tuple[str, ...] = ("baseline_score", "follow_up_score"),
) -> pl.DataFrame:
    """``episodes`` (in their order) with each of ``scores`` also on the 0-100 scale (``*_pomp``)
    and the measure's definition columns ``keep``."""
    defs = measures.select("key", *dict.fromkeys(("scale_min", "scale_max", "higher_is_better", *keep)))

    def pomp(col: str) -> pl.Expr:
        share = (pl.col(col) - pl.col("scale_min")) / (pl.col("scale_max") - pl.col("scale_min"))
        return 100 * pl.when(pl.col("higher_is_better")).then(share).otherwise(1 - share)

    # in the episodes' order: means and SDs sum in row order, so another order (a join's threads
    # decide it unless told) changed their last digit between runs
    scaled = episodes.join(defs, on="key", maintain_order="left").with_columns(
        pomp(c).alias(c.removesuffix("_score") + "_pomp") for c in scores
    )
    return scaled.drop(c for c in defs.columns if c != "key" and c not in keep)


def domain_scores(scaled: pl.DataFrame) -> pl.DataFrame:
    """Per client and domain: the mean 0-100 score over the domain's measures the client has
    (both times on the same measures, for followed-up episodes)."""
    return (
        scaled.filter(pl.col("domain") != "")
        .group_by("client_no", "domain")
        .agg(
            # each mean summed in order of value, so the same scores give the same last digit
            # whatever order the group's rows arrive in
            pl.col("baseline_pomp").sort().mean(),
            pl.col("follow_up_pomp").sort().mean(),
            pl.col("follow_up_date").max(),
            pl.len().alias("measures"),
        )
        .sort("domain", "client_no")
    )


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------

MEASURE_DIMS: dict[str, pl.DataType] = {
    "measure_order": pl.Int64,
    "instrument": pl.Utf8,
    "measure": pl.Utf8,
    "label": pl.Utf8,
    "domain": pl.Utf8,
    "higher_is_better": pl.Boolean,
    "scale_min": pl.Float64,
    "scale_max": pl.Float64,
}
DOMAIN_DIMS: dict[str, pl.DataType] = {"domain_order": pl.Int64, "domain": pl.Utf8, "label": pl.Utf8}
DIM_COLUMNS = {
    "measure_order": "display order (built-in measures first, then the measures file's)",
    "instrument": "questionnaire (TOP, SURE or one described in the measures file)",
    "measure": "measure within the questionnaire",
    "label": "plain-English name",
    "domain": "domain code (substance_recovery, physical_health, mental_health, resilience, "
    "relationships, positive_behaviours, or a service's own); blank = reported as a measure only",
    "higher_is_better": "true when a higher score is better (false e.g. for days of use)",
    "scale_min": "lowest possible score",
    "scale_max": "highest possible score",
    "domain_order": "display order",
}


def measure_change(pairs: Pairs, measures: pl.DataFrame, settings: Wellbeing) -> ResultTable:
    """Change per measure, in the measure's own units; Holm across measures."""
    frame = paired_frame(pairs, measures)
    paired = split(frame, "key")
    rows = []
    for m in measures.filter(pl.col("key").is_in(pairs.episodes["key"].unique().implode())).iter_rows(
        named=True
    ):
        sub = paired.get(m["key"], frame.clear())
        s = _change_row(
            sub["baseline_score"].to_numpy(),
            sub["follow_up_score"].to_numpy(),
            m["higher_is_better"],
            settings.min_pairs,
        )
        rows.append({k: m[k] for k in MEASURE_DIMS} | s)
    return _change_table(
        "wellbeing_measures",
        "Wellbeing change by measure",
        _with_holm(rows),
        MEASURE_DIMS,
        [
            "Change is follow-up minus baseline in each measure's own units, so for days of use a "
            "fall is negative; direction says whether it is an improvement (lower is better for "
            "days of use, higher for quality-of-life scores).",
            "TOP days of use: only clients using that substance at baseline.",
            f"95% CI, effect size and tests only where at least {settings.min_pairs} clients have both "
            "a baseline and a follow-up. Effect size: Cohen's d_z (mean change / SD of the changes); "
            "p-values Holm-adjusted across measures.",
        ],
    )


def domain_change(pairs: Pairs, measures: pl.DataFrame, settings: Wellbeing) -> ResultTable:
    """Change per domain on a 0-100 scale (100 = best); Holm across domains."""
    frame = paired_domain_scores(pairs, measures)
    scores = split(frame, "domain")
    with_baseline = set(pairs.episodes["key"].unique().to_list())
    rows = []
    for order, (code, label) in enumerate(domains_in_use(measures), start=1):
        sub = scores.get(code, frame.clear())
        if sub.height == 0 and not with_baseline.intersection(
            measures.filter(pl.col("domain") == code)["key"].to_list()
        ):
            continue  # no client has a baseline on any of the domain's measures
        s = _change_row(
            sub["baseline_pomp"].to_numpy(), sub["follow_up_pomp"].to_numpy(), True, settings.min_pairs
        )
        rows.append({"domain_order": order, "domain": code, "label": label} | s)
    return _change_table(
        "wellbeing_domains",
        "Wellbeing change by domain (0-100 scale, 100 = best)",
        _with_holm(rows),
        DOMAIN_DIMS,
        [
            "Each score is put on a 0-100 scale where 100 is the best possible (percent of the "
            "measure's range, reversed where a lower score is better); a client's domain score is "
            "the mean over the domain's measures they have at both times. A change of +5 is five "
            "points on that scale.",
            f"95% CI, effect size and tests only where at least {settings.min_pairs} clients have both "
            "a baseline and a follow-up. Effect size: Cohen's d_z; p-values Holm-adjusted across domains.",
        ],
    )


_COVERAGE_COLUMNS = {
    "followed_up": "engaged clients with a baseline and a follow-up on at least one of the "
    "instrument's measures",
    "lost": "clients with a baseline, no follow-up, and the follow-up window closed by the data cut",
    "not_yet_due": "clients with a baseline, no follow-up yet, and the window still open at the data cut",
    "follow_up_rate": "followed_up / (followed_up + lost)",
    "follow_up_ci_low": "Wilson 95% interval, lower bound",
    "follow_up_ci_high": "Wilson 95% interval, upper bound",
}
_COVERAGE_INTERNAL = ["followed_up_part", "due", "no_baseline", "not_followed_up"]


def coverage(pairs: Pairs, measures: pl.DataFrame) -> ResultTable:
    """Who was followed up, lost to follow-up or not yet due, per instrument and for any.

    Only the three parts are published, and no total. Totals enter disclosure control as
    internal counts that are known anyway: ``due`` (followed up + lost, the rate's denominator,
    with its own copy of followed up so that hiding it hides the rate, not the published count)
    and ``not_followed_up`` (engaged - followed up, both published elsewhere: the engaged count
    in the outcomes table, followed up as n in the change tables) = no baseline + lost + not
    yet due, which protects a small number of engaged clients with no baseline.
    """
    engaged = pairs.clients.height
    instruments = list(dict.fromkeys(measures["instrument"].to_list()))
    rank = {"followed_up": 0, "lost": 1, "not_yet_due": 2}
    # a client's best status across each instrument's measures, then across all instruments; on
    # integer codes (instruments numbered), not millions of strings
    instrument_no = {k: instruments.index(i) for k, i in measures.select("key", "instrument").iter_rows()}
    per_instrument = (
        pairs.episodes.select(
            "client_no",
            pl.col("key").replace_strict(instrument_no, return_dtype=pl.Int32).alias("instrument"),
            pl.col("status").replace_strict(rank, return_dtype=pl.Int8).alias("r"),
        )
        .group_by("instrument", "client_no")
        .agg(pl.col("r").min())
    )
    overall = per_instrument.group_by("client_no").agg(pl.col("r").min())
    rows = []
    for inst in [*instruments, None]:
        keys = measures if inst is None else measures.filter(pl.col("instrument") == inst)
        if inst is not None and not pairs.assessed_keys.intersection(keys["key"].to_list()):
            continue  # no usable assessment of this instrument at all
        best = (
            overall
            if inst is None
            else per_instrument.filter(pl.col("instrument") == instruments.index(inst))
        )
        counts = {s: int((best["r"] == r).sum()) for s, r in rank.items()}
        due = counts["followed_up"] + counts["lost"]
        lo, hi = wilson_interval(counts["followed_up"], due) if due else (None, None)
        rows.append(
            {
                "instrument": inst if inst is not None else "Any",
                **counts,
                "follow_up_rate": counts["followed_up"] / due if due else None,
                "follow_up_ci_low": lo,
                "follow_up_ci_high": hi,
                "followed_up_part": counts["followed_up"],
                "due": due,
                "no_baseline": engaged - best.height,
                "not_followed_up": engaged - counts["followed_up"],
            }
        )
    schema = (
        {"instrument": pl.Utf8}
        | dict.fromkeys(["followed_up", "lost", "not_yet_due"], pl.Int64)
        | dict.fromkeys(("follow_up_rate", "follow_up_ci_low", "follow_up_ci_high"), pl.Float64)
        | dict.fromkeys(_COVERAGE_INTERNAL, pl.Int64)
    )
    return ResultTable(
        key="wellbeing_coverage",
        title="Wellbeing assessments: followed up, lost to follow-up, not yet due",
        data=pl.DataFrame(rows, schema=schema),
        dims=["instrument"],
        counts=["followed_up", "lost", "not_yet_due", *_COVERAGE_INTERNAL],
        internal=list(_COVERAGE_INTERNAL),
        rates={"follow_up_rate": Rate("followed_up_part", "due", ("follow_up_ci_low", "follow_up_ci_high"))},
        additive=[
            ColumnsAddUp(("followed_up_part", "lost"), "due"),
            ColumnsAddUp(("no_baseline", "lost", "not_yet_due"), "not_followed_up"),
        ],
        columns={"instrument": "TOP, SURE, another instrument, or Any"} | _COVERAGE_COLUMNS,
        notes=[
            "Clients with a baseline (a questionnaire near engagement). A client counts once per row: "
            "followed up if followed up on any of the instrument's measures, else lost if the "
            "follow-up window has closed, else not yet due. Follow-up rate: of the clients due a "
            "follow-up (followed up or lost).",
        ],
    )
