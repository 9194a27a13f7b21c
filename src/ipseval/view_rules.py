"""What each caller may see of a filtered view, beyond the disclosure policy of its tables.

Two rules protect people in the dashboard's filtered views, both set in ``[dashboard]``: a
viewer's referral period is widened to whole calendar months (``viewer_period``), so two views a
day apart cannot be subtracted to single someone out; and a viewer's filtered view covering fewer
than ``min_clients_in_view`` clients shows no figures. Analysts, and internal figures, are not
limited. The policy applied to each table is :func:`ipseval.disclosure.policy_for`'s.
"""

from __future__ import annotations

from .disclosure import Caller
from .settings import Settings
from .subset import Filters


def filters_for(caller: Caller, filters: Filters, settings: Settings) -> Filters:
    """The filters ``caller`` gets when asking for ``filters``."""
    if caller == "viewer" and settings.dashboard.viewer_period == "month":
        return filters.whole_months()
    return filters


def withheld(caller: Caller, filters: Filters, clients: int, settings: Settings) -> bool:
    """True when a view of ``clients`` people is too small to show ``caller`` its figures."""
    return caller == "viewer" and not filters.empty and clients < settings.dashboard.min_clients_in_view


__all__ = ["filters_for", "withheld"]
