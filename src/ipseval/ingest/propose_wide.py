"""The mapping assistant for wide files: a file with one column per item ('Item 1' ... 'Item 25', one
column per TOP or SURE measure) is proposed as ``[mapping.wide.<table>]`` rather than column by column;
several such files of one table (a TOP sheet and a SURE sheet) each as one ``[[mapping.wide.<table>]]``.
Words that the item columns hold for 'not recorded' ('-', 'NR', 'Not asked') are proposed as
``blanks``. A fidelity sheet with the items down the side: see propose_down.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from ipseval.ingest.mapping import norm_name
from ipseval.ingest.propose_blocks import Blocks, block_view, find_blocks
from ipseval.ingest.propose_codes import CodeGuess, guess_code, means_not_recorded
from ipseval.ingest.propose_columns import builtin_measures, wellbeing_codes
from ipseval.ingest.propose_items import NO_TOTAL, total_column, wide_items
from ipseval.ingest.propose_quote import toml_key, toml_str
from ipseval.ingest.wide import WIDE_TABLES
from ipseval.wellbeing.items import BUILTIN_ITEMS

if TYPE_CHECKING:
    from ipseval.ingest.propose import TableProposal
    from ipseval.ingest.propose_read import LocalTable

MIN_ITEMS = 3  # item columns needed before a file is taken to be wide
MEASURE_FLOOR = 0.7  # a column name is taken for a measure only at least this sure
_ITEM = re.compile(r"^(?:ips_?25_?)?(?:item|q|question|criterion|crit|no|number)_?(\d{1,2})(?:_.*)?$")


@dataclass
class WideProposal:
    local: str  # the file or sheet
    standard: str  # the long table it gives
    confidence: float
    how: str
    columns: dict[str, str]  # id columns: local -> standard
    items: dict[str, tuple[str | int, float, str]]  # local -> (measure or item number, confidence, how)
    instrument: str | None = None
    unused: list[str] = field(default_factory=list)
    blanks: list[tuple[str, int]] = field(default_factory=list)  # words for not recorded, with cells
    layout: str = "items_across"  # or "items_down" (see propose_down)
    total: tuple[str, float, str] | None = None  # items_across fidelity: the total column, checked
    item_columns: list[str] = field(default_factory=list)  # items_down: the columns naming each row
    rows: dict[str, tuple[str, float, str]] = field(default_factory=dict)  # items_down: rows no items
    teams: list[CodeGuess] = field(default_factory=list)  # items_down: teams matched to areas
    unplaced: list[str] = field(default_factory=list)  # items_down: rows of scores naming no item
    loose: list[str] = field(default_factory=list)  # items_down: the labels of those rows
    codes: list = field(default_factory=list)  # CodeGuess of item cells that are words for no value
    blocks: list[str] = field(default_factory=list)  # a file whose columns repeat per form (propose_blocks)
    read_in_blocks: int = 0  # with blocks: the columns of the file read, every block's


def propose_wide(
    local: LocalTable, table: TableProposal, as_table: Callable[[str], TableProposal] | None = None
) -> WideProposal | None:
    """The wide mapping of ``local`` if many of its column names are item numbers or measures (only
    for a file not already taken for another table: a caseload with drug columns is not wide, unless
    it was a weak guess and the file gives every item of a questionnaire it names).
    ``as_table(standard)``: the columns of ``local`` proposed as that table, for the id columns of a
    second wide file of a table another file was taken for (TOP beside SURE). A file whose columns
    repeat per form (propose_blocks) is proposed as one block, with its blocks, when the items and
    the form's date are among the repeated columns (forms on one date would be one form)."""
    blocks = find_blocks([c.name for c in local.columns])
    if blocks is not None:
        w = _proposal(local, table, as_table, blocks)
        dated = w is not None and any(
            v in ("assessment_date", "review_date") and k in blocks.base.values()
            for k, v in w.columns.items()
        )
        if w is not None and dated:
            return w
    return _proposal(local, table, as_table, None)


