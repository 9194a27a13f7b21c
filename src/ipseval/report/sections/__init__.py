"""Report sections: one module and one template per section.

A section module has ``ID`` (anchor and template name ``sections/<ID>.html.j2``), ``TITLE`` (its
heading) and ``build(pub) -> dict | None``. ``build`` only selects and arranges values from the
protected tables (``None`` = the section does not apply, e.g. no jobs data); it never computes a
statistic, and it leaves numbers unformatted: the template formats them with the filters in
:mod:`ipseval.report.format`. Hidden cells arrive as ``"*"``, missing ones as ``None``.
"""

from __future__ import annotations

from typing import Any

from ...evaluation import PublishedEvaluation
from ..format import HIDDEN, is_hidden, is_missing


def rows(pub: PublishedEvaluation, key: str, **match: Any) -> list[dict[str, Any]]:
    """Rows of a protected table (hidden cells as '*') whose columns equal ``match``."""
    table = pub.table(key)
    if table is None:
        return []
    return [r for r in table.rows(HIDDEN) if all(r.get(k) == v for k, v in match.items())]


def row(pub: PublishedEvaluation, key: str, **match: Any) -> dict[str, Any] | None:
    """The first matching row, or None."""
    found = rows(pub, key, **match)
    return found[0] if found else None


def visible(v: Any) -> bool:
    """A value that is shown as a number (neither hidden nor missing)."""
    return not is_hidden(v) and not is_missing(v)


def has_table(pub: PublishedEvaluation, name: str) -> bool:
    """Whether the imported data set included the standard table ``name`` (e.g. 'jobs')."""
    return name in pub.meta.tables_present


def not_run(pub: PublishedEvaluation, section: str) -> list[dict[str, Any]]:
    """The analyses shown in ``section`` that did not run (or failed), with their reasons."""
    return [r for r in rows(pub, "analyses", section=section) if r["status"] != "run"]


def withheld_in(pub: PublishedEvaluation, section: str) -> list[str]:
    """Titles of the tables of ``section``'s analyses that this view shows for the whole service
    only (a perturbed view cannot show them; see ipseval.disclosure.cellkey)."""
    from ...analyses import REGISTRY, declared

    mine = [a for a in REGISTRY if a.section == section]
    return [
        t.title
        for key, t in pub.tables.items()
        if getattr(t, "withheld", "") and any(declared(a, key) for a in mine)
    ]
