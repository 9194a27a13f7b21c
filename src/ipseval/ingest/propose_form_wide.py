"""A file laid out wide, as the mapping form offers it: one column per measure or IPS-25 item (a
TOP form per row), or the items down the side and one column per review. ``ipseval map`` proposes
each such file on its own (a TOP sheet and a SURE sheet of one table are two); the form shows what
each of its columns or labelled rows gives, the instrument of every row, the words its cells hold
for 'not recorded', and the teams its review headers name matched to areas, each with the
assistant's confidence. :func:`wide_entry` makes the file's settings entry from the choices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ipseval.ingest.mapping import code_map, norm_name, table_key
from ipseval.ingest.propose_columns import builtin_measures
from ipseval.ingest.propose_form_files import DateChoice
from ipseval.ingest.propose_form_values import SAVED, ValueChoice
from ipseval.ingest.wide import WIDE_TABLES
from ipseval.ingest.wide_down import ROW_TARGETS
from ipseval.labels import table_label
from ipseval.schema import TABLES

if TYPE_CHECKING:
    from ipseval.ingest.propose_wide import WideProposal
    from ipseval.settings import Settings, WideTable

ITEM = "item:"  # an option naming a measure or item number, apart from the columns kept on each row
DOWN = "items_down"


@dataclass
class WidePart:
    """One column of a wide file (items across), or one labelled row (items down): what it gives."""

    local: str
    target: str  # a standard column kept on every row, ITEM + a measure or item number, "" = not used
    guess: str
    confidence: float | None  # None: kept as the file's own columns were matched (no guess of its own)
    how: str
    loose: bool = False  # items down: a row of scores naming no item (not used unless given one)


@dataclass
class WideBlank:
    """A word the item cells hold for 'not recorded' ('-', 'NR'): read as a blank cell, or not."""

    value: str
    cells: int
    blank: bool
    guess: bool


@dataclass
class WideChoice:
    local: str  # the file or sheet
    standard: str | None  # the table it gives; None = not read
    guess: str
    confidence: float
    how: str
    layout: str
    parts: list[WidePart]
    item_columns: list[str] = field(default_factory=list)  # items down: the columns naming each row
    instrument: str | None = None  # wellbeing: the instrument of every row
    instrument_guess: str | None = None
    blanks: list[WideBlank] = field(default_factory=list)
    teams: list[ValueChoice] = field(default_factory=list)  # items down: team -> area
    dates: DateChoice | None = None
    blocks: list[str] = field(default_factory=list)  # columns repeated per form: kept as proposed

    @property
    def kind(self) -> str:
        """What one long row is, in words: 'measure' or 'item'."""
        return "measure" if self.guess == "wellbeing" else "item"


def wide_choice(w: WideProposal, saved: Settings | None, dates: DateChoice | None = None) -> WideChoice:
    """One wide file's proposal as choices; what the settings in force say about it chosen instead."""
    if w.layout == DOWN:
        parts = [WidePart(k, t, t, c, h) for k, (t, c, h) in w.rows.items()]
        parts += [WidePart(k, f"{ITEM}{t}", f"{ITEM}{t}", c, h) for k, (t, c, h) in w.items.items()]
        parts += [
            WidePart(k, "", "", 0.0, "holds scores but names no IPS-25 item: choose it", True)
            for k in w.loose
        ]
    else:
        parts = [WidePart(k, t, t, None, "") for k, t in w.columns.items()]
        parts += [WidePart(k, f"{ITEM}{t}", f"{ITEM}{t}", c, h) for k, (t, c, h) in w.items.items()]
        parts += [WidePart(k, "", "", None, "not matched") for k in w.unused]
    blanks = [WideBlank(b, n, True, True) for b, n in w.blanks]
    teams = [ValueChoice(g.value, g.rows, g.code, g.code, g.confidence, g.how) for g in w.teams]
    out = WideChoice(
        w.local, w.standard, w.standard, w.confidence, w.how, w.layout, parts, list(w.item_columns),
        w.instrument, w.instrument, blanks, teams, dates, list(w.blocks),
    )  # fmt: skip
    entry = saved_entry(saved, w.local)
    if entry is not None and entry[0] == w.standard and entry[1].layout == w.layout:
        _as_saved(out, entry[1])
    if saved is not None:
        given = code_map(saved, "fidelity", "team")
        for v in out.teams:
            if given.get(norm_name(v.value)) not in (None, v.code):
                v.code, v.confidence, v.how = given[norm_name(v.value)], 1.0, SAVED
    return out


