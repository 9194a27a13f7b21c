"""A mapping form kept as JSON beside the upload it is for, while the upload waits: the proposal
takes seconds to work out (the export is read whole), the form is read back in milliseconds."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ipseval.atomic import write_text
from ipseval.ingest.propose import propose
from ipseval.ingest.propose_form import (
    ColumnChoice,
    MappingForm,
    TableChoice,
    ValueChoice,
    form_from_proposal,
)

if TYPE_CHECKING:
    from ipseval.settings import Settings


def form_json(form: MappingForm) -> str:
    """The form as JSON (every choice, guess and distinct value it shows)."""
    return json.dumps(asdict(form), ensure_ascii=False)


def form_from_json(text: str) -> MappingForm:
    """A form from :func:`form_json`'s text."""
    doc: dict[str, Any] = json.loads(text)
    tables = []
    for t in doc.pop("tables"):
        columns = []
        for c in t.pop("columns"):
            codes = [ValueChoice(**v) for v in c.pop("codes")]
            values = [(str(v), int(k)) for v, k in c.pop("values")]
            columns.append(ColumnChoice(**c, values=values, codes=codes))
        tables.append(TableChoice(**t, columns=columns))
    return MappingForm(**doc, tables=tables)


def cached_form(source: Path, cache: Path, saved: Settings | None, name: str) -> MappingForm:
    """The form for the export at ``source``: as kept in ``cache``, else proposed (seconds: the
    export is read whole) and kept there (also when the kept one cannot be read: another version
    of ipseval wrote it). InputError when the export cannot be read at all."""
    if cache.is_file():
        try:
            return form_from_json(cache.read_text(encoding="utf-8"))
        except (ValueError, TypeError, KeyError, AttributeError):
            pass
    form = form_from_proposal(propose(source), saved, name)
    write_form(cache, form)
    return form


def write_form(cache: Path, form: MappingForm) -> None:
    """Keep ``form`` in ``cache`` (whole or not at all), as the page now shows it."""
    write_text(cache, form_json(form))
