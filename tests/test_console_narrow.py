"""Problems by cause in a narrow terminal: a numbered list wrapped at words, not a six-column
table of one word per line (trial 3, an 80-column terminal); the table when there is room."""

from __future__ import annotations

import io

import polars as pl
from rich.console import Console

from ipseval.console import is_narrow, print_problems, problem_causes
from ipseval.problem_groups import group_problems, values_text

PROBLEMS = pl.DataFrame(
    {
        "severity": ["error", "error", "error", "error"],
        "file": ["jobs.csv", "clients.csv", "clients.csv", "clients.csv"],
        "table": ["jobs", "clients", "clients", "clients"],
        "row": [7, 12, 13, 20],
        "column": ["hours_per_week", "referral_date", "referral_date", "sex"],
        "value": ["95", "31/02/2022", "29th March 2022", "X"],
        "expected": [
            "a number from 0 to 80",
            "a date as YYYY-MM-DD or DD/MM/YYYY",
            "a date as YYYY-MM-DD or DD/MM/YYYY",
            "one of: male, female, other",
        ],
        "message": ["above the maximum of 80", "not a valid date", "not a valid date", "not a code of sex"],
    },
    schema_overrides={"row": pl.Int64},
)


def _render(width: int, show) -> str:
    console = Console(width=width, file=io.StringIO(), color_system=None, force_terminal=False)
    show(console)
    return console.file.getvalue()


def _words(text: str) -> set[str]:
    return {w.strip(",:;") for w in text.split()}


def test_narrow_console_lists_causes_without_breaking_words():
    out = _render(80, lambda c: problem_causes(c, PROBLEMS))
    assert "┃" not in out and "│" not in out  # no table
    assert all(len(line) <= 80 for line in out.splitlines())
    assert (
        "2. jobs.csv › hours_per_week — 1 row — '95' ×1 — expected a number from 0 to 80: above the maximum of 80"
        in " ".join(out.split())
    )
    words = _words(out)
    for i, cause in enumerate(group_problems(PROBLEMS).iter_rows(named=True), start=1):
        facts = [
            f"{i}.",
            cause["file"],
            cause["column"],
            cause["expected"],
            cause["message"],
            cause["advice"] or "",
        ]
        facts.append(values_text(cause["values"], cause["distinct"]))
        for fact in facts:
            # every word of every fact is whole on some line: nothing was wrapped mid-word
            assert _words(fact) <= words, (fact, out)
    # the advice is on a line of its own, indented under the cause
    advice = next(line for line in out.splitlines() if "if these are your own labels" in line)
    assert advice.startswith("   ")


def test_wide_console_keeps_the_table():
    out = _render(160, lambda c: problem_causes(c, PROBLEMS))
    assert "values found" in out and "┃" in out
    assert not is_narrow(Console(width=160)) and is_narrow(Console(width=80))


def test_every_problem_row_narrow_and_wide():
    narrow = _render(80, lambda c: print_problems(c, PROBLEMS))
    assert "message" not in narrow and "┃" not in narrow
    flat = " ".join(narrow.split())
    assert (
        "- error — jobs.csv row 7 › hours_per_week — '95' — expected a number from 0 to 80: above the" in flat
    )
    assert _words("clients.csv row 13 › referral_date — '29th March 2022' — not a valid date") <= _words(
        narrow
    )
    wide = _render(160, lambda c: print_problems(c, PROBLEMS))
    assert "message" in wide and "┃" in wide
