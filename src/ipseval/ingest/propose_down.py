"""The mapping assistant for fidelity sheets with the items down the side and one column per review
(``[mapping.wide.fidelity] layout = "items_down"``, read by :mod:`ipseval.ingest.wide_down`).

A sheet is taken for one when some column headers end in a review's month ('Leeds Mar-2024') and a
column to their left holds item numbers ('1.' ... '25.') or IPS-25 item names. The proposal names
the columns on the side (item_columns), the rows that are no items (a row of review dates, of
reviewers, totals and bands: ``rows``), items written only in words (``items``, to check), and the
teams the headers name, matched to the service's areas ([mapping.codes.fidelity.team], to check).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from ipseval.ingest.grid import Grid, find_grid
from ipseval.ingest.note_rows import is_summary_text
from ipseval.ingest.propose_quote import toml_key, toml_str
from ipseval.ingest.propose_teams import area_for_team
from ipseval.ingest.totals import TOTAL_WORDS, as_number
from ipseval.ingest.wide_down import SCORES, item_number, read_review

if TYPE_CHECKING:
    from ipseval.ingest.propose_read import LocalTable
    from ipseval.ingest.propose_wide import WideProposal

MIN_ITEMS = 3  # item rows needed before a sheet is taken to have its items down the side
WORDS_FLOOR = 0.5  # word overlap needed for a label to be taken for an IPS-25 item's name
_DATE = re.compile(r"^(?:\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}|\d{4}-\d{1,2}-\d{1,2})$")
_STOP = {"the", "of", "and", "with", "for", "to", "in", "on", "a", "an", "through", "between", "by", "ips"}


def propose_items_down(local: LocalTable, source: Path, areas: list[tuple[str, int]]) -> WideProposal | None:
    """The items-down proposal for ``local`` (a file or sheet of ``source``), or None if it is not
    laid out so. ``areas``: the clients' area spellings with rows, to match the teams to."""
    from ipseval.ingest.propose_wide import WideProposal
    from ipseval.settings import Settings

    first = next((k for k, c in enumerate(local.columns) if read_review(c.name)[1] is not None), None)
    if not first:
        return None
    side = [c.name for c in local.columns[:first] if c.values and not c.no_header]
    numbered = {n for c in local.columns[:first] for v in c.values if 1 <= (n := item_number(v) or 0) <= 25}
    worded = {n for c in local.columns[:first] for v in c.values if (n := _by_words(v)[0])}
    if not side or max(len(numbered), len(worded)) < MIN_ITEMS:
        return None
    grid = find_grid(source, local.name, Settings())
    if grid is None:
        return None
    reviews = [i for i, h in enumerate(grid.header) if h and h not in side]
    labels = [i for i, h in enumerate(grid.header) if h in side]
    items, rows, unplaced = _rows(grid, labels, reviews)
    teams: dict[str, int] = {}
    for i in reviews:
        team, month, _ = read_review(grid.header[i] or "")
        if month is not None and team:
            teams[team] = teams.get(team, 0) + 1
    guesses = [g for team, n in teams.items() if (g := area_for_team(team, areas, n))]
    n_reviews = sum(read_review(grid.header[i] or "")[1] is not None for i in reviews)
    how = f"items down the side ({len(numbered | worded)} IPS-25 items), one column per review ({n_reviews})"
    return WideProposal(
        local.name,
        "fidelity",
        0.75,
        how,
        {},
        items,
        layout="items_down",
        item_columns=side,
        rows=rows,
        teams=guesses,
        unplaced=[
            f"row {r} '{label}' holds scores but names no IPS-25 item: map it in items"
            for r, label in unplaced
        ],
        loose=[label for _, label in unplaced],
    )


