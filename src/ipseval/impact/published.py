"""The published evaluation's model: job entry by meeting band with its controls, clustered by area.

Multiple imputation is the main estimate; complete cases and meeting band alone are sensitivities.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from ..labels import code_words, codes_label, column_words, in_sentence
from ..results import SameCount
from ..settings import Settings
from ..store import Store
from .data import NUMERIC_CONTROLS, analysis_frame, controls_note, nearest_level
from .data import controls as data_controls
from .firth import SANDWICH_NOTE
from .flat import logit
from .imputation import imputations_for, impute_and_fit
from .result import AnalysisError, ImpactResult

MIN_LEVEL = 10  # fewer clients than this in a level (or no events, or all events): merged into "other"
OUTCOME = "job_entry"


def _prepare(frame: pl.DataFrame, controls: list[str]) -> tuple[pl.DataFrame, list[str], dict, list[str]]:
    """0/1 controls become no/yes; sparse levels are merged into "other" (judged on complete cases)."""
    fixes, categorical, numeric = [], [], []
    for c in controls:
        dtype = frame.schema[c]
        if c in NUMERIC_CONTROLS or (
            dtype.is_numeric() and not set(frame[c].drop_nulls().unique()) <= {0, 1}
        ):
            numeric.append(c)
        elif dtype.is_numeric():
            fixes.append(pl.col(c).replace_strict({0: "no", 1: "yes"}, default=None, return_dtype=pl.String))
            categorical.append(c)
        else:
            fixes.append(pl.col(c).cast(pl.String))
            categorical.append(c)
    frame = frame.with_columns(fixes)
    complete = frame.drop_nulls([OUTCOME, "meeting_band", *controls])
    collapsed, notes, dropped = {}, [], []
    for c in categorical:
        stats = complete.group_by(c).agg(n=pl.len(), events=pl.col(OUTCOME).sum())
        sparse = stats.filter(
            (pl.col("n") < MIN_LEVEL) | (pl.col("events") == 0) | (pl.col("events") == pl.col("n"))
        )[c].to_list()
        if not sparse:
            continue
        mapping = {lv: "other" for lv in sparse}
        other = stats.filter(pl.col(c).is_in([*sparse, "other"]))
        o_n, o_events = int(other["n"].sum()), int(other["events"].sum())
        what = f"{column_words(c)}: {codes_label(c, sorted(map(str, sparse)))}"
        if o_n < MIN_LEVEL or o_events in (0, o_n):  # still too small: join the largest level
            largest = stats.filter(~pl.col(c).is_in([*sparse, "other"])).sort("n", descending=True)[c]
            if largest.is_empty():
                dropped.append(c)
                notes.append(f"{column_words(c)} was left out of the model: every level was too small.")
                continue
            mapping = {lv: largest[0] for lv in [*sparse, "other"]}
            notes.append(
                f"{what} (too few clients or no variation in job entry) merged into the largest level, {code_words(c, str(largest[0]))}."
            )
        else:
            notes.append(
                f"{what} (fewer than {MIN_LEVEL} clients, or no variation in job entry) merged into Other."
            )
        collapsed[c] = {k: v for k, v in mapping.items() if k != v and k in stats[c].to_list()}
        frame = frame.with_columns(pl.col(c).replace(mapping))
        if frame[c].drop_nulls().n_unique() < 2:
            dropped.append(c)
            notes.append(f"{column_words(c)} was left out of the model: one level remained after merging.")
    return frame, [c for c in controls if c not in dropped], collapsed, notes


def _merged_away(frame: pl.DataFrame, wanted: list[str], kept: list[str]) -> dict[str, str]:
    """The reason for each control :func:`_prepare` left out (recorded, but one level or none left
    after merging sparse levels), with the complete cases the levels were judged on."""
    lost = [c for c in wanted if c not in kept]
    if not lost:
        return {}
    complete = frame.drop_nulls([OUTCOME, "meeting_band", *wanted]).height
    judged = (
        "levels are judged on the clients with every control recorded"
        if complete == frame.height
        else "levels are judged only on the clients with every control recorded, fewer than all the model's clients"
    )
    why = (
        f"recorded, but too few clients in its levels: after levels with fewer than {MIN_LEVEL} clients "
        f"or no variation in job entry were merged, only one level (or none) was left to compare; {judged}"
    )
    return dict.fromkeys(lost, why)


def _banded(frame: pl.DataFrame, settings: Settings) -> tuple[pl.DataFrame, list[str], dict[str, str]]:
    """The model's clients with their meeting band, the bands in order, and how the population is
    described. Clients without an attended meeting are left out, or, when so few that the band
    table counts them in the first band (:func:`ipseval.metrics.no_meetings_merged`), counted
    there too, so the model and the table describe the same clients."""
    from ..metrics import first_band_with_none, no_meetings_merged

    bands = [b.label for b in settings.definitions.meeting_bands]
    without = int(frame["meeting_band"].null_count())
    if no_meetings_merged(without, settings):
        merged = first_band_with_none(settings)
        frame = frame.with_columns(
            pl.col("meeting_band").fill_null(bands[0]).replace({bands[0]: merged}).alias("meeting_band")
        )
        bands = [merged, *bands[1:]]
        return (
            frame,
            bands,
            {
                "note": "Clients with no attended meeting were too few to show on their own, so they are "
                f"counted in the first band ('{merged}', the reference).",
                "card": "job-entry denominator",
            },
        )
    frame = frame.filter(pl.col("meeting_band").is_not_null())
    if frame.height == 0:
        raise AnalysisError(
            "No client in the job-entry denominator attended an IPS meeting, so there are no meeting bands "
            "to compare."
        )
    note = "Clients with no attended meeting are left out (the model compares meeting bands; first band = reference)."
    return frame, bands, {"note": note, "card": "job-entry denominator with at least one attended meeting"}


def estimates(result: ImpactResult) -> dict[tuple[str, str], float]:
    """A fit's estimates by (term, level), to start another fit from."""
    table = result.table.filter(~pl.col("reference"))
    return dict(zip(zip(table["term"], table["level"], strict=True), table["estimate"], strict=True))


