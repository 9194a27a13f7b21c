"""Qualitative evidence: interview transcripts read, protected and coded.

``transcripts`` reads the ``interviews/`` folder into segments with names already removed;
``redact`` holds the safeguards (redaction, name flags, the small-cell rule)."""

from __future__ import annotations

from pathlib import Path

from ..settings import Settings
from .redact import Redactor, cell_allowed, disclosure_threshold
from .transcripts import InterviewSet, read_interviews


def setting_path(settings: Settings, value: str | Path | None) -> Path | None:
    """A path setting (``[qualitative] codebook``, ``coding_sheet``) as a usable path: a relative
    path is read from the settings file's folder, as ``[wellbeing] measures_file`` is."""
    if value is None or str(value).strip() == "":
        return None
    path = Path(value)
    if not path.is_absolute() and settings.source:
        path = Path(settings.source).parent / path
    return path


__all__ = [
    "InterviewSet",
    "Redactor",
    "cell_allowed",
    "disclosure_threshold",
    "read_interviews",
    "setting_path",
]
