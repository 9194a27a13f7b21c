"""Time from engagement to first job by group (cumulative incidence with discharge without a job
competing, Gray's test) and the clustered cause-specific Cox model of job starts.

Curves reuse :func:`ipseval.metrics.curve_on_grid` on :mod:`ipseval.competing` estimates; tables
declare their counts for disclosure control. :func:`logrank` is kept for the hazards of job starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import polars as pl

from .. import __version__
from ..competing import cumulative_incidence, first_reaching, gray_test
from ..disclosure.cellkey import KEY_MODULUS, key_sum, keyed
from ..distributions import chi2_sf, norm_ppf, norm_sf, t_ppf, t_sf
from ..labels import codes_label, column_words
from ..metrics import (
    AT_COLUMNS,
    AT_GUARDS,
    AT_MOST_CLIENTS,
    CURVE_COLUMNS,
    CURVE_GUARDS,
    CURVE_STATISTICS,
    DAYS_PER_MONTH,
    NOTE,
    _at_keys,
    at_months,
    curve_on_grid,
    population_keys,
)
from ..results import ColumnsAddUp, Monotone, ResultTable, RowsAddUp, SameCount
from ..schema import CLIENTS, INTEGRATION_STRENGTHS
from ..settings import Settings
from ..store import Store
from . import cox
from .data import analysis_frame, controls, controls_note
from .result import CORE_COLUMNS, AnalysisError, ImpactResult

GroupBy = Literal["local_authority", "integration_strength"]
NOT_RECORDED = "not recorded"
INTEGRATION_LEVELS = (*INTEGRATION_STRENGTHS, NOT_RECORDED)
INTEGRATION_REFERENCE = "strong"
MIN_LEVEL = 10  # a category with fewer clients (or no events) is combined with others
COMBINED = "other (combined)"


def with_integration(frame: pl.DataFrame) -> pl.DataFrame:
    """Integration strength with areas missing from the areas table as 'not recorded'."""
    return frame.with_columns(pl.col("integration_strength").fill_null(NOT_RECORDED))


def group_order(by: str, values: list[str]) -> list[str]:
    """Groups in reading order: integration strong/moderate/weak/not recorded, areas by name."""
    if by == "integration_strength":
        return [v for v in INTEGRATION_LEVELS if v in values] + sorted(set(values) - set(INTEGRATION_LEVELS))
    return sorted(values)


def single_area_levels(result: ImpactResult, frame: pl.DataFrame, term: str = "integration_strength") -> dict:
    """Areas per level of an area-level term; a level (or reference) seen in one area loses its interval.

    Its clustered SE would rest on that one area's residuals alone, so it cannot be estimated.
    """
    per_level = dict(sorted(frame.group_by(term).agg(pl.col("local_authority").n_unique()).iter_rows()))
    lonely = sorted(lv for lv, k in per_level.items() if k < 2)
    ref = result.table.filter((pl.col("term") == term) & pl.col("reference"))["level"].to_list()
    if lonely:
        cols = [c for c in result.table.columns if "std_error" in c or c == "p_value" or "ci_" in c]
        hit = (pl.col("term") == term) & (
            pl.col("level").is_in(lonely) | pl.lit(bool(set(ref) & set(lonely)))
        )
        result.table = result.table.with_columns(
            pl.when(hit).then(None).otherwise(pl.col(c)).alias(c) for c in cols
        )
        result.notes.append(
            f"No interval for {term.replace('_', ' ')}: {', '.join(lonely)} covers a single area, so a "
            "clustered standard error cannot be estimated for it."
        )
    return per_level


# ------------------------------------------------------------------------------- log-rank test


def logrank(days: np.ndarray, event: np.ndarray, group: np.ndarray) -> dict:
    """K-sample log-rank test: chi-square on K-1 df, observed and expected events per group.

    Returns levels (sorted unique groups), observed, expected, chi_square, df, p_value.
    """
    days, event = np.asarray(days, float), np.asarray(event, bool)
    groups = pl.Series(np.asarray(group))
    levels = groups.unique().sort()  # by hash, not by sorting a million Python strings
    g = groups.replace_strict(
        levels, pl.int_range(levels.len(), eager=True), return_dtype=pl.Int64
    ).to_numpy()
    levels = levels.to_numpy()
    k = levels.size
    times = np.unique(days[event])
    at_risk = np.empty((k, times.size))
    deaths = np.zeros((k, times.size))
    for j in range(k):
        d = np.sort(days[g == j])
        at_risk[j] = d.size - np.searchsorted(d, times, side="left")
        hits = np.searchsorted(times, days[(g == j) & event])
        deaths[j] = np.bincount(hits, minlength=times.size)
    n, dt = at_risk.sum(0), deaths.sum(0)
    observed, expected = deaths.sum(1), (at_risk * dt / n).sum(1)
    # hypergeometric covariance: d (n - d) / (n - 1) * n_j / n * (delta_jl - n_l / n)
    w = np.where(n > 1, dt * (n - dt) / np.maximum(n - 1, 1), 0.0)
    share = at_risk / n
    cov = np.diag((w * share).sum(1)) - (w * share) @ share.T
    out = {
        "levels": levels,
        "observed": observed,
        "expected": expected,
        "chi_square": None,
        "df": 0,
        "p_value": None,
    }
    if k > 1:
        z = (observed - expected)[:-1]
        chi2 = float(z @ np.linalg.pinv(cov[:-1, :-1]) @ z)
        out |= {"chi_square": chi2, "df": k - 1, "p_value": float(chi2_sf(chi2, k - 1))}
    return out


# ------------------------------------------------------------------ cumulative incidence by group


def _shares(by: str, populations: dict[str, str], months: bool = False) -> list[SameCount]:
    """The by-area tables count the same clients as the outcomes tables' area rows (the populations
    by integration strength are not published elsewhere)."""
    if by != "local_authority":
        return []
    key = ("=local_authority", "group", *(("months",) if months else ()))
    return [SameCount(column, population, key) for column, population in populations.items()]


def _record_keys_of(store: Store, frame: pl.DataFrame) -> np.ndarray | None:
    """Each row's record key (rows are clients), or None when the store keeps no usable keys."""
    keys = store.record_keys
    if keys is None:
        return None
    joined = frame.select("client_id").join(keys, on="client_id", how="left", maintain_order="left")
    if joined["record_key"].is_null().any():
        return None
    return joined["record_key"].to_numpy().astype(np.int64)


