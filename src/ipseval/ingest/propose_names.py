"""How well a local file, sheet or column name fits a name of the standard.

Only the letters and digits of a name count ('&' read as 'and', '@' as 'at'), so 'Client Ref',
'CLIENT_REF' and 'client.ref' are one name. The squashed name is split back into words it is known
to contain ('clientref' -> client, ref), abbreviations are read out ('hrs' -> hours) and compared
with the standard's own name (1.0), then with the usual names of propose_vocab (0.95), then by the
words two names share and by string similarity (difflib).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache, lru_cache

from ipseval.ingest.propose_vocab import (
    COLUMN_NAMES,
    DATE_OF_BIRTH_NAMES,
    NOT_STANDARD,
    TABLE_COLUMN_NAMES,
    TABLE_NAMES,
    WORDS,
)
from ipseval.schema import TABLES

STANDARD_WEIGHT = 1.0
USUAL_WEIGHT = 0.95
BRACKETS_WEIGHT = 0.95  # the name with its bracketed part left out ("GP (3m)" -> "GP")
ABBREVIATION = 0.9  # similarity of a name that abbreviates a known name ("Accom" of "accommodation")
_MIN_ABBREVIATION = 3  # letters an abbreviated word keeps at least (4 for a one-word name)
_TYPE_SUFFIXES = frozenset(
    {"txt", "text", "cd", "code", "dt", "dttm", "nm", "name", "desc", "val", "flg", "ind"}
)
_STOP = frozenset({"at", "of", "for", "the", "on", "to", "a", "by", "per", "and", "is"})
_TABLE_NOISE = frozenset({"export", "extract", "report", "data", "ips", "download", "final", "copy", "sheet"})
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")
# A year, or a period named by its year, that dates a column rather than naming it: 'Mid-2022',
# '2021/22', 'FY 2023', 'Census 2021', 'as at 2020'.
_YEARS = re.compile(
    r"(?i)(?<![a-z0-9])(?:(?:mid|end|start|est|estimated?|census|fy|as\s+at)[\s\-.]*)?"
    r"(?:19|20)\d{2}(?:\s*[/\-]\s*\d{2,4})?(?![a-z0-9])"
)
_ACRONYM = re.compile(r"(?<![A-Za-z])[A-Z]{2,5}(?![A-Za-z])")  # 'ADP', 'DAAT' as written
UNDATED_WEIGHT = 0.95  # the name with its year left out ("Mid-2022 pop." -> "pop.")
ACRONYM_WEIGHT = 0.9  # ... and an organisation's acronym unknown to the vocabulary ("ADP Integration")
_MAX_WORD = 24
# A CRM report's header names the record a field belongs to before the field ('Contact: Age',
# 'Related To: Participant Ref', 'Case > Opened Date', 'Account.Locality'): the field alone is the
# column's name, a little less trusted; when the field only says 'Name' or 'ID', the record is.
_RECORD_PREFIX = re.compile(
    r"^\s*([A-Za-z][A-Za-z0-9 &'/_-]{1,40}?)\s*(?::|>|(?<=[a-z])\.(?=[A-Z]))\s*(\S.*)$"
)
_GENERIC_FIELDS = frozenset(
    {
        "name",
        "fullname",
        "id",
        "ref",
        "reference",
        "number",
        "no",
        "num",
        "code",
        "username",
        "order",
        "seq",
        "sequence",
    }
)
PREFIX_WEIGHT = 0.95  # the field without the record it belongs to ('Contact: Age' -> 'Age')
RECORD_WEIGHT = 0.9  # the record a generic field belongs to ('Assigned To: Full Name' -> 'Assigned To')
# A date column that also holds the time ('Activity Date/Time', 'Start DateTime'): read as the date.
_DATE_TIME = re.compile(r"(?i)date\s*(?:/|&|and|-)?\s*time")


@dataclass(frozen=True)
class NameMatch:
    score: float  # 0 to 1
    how: str  # plain words: why the name fits


def squash(name: str) -> str:
    """Lower-case letters and digits only ('&' as 'and', '@' as 'at', '+' as 'plus')."""
    s = str(name).lower().replace("&", " and ").replace("@", " at ").replace("+", " plus ")
    return re.sub(r"[^a-z0-9]+", "", s)


def _phrases(text: str) -> list[str]:
    return [p.strip() for p in text.split("|") if p.strip()]


@cache
def _vocabulary() -> frozenset[str]:
    words: set[str] = set(WORDS) | {w for v in WORDS.values() for w in v.split()}
    texts = [*TABLE_NAMES.values(), *COLUMN_NAMES.values(), *NOT_STANDARD, DATE_OF_BIRTH_NAMES]
    texts += [t for by_column in TABLE_COLUMN_NAMES.values() for t in by_column.values()]
    for text in texts:
        for phrase in _phrases(text):
            words.update(squash(w) for w in phrase.split())
    for table in TABLES.values():
        words.update(table.name.split("_"))
        for c in table.columns:
            words.update(c.name.split("_"))
    return frozenset(w for w in words if len(w) >= 2 and not w.isdigit())


@lru_cache(maxsize=8192)
def words(key: str) -> tuple[str, ...]:
    """The words a squashed name is made of: the split with fewest unknown letters, then fewest words;
    runs of digits are words, runs of unknown letters one word each."""
    vocab = _vocabulary()
    n = len(key)
    best: list[tuple[int, int, tuple[tuple[str, bool], ...]] | None] = [None] * (n + 1)
    best[0] = (0, 0, ())

    def offer(j: int, cand: tuple[int, int, tuple[tuple[str, bool], ...]]) -> None:
        if best[j] is None or cand[:2] < best[j][:2]:
            best[j] = cand

    for i in range(n):
        if best[i] is None:
            continue
        unknown, count, parts = best[i]
        if key[i].isdigit():
            j = i
            while j < n and key[j].isdigit():
                j += 1
            offer(j, (unknown, count + 1, (*parts, (key[i:j], True))))
            continue
        for j in range(i + 2, min(n, i + _MAX_WORD) + 1):
            if key[i:j] in vocab:
                offer(j, (unknown, count + 1, (*parts, (key[i:j], True))))
        offer(i + 1, (unknown + 1, count + 1, (*parts, (key[i], False))))
    merged: list[str] = []
    previous_known = True
    for text, known in best[n][2] if best[n] else ():
        if not known and not previous_known:
            merged[-1] += text
        else:
            merged.append(text)
        previous_known = known
    return tuple(merged)


@lru_cache(maxsize=8192)
def meaning(key: str) -> frozenset[str]:
    """The words of a squashed name with abbreviations read out, small words dropped, plurals singular."""
    out: set[str] = set()
    for w in words(key):
        for x in WORDS.get(w, w).split():
            if x not in _STOP:
                out.add(x[:-1] if len(x) > 3 and x.endswith("s") and not x.endswith("ss") else x)
    return frozenset(out)


def similarity(a: str, b: str, beat: float = 0.0) -> float:
    """Two squashed names: 1 if equal, else the better of word overlap (Dice) and string similarity
    (not worked out when it cannot be above ``beat``)."""
    if a == b:
        return 1.0
    wa, wb = meaning(a), meaning(b)
    dice = 0.9 * 2 * len(wa & wb) / (len(wa) + len(wb)) if wa and wb else 0.0
    if 0.85 * ratio_bound(a, b) <= max(dice, beat):
        return dice
    return max(dice, 0.85 * _ratio(a, b))


@lru_cache(maxsize=1 << 12)
def _letters(text: str) -> Counter[str]:
    return Counter(text)


def ratio_bound(a: str, b: str) -> float:
    """An upper bound of difflib's ratio (its quick_ratio: shared letters, order ignored), cheap
    enough to skip most comparisons (`map` spent 90% of its time in difflib)."""
    if not a or not b:
        return 1.0 if a == b else 0.0
    ca, cb = _letters(a), _letters(b)
    shared = sum(min(n, cb[c]) for c, n in ca.items())
    return 2.0 * shared / (len(a) + len(b))


@lru_cache(maxsize=1 << 16)
def _ratio(a: str, b: str) -> float:
    # cached: the same names are compared for every column of every sheet
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


@cache
def _column_phrases(column: str, table: str = "") -> tuple[tuple[str, float, str], ...]:
    own = ((squash(column), STANDARD_WEIGHT, column),)
    usual = COLUMN_NAMES.get(column, "") + " | " + TABLE_COLUMN_NAMES.get(table, {}).get(column, "")
    if column == "date_of_birth":
        usual += " | " + DATE_OF_BIRTH_NAMES
    return own + tuple((squash(p), USUAL_WEIGHT, p) for p in _phrases(usual))


@cache
def _table_phrases(table: str) -> tuple[tuple[str, float, str], ...]:
    own = ((squash(table), STANDARD_WEIGHT, table),)
    return own + tuple((_table_key(p), USUAL_WEIGHT, p) for p in _phrases(TABLE_NAMES.get(table, "")))


def _variants(name: str) -> list[tuple[str, float, str]]:
    """The name as written; without its bracketed part; then without a year that dates it; then
    without acronyms the vocabulary does not know (a partnership's 'ADP'): each less trusted, with
    what it set aside (said after why the name fits)."""
    out = [(squash(name), 1.0, "")]
    out += _record_variants(name)
    bare = _BRACKETS.sub(" ", name)
    undated = _YEARS.sub(" ", bare)
    plain = _ACRONYM.sub(lambda m: m.group() if squash(m.group()) in _vocabulary() else " ", undated)
    steps = (
        (bare, BRACKETS_WEIGHT, ""),
        (undated, UNDATED_WEIGHT, "its year"),
        (plain, ACRONYM_WEIGHT, "an acronym"),
    )
    weight, said = 1.0, []
    for text, w, what in steps:
        key = squash(text)
        if not key or any(key == k for k, _, _ in out):
            continue
        weight *= w
        said += [what] if what else []
        out.append(
            (
                key,
                weight,
                f", once {' and '.join(said)} {'is' if len(said) == 1 else 'are'} set aside" if said else "",
            )
        )
    return out


def record_field(name: str) -> tuple[str, str] | None:
    """(record, field) of a CRM report header ('Contact: Age' -> ('Contact', 'Age')); None for a
    header without a record prefix."""
    m = _RECORD_PREFIX.match(str(name))
    if m is None or not re.search(r"[A-Za-z]{2}", m.group(2)):
        return None
    return m.group(1).strip(), m.group(2).strip()


def _record_variants(name: str) -> list[tuple[str, float, str]]:
    """The field of a CRM header without its record, and the record when the field is generic;
    a date-and-time field's name as the date's."""
    out = []
    parts = record_field(name)
    if parts is not None:
        record, fieldname = parts
        if squash(_BRACKETS.sub(" ", fieldname)) in _GENERIC_FIELDS:
            out.append((squash(record), RECORD_WEIGHT, f", the record its '{fieldname}' belongs to"))
        else:
            out.append((squash(fieldname), PREFIX_WEIGHT, f", once its record '{record}' is set aside"))
    dated = _DATE_TIME.sub("date", parts[1] if parts else name)
    if dated != (parts[1] if parts else name):
        out.append((squash(dated), PREFIX_WEIGHT, ", its time set aside"))
    return out


def _tokens(name: str) -> tuple[str, ...]:
    """The words of a name as written: split at spaces, punctuation and lower-to-upper case changes."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", _BRACKETS.sub(" ", str(name)))
    return tuple(re.sub(r"[^a-z0-9]+", " ", spaced.lower()).split())