def saved_entry(saved: Settings | None, local: str) -> tuple[str, WideTable] | None:
    """(table, entry) of the settings' wide entry for the file or sheet ``local``."""
    if saved is None:
        return None
    key = table_key(local)
    return next(
        ((t, w) for t, ws in saved.mapping.wide.items() for w in ws if table_key(w.file) == key), None
    )


def _as_saved(c: WideChoice, entry: WideTable) -> None:
    given = {norm_name(k): v for k, v in entry.columns.items()}
    given |= {norm_name(k): v for k, v in entry.rows.items()}
    given |= {norm_name(k): f"{ITEM}{v}" for k, v in entry.items.items()}
    for p in c.parts:
        target = given.get(norm_name(p.local), "" if c.layout != DOWN else None)
        if target is not None and target != p.target:
            p.target, p.confidence, p.how = target, 1.0, SAVED
    if entry.instrument != c.instrument:
        c.instrument = entry.instrument
    c.blocks = list(entry.blocks)
    kept = {norm_name(b) for b in entry.blanks}
    for b in c.blanks:
        b.blank = norm_name(b.value) in kept
    c.blanks += [WideBlank(b, 0, True, False) for b in entry.blanks if b not in {x.value for x in c.blanks}]


def part_options(c: WideChoice) -> list[tuple[str, str]]:
    """What a column (or labelled row) of the wide file may give: (option, its plain label)."""
    table = c.guess
    if c.layout == DOWN:
        kept = [(t, f"the review's {t.replace('_', ' ')}") for t in ROW_TARGETS]
    else:
        key_col, value_col = WIDE_TABLES[table]
        names = [n for n in TABLES[table].read_names if n not in (key_col, value_col)]
        kept = [(n, f"{n}, kept on every row") for n in names]
    if table == "wellbeing":
        labels = {
            m: label if instrument in label else f"{label} ({instrument})"
            for instrument, m, label in builtin_measures()
        }
        items = [(f"{ITEM}{m}", f"measure: {label}") for m, label in labels.items()]
    else:
        from ipseval.fidelity.items import items as ips_items

        items = [(f"{ITEM}{i.number}", f"item {i.number}: {i.name}") for i in ips_items()]
    return [("", "not used"), *kept, *items]


def table_options(c: WideChoice) -> list[tuple[str, str]]:
    """Whether the file is read, in words: as its table laid out wide, or not at all."""
    return [(c.guess, f"{table_label(c.guess)}: a row per {c.kind}"), ("", "not read")]


def instruments() -> list[str]:
    """The built-in instruments (TOP, SURE), offered for a wellbeing file's instrument."""
    return list(dict.fromkeys(i.upper() for i, _, _ in builtin_measures()))


def wide_entry(c: WideChoice) -> dict | None:
    """The file's ``[mapping.wide.<table>]`` entry from the choices (None: not read)."""
    if c.standard is None:
        return None
    items = {p.local: _item(c, p.target) for p in c.parts if p.target.startswith(ITEM)}
    entry: dict = {"file": c.local, "items": items}
    if c.layout == DOWN:
        rows = {
            p.local: p.target
            for p in c.parts
            if not p.target.startswith(ITEM) and not (p.loose and not p.target)
        }
        entry |= {"layout": DOWN, "item_columns": c.item_columns, "rows": rows}
    else:
        entry["columns"] = {p.local: p.target for p in c.parts if p.target and not p.target.startswith(ITEM)}
    if c.instrument:
        entry["instrument"] = c.instrument
    if c.blocks and c.layout != DOWN:
        entry["blocks"] = list(c.blocks)
    blanks = [b.value for b in c.blanks if b.blank]
    return entry | ({"blanks": blanks} if blanks else {})


def _item(c: WideChoice, target: str) -> str | int:
    value = target.removeprefix(ITEM)
    return int(value) if c.guess == "fidelity" else value


def check_wide(c: WideChoice) -> list[str]:
    """What the reader would refuse in one wide file's choices, in plain sentences."""
    if c.standard is None:
        return []
    out: list[str] = []
    chosen: dict[str, str] = {}
    for p in c.parts:
        if p.target and p.target in chosen:
            what = p.target.removeprefix(ITEM)
            out.append(f"'{c.local}': '{chosen[p.target]}' and '{p.local}' both give {what}: keep one")
        chosen.setdefault(p.target, p.local)
    if not any(t.startswith(ITEM) for t in chosen) and c.layout != DOWN:
        out.append(f"'{c.local}': no column is chosen as a {c.kind}: choose one, or do not read the file")
    if c.standard == "wellbeing" and not c.instrument and "instrument" not in chosen:
        out.append(
            f"'{c.local}': give the instrument of every row (e.g. TOP), or choose its instrument column"
        )
    return out
