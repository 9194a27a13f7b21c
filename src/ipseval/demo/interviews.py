"""The shipped demo interview transcripts (package data in ``ipseval/demo_data/interviews``).

Qualitative material for the report; located with importlib.resources so it works when installed."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def interview_files() -> list[Path]:
    """The shipped demo interview transcripts."""
    folder = resources.files("ipseval") / "demo_data" / "interviews"
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith((".md", ".txt")))
