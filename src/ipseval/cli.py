"""The ``ipseval`` command: parses options and hands over to the library (no statistics here).

Exit codes (when several apply, the first in this order wins: 2, 3, 1, 0):

- 0 done, and the data were clean (warnings allowed);
- 1 done, but data problems were found (rows were rejected) or a large share of a table's rows
  was rejected (the alert is printed);
- 2 nothing was done: nothing usable could be read (a missing required file or column, an
  unreadable file), bad settings, or the outputs or the store cannot be written (read-only
  folder, full disk: the folder is named);
- 3 an analysis failed unexpectedly (``evaluate`` still writes the rest of the report), or an
  unexpected error; re-run with ``--debug`` for the traceback;
- 4 ``model`` or ``compare``: the model did not converge (its result is shown, with the reason,
  but is not to be used);
- 130 interrupted.

``--debug`` may be given before or after the command (``ipseval evaluate data --debug``).
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from .console import (
    Bar,
    print_failed,
    print_problem_summary,
    print_problems,
    problem_causes,
    progress_for,
    row_counts_table,
)
from .progress import Lines, Plan, Silent

# ipseval.demo.generate.MIN_CLIENTS, not imported here (the CLI imports its work lazily); a test
# checks they agree
MIN_DEMO_CLIENTS = 20

# options of the whole program, accepted before or after the command's name
_ANYWHERE = ("--debug", "--quiet", "-q", "--verbose", "-v")


def _plain_flags(command) -> None:
    """Flags take no value: show none after them in --help (typer would print ``<bool>``)."""
    for param in command.params:
        if getattr(param, "is_flag", False) and param.metavar is None:
            param.metavar = ""


class _Group(TyperGroup):
    """Accepts the program's own options (``--debug``, ``--quiet``, ``--verbose``) anywhere before
    a ``--``, not only before the command's name; shows flags without a value type."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        cut = args.index("--") if "--" in args else len(args)
        moved = [a for a in args[:cut] if a in _ANYWHERE]
        kept = [a for i, a in enumerate(args) if not (a in _ANYWHERE and i < cut)]
        return super().parse_args(ctx, [*dict.fromkeys(moved), *kept])

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.metavar = ""
        _plain_flags(self)
        return option

    def get_command(self, ctx, cmd_name: str):
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _plain_flags(command)
            _hide_help_type(command)
        return command


def _hide_help_type(command) -> None:
    """The --help of each command, too, without a value type."""
    if getattr(command, "_plain_help", False):
        return
    own = command.get_help_option

    def plain(ctx):
        option = own(ctx)
        if option is not None:
            option.metavar = ""
        return option

    command.get_help_option = plain
    command._plain_help = True


app = typer.Typer(
    name="ipseval",
    help="Evaluate an Individual Placement and Support (IPS) employment service from its records.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_Group,
)
console = Console(stderr=False, highlight=False)
errors = Console(stderr=True, highlight=False)

_DEBUG = {"on": False}
# --quiet: no progress and no problem lists (the result lines and errors still show);
# --verbose: every step on its own line with its time, and every problem listed
_OUTPUT = {"quiet": False, "verbose": False}
# set by a command once every output is written and closed: the process then ends without the
# interpreter's teardown (freeing polars, DuckDB and matplotlib, and waiting for the helper process
# to do the same took a second or more of an evaluation). Only main() acts on it, never library
# calls or tests running a command in-process.
_DONE = {"written": False}

SettingsOpt = Annotated[
    Path | None,
    typer.Option("--settings", "-s", help="Settings file (default: ipseval.toml beside the data, if any)."),
]


class Fatal(Exception):
    """A user-facing failure: one line, exit 2."""


def _settings(path: Path | None, data: Path | None):
    from .settings import load_settings

    search = None
    if data is not None:
        search = data if data.is_dir() else data.parent
    return load_settings(path, search_dir=search)


