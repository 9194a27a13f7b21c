"""Protecting people in quotes: names removed, name-like words flagged, small cells withheld.

Three safeguards, applied before any interview text leaves this package:

* **Redaction.** Every known name is replaced by ``[name]`` wherever it appears: the names in
  ``[qualitative] names`` and every speaker label in the transcripts except the interviewer's
  (so a keyworker who speaks in one interview is also removed when a client mentions her in
  another). Whole words, any case, possessives included (``Hannah's`` becomes ``[name]'s``). A
  full name also removes each of its parts, so a surname mentioned alone is removed too. A name
  that is also an everyday word (Will, May, Grace, Frank...) is removed only where it is written
  with a capital, so "I will" survives but "Will said" does not.
* **Flagging.** Nobody can list every name in advance, so words that *look like* names and were
  not removed are flagged for the analyst to review (and add to the names list). The heuristic:
  a word written with a capital first letter and at least one small letter (``Hannah``, not
  ``IPS``), not the first word of a sentence (where every word is capitalised), not the word
  "I" or one of its contractions, and not in an allow-list of capitalised words that are not
  people: months and days, holidays, nationalities and languages, common countries and place
  words (Park, Road, London...), the areas named in the transcripts' front matter, roles and
  titles, family words used as names (Mum, Nan), and organisations and benefits a service's
  clients talk about (Jobcentre, Universal Credit, NHS...). A first word of a sentence is
  flagged only when the same word has been flagged mid-sentence elsewhere (``suspects``). False
  positives are expected (brand and street names, the odd capitalised word for emphasis): the
  flags are for review, never shown in outputs.
* **Small cells.** :func:`cell_allowed` says, per role and area, whether quotes may be shown: a
  cell with fewer interviews than the disclosure threshold shows nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import polars as pl

from ..settings import Settings

NAME_TOKEN = "[name]"

# Speaker labels that mark the interviewer (compared in lower case, parenthetical notes removed).
INTERVIEWER_LABELS = frozenset(
    {
        "interviewer",
        "int",
        "iv",
        "i",
        "q",
        "question",
        "researcher",
        "facilitator",
        "moderator",
        "evaluator",
        "interviewer 1",
        "interviewer 2",
    }
)

# Words in speaker labels that are not names (generic labels, roles, titles).
GENERIC_LABEL_WORDS = frozenset(
    {
        "interviewer",
        "interviewee",
        "respondent",
        "participant",
        "speaker",
        "person",
        "voice",
        "client",
        "clients",
        "service",
        "user",
        "staff",
        "member",
        "worker",
        "keyworker",
        "employment",
        "specialist",
        "ips",
        "manager",
        "team",
        "leader",
        "lead",
        "employer",
        "commissioner",
        "treatment",
        "recovery",
        "support",
        "peer",
        "mentor",
        "coordinator",
        "researcher",
        "facilitator",
        "moderator",
        "evaluator",
        "answer",
        "question",
        "male",
        "female",
        "man",
        "woman",
        "unknown",
        "other",
        "both",
        "all",
        "group",
        "note",
        "notes",
        "dr",
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "prof",
        "sir",
        "int",
        "iv",
        "es",
    }
)

# Names that are also everyday words: removed only where written with a capital.
COMMON_WORD_NAMES = frozenset(
    {
        "will",
        "may",
        "hope",
        "grace",
        "mark",
        "bill",
        "sue",
        "pat",
        "rob",
        "don",
        "art",
        "dawn",
        "faith",
        "joy",
        "rose",
        "jack",
        "frank",
        "ray",
        "summer",
        "amber",
        "ruby",
        "june",
        "april",
        "august",
        "rich",
        "gene",
        "guy",
        "penny",
        "holly",
        "ivy",
        "iris",
        "jade",
        "sky",
        "sandy",
        "rusty",
        "violet",
        "cliff",
        "glen",
        "dale",
        "drew",
        "chase",
        "hunter",
        "bob",
        "miles",
        "max",
        "carol",
        "dean",
        "wade",
        "lance",
        "heath",
        "angel",
        "honor",
        "eve",
        "sunny",
        "misty",
        "crystal",
        "pearl",
        "bud",
        "sage",
        "jay",
        "robin",
        "wren",
        "poppy",
        "daisy",
        "heather",
        "fern",
        "hazel",
        "olive",
        "marshall",
        "sterling",
        "page",
        "young",
        "long",
        "brown",
        "green",
        "white",
        "black",
        "gray",
        "grey",
        "king",
        "bishop",
        "cook",
        "hall",
        "wood",
        "hill",
        "lane",
        "price",
        "moss",
        "pool",
        "banks",
        "bell",
        "nash",
        "major",
    }
)

_MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
)
_DAYS = "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun"
_HOLIDAYS = "christmas xmas easter eid ramadan diwali hanukkah new year's boxing bank holiday halloween"
_PEOPLES = (
    "english british scottish welsh irish polish romanian lithuanian portuguese spanish italian "
    "french german turkish kurdish somali arabic urdu punjabi bengali gujarati hindi tamil "
    "african caribbean asian european muslim christian jewish sikh hindu catholic"
)
_PLACES = (
    "london england britain uk scotland wales ireland europe poland romania lithuania portugal "
    "spain italy france germany turkey somalia nigeria ghana jamaica india pakistan bangladesh "
    "sri lanka street road lane avenue park square station hospital centre center college "
    "university school council borough north south east west central greater upper lower "
    "high broadway market bridge heathrow gatwick underground overground tube"
)
_ROLES = (
    "interviewer client ips staff treatment commissioner employer keyworker employment specialist "
    "manager doctor dr mr mrs ms miss mx sir madam prof professor nurse gp worker team "
    "mum mam mom dad nan nana gran granny grandad auntie aunt uncle god jesus christ lord"
)
_ORGANISATIONS = (
    "jobcentre job centre plus dwp nhs universal credit pip esa jsa access work mind samaritans "
    "turning point cgl change grow live aa na salvation army citizens advice shaw trust "
    "reed remploy maximus ingeus seetec serco tfl network rail royal mail tesco sainsbury's "
    "sainsbury asda aldi lidl morrisons waitrose marks spencer primark boots costa starbucks "
    "mcdonald's greggs pret amazon uber deliveroo google indeed linkedin facebook whatsapp zoom "
    "teams microsoft word excel covid coronavirus lockdown brexit cscs sia dbs cv cvs ok okay "
    "internet wifi phd nvq gcse gcses btec english maths"
)

DEFAULT_ALLOW = frozenset(
    " ".join((_MONTHS, _DAYS, _HOLIDAYS, _PEOPLES, _PLACES, _ROLES, _ORGANISATIONS)).split()
    + [d + "s" for d in _DAYS.split()]
)

_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_SENTENCE_END = re.compile(r"[.!?…]['\"’”)\]]*\s*$")
_OPENERS = "\"'“‘([-–—*_ "
_POSSESSIVE = re.compile(r"['’]s?$")


def label_name_parts(label: str) -> list[str]:
    """The names a speaker label gives away: the whole label and each word of it, leaving out
    notes in brackets, titles, generic words (Interviewer, Client, Speaker...), numbers and
    single letters. ``"Dr Hannah Jones (IPS)"`` gives ``["Hannah Jones", "Hannah", "Jones"]``."""
    core = re.sub(r"[(\[].*?[)\]]", " ", label).strip()
    words = [w for w in re.split(r"\s+", core) if w]
    keep = [
        w.strip(".,")
        for w in words
        if len(w.strip(".,")) >= 2
        and re.fullmatch(r"[^\W\d_][\w'’-]*", w.strip(".,"))
        and w.strip(".,").lower() not in GENERIC_LABEL_WORDS
    ]
    if not keep:
        return []
    out = [" ".join(keep)] if len(keep) > 1 else []
    return out + keep


def is_interviewer_label(label: str) -> bool:
    core = re.sub(r"[(\[].*?[)\]]", " ", label).strip().lower()
    core = re.sub(r"\s+", " ", core)
    return core in INTERVIEWER_LABELS or core.startswith("interviewer")


def _name_pattern(name: str) -> str:
    parts = ["".join("['’]" if c in "'’" else re.escape(c) for c in p) for p in name.split()]
    return r"\s+".join(parts)


class Redactor:
    """Removes known names from text and flags words that look like names.

    ``names``: names to remove (full names also remove each part). ``allow``: extra words that are
    never flagged (the areas, for instance), on top of the built-in allow-list."""

    def __init__(self, names: Iterable[str], allow: Iterable[str] = ()) -> None:
        found: set[str] = set()
        for n in names:
            n = re.sub(r"\s+", " ", str(n)).strip()
            if len(n) < 2:
                continue
            found.add(n)
            for part in n.split(" "):
                part = part.strip(".,")
                if len(part) >= 2 and part.lower() not in GENERIC_LABEL_WORDS:
                    found.add(part)
        # longest first, so "Hannah Jones" goes before "Hannah"; one spelling per name
        by_lower: dict[str, str] = {}
        for n in sorted(found, key=lambda x: (-len(x), x)):
            by_lower.setdefault(n.lower(), n)
        self.names: list[str] = list(by_lower.values())
        self._names_lower = set(by_lower)
        any_case = [n for n in self.names if n.lower() not in COMMON_WORD_NAMES]
        capitalised = [n for n in self.names if n.lower() in COMMON_WORD_NAMES]
        self._any_case = self._compile(any_case, re.IGNORECASE)
        # capitalised everyday-word names: Title case or UPPER case only
        variants = sorted(
            {v for n in capitalised for v in (n[:1].upper() + n[1:].lower(), n.upper())},
            key=len,
            reverse=True,
        )
        self._capitalised = self._compile(variants, 0)
        allow_words = {w.lower() for a in allow for w in re.split(r"[\s,/&-]+", str(a)) if w}
        self.allow = DEFAULT_ALLOW | frozenset(allow_words)

    @staticmethod
    def _compile(names: list[str], flags: int) -> re.Pattern[str] | None:
        if not names:
            return None
        alternation = "|".join(_name_pattern(n) for n in names)
        return re.compile(rf"(?<![\w\[])(?:{alternation})(?![\w\]])", flags)

    def redact(self, text: str) -> str:
        """``text`` with every known name replaced by ``[name]`` (``Hannah's`` -> ``[name]'s``)."""
        for pattern in (self._any_case, self._capitalised):
            if pattern is not None:
                text = pattern.sub(NAME_TOKEN, text)
        return text

    def flag(self, text: str, suspects: Iterable[str] = ()) -> list[str]:
        """Capitalised words in ``text`` that look like names and are not known names (each once,
        in order of appearance, without a possessive 's). A sentence's first word is flagged only
        if it is in ``suspects`` (words flagged mid-sentence elsewhere)."""
        suspect = {s.lower() for s in suspects}
        out: list[str] = []
        seen: set[str] = set()
        for m in _WORD.finditer(text):
            word = _POSSESSIVE.sub("", m.group(0)).strip("'’-")
            if not self.looks_like_name(word):
                continue
            if self._at_sentence_start(text, m.start()) and word.lower() not in suspect:
                continue
            if word.lower() not in seen:
                seen.add(word.lower())
                out.append(word)
        return out

    def looks_like_name(self, word: str) -> bool:
        """A capitalised word (capital first letter, some small letters) that is not a known name,
        the word I or its contractions, or an allowed word."""
        if len(word) < 2 or not word[0].isupper() or not any(c.islower() for c in word):
            return False
        low = word.lower()
        if low in self._names_lower or low in self.allow:
            return False
        if re.fullmatch(r"i['’]\w+", low):  # I'd, I'm, I've, I'll
            return False
        parts = [p for p in re.split(r"-", low) if p]
        return not (len(parts) > 1 and all(p in self.allow for p in parts))

    @staticmethod
    def _at_sentence_start(text: str, start: int) -> bool:
        before = text[max(0, start - 40) : start].rstrip(_OPENERS)
        if not before.strip():
            return start <= 40 or not text[:start].strip()
        return bool(_SENTENCE_END.search(before)) or before.endswith("\n")


def disclosure_threshold(settings: Settings) -> int:
    """Fewest interviews a role/area cell needs before quotes from it may be shown: the
    disclosure threshold (``[disclosure] threshold``, or the policy's own), 0 with policy 'none'."""
    if settings.disclosure.policy == "none":
        return 0
    return settings.disclosure.effective_threshold


def cell_allowed(
    interviews: pl.DataFrame, threshold: int, by: tuple[str, ...] = ("role", "area")
) -> pl.DataFrame:
    """Per cell (role and area, by default), the number of interviews and whether quotes from
    the cell may be shown: ``interviews > threshold``, i.e. only where the cell's own count of
    interviews would be published (disclosure control hides counts up to the threshold). Pass :func:`disclosure_threshold`
    (0 with disclosure policy 'none', so everything may be shown). ``by=("role",)`` judges by
    role alone, for quotes attributed to a role without an area.

    Columns: the ``by`` columns, ``interviews`` (int), ``allowed`` (bool); sorted by ``by``."""
    if interviews.height == 0:
        schema = {c: pl.String for c in by} | {"interviews": pl.Int64, "allowed": pl.Boolean}
        return pl.DataFrame(schema=schema)
    return (
        interviews.group_by(list(by))
        .agg(pl.len().cast(pl.Int64).alias("interviews"))
        .with_columns((pl.col("interviews") > threshold).alias("allowed"))
        .sort(list(by))
    )
