"""The web dashboard (``ipseval serve``): the evaluation for service managers and commissioners.

- :mod:`.app`: assembles the application: the doors, the routers, what they share.
- :mod:`.guards`: what every request passes first (Host and Origin, local mode, body sizes).
- :mod:`.network`: the Host allow-list, origins, peer addresses behind trusted proxies.
- :mod:`.deps`: who is asking, the doors per role, CSRF-checked forms, the view asked for.
- :mod:`.routes`: one router per concern (session, pages, downloads, review, upload, areas,
  accounts, settings), each parse -> library call -> render.
- :mod:`.auth`, :mod:`.sessions`, :mod:`.throttle`: accounts (argon2), server-side sessions,
  login throttling.
- :mod:`.views`: evaluations of views, protected for the caller, as the report's sections.
- :mod:`.workspace`: the home folder: imported data versions (atomic replacement), uploads, audit.

SECURITY.md at the top of the repository has the threat model.
"""

from __future__ import annotations

__all__ = ["create_app"]


def create_app(*args, **kwargs):
    from .app import create_app as _create

    return _create(*args, **kwargs)
