"""What ``ipseval map`` proposes from a staff table: specialists' names elsewhere read as the staff
codes, and the full-time week that turns contracted hours into FTE.

Names. A diary's 'Employment Advisor' gives 'Llŷr Hughes' where the staff table gives the code ES04 with the
name beside it: ``ipseval map`` proposes each name as its code in
``[mapping.codes.<table>.employment_specialist_id]``, from the staff table's own rows. A name is
matched to the staff table's names in three steps, each weaker than the one before, and the first
step that finds it decides:

1. as written (case, surrounding spaces and inner runs of spaces, hyphens or underscores aside);
2. as the same letters: accents, punctuation and the order of the words aside ('Hughes, Llyr' is
   'Llŷr Hughes');
3. as a name whose staff spelling lost letters to its file's encoding: a '?' or '�' in the staff
   table's name stands for any one letter ('Ll?r Hughes' is 'Llŷr Hughes'), so a cp1252 staff
   file still matches a UTF-8 diary.

A name matching staff members with different codes (two 'Sam Jones') is ambiguous and one matching
none is unknown: neither is proposed; both are marked to check, saying which codes or that the staff
table does not hold the name, so no appointment is given to the wrong person.

Hours. A staff column of weekly contracted hours is mapped to ``contracted_hours`` (validate_staff
works out FTE = hours / ``[definitions] full_time_hours``). The full-time week is proposed from the
hours themselves when the longest contract is also the commonest and lies in a usual full-time week
(35 to 40 hours: 37 in a list of 37, 37, 30, 22.5 and 18.5), to check; otherwise the default stands.
"""

from __future__ import annotations

import re
import unicodedata

from ipseval.ingest.mapping import norm_name
from ipseval.ingest.propose_codes import CodeGuess
from ipseval.ingest.propose_read import LocalTable
from ipseval.schema import CONTRACTED_HOURS
from ipseval.validate_staff import looks_like_names

AS_WRITTEN = 0.9  # the name as the staff table writes it
SAME_LETTERS = 0.85  # the same letters, accents, punctuation or word order aside
LOST_LETTERS = 0.75  # a letter the staff file's encoding lost ('?'): to check
HELD = 0.5  # share of a column's names the staff names must match to read it through them
_LOST = "?\ufffd"  # what an encoding puts for a letter it cannot write

StaffNames = list[tuple[str, str]]  # (name as the staff table writes it, its code), one per row


def staff_names(table: LocalTable, name: str, code: str) -> StaffNames | None:
    """(name, code) of each staff row; None when a blank cell would misalign the columns (the reader
    keeps only filled cells)."""
    cols = {c.name: c.values for c in table.columns}
    names, codes = cols.get(name, []), cols.get(code, [])
    if len(names) != table.rows or len(codes) != table.rows:
        return None
    return [(n.strip(), c.strip()) for n, c in zip(names, codes, strict=True)]


def _words(text: str) -> list[str]:
    """A name's words, letters only, accents removed, in lower case; a lost letter ('?') is kept."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).lower()
    return re.findall(rf"(?:[^\W\d_]|[{_LOST}])+", plain)


def folded(text: str) -> str:
    """A name's letters only, accents removed, lower case, words in order ('Hughes, Llŷr' ->
    'hughes llyr')."""
    return " ".join(sorted(_words(text)))


def _lost_pattern(name: str) -> re.Pattern[str] | None:
    """A staff name with lost letters as a pattern of its words in which each lost letter stands
    for any one letter; None when no letter was lost."""
    key = " ".join(_words(name))
    if not any(ch in _LOST for ch in key):
        return None
    parts = [re.escape(p) for p in re.split(f"[{_LOST}]", key)]
    return re.compile(r"[^\W\d_]".join(parts))


def match_name(value: str, staff: StaffNames) -> tuple[list[str], float, str]:
    """The codes of the staff members ``value`` names (sorted, distinct), how sure, and how it was
    matched; no codes when none matches."""
    steps = (
        (lambda n: norm_name(n) == norm_name(value), AS_WRITTEN, "as written"),
        (lambda n: folded(n) == folded(value), SAME_LETTERS, "the same letters"),
        (lambda n: _lost_letters(n, value), LOST_LETTERS, "a letter lost in the staff file's encoding"),
    )
    for fits, sure, how in steps:
        codes = sorted({c for n, c in staff if n and fits(n)})
        if codes:
            return codes, sure, how
    return [], 0.0, ""


def _lost_letters(staff_name: str, value: str) -> bool:
    pattern = _lost_pattern(staff_name)
    return pattern is not None and pattern.fullmatch(" ".join(_words(value))) is not None


def holds_names(values: list[str]) -> bool:
    """Whether ``values`` are people's names, a letter lost to an encoding ('Ll?r') counting as one."""
    return looks_like_names([re.sub(f"[{_LOST}]", "x", v) for v in values])


def share_held(staff: StaffNames, values: list[str]) -> float:
    """The share of ``values`` (distinct names of another table) that name a staff member."""
    filled = [v for v in values if v.strip()]
    if not filled:
        return 0.0
    return sum(bool(match_name(v, staff)[0]) for v in filled) / len(filled)


def name_codes(
    values: list[tuple[str, int]], staff: StaffNames, name_col: str, code_col: str, staff_file: str
) -> list[CodeGuess]:
    """Each of ``values`` (a specialist column's names with their rows) proposed as its code from
    ``staff`` (the staff table's ``name_col`` and ``code_col``); ambiguous and unknown names get no
    code and say why (see the module docstring)."""
    out = []
    for value, rows in values:
        codes, sure, how = match_name(value, staff)
        if len(codes) == 1:
            spelled = next(n for n, c in staff if c == codes[0])
            said = "" if how == "as written" else f" ('{spelled}': {how})"
            out.append(CodeGuess(value, rows, codes[0], sure, f"its '{code_col}' in {staff_file}{said}"))
        elif codes:
            why = (
                f"ambiguous: '{name_col}' in {staff_file} gives {len(codes)} staff members this name "
                f"({', '.join(codes)}); map it to the right code"
            )
            out.append(CodeGuess(value, rows, None, 0.0, why))
        else:
            why = f"unknown: not a name in '{name_col}' ({staff_file}); add the person to the staff table or map the name to a code"
            out.append(CodeGuess(value, rows, None, 0.0, why))
    return out


FULL_TIME = (35.0, 40.0)  # the usual full-time weeks of UK contracts
FULL_TIME_SURE = 0.6  # a full-time week read from the hours: to check


def full_time_week(tables: list) -> tuple[float, str] | None:
    """The full-time week the staff table's contracted hours show (see the module docstring), and
    why; None when no staff column is mapped to contracted_hours or the hours show none.
    ``tables``: propose.TableProposal."""
    column = next(
        (
            c
            for t in tables
            if t.standard == "staff"
            for c in t.columns
            if c.standard == CONTRACTED_HOURS.name
        ),
        None,
    )
    if column is None:
        return None
    counts: dict[float, int] = {}
    for value, n in column.evidence.top:
        try:
            counts[float(value)] = counts.get(float(value), 0) + n
        except ValueError:
            continue
    if not counts:
        return None
    longest = max(counts)
    commonest = max(counts.values())
    if not FULL_TIME[0] <= longest <= FULL_TIME[1] or counts[longest] < commonest:
        return None
    return longest, (
        f"{longest:g} hours is the longest and commonest contract in '{column.local}' "
        f"({counts[longest]} of {sum(counts.values())} staff): taken for the full-time week"
    )
