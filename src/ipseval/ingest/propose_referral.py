"""Which of a caseload's referral dates is the standard's referral_date, for the mapping assistant.

A case management system records a referral more than once: the day it was received (or
requested, made, sent) and the day it was accepted onto the caseload (or allocated to a worker).
The standard's referral_date is the second (docs/data-standard.md: "referral accepted onto the
caseload"): a referral never accepted was never on the caseload, and follow-up starts on
acceptance. Both names fit referral_date; when both are there, the accepted one is taken, and the
received one is left unused saying why.
"""

from __future__ import annotations

import re
from collections.abc import Callable

REFERRAL_DATE = "referral_date"
# Words of a date the referral reached the service, before anyone accepted it.
_RECEIVED = re.compile(
    r"(?i)(?<![a-z])(received|receipt|requested|request|made|sent|submitted|raised)(?![a-z])"
)
# Words of a date it was accepted onto the caseload.
_ACCEPTED = re.compile(
    r"(?i)(?<![a-z])(accepted|acceptance|accept|allocated|allocation|assigned|caseload\s*start"
    r"|start(?:ed)?\s*(?:on|of)?\s*caseload|added\s*to\s*caseload|taken\s*on)(?![a-z])"
)
_NOT_REFERRAL = re.compile(
    r"(?i)discharg|closed|closure|(?<![a-z])(end|job)(?![a-z])|birth|review|declin|reject"
)


def is_received(name: str) -> bool:
    """Whether a column's name says the day a referral was received, not accepted."""
    return bool(_RECEIVED.search(name)) and not _ACCEPTED.search(name)


def is_accepted(name: str) -> bool:
    """Whether a column's name says the day a referral was accepted onto the caseload."""
    return bool(_ACCEPTED.search(name)) and not _NOT_REFERRAL.search(name)


def prefer_accepted(
    names: list[str],
    chosen: dict[int, str],
    advice: dict[int, str | None],
    is_date: Callable[[int], bool],
) -> tuple[int, int] | None:
    """When referral_date is a received date and another date column, unused, says accepted: that
    column becomes referral_date (``chosen``: position -> standard column, changed), the received
    one is left unused with ``advice`` saying why; (the accepted column's position, the received
    one's), else None."""
    k = next((k for k, std in chosen.items() if std == REFERRAL_DATE), None)
    if k is None or not is_received(names[k]):
        return None
    j = next(
        (j for j, n in enumerate(names) if j not in chosen and is_accepted(n) and is_date(j)),
        None,
    )
    if j is None:
        return None
    del chosen[k]
    chosen[j] = REFERRAL_DATE
    advice[k] = (
        f"the day the referral was received: the standard's referral_date is the day it was accepted "
        f"onto the caseload, '{names[j]}'"
    )
    return j, k
