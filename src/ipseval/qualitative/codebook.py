"""The codebook: themes and sub-themes for coding interview segments, read from YAML.

The built-in codebook (``codebook.yaml`` beside this module) has the published evaluation's four
critical success factors and five strands of what clients valued; ``[qualitative] codebook`` in
the settings names a replacement. The file's own comments describe its shape. Codes are given at
the lowest level only (a sub-theme, or a theme without sub-themes): those are the *leaves*.

A codebook that cannot be used raises :class:`ipseval.settings.SettingsError` with a message
naming the file and what is wrong, in words an analyst can act on.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..settings import SettingsError

NONE_CODE = "none"  # in a coding sheet: "reviewed, no code applies"; never a codebook id
_ID = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)?$")
_THEME_KEYS = {"id", "label", "definition", "examples", "keywords", "subthemes"}
_LEAF_KEYS = _THEME_KEYS - {"subthemes"}


@dataclass(frozen=True)
class Keyword:
    """A keyword or phrase for the keyword method: ``text`` as written, ``weight`` in points."""

    text: str
    weight: float


@dataclass(frozen=True)
class Code:
    """One theme or sub-theme."""

    code: str
    label: str
    definition: str
    examples: tuple[str, ...] = ()
    keywords: tuple[Keyword, ...] = ()
    parent: str | None = None
    children: tuple[str, ...] = ()

    @property
    def is_leaf(self) -> bool:
        return not self.children


@dataclass
class Codebook:
    """A validated codebook. ``leaves`` are the codes an analyst assigns, in the file's order."""

    name: str
    source: str  # the file read, or "built-in"
    codes: dict[str, Code]
    themes: list[str]  # top-level ids, in order
    leaves: list[str] = field(default_factory=list)
    digest: str = ""  # sha256 of the file's bytes (first 12 hex digits): which codebook was used

    def __post_init__(self) -> None:
        if not self.leaves:
            self.leaves = [c for t in self.themes for c in (self.codes[t].children or (t,))]

    def code(self, code: str) -> Code:
        try:
            return self.codes[code]
        except KeyError:
            raise KeyError(f"'{code}' is not in the codebook ({self.source})") from None

    def label(self, code: str) -> str:
        """The code's label, e.g. 'Co-location, team meetings and case discussions'."""
        return self.code(code).label

    def parent(self, code: str) -> str | None:
        """The theme a sub-theme belongs to; None for a theme."""
        return self.code(code).parent

    def theme(self, code: str) -> str:
        """The top-level theme of ``code`` (a theme is its own theme)."""
        return self.code(code).parent or code

    def full_label(self, code: str) -> str:
        """'Theme: sub-theme' for a sub-theme, the label alone for a theme."""
        c = self.code(code)
        return f"{self.codes[c.parent].label}: {c.label}" if c.parent else c.label

    def resolve(self, text: str) -> str | None:
        """The leaf code an analyst meant by ``text``: its id or its label (any case, spaces
        trimmed), or ``'none'`` for "no code applies"; None when nothing matches."""
        t = re.sub(r"\s+", " ", str(text)).strip().lower()
        if not t:
            return None
        if t == NONE_CODE:
            return NONE_CODE
        if t in self.codes:
            return t
        for c in self.leaves:
            if self.codes[c].label.lower() == t or self.full_label(c).lower() == t:
                return c
        # "id — label" as some spreadsheets show it
        head = re.split(r"\s+[-–—:]\s+", t, maxsplit=1)[0]
        return head if head in self.codes else None

    def describe(self, code: str) -> str:
        """The text that stands for a leaf in the embedding method: labels and definitions."""
        c = self.code(code)
        parts = []
        if c.parent:
            p = self.codes[c.parent]
            parts.append(f"{p.label}.")
        parts.append(f"{c.label}: {c.definition}")
        return " ".join(parts)


def default_codebook_path() -> Path:
    """Where the built-in codebook is installed (copy it to make your own)."""
    return Path(str(resources.files("ipseval").joinpath("qualitative/codebook.yaml")))


