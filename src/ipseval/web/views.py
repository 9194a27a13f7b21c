"""What a dashboard page shows: the evaluation of a view, protected for the person's role.

Every figure comes from :func:`ipseval.evaluation.compute` on the view's clients and passes
through disclosure control (:meth:`Evaluation.publish`) before a template sees it; sections are
the report's own (same build functions, same templates, same SVG charts). Nothing here computes
a statistic.
"""

from __future__ import annotations

import shutil
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from markupsafe import Markup

from .. import subset as flt
from ..disclosure import Caller, policy_for, viewers
from ..evaluation import Evaluation, PublishedEvaluation
from ..results import ProtectedTable
from ..settings import Settings
from .worker import Worker
from .workspace import DataVersion, Workspace

# Pages, in the report's order: (page id, report section ids it shows, title in the menu)
PAGES: list[tuple[str, tuple[str, ...], str]] = [
    ("headline", ("headline",), "Headline"),
    ("profile", ("profile",), "Who the service supported"),
    ("outcomes", ("outcomes",), "Outcomes and time to job"),
    ("impact", ("impact",), "Service impact, areas and integration"),
    ("wellbeing", ("wellbeing",), "Wellbeing"),
    ("fidelity", ("fidelity", "scorecard"), "Fidelity"),
    ("qualitative", ("qualitative",), "Qualitative themes"),
    ("data-quality", ("data_quality",), "Data quality"),
]
PAGE_IDS = {p[0] for p in PAGES}
LANDING_PAGE = "headline"  # where "/" leads


@dataclass
class View:
    """One version of the data cut by one set of filters, evaluated (unprotected: internal)."""

    version: DataVersion
    filters: flt.Filters
    evaluation: Evaluation
    clients: int  # clients the view covers
    whole: Evaluation | None = None  # the whole service's evaluation (its period), for filtered views
    # a version never changes, so its protected tables and pages are made once (per caller)
    _published: dict[str, PublishedEvaluation] = field(default_factory=dict, repr=False)
    _pages: dict[tuple[str, str], Page | None] = field(default_factory=dict, repr=False)
    _publishing: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def published(self, caller: Caller) -> PublishedEvaluation:
        """Protected as :func:`policy_for` decides for ``caller`` ("viewer", "analyst", or
        "internal": no disclosure control, analysts only). The dashboard's one call of it: a
        filtered view is ``not self.filters.empty``."""
        found = self._published.get(caller)
        if found is None:
            with self._publishing:  # readers arriving together: protected once, not once each
                found = self._published.get(caller)
                if found is None:
                    filtered = not self.filters.empty
                    policy = policy_for(self.evaluation.meta.settings, caller, filtered=filtered)
                    found = self.evaluation.publish(policy)
                    whole = self.whole.meta if self.whole is not None else None
                    found.meta = viewers.published_meta(found.meta, caller, self.filters, whole)
                    self._published[caller] = found
        return found

    def perturbed(self, caller: Caller) -> bool:
        """Whether ``caller``'s figures are perturbed to protect people (pages then say so)."""
        return viewers.perturbed(caller, self.filters)

    def size(self, caller: Caller) -> int | None:
        """How many clients the view covers, as ``caller`` may be told (see
        :func:`ipseval.disclosure.viewers.shown_size`)."""
        return viewers.shown_size(caller, self.filters, self.evaluation, self.clients)

    def page(self, caller: Caller, page_id: str) -> Page | None:
        key = (caller, page_id)
        if key not in self._pages:
            published = self.published(caller)
            with self._publishing:  # drawn once, however many ask at once
                if key not in self._pages:
                    self._pages[key] = render_page(published, page_id)
        return self._pages[key]


class _Recorder(PublishedEvaluation):
    """A published evaluation that notes which tables a section reads (to offer them as CSV)."""

    def __init__(self, pub: PublishedEvaluation):
        super().__init__(meta=pub.meta, disclosure=pub.disclosure, tables=pub.tables)
        self.read: list[str] = []

    def table(self, key: str) -> ProtectedTable | None:
        if key in self.tables and key not in self.read:
            self.read.append(key)
        return super().table(key)


@dataclass
class Page:
    id: str
    title: str
    sections: list[dict[str, Any]]  # id, title, html
    table_keys: list[str]  # the tables shown, in the order the sections read them


@cache
def _report_env():
    """The report's Jinja environment, made once (its templates compile on first use)."""
    from ..report import environment

    return environment()


def render_page(pub: PublishedEvaluation, page_id: str) -> Page | None:
    """The report sections of one dashboard page (None for an unknown page)."""
    from ..report import RENDER_LOCK, render_sections

    found = next((p for p in PAGES if p[0] == page_id), None)
    if found is None:
        return None
    _, section_ids, title = found
    rec = _Recorder(pub)
    with RENDER_LOCK:
        sections = render_sections(rec, _report_env(), ids=section_ids, dashboard=True)
    return Page(id=page_id, title=title, sections=sections, table_keys=list(rec.read))


