"""Machine-readable outputs: results.json and tables/<key>.csv, from the protected tables only.

results.json (format ``ipseval-results/1``) has stable top-level keys:

``format``      "ipseval-results/1"; bumped only when a key below changes meaning or goes.
``meta``        :meth:`EvaluationMeta.as_dict`: service, source, data cut and where it came
                from, referral period, generated at, software and standard versions, tables
                present, problem counts.
``disclosure``  the policy as applied (:func:`ipseval.disclosure.describe_policy`): name,
                threshold, rounding_base, secondary_suppression, description, warning.
``settings``    every setting used (``Settings.model_dump(mode="json")``).
``tables``      table key -> ``{"title", "notes", "dims", "columns", "rows"}``: ``dims`` are the
                columns that label a row; ``columns`` maps every column, in order, to its meaning
                ("" where none is documented); ``rows`` is a list of objects. A cell hidden by
                disclosure control is the string ``"*"``; a missing or not-applicable value is
                ``null``; numbers are unrounded (rates as shares 0..1, not percentages).

The CSV files hold the same rows (hidden cells ``*``, missing cells empty). Text cells that a
spreadsheet would run as a formula (starting ``=``, ``+``, ``-`` or ``@``, or a tab/carriage
return) get a leading apostrophe; numbers are written as numbers.

Files are written atomically (:mod:`ipseval.atomic`): given a :class:`~ipseval.atomic.Staging`,
they are renamed into place only with the rest of the report.
"""

from __future__ import annotations

import csv
import json
import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..atomic import Staging, staged
from ..evaluation import PublishedEvaluation
from ..results import ProtectedTable
from .format import HIDDEN

FORMAT = "ipseval-results/1"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _json_value(v: Any) -> Any:
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if isinstance(v, datetime | date):
        return v.isoformat()
    return v


def table_json(t: ProtectedTable) -> dict[str, Any]:
    """One protected table as a JSON-ready dict (hidden cells '*', floats unrounded)."""
    return {
        "title": t.title,
        "notes": list(t.notes),
        "dims": list(t.dims),
        "columns": {c: t.columns.get(c, "") for c in t.data.columns},
        "rows": [{k: _json_value(v) for k, v in r.items()} for r in t.rows(HIDDEN)],
    }


def results_json(pub: PublishedEvaluation) -> dict[str, Any]:
    """Everything the report shows, as data (see the module docstring for the keys)."""
    return {
        "format": FORMAT,
        "meta": pub.meta.as_dict(),
        "disclosure": pub.disclosure,
        "settings": pub.meta.settings.model_dump(mode="json"),
        "tables": {key: table_json(t) for key, t in pub.tables.items()},
    }


def readable_json(value: Any, depth: int = 0, open_levels: int = 4) -> str:
    """``value`` as JSON, objects and lists laid out one item per line down to ``open_levels``
    deep (so each table row of results.json is one line), deeper values compact on their line.

    Python's indenting encoder is pure Python and ten times slower than the compact C one; this
    lays out the first levels itself and leaves every row to the C encoder."""
    if depth >= open_levels or not isinstance(value, dict | list) or not value:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {readable_json(v, depth + 1, open_levels)}"
                 for k, v in value.items()]  # fmt: skip
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    items = [inner + readable_json(v, depth + 1, open_levels) for v in value]
    return "[\n" + ",\n".join(items) + f"\n{pad}]"


def write_results_json(pub: PublishedEvaluation, path: Path, files: Staging | None = None) -> Path:
    """results.json at ``path`` (through ``files`` when given, else atomically on its own)."""
    text = readable_json(results_json(pub)) + "\n"
    if files is not None:
        return files.write_text(path, text)
    with staged() as own:
        return own.write_text(path, text)


def csv_cell(v: Any) -> Any:
    """A value as written to CSV: missing -> empty, text that could run as a formula -> prefixed '."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, str):
        return "'" + v if v.startswith(_FORMULA_START) else v
    return v


def write_table_csv(t: ProtectedTable, f: Any) -> None:
    """One protected table as CSV into the text stream ``f`` (hidden cells '*', formulas defused)."""
    w = csv.writer(f)
    w.writerow([csv_cell(c) for c in t.data.columns])
    for r in t.rows(HIDDEN):
        w.writerow([csv_cell(v) for v in r.values()])


def write_tables_csv(pub: PublishedEvaluation, directory: Path, files: Staging | None = None) -> list[Path]:
    """tables/<key>.csv for every protected table (UTF-8 with BOM so Excel reads it correctly),
    through ``files`` when given, else renamed into place together at the end."""
    if files is None:
        with staged() as own:
            return write_tables_csv(pub, directory, own)
    directory = Path(directory)
    written = []
    for key, t in pub.tables.items():
        path = directory / f"{key}.csv"
        with files.open(path, "w", encoding="utf-8-sig", newline="") as f:
            write_table_csv(t, f)
        written.append(path)
    return written
