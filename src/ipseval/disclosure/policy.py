"""Which disclosure policy each caller gets: decided here, never by the caller.

Callers: the report and results.json written by ``evaluate`` (the settings' policy), a CLI
command on a flat table (``model``, ``compare``: the policy asked for, ``ndtms`` by default), and
the dashboard: a viewer always gets protected figures (the settings' policy, or ``ndtms`` when the
settings say ``none``); an analyst asking for internal figures gets them unprotected, marked not
for publication. A viewer's *filtered* view (any view other than the whole service: an area, a
referral period, a source, a specialist) gets the cell key method (``ckm``, see
:mod:`.cellkey`): views chosen freely could otherwise be subtracted from each other to single out
one person, which no suppression of small counts prevents.
"""

from __future__ import annotations

from typing import Literal

from ..settings import Disclosure, Settings

Caller = Literal["report", "command", "viewer", "analyst", "internal"]


def policy_for(
    settings: Settings | None, caller: Caller, asked: str | None = None, *, filtered: bool = False
) -> Disclosure:
    """The policy for ``caller``. ``asked``: a policy named on the command line (``command`` only).
    ``filtered``: the figures are for a view with filters (a part of the data the person chose);
    a viewer then gets the cell key method with the settings' ``ckm_*`` parameters."""
    own = settings.disclosure if settings is not None else Disclosure()
    if caller == "viewer" and filtered:
        # model_copy skips validation: 'ckm' is refused in a settings file, never here
        return own.model_copy(update={"policy": "ckm", "threshold": None})
    if caller == "internal":
        return Disclosure(policy="none")
    if caller == "command":
        return Disclosure(policy=asked) if asked else Disclosure()  # type: ignore[arg-type]
    if caller in ("viewer", "analyst") and own.policy == "none":
        return Disclosure()  # published figures: never unprotected outside the internal view
    return own
