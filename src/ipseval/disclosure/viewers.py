"""What each caller may see of a dashboard view, beyond the disclosure policy of its tables.

Three rules protect people in the dashboard's filtered views, set in ``[dashboard]`` and
``[disclosure]``:

* a viewer's referral period is widened to whole calendar quarters (or months, or kept to the
  day: ``viewer_period``), so two views a little apart cannot be subtracted to single someone out
  and the same people fall in many fewer distinct views (which limits averaging the noise);
* a viewer's filtered view is perturbed with the cell key method (:mod:`.cellkey`), and says so;
  the number of clients it shows, and the period it names, are the perturbed figure and the
  filter's own dates, never the exact count or the first and last referral of the view;
* a viewer's filtered view covering fewer than ``min_clients_in_view`` clients (by the figure
  the viewer would see) shows no figures.

Analysts, and internal figures, are not limited. Each table's policy is :func:`.policy_for`'s.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ..settings import Settings
from .policy import Caller, policy_for

if TYPE_CHECKING:
    from ..evaluation import Evaluation, EvaluationMeta
    from ..subset import Filters


def filters_for(caller: Caller, filters: Filters, settings: Settings) -> Filters:
    """The filters ``caller`` gets when asking for ``filters``."""
    period = settings.dashboard.viewer_period
    if caller != "viewer" or period == "day":
        return filters
    return filters.whole_quarters() if period == "quarter" else filters.whole_months()


def perturbed(caller: Caller, filters: Filters) -> bool:
    """Whether ``caller``'s figures of the view ``filters`` are perturbed (the cell key method)."""
    return caller == "viewer" and not filters.empty


def shown_size(caller: Caller, filters: Filters, evaluation: Evaluation, clients: int) -> int | None:
    """The number of clients a view is said to cover: the exact number, or for a perturbed view
    the perturbed referrals (None when no such figure can be made: then no number is shown)."""
    if not perturbed(caller, filters):
        return clients
    from .cellkey import perturbed_view_size

    policy = policy_for(evaluation.meta.settings, caller, filtered=True)
    return perturbed_view_size(evaluation.tables, policy)


def withheld(caller: Caller, filters: Filters, size: int | None, settings: Settings) -> bool:
    """True when a view of ``size`` clients (as ``caller`` would see it) is too small to show
    ``caller`` its figures."""
    if caller != "viewer" or filters.empty:
        return False
    return size is None or size < settings.dashboard.min_clients_in_view


def published_meta(
    meta: EvaluationMeta, caller: Caller, filters: Filters, whole: EvaluationMeta | None
) -> EvaluationMeta:
    """The view's description as ``caller`` may see it: a perturbed view's period is the filter's
    own dates (else the whole service's), not its first and last referral, which would date
    someone's referral exactly."""
    if not perturbed(caller, filters):
        return meta
    start = (
        filters.referred_from.isoformat() if filters.referred_from else (whole.period_start if whole else "")
    )
    end = filters.referred_to.isoformat() if filters.referred_to else (whole.period_end if whole else "")
    return replace(meta, period_start=start, period_end=end)


__all__ = ["filters_for", "perturbed", "published_meta", "shown_size", "withheld"]