def _imputations(m: int | str, frame: pl.DataFrame, controls: list[str]) -> tuple[int, str]:
    """The number of imputations ('auto' resolved on the model's clients) and how it was chosen."""
    if m != "auto":
        return int(m), ""
    share = frame.select(pl.any_horizontal(pl.col(controls).is_null()).mean()).item() if controls else 0.0
    share = share or 0.0
    m = imputations_for(share)
    if not share:
        return m, ""
    return m, (
        f" impact.imputations = 'auto': {share:.0%} of clients had a missing control, so m = {m} (that "
        "percentage, at least 5 and at most 20; White, Royston & Wood 2011)."
    )


def published_model(
    store: Store,
    settings: Settings,
    m: int | str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, ImpactResult]:
    """Logit of job entry on meeting band (first band = reference) plus the settings' controls.

    Returns {"published_mi", "published_complete_case", "published_unadjusted"} (no "published_mi"
    when m = 0); CR1 SEs clustered by local_authority, t(G-1). m defaults to impact.imputations;
    "auto" = :func:`~ipseval.impact.imputation.imputations_for` the share of clients with a missing control.
    """
    if m is None:
        m = settings.impact.imputations
    frame, bands, population = _banded(analysis_frame(store, settings), settings)
    frame = frame.with_columns(pl.col("meeting_band").cast(pl.Enum(bands)))
    controls = [c for c in data_controls(settings, frame) if c != "meeting_band"]
    frame = frame.with_columns(local_authority_cluster=pl.col("local_authority"))
    before, wanted = frame, controls
    frame, controls, collapsed, collapse_notes = _prepare(frame, controls)
    merged_away = _merged_away(before, wanted, controls)
    # the clusters stay the recorded areas even when small areas share one fixed effect
    cluster = "local_authority_cluster" if "local_authority" in collapsed else "local_authority"
    m, m_note = _imputations(m, frame, controls)
    reference_band, reference_note = nearest_level(bands, set(frame["meeting_band"].cast(pl.Utf8).unique()))
    reference = {"meeting_band": reference_band}

    def fit(
        d: pl.DataFrame, terms: list[str], method: str = "auto", profile: bool = True, start=None
    ) -> ImpactResult:
        # Firth's fit if there is separation (a small service). Profile intervals cost refits per
        # coefficient, so only the meeting bands (the report's main table) get them; an imputed
        # fit's intervals are not used at all (Rubin's rules pool estimates and SEs)
        return logit(
            d,
            OUTCOME,
            ["meeting_band", *terms],
            reference=reference,
            cluster=cluster,
            method=method,
            profile_terms=["meeting_band"] if profile else [],
            start=start,
        )

    common = [
        population["note"],
        "Meetings are counted over the whole caseload, including in-work support after a job starts, so "
        "clients who found work early have more meetings: the band odds ratios mix the effect of meetings "
        "with the effect of a job on meetings and should not be read as the effect of more support.",
    ]
    if "local_authority" in controls:
        common.append(
            "Local authority is both a control (area fixed effects) and the cluster for the standard errors, "
            "as in the published model; with each area its own cluster, the area coefficients' clustered "
            "standard errors are not meaningful (read them as adjustment only)."
        )
    common += [
        *reference_note,
        *controls_note(settings, before, ("meeting_band",), merged_away),
        *collapse_notes,
    ]
    card_extra = {
        "population": population["card"],
        "collapsed_levels": collapsed,
        "controls": controls,
    }

    def finish(result: ImpactResult, name: str, notes: list[str]) -> ImpactResult:
        result.name = name
        result.card.update(card_extra)
        own = [n.replace("by local_authority_cluster", "by local_authority") for n in result.notes]
        if "sandwich_std_error" not in result.table.columns:  # pooled: Rubin's rules drop the column
            own = [n for n in own if n != SANDWICH_NOTE]
        result.notes = [*common, *notes, *own]
        if name != "published_complete_case":  # every client of the population, so the band table's
            result.shares = [SameCount("n", "band_clients", ("level",), where=(("term", "meeting_band"),))]
        return result

    complete = fit(frame, controls)
    out = {
        "published_complete_case": finish(
            complete,
            "published_complete_case",
            [
                "Sensitivity: complete cases only."
                if m
                else "Main estimate (imputations = 0): complete cases only."
            ],
        ),
        "published_unadjusted": finish(
            fit(frame, []), "published_unadjusted", ["Sensitivity: meeting band only, no controls."]
        ),
    }
    if m == 0:  # imputations = 0: complete cases only
        return out
    missing = [c for c in controls if frame[c].null_count()]
    # one kind of fit for every imputation: Firth for all if the complete cases needed it
    method = "firth" if complete.card["fit"] == "firth" else "auto"
    latest = [complete]

    def imputed(d: pl.DataFrame) -> ImpactResult:
        # Newton starts from the previous imputed table's estimates (the complete cases' first)
        latest[0] = fit(d, controls, method, profile=not missing, start=estimates(latest[0]))
        return latest[0]

    mi = impute_and_fit(
        frame,
        imputed,
        columns=controls,
        m=m,
        predictors=[OUTCOME, "meeting_band"],
        progress=progress,
        iterations=settings.impact.imputation_cycles,
    )
    what = (
        f"missing values of {', '.join(in_sentence(column_words(c)) for c in missing)} imputed {m} times"
        if missing
        else "no control was missing"
    )
    note = (
        f"Main estimate: {what} by chained equations (predictive mean matching; the imputation models "
        f"include job entry and meeting band), pooled by Rubin's rules.{m_note}"
    )
    out = {"published_mi": finish(mi, "published_mi", [note]), **out}
    return out
