"""Code lookups and the data cut, read from the text an export carries beside its tables.

Exports often explain their numeric codes on a cover sheet ("Gender: 1 = Male; 2 = Female; 9 = Not
stated") or in a codes sheet with code and label columns. :func:`text_lookups` reads such lines in
the usual shapes ("1 = Male", "1 - Male", "1: Male", "Male (1)"; entries separated by commas,
semicolons or new lines; a heading naming the column before a colon, on the same line or the line
above); propose_codebook reads a sheet or file of code and label columns. :func:`lookup_for`
attaches a lookup to the column whose name is like its heading and whose values are its codes.
:func:`find_data_cut` finds "Data cut: 31/12/2024", "Run date: ...", "Report generated ..." lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from difflib import SequenceMatcher

from ipseval.ingest.mapping import norm_name
from ipseval.ingest.propose_codes import fold

MIN_ENTRIES = 2  # a lookup names at least this many codes
MATCHED_ROWS = 0.8  # share of a column's cells that must be codes of the lookup
HEADING_SIMILARITY = 0.8  # a heading this like a column name (once folded) names it

_CODE = r"\d{1,3}|[A-Z]{1,3}|[✓✔☑✗xX]|blank"
_SEP = r"\s*(?:=|:|–|—|-(?!\d))\s*"
_ENTRY = re.compile(rf"(?:^|(?<=[;,|\n]))\s*(?P<code>{_CODE})(?P<sep>{_SEP})(?=\S)", re.IGNORECASE)
_LABEL_CODE = re.compile(r"^\s*(?P<label>[^;,()=]*[^\s;,()=])\s*\(\s*(?P<code>\d{1,3}|[A-Z]{1,3})\s*\)\s*$")
_HEAD = re.compile(r"^\s*(?P<head>[^:=;]{1,80}?)\s*:\s*(?P<body>.*)$", re.DOTALL)
_NEW_HEADING = re.compile(r"(?<=\.)\s+(?=[A-Z][^.:=;]{1,60}:\s)")
_SENTENCE_END = re.compile(r"\.\s+(?=[A-Z])")
_BRACKETS = re.compile(r"\s*\([^()]*\)")
_CODE_ONLY = re.compile(rf"^(?:{_CODE})$", re.IGNORECASE)


@dataclass
class Lookup:
    """Codes and their labels, under a heading that names a column."""

    headings: list[str]  # 'Gender'; 'Tick columns (GP contact, A&E)' gives the names in brackets too
    codes: dict[str, str] = field(default_factory=dict)  # norm_name(code) -> label
    written: dict[str, str] = field(default_factory=dict)  # norm_name(code) -> the code as written
    where: str = ""  # the sheet or file

    def evidence(self, code: str) -> str:
        key = norm_name(code)
        return f"{self.written.get(key, code)} = {self.codes[key]} on '{self.where}'"


def _clean_label(text: str) -> str:
    """A label as its meaning: brackets and anything after its sentence dropped."""
    text = _SENTENCE_END.split(_BRACKETS.sub("", text), maxsplit=1)[0]
    return text.strip(" \t;,.|")


def _entries(body: str) -> list[tuple[str, str]]:
    """(code, label) pairs in a line's body: '1 = Male; 2 = Female' or 'Male (1), Female (2)'."""
    found = list(_ENTRY.finditer(body))
    out = []
    for m, nxt in zip(found, [*found[1:], None], strict=False):
        label = _clean_label(body[m.end() : nxt.start() if nxt else len(body)])
        if label:
            out.append((m.group("code"), label))
    if len(out) >= MIN_ENTRIES:
        return out
    pairs = [_LABEL_CODE.match(part) for part in re.split(r"[;,|\n]", body)]
    shaped = [(m.group("code"), m.group("label").strip()) for m in pairs if m]
    return shaped if len(shaped) >= MIN_ENTRIES else out


def _single(line: str) -> list[tuple[str, str]]:
    """One entry on a line of its own ('1 = Male', 'Male (1)'), under a heading on a line above."""
    m = _ENTRY.match(line)
    if m:
        label = _clean_label(line[m.end() :])
        return [(m.group("code"), label)] if label else []
    m = _LABEL_CODE.match(line)
    return [(m.group("code"), m.group("label").strip())] if m else []


