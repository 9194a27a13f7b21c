"""Two comparisons that say how far the average change can be trusted and what goes with it.

Attrition: clients followed up against clients lost to follow-up (their window closed with no
follow-up), on baseline scores and a few characteristics, by standardised difference. Clients
not yet due are in neither group. If those lost started worse off, or found work less often, the
average change describes the followed-up clients and probably overstates the change for everyone.

Job entry: mean change of clients who had started a job by their follow-up assessment against
clients who had not (both in the job-entry denominator: engaged, not in work when referred),
with Welch's 95% interval. Clients in work when referred are left out and counted.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from ..impact.balance import SMD_THRESHOLD
from ..results import ColumnsAddUp, Rate, ResultTable
from ..settings import Wellbeing
from .measures import domains_in_use
from .pairing import Pairs
from .stats import changes, evidence, holm, mean_interval, standardised_difference, welch_difference
from .tables import paired_domain_scores, paired_frame, scaled_scores, split

# (name, label, condition on the clients frame): a share of each group (unknown counts as not)
INDICATORS: list[tuple[str, str, Callable[[], pl.Expr]]] = [
    ("female", "Female", lambda: pl.col("sex") == "female"),
    ("main_substance_alcohol", "Main substance: alcohol", lambda: pl.col("main_substance") == "alcohol"),
    ("main_substance_opiates", "Main substance: opiates", lambda: pl.col("main_substance") == "opiates"),
    ("in_treatment", "In drug and alcohol treatment", lambda: pl.col("treatment_status") == "in_treatment"),
    ("criminal_conviction", "Has a criminal conviction", lambda: pl.col("criminal_conviction")),
    (
        "homeless_or_temporary",
        "Homeless or in supported or temporary housing",
        lambda: pl.col("housing_tenure").is_in(["homeless", "supported_temporary"]),
    ),
    ("job_entry", "Started a job (by the data cut)", lambda: pl.col("job_entry")),
]
CONTINUOUS = [("age", "Age (years)"), ("work_confidence", "Confidence about work (0 to 10)")]

_ATTRITION_COLUMNS = {
    "kind": "domain (baseline score, 0-100), measure (baseline score, own units) or characteristic",
    "variable": "domain code, instrument|measure, or characteristic",
    "label": "what is compared",
    "statistic": "mean (followed by SD) or share",
    "followed_up_mean": "mean among clients followed up",
    "followed_up_sd": "standard deviation among clients followed up",
    "lost_mean": "mean among clients lost to follow-up",
    "lost_sd": "standard deviation among clients lost to follow-up",
    "followed_up_share": "share of clients followed up (unknown counted as not)",
    "lost_share": "share of clients lost to follow-up (unknown counted as not)",
    "smd": "standardised difference, followed up minus lost: difference in means (or shares) / "
    "sqrt((var1 + var2) / 2)",
    "noticeable": "|smd| >= 0.1, the usual threshold for a noticeable imbalance",
}
_INTERNAL = ["followed_up_n", "lost_n", "followed_up_yes", "followed_up_no", "lost_yes", "lost_no", "smd_n"]


def _min_nonzero(*values: int | None) -> int:
    nz = [v for v in values if v]
    return min(nz) if nz else 0


def _mean_row(kind: str, variable: str, label: str, fu: np.ndarray, lost: np.ndarray) -> dict:
    return {
        "kind": kind,
        "variable": variable,
        "label": label,
        "statistic": "mean",
        "followed_up_mean": float(fu.mean()) if fu.size else None,
        "followed_up_sd": float(fu.std(ddof=1)) if fu.size > 1 else None,
        "lost_mean": float(lost.mean()) if lost.size else None,
        "lost_sd": float(lost.std(ddof=1)) if lost.size > 1 else None,
        "smd": standardised_difference(fu, lost),
        "followed_up_n": int(fu.size),
        "lost_n": int(lost.size),
        "smd_n": _min_nonzero(fu.size, lost.size),
    }


def _share_row(variable: str, label: str, fu: np.ndarray, lost: np.ndarray) -> dict:
    fy, ly = int(fu.sum()), int(lost.sum())
    fn, ln = int(fu.size - fy), int(lost.size - ly)
    return {
        "kind": "characteristic",
        "variable": variable,
        "label": label,
        "statistic": "share",
        "followed_up_share": fy / fu.size if fu.size else None,
        "lost_share": ly / lost.size if lost.size else None,
        "smd": standardised_difference(fu, lost),
        "followed_up_n": int(fu.size),
        "lost_n": int(lost.size),
        "followed_up_yes": fy,
        "followed_up_no": fn,
        "lost_yes": ly,
        "lost_no": ln,
        "smd_n": _min_nonzero(fy, fn, ly, ln),
    }


def _domain_rows(due: pl.DataFrame, measures: pl.DataFrame) -> list[dict]:
    """Per domain: the mean 0-100 baseline over every domain measure the client has a baseline
    on; followed up = followed up on at least one of them. Clients grouped within each domain's
    rows (in their order), not on (client, domain) pairs across all of them: a tenth the memory."""
    scaled = scaled_scores(due, measures, ("domain",), ("baseline_score",))
    parts = split(
        scaled.filter(pl.col("domain") != "").select("domain", "client_no", "baseline_pomp", "fu"), "domain"
    )
    del scaled
    rows = []
    for code, label in domains_in_use(measures):
        sub = parts.pop(code, None)
        if sub is not None:
            sub = sub.group_by("client_no", maintain_order=True).agg(
                pl.col("baseline_pomp").mean(), pl.col("fu").any()
            )
            fu = sub.filter("fu")["baseline_pomp"].to_numpy()
            lost = sub.filter(~pl.col("fu"))["baseline_pomp"].to_numpy()
            rows.append(_mean_row("domain", code, label, fu, lost))
    return rows


def attrition(pairs: Pairs, measures: pl.DataFrame) -> ResultTable:
    """Baseline scores and characteristics of clients followed up against those lost."""
    # due: followed up or lost (not yet due in neither group); only the columns compared
    due = pairs.episodes.filter(pl.col("status") != "not_yet_due").select(
        "client_no", "key", "baseline_score", (pl.col("status") == "followed_up").alias("fu")
    )
    rows = _domain_rows(due, measures)
    due_parts = split(due, "key")
    for m in measures.iter_rows(named=True):
        sub = due_parts.pop(m["key"], None)
        if sub is not None:
            fu = sub.filter("fu")["baseline_score"].to_numpy()
            lost = sub.filter(~pl.col("fu"))["baseline_score"].to_numpy()
            rows.append(_mean_row("measure", m["key"], m["label"], fu, lost))
    # characteristics, per client: followed up on any measure against lost on all
    status = due.group_by("client_no", maintain_order=True).agg(pl.col("fu").any())
    del due
    people = status.join(pairs.clients, on="client_no", how="left")
    if people.height:
        for name, label in CONTINUOUS:
            known = people.filter(pl.col(name).is_not_null())
            fu = known.filter("fu")[name].cast(pl.Float64).to_numpy()
            lost = known.filter(~pl.col("fu"))[name].cast(pl.Float64).to_numpy()
            rows.append(_mean_row("characteristic", name, label, fu, lost))
        for name, label, condition in INDICATORS:
            flag = people.select(pl.col("fu"), condition().fill_null(False).alias("x"))
            fu = flag.filter("fu")["x"].cast(pl.Float64).to_numpy()
            lost = flag.filter(~pl.col("fu"))["x"].cast(pl.Float64).to_numpy()
            rows.append(_share_row(name, label, fu, lost))
    schema = (
        {c: pl.Utf8 for c in ("kind", "variable", "label", "statistic")}
        | {
            c: pl.Float64
            for c in _ATTRITION_COLUMNS
            if c not in ("kind", "variable", "label", "statistic", "noticeable")
        }
        | dict.fromkeys(_INTERNAL, pl.Int64)
    )
    data = pl.DataFrame(rows, schema=schema).with_columns(
        (pl.col("smd").abs() >= SMD_THRESHOLD).alias("noticeable")
    )
    data = data.select(*_ATTRITION_COLUMNS, *_INTERNAL)
    return ResultTable(
        key="wellbeing_attrition",
        title="Clients followed up and clients lost to follow-up, compared at baseline",
        data=data,
        dims=["kind", "variable", "label", "statistic"],
        counts=list(_INTERNAL),
        internal=list(_INTERNAL),
        rates={
            "followed_up_share": Rate("followed_up_yes", "followed_up_n"),
            "lost_share": Rate("lost_yes", "lost_n"),
        },
        guarded={
            "followed_up_mean": "followed_up_n",
            "followed_up_sd": "followed_up_n",
            "lost_mean": "lost_n",
            "lost_sd": "lost_n",
            "smd": "smd_n",
            "noticeable": "smd_n",
        },
        additive=[
            ColumnsAddUp(("followed_up_yes", "followed_up_no"), "followed_up_n"),
            ColumnsAddUp(("lost_yes", "lost_no"), "lost_n"),
        ],
        columns=dict(_ATTRITION_COLUMNS),
        notes=[
            "Lost to follow-up: a baseline but no follow-up, with the follow-up window closed by the "
            "data cut; clients not yet due are in neither group. Numbers in each group are in the "
            "coverage table (wellbeing_coverage).",
            "Standardised difference (SMD): the difference in means or shares divided by the pooled "
            "standard deviation. An |SMD| of 0.1 or more is a noticeable difference; positive means "
            "higher among clients followed up.",
        ],
    )


_JOB_COLUMNS = {
    "level": "domain (0-100 scale) or measure (own units)",
    "order": "display order",
    "variable": "domain code or instrument|measure",
    "label": "domain or measure",
    "n": "clients with both a baseline and a follow-up",
    "found_work": "of whom had started a job by their follow-up assessment (job-entry denominator)",
    "no_work": "of whom had not (job-entry denominator)",
    "not_in_denominator": "of whom were in work when referred (left out of the comparison)",
    "found_work_change_mean": "mean change (better direction) of clients who found work",
    "found_work_change_sd": "standard deviation of their changes",
    "found_work_ci_low": "95% t interval of their mean change, lower bound",
    "found_work_ci_high": "95% t interval of their mean change, upper bound",
    "no_work_change_mean": "mean change of clients who had not found work",
    "no_work_change_sd": "standard deviation of their changes",
    "no_work_ci_low": "95% t interval of their mean change, lower bound",
    "no_work_ci_high": "95% t interval of their mean change, upper bound",
    "difference": "found_work_change_mean - no_work_change_mean",
    "difference_ci_low": "Welch 95% interval, lower bound",
    "difference_ci_high": "Welch 95% interval, upper bound",
    "p_value": "Welch t-test p-value (two-sided)",
    "p_value_holm": "Holm-adjusted across the rows of the same level",
    "evidence": "more / less: the 95% interval of the difference lies above / below 0 (clients who "
    "found work improved more / less); unclear: it includes 0",
}
_JOB_STATS = ["difference", "difference_ci_low", "difference_ci_high", "p_value", "p_value_holm", "evidence"]


def _job_row(level: str, order: int, variable: str, label: str, frame: pl.DataFrame, min_pairs: int) -> dict:
    """``frame``: one row per client with ``change``, ``in_denominator`` and ``found_work``."""
    inden = frame.filter(pl.col("in_denominator"))
    work = inden.filter(pl.col("found_work"))["change"].to_numpy()
    no = inden.filter(~pl.col("found_work"))["change"].to_numpy()
    row = {
        "level": level,
        "order": order,
        "variable": variable,
        "label": label,
        "n": frame.height,
        "found_work": int(work.size),
        "no_work": int(no.size),
        "not_in_denominator": frame.height - inden.height,
        "comparison_n": _min_nonzero(work.size, no.size),
    }
    for group, d in (("found_work", work), ("no_work", no)):
        # the same mean change and t interval as for all clients, within the group
        mean, sd, low, high = mean_interval(d, min_pairs)
        row |= {
            f"{group}_change_mean": mean,
            f"{group}_change_sd": sd,
            f"{group}_ci_low": low,
            f"{group}_ci_high": high,
        }
    if min(work.size, no.size) >= min_pairs:
        w = welch_difference(work, no)
        row |= {
            "difference": w["difference"],
            "difference_ci_low": w["ci_low"],
            "difference_ci_high": w["ci_high"],
            "p_value": w["p_value"],
            "evidence": {"better": "more", "worse": "less", "unclear": "unclear", None: None}[
                evidence(w["ci_low"], w["ci_high"])
            ],
        }
    return row


def _found_work(frame: pl.DataFrame, clients: pl.DataFrame) -> pl.DataFrame:
    # the frame's own row order kept: the group means and SDs sum in row order, and a join's order
    # is otherwise whatever its threads gave (the last digit of a mean changed between runs)
    return frame.join(
        clients.select("client_no", "in_denominator", "first_job_start"),
        on="client_no",
        how="left",
        maintain_order="left",
    ).with_columns(
        pl.col("in_denominator").fill_null(False),
        (pl.col("first_job_start") <= pl.col("follow_up_date")).fill_null(False).alias("found_work"),
    )


def by_job_entry(pairs: Pairs, measures: pl.DataFrame, settings: Wellbeing) -> ResultTable:
    """Mean change of clients who found work by their follow-up against those who had not."""
    paired = _found_work(paired_frame(pairs, measures), pairs.clients)
    rows: list[dict] = []
    domains = _found_work(paired_domain_scores(pairs, measures), pairs.clients).with_columns(
        (pl.col("follow_up_pomp") - pl.col("baseline_pomp")).alias("change")
    )
    domain_parts, paired_parts = split(domains, "domain"), split(paired, "key")
    level_rows: list[dict] = []
    for order, (code, label) in enumerate(domains_in_use(measures), start=1):
        sub = domain_parts.get(code)
        if sub is not None:
            level_rows.append(_job_row("domain", order, code, label, sub, settings.min_pairs))
    rows += _holm_rows(level_rows)
    level_rows = []
    for m in measures.iter_rows(named=True):
        sub = paired_parts.get(m["key"])
        if sub is not None:
            d = changes(
                sub["baseline_score"].to_numpy(), sub["follow_up_score"].to_numpy(), m["higher_is_better"]
            )
            sub = sub.with_columns(pl.Series("change", d))
            level_rows.append(
                _job_row("measure", m["measure_order"], m["key"], m["label"], sub, settings.min_pairs)
            )
    rows += _holm_rows(level_rows)
    counts = ["n", "found_work", "no_work", "not_in_denominator", "comparison_n"]
    schema = (
        {"level": pl.Utf8, "order": pl.Int64, "variable": pl.Utf8, "label": pl.Utf8}
        | dict.fromkeys(counts, pl.Int64)
        | {c: pl.Float64 for c in _JOB_COLUMNS if c.endswith(("_mean", "_sd", "_low", "_high"))}
        | {"difference": pl.Float64, "p_value": pl.Float64, "p_value_holm": pl.Float64, "evidence": pl.Utf8}
    )
    data = pl.DataFrame(rows, schema=schema).select(*_JOB_COLUMNS, "comparison_n")
    return ResultTable(
        key="wellbeing_by_job_entry",
        title="Wellbeing change by job entry",
        data=data,
        dims=["level", "order", "variable", "label"],
        counts=counts,
        internal=["comparison_n"],
        guarded={
            "found_work_change_mean": "found_work",
            "found_work_change_sd": "found_work",
            "found_work_ci_low": "found_work",
            "found_work_ci_high": "found_work",
            "no_work_change_mean": "no_work",
            "no_work_change_sd": "no_work",
            "no_work_ci_low": "no_work",
            "no_work_ci_high": "no_work",
            **dict.fromkeys(_JOB_STATS, "comparison_n"),
        },
        additive=[ColumnsAddUp(("found_work", "no_work", "not_in_denominator"), "n")],
        columns=dict(_JOB_COLUMNS),
        notes=[
            "Found work: started a job on or before the follow-up assessment (the job could have "
            "helped the change, or the change the job). Both groups are engaged clients not in "
            "work when referred; clients in work when referred are left out.",
            f"Difference and its Welch 95% CI only where each group has at least {settings.min_pairs} "
            "clients. This is a comparison, not an effect of work: clients who found work may have "
            "been improving already.",
        ],
    )


def _holm_rows(rows: list[dict]) -> list[dict]:
    for r, adj in zip(rows, holm([r.get("p_value") for r in rows]), strict=True):
        r["p_value_holm"] = adj
    return rows
