"""TOML text for the mapping assistant: every key and string value ``map`` writes goes through these,
so no name from an export (a sheet called TOP, a header with a newline or a quote) is written bare."""

from __future__ import annotations

import json
import re

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def toml_key(text: str) -> str:
    """A TOML key: bare when it can be, else a quoted basic string (JSON's escapes are TOML's)."""
    text = str(text)
    return text if _BARE_KEY.match(text) else toml_str(text)


def toml_str(text: str) -> str:
    """A TOML string value, always quoted (JSON's escapes are TOML's)."""
    return json.dumps(str(text), ensure_ascii=False)