def _group_populations(store: Store, frame: pl.DataFrame, by: str) -> pl.DataFrame | None:
    """(group, population_key): the key of all the clients of each group (an area's clients; for an
    integration strength, the clients of its areas), mixed into the cell keys of the group's rows."""
    pops = population_keys(store)
    if pops is None:
        return None
    areas = pops.filter(pl.col("breakdown") == "local_authority").select(
        pl.col("group").alias("local_authority"), "population_key"
    )
    if by == "local_authority":
        return areas.rename({"local_authority": "group"})
    strength = frame.select("local_authority", pl.col(by).cast(pl.Utf8).alias("group")).unique(
        "local_authority"
    )
    return (
        strength.join(areas, on="local_authority", how="left")
        .group_by("group")
        .agg(
            (pl.col("population_key").fill_null(0).sum() % KEY_MODULUS).cast(pl.Int64).alias("population_key")
        )
    )


def _by_group(frame: pl.DataFrame, by: str, rk: np.ndarray | None, settings: Settings) -> dict[str, list]:
    """Per group: the curve on the weekly grid, rows at set months (and their cell keys), and the
    summary row (clients, job starts, discharges, median and its interval from the CI band)."""
    days = frame["days_followed"].to_numpy().astype(float)
    status = frame["exit_status"].to_numpy().astype(np.int64)
    group = frame[by].cast(pl.Utf8)
    months = [0, *settings.definitions.share_in_work_months]
    out: dict[str, list] = {"curves": [], "at": [], "at_keys": [], "summary": [], "summary_keys": []}
    for name in group_order(by, group.unique().to_list()):
        mask = (group == name).to_numpy()
        d, st = days[mask], status[mask]
        ci = cumulative_incidence(d, st)
        curve = curve_on_grid(ci, d, min_at_risk=settings.report.curve_min_at_risk)
        out["curves"].append(curve.with_columns(pl.lit(name).alias("group")))
        out["at"] += [{"group": name} | row for row in at_months(d, st, months)]
        r = rk[mask] if rk is not None else None
        if r is not None:
            out["at_keys"] += [_at_keys(r, d, st, m * DAYS_PER_MONTH, m) for m in months]
            out["summary_keys"].append(
                {f"{c}_key": key_sum(r, w) for c, w in (("clients", None), ("job_entries", st == 1),
                                                       ("without_job_entry", st != 1), ("discharged", st == 2))}
            )  # fmt: skip
        medians = [first_reaching(ci, c) for c in ("in_work", "in_work_ci_high", "in_work_ci_low")]
        counts = (int(d.size), int((st == 1).sum()), int((st != 1).sum()), int((st == 2).sum()))
        out["summary"].append((name, *counts, *medians))
    return out


