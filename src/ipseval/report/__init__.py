"""The evaluation report: one self-contained HTML file (optionally PDF), results.json and CSVs.

Everything here renders a :class:`PublishedEvaluation` (already disclosure-controlled); nothing
computes a statistic. A section is a module in :data:`SECTIONS` with ``ID``, ``TITLE`` and
``build(pub) -> dict | None`` plus the template ``templates/sections/<ID>.html.j2``; add a
section by adding its module to the list. Numbers are formatted last, by the filters in
:mod:`.format`; tables are laid out by :mod:`.tables` (great_tables) and charts drawn by
:mod:`.charts` (inline SVG). The page loads nothing from anywhere: inline CSS, inline SVG,
system fonts, no scripts.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import Future
from functools import cache
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from ..atomic import Staging, ensure_folder, staged
from ..evaluation import PublishedEvaluation
from . import charts, format, impact_charts, impact_words
from .outputs import results_json, write_results_json, write_tables_csv
from .sections import (
    data_quality,
    fidelity,
    headline,
    impact,
    methods,
    not_run,
    outcomes,
    profile,
    qualitative,
    scorecard,
    wellbeing,
    withheld_in,
)
from .tables import TableSpec, render_table
from .template_cache import template_cache

__all__ = ["RENDER_LOCK", "SECTIONS", "render_html", "results_json", "write_report", "write_tables_csv"]

# matplotlib's settings (rc_context, the SVG id salt) are process-wide: two threads drawing charts
# at once mix them up (the dashboard renders pages in parallel), so rendering holds this lock
RENDER_LOCK = threading.RLock()

SECTIONS: list[ModuleType] = [
    headline,
    profile,
    outcomes,
    impact,
    wellbeing,
    fidelity,
    scorecard,
    qualitative,
    data_quality,
    methods,
]


def css_string(value: Any) -> Markup:
    """A CSS string literal, safe inside <style> (quotes, backslashes and '<' escaped as hex)."""
    out = re.sub(r"[^\w .,:;()!?%–-]", lambda m: f"\\{ord(m.group(0)):06x}", str(value))
    return Markup(f'"{out}"')


def _table_filter(spec: TableSpec | None, notes: bool = True) -> Markup:
    return render_table(spec, notes=notes) if spec is not None else Markup("")


def environment() -> Environment:
    """The Jinja environment: autoescaped, strict, with the formatting filters and charts."""
    env = Environment(
        loader=PackageLoader("ipseval.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=template_cache(),
    )
    format.register(env)
    env.globals.update(format.FORMATTERS)
    env.filters["table"] = _table_filter
    env.filters["css_string"] = css_string
    env.tests["hidden"] = format.is_hidden
    env.tests["shown"] = lambda v: not format.is_hidden(v) and not format.is_missing(v)
    env.globals["charts"] = charts
    env.globals["charts_impact"] = impact_charts
    env.globals["impact_words"] = impact_words
    return env


@cache
def _shared_environment() -> Environment:
    """One environment per process for whole reports: each template is loaded once."""
    return environment()


def _css() -> str:
    return resources.files("ipseval.report").joinpath("templates/style.css").read_text(encoding="utf-8")


def render_sections(
    pub: PublishedEvaluation,
    env: Environment | None = None,
    ids: tuple[str, ...] | None = None,
    dashboard: bool = False,
) -> list[dict[str, Any]]:
    """Each applicable section's id, title and HTML body, in :data:`SECTIONS` order (or just the
    sections ``ids``). Analyses of a section that did not run are listed at its end with their
    reasons; a section with nothing else to show is kept for that list alone."""
    env = env or environment()
    out = []
    for module in SECTIONS:
        if ids is not None and module.ID not in ids:
            continue
        skipped = not_run(pub, module.ID)
        body = _section_body(pub, env, module, dashboard)
        held = withheld_in(pub, module.ID)
        if held:  # a perturbed view: these tables are shown for the whole service only
            body = (body or "") + env.get_template("sections/_withheld.html.j2").render(titles=held)
        if body is None and not skipped:
            continue
        body = (body or "") + env.get_template("sections/_not_run.html.j2").render(
            not_run=skipped, stub=body is None, dashboard=dashboard
        )
        out.append({"id": module.ID, "title": module.TITLE, "html": Markup(body)})
    return out


def _section_body(
    pub: PublishedEvaluation, env: Environment, module: ModuleType, dashboard: bool
) -> str | None:
    """One section's HTML (None when it does not apply). A section that cannot be drawn (a bug)
    says so and is recorded in ``pub.failed``, so the rest of the report is still written (unless
    ``pub.raise_errors``)."""
    try:
        data = module.build(pub)
        if data is None:
            return None
        return env.get_template(f"sections/{module.ID}.html.j2").render(
            pub=pub, data=data, section=module, dashboard=dashboard
        )
    except Exception as e:
        if pub.raise_errors:
            raise
        pub.failed.append((f"report section '{module.TITLE}'", f"{type(e).__name__}: {e}"))
        return env.get_template("sections/_not_run.html.j2").render(
            not_run=[{"title": module.TITLE, "status": "failed",
                      "reason": f"This section could not be drawn: an unexpected error ({type(e).__name__})."}],
            stub=True, dashboard=dashboard,
        )  # fmt: skip


def report_title(pub: PublishedEvaluation) -> str:
    return pub.meta.settings.report.title or pub.meta.service_name


# sections the helper process draws (see ipseval.workers) while this process draws the rest. It
# starts before this process imports the report's libraries (see pipeline.run_evaluation), so its
# share is the larger. Each section drawn alone on the demo: these four about 1.0 s, the rest
# about 0.6 s, beside this process's 0.5 s of imports
FAR_SECTIONS = ("profile", "fidelity", "scorecard", "qualitative")


def far_sections(pub: PublishedEvaluation, ids: tuple[str, ...] | None = None) -> tuple[list, list]:
    """In the helper process: the sections ``ids`` (:data:`FAR_SECTIONS`) and what failed
    drawing them."""
    ids = tuple(m.ID for m in SECTIONS if m.ID in FAR_SECTIONS) if ids is None else ids
    before = len(pub.failed)
    with RENDER_LOCK:
        sections = render_sections(pub, _shared_environment(), ids=ids)
    return sections, pub.failed[before:]


def _all_sections(
    pub: PublishedEvaluation, env: Environment, far: Future | None = None
) -> list[dict[str, Any]]:
    """Every section, part drawn by the helper process when there is one (the same HTML).
    ``far``: that part, already started (by :func:`ipseval.pipeline.run_evaluation`)."""
    from .. import workers

    far_ids = tuple(m.ID for m in SECTIONS if m.ID in FAR_SECTIONS)
    job = far if far is not None else workers.submit(far_sections, pub, far_ids)
    elsewhere = () if job is None else far_ids
    with RENDER_LOCK:
        near = render_sections(pub, env, ids=tuple(m.ID for m in SECTIONS if m.ID not in elsewhere))
    far = workers.result_or_none(job)
    if job is not None and far is None:  # the helper broke: draw its part here
        with RENDER_LOCK:
            far = (render_sections(pub, env, ids=far_ids), [])
    if far is None:
        return near
    pub.failed.extend(far[1])
    order = {m.ID: i for i, m in enumerate(SECTIONS)}
    drawn = [s for s in far[0] if s["id"] in far_ids]  # the helper's list of sections may differ (a test's)
    return sorted([*near, *drawn], key=lambda s: order[s["id"]])


def render_html(pub: PublishedEvaluation, far: Future | None = None) -> str:
    """The whole report as one self-contained HTML document (``far``: see :func:`_all_sections`)."""
    env = _shared_environment()
    sections = _all_sections(pub, env, far)
    return env.get_template("report.html.j2").render(
        pub=pub,
        meta=pub.meta,
        title=report_title(pub),
        sections=sections,
        css=Markup(_css()),
        warning=pub.disclosure.get("warning"),
    )


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"the report must be self-contained; refusing to fetch {url}")


def write_pdf(html: str, path: Path, files: Staging | None = None) -> Path:
    """report.pdf from the report HTML with WeasyPrint (A4; nothing is fetched), written
    atomically (through ``files`` when given)."""
    from weasyprint import HTML

    data = HTML(string=html, url_fetcher=_no_fetch).write_pdf()
    if files is not None:
        return files.write_bytes(path, data)
    with staged() as own:
        return own.write_bytes(path, data)


def write_report(
    pub: PublishedEvaluation, out_dir: Path, pdf: bool = False, far: Future | None = None
) -> dict[str, Path]:
    """Write report.html (+ report.pdf), results.json and tables/<key>.csv into ``out_dir``.

    Everything is rendered and written under temporary names first, then renamed into place
    together: a failure (a renderer that raises, a full disk) leaves the previous outputs as they
    were. Disk problems raise :class:`ipseval.atomic.OutputError`. Returns each file's name
    relative to ``out_dir`` (e.g. "tables/outcomes.csv") -> its path. ``far``: the helper's part
    of the drawing, already started (see :func:`_all_sections`).
    """
    out_dir = ensure_folder(out_dir)
    html = render_html(pub, far)
    written: dict[str, Path] = {}
    with staged() as files:
        written["report.html"] = files.write_text(out_dir / "report.html", html)
        if pdf:
            written["report.pdf"] = write_pdf(html, out_dir / "report.pdf", files)
        written["results.json"] = write_results_json(pub, out_dir / "results.json", files)
        for path in write_tables_csv(pub, out_dir / "tables", files):
            written[f"tables/{path.name}"] = path
    return written
