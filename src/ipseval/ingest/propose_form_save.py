"""A mapping form's choices made settings, and messages about mapping worded for the dashboard.

:func:`merged_settings` puts the choices of one export into the settings in force: for each of its
files or sheets, columns and coded values the entry is set, or removed when it is not used or
validate reads the name as it is; entries about names this export does not have are kept (another
export of the same service may need them); the date order is this export's. :func:`mapping_changes`
says what that changed, setting by setting, and :func:`corrections` which of the assistant's guesses
a person changed, both for the audit log. :func:`dashboard_words` turns a message that says to set a
mapping in the settings file into one that points to the mapping page, the dashboard's way to set it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ipseval.ingest.mapping import check_mapping, norm_name, table_key
from ipseval.ingest.propose_form import ColumnChoice, MappingForm
from ipseval.ingest.propose_form_save_files import file_corrections, file_settings, files_flat
from ipseval.ingest.propose_form_values import value_words
from ipseval.ingest.propose_toml import toml_key
from ipseval.settings import Settings, settings_document

NONE = "(none)"
MAPPING_PAGE = "the mapping page"
_SETTINGS_SECTION = re.compile(
    r"\bin (?:the settings )?\[(?:mapping|input)(?:\.[^\]\s]+)?\](?: \(ipseval map proposes it\))?"
)
_SETTING_ASIDE = re.compile(r"\(\[(?:mapping|input)\.[^\]\s]+\][^)]*\)")  # '([input.fill_down] fidelity)'
_DATE_ORDER = re.compile(
    r"\bset (?:input\.date_order|\[input\.date_orders\] \w+)(?: = (\"\w+\"))?(?: in the settings)?"
)


def merged_settings(current: Settings, form: MappingForm) -> Settings:
    """The settings in force with this export's choices (InputError if the reader would refuse them)."""
    m = current.mapping
    tables = dict(m.tables)
    columns = {t: dict(cols) for t, cols in m.columns.items()}
    codes = {t: {c: dict(v) for c, v in cols.items()} for t, cols in m.codes.items()}
    for t in form.tables:
        several = next((v for k, v in tables.items() if table_key(k) == table_key(t.local)), None)
        _drop(tables, t.local, table_key)
        if t.standard is None:
            continue
        if isinstance(several, list) and t.standard in several:
            tables[t.local] = several  # one file giving several tables: the form shows the first
        elif t.standard != t.named:
            tables[t.local] = t.standard
        own = columns.setdefault(t.standard, {})
        for c in t.columns:
            _drop(own, c.local, norm_name)
            if c.standard and c.standard != norm_name(c.local):
                own[c.local] = c.standard
            if c.standard and c.codes:
                _set_codes(codes.setdefault(t.standard, {}), c)
    doc = settings_document(current)
    doc["mapping"] |= {"tables": tables, "columns": columns, "codes": codes}
    doc.setdefault("input", {})["date_order"] = form.date_order
    file_settings(doc, form)
    for section in ("columns", "codes", "fixed"):
        doc["mapping"][section] = _pruned(doc["mapping"].get(section, {}))
    new = Settings.model_validate(doc).model_copy(update={"source": current.source})
    check_mapping(new)
    return new


def _drop(entries: dict[str, Any], local: str, key: Callable[[str], str]) -> None:
    """Remove the entries for ``local`` however they are spelt (the reader matches names so)."""
    for k in [k for k in entries if key(k) == key(local)]:
        del entries[k]


def _set_codes(by_column: dict[str, dict[str, str]], c: ColumnChoice) -> None:
    """Set the codes of one column: keyed by its standard name (an entry keyed by its local name,
    as a settings file may key it, loses the values set here)."""
    for col_key, entries in by_column.items():
        if col_key == c.standard or norm_name(col_key) == norm_name(c.local):
            for v in c.codes:
                _drop(entries, v.value, norm_name)
    entries = by_column.setdefault(c.standard, {})
    for v in c.codes:
        if v.code is not None and v.code != v.reads_as:
            entries[v.value] = v.code


def _pruned(tree: dict[str, Any]) -> dict[str, Any]:
    """The nested mapping without empty tables of entries."""
    out = {}
    for k, v in tree.items():
        v = _pruned(v) if isinstance(v, dict) else v
        if v != {}:
            out[k] = v
    return out


def mapping_changes(before: Settings, after: Settings) -> dict[str, str]:
    """Each setting of the mapping (and the date order) that differs: name -> 'old → new'."""
    a, b = _flat(before), _flat(after)
    names = list(dict.fromkeys([*a, *b]))
    return {n: f"{a.get(n, NONE)} → {b.get(n, NONE)}" for n in names if a.get(n) != b.get(n)}


def _flat(s: Settings) -> dict[str, str]:
    out = {"input.date_order": s.input.date_order, **files_flat(s)}
    m = s.mapping
    out |= {f"mapping.tables.{toml_key(k)}": v for k, v in m.tables.items()}
    for t, cols in m.columns.items():
        out |= {f"mapping.columns.{t}.{toml_key(k)}": v for k, v in cols.items()}
    for t, cols in m.codes.items():
        for c, entries in cols.items():
            out |= {f"mapping.codes.{t}.{toml_key(c)}.{toml_key(k)}": v for k, v in entries.items()}
    return out


def corrections(form: MappingForm) -> dict[str, str]:
    """Each choice a person made differently from the assistant's guess: where -> 'guess → chosen'."""
    out: dict[str, str] = {}

    def note(where: str, guess: str | None, chosen: str | None, blank: str) -> None:
        if guess != chosen:
            out[where] = f"{value_words(guess, blank)} → {value_words(chosen, blank)}"

    for t in form.tables:
        note(f"'{t.local}'", t.guess, t.standard, "not read")
        if t.standard is None or t.standard != t.guess:
            continue
        for c in t.columns:
            note(f"'{t.local}' › '{c.local}'", c.guess, c.standard, "not used")
            if c.standard == c.guess:
                for v in c.codes:
                    note(f"'{t.local}' › '{c.local}' = '{v.value}'", v.guess, v.code, "no code")
    note("date order", form.date_guess, form.date_order, "auto")
    return out | file_corrections(form)


def dashboard_words(message: str) -> str:
    """``message`` with 'in the settings [mapping.…]' (or [input.…]), '([input.fill_down] …)' and
    'set input.date_order' pointing to :data:`MAPPING_PAGE` instead (the CLI's words are kept for
    the CLI)."""
    text = message.replace("not listed in [input.date_orders]", f"not given its own order on {MAPPING_PAGE}")
    text = text.replace(
        "set [input] separator in the settings", "set the column separator in the dashboard's settings file"
    )
    text = _SETTINGS_SECTION.sub(f"on {MAPPING_PAGE}", text)
    text = _SETTING_ASIDE.sub(f"(set on {MAPPING_PAGE})", text)
    return _DATE_ORDER.sub(
        lambda m: f"choose the date order{' ' + m.group(1) if m.group(1) else ''} on {MAPPING_PAGE}", text
    )