def time_to_job_by(store: Store, settings: Settings, by: GroupBy) -> dict[str, ResultTable]:
    """Cumulative incidence of a first job (discharge without a job competing) per local authority or
    integration strength, with Gray's test of equal cumulative incidence across the groups.

    Keys: time_to_job_by_<by>_curve, _at (share who had started a job and number at risk), _summary,
    _gray.
    """
    if by not in ("local_authority", "integration_strength"):
        raise ValueError(f"by must be 'local_authority' or 'integration_strength', not {by!r}")
    frame = with_integration(analysis_frame(store, settings))
    if frame.height == 0:
        raise AnalysisError("Nobody in the job-entry denominator: no time-to-job curves.")
    status = frame["exit_status"].to_numpy().astype(np.int64)
    rk = _record_keys_of(store, frame)  # cell keys for perturbed views (None: not kept)
    parts = _by_group(frame, by, rk, settings)
    test = gray_test(
        frame["days_followed"].to_numpy().astype(float), status, frame[by].cast(pl.Utf8).to_numpy()
    )
    curve = pl.concat(parts["curves"]).select(
        "group", "day", "guard_n", "discharge_guard_n", *CURVE_STATISTICS
    )
    at_counts = ["clients", "at_risk", "job_entries_by_then", "discharged_by_then"]
    at = pl.DataFrame(parts["at"], infer_schema_length=None)
    if rk is not None:
        at = at.hstack(pl.DataFrame(parts["at_keys"]))
    at, at_keys = keyed(at, at_counts)
    medians = ["median_days", "median_ci_low", "median_ci_high"]
    summary_counts = ["clients", "job_entries", "without_job_entry", "discharged"]
    summ = pl.DataFrame(
        parts["summary"],
        {"group": pl.Utf8, **dict.fromkeys(summary_counts, pl.Int64), **dict.fromkeys(medians, pl.Float64)},
        orient="row",
    )
    if rk is not None:
        summ = summ.hstack(
            pl.DataFrame(parts["summary_keys"], schema=dict.fromkeys(parts["summary_keys"][0], pl.Int64))
        )
    summ, summary_keys = keyed(summ, summary_counts)
    population = _group_populations(store, frame, by) if at_keys and summary_keys else None
    if population is not None:
        at = at.join(population, on="group", how="left", maintain_order="left")
        summ = summ.join(population, on="group", how="left", maintain_order="left")
    label = by.replace("_", " ")
    note = f"By {label}. {NOTE}"
    key = f"{key_prefix(by)}"
    job_counts = summ["job_entries"].to_list()
    pop = "population_key" if population is not None else ""
    return {
        f"{key}_curve": ResultTable(
            key=f"{key}_curve",
            title=f"Share who had started a job by time since engagement, by {label} (cumulative incidence)",
            data=curve,
            dims=["group", "day"],
            counts=["guard_n", "discharge_guard_n"],
            internal=["guard_n", "discharge_guard_n"],
            guarded=dict(CURVE_GUARDS),
            columns={"group": label, **CURVE_COLUMNS},
            notes=[note, "Points where few clients remain at risk are not shown."],
        ),
        f"{key}_at": _at_table(key, label, at, at_keys, pop, by, note),
        f"{key}_summary": _summary_table(key, label, summ, summary_keys, pop, by, note),
        f"{key}_gray": _gray_table(
            key, label, by, test, int(status.size), int((status == 1).sum()), job_counts
        ),
    }


