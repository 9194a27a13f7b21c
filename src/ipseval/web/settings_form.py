"""The settings page: which settings an admin may change in the browser, shown as form fields,
and a posted form read back into checked settings with every problem named.

Not editable here, and why:
- ``mapping`` (column and code names) and ``definitions.data_cut`` decide how an upload is read and
  which rows are rejected; they apply to the next upload. The mapping is set on an upload's mapping
  page (:mod:`.routes.mapping`); the data cut for one upload on its upload page (:mod:`.routes.upload`),
  its default in the ``ipseval.toml`` sent with it or in the home folder's file.
- file settings (``qualitative.codebook``, ``qualitative.coding_sheet``,
  ``wellbeing.measures_file``) name files on the server: no path typed in a browser reaches the
  file system.
- ``report.pdf`` is for ``ipseval evaluate``; the dashboard offers the PDF as a download anyway.
- ``dashboard.allowed_hosts`` and ``dashboard.trusted_proxies`` say how the server is reached; a
  wrong value typed in a browser could shut its admin out or let forged addresses in, so they are
  set in the home folder's ``ipseval.toml`` and read at start-up.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from ..settings import Settings

SECTIONS: tuple[tuple[str, str], ...] = (
    ("", "Service"),
    ("definitions", "Definitions"),
    ("input", "Reading exports"),
    ("disclosure", "Disclosure control"),
    ("impact", "Impact models"),
    ("wellbeing", "Wellbeing"),
    ("benchmarks", "National benchmarks"),
    ("qualitative", "Interviews"),
    ("report", "Report"),
    ("dashboard", "Dashboard"),
)
NOT_EDITABLE = {
    # per-file reading settings: tables of file or table names, written by `ipseval map` (or in the
    # settings file), not one value a form field can hold
    "input.date_orders",
    "input.fill_down",
    "input.separator",
    "definitions.data_cut",
    "qualitative.codebook",
    "qualitative.coding_sheet",
    "wellbeing.measures_file",
    "report.pdf",
    "dashboard.allowed_hosts",
    "dashboard.trusted_proxies",
}
_BAND = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)|(\+))\s*$")


@dataclass(frozen=True)
class SettingField:
    """One setting as a form field."""

    name: str  # dotted: "definitions.hours_threshold"
    section: str
    description: str
    kind: Literal["text", "choice", "bool", "list", "lines", "bands", "multi"]
    text: str  # the value as the form shows it
    default: str  # the default, as the form would show it
    choices: tuple[str, ...] = ()
    chosen: tuple[str, ...] = ()  # for "multi"
    optional: bool = False  # blank allowed (= the default behaviour the description names)

    @property
    def key(self) -> str:
        return self.name.rsplit(".", 1)[-1]


def _section_model(settings: Settings, section: str):
    return settings if section == "" else getattr(settings, section)


def _kind(name: str, annotation: Any) -> tuple[str, tuple[str, ...], bool]:
    """The form field kind for a setting's type: (kind, choices, optional)."""
    if name == "definitions.meeting_bands":
        return "bands", (), False
    if name == "definitions.model_controls":
        from ..schema import CLIENTS

        # identifiers and dates are not client factors: offered only if a settings file chose them
        factors = [c.name for c in CLIENTS.columns if not c.name.endswith("_id") and c.type != "date"]
        return "multi", (*factors, "referral_year"), False
    if name == "qualitative.names":
        return "lines", (), False
    args = typing.get_args(annotation)
    optional = typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in args
    if optional:
        annotation = next(a for a in args if a is not type(None))
    if annotation is bool:
        return "bool", ("true", "false"), optional
    if typing.get_origin(annotation) is Literal:
        return "choice", tuple(str(a) for a in typing.get_args(annotation)), optional
    if typing.get_origin(annotation) is list:
        return "list", (), optional
    return "text", (), optional


