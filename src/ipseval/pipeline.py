"""One evaluation run end to end: read → validate → store → compute → protect → render.

The CLI and the dashboard call :func:`run_evaluation`; it knows the order of the steps and
nothing about terminals or web pages (progress is reported through a callback).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .evaluation import Evaluation, PublishedEvaluation, compute
from .settings import Settings
from .store import Store, import_dataset

Progress = Callable[[str], None]


@dataclass
class EvaluationRun:
    validated: object  # ipseval.validate.ValidatedDataset
    evaluation: Evaluation
    published: PublishedEvaluation
    outputs: dict[str, Path]
    db_path: Path


def run_evaluation(
    source: str | Path,
    out_dir: str | Path,
    settings: Settings,
    db_path: str | Path | None = None,
    pdf: bool | None = None,
    progress: Progress | None = None,
) -> EvaluationRun:
    """Evaluate the data set at ``source`` and write every output to ``out_dir``."""
    from .problems import write_problem_report
    from .report import write_report
    from .validate import load

    step = progress or (lambda _name: None)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    step("reading and validating")
    ds = load(source, settings)
    write_problem_report(ds, out)
    db = Path(db_path) if db_path else out / "ipseval.duckdb"
    step("importing into the store")
    import_dataset(
        db,
        ds.tables,
        settings,
        ds.data_cut,
        row_counts=ds.row_counts,
        problems=ds.problems,
        meta={"source": str(source), "data_cut_source": ds.data_cut_source},
    )
    if ds.interviews_dir is not None:
        from .qualitative.evaluate import fill_embedding_cache

        step("embedding interview segments (kept in the store for re-runs)")
        fill_embedding_cache(ds.interviews_dir.parent, db, settings)
    with Store(db) as store:
        evaluation = compute(
            store,
            settings,
            row_counts=ds.row_counts,
            problems=ds.problems,
            source=Path(source).name,
            data_cut_source=ds.data_cut_source,
            step=lambda name, *_: step(f"computing {name}"),
            data_folder=ds.interviews_dir.parent if ds.interviews_dir else None,
        )
    step("applying disclosure control")
    published = evaluation.publish()
    step("writing the report")
    want_pdf = settings.report.pdf if pdf is None else pdf
    outputs = write_report(published, out, pdf=want_pdf)
    outputs["problems.csv"] = out / "problems.csv"
    outputs["problems.html"] = out / "problems.html"
    outputs["store"] = db
    return EvaluationRun(
        validated=ds, evaluation=evaluation, published=published, outputs=outputs, db_path=db
    )