def key_prefix(by: str) -> str:
    """The results.json prefix of the time-to-job tables by ``by``."""
    return f"time_to_job_by_{by}"


def _at_table(key, label, at, at_keys, population, by, note) -> ResultTable:
    counts = ["clients", "at_risk", "job_entries_by_then", "discharged_by_then"]
    overall = {"clients": "denominator", "at_risk": "at_risk", "job_entries_by_then": "entries_by",
               "discharged_by_then": "discharged_by"}  # fmt: skip
    return ResultTable(
        key=f"{key}_at",
        title=f"Share who had started a job by months since engagement, by {label}",
        data=at,
        dims=["group", "months"],
        counts=counts,
        keys=at_keys,
        population_key=population,
        guarded=dict(AT_GUARDS),
        additive=[  # each month, the groups add up to all clients' figures (the outcomes' time grid)
            RowsAddUp("clients", ("months",), of=("denominator", ("=overall", "=All"))),
            *(RowsAddUp(c, ("months",), of=(overall[c], ("=overall", "=All", "months"))) for c in counts[1:]),
            AT_MOST_CLIENTS,
        ],
        monotone=[
            Monotone("job_entries_by_then", "months", ("group",)),
            Monotone("discharged_by_then", "months", ("group",)),
            Monotone("at_risk", "months", ("group",), increasing=False),
        ],
        shares=_shares(by, overall, months=True),
        spare=["at_risk", "discharged_by_then"],
        columns={"clients": "clients in the group (engaged, not in work at referral)", **AT_COLUMNS},
        notes=[
            note,
            "Each share is hidden with the events it rests on (else a small count could be worked out).",
        ],
    )


def _summary_table(key, label, summ, summary_keys, population, by, note) -> ResultTable:
    counts = ["clients", "job_entries", "without_job_entry", "discharged"]
    return ResultTable(
        key=f"{key}_summary",
        title=f"Median time from engagement to first job by {label}",
        data=summ,
        dims=["group"],
        counts=counts,
        keys=summary_keys,
        population_key=population,
        guarded=dict.fromkeys(("median_days", "median_ci_low", "median_ci_high"), "clients"),
        additive=[
            RowsAddUp("clients", of=("denominator", ("=overall", "=All"))),
            *(
                RowsAddUp(c, of=(c, ("=overall", "=All")))
                for c in ("job_entries", "without_job_entry", "discharged")
            ),
            ColumnsAddUp(("job_entries", "without_job_entry"), "clients"),
        ],
        shares=_shares(by, {"clients": "denominator", **{c: c for c in counts[1:]}}),
        spare=["without_job_entry", "discharged"],
        columns={
            "discharged": "clients discharged without a job (the competing event)",
            "median_days": "days by which half had started a job (cumulative incidence); blank = not reached",
            "median_ci_low": "95% interval for the median, from the cumulative incidence band (blank = not reached)",
            "median_ci_high": "95% interval for the median, upper (blank = not reached)",
        },
        notes=[note],
    )


