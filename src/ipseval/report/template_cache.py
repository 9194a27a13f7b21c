"""Compiled report templates kept between runs, so ``ipseval evaluate`` does not compile a dozen
Jinja templates (about a quarter of a second) every time it writes a report.

Jinja's own per-user cache folder is used (``_jinja2-cache-<uid>`` in the temporary folder, made
private to the user; Jinja refuses one that anybody else owns or can write). An entry is keyed by
the template's name and a checksum of its source, and Jinja checks the Python version when it
loads one, so a changed template or interpreter simply compiles again. The cache only saves time:
a folder that cannot be made or written leaves templates compiled in memory, as without it.
"""

from __future__ import annotations

import contextlib
from functools import cache

from jinja2 import FileSystemBytecodeCache
from jinja2.bccache import Bucket


class _QuietCache(FileSystemBytecodeCache):
    """Jinja's file cache, except that a failed write (full disk, folder removed meanwhile) is
    not an error: the template was compiled and the report goes on."""

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


@cache
def template_cache() -> FileSystemBytecodeCache | None:
    """The shared cache, or None where the cache folder cannot be made safely."""
    try:
        return _QuietCache()
    except (OSError, RuntimeError):  # RuntimeError: the folder exists but is not safely ours
        return None