def _yaml(text: str) -> Any:
    """The YAML document read by libyaml when PyYAML has it (the built-in codebook in a tenth of
    the time); a document libyaml refuses is read again by PyYAML's own reader, so the problem is
    named in the same words either way."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.load(text, Loader=fast)  # a safe loader: plain data only
        except yaml.YAMLError:
            pass
    return yaml.safe_load(text)


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Read and check a codebook (the built-in one when ``path`` is None).

    Checks: the file is YAML with a ``themes`` list; every theme and sub-theme has an ``id``
    (lower-case letters, digits and ``_``; a sub-theme's id is its theme's id, a dot and a name),
    a ``label`` and a ``definition``; ids are unique and ``none`` is not used; ``examples`` and
    ``keywords`` are lists of text (a keyword may carry a weight: ``- "same building": 3``).
    Anything else raises :class:`SettingsError` naming the file and the problem."""
    if path is None:
        p = default_codebook_path()
        where = "built-in codebook"
    else:
        p = Path(path)
        where = str(p)
        if not p.is_file():
            raise SettingsError(f"codebook not found: {p}")
    try:
        data = p.read_bytes()
        raw = _yaml(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise SettingsError(f"{where}: not UTF-8 text (save it as UTF-8)") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise SettingsError(
            f"{where}: not valid YAML{at} ({problem}); check the indentation and that text "
            "containing ':' or '#' is in quotes"
        ) from None
    except OSError as e:
        raise SettingsError(f"{where}: cannot be read ({e.strerror or e})") from None
    book = _build(raw, where)
    book.source = "built-in" if path is None else str(p)
    book.digest = hashlib.sha256(data).hexdigest()[:12]
    return book


def _build(raw: Any, where: str) -> Codebook:
    def fail(msg: str) -> SettingsError:
        return SettingsError(f"{where}: {msg}")

    if not isinstance(raw, dict):
        raise fail("expected a 'themes:' list at the top level (see the built-in codebook for the shape)")
    themes_raw = raw.get("themes")
    if not isinstance(themes_raw, list) or not themes_raw:
        raise fail("'themes' must be a list with at least one theme")
    name = str(raw.get("name") or "codebook")
    codes: dict[str, Code] = {}
    themes: list[str] = []

    def entry(item: Any, position: str, parent: str | None) -> tuple[str, dict[str, Any]]:
        if not isinstance(item, dict):
            raise fail(f"{position} should be a block with id, label and definition, not {item!r}")
        cid = item.get("id")
        if not isinstance(cid, str) or not cid.strip():
            raise fail(f"{position} has no id")
        cid = cid.strip()
        what = f"{'sub-theme' if parent else 'theme'} '{cid}'"
        allowed = _LEAF_KEYS if parent else _THEME_KEYS
        unknown = sorted(set(item) - allowed)
        if unknown:
            hint = " (sub-themes cannot have sub-themes)" if "subthemes" in unknown else ""
            raise fail(f"{what}: unknown key(s) {', '.join(unknown)}{hint}; use {', '.join(sorted(allowed))}")
        if cid == NONE_CODE:
            raise fail(f"{what}: 'none' is reserved (it means 'no code applies' in a coding sheet)")
        if not _ID.match(cid):
            raise fail(
                f"{what}: an id is lower-case letters, digits and _ (a sub-theme: theme id, a dot, "
                "a name), e.g. integration.co_location"
            )
        if parent is None and "." in cid:
            raise fail(f"{what}: a theme's id has no dot (dots join a theme and its sub-theme)")
        if parent is not None and not cid.startswith(parent + "."):
            raise fail(f"{what} is under '{parent}': its id must start with '{parent}.'")
        if cid in codes or cid in themes:
            raise fail(f"id '{cid}' is used twice")
        for key in ("label", "definition"):
            v = item.get(key)
            if not isinstance(v, str) or not v.strip():
                raise fail(f"{what} has no {key}")
        return cid, item

    def texts(item: dict[str, Any], key: str, what: str) -> tuple[str, ...]:
        v = item.get(key)
        if v is None:
            return ()
        if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
            raise fail(f"{what}: '{key}' must be a list of statements (text, one per line after '- ')")
        return tuple(re.sub(r"\s+", " ", x).strip() for x in v)

    def keywords(item: dict[str, Any], what: str) -> tuple[Keyword, ...]:
        v = item.get("keywords")
        if v is None:
            return ()
        if not isinstance(v, list):
            raise fail(f"{what}: 'keywords' must be a list")
        out: list[Keyword] = []
        for k in v:
            if isinstance(k, dict) and len(k) == 1:
                (text, weight), *_ = k.items()
                if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
                    raise fail(f"{what}: keyword '{text}' needs a positive number as its weight")
            else:
                text, weight = k, None
            if not isinstance(text, str) or not text.strip():
                raise fail(
                    f"{what}: keyword {text!r} is not text (words such as yes, no, on, off, true "
                    "or a number must be in quotes)"
                )
            words = phrase_words(text)
            if not words:
                raise fail(f"{what}: keyword '{text}' has no letters or digits")
            out.append(Keyword(text.strip(), float(weight) if weight is not None else float(len(words))))
        return tuple(out)

    for i, item in enumerate(themes_raw, start=1):
        tid, t = entry(item, f"theme {i}", None)
        what = f"theme '{tid}'"
        subs = t.get("subthemes") or []
        if not isinstance(subs, list):
            raise fail(f"{what}: 'subthemes' must be a list")
        children: list[str] = []
        themes.append(tid)
        for j, sub in enumerate(subs, start=1):
            sid, s = entry(sub, f"sub-theme {j} of '{tid}'", tid)
            codes[sid] = Code(
                code=sid,
                label=s["label"].strip(),
                definition=re.sub(r"\s+", " ", s["definition"]).strip(),
                examples=texts(s, "examples", f"sub-theme '{sid}'"),
                keywords=keywords(s, f"sub-theme '{sid}'"),
                parent=tid,
            )
            children.append(sid)
        if children and (t.get("examples") or t.get("keywords")):
            raise fail(
                f"{what} has sub-themes, so it is coded through them: move its examples and "
                "keywords to the sub-themes"
            )
        codes[tid] = Code(
            code=tid,
            label=t["label"].strip(),
            definition=re.sub(r"\s+", " ", t["definition"]).strip(),
            examples=texts(t, "examples", what),
            keywords=keywords(t, what),
            children=tuple(children),
        )
    # themes first in the dict, in order, then their sub-themes (stable, readable)
    ordered = {}
    for tid in themes:
        ordered[tid] = codes[tid]
        for c in codes[tid].children:
            ordered[c] = codes[c]
    return Codebook(name=name, source=where, codes=ordered, themes=themes)


def phrase_words(text: str) -> list[str]:
    """A text as the lower-case words the keyword method compares (hyphens and slashes split
    words; curly apostrophes are straight)."""
    t = str(text).lower().replace("’", "'").replace("‘", "'")
    return re.findall(r"[a-z0-9*]+(?:'[a-z0-9*]+)*", t)