def _gray_table(key, label, by, test, clients, job_entries, job_counts) -> ResultTable:
    data = pl.DataFrame(
        [(by, len(test["levels"]), clients, job_entries, min(job_counts, default=0), test["statistic"], test["df"],
          test["p_value"])],
        {"by": pl.Utf8, "groups": pl.Int64, "clients": pl.Int64, "job_entries": pl.Int64,
         "fewest_group_job_entries": pl.Int64, "chi_square": pl.Float64, "df": pl.Int64, "p_value": pl.Float64},
        orient="row",
    )  # fmt: skip
    notes = [
        "Gray's test of equal cumulative incidence of a first job across groups, discharge without a job "
        "competing (as R cmprsk::cuminc); unadjusted for who was referred."
    ]
    if by == "integration_strength":
        notes.append(
            "Clients in one area are not independent and integration strength varies only between "
            "areas, so this p-value overstates the evidence; see the adjusted comparison."
        )
    return ResultTable(
        key=f"{key}_gray",
        title=f"Gray's test of the share who started a job across {label} groups",
        data=data,
        dims=["by"],
        counts=["clients", "job_entries", "fewest_group_job_entries"],
        guarded={"chi_square": "fewest_group_job_entries", "p_value": "fewest_group_job_entries"},
        columns={
            "groups": "number of groups compared",
            "fewest_group_job_entries": "fewest job starts in any group (the test is hidden with it)",
            "chi_square": "Gray's chi-square (all groups)",
            "df": "degrees of freedom (groups - 1)",
            "p_value": "p-value of no difference between the groups' cumulative incidence of a first job",
        },
        notes=notes,
    )


# --------------------------------------------------------------------------------- model design


@dataclass
class Design:
    """A model frame after complete cases and collapsing: X columns and one table row per level."""

    frame: pl.DataFrame
    X: np.ndarray
    names: list[str]
    rows: list[dict]
    notes: list[str] = field(default_factory=list)
    dropped: int = 0


def is_bool(name: str) -> bool:
    return name in CLIENTS.column_names and CLIENTS.column(name).type == "bool"


def _level_order(name: str, levels: list[str]) -> list[str]:
    codes = CLIENTS.column(name).codes if name in CLIENTS.column_names else None
    known = list(codes or ()) + (list(INTEGRATION_LEVELS) if name == "integration_strength" else [])
    return (
        [v for v in known if v in levels]
        + sorted(set(levels) - set(known) - {COMBINED})
        + ([COMBINED] if COMBINED in levels else [])
    )


def _move(n_of: dict, d_of: dict, level: str, into: str) -> None:
    """Combine a level's clients and events into another level."""
    n_of[into], d_of[into] = n_of.get(into, 0) + n_of.pop(level), d_of.get(into, 0) + d_of.pop(level)


def _level_codes(col: pl.Series, yes_no: bool) -> tuple[list[str], np.ndarray]:
    """Sorted levels of a category column (yes/no items as 'no', 'yes') and each row's code."""
    if yes_no:
        code = col.cast(pl.Int8).to_numpy().astype(np.intp)
        present = np.bincount(code, minlength=2) > 0
        levels = [lv for lv, there in zip(("no", "yes"), present, strict=False) if there]
        return levels, code - (not present[0])
    values = col.cast(pl.Utf8)
    levels = values.unique().sort().to_list()
    return levels, values.cast(pl.Enum(levels)).to_physical().to_numpy().astype(np.intp)