def _proposal(
    local: LocalTable,
    table: TableProposal,
    as_table: Callable[[str], TableProposal] | None,
    blocks: Blocks | None,
) -> WideProposal | None:
    """propose_wide's proposal, of ``local`` as one block of ``blocks`` or (None) as it is."""
    view = block_view(local, blocks) if blocks is not None else local
    found = _items_of(view)
    if found is None or (blocks is not None and not set(found[0]) & set(blocks.base.values())):
        return None
    if not _may_be_wide(table, found, blocks is not None):
        return None
    items, standard, by_items = found
    key_col, value_col = WIDE_TABLES[standard]
    skip = {key_col, value_col, "instrument"}
    if table.standard != standard and as_table is not None:
        table = as_table(standard)
    base = blocks.base if blocks is not None else {}
    columns: dict[str, str] = {}
    for c in table.columns if table.standard == standard else ():
        name = base.get(c.local, c.local)
        if c.standard and c.standard not in skip and name not in items and c.standard not in columns.values():
            columns.setdefault(name, c.standard)
    instrument = None
    if standard == "wellbeing":
        of = {m: i for i, m, _ in builtin_measures()}
        named = sorted({of.get(str(t), "") for t, _, _ in items.values()} - {""})
        instrument = by_items[0] if by_items else named[0] if named else "TOP"
    total = total_column(view.columns, items) if standard == "fidelity" else None
    unused = [c.name for c in view.columns if c.name not in items and c.name not in columns]
    unused = [c for c in unused if total is None or c != total[0]]
    share = len(items) / max(len(view.columns), 1)
    how = f"{len(items)} of its {len(view.columns)} columns are {'IPS-25 items' if standard == 'fidelity' else 'wellbeing measures'}"
    if by_items is not None and not any(m == "total" for m, _, _ in items.values()):
        how += f"; {NO_TOTAL.format('column')}"
    if blocks is not None:
        how += f"; {blocks.how}"
    blanks = _blank_words([v for c in view.columns if c.name in items for v in c.values])
    read = {*items, *columns, *(total[:1] if total else ())}
    return WideProposal(
        local.name,
        standard,
        round(min(0.75, 0.4 + share), 2),
        how,
        columns,
        items,
        instrument,
        unused,
        blanks,
        total=total,
        blocks=blocks.blocks if blocks is not None else [],
        read_in_blocks=sum(base.get(c.name, c.name) in read for c in local.columns) if blocks else 0,
    )


Items = dict[str, tuple[str | int, float, str]]


def _items_of(local: LocalTable) -> tuple[Items, str, tuple[str, Items] | None] | None:
    """(item columns, the table they give, the questionnaire items found as wide_items gives them)
    of a file with at least MIN_ITEMS of them; None otherwise."""
    by_items = wide_items(local)  # 'WEMWBS forms': Q1 ... Q14, named for an instrument with items
    if by_items is not None:
        measures = _measures(local)
        own = by_items[1]
        if any(t == "total" for t, _, _ in measures.values()):  # the measures' own total kept
            own = {k: v for k, v in own.items() if v[0] != "total"}
        items, standard = {**measures, **own}, "wellbeing"
    else:
        items, standard = _fidelity_items(local), "fidelity"
    if len(items) < MIN_ITEMS and by_items is None:
        items, standard = _measures(local), "wellbeing"
    if len(items) < MIN_ITEMS:
        return None
    return items, standard, by_items


TAKEN_WEAKLY = 0.6  # a file taken for another table less surely than this may still be wide