def abbreviates(tokens: tuple[str, ...], phrase: str) -> bool:
    """Whether a name's words shorten a known name's words, each the start of its counterpart and at
    least one cut short ('Accom' of 'accommodation', 'Emp Stat' of 'employment status', or written
    without its vowels: 'Rvwr' of 'reviewer'). A one-word
    name keeps 4 letters at least, and must end inside the known name's first word ('Date' does not
    abbreviate 'date of referral')."""
    words_ = phrase.lower().replace("&", " and ").split()
    words_ = [re.sub(r"[^a-z0-9]", "", w) for w in words_]
    words_ = [w for w in words_ if w]
    if len(tokens) == len(words_) + 1 and tokens[-1] in _TYPE_SUFFIXES:
        tokens = tokens[:-1]  # 'RVWR_TXT': a warehouse's word for the column's type, not its meaning
    if not tokens or len(tokens) != len(words_):
        return False
    if len(tokens) == 1 and len(tokens[0]) < _MIN_ABBREVIATION + 1:
        return False
    shortened = False
    for t, w in zip(tokens, words_, strict=True):
        if t == w:
            continue
        if len(t) < _MIN_ABBREVIATION or not (w.startswith(t) or _skeleton(t, w)) or t.isdigit():
            return False
        shortened = True
    return shortened