def _headings(head: str) -> list[str]:
    """'Tick columns (GP contact, A&E)' -> the heading and each name in its brackets."""
    names = [head.strip()]
    for inner in re.findall(r"\(([^()]*)\)", head):
        names += [p.strip() for p in re.split(r"[,;/]| and ", inner) if p.strip()]
    return names


def text_lookups(lines: list[str], where: str) -> list[Lookup]:
    """The code lookups in lines of text (a cover sheet, a notes sheet, title lines)."""
    out: list[Lookup] = []
    pending: str | None = None  # a heading on a line of its own: the lines below list its codes
    for line in lines:
        if not line.strip():
            pending = None
            continue
        for segment in _NEW_HEADING.split(line.strip()):
            m = _HEAD.match(segment)
            head, body = (m.group("head"), m.group("body")) if m else (None, segment)
            if head is not None and _CODE_ONLY.match(head.strip()):
                head, body = None, segment
            if head is not None and not body.strip():
                pending = head
                continue
            entries = _entries(body) if head is not None else _entries(segment)
            if head is None and len(entries) < MIN_ENTRIES:
                entries = _single(segment)
            if not entries:
                if head is None and len(segment.split()) <= 6:
                    pending = segment.strip().rstrip(":")
                continue
            heading = head if head is not None else pending
            if heading is None:
                continue
            if head is None and out and out[-1].headings[0] == heading:
                lookup = out[-1]
            else:
                lookup = Lookup(_headings(heading), where=where)
                out.append(lookup)
                pending = heading if head is None else None
            for code, label in entries:
                lookup.codes.setdefault(norm_name(code), label)
                lookup.written.setdefault(norm_name(code), code)
    return [lk for lk in out if len(lk.codes) >= MIN_ENTRIES]


def _name_words(text: str) -> str:
    return fold(_BRACKETS.sub("", text.replace("\n", " ")))


# A warehouse names a coded column after its lookup's domain and a suffix: domain REF_SRC, column
# REF_SRC_CD (or _CODE, _IND, _FLG ...).
_CODE_SUFFIX = re.compile(r"[\s_\-.]*(?:cd|code|ind|flg|flag|key|id|typ|type)$", re.IGNORECASE)


def _named(heading: str, column: str) -> float:
    h, c = _name_words(heading), _name_words(column)
    if not h or not c:
        return 0.0
    if h == c or h == _name_words(_CODE_SUFFIX.sub("", column.strip())):
        return 1.0
    hw, cw = set(h.split()), set(c.split())
    if hw <= cw or cw <= hw:
        return 0.9
    ratio = SequenceMatcher(None, h, c).ratio()
    return ratio if ratio >= HEADING_SIMILARITY else 0.0


def lookup_for(column: str, values: tuple[tuple[str, int], ...], lookups: list[Lookup]) -> Lookup | None:
    """The lookup whose heading is most like the column's name and whose codes are (nearly all) the
    column's values; None when none is."""
    cells = sum(k for _, k in values)
    if not cells:
        return None
    best: tuple[float, Lookup] | None = None
    for lk in lookups:
        score = max(_named(h, column) for h in lk.headings)
        if not score:
            continue
        covered = sum(k for v, k in values if norm_name(v) in lk.codes) / cells
        if covered >= MATCHED_ROWS and (best is None or score > best[0]):
            best = (score, lk)
    return best[1] if best else None