def _may_be_wide(
    table: TableProposal, found: tuple[Items, str, tuple[str, Items] | None], in_blocks: bool
) -> bool:
    """Whether a file taken for ``table`` may be read wide: a file of no table or a wide table; or
    one weakly taken for another whose items repeat in blocks ('Start TOP Date' read as a job's
    start), or that gives every item of a questionnaire it names ('SWEMWBS reviews' with its seven
    statements, taken for clients for its person id and locality)."""
    if table.standard in (None, *WIDE_TABLES):
        return True
    if table.confidence >= TAKEN_WEAKLY:
        return False
    by_items = found[2]
    if in_blocks or by_items is None:
        return in_blocks
    given = {t for t, _, _ in by_items[1].values() if t != "total"}
    return len(given) == BUILTIN_ITEMS[by_items[0]][0]


BLANKS_SURE = 0.7  # words for not recorded in the item columns: proposed as blanks, to check


def _blank_words(values: list[str]) -> list[tuple[str, int]]:
    """Values of item columns that say 'not recorded' rather than give a score ('-', 'NR', 'Not
    asked', '?'), with their cells: punctuation alone, a not-recorded phrase, or its initials."""
    found: dict[str, int] = {}
    for v in values:
        text = v.strip()
        if _is_number(text):
            continue
        if re.fullmatch(r"[^\w]+", text) or means_not_recorded(text) or text.lower() in _initials():
            found[text] = found.get(text, 0) + 1
    return sorted(found.items(), key=lambda kv: -kv[1])


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@cache
def _initials() -> frozenset[str]:
    """'nr' for 'not recorded', 'na' for 'not asked': the initials of the not-recorded phrases of
    two words or more, and the words validate reads as blank in other tables (NULL, N/A)."""
    from ipseval.ingest.propose_vocab import NOT_RECORDED
    from ipseval.validate import NULL_WORDS

    phrases = [p.split() for p in NOT_RECORDED.split("|")]
    initials = {"".join(w[0] for w in words) for words in phrases if len(words) >= 2}
    return frozenset(initials | {w.lower() for w in NULL_WORDS})


def _fidelity_items(local: LocalTable) -> dict[str, tuple[str | int, float, str]]:
    out: dict[str, tuple[str | int, float, str]] = {}
    seen: set[int] = set()
    for c in local.columns:
        m = _ITEM.match(norm_name(c.name))
        if m and 1 <= int(m.group(1)) <= 25 and int(m.group(1)) not in seen:
            seen.add(int(m.group(1)))
            out[c.name] = (int(m.group(1)), 0.9, f"item number {m.group(1)} in its name")
    return out


def _measures(local: LocalTable) -> dict[str, tuple[str | int, float, str]]:
    measure = wellbeing_codes("measure")
    assert measure is not None
    out: dict[str, tuple[str | int, float, str]] = {}
    taken: set[str] = set()
    for c in local.columns:
        words = set(re.findall(r"[a-z]+", c.name.lower()))
        exact = [m for m in measure.codes or () if set(m.split("_")) <= words]
        if len(exact) == 1 and exact[0] not in taken:
            taken.add(exact[0])
            out[c.name] = (exact[0], 0.9, f"the words of '{exact[0]}'")
            continue
        g = guess_code(c.name, measure)
        if g.code and g.confidence >= MEASURE_FLOOR and g.code not in taken:
            taken.add(g.code)
            out[c.name] = (g.code, min(g.confidence, 0.75), g.how)
    return out


def wide_mapping(w: WideProposal) -> dict:
    """The proposal as one ``[mapping.wide]`` entry."""
    entry: dict = {"file": w.local, "columns": w.columns, "items": {k: v[0] for k, v in w.items.items()}}
    if w.instrument:
        entry["instrument"] = w.instrument
    if w.blanks:
        entry["blanks"] = [b for b, _ in w.blanks]
    if w.total:
        entry["total"] = w.total[0]
    if w.blocks:
        entry["blocks"] = list(w.blocks)
    if w.layout == "items_down":
        entry |= {
            "layout": w.layout,
            "item_columns": w.item_columns,
            "rows": {k: v[0] for k, v in w.rows.items()},
        }
    return entry