def _skeleton(short: str, word: str) -> bool:
    """Whether ``short`` is ``word`` with its vowels dropped ('rvwr' of 'reviewer', 'mgr' of
    'manager'): its first letter, then its consonants in order, no vowel of its own."""
    if len(short) < _MIN_ABBREVIATION or short[0] != word[0] or re.search(r"[aeiou]", short[1:]):
        return False
    rest = iter(word[1:])
    return all(ch in rest for ch in short[1:])


def _best(
    variants: list[tuple[str, float, str]],
    phrases: tuple[tuple[str, float, str], ...],
    tokens: tuple[str, ...] = (),
) -> NameMatch:
    best = NameMatch(0.0, "")
    for key, vw, aside in variants:
        if not key:
            continue
        for pkey, pw, text in phrases:
            sim = similarity(key, pkey, best.score / (vw * pw))
            how = _how(sim, pw, text)
            if sim < ABBREVIATION and vw == 1.0 and abbreviates(tokens, text.replace("_", " ")):
                sim, how = ABBREVIATION, f"abbreviates '{text.replace('_', ' ')}'"
            score = vw * pw * sim
            if score > best.score:
                best = NameMatch(score, how + aside)
    return best


def _how(sim: float, weight: float, text: str) -> str:
    if sim == 1.0:
        return "the standard's own name" if weight == STANDARD_WEIGHT else f"a usual name for it ('{text}')"
    return f"like '{text}'"