def _as_text(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind == "bool":
        return "true" if value else "false"
    if kind == "bands":
        return ", ".join(b.label for b in value)
    if kind == "lines":
        return "\n".join(value)
    if kind in ("list", "multi"):
        return ", ".join(str(x) for x in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def editable_fields(settings: Settings) -> list[SettingField]:
    """Every setting an admin may change here, in the order of the settings reference."""
    defaults = Settings()
    out = []
    for section, _title in SECTIONS:
        model = _section_model(settings, section)
        for key, field in type(model).model_fields.items():
            name = f"{section}.{key}" if section else key
            if name in NOT_EDITABLE or (section == "" and key != "service_name"):
                continue  # the top level holds only the sections, bar the service's name
            kind, choices, optional = _kind(name, field.annotation)
            value = getattr(model, key)
            if kind == "multi":
                choices = (*choices, *(v for v in value if v not in choices))
            out.append(
                SettingField(
                    name=name,
                    section=section,
                    description=field.description or "",
                    kind=kind,  # type: ignore[arg-type]
                    text=_as_text(kind, value),
                    default=_as_text(kind, getattr(_section_model(defaults, section), key)),
                    choices=choices,
                    chosen=tuple(value) if kind == "multi" else (),
                    optional=optional,
                )
            )
    return out


def parse_bands(text: str) -> list[dict[str, Any]]:
    """'1-4, 5-9, 10-19, 20+' as meeting bands (ValueError naming a band that cannot be read)."""
    bands = []
    for part in [p for p in text.split(",") if p.strip()]:
        m = _BAND.match(part)
        if not m:
            raise ValueError(f"'{part.strip()}' is not a band: write bands like 1-4, 5-9, 10-19, 20+")
        low = int(m.group(1))
        high = None if m.group(3) else int(m.group(2))
        bands.append({"label": f"{low}+" if high is None else f"{low}-{high}", "low": low, "high": high})
    if not bands:
        raise ValueError("give at least one band, e.g. 1-4, 5-9, 10-19, 20+")
    return bands


@dataclass
class SettingsChange:
    """A posted settings form, read: the new settings (None when there are problems), the problems
    by setting name, what changed (setting -> 'old → new'), and the form as typed (to show again)."""

    settings: Settings | None
    problems: dict[str, str]
    changes: dict[str, str]
    typed: dict[str, str]


def read_form(form: dict[str, Any], multi: dict[str, list[str]], current: Settings) -> SettingsChange:
    """The settings a posted form asks for, checked as a settings file would be.

    ``form`` holds one value per field; ``multi`` the ticked choices of "multi" fields (a field
    left out of the form keeps its current value)."""
    fields = editable_fields(current)
    doc = current.model_dump(mode="python")
    doc["qualitative"]["names"] = list(current.qualitative.names)
    doc.pop("source", None)
    problems: dict[str, str] = {}
    typed: dict[str, str] = {}
    for f in fields:
        if f.kind == "multi":
            if f"{f.name}.present" not in form:
                continue
            raw_list = [x for x in multi.get(f.name, []) if x in f.choices]
            typed[f.name] = ", ".join(raw_list)
            value: Any = raw_list
        else:
            if f.name not in form:
                continue
            raw = str(form[f.name]).replace("\r\n", "\n").strip()
            typed[f.name] = raw
            if f.kind == "bands":
                try:
                    value = parse_bands(raw)
                except ValueError as e:
                    problems[f.name] = str(e)
                    continue
            elif f.kind == "lines":
                value = [line.strip() for line in raw.split("\n") if line.strip()]
            elif f.kind == "list":
                value = [x.strip() for x in raw.split(",") if x.strip()]
            elif f.kind == "bool":
                if raw not in ("true", "false"):
                    problems[f.name] = "choose yes or no"
                    continue
                value = raw == "true"
            elif raw == "" and f.optional:
                value = None
            elif f.kind == "choice" and raw not in f.choices:
                problems[f.name] = f"'{raw}' is not one of: {', '.join(f.choices)}"
                continue
            else:
                value = raw
        target = doc if f.section == "" else doc[f.section]
        target[f.key] = value
    new = None
    if not problems:
        try:
            new = Settings.model_validate(doc)
        except ValidationError as e:
            for err in e.errors():
                loc = [str(x) for x in err["loc"] if not isinstance(x, int)]
                sections = {s for s, _ in SECTIONS if s}
                name = ".".join(loc[:2]) if loc and loc[0] in sections else (loc[0] if loc else "")
                message = str(err["msg"]).removeprefix("Value error, ")
                if isinstance(err.get("input"), str):  # name the value as well as the rule
                    message = f"'{err['input'][:60]}': {message[0].lower()}{message[1:]}"
                problems.setdefault(name or "settings", message)
    changes: dict[str, str] = {}
    if new is not None:
        before = {f.name: f for f in fields}
        for f in editable_fields(new):
            old = before[f.name]
            if f.text != old.text:
                if f.name == "qualitative.names":  # identifying: the audit log records counts only
                    changes[f.name] = f"{_count(old.text)} names → {_count(f.text)} names"
                else:
                    changes[f.name] = f"{old.text or '(blank)'} → {f.text or '(blank)'}"
    return SettingsChange(new, problems, changes, typed)


def fixed_settings(settings: Settings) -> list[tuple[str, str]]:
    """The settings not changed in the browser, with their values, for admins to read."""
    d = settings.dashboard
    rows = [
        (
            "definitions.data_cut",
            str(settings.definitions.data_cut or "blank: the latest date in the data")
            + " (the default: an upload's own is set on the upload page)",
        ),
        ("qualitative.codebook", str(settings.qualitative.codebook or "blank: the built-in codebook")),
        ("qualitative.coding_sheet", str(settings.qualitative.coding_sheet or "blank: none")),
        ("wellbeing.measures_file", str(settings.wellbeing.measures_file or "blank: the built-in measures")),
        ("dashboard.allowed_hosts", ", ".join(d.allowed_hosts) or "none: 127.0.0.1, localhost and ::1 only"),
        ("dashboard.trusted_proxies", ", ".join(d.trusted_proxies) or "none: forwarded headers are ignored"),
    ]
    m = settings.mapping
    mapped = [
        f"{what} in {len(v)} table(s)"
        for what, v in (("column names", m.columns), ("codes", m.codes), ("file names", m.tables))
        if v
    ]
    mapping = "own " + ", ".join(mapped) if mapped else "none: the data standard's own names"
    rows.append(("mapping", f"{mapping} (set on an upload's mapping page)"))
    return rows


def _count(lines: str) -> int:
    return len([x for x in lines.split("\n") if x.strip()])


__all__ = [
    "SECTIONS",
    "SettingField",
    "SettingsChange",
    "editable_fields",
    "fixed_settings",
    "parse_bands",
    "read_form",
]