def by_table(wide: list[WideProposal]) -> dict[str, list[WideProposal]]:
    """The wide files proposed for each table, in the export's order: all of them are read."""
    out: dict[str, list[WideProposal]] = {}
    for w in wide:
        out.setdefault(w.standard, []).append(w)
    return out


def team_codes(wide: list[WideProposal]) -> dict[str, str]:
    """[mapping.codes.fidelity.team] of the items-down sheets: team -> area."""
    return {g.value: g.code for w in wide for g in w.teams if g.code}


def wide_toml(w: WideProposal, comment, check, several: bool = False) -> list[str]:
    """The lines of an ipseval.toml for one wide file (``several``: one of several of its table,
    written as [[mapping.wide.<table>]])."""
    title = f"mapping.wide.{w.standard}"
    one = (
        "one row per item is read from each score"
        if w.layout == "items_down"
        else (f"one row per {'item' if w.standard == 'fidelity' else 'measure'} is read from each row")
    )
    head = f"[[{title}]]" if several else f"[{title}]"
    lines = [f"{head}  # {check(w.confidence)}{comment(w.how)}: {one}", f"file = {toml_str(w.local)}"]
    if w.instrument:
        lines.append(f"instrument = {toml_str(w.instrument)}  # CHECK: the instrument of every row")
    if w.blanks:
        shown = ", ".join(f"'{b}' ({n} cell{'s' if n != 1 else ''})" for b, n in w.blanks)
        lines.append(
            f"blanks = [{', '.join(toml_str(b) for b, _ in w.blanks)}]  # {check(BLANKS_SURE)}"
            f"{comment(f'not scores: {shown}; read as not recorded')}"
        )
    if w.total:
        name, conf, how = w.total
        lines.append(f"total = {toml_str(name)}  # {check(conf)}{comment(how)}")
    if w.blocks:
        shown = ", ".join(toml_str(b) for b in w.blocks)
        how = "{} is each name below" if any("{}" in b for b in w.blocks) else "each added to the names below"
        lines.append(f"blocks = [{shown}]  # one row per client, its forms side by side: {how}")
    if w.layout == "items_down":
        from ipseval.ingest.propose_down import items_down_lines

        return [*lines, *items_down_lines(w, title, comment, check), ""]
    lines += ["", f"[{title}.columns]  # kept on every row"]
    lines += [f"{toml_key(k)} = {toml_str(v)}" for k, v in w.columns.items()]
    key_col, _ = WIDE_TABLES[w.standard]
    missing = [c for c in ("client_id", "assessment_date", "team", "review_date") if c in _needed(w)]
    lines += [
        f"# CHECK: no column found for the required '{c}'" for c in missing if c not in w.columns.values()
    ]
    lines += ["", f"[{title}.items]  # local column = {key_col}"]
    for k, (target, conf, how) in w.items.items():
        value = target if isinstance(target, int) else toml_str(target)
        lines.append(f"{toml_key(k)} = {value}  # {check(conf)}{comment(how)}")
    lines += [
        f"# {toml_key(c)}: not used (map it under [{title}.items] if it is a {key_col})" for c in w.unused
    ]
    if w.standard == "fidelity" and w.unused:
        lines.append(
            f"# if some of these describe the area (local authority, integration, co-located, population), "
            f'add [{title}.areas] naming them, e.g. LA = "local_authority"'
        )
    _, value_col = WIDE_TABLES[w.standard]
    if w.codes:
        lines += ["", f"[mapping.codes.{w.standard}.{value_col}]  # item cells of {comment(w.local)}: no row"]
    for g in w.codes:
        rows = f"{g.rows} cell{'s' if g.rows != 1 else ''}"
        lines.append(
            f"{toml_key(g.value)} = {toml_str(g.code)}  # {check(g.confidence)}{comment(g.how)} ({rows})"
        )
    return [*lines, ""]


def _needed(w: WideProposal) -> tuple[str, ...]:
    return ("client_id", "assessment_date") if w.standard == "wellbeing" else ("team", "review_date")