@lru_cache(maxsize=65536)
def column_name_score(name: str, column: str, table: str = "") -> NameMatch:
    """How well a local column name fits the standard column ``column`` (of ``table``: some names
    mean a column only in one table, as 'Seen By' in meetings)."""
    phrases = _column_phrases(column, table)
    return max(
        (_best(_variants(part), phrases, _tokens(part)) for part in languages(name)),
        key=lambda m: m.score,
    )


_BETWEEN_LANGUAGES = re.compile(r"\s+[/|]\s+")


def languages(name: str) -> list[str]:
    """A header and, when it gives the name twice ("Dyddiad Atgyfeirio / Referral Date", as
    bilingual systems do), each of its halves: each half may name the column on its own."""
    parts = [p for p in _BETWEEN_LANGUAGES.split(name.strip()) if re.search(r"[^\W\d_]", p)]
    return [name, *parts] if len(parts) == 2 else [name]


def _table_key(name: str) -> str:
    """A file or sheet name without its suffix, digits (years, versions) and words like 'export'."""
    stem = re.sub(r"\.(csv|xlsx|xlsm)$", "", name.strip(), flags=re.IGNORECASE)
    key = squash(re.sub(r"\d+", " ", stem))
    kept = [w for w in words(key) if w not in _TABLE_NOISE]
    return "".join(kept) or key


@lru_cache(maxsize=4096)
def table_name_score(name: str, table: str) -> NameMatch:
    """How well a file or sheet name fits the standard table ``table``."""
    return _best([(_table_key(name), 1.0, "")], _table_phrases(table))


def is_date_of_birth(name: str) -> bool:
    """Whether a column's name says it is a date of birth ('DOB', 'D.O.B.', 'Date of Birth')."""
    key = squash(_BRACKETS.sub(" ", name)) or squash(name)
    return any(key == squash(p) for p in _phrases(DATE_OF_BIRTH_NAMES))


def not_standard(name: str, date_of_birth: bool = False) -> str | None:
    """What to do about a column the standard deliberately leaves out (a date of birth, a name...);
    with ``date_of_birth`` a date of birth is not among them (it is mapped to date_of_birth)."""
    if date_of_birth and is_date_of_birth(name):
        return None
    keys = {squash(_BRACKETS.sub(" ", part)) or squash(part) for part in languages(name)}
    for phrases, advice in NOT_STANDARD.items():
        if any(key == squash(p) for key in keys for p in _phrases(phrases)):
            return advice
    return None