def _fail(message: str, code: int = 2) -> None:
    errors.print(f"[bold red]ipseval:[/] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


def _guard(fn):
    """Turn expected failures into one plain line and an exit code; never a traceback."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from .atomic import OutputError
        from .disclosure import DisclosureError
        from .impact.result import AnalysisError
        from .ingest import InputError
        from .settings import SettingsError
        from .store import StoreError

        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except (
            InputError,
            SettingsError,
            StoreError,
            AnalysisError,
            OutputError,
            DisclosureError,
            Fatal,
        ) as e:
            if _DEBUG["on"]:
                raise
            _fail(str(e), 2)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except OSError as e:  # a file or disk problem met outside ipseval's own writers
            if e.filename and not _DEBUG["on"]:
                _fail(_os_problem(e), 2)
            _unexpected(e)
        except Exception as e:  # a bug: say so plainly, offer --debug
            _unexpected(e)

    return wrapper


def _unexpected(e: Exception) -> None:
    """A bug: the traceback with --debug, else one line saying how to get it (exit 3)."""
    if _DEBUG["on"]:
        raise e
    _fail(
        f"unexpected error ({type(e).__name__}: {e}). Re-run with --debug for details "
        "and report it with the command you ran.",
        3,
    )


def _os_problem(e: OSError) -> str:
    """A file or disk problem in one line: the disk problems named, others as the system says."""
    import errno

    from .atomic import explain

    if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):  # only writing meets these
        return str(explain(e, e.filename))
    return f"{e.filename}: {(e.strerror or str(e)).lower()}"


def _show_version(value: bool) -> None:
    if value:
        from . import __version__

        console.print(f"ipseval {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show full tracebacks for errors (also after the command).")
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="Only the outcome: no progress and no problem lists (errors still shown)."
        ),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="Every step on its own line with its time, and every problem listed."
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    if quiet and verbose:
        _fail("--quiet and --verbose cannot be used together")
    _DEBUG["on"] = debug
    _OUTPUT.update(quiet=quiet, verbose=verbose)


def _shown(quiet: bool = False) -> Bar | Lines | Silent:
    """Progress on standard error: a bar in a terminal, plain lines elsewhere or with --verbose,
    nothing with --quiet (or ``quiet``: output meant for a program)."""
    if _OUTPUT["verbose"] and not quiet:
        return Lines(errors.file)
    return progress_for(errors, quiet or _OUTPUT["quiet"])


def _plan(weights: dict[str, float], quiet: bool = False) -> tuple[Plan, Bar | Lines | Silent]:
    """A progress plan drawn on standard error (see :func:`_shown`)."""
    shown = _shown(quiet)
    return Plan(shown, weights), shown


@app.command()
@_guard
def demo(
    directory: Annotated[Path, typer.Argument(help="Folder to write the demo data set into.")],
    clients: Annotated[
        int, typer.Option("--clients", "-n", min=MIN_DEMO_CLIENTS, help="Number of clients.")
    ] = 718,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same data).")] = 2019,
    clean: Annotated[bool, typer.Option("--clean", help="Leave out the deliberately invalid rows.")] = False,
    comparison: Annotated[
        bool, typer.Option("--comparison", help="Also write a comparison group (people not referred).")
    ] = False,
    meetings_per_client: Annotated[
        float | None,
        typer.Option("--meetings-per-client", help="Mean meetings per client (default: realistic)."),
    ] = None,
) -> None:
    """Write a synthetic IPS service data set (every table of the standard, with interviews)."""
    from .demo import write_demo

    plan, shown = _plan({"generate": 1.0})
    with shown:
        plan.phase("generate", f"generating {clients:,} clients")
        kwargs = {} if meetings_per_client is None else {"meetings_per_client": meetings_per_client}
        rows = write_demo(
            directory, n_clients=clients, seed=seed, clean=clean, comparison=comparison, **kwargs
        )
        plan.finish("demo data written")
    console.print(f"Demo data written to [bold]{escape(str(directory))}[/] (seed {seed}):")
    for name, n in rows.items():
        console.print(f"  {name:<20} {n:>12,} rows")
    if not clean:
        console.print("It contains a few deliberately invalid rows; 'ipseval validate' names them.")


def _show_unusable(error: Exception, out: Path | None, limit: int = 200) -> None:
    """Nothing usable could be read: still show (and write) every problem found on the way."""
    from .problems import write_problem_report

    ds = getattr(error, "dataset", None)
    if ds is None or not ds.problems.height:
        return
    if _OUTPUT["verbose"]:
        print_problems(console, ds.problems, limit)
    problem_causes(console, ds.problems, written=out is not None)
    if out is not None:
        _csv, html_path = write_problem_report(ds, out)
        errors.print(f"Problem report: {html_path}")


@app.command()
@_guard
def validate(
    data: Annotated[Path, typer.Argument(help="Folder of CSV files or one .xlsx workbook.")],
    settings: SettingsOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Also write problems.csv and problems.html here.")
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", help="With --verbose: most problem rows to list in the terminal.")
    ] = 200,
) -> None:
    """Check a data set against the standard: every problem at once, or 'clean'."""
    from .ingest import InputError
    from .problems import write_problem_report
    from .validate import load

    s = _settings(settings, data)
    plan, shown = _plan({"read": 0.9, "write": 0.1})
    with _options_named(out):
        try:
            with shown:
                plan.phase("read", "reading and validating")
                ds = load(data, s)
                if out is not None:
                    plan.phase("write", "writing the problem report")
                    written = write_problem_report(ds, out)
                plan.finish("validated")
        except InputError as e:
            _show_unusable(e, out, limit)
            raise
    if _OUTPUT["verbose"]:
        limit = ds.problems.height
    if not _OUTPUT["quiet"]:
        console.print(row_counts_table(ds.row_counts))
    if ds.problems.height and _OUTPUT["verbose"]:
        print_problems(console, ds.problems, limit)
    if ds.problems.height and not _OUTPUT["quiet"]:
        problem_causes(console, ds.problems, written=out is not None)
    if out is not None:
        console.print(f"Every row: {escape(str(written[1]))} and {escape(str(written[0]))}", soft_wrap=True)
    elif ds.problems.height:
        console.print("Every row: add --out FOLDER to write problems.html and problems.csv (or --verbose).")
    print_problem_summary(console, ds)
    raise typer.Exit(ds.exit_code)


@contextmanager
def _options_named(out: Path | None, db: Path | None = None):
    """A place that cannot be written is named with the option that chose it ("choose another
    --out folder")."""
    from .atomic import OutputError

    try:
        yield
    except OutputError as e:
        folder = e.folder.resolve()
        if db is not None and folder == db.resolve().parent and (out is None or folder != out.resolve()):
            e.option = "--db"
        elif out is not None:
            e.option = "--out"
        raise


@app.command()
@_guard
def evaluate(
    data: Annotated[Path, typer.Argument(help="Folder of CSV files or one .xlsx workbook.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out"),
    settings: SettingsOpt = None,
    db: Annotated[
        Path | None, typer.Option("--db", help="DuckDB store (default: <out>/ipseval.duckdb).")
    ] = None,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also write report.pdf.")] = False,
    no_impact: Annotated[
        bool, typer.Option("--no-impact", help="Skip the service impact models (outcomes only; fast).")
    ] = False,
    imputations: Annotated[
        int | None,
        typer.Option(
            "--imputations",
            min=0,
            help="Multiple imputations for the impact models (0 = complete cases only); "
            "default: the settings' impact.imputations.",
        ),
    ] = None,
) -> None:
    """Run the evaluation: report.html, results.json and tables/*.csv in the output folder.

    Exits 0 when the data were clean, 1 when rows were rejected (or a large share of a table),
    2 when nothing was done, 3 when an analysis failed (the rest of the report is written).
    """
    from .ingest import InputError
    from .pipeline import run_evaluation

    s = _settings(settings, data)
    if no_impact:
        s.impact.enabled = False
    if imputations is not None:
        s.impact.imputations = imputations
    t0 = time.perf_counter()
    shown = _shown()
    with _options_named(out, db):
        try:
            with shown:
                run = run_evaluation(
                    data, out, s, db_path=db, pdf=pdf or None, progress=shown, raise_errors=_DEBUG["on"]
                )
        except InputError as e:
            _show_unusable(e, out)
            raise
    _report_run(run, out)
    console.print(f"Done in {time.perf_counter() - t0:.1f} s.")
    _DONE["written"] = True
    raise typer.Exit(run.exit_code)


def _report_run(run, out: Path) -> None:
    """What evaluate says when done: the problems, alerts, failures, and where everything is."""
    if run.validated.problems.height and not _OUTPUT["quiet"]:
        problem_causes(console, run.validated.problems, limit=10)
    print_problem_summary(console, run.validated)
    if run.validated.problems.height:
        problems = run.outputs["problems.html"], run.outputs["problems.csv"]
        console.print(f"Every row: {escape(str(problems[0]))} and {escape(str(problems[1]))}", soft_wrap=True)
    if run.published.disclosure.get("warning"):
        console.print(f"[bold red]{run.published.disclosure['warning']}[/]")
    print_failed(console, run.failed)
    console.print(f"Report: [bold]{escape(str(run.outputs['report.html']))}[/]", soft_wrap=True)
    if "report.pdf" in run.outputs:
        console.print(f"PDF: {escape(str(run.outputs['report.pdf']))}", soft_wrap=True)
    console.print(
        f"Results: {escape(str(run.outputs['results.json']))} and {escape(str(out / 'tables'))}/",
        soft_wrap=True,
    )


@app.command()
@_guard
def template(
    path: Annotated[Path, typer.Argument(help="Where to write the blank workbook (.xlsx).")],
) -> None:
    """Write a blank Excel workbook in the data standard, with a README sheet and drop-downs."""
    from .atomic import atomic_path
    from .ingest.template import write_template

    if path.suffix.lower() != ".xlsx":
        raise Fatal(f"{path}: the template is an Excel workbook; give a name ending in .xlsx")
    with atomic_path(path) as tmp:
        write_template(tmp)
    console.print(f"Blank workbook written to [bold]{escape(str(path))}[/]")


@app.command("map")
@_guard
def map_export(
    export: Annotated[Path, typer.Argument(help="Folder of CSV files or one .xlsx workbook, as exported.")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Where to write the proposed settings (default: ipseval.toml beside the data, where "
            "validate and evaluate look for it).",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the settings file if it exists.")] = False,
) -> None:
    """Propose how a local export maps onto the standard: writes an annotated ipseval.toml to check.

    Files or sheets to tables, columns to standard columns, every value of a coded column to a
    standard code, the order of day and month in dates; each with the evidence, unsure guesses
    marked CHECK.
    """
    from .console import print_proposal
    from .ingest.propose import propose
    from .ingest.propose_toml import settings_path_for, write_proposal

    path = out or settings_path_for(export)
    if path.exists() and not force:
        raise Fatal(f"{path} exists: choose another --out, or add --force to replace it")
    proposal = propose(export)
    print_proposal(console, proposal, write_proposal(proposal, path))


@app.command()
@_guard
def code(
    data: Annotated[Path, typer.Argument(help="The data folder (its interviews/ folder is read).")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write a coding sheet (.xlsx) with suggested codes.")
    ] = None,
    apply: Annotated[
        Path | None, typer.Option("--apply", help="Read back a coding sheet the analyst filled in.")
    ] = None,
    second: Annotated[
        Path | None, typer.Option("--second", help="With --apply: a second analyst's sheet, for agreement.")
    ] = None,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db", help="Store for the embedding cache (default: ipseval.duckdb beside the sheet)."
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the coding sheet if it exists.")] = False,
    settings: SettingsOpt = None,
) -> None:
    """Suggest interview codes for an analyst to review, or apply the analyst's coding.

    `ipseval code data/ -o coding.xlsx` writes a sheet with up to k suggested themes per segment;
    the analyst fills in the code columns and marks good quotes; `ipseval code data/ --apply
    coding.xlsx` checks the sheet, reports agreement and saves the codes to
    data/interviews/codes.csv, where the next evaluation reads them.
    """
    from .qualitative.coding import apply_coding, suggest_codes

    if (out is None) == (apply is None):
        raise Fatal(
            "give either --out SHEET.xlsx (suggest codes) or --apply SHEET.xlsx (read the analyst's coding)"
        )
    if second is not None and apply is None:
        raise Fatal("--second compares two analysts' sheets: use it with --apply")
    s = _settings(settings, data)
    if out is not None:
        try:
            run = suggest_codes(data, out, s, store_path=db, overwrite=force)
        except FileExistsError:
            raise Fatal(f"{out} exists: choose another name, or add --force to replace it") from None
        if run.problems.height:
            print_problems(console, run.problems)
        for line in run.messages():
            console.print(line)
        return
    result = apply_coding(data, apply, s, second_sheet=second)
    if result.problems.height:
        print_problems(console, result.problems)
    for line in result.messages():
        console.print(line)
    if result.errors:
        raise typer.Exit(1)


fidelity_app = typer.Typer(help="IPS-25 fidelity reviews: a blank review form.", no_args_is_help=True)
app.add_typer(fidelity_app, name="fidelity")


@fidelity_app.command("form")
@_guard
def fidelity_form(
    path: Annotated[Path, typer.Argument(help="Where to write the blank review form (.xlsx).")],
    team: Annotated[str | None, typer.Option(help="Team or area reviewed, filled in on every row.")] = None,
    review_date: Annotated[
        str | None, typer.Option("--date", help="Date of the review (YYYY-MM-DD), filled in on every row.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
) -> None:
    """Write a blank IPS-25 fidelity review form: the 25 items, their anchors and a score column.

    Filled in, the form's sheet is the `fidelity` table of the data standard: put it in the data
    folder (or workbook) and the next evaluation scores it.
    """
    from datetime import date

    from .atomic import atomic_path
    from .fidelity import write_fidelity_form

    when = None
    if review_date:
        try:
            when = date.fromisoformat(review_date)
        except ValueError:
            raise Fatal(f"--date {review_date!r}: give the review date as YYYY-MM-DD") from None
    if path.suffix.lower() != ".xlsx":
        raise Fatal(f"{path.name}: the form is an Excel workbook; give a file name ending in .xlsx")
    if path.exists() and not force:
        raise Fatal(f"{path} exists: choose another name, or add --force to replace it")
    with atomic_path(path) as tmp:  # written under a temporary name, then renamed into place
        write_fidelity_form(tmp, team=team, review_date=when, overwrite=True)
    console.print(f"Fidelity review form written to [bold]{escape(str(path))}[/]")


def _read_flat(path: Path):
    import polars as pl

    if not path.is_file():
        raise Fatal(f"{path}: no such file")
    try:
        if path.suffix.lower() == ".xlsx":
            return pl.read_excel(path)
        return pl.read_csv(path, infer_schema_length=10_000, null_values=["", "NA"])
    except Exception as e:  # polars' own parse errors, said plainly
        raise Fatal(
            f"{path}: cannot read it as a table ({type(e).__name__}: {str(e).splitlines()[0]})"
        ) from None


def _require_columns(file: Path, df, columns: list[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise Fatal(f"{file}: no column named {', '.join(missing)} (columns: {', '.join(df.columns)})")


def _split(values: str | None) -> list[str]:
    return [v.strip() for v in (values or "").split(",") if v.strip()]


# the columns a terminal shows by default (--wide: every column); the rest are in --json
_NARROW = ("term", "level", "n", "odds_ratio", "or_ci_low", "or_ci_high", "hazard_ratio", "hr_ci_low",
           "hr_ci_high", "estimate", "ci_low", "ci_high", "p_value", "ame", "treated_n", "comparison_n")  # fmt: skip
_CARD = ("formula", "n", "events", "clusters", "se_type", "estimand", "weights")


def _show_impact(
    result, key: str, title: str, policy_name: str | None, as_json: bool, wide: bool = False
) -> None:
    """Print an impact result after disclosure control: the answer first, then a table that fits
    the terminal (every column with ``wide``), the essentials of the model card and the notes;
    or JSON. A model that did not converge ends with its reason and exit code 4."""
    import json as _json

    from .disclosure import policy_for
    from .impact.tables import publish_result

    out = publish_result(result, key, title, policy_for(None, "command", policy_name))
    if as_json:
        out.pop("columns")
        console.print_json(_json.dumps(out, default=str))
    else:
        _impact_text(out, title, wide or _OUTPUT["verbose"])
    if not result.converged:
        errors.print(
            Text("The model did not converge: " + _non_convergence(result), style="bold red"), soft_wrap=True
        )
        raise typer.Exit(4)


def _impact_text(out: dict, title: str, wide: bool) -> None:
    notes = list(out["notes"])
    answer = notes.pop(0) if notes and notes[0].startswith("Effect on") else None
    console.print(Text(title, style="bold"))
    if answer:
        console.print(Text(answer, style="bold"), soft_wrap=True)
    ratio = any(c in out["columns"] for c in ("odds_ratio", "hazard_ratio"))
    shown = [c for c in out["columns"] if c != "std_error" and (wide or c in _NARROW)]
    if ratio and not wide:  # odds/hazard ratios say it; the log scale is in --wide and --json
        shown = [c for c in shown if c not in ("estimate", "ci_low", "ci_high")]
    if wide:  # every column: one small table per row, a column per line, so nothing is squeezed
        for r in out["table"]:
            t = Table("column", "value", header_style="bold", title=f"{r['term']} {r['level'] or ''}")
            for c in shown:
                t.add_row(c.replace("_", " "), _cell(r[c]))
            console.print(t)
        return _card_and_notes(out, notes, wide)
    t = Table(header_style="bold", expand=False)
    for c in shown:
        t.add_column(
            c.replace("_", " "), justify="left" if c in ("term", "level") else "right", overflow="fold"
        )
    for r in out["table"]:
        t.add_row(*[_cell(r[c]) for c in shown])
    console.print(t)
    _card_and_notes(out, notes, wide)


def _card_and_notes(out: dict, notes: list[str], wide: bool) -> None:
    card = out["card"].items() if wide else ((k, v) for k, v in out["card"].items() if k in _CARD)
    for k, v in card:
        console.print(Text(f"  {k}: {v}"), soft_wrap=True)
    for note in notes:
        console.print(Text(f"  {note}", style="dim"), soft_wrap=True)
    if not wide:
        console.print(
            Text("  (--wide for every column and the whole model card; --json for machines)", style="dim")
        )


def _non_convergence(result) -> str:
    said = [n for n in result.notes if "converge" in n]
    return said[0] if said else "its estimates are not to be used."


def _cell(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "Ref" if v else ""
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


@app.command()
@_guard
def model(
    file: Annotated[Path, typer.Argument(help="A flat table (CSV or .xlsx), one row per person.")],
    outcome: Annotated[str, typer.Option("--outcome", "-y", help="0/1 outcome column.")],
    terms: Annotated[str, typer.Option("--terms", "-x", help="Comma-separated explanatory columns.")],
    reference: Annotated[
        str | None, typer.Option("--reference", help="Reference levels, e.g. band=1-4,sex=female.")
    ] = None,
    cluster: Annotated[
        str | None, typer.Option("--cluster", help="Cluster column (e.g. local_authority).")
    ] = None,
    se: Annotated[str, typer.Option("--se", help="cluster_t | wild | robust | model")] = "cluster_t",
    policy: Annotated[
        str | None, typer.Option("--policy", help="Disclosure policy: ndtms | nhs | none.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    wide: Annotated[bool, typer.Option("--wide", help="Every column and the whole model card.")] = False,
) -> None:
    """Logistic regression on any table: odds ratios, 95% CI, p-values, marginal effects.

    Yes/no outcomes and labels are read as validate reads them ("Female" = "female"). Exits 4
    when the model did not converge."""
    from .api import logit

    df = _read_flat(file)
    refs = dict(item.split("=", 1) for item in _split(reference) if "=" in item)
    _require_columns(file, df, [outcome, *_split(terms), *refs, *([cluster] if cluster else [])])
    result = logit(df, outcome=outcome, terms=_split(terms), reference=refs or None, cluster=cluster, se=se)
    _show_impact(result, "model", f"Logistic regression of {outcome}", policy, as_json, wide)


@app.command()
@_guard
def compare(
    file: Annotated[Path, typer.Argument(help="A flat table (CSV or .xlsx), one row per person.")],
    treatment: Annotated[str, typer.Option("--treatment", "-t", help="0/1 column: 1 = received IPS.")],
    outcome: Annotated[str, typer.Option("--outcome", "-y", help="0/1 outcome column.")],
    covariates: Annotated[str, typer.Option("--covariates", "-x", help="Comma-separated covariates.")],
    method: Annotated[str, typer.Option("--method", help="ipw | match")] = "ipw",
    policy: Annotated[
        str | None, typer.Option("--policy", help="Disclosure policy: ndtms | nhs | none.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    wide: Annotated[bool, typer.Option("--wide", help="Every column and the whole model card.")] = False,
) -> None:
    """Effect on the treated against a comparison group (propensity-score weighting or matching).

    Yes/no columns and labels are read as validate reads them. Exits 4 when the propensity
    model did not converge."""
    from .api import compare as compare_groups

    df = _read_flat(file)
    _require_columns(file, df, [treatment, outcome, *_split(covariates)])
    if method not in ("ipw", "match"):
        raise Fatal(f"--method must be ipw or match, not {method!r}")
    plan, shown = _plan({"bootstrap": 1.0}, quiet=as_json)
    with shown:
        plan.phase("bootstrap", "bootstrap")
        result = compare_groups(
            df,
            treatment=treatment,
            outcome=outcome,
            covariates=_split(covariates),
            method=method,
            progress=lambda i, n: plan.step("bootstrap", i, n),
        )
    _show_impact(result, "compare", f"Effect of {treatment} on {outcome} ({method})", policy, as_json, wide)


HomeOpt = Annotated[
    Path,
    typer.Option("--home", help="The dashboard's home folder (data versions, accounts, audit log)."),
]


@app.command()
@_guard
def serve(
    data: Annotated[
        Path | None,
        typer.Argument(help="Import this data set (CSV folder or .xlsx) before serving; optional."),
    ] = None,
    home: HomeOpt = Path("ipseval-home"),
    host: Annotated[
        str, typer.Option(help="Address to listen on (loopback unless accounts exist).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8050,
    settings: SettingsOpt = None,
    secure_cookies: Annotated[
        bool | None,
        typer.Option(
            "--secure-cookies/--no-secure-cookies",
            help="Send the session cookie over HTTPS only (default: on unless listening on loopback).",
        ),
    ] = None,
) -> None:
    """Serve the dashboard: the evaluation as web pages, with filters, downloads and uploads."""
    import os

    # each view's models are small; numpy's BLAS threads would only fight the other requests
    # (and the other core) for the CPU
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    from .web.app import create_app, is_loopback
    from .web.auth import Accounts

    home = home.expanduser()
    if not is_loopback(host) and not Accounts(home).any():
        raise Fatal(
            f"refusing to listen on {host}: there are no accounts, so anyone who can reach the "
            "address would see the data. Add accounts first (ipseval user add NAME --role viewer "
            f"--home {home}), or listen on 127.0.0.1."
        )
    # the home keeps its own settings (ipseval.toml there, edited on the settings page); a file
    # named here, or an ipseval.toml beside the data imported now, replaces them (audited)
    s = _settings(settings, data) if settings is not None or data is not None else None
    if s is not None and s.source is None:
        s = None  # no file found beside the data: keep the home's
    secure = not is_loopback(host) if secure_cookies is None else secure_cookies
    web = create_app(home, s, secure_cookies=secure, host=host, port=port)
    workspace = web.state.workspace
    if data is not None:
        from .ingest import InputError

        plan, shown = _plan({"import": 1.0})
        with shown:
            plan.phase("import", f"importing {data}")
            try:
                entry = workspace.import_folder(data, "(command line)")
            except InputError as e:
                _show_unusable(e, None)
                raise
        console.print(
            f"Imported {data}: {entry['rows_used']:,} rows used, {entry['rows_rejected']:,} rejected"
            + (
                f", {entry['rows_left_out']:,} left out as not records."
                if entry.get("rows_left_out")
                else "."
            )
        )
    import uvicorn

    console.print(f"Dashboard: [bold]http://{host}:{port}/[/]  (home folder {home}; Ctrl+C stops it)")
    if not is_loopback(host):
        names = ", ".join(workspace.settings.dashboard.allowed_hosts) or "none yet"
        console.print(
            f"It answers to 127.0.0.1, localhost and the names in [dashboard] allowed_hosts ({names}); "
            "see docs/dashboard.md."
        )
    # proxy_headers=False: the dashboard itself believes forwarded headers from [dashboard]
    # trusted_proxies only (uvicorn's own default believes them from 127.0.0.1)
    uvicorn.run(web, host=host, port=port, log_level="warning", server_header=False, proxy_headers=False)


user_app = typer.Typer(help="Dashboard accounts: add, list and remove.", no_args_is_help=True)
app.add_typer(user_app, name="user")


@user_app.command("add")
@_guard
def user_add(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, . _ @ -).")],
    role: Annotated[str, typer.Option(help="viewer, analyst or admin.")] = "viewer",
    home: HomeOpt = Path("ipseval-home"),
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input (scripts).")
    ] = False,
    replace: Annotated[bool, typer.Option("--replace", help="Change an existing account.")] = False,
) -> None:
    """Add a dashboard account (asks for the password twice, never shows it)."""
    from .web.auth import AccountError, Accounts

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    home.expanduser().mkdir(parents=True, exist_ok=True)
    try:
        Accounts(home.expanduser()).add(name, role, password, replace=replace)
    except AccountError as e:
        raise Fatal(str(e)) from None
    console.print(f"Account [bold]{name}[/] ({role}) saved in {home / 'users.json'}.")


@user_app.command("list")
@_guard
def user_list(home: HomeOpt = Path("ipseval-home")) -> None:
    """List the dashboard's accounts."""
    from .web.auth import Accounts

    rows = Accounts(home.expanduser()).names()
    if not rows:
        console.print("No accounts (local mode: the dashboard answers on 127.0.0.1 only).")
        return
    t = Table("user", "role", "created")
    for r in rows:
        t.add_row(*r)
    console.print(t)


@user_app.command("remove")
@_guard
def user_remove(name: str, home: HomeOpt = Path("ipseval-home")) -> None:
    """Remove a dashboard account (its sessions end at once)."""
    from .web.auth import AccountError, Accounts

    try:
        Accounts(home.expanduser()).remove(name)
    except AccountError as e:
        raise Fatal(str(e)) from None
    console.print(f"Account {name} removed.")


def main() -> None:
    _DONE["written"] = False
    try:
        app()
    except SystemExit as e:
        if _DONE["written"]:
            _end_now(e.code)
        raise
    except BaseException as e:  # last resort: never show a traceback without --debug
        if _DEBUG["on"] or "--debug" in sys.argv:
            raise
        errors.print(f"ipseval: unexpected error ({type(e).__name__}: {e}). Re-run with --debug.")
        sys.exit(3)


def _end_now(code: int | None) -> None:
    """End the process with exit ``code`` once the terminal's text is out, skipping the
    interpreter's teardown (see ``_DONE``)."""
    from . import workers

    workers.close()
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # a closed pipe: nothing more can be shown
            stream.flush()
    os._exit(code or 0)


if __name__ == "__main__":
    main()
