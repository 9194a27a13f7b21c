"""The problem report: every problem found in a data set, as problems.csv and problems.html.

Validation judges the data (validate.py); this module only writes down what it found, so a user
can work through the problems file by file, row by row. :func:`summary_line` is the one sentence
that ``validate`` and ``evaluate`` both print about them.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from .atomic import staged
from .validate import CASCADE_EXPECTED, ValidatedDataset

HTML_PROBLEM_LIMIT = 10_000

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Arial,sans-serif;margin:2rem;color:#1b1b1b;max-width:80rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #c8c8c8;padding:.3rem .55rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}td.n{text-align:right;font-variant-numeric:tabular-nums}
.error{color:#a4000f;font-weight:600}.warning{color:#7a5200;font-weight:600}
.ok{color:#0b6b2f;font-weight:600}p.note{color:#444}td.v{white-space:nowrap}
"""


@dataclass(frozen=True)
class ProblemCounts:
    """How many problems a data set has. ``root_errors`` are the errors to fix; ``cascaded`` the
    errors that only follow from them (rows of a client whose clients row was rejected)."""

    errors: int
    warnings: int
    root_errors: int
    cascaded: int
    rows_rejected: int


def count_problems(ds: ValidatedDataset) -> ProblemCounts:
    """The counts, from ``ds.counts()`` when the data set offers it, else from its problem list."""
    counts = getattr(ds, "counts", None)
    if callable(counts):
        c = counts()
        get = c.get if isinstance(c, Mapping) else lambda name: getattr(c, name)
        return ProblemCounts(*(int(get(f)) for f in ProblemCounts.__dataclass_fields__))
    p = ds.problems
    errors = int((p["severity"] == "error").sum()) if p.height else 0
    cascaded = (
        int(((p["severity"] == "error") & (p["expected"] == CASCADE_EXPECTED)).sum()) if p.height else 0
    )
    rejected = int(ds.row_counts["rows_rejected"].sum()) if ds.row_counts.height else 0
    return ProblemCounts(errors, p.height - errors, errors - cascaded, cascaded, rejected)


def rejected_alerts(ds: ValidatedDataset) -> list[str]:
    """Sentences about tables of which a large share of rows was rejected ("95% of jobs rows were
    rejected (...)"), from ``ds.rejected_alerts`` when validation provides them; else none."""
    alerts = getattr(ds, "rejected_alerts", None)
    if callable(alerts):
        alerts = alerts()
    return [str(a) for a in alerts or []]


def _n(count: int, word: str, plural: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else (plural or word + 's')}"


def summary_line(counts: ProblemCounts | ValidatedDataset) -> str:
    """The data set's problems in one sentence, e.g. "14 problems to fix (136 errors in all: 122 are
    rows of rejected clients), 0 warnings; 136 rows excluded", or "clean: nothing to fix, 2 warnings"."""
    c = counts if isinstance(counts, ProblemCounts) else count_problems(counts)
    warnings = _n(c.warnings, "warning")
    if not c.errors:
        return f"clean: nothing to fix, {warnings}"
    fix = _n(c.root_errors, "problem") + " to fix"
    if c.cascaded:
        fix += f" ({_n(c.errors, 'error')} in all: {c.cascaded:,} {'is a row' if c.cascaded == 1 else 'are rows'}"
        fix += " of rejected clients)"
    return f"{fix}, {warnings}; {_n(c.rows_rejected, 'row')} excluded"


def write_problem_report(
    ds: ValidatedDataset, out_dir: Path, failures: list[tuple[str, str]] | None = None
) -> tuple[Path, Path]:
    """Write problems.csv (every problem) and problems.html (self-contained summary + problems).

    ``failures``: analyses (or report sections) that failed with an unexpected error, as (what,
    "ExceptionType: message"): listed first, as errors of the software rather than of the data.
    Both files are replaced together, or neither (see :mod:`ipseval.atomic`)."""
    out_dir = Path(out_dir)
    csv_path, html_path = out_dir / "problems.csv", out_dir / "problems.html"
    failed = failure_frame(failures or [])
    page = _problem_html(ds).replace(
        "<h2>Rows per table</h2>", _failures_html(failed) + "<h2>Rows per table</h2>", 1
    )
    with staged() as files:
        with files.open(csv_path, "wb") as f:
            pl.concat([failed, ds.problems.select(failed.columns)]).write_csv(f)
        files.write_text(html_path, page)
    return csv_path, html_path


def failure_frame(failures: list[tuple[str, str]]) -> pl.DataFrame:
    """Unexpected errors as rows of the problem list (table 'analysis')."""
    from .validate import PROBLEM_SCHEMA

    rows = [
        {"severity": "error", "file": "", "table": "analysis", "row": None, "column": what,
         "value": why.split(":", 1)[0], "expected": "the analysis to finish",
         "message": f"failed with an unexpected error ({why[:300]}); the rest of the report was written. "
         "Re-run with --debug for the details and report it with the command you ran."}
        for what, why in failures
    ]  # fmt: skip
    return pl.DataFrame(rows, schema=PROBLEM_SCHEMA)