def design(
    frame: pl.DataFrame,
    terms: list[str],
    event: str = "job_entry",
    binary: bool = False,
    references: dict[str, str] | None = None,
    min_level: int = MIN_LEVEL,
) -> Design:
    """Complete cases on ``terms``; categorical levels with < min_level clients or no events combined.

    Numeric terms enter as they are; yes/no items and text are categories (reference: most common).
    """
    references = references or {}
    cc = frame.drop_nulls(terms)
    notes, blocks, names, rows, relabel = [], [], [], [], {}
    if cc.height < frame.height:
        notes.append(
            "Complete cases: clients with a missing control were left out (the model's n is in its "
            "model card)."
        )
    y = cc[event].to_numpy().astype(float)
    for term in terms:
        col = cc[term]
        if col.dtype.is_numeric() and not is_bool(term):
            x = col.to_numpy().astype(float)
            if np.ptp(x) == 0:
                notes.append(f"{term} has one value in the model data and was left out.")
                continue
            blocks.append(x)
            names.append(term)
            rows.append(dict(term=term, level="", reference=False, n=cc.height, events=int(y.sum())))
            continue
        yes_no = is_bool(term) and col.dtype.is_numeric()
        found, code = _level_codes(col, yes_no)
        n_of = dict(zip(found, np.bincount(code, minlength=len(found)).tolist(), strict=True))
        d_of = dict(zip(found, np.bincount(code, y, minlength=len(found)).tolist(), strict=True))

        def sparse(lv: str, n_of: dict = n_of, d_of: dict = d_of) -> bool:
            n, d = n_of[lv], d_of[lv]
            return n < min_level or d == 0 or (binary and d == n)

        small = [lv for lv in found if sparse(lv)]
        target = dict.fromkeys(small, COMBINED)
        for lv in small:
            if lv != COMBINED:
                _move(n_of, d_of, lv, COMBINED)
        ref = references.get(term, "no" if is_bool(term) else None)
        if ref not in n_of or ref == COMBINED:
            ref = max((lv for lv in n_of if lv != COMBINED), key=lambda lv: (n_of[lv], lv), default=None)
        if ref is not None and COMBINED in n_of and sparse(COMBINED):
            target = {**dict.fromkeys(target, ref), COMBINED: ref}
            _move(n_of, d_of, COMBINED, ref)
        if small:
            merged = "the reference level" if COMBINED not in n_of else f"'{COMBINED}'"
            notes.append(
                f"{column_words(term)}: sparse levels {codes_label(term, [str(x) for x in small])} "
                f"combined into {merged}."
            )
        levels = _level_order(term, list(n_of))
        if len(levels) < 2:
            notes.append(f"{column_words(term)} has one level in the model data and was left out.")
            continue
        order = [ref, *(lv for lv in levels if lv != ref)]
        position = {lv: j for j, lv in enumerate(order)}
        final = np.array([position[target.get(lv, lv)] for lv in found])[code]  # 0 = reference
        if target or yes_no or col.dtype != pl.Utf8:
            relabel[term] = pl.Series(term, order).gather(final)
        blocks.append((final, len(order) - 1))
        for j, lv in enumerate(order):
            rows.append(dict(term=term, level=lv, reference=j == 0, n=int(n_of[lv]), events=int(d_of[lv])))
            if j:
                names.append(f"{term}[{lv}]")
    if relabel:
        cc = cc.with_columns(relabel.values())
    return Design(cc, _matrix(blocks, cc.height, len(names)), names, rows, notes, frame.height - cc.height)


def _matrix(blocks: list, n: int, k: int) -> np.ndarray:
    """X from numeric columns and (code, levels - 1) categories (a 1 in column code - 1, none for 0)."""
    X, at, rows = np.zeros((n, k)), 0, np.arange(n)
    for b in blocks:
        if isinstance(b, tuple):
            code, width = b
            hit = code > 0
            X[rows[hit], at + code[hit] - 1] = 1.0
        else:
            X[:, at], width = b, 1
        at += width
    return X


# -------------------------------------------------------------------------------------- Cox


def _codes(labels: pl.Series) -> np.ndarray:
    """Integer codes 0..k-1 of a label column (strata, clusters); a missing label is a level too."""
    rank = labels.rank("dense").fill_null(0)
    return (rank - rank.min()).to_numpy().astype(np.int64)


