"""The dashboard's routes, one router per concern; :func:`ipseval.web.app.create_app` mounts them.

Each route parses the request, calls the library, and renders: no SQL, statistics or disclosure
decisions here (those are :mod:`ipseval.subset`, :mod:`ipseval.disclosure.viewers`,
:func:`ipseval.disclosure.policy_for`, :mod:`ipseval.areas_edit`, :mod:`ipseval.fidelity.entry`).
"""

from __future__ import annotations

from . import accounts, areas, downloads, mapping, pages, review, session, settings, upload

ROUTERS = [r.router for r in (session, pages, downloads, review, mapping, upload, areas, accounts, settings)]

__all__ = ["ROUTERS"]
