"""ipseval from Python: the functions ``import ipseval`` offers (see ``ipseval.__all__``).

Read and check a data set, evaluate it, and fit a logit or a comparison-group estimate on any
flat table, polars or pandas. The command line calls these same functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .impact.result import ImpactResult
from .settings import Settings, load_settings


def read(source: str | Path, settings: Settings | None = None) -> Any:
    """Read and check a folder of CSV files or one workbook against the data standard.

    Returns a :class:`ipseval.validate.ValidatedDataset`: ``tables`` (the usable rows, one polars
    frame per table), ``problems`` (every problem, one row each), ``row_counts`` (rows read = used
    + rejected) and ``data_cut``. Settings default to ``ipseval.toml`` beside the data."""
    from .validate import load

    return load(source, settings if settings is not None else _beside(source))


def evaluate(
    source: str | Path,
    out_dir: str | Path = "out",
    settings: Settings | None = None,
    pdf: bool = False,
    progress: Any = None,
) -> Any:
    """The whole evaluation of ``source``, written to ``out_dir`` (report.html, results.json,
    tables/*.csv, problems.html/csv). Returns an :class:`ipseval.pipeline.EvaluationRun` whose
    ``published`` holds every table after disclosure control and ``exit_code`` says as the
    command line would whether the data were clean."""
    from .pipeline import run_evaluation

    chosen = settings if settings is not None else _beside(source)
    return run_evaluation(source, out_dir, chosen, pdf=pdf, progress=progress)


def logit(
    df: Any,
    outcome: str,
    terms: list[str],
    reference: dict[str, str] | None = None,
    cluster: str | None = None,
    se: str = "cluster_t",
    **options: Any,
) -> ImpactResult:
    """Logistic regression of a 0/1 (or yes/no) ``outcome`` on ``terms`` of a polars or pandas
    frame, codes read as ``validate`` reads them (see :mod:`ipseval.impact.flat_codes`).

    ``se``: "cluster_t" (CR1 by ``cluster``, t with G-1 df), "wild", "robust" (HC1) or "model".
    Returns an :class:`ImpactResult`: ``.table`` (polars), ``.to_pandas()``, ``.summary()``,
    ``.card`` and ``.notes``. Other options: see :func:`ipseval.impact.flat.logit`."""
    from .impact import flat_codes
    from .impact.flat import logit as fit

    data = flat_codes.yes_no(flat_codes.as_polars(df), [outcome])
    data, merged = flat_codes.one_spelling(data, [t for t in terms if t in data.columns])
    refs = flat_codes.reference_levels(data, reference or {})
    result = fit(
        data, outcome=outcome, terms=terms, reference=refs or None, cluster=cluster, se=se, **options
    )
    result.notes.extend(merged)
    return result


def compare(
    df: Any, treatment: str, outcome: str, covariates: list[str], method: str = "ipw", **options: Any
) -> ImpactResult:
    """Average effect on the treated of a 0/1 (or yes/no) ``treatment`` on ``outcome`` against a
    comparison group, by propensity-score weighting ("ipw") or matching ("match"), on a polars or
    pandas frame (codes read as ``validate`` reads them). Returns an :class:`ImpactResult` (see
    :func:`logit`); ``.converged`` is False when the propensity model did not converge. Other
    options: see :func:`ipseval.impact.compare.compare`."""
    from .impact import flat_codes
    from .impact.compare import compare as estimate

    data = flat_codes.yes_no(flat_codes.as_polars(df), [treatment, outcome])
    data, merged = flat_codes.one_spelling(data, [c for c in covariates if c in data.columns])
    result = estimate(
        data, treatment=treatment, outcome=outcome, covariates=covariates, method=method, **options
    )
    result.notes.extend(merged)
    return result


def _beside(source: str | Path) -> Settings:
    where = Path(source)
    return load_settings(search_dir=where if where.is_dir() else where.parent)