def hazard_ratio_table(
    d: Design, beta: np.ndarray, std: np.ndarray, crit: float, p: np.ndarray
) -> pl.DataFrame:
    """The design's rows (reference levels included) with estimates, intervals at ``crit`` standard
    errors, p-values and hazard ratios: the table of a Cox or Fine-Gray fit."""
    est = dict(
        zip(d.names, zip(beta, std, beta - crit * std, beta + crit * std, p, strict=True), strict=True)
    )
    out = []
    for r in d.rows:
        name = r["term"] if r["level"] == "" else f"{r['term']}[{r['level']}]"
        b, s, lo, hi, pv = est.get(name, (None,) * 5)
        out.append({**r, "estimate": b, "std_error": s, "ci_low": lo, "ci_high": hi, "p_value": pv})
    f64 = dict.fromkeys(("estimate", "std_error", "ci_low", "ci_high", "p_value"), pl.Float64)
    return pl.DataFrame(out, schema_overrides=f64).select(
        *CORE_COLUMNS,
        "events",
        pl.col("estimate").exp().alias("hazard_ratio"),
        pl.col("ci_low").exp().alias("hr_ci_low"),
        pl.col("ci_high").exp().alias("hr_ci_high"),
    )


def fit_cox(
    frame: pl.DataFrame,
    terms: list[str],
    duration: str = "days_followed",
    event: str = "job_entry",
    cluster: str | None = "local_authority",
    strata: str | None = None,
    se: str = "cluster_t",
    references: dict[str, str] | None = None,
) -> ImpactResult:
    """Cox model (Efron ties; :mod:`.cox`), cluster-robust sandwich x G/(G-1) with t(G-1).

    ``se='robust'``: unclustered sandwich, normal. The sandwich's meat is the Efron-weighted score
    residuals (summed by cluster), so the raw robust and clustered SEs equal R's
    ``coxph(ties='efron', robust=TRUE / cluster=)`` (tests/test_reference_cox.py); the estimates and
    information also equal statsmodels PHReg(ties='efron')'s. Not PHReg's or lifelines' residuals:
    theirs are Breslow's, which do not sum to zero at the Efron estimate when times are tied.
    """
    keep = [duration, event, *terms, *(c for c in (cluster, strata) if c)]
    d = design(frame.select(list(dict.fromkeys(keep))), terms, event, references=references)
    if not d.names:
        raise AnalysisError("The Cox model has no covariates left to estimate.")
    n, events = d.frame.height, int(d.frame[event].sum())
    if events == 0:
        raise AnalysisError("No first job starts among the clients with complete data: no Cox model.")
    clustered = se != "robust" and cluster is not None
    g = d.frame[cluster].n_unique() if clustered else None
    if clustered and g < 2:
        raise AnalysisError("Clustered standard errors need at least two local authorities.")
    model = cox.Efron(
        d.frame[duration].to_numpy().astype(float),
        d.frame[event].to_numpy().astype(bool),
        d.X,
        strata=_codes(d.frame[strata]) if strata else None,
    )
    diverged = AnalysisError("The Cox model did not converge (a covariate perfectly predicts job entry).")
    try:
        res = model.fit()
    except np.linalg.LinAlgError:
        raise AnalysisError("The Cox model could not be fitted (collinear covariates).") from None
    beta = res.params
    if not np.isfinite(beta).all() or np.abs(beta).max() > 15:
        raise diverged
    try:
        bread = np.linalg.inv(res.information)
    except np.linalg.LinAlgError:
        raise diverged from None
    # score residuals summed by cluster (one per client when unclustered)
    meat = res.score_residuals(_codes(d.frame[cluster]), g) if clustered else res.score_residuals()
    raw_se = np.sqrt(np.diag(bread @ meat.T @ meat @ bread))
    if not np.isfinite(raw_se).all():
        raise diverged
    if clustered:
        factor, dof = np.sqrt(g / (g - 1)), g - 1
        std = raw_se * factor
        crit, p = t_ppf(0.975, dof), 2 * t_sf(np.abs(beta / std), dof)
        se_type = f"cluster-robust sandwich by {cluster} x G/(G-1), t({dof})"
    else:
        factor, dof, std = 1.0, None, raw_se
        crit, p = norm_ppf(0.975), 2 * norm_sf(np.abs(beta / std))
        se_type = "robust sandwich (HC0), normal"
    table = hazard_ratio_table(d, beta, std, crit, p)
    notes = [
        "Cause-specific Cox model of the hazard of a first job start from engagement: discharge without "
        "a job (the competing event) and the data cut censor follow-up, so hazard ratios compare the pace "
        "of job starts among clients still on the caseload (the Fine-Gray model is the sensitivity for "
        "the share who ever start a job). Ties by Efron's method (our own Newton-Raphson fit, verified "
        "against R's coxph and statsmodels PHReg with Efron ties).",
        *d.notes,
    ]
    if strata:
        notes.append(
            f"{column_words(strata)} enters as strata (its own baseline hazard), so it has no hazard ratio."
        )
    if clustered:
        notes.append(
            f"Standard errors: cluster-robust sandwich (Efron score residuals summed within {cluster}) times "
            f"G/(G-1) (CR1); intervals and p-values from t with G-1 = {dof} df."
        )
    if clustered and g < 20:
        notes.append(
            f"Only {g} clusters: clustered standard errors are imprecise and may still be too small; "
            "read the intervals as rough."
        )
    if not res.converged:
        notes.append(f"Fitting warning: Newton-Raphson did not converge ({res.iterations} iterations).")
    rhs = [t for t in terms if t in {r["term"] for r in d.rows}] + ([f"strata({strata})"] if strata else [])
    card = {
        "outcome": "time from engagement to first job start (days); cause-specific, discharge censors",
        "formula": f"Surv({duration}, {event}) ~ {' + '.join(rhs)}",
        "n": n,
        "events": events,
        "clusters": g,
        "se_type": se_type,
        "df": dof,
        "imputations": 0,
        "software": f"ipseval {__version__} Cox (Newton-Raphson on the Efron partial likelihood in numpy "
        f"{np.__version__}; verified against R coxph(ties='efron') in the test suite)",
        "ties": "efron",
        "se_factor": float(factor),
        "dropped_missing": d.dropped,
    }
    return ImpactResult("cox", table, card, notes)


