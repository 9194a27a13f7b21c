"""A mapping form kept as JSON beside the upload it is for, while the upload waits: the proposal
takes seconds to work out (the export is read whole), the form is read back in milliseconds."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ipseval.atomic import write_text
from ipseval.ingest.propose import propose
from ipseval.ingest.propose_form import MappingForm, form_from_proposal

if TYPE_CHECKING:
    from ipseval.settings import Settings


def form_json(form: MappingForm) -> str:
    """The form as JSON (every choice, guess and distinct value it shows)."""
    return json.dumps(asdict(form), ensure_ascii=False)


def form_from_json(text: str) -> MappingForm:
    """A form from :func:`form_json`'s text (TypeError, KeyError or ValueError if it is not one)."""
    return _build(MappingForm, json.loads(text))


def _build(kind: Any, data: Any) -> Any:
    """``data`` (as JSON gave it) as a value of the type ``kind``: dataclasses, lists, tuples and
    optional values built field by field from their type hints."""
    if dataclasses.is_dataclass(kind):
        if not isinstance(data, dict):
            raise TypeError(f"{kind.__name__}: not an object")
        hints = typing.get_type_hints(kind)
        unknown = set(data) - {f.name for f in dataclasses.fields(kind)}
        if unknown:  # written by another version of ipseval
            raise TypeError(f"{kind.__name__}: no field {', '.join(sorted(unknown))}")
        return kind(**{k: _build(hints[k], v) for k, v in data.items()})
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        return _build(next(a for a in args if a is not type(None)), data)
    if origin is list:
        return [_build(args[0], v) for v in data]
    if origin is tuple:
        return tuple(_build(a, v) for a, v in zip(args, data, strict=True))
    if origin is dict:
        return {k: _build(args[1], v) for k, v in data.items()}
    return data


def cached_form(source: Path, cache: Path, saved: Settings | None, name: str) -> MappingForm:
    """The form for the export at ``source``: as kept in ``cache``, else proposed (seconds: the
    export is read whole) and kept there (also when the kept one cannot be read: another version
    of ipseval wrote it). InputError when the export cannot be read at all."""
    if cache.is_file():
        try:
            return form_from_json(cache.read_text(encoding="utf-8"))
        except (ValueError, TypeError, KeyError, AttributeError, StopIteration):
            pass
    form = form_from_proposal(propose(source), saved, name)
    write_form(cache, form)
    return form


def write_form(cache: Path, form: MappingForm) -> None:
    """Keep ``form`` in ``cache`` (whole or not at all), as the page now shows it."""
    write_text(cache, form_json(form))
