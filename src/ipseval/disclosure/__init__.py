"""Disclosure control: the one package that decides what about people may leave, and how.

- :mod:`.suppression`: the table-by-table policies (``ndtms`` suppression with secondary
  suppression, ``nhs`` rounding, ``none``) applied by :func:`protect`.
- :mod:`.policy`: which policy each caller gets (the report, a CLI command, each dashboard role
  and view), so no caller chooses its own.

Every number that leaves the store passes through here.
"""

from .policy import Caller, policy_for
from .release import DisclosureError, protect_release
from .suppression import (
    NOT_FOR_PUBLICATION,
    _fixed_variables,
    describe_policy,
    protect,
    protect_all,
    wilson_interval,
)

__all__ = [
    "NOT_FOR_PUBLICATION",
    "Caller",
    "DisclosureError",
    "_fixed_variables",
    "describe_policy",
    "policy_for",
    "protect",
    "protect_all",
    "protect_release",
    "wilson_interval",
]
