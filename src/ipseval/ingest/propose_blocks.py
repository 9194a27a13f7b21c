"""The mapping assistant for wide files that repeat their columns in blocks, one per form or review
(``[mapping.wide.<table>] blocks``, read by :mod:`ipseval.ingest.wide_blocks`).

A block is found from the column names alone: the same names again with a suffix ('Review Date',
'Review Date.1', 'Review Date.2' as pandas writes a repeated name; 'Date_2', 'Date (2)', 'Date 2',
'Date2') or a prefix ('Baseline Date', '3m Date'; 'Review 1 - Date', 'Review 2 - Date'). Each
way of writing a block is tried, and the one that places the most columns wins; a block counts
only when at least MIN_REPEATED of its names are repeated in another block (so 'Q1' ... 'Q14' are
not fourteen blocks of 'Q'). The first block may be the names written bare. Columns no block
repeats (the client's id, the locality) are the file's own, kept on every block's rows.

:func:`block_view` gives the file as one block: each repeated name once, holding the values of all
blocks, so that the items, the id columns and the words for not recorded are proposed as for a
file with one form per row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ipseval.ingest.mapping import norm_name
from ipseval.ingest.wide_blocks import NAME, block_name

if TYPE_CHECKING:
    from ipseval.ingest.propose_read import LocalColumn, LocalTable

MIN_REPEATED = 3  # names a block must share with another block
MAX_PREFIX_WORDS = 4  # a block's prefix is a few words ('Review 2 -'), not half a sentence
_SUFFIXES = (  # (name, tag): 'Review Date.1', 'Date_2', 'Date (2)', 'Date 2' / 'Date2'
    re.compile(r"^(?P<base>.+?)(?P<tag>\.\d{1,2})$"),
    re.compile(r"^(?P<base>.+?)(?P<tag>_\d{1,2})$"),
    re.compile(r"^(?P<base>.+?)(?P<tag>\s*\(\d{1,2}\))$"),
    re.compile(r"^(?P<base>.*?(?:[^\d\s]|\d(?=\s)))(?P<tag>\s*\d{1,2})$"),
)
_PREFIX_END = re.compile(r"[\s_:\-–]+")  # where a prefix may end: 'Baseline ', 'Review 2 - ', '3m_'


@dataclass
class Blocks:
    """The blocks of a file: as the settings write them, and each block column's name unblocked."""

    blocks: list[str]  # '', '.1', '.2'; or 'Baseline {}', '3m {}'
    base: dict[str, str] = field(default_factory=dict)  # 'Review Date.1' -> 'Review Date'

    @property
    def how(self) -> str:
        shown = ", ".join(f"'{b}'" for b in self.blocks)
        return f"its columns repeat in {len(self.blocks)} blocks ({shown}), one per form: each gives its own rows"


Split = tuple[str, str]  # (the block as the settings write it, the name without it)


def find_blocks(names: list[str]) -> Blocks | None:
    """The blocks of a file with these column names, or None when they repeat in no blocks."""
    best: Blocks | None = None
    for splits in (*(_suffix_splits(names, p) for p in _SUFFIXES), _prefix_splits(names)):
        found = _blocks_of(names, splits)
        if found is not None and (best is None or len(found.base) > len(best.base)):
            best = found
    return best


def _suffix_splits(names: list[str], pattern: re.Pattern[str]) -> dict[str, list[Split]]:
    out: dict[str, list[Split]] = {}
    for name in names:
        m = pattern.match(name)
        out[name] = [("", name)] + ([(m["tag"], m["base"])] if m else [])
    return out


def _prefix_splits(names: list[str]) -> dict[str, list[Split]]:
    out: dict[str, list[Split]] = {}
    for name in names:
        out[name] = [("", name)]
        for m in _PREFIX_END.finditer(name):
            prefix, base = name[: m.end()], name[m.end() :]
            if base and m.start() > 0 and len(prefix.split()) <= MAX_PREFIX_WORDS:
                out[name].append((prefix + NAME, base))
    return out


def _blocks_of(names: list[str], splits: dict[str, list[Split]]) -> Blocks | None:
    """The blocks that share at least MIN_REPEATED names with another, each column in one block."""
    groups: dict[str, dict[str, str]] = {}  # block -> name without it -> column
    for column in names:
        for block, base in splits[column]:
            groups.setdefault(_key(block), {}).setdefault(norm_name(base), column)
    seen_in: dict[str, int] = {}
    for group in groups.values():
        for base in group:
            seen_in[base] = seen_in.get(base, 0) + 1
    kept = [k for k, g in groups.items() if sum(seen_in[b] > 1 for b in g) >= MIN_REPEATED]
    if len(kept) < 2:
        return None
    literal = {_key(b): b for s in splits.values() for b, _ in s}
    out = Blocks([])
    taken: set[str] = set()
    for k in sorted(kept, key=lambda k: (k != "", _first(groups[k], names))):
        columns = {c: b for b, c in groups[k].items() if seen_in[b] > 1 and c not in taken}
        own = {c: base for c in columns for blk, base in splits[c] if _key(blk) == k}
        if len(own) < MIN_REPEATED:
            continue
        out.blocks.append(literal[k])
        out.base |= own
        taken |= set(own)
    return out if len(out.blocks) >= 2 else None


def _key(block: str) -> str:
    """Blocks written alike ('.1' and ' .1' are one; '', '{}' the bare names) compare equal."""
    return "" if block in ("", NAME) else norm_name(block_name("x", block))


def _first(group: dict[str, str], names: list[str]) -> int:
    return min(names.index(c) for c in group.values())


def block_view(local: LocalTable, blocks: Blocks) -> LocalTable:
    """``local`` as one block: the file's own columns, then each repeated name once (as the first
    block writes it), holding the values of every block."""
    merged: dict[str, LocalColumn] = {}
    own = []
    for c in local.columns:
        base = blocks.base.get(c.name)
        if base is None:
            own.append(c)
            continue
        was = merged.get(norm_name(base))
        merged[norm_name(base)] = (
            replace(c, name=base)
            if was is None
            else replace(
                was,
                values=was.values + c.values,
                date_cells=was.date_cells + c.date_cells,
                serial_cells=was.serial_cells + c.serial_cells,
            )
        )
    return replace(local, columns=own + list(merged.values()))
