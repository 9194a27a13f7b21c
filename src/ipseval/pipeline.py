"""One evaluation run end to end: read → validate → store → compute → protect → render.

The CLI and the dashboard call :func:`run_evaluation`; it knows the order of the steps and
nothing about terminals or web pages. Progress goes to a reporter (:mod:`ipseval.progress`; a
function of the stage name also works) as weighted phases, so its share of the work done means
something. The output folder and the store's folder are checked before the long work starts;
disk problems raise :class:`ipseval.atomic.OutputError` naming the place and what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import workers
from .atomic import OutputError, check_writable, explain, explain_text
from .progress import Plan, Progress
from .settings import Settings
from .store import Store, StoreError, import_dataset

if TYPE_CHECKING:
    from .evaluation import Evaluation, PublishedEvaluation

# each phase's usual share of an evaluation's time (make bench: at a million clients read+validate
# ~15%, import ~15%, the analyses ~65%, the report a few per cent)
PHASES = {"read": 0.17, "import": 0.15, "compute": 0.6, "protect": 0.02, "report": 0.06}
# what the impact models (run in the helper process, see ipseval.analyses.elsewhere) import
IMPACT_MODULES = (
    "ipseval.analyses.elsewhere",
    "ipseval.analyses.runner",
    "ipseval.impact.published",
    "ipseval.impact.dose",
    "ipseval.impact.survival",
    "ipseval.impact.finegray",
    "ipseval.impact.areas",
)


@dataclass
class EvaluationRun:
    validated: Any  # ipseval.validate.ValidatedDataset, its tables emptied once imported (in the store)
    evaluation: Evaluation
    published: PublishedEvaluation
    outputs: dict[str, Path]
    db_path: Path

    @property
    def alerts(self) -> list[str]:
        """Sentences about tables of which a large share of rows was rejected."""
        from .problems import rejected_alerts

        return rejected_alerts(self.validated)

    @property
    def failed(self) -> list[tuple[str, str]]:
        """(analysis or report section, reason) for each that failed unexpectedly (the rest was
        written)."""
        return list(self.published.failed)

    @property
    def exit_code(self) -> int:
        """3 an analysis failed, 1 rows were rejected or an alert was raised, 0 clean."""
        if self.failed:
            return 3
        return 1 if getattr(self.validated, "n_errors", 0) or self.alerts else 0


def _import(db: Path, ds: Any, settings: Settings, source: str | Path) -> None:
    """Import into the store; a store that cannot be written is named in plain words."""
    import duckdb

    try:
        import_dataset(
            db,
            ds.tables,
            settings,
            ds.data_cut,
            row_counts=ds.row_counts,
            problems=ds.problems,
            meta={"source": str(source), "data_cut_source": ds.data_cut_source},
            consume=True,  # each table leaves memory once in the store (run_evaluation clears the rest)
        )
    except OSError as e:
        raise explain(e, db) from e
    except (StoreError, duckdb.Error) as e:
        named = _store_problem(str(e), db)
        if named is None:
            raise
        raise named from e


def _store_problem(text: str, db: Path) -> OutputError | None:
    if "lock" in text.lower() and "conflicting" in text.lower():
        return OutputError(
            "in use",
            f"the store {db} is in use by another program (the dashboard, or another evaluation)",
            db.parent,
        )
    return explain_text(text, db)


def compute(store: Store, settings: Settings, **options: Any) -> Evaluation:
    """The analyses (:func:`ipseval.evaluation.compute`), imported when the compute phase starts:
    they bring in scipy, pandas and the models (about two seconds), which reading and validating
    do not need, so the first phase starts at once."""
    from .evaluation import compute as compute_analyses

    return compute_analyses(store, settings, **options)


def _import_report() -> None:
    """Import the report's libraries (matplotlib, great_tables: about 0.4 s on the demo)."""
    import_module("ipseval.report")


def run_evaluation(
    source: str | Path,
    out_dir: str | Path,
    settings: Settings,
    db_path: str | Path | None = None,
    pdf: bool | None = None,
    progress: Progress | Callable[[str], Any] | None = None,
    raise_errors: bool = False,
) -> EvaluationRun:
    """Evaluate the data set at ``source`` and write every output to ``out_dir``.

    ``raise_errors`` (--debug): an analysis's unexpected error propagates instead of being
    recorded as failed while the rest of the report is written."""
    from .problems import write_problem_report
    from .validate import load

    plan = Plan(progress, PHASES)
    out = check_writable(out_dir)
    db = Path(db_path) if db_path else out / "ipseval.duckdb"
    check_writable(db.parent)
    # start the helper process now (with the impact models on: without them the run is too short
    # for it to pay; see workers): it imports the models' libraries while we read, runs the models
    # while we compute the rest, and imports the report's libraries before drawing part of it
    if settings.impact.enabled:
        workers.second_core(warm=IMPACT_MODULES, then=("ipseval.report",))
    plan.phase("read", "reading and validating")
    ds = load(source, settings)
    write_problem_report(ds, out)
    plan.phase("import", "importing into the store")
    _import(db, ds, settings, source)
    # the rows now live in the store, which every later step reads: holding the validated frames
    # through the analyses would add the whole data set to their memory (gigabytes at a million
    # clients); the problems and row counts stay for the reports
    ds.tables.clear()
    if ds.interviews_dir is not None:
        from .qualitative.evaluate import fill_embedding_cache

        plan.step("embedding interview segments (kept in the store for re-runs)")
        fill_embedding_cache(ds.interviews_dir.parent, db, settings)
    plan.phase("compute", "computing")

    def step(name: str, done: float | None = None, total: float | None = None) -> None:
        plan.step(f"computing {name}", done, total)  # one analysis; with counts once they are known

    with Store(db) as store:
        evaluation = compute(
            store,
            settings,
            row_counts=ds.row_counts,
            problems=ds.problems,
            source=Path(source).name,
            data_cut_source=ds.data_cut_source,
            step=step,
            data_folder=ds.interviews_dir.parent if ds.interviews_dir else None,
            raise_errors=raise_errors,
            while_waiting=_import_report,  # idle otherwise, until the helper's models are back
        )
    plan.phase("protect", "applying disclosure control")
    published = evaluation.publish()
    plan.phase("report", "writing the report")
    # the helper (when there is one) starts drawing its part before this process imports the
    # report's libraries (matplotlib and great_tables: imported only when needed)
    far = workers.submit_named("ipseval.report:far_sections", published)
    from .report import write_report

    want_pdf = settings.report.pdf if pdf is None else pdf
    outputs = write_report(published, out, pdf=want_pdf, far=far)
    if published.failed:  # the problem list carries what failed, beside the data problems
        write_problem_report(ds, out, published.failed)
    outputs["problems.csv"] = out / "problems.csv"
    outputs["problems.html"] = out / "problems.html"
    outputs["store"] = db
    plan.finish("evaluation written")
    return EvaluationRun(
        validated=ds, evaluation=evaluation, published=published, outputs=outputs, db_path=db
    )