def _failures_html(failed: pl.DataFrame) -> str:
    if not failed.height:
        return ""
    items = "".join(
        f"<li><strong>{html.escape(r['column'])}</strong>: {html.escape(r['message'])}</li>"
        for r in failed.iter_rows(named=True)
    )
    return f"<h2 class='error'>Analyses that failed</h2><ul>{items}</ul>"


def _causes_html(p: pl.DataFrame) -> str:
    """The problems by cause, with their distinct values (see :mod:`ipseval.problem_groups`)."""
    from .problem_groups import cascade_summary, group_problems, rows_text, values_text

    e = html.escape
    parts = [
        "<h2>Problems by cause</h2><p>Fix these from the top: each line is one kind of problem in one "
        "column, with the values found and how often.</p><table><thead><tr><th>severity</th><th>file</th>"
        "<th>column</th><th>rows</th><th>values found</th><th>expected</th><th>problem</th></tr></thead><tbody>"
    ]
    for r in group_problems(p).iter_rows(named=True):
        problem = "; ".join(x for x in (r["message"], r["advice"]) if x)
        parts.append(
            f"<tr><td class='{e(r['severity'])}'>{e(r['severity'])}</td><td>{e(r['file'])}</td>"
            f"<td>{e(r['column'] or '')}</td><td class='n'>{e(rows_text(r))}</td>"
            f"<td>{e(values_text(r['values'], r['distinct']))}</td><td>{e(r['expected'] or '')}</td>"
            f"<td>{e(problem)}</td></tr>"
        )
    parts.append("</tbody></table>")
    cascade = cascade_summary(p)
    if cascade.rows:
        files = ", ".join(f"{e(f)} ({n:,})" for f, n in cascade.per_file)
        parts.append(
            f"<p class='error'>{cascade.rows:,} row{'s' if cascade.rows != 1 else ''} of {files} "
            f"{'was' if cascade.rows == 1 else 'were'} excluded with their {cascade.clients_rejected:,} "
            f"rejected client{'s' if cascade.clients_rejected != 1 else ''}: fixing the clients rows "
            "above brings them back.</p>"
        )
    return "".join(parts)


def _problem_html(ds: ValidatedDataset) -> str:
    e = html.escape
    p = ds.problems
    n_err = int((p["severity"] == "error").sum())
    n_warn = p.height - n_err
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>Data problems: {e(str(ds.source.name))}</title><style>{_CSS}</style></head><body>",
        f"<h1>Data problems in {e(str(ds.source.name))}</h1>",
    ]
    if n_err:
        parts.append(
            f"<p><span class='error'>{n_err:,} error{'s' if n_err != 1 else ''}</span>: rows with an error "
            "are left out of the evaluation. Fix them in your records and run again.</p>"
        )
    else:
        parts.append("<p><span class='ok'>No errors</span>: every row can be used.</p>")
    if n_warn:
        parts.append(
            f"<p><span class='warning'>{n_warn:,} warning{'s' if n_warn != 1 else ''}</span>: "
            "these do not stop any row being used.</p>"
        )
    parts.append(
        f"<p>Data cut: <strong>{ds.data_cut.isoformat()}</strong> ({e(ds.data_cut_source)}).</p>"
        "<h2>Rows per table</h2><table><thead><tr><th>table</th><th>file</th><th>rows read</th>"
        "<th>rows used</th><th>rows rejected</th><th>rows left out</th></tr></thead><tbody>"
    )
    for r in ds.row_counts.iter_rows(named=True):
        parts.append(
            f"<tr><td>{e(r['table'])}</td><td>{e(r['file'])}</td><td class='n'>{r['rows_read']:,}</td>"
            f"<td class='n'>{r['rows_used']:,}</td><td class='n'>{r['rows_rejected']:,}</td>"
            f"<td class='n'>{r.get('rows_left_out') or 0:,}</td></tr>"
        )
    parts.append("</tbody></table>")
    if ds.notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{e(n)}</li>" for n in ds.notes) + "</ul>")
    if p.height:
        parts.append(_causes_html(p))
        parts.append("<h2>Every problem</h2>")
        if p.height > HTML_PROBLEM_LIMIT:
            parts.append(
                f"<p class='note'>The first {HTML_PROBLEM_LIMIT:,} of {p.height:,} problems are shown; "
                "problems.csv lists them all.</p>"
            )
        parts.append(
            "<table><thead><tr><th>severity</th><th>file</th><th>row</th><th>column</th><th>value</th>"
            "<th>expected</th><th>problem</th></tr></thead><tbody>"
        )
        for r in p.head(HTML_PROBLEM_LIMIT).iter_rows(named=True):
            row = "" if r["row"] is None else str(r["row"])
            value = r["value"] or ""
            vclass = " class='v'" if len(value) <= 24 else ""
            parts.append(
                f"<tr><td class='{e(r['severity'])}'>{e(r['severity'])}</td><td>{e(r['file'])}</td>"
                f"<td class='n'>{row}</td><td>{e(r['column'] or '')}</td><td{vclass}>{e(value)}</td>"
                f"<td>{e(r['expected'])}</td><td>{e(r['message'])}</td></tr>"
            )
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def stored_problems(db_path: Path, limit: int) -> list[dict]:
    """The first ``limit`` problems recorded when the store at ``db_path`` was imported."""
    from .store import Store

    with Store(db_path) as store:
        return store.table("import_problems").head(limit).to_dicts()