def cox_model(store: Store, settings: Settings, integration: bool = False) -> ImpactResult:
    """Cause-specific Cox model of a first job start (discharge without a job censors, as R's
    ``coxph(Surv(time, status == 1) ~ ...)``) on the settings' controls, clustered by local authority.

    Local authority is a stratum; with ``integration=True`` integration strength replaces it.
    """
    frame = with_integration(analysis_frame(store, settings))
    terms = [t for t in controls(settings, frame) if t != "local_authority"]
    if integration:
        result = fit_cox(
            frame,
            [*terms, "integration_strength"],
            se=settings.impact.se,
            references={"integration_strength": INTEGRATION_REFERENCE},
        )
        result.card["areas_per_level"] = single_area_levels(
            result, frame.drop_nulls([*terms, "integration_strength"])
        )
        result.notes.append(
            "Integration strength is a property of areas: its hazard ratios compare a handful of areas "
            "and are weak evidence."
        )
    else:
        strata = "local_authority" if "local_authority" in controls(settings, frame) else None
        result = fit_cox(frame, terms, strata=strata, se=settings.impact.se)
    result.notes += controls_note(settings, frame, ("local_authority",))
    if settings.impact.se == "wild":
        result.notes.append(
            "No wild bootstrap for the Cox model: clustered sandwich with t(G-1) used instead."
        )
    return result
