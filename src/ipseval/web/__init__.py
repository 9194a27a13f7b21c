"""The web dashboard (``ipseval serve``): the evaluation for service managers and commissioners.

- :mod:`.workspace`: the home folder: imported data versions (atomic replacement), uploads, audit.
- :mod:`.filters`: which clients a view covers, carried in the URL.
- :mod:`.views`: evaluations of views, protected for the person's role, as the report's sections.
- :mod:`.auth`: accounts (argon2), signed session cookies, CSRF tokens, login rate limiting.
- :mod:`.app`: the FastAPI routes (thin: parse, call the library, render a template).
"""

from __future__ import annotations

__all__ = ["create_app"]


def create_app(*args, **kwargs):
    from .app import create_app as _create

    return _create(*args, **kwargs)