def _rows(
    grid: Grid, labels: list[int], reviews: list[int]
) -> tuple[dict[str, tuple[int, float, str]], dict[str, tuple[str, float, str]], list[tuple[int, str]]]:
    """(items named in words, rows that are no items, (row, label) of rows of scores that name no item)."""
    items: dict[str, tuple[int, float, str]] = {}
    rows: dict[str, tuple[str, float, str]] = {}
    unplaced: list[tuple[int, str]] = []
    for r, cells in grid.rows:
        words = [cells[i] for i in labels if cells[i]]
        values = [cells[i] for i in reviews if cells[i] is not None]
        if not words or not values or any(1 <= (item_number(w) or 0) <= 25 for w in words):
            continue
        label = words[0]
        if all(v in SCORES for v in values):
            number, score = _by_words(label)
            if number is None:
                unplaced.append((r, label))
            else:
                items[label] = (number, round(min(0.75, 0.4 + 0.4 * score), 2), f"words of item {number}")
            continue
        rows[label] = _row_target(label, values)
    return items, rows, unplaced


def _row_target(label: str, values: list[str]) -> tuple[str, float, str]:
    """What a row that is no item gives each review: its dates, its reviewers, or nothing."""
    words = set(re.findall(r"[a-z]+", label.lower()))
    dates = sum(bool(_DATE.match(v)) for v in values)
    if dates * 5 >= len(values) * 4:
        sure = 0.9 if "date" in words else 0.7
        return "review_date", sure, "the review dates: its values are dates"
    texts = sum(not re.fullmatch(r"[\d.,\s]+", v) for v in values)
    if words & {"reviewer", "reviewers", "assessor", "assessors", "reviewed"} and texts == len(values):
        return "reviewer", 0.85, "the reviewers"
    if TOTAL_WORDS.match(label) and all(as_number(v) is not None for v in values):
        return (
            "total",
            0.9,
            "each review's total: checked against the sum of its item scores, not read as an item",
        )
    if is_summary_text(label):
        return "", 0.9, "a summary, not an item"
    shown = ", ".join(dict.fromkeys(values))
    return "", 0.85, f"not an item: its values ({shown[:40]}) are not scores 1 to 5"


@cache
def _item_words() -> tuple[tuple[int, frozenset[str]], ...]:
    from ipseval.fidelity.items import items

    out = []
    for item in items():
        out.append((item.number, _words(item.name)))
        out.append((item.number, _words(item.key.replace("_", " "))))
    return tuple(out)


def _words(text: str) -> frozenset[str]:
    found = re.findall(r"[a-z]+", text.lower())
    return frozenset(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in found if w not in _STOP)


def _by_words(label: str) -> tuple[int | None, float]:
    """The IPS-25 item whose name ``label``'s words match best (word overlap), and how well; None
    when none matches at least WORDS_FLOOR or two items match equally."""
    mine = _words(label)
    if not mine:
        return None, 0.0
    best: dict[int, float] = {}
    for number, theirs in _item_words():
        overlap = 2 * len(mine & theirs) / (len(mine) + len(theirs))
        best[number] = max(best.get(number, 0.0), overlap)
    ranked = sorted(best.items(), key=lambda kv: -kv[1])
    (number, score), runner_up = ranked[0], ranked[1][1]
    if score < WORDS_FLOOR or score == runner_up:
        return None, 0.0
    return number, score


def items_down_lines(w: WideProposal, title: str, comment, check) -> list[str]:
    """The ipseval.toml lines of an items-down proposal after its section header and file."""
    lines = [
        'layout = "items_down"  # one row per item, one column per review (team and month in its header)'
    ]
    lines.append(f"item_columns = [{', '.join(toml_str(c) for c in w.item_columns)}]  # name each row")
    lines += ["", f'[{title}.rows]  # rows that are no items: what they give each review ("" = not used)']
    for label, (target, conf, how) in w.rows.items():
        lines.append(f"{toml_key(label)} = {toml_str(target)}  # {check(conf)}{comment(how)}")
    if w.items:
        lines += ["", f"[{title}.items]  # rows naming an item in words (numbered rows need no entry)"]
        for label, (number, conf, how) in w.items.items():
            lines.append(f"{toml_key(label)} = {number}  # {check(conf)}{comment(how)}")
    lines += [f"# CHECK: {comment(u)}" for u in w.unplaced]
    return lines