# The data cut: the words before the date, surest first.
_DATE = (
    r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}"
    r"|\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]{3,9}\.?,?\s+\d{4}|\d{1,2}-[A-Za-z]{3}-\d{4}"
)
_CUT_WORDS = (
    r"data\s*cut(?:\s*date)?|data\s+(?:as\s+)?at|as\s+at|extract(?:ed|ion)?\s*(?:date|on)?|date\s+of\s+extract"
    r"|snapshot(?:\s*date)?|census\s+date",
    r"run\s*date(?:\s*/\s*time)?|run\s+at|run\s*(?:on)?|report\s+(?:generated|run|produced|date)(?:\s*on)?|generated(?:\s*on)?"
    r"|produced(?:\s*on)?|printed(?:\s*on)?|date\s+(?:run|generated|printed)|exported(?:\s*on)?"
    r"|downloaded(?:\s*on)?|export\s*date",
    # a report footer naming who ran it before the day: 'Generated By: Sam Kettering 15/01/2024 09:12'
    r"(?:generated|run|exported|produced|printed|downloaded|extracted)\s+by\s*:?\s*[A-Za-z][A-Za-z.'\- ]{0,60}?"
    r"(?:\s+on)?",
)
_CUTS = [re.compile(rf"\b(?:{w})\b\s*[:\-–=]?\s*(?P<date>{_DATE})", re.IGNORECASE) for w in _CUT_WORDS]
# The end of the period an extract covers ('Date range 01/01/2020 - 31/12/2024'): taken when no line
# says when it was cut or run (the settings' data cut is the day of the extract).
_PERIOD = re.compile(
    rf"\b(?:period|date\s+range|reporting\s+period|data\s+period|covering)\b\s*[:\-–=]?\s*(?:from\s+)?"
    rf"(?:{_DATE})\s*(?:to|until|through|-|–)\s*(?P<date>{_DATE})",
    re.IGNORECASE,
)
_CUTS.append(_PERIOD)
_MONTHS = ("%d %B %Y", "%d %b %Y", "%d-%b-%Y", "%d %B, %Y", "%d %b, %Y")


def read_date(text: str, month_first: bool = False) -> date | None:
    """A date as an export writes it (ISO, d/m/yyyy or m/d/yyyy, '31st December 2024')."""
    t = re.sub(r"(?<=\d)(st|nd|rd|th)\b", "", text.strip().rstrip(".")).replace(".", "/")
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", t)
    try:
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = re.fullmatch(r"(\d{1,2})[/\-](\d{1,2})[/\-](\d{4})", t)
        if m:
            a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if month_first and a <= 12:
                a, b = b, a
            return date(y, b, a)
    except ValueError:
        return None
    for fmt in _MONTHS:
        try:
            return datetime.strptime(t, fmt).date()
        except ValueError:
            continue
    return None


def find_data_cut(lines: list[tuple[str, str]], month_first: bool = False) -> tuple[date, str] | None:
    """(the date, the evidence) from a line saying when the data were cut or the report run: a data
    cut or 'as at' date before a run or generated date; None if no line says. Where several files
    say it (each report's footer), the day most of them give, and how many agree."""
    for pattern in _CUTS:
        found: dict[date, list[tuple[str, str]]] = {}
        for where, line in lines:
            for m in pattern.finditer(line):
                d = read_date(m.group("date"), month_first)
                if d is not None:
                    found.setdefault(d, []).append((where, re.sub(r"\s+", " ", m.group(0)).strip()))
        if found:
            day, said = max(found.items(), key=lambda kv: len({w for w, _ in kv[1]}))
            files = sorted({w for w, _ in said})
            where = f"'{files[0]}'" if len(files) == 1 else f"{len(files)} files, e.g. '{files[0]}'"
            return day, f"'{said[0][1]}' on {where}"
    return None


# A day in a file's name: 'Activity_Export_2024-01-15.csv', 'caseload 15.01.2024.xlsx', 'extract_20240115'.
_NAME_DATE = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2}|\d{8}|\d{1,2}[.\-_]\d{1,2}[.\-_]\d{4})(?!\d)")


def date_in_names(names: list[str], month_first: bool = False) -> tuple[date, str] | None:
    """(the day, the evidence) the files' names give, when every name that gives one gives the same
    day; None otherwise."""
    days: dict[date, list[str]] = {}
    for name in names:
        for m in _NAME_DATE.finditer(name):
            text = m.group(1)
            if len(text) == 8:
                text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
            d = read_date(text.replace("_", "-"), month_first)
            if d is not None and 1990 <= d.year <= 2100:
                days.setdefault(d, []).append(name)
    if len(days) != 1:
        return None
    day, named = next(iter(days.items()))
    return day, f"the day in the name of '{named[0]}'" + (
        f" and {len(named) - 1} more" if len(named) > 1 else ""
    )
