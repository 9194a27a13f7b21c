"""The names of files that are parts of one table: the same words but for those that number or
date a part.

A scheduled report cut by period is written once a period, each run stamped with its time:
'RPT0415_IPS_Contacts_FY2019-20_20240108_0603.csv', 'RPT0415_IPS_Contacts_FY2020-21_20240108_0604.csv'.
Their names differ in two places (the financial year and the run's time), never in a word: a word
that differs ('Caseload' and 'Contacts') makes another table. A word numbers or dates a part when it
is made of digit runs and period words only: ``P1``, ``part2``, ``2023``, ``20240105``, ``0603``,
``FY2019`` (and the ``20`` after its hyphen), ``Q1``, ``2023Q4``, ``Jan2024``, ``March``. A version
(``v2``) is no part: a file's second version repeats its rows.

Names are compared word by word at the same places (words split at spaces, underscores, hyphens and
dots), so both names have as many words. The columns are compared too (:func:`same_columns`): files
named alike but with other columns are other tables.
"""

from __future__ import annotations

import re

from ipseval.schema import TABLES

# A name's words: split at spaces, underscores, hyphens and dots.
_WORD_BREAK = re.compile(r"[\s_\-.]+")
_RUNS = re.compile(r"\d+|[a-z]+")
_MONTHS = (
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july "
    "august september october november december"
)
# Letters that number or date a part when next to digits: P1, part2, FY2019, Q1, H2, M06, wk12.
_LETTERS = "p part pt vol file batch fy q qtr h m wk week period month yr year y to"
_PART_LETTERS = frozenset(_LETTERS.split())
_MONTH_WORDS = frozenset(_MONTHS.split())
SAME_COLUMNS = 0.8  # share of the narrower file's column names the other file has too


def words(stem: str) -> list[str]:
    """The words of a file's name without its suffix, in lower case."""
    return [w for w in _WORD_BREAK.split(stem.strip().lower()) if w]


def is_part_word(word: str) -> bool:
    """Whether a word (lower case) numbers or dates a part: digit runs and period words only, with a
    digit or a month's name ('p1', '2023', 'fy2019', '2023q4', 'jan2024', 'march'; not 'v2', 'rpt0412')."""
    runs = _RUNS.findall(word)
    if not runs or "".join(runs) != word:
        return False
    letters = [r for r in runs if r.isalpha()]
    if len(runs) == len(letters):  # no digit: a month's name alone
        return len(runs) == 1 and word in _MONTH_WORDS
    return all(r in _PART_LETTERS or r in _MONTH_WORDS for r in letters) and all(
        len(r) <= 14 for r in runs if r.isdigit()
    )


def part_key(stem: str) -> str | None:
    """A name with its part words set aside ('contacts_#_#'), or None when it has none; files whose
    names differ only by a part have the same key."""
    found = words(stem)
    key = ["#" if is_part_word(w) else w for w in found]
    return "_".join(key) if "#" in key else None


def differ_by_part(a: str, b: str) -> bool:
    """Whether file names (without suffix) ``a`` and ``b`` differ only in words that number or date
    a part ('IPS_CNTCT_P1_20240105' and 'IPS_CNTCT_P2_20240105'; 'meetings_2023', 'meetings_2024';
    'Contacts_FY2019-20_20240108_0603' and 'Contacts_FY2020-21_20240108_0604')."""
    x, y = words(a), words(b)
    if len(x) != len(y) or x == y:
        return False
    return all(u == v or (is_part_word(u) and is_part_word(v)) for u, v in zip(x, y, strict=True))


def part_table(stem: str) -> str | None:
    """The standard table a part's name stands for once its part words are set aside
    ('meetings_part2' -> meetings), or None (a name without part words, or no table's)."""
    found = words(stem)
    rest = [w for w in found if not is_part_word(w)]
    if len(rest) == len(found) or not rest:
        return None
    key = "".join(rest)
    return next((t for t in TABLES if t.replace("_", "") == key), None)


def same_columns(a: set[str], b: set[str]) -> bool:
    """Whether two files' column names (normalised) are those of one table: nearly all the narrower
    file's columns are the other's too (a later part may have one more, or its columns in another
    order)."""
    return bool(a and b) and len(a & b) >= SAME_COLUMNS * min(len(a), len(b))
