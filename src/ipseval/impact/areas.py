"""Which areas truly differ in job entry, which are noise (O/E, funnel plot), and integration strength.

Expected job entries come from a logit of the controls without area (indirect standardisation).
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy.special import expit

from ..disclosure import wilson_interval
from ..distributions import binom_cdf, binom_ppf, chi2_ppf
from ..results import ColumnsAddUp, Rate, ResultTable, RowsAddUp, SameCount
from ..settings import Settings
from ..store import Store
from .data import analysis_frame, controls, controls_note, read_once
from .flat import ModelError, logit
from .result import AnalysisError, ImpactResult
from .survival import (
    INTEGRATION_REFERENCE,
    NOT_RECORDED,
    design,
    group_order,
    is_bool,
    single_area_levels,
    with_integration,
)

MISSING_LEVEL = "(missing)"
LEVELS = {"95": 0.95, "998": 0.998}  # funnel limits: two-sided coverage


def predict(result: ImpactResult, df: pl.DataFrame) -> np.ndarray:
    """Predicted probabilities of a logit ImpactResult for the rows of ``df`` (from its table)."""
    eta = np.zeros(df.height)
    for term, level, ref, b in result.table.select("term", "level", "reference", "estimate").iter_rows():
        if ref or b is None:
            continue
        if term == "(Intercept)":
            eta += b
        elif level == "":
            eta += b * df[term].cast(pl.Float64).to_numpy()
        else:
            eta += b * (df[term].cast(pl.Utf8) == level).cast(pl.Float64).to_numpy()
    return expit(eta)


# -- funnel plot ----------------------------------------------------------------------------------


def binomial_limit(p0: float, n: np.ndarray, prob: float) -> np.ndarray:
    """Exact binomial control limit for a proportion (Spiegelhalter 2005, interpolated quantile).

    r = smallest count with P(X <= r) >= prob; limit = (r - a) / n, a = (P(X <= r) - prob) / P(X = r).
    """
    n = np.asarray(n, dtype=float)
    if p0 <= 0 or p0 >= 1:
        return np.full(n.shape, float(p0))
    r = binom_ppf(prob, n, p0)
    f_r, f_r1 = binom_cdf(r, n, p0), binom_cdf(r - 1, n, p0)
    return np.clip((r - (f_r - prob) / (f_r - f_r1)) / n, 0.0, 1.0)


def funnel_limits(p0: float, n: np.ndarray) -> pl.DataFrame:
    """95% and 99.8% limits around ``p0`` for each denominator in ``n``."""
    n = np.asarray(n, dtype=float)
    cols = {"n": n.astype(np.int64), "p0": np.full(n.shape, p0)}
    for name, cover in LEVELS.items():
        cols[f"lower_{name}"] = binomial_limit(p0, n, (1 - cover) / 2)
        cols[f"upper_{name}"] = binomial_limit(p0, n, 1 - (1 - cover) / 2)
    return pl.DataFrame(cols)


def _position(rate: float | None, lo: float, hi: float) -> str | None:
    if rate is None or np.isnan(rate):
        return None
    return "above" if rate > hi else "below" if rate < lo else "within"


# -- per area -------------------------------------------------------------------------------------


def _area_counts(store: Store) -> pl.DataFrame:
    """Referrals, engagement and job entry per area (outcomes_summary) with the areas table."""
    return read_once(store, "area_counts", lambda: _read_area_counts(store))


def _read_area_counts(store: Store) -> pl.DataFrame:
    counts = store.query(
        """SELECT "group" AS local_authority, referrals, engaged, denominator, job_entries
           FROM outcomes_summary WHERE breakdown = 'local_authority'"""
    )
    areas = store.query("SELECT local_authority, integration_strength, population FROM areas")
    df = areas.join(counts, on="local_authority", how="full", coalesce=True).with_columns(
        pl.col("referrals", "engaged", "denominator", "job_entries").fill_null(0).cast(pl.Int64),
        pl.col("integration_strength").fill_null(NOT_RECORDED),
    )
    return df.with_columns(
        (pl.col("referrals") - pl.col("engaged")).alias("not_engaged"),
        (pl.col("denominator") - pl.col("job_entries")).alias("without_job_entry"),
    ).sort("local_authority")


def _indicator_frame(frame: pl.DataFrame, terms: list[str]) -> tuple[pl.DataFrame, list[str]]:
    """Missing as its own level '(missing)'; a missing number as the mean plus a 0/1 flag."""
    fixes, out = [], list(terms)
    for t in terms:
        if frame[t].null_count() == frame.height:  # never recorded: nothing to adjust for
            out.remove(t)
            continue
        numeric = frame.schema[t].is_numeric()
        if numeric and not is_bool(t):
            if frame[t].null_count():
                flag = pl.col(t).is_null().cast(pl.Int8).alias(f"{t}_missing")
                fixes += [pl.col(t).fill_null(pl.col(t).mean()), flag]
                out.append(f"{t}_missing")
        else:
            col = (
                pl.col(t).cast(pl.Int8).replace_strict({0: "no", 1: "yes"}, default=None)
                if numeric
                else pl.col(t)
            )
            fixes.append(col.cast(pl.Utf8).fill_null(MISSING_LEVEL).alias(t))
    return frame.with_columns(fixes), out


def _expected_model(frame: pl.DataFrame, settings: Settings) -> tuple[ImpactResult, pl.DataFrame]:
    area_terms = ("local_authority", "integration_strength")
    terms = [t for t in controls(settings, frame) if t not in area_terms]
    df, terms = _indicator_frame(frame, terms)
    d = design(df, terms, binary=True)
    kept = list(dict.fromkeys(r["term"] for r in d.rows))
    refs = {r["term"]: r["level"] for r in d.rows if r["reference"]}
    try:
        # only predictions are used: no marginal effects
        # separation in a small service: Firth's fit; no interval is shown, so none is profiled
        model = logit(
            d.frame,
            "job_entry",
            kept,
            reference=refs,
            se="model",
            ame_terms=[],
            method="auto",
            profile_terms=[],
        )
    except ModelError as exc:
        raise AnalysisError(f"The model for expected job entries cannot be fitted: {exc}.") from None
    model.name = "area_expected_logit"
    model.card |= {"imputations": 0, "dropped_missing": 0}
    model.notes += [
        "Expected job entries: logit of job entry on the controls without area, fitted on all areas; "
        "a missing category is its own level and a missing number is the mean plus a 0/1 flag.",
        *d.notes,
        *controls_note(settings, frame, area_terms),
    ]
    expected = d.frame.select("local_authority", pl.Series("p", predict(model, d.frame)))
    return model, expected.group_by("local_authority").agg(pl.col("p").sum().alias("expected_job_entries"))


def area_variation(store: Store, settings: Settings) -> dict:
    """Per area: counts, rate (Wilson CI), expected from the controls, O/E, adjusted rate, funnel.

    Keys: area_variation, area_funnel_limits (ResultTables) and area_expected_model (ImpactResult).
    """
    frame = analysis_frame(store, settings)
    if frame.height == 0 or frame["job_entry"].sum() == 0:
        raise AnalysisError("No job entries in the job-entry denominator: no comparison of areas.")
    model, expected = _expected_model(frame, settings)
    df = _area_counts(store).join(expected, on="local_authority", how="left")
    p0 = df["job_entries"].sum() / df["denominator"].sum()
    rows = []
    for r in df.iter_rows(named=True):
        n, o, e = r["denominator"], r["job_entries"], r["expected_job_entries"]
        rate = o / n if n else None
        lo, hi = wilson_interval(o, n) if n else (None, None)
        ratio = o / e if n and e else None
        oe = (None,) * 3
        if ratio is not None:  # exact Poisson (Garwood) interval for O, divided by E (E taken as known)
            oe = (
                ratio,
                chi2_ppf(0.025, 2 * o) / 2 / e if o else 0.0,
                chi2_ppf(0.975, 2 * o + 2) / 2 / e,
            )
        adj = tuple(None if v is None else v * p0 for v in oe)
        lim = funnel_limits(p0, np.array([max(n, 1)])).row(0, named=True)
        pos = [_position(v, lim[f"lower_{k}"], lim[f"upper_{k}"]) for v in (rate, adj[0]) for k in LEVELS]
        rows.append((rate, lo, hi, *oe, *adj, *pos))
    flags = [f"{a}funnel_{k}" for a in ("", "adjusted_") for k in LEVELS]
    after_model = [
        "oe_ratio",
        "oe_ci_low",
        "oe_ci_high",
        "adjusted_rate",
        "adjusted_ci_low",
        "adjusted_ci_high",
    ]
    rate_cols = ["job_entry_rate", "job_entry_ci_low", "job_entry_ci_high"]
    schema = dict.fromkeys([*rate_cols, *after_model], pl.Float64) | dict.fromkeys(flags, pl.Utf8)
    stats_df = pl.DataFrame(rows, schema=schema, orient="row")
    pop = pl.when(pl.col("population") > 0).then(pl.col("referrals") / pl.col("population") * 1e5)
    data = pl.concat([df, stats_df], how="horizontal").with_columns(pop.alias("referrals_per_100k"))
    counts = ["referrals", "engaged", "not_engaged", "denominator", "job_entries", "without_job_entry"]
    order = [
        "local_authority",
        "integration_strength",
        "population",
        *counts,
        "referrals_per_100k",
        *rate_cols,
        "expected_job_entries",
        *after_model,
        *flags,
    ]
    firth_note = [
        "Some categories of the controls had all or no job entries (separation), so the model for "
        "expected job entries was fitted with Firth's penalised likelihood."
    ] * (model.card["fit"] == "firth")
    n_max = max(int(df["denominator"].max()), 10)
    grid = np.unique(np.round(np.geomspace(1, 1.2 * n_max, 120)))
    limits = funnel_limits(p0, grid)
    method = (
        "Funnel limits: exact binomial quantiles around the overall rate with Spiegelhalter's (2005) "
        "interpolation, 95% and 99.8% two-sided; 'above'/'below' = outside the limits at the area's "
        "denominator. No allowance for over-dispersion (too few areas to estimate it)."
    )
    return {
        "area_variation": ResultTable(
            key="area_variation",
            title="Job entry by area: observed, expected from who was referred, and funnel position",
            data=data.select(*order),
            dims=["local_authority", "integration_strength"],
            counts=counts,
            rates={"job_entry_rate": Rate("job_entries", "denominator", tuple(rate_cols[1:]))},
            guarded={
                "referrals_per_100k": "referrals",
                "expected_job_entries": "denominator",
                **dict.fromkeys([*after_model, *flags], "job_entries"),
            },
            additive=[
                *(
                    RowsAddUp(c, of=(c, ("=overall", "=All"))) for c in counts
                ),  # the areas add up to all clients
                ColumnsAddUp(("engaged", "not_engaged"), "referrals"),
                ColumnsAddUp(("job_entries", "without_job_entry"), "denominator"),
            ],
            shares=[SameCount(c, c, ("=local_authority", "local_authority")) for c in counts],
            spare=["not_engaged", "without_job_entry"],
            columns={
                "population": "area population (areas table), if given",
                "referrals_per_100k": "referrals per 100,000 population",
                "expected_job_entries": "sum over the area's clients of the job-entry probability predicted "
                "from the controls (no area term)",
                "oe_ratio": "observed / expected job entries",
                "oe_ci_low": "95% exact Poisson interval of the observed count, divided by expected",
                "adjusted_rate": "model-adjusted rate: O/E x the overall rate (indirect standardisation)",
                "funnel_95": "crude rate above, below or within the 95% funnel limits",
                "funnel_998": "crude rate above, below or within the 99.8% funnel limits",
                "adjusted_funnel_95": "adjusted rate against the same 95% limits (approximate)",
                "adjusted_funnel_998": "adjusted rate against the same 99.8% limits (approximate)",
            },
            notes=[
                "The adjusted rate is indirectly standardised: the area's observed / expected ratio times "
                f"the overall rate ({p0:.3f}). It asks how the area did with the clients it had; it is not "
                "a rate to rank areas with different client mixes against each other.",
                method,
                "O/E and adjusted rates are hidden with the job entries they rest on (E and the overall "
                "rate would otherwise give the count back).",
                "With this few areas, an area outside the 95% limits can be chance; outside 99.8% is "
                "stronger evidence of a real difference.",
                *firth_note,
            ],
        ),
        "area_funnel_limits": ResultTable(
            key="area_funnel_limits",
            title="Funnel plot limits for job entry rates",
            data=limits,
            dims=["n"],
            about_people=False,
            columns={
                "n": "denominator (clients in the job-entry denominator)",
                "p0": "overall job entry rate",
                "lower_95": "95% lower limit",
                "upper_95": "95% upper limit",
                "lower_998": "99.8% lower limit",
                "upper_998": "99.8% upper limit",
            },
            notes=[method],
        ),
        "area_expected_model": model,
    }


# -- integration strength -------------------------------------------------------------------------


def _integration_logit(frame: pl.DataFrame, settings: Settings) -> tuple[ImpactResult | None, list[str]]:
    area_terms = ("local_authority", "integration_strength")
    terms = [t for t in controls(settings, frame) if t not in area_terms]
    terms.append("integration_strength")
    d = design(frame, terms, binary=True, references={"integration_strength": INTEGRATION_REFERENCE})
    kept = list(dict.fromkeys(r["term"] for r in d.rows))
    if "integration_strength" not in kept:
        return None, [
            *d.notes,
            "No adjusted comparison: integration strength has one level in the model data.",
        ]
    refs = {r["term"]: r["level"] for r in d.rows if r["reference"]}
    se, imp = settings.impact.se, settings.impact
    try:
        res = logit(
            d.frame, "job_entry", kept, reference=refs, cluster="local_authority", se=se,
            bootstrap_reps=imp.bootstrap_reps, seed=imp.seed, ame_terms=["integration_strength"],
        )  # fmt: skip
    except ModelError as exc:
        return None, [f"No adjusted comparison: {exc}."]
    res.name = "integration_logit"
    per_level = single_area_levels(res, d.frame)
    res.card |= {"imputations": 0, "dropped_missing": d.dropped, "areas_per_level": per_level}
    if few := {lv: k for lv, k in per_level.items() if 2 <= k <= 4}:
        res.notes.append(
            "Few areas per level ("
            + ", ".join(f"{lv} {k}" for lv, k in sorted(few.items()))
            + "): cluster-robust "
            "intervals are known to be too narrow when a level covers only a handful of clusters (MacKinnon "
            "and Webb 2017); the wild cluster bootstrap (a choice of the settings' standard errors) is more honest, though "
            "still rough."
        )
    g = res.card.get("clusters") or frame["local_authority"].n_unique()
    res.notes += [
        "Adjusted difference: logit of job entry on integration strength and the controls (local authority "
        f"left out: integration strength is a property of areas); standard errors: {res.card['se_type']}. "
        f"AME = average marginal effect against '{refs['integration_strength']}' areas.",
        *d.notes,
        f"Weak evidence: integration strength varies only between {g} areas, so this compares a handful of "
        "areas that differ in many other ways too; the clustered intervals rest on very few clusters.",
        *controls_note(settings, frame, area_terms),
    ]
    return res, res.notes


def integration_panel(store: Store, settings: Settings) -> dict:
    """Areas by integration strength: areas, referrals (per area, per 100,000), job entry, adjusted OR/AME.

    Keys: integration_panel (ResultTable) and integration_logit (ImpactResult, None if not estimable).
    """
    areas = _area_counts(store)
    frame = with_integration(analysis_frame(store, settings))
    model, notes = (
        _integration_logit(frame, settings)
        if frame["integration_strength"].n_unique() > 1
        else (None, ["Only one integration strength: no comparison."])
    )
    counts = ["referrals", "engaged", "not_engaged", "denominator", "job_entries", "without_job_entry"]
    df = (
        areas.group_by("integration_strength")
        .agg(
            pl.len().cast(pl.Int64).alias("areas"),
            pl.when(pl.col("population").null_count() == 0)
            .then(pl.col("population").sum())
            .alias("population"),
            *(pl.col(c).sum() for c in counts),
        )
        .with_columns(
            (pl.col("referrals") / pl.col("areas")).alias("referrals_per_area"),
            pl.when(pl.col("population") > 0)
            .then(pl.col("referrals") / pl.col("population") * 1e5)
            .alias("referrals_per_100k"),
        )
    )
    ci = [
        wilson_interval(o, n) if n else (None, None)
        for o, n in df.select("job_entries", "denominator").iter_rows()
    ]
    rate_cols = ["job_entry_rate", "job_entry_ci_low", "job_entry_ci_high"]
    df = df.with_columns(
        pl.when(pl.col("denominator") > 0)
        .then(pl.col("job_entries") / pl.col("denominator"))
        .alias(rate_cols[0]),
        pl.Series(rate_cols[1], [c[0] for c in ci], dtype=pl.Float64),
        pl.Series(rate_cols[2], [c[1] for c in ci], dtype=pl.Float64),
    )  # fmt: skip
    adjusted = [
        "odds_ratio",
        "or_ci_low",
        "or_ci_high",
        "ame_pp",
        "ame_pp_ci_low",
        "ame_pp_ci_high",
        "p_value",
    ]
    if model is not None:
        est = (
            model.table.filter(pl.col("term") == "integration_strength")
            .select(
                pl.col("level").alias("integration_strength"),
                "odds_ratio",
                "or_ci_low",
                "or_ci_high",
                *(pl.col(c) * 100 for c in ("ame", "ame_ci_low", "ame_ci_high")),
                "p_value",
            )
            .rename({"ame": "ame_pp", "ame_ci_low": "ame_pp_ci_low", "ame_ci_high": "ame_pp_ci_high"})
        )
        df = df.join(est, on="integration_strength", how="left")
    else:
        df = df.with_columns(pl.lit(None, dtype=pl.Float64).alias(c) for c in adjusted)
    order = {
        g: i for i, g in enumerate(group_order("integration_strength", df["integration_strength"].to_list()))
    }
    df = df.sort(pl.col("integration_strength").replace_strict(order, return_dtype=pl.Int64))
    stats_cols = ["referrals_per_area", "referrals_per_100k"]
    table = ResultTable(
        key="integration_panel",
        title="Job entry by how well IPS is integrated into the drug and alcohol team",
        data=df.select(
            "integration_strength", "areas", "population", *counts, *stats_cols, *rate_cols, *adjusted
        ),
        dims=["integration_strength"],
        counts=counts,
        rates={"job_entry_rate": Rate("job_entries", "denominator", tuple(rate_cols[1:]))},
        guarded={**dict.fromkeys(stats_cols, "referrals"), **dict.fromkeys(adjusted, "denominator")},
        additive=[
            *(RowsAddUp(c, of=(c, ("=overall", "=All"))) for c in counts),  # the levels add up to all clients
            ColumnsAddUp(("engaged", "not_engaged"), "referrals"),
            ColumnsAddUp(("job_entries", "without_job_entry"), "denominator"),
        ],
        spare=["not_engaged", "without_job_entry"],
        columns={
            "integration_strength": f"from the areas table; areas not in it are '{NOT_RECORDED}'",
            "areas": "local authorities in the group",
            "population": "total population of the group's areas (blank unless every area has one)",
            "referrals_per_area": "referrals / areas",
            "referrals_per_100k": "referrals per 100,000 population",
            "odds_ratio": "adjusted odds ratio of job entry against the reference group",
            "ame_pp": "adjusted difference in job entry, percentage points (average marginal effect)",
            "ame_pp_ci_low": "95% interval, lower (t on G-1 df)",
            "p_value": "p-value of the adjusted difference",
        },
        notes=list(notes),
    )
    return {"integration_panel": table, "integration_logit": model}
