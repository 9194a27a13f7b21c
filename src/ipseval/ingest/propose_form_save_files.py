"""The mapping form's file choices merged into the settings (``[input]`` date orders per table,
fill-down and two-digit years; ``[mapping.fixed]``, ``[mapping.wide]`` and the wide files' teams),
said setting by setting for the audit log, and the assistant's guesses a person changed.

As with names, what the settings say about files and tables this export does not have is kept; a
file of this export is set as the form says (a wide file's entry replaced whole).
"""

from __future__ import annotations

from typing import Any

from ipseval.ingest.mapping import norm_name, table_key
from ipseval.ingest.propose_form import MappingForm, TableChoice
from ipseval.ingest.propose_form_files import DateChoice
from ipseval.ingest.propose_form_wide import WideChoice, wide_entry
from ipseval.ingest.propose_quote import toml_key
from ipseval.settings import Settings, settings_document

EXPORTS = "the export's order"  # a file whose dates follow the order chosen for the export


def file_settings(doc: dict[str, Any], form: MappingForm) -> None:
    """Set the form's file choices in ``doc`` (a settings document whose mapping is merged)."""
    given = doc.setdefault("input", {})
    mapping = doc["mapping"]
    given["two_digit_years"] = form.two_digit_years
    orders = dict(given.get("date_orders", {}))
    fill = {t: list(cs) for t, cs in given.get("fill_down", {}).items()}
    fixed = {t: dict(cs) for t, cs in mapping.get("fixed", {}).items()}
    for t in form.tables:
        if t.standard is not None:
            _date_order(orders, t.standard, t.dates)
            _fill_down(fill, t)
            own = fixed.setdefault(t.standard, {})
            for f in t.fixed:
                own.pop(f.column, None)
                own |= {f.column: f.value} if f.value else {}
    for w in form.wide:
        if w.standard is not None:
            _date_order(orders, w.standard, w.dates)
    given |= {"date_orders": orders, "fill_down": {t: cs for t, cs in fill.items() if cs}}
    mapping["fixed"] = fixed
    mapping["wide"] = _wide(mapping.get("wide", {}), form.wide)
    _teams(mapping["codes"], form)


def _date_order(orders: dict[str, str], table: str, dates: DateChoice | None) -> None:
    if dates is not None:
        orders.pop(table, None)
        orders |= {table: dates.order} if dates.order else {}


def _fill_down(fill: dict[str, list[str]], t: TableChoice) -> None:
    """The table's columns filled down: those this file does not offer kept, then its own chosen."""
    offered = {c.standard for c in t.columns if c.standard and c.fill_down is not None}
    kept = [c for c in fill.get(t.standard, []) if c not in offered]
    fill[t.standard] = kept + [c.standard for c in t.columns if c.standard and c.fill_down]


def _wide(current: dict[str, Any], wide: list[WideChoice]) -> dict[str, list[dict]]:
    files = {table_key(w.local) for w in wide}
    out = {t: [e for e in entries if table_key(e["file"]) not in files] for t, entries in current.items()}
    for w in wide:
        entry = wide_entry(w)
        if entry is not None:
            out.setdefault(w.standard, []).append(entry)
    return {t: entries for t, entries in out.items() if entries}


def _teams(codes: dict[str, Any], form: MappingForm) -> None:
    """The teams of the wide fidelity files, as areas (unless a fidelity file's own team column's
    values are mapped: those say it, as ``map`` proposes)."""
    if any(
        t.standard == "fidelity"
        and c.standard == "team"
        and any(v.code not in (None, v.reads_as) for v in c.codes)
        for t in form.tables
        for c in t.columns
    ):
        return
    entries = codes.setdefault("fidelity", {}).setdefault("team", {})
    for w in form.wide:
        for v in w.teams:
            for k in [k for k in entries if norm_name(k) == norm_name(v.value)]:
                del entries[k]
            if v.code and w.standard is not None:
                entries[v.value] = v.code


def files_flat(s: Settings) -> dict[str, str]:
    """The file settings one by one (name -> value), to say what a save changed."""
    out = {"input.two_digit_years": s.input.two_digit_years}
    out |= {f"input.date_orders.{t}": v for t, v in s.input.date_orders.items()}
    out |= {f"input.fill_down.{t}": ", ".join(cs) for t, cs in s.input.fill_down.items()}
    for t, cols in s.mapping.fixed.items():
        out |= {f"mapping.fixed.{t}.{toml_key(c)}": v for c, v in cols.items()}
    doc = settings_document(s)["mapping"].get("wide", {})
    for t, entries in doc.items():
        for e in entries:
            out |= _flat(f"mapping.wide.{t}.{toml_key(e['file'])}", e)
    return out


def _flat(name: str, value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {k: v for key, x in value.items() for k, v in _flat(f"{name}.{toml_key(key)}", x).items()}
    return {name: ", ".join(map(str, value)) if isinstance(value, list) else str(value)}


def file_corrections(form: MappingForm) -> dict[str, str]:
    """Each file choice a person made differently from the assistant's guess: where -> 'guess → chosen'."""
    out: dict[str, str] = {}

    def note(where: str, guess: object, chosen: object) -> None:
        if guess != chosen:
            out[where] = f"{_words(guess)} → {_words(chosen)}"

    note("two-digit years", "auto", form.two_digit_years)
    for t in form.tables:
        if t.dates is not None:
            note(f"'{t.local}' date order", t.dates.guess or EXPORTS, t.dates.order or EXPORTS)
        for c in t.columns:
            if c.fill_down is not None:
                note(f"'{t.local}' › '{c.local}' filled down", bool(c.fill_guess), c.fill_down)
        for f in t.fixed:
            note(f"'{t.local}' › {f.column} of every row", f.guess, f.value)
    for w in form.wide:
        note(f"'{w.local}'", w.guess, w.standard)
        if w.dates is not None:
            note(f"'{w.local}' date order", w.dates.guess or EXPORTS, w.dates.order or EXPORTS)
        note(f"'{w.local}' › instrument", w.instrument_guess, w.instrument)
        for p in w.parts:
            note(f"'{w.local}' › '{p.local}'", p.guess, p.target)
        for b in w.blanks:
            note(f"'{w.local}' › '{b.value}' read as not recorded", b.guess, b.blank)
        for v in w.teams:
            note(f"'{w.local}' › team '{v.value}'", v.guess, v.code)
    return out


def _words(value: object) -> str:
    if value is True or value is False:
        return "yes" if value else "no"
    return str(value) if value not in (None, "") else "none"