def definitions(pub: PublishedEvaluation) -> dict[str, Any]:
    """The methods section (settings and definitions used) and every table's column meanings."""
    from ..report import RENDER_LOCK
    from ..report.sections import methods

    env = _report_env()
    data = methods.build(pub)
    with RENDER_LOCK:
        html = (
            env.get_template("sections/methods.html.j2").render(pub=pub, data=data, section=methods)
            if data is not None
            else ""
        )
    tables = [
        {"key": key, "title": t.title, "columns": t.columns, "notes": t.notes}
        for key, t in pub.tables.items()
    ]
    return {"methods": Markup(html), "tables": tables}


def work_out_view(
    version: DataVersion,
    cache_root: Path,
    filters: flt.Filters,
    settings: Settings,
    pages: tuple[str, ...] = (),
) -> tuple[Evaluation, int, PublishedEvaluation | None, dict[tuple[str, str], Page | None]]:
    """Evaluate one view of a version: (unprotected evaluation, clients covered, and with
    ``pages`` the viewers' protected evaluation and those pages drawn). Reads only its arguments and the
    files they name, so it can run in a worker process."""
    folder = cache_root / version.id
    if not filters.empty:
        folder.mkdir(parents=True, exist_ok=True)
    evaluation, n = flt.evaluate_part(
        version.db_path, filters, settings, folder / f"{filters.key()}.duckdb", version.data_folder
    )
    if not pages:
        return evaluation, n, None, {}
    view = View(version, filters, evaluation, n)
    drawn = {("viewer", page_id): view.page("viewer", page_id) for page_id in pages}
    return evaluation, n, view.published("viewer"), drawn


WORKER = Worker()  # one for every dashboard in this process: two evaluations of a very large
# service at once would need twice the memory


class Views:
    """Evaluations of (version, filters), computed once and kept (least recently used dropped).

    ``in_worker``: evaluate in the worker process (see :mod:`.worker`); False = in the calling
    thread."""

    def __init__(self, workspace: Workspace, in_worker: bool = True):
        self.workspace = workspace
        self.in_worker = in_worker
        self._cache: OrderedDict[tuple[str, str], View] = OrderedDict()
        self._options: dict[str, flt.FilterOptions] = {}
        self._lock = threading.Lock()
        self._key_locks: dict[tuple[str, str], threading.Lock] = {}
        # a new version's unfiltered view and its pages are worked out before it becomes current,
        # so readers keep the old figures until the new ones are ready instead of waiting for them
        workspace.prepare = self.prepare

    @property
    def settings(self):
        return self.workspace.settings

    def prepare(self, version: DataVersion) -> View:
        """The unfiltered view of ``version``, with the page everyone lands on drawn (the others
        take well under a second each when first asked for)."""
        return self.view(version, flt.Filters(), pages=(LANDING_PAGE,))

    def options(self, version: DataVersion) -> flt.FilterOptions:
        found = self._options.get(version.id)
        if found is None:
            found = self._options[version.id] = flt.options_in(version.db_path)
        return found

    def view(self, version: DataVersion, filters: flt.Filters, pages: tuple[str, ...] = ()) -> View:
        """The view, computed on first request (then also drawing ``pages``)."""
        key = (version.id, filters.key())
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
            lock = self._key_locks.setdefault(key, threading.Lock())
        with lock:  # two people asking for the same new view: it is computed once
            with self._lock:
                hit = self._cache.get(key)
            if hit is None:
                hit = self._compute(version, filters, pages)
                with self._lock:
                    self._cache[key] = hit
                    while len(self._cache) > self.settings.dashboard.cached_views:
                        self._cache.popitem(last=False)
                    self._key_locks.pop(key, None)
        return hit

    def _compute(self, version: DataVersion, filters: flt.Filters, pages: tuple[str, ...]) -> View:
        if not filters.empty:
            (self.workspace.root / "cache").mkdir(exist_ok=True)
            self._prune_cache()
        args = (version, self.workspace.root / "cache", filters, self.workspace.settings_for(version), pages)
        evaluation, n, protected, drawn = (
            WORKER.run(work_out_view, *args) if self.in_worker else work_out_view(*args)
        )
        whole = None if filters.empty else self.view(version, flt.Filters()).evaluation
        view = View(version, filters, evaluation, n, whole)
        if protected is not None:
            view._published["viewer"] = protected
        view._pages.update(drawn)
        return view

    def _prune_cache(self) -> None:
        cache = self.workspace.root / "cache"
        live = {p.name for p in (self.workspace.root / "versions").iterdir()}
        for folder in cache.iterdir():
            if folder.name not in live:
                shutil.rmtree(folder, ignore_errors=True)
