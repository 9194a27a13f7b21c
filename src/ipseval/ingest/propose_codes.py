"""The standard code a local label most likely means, with a confidence.

Tried in order, the first that answers wins: the label is already what validate reads (1.0); the
code itself once case, punctuation and '&'/'and' are folded ("Drug & Alcohol Service" ->
drug_alcohol_service, 1.0); a usual label for a code (propose_vocab: "DNA" -> no, 0.95); the words
of a usual label inside the label or the other way round ("White British" -> white, 0.85);
abbreviated words ("Alc" -> alcohol, 0.7); string similarity (difflib, at most 0.75). A label that
means "not recorded" ("Not known", "N/K", "Prefer not to say") is the column's own unknown code
where it has one, else "" (read as blank). A label with a qualifier ("Opiates (non-heroin)",
"Cocaine - not crack") is matched without it. Some labels fit a code only as a judgement (PIP, a
disability benefit, is no out-of-work benefit): proposed at 0.5 with the reason. A label that
matches nothing is left without a code (written commented out, for a person to choose): a catch-all
such as 'other' is never proposed as a mere guess, since accepting the file would then silently code
every such row as other. A tick mark (✓, ✔) in a yes/no column is yes. A RAG rating (Red, Amber, Green) on a
column whose codes are levels of one scale (integration strength) is read onto the levels, to check. In an event's columns (a meeting's outcome or contact
type), a label saying the row is no event that took place ('Booked', 'Scheduled', 'Case note',
'Admin') is proposed as leave_out (the row is left out, counted apart), to check; so is a
meeting's contact type naming an employer contact or a note ('Employer visit', 'Email to self':
propose_kinds), and one naming a meeting but not how it was held ('Job search session') leaves the
mode blank, to check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache, lru_cache

from ipseval.ingest.mapping import LEAVE_OUT, norm_name
from ipseval.ingest.propose_kinds import (
    EMPLOYER_CONTACTS,
    MEETINGS,
    MODE_UNSAID,
    meeting_without_mode,
    record_kind,
)
from ipseval.ingest.propose_messages import message_status_guess
from ipseval.ingest.propose_names import ratio_bound
from ipseval.ingest.propose_vocab import (
    CODE_NAMES,
    CODE_PRECEDENCE,
    CODE_WORDS,
    ETHNICITY_CODE_CONFIDENCE,
    ETHNICITY_CODES,
    ETHNICITY_INITIALS,
    ETHNICITY_INITIALS_CONFIDENCE,
    ETHNICITY_JUDGED,
    ETHNICITY_NHS_CONFIDENCE,
    ETHNICITY_NHS_JUDGED,
    ETHNICITY_NHS_LETTERS,
    INSTRUMENT_WORDS,
    JUDGED_CODE_NAMES,
    JUDGEMENT,
    LEAVE_OUT_COLUMNS,
    LEAVE_OUT_CONFIDENCE,
    LEAVE_OUT_NAMES,
    NOT_RECORDED,
    NOT_RECORDED_CODES,
    ORDERED_CODES,
    QUALIFIER_WORDS,
    RAG_CONFIDENCE,
    RAG_WORDS,
)
from ipseval.schema import BOOL_FALSE, BOOL_TRUE, Column

YES_NO = ("yes", "no")
TICK_MARKS = frozenset({"✓", "✔", "☑", "✅", "x", "y", "true", "tick", "ticked", "yes", "1"})
CATCH_ALL = ("other",)  # codes never proposed on weak evidence
CATCH_ALL_FLOOR = 0.5  # a catch-all guess less sure than this is left for a person to choose
WELLBEING_LABELS = ("measure", "instrument")  # text columns whose labels are proposed like codes
_DROP = frozenset({"and", "the", "of", "a"})
_NEGATIONS = frozenset({"not", "no", "non", "never", "didnt", "dna", "un", "without", "unemployed"})
_SYMBOLS = re.compile(r"[<>+&@]")
FUZZY_FLOOR = 0.6  # string similarity below this is no match
QUALIFIED = 0.9  # a label matched once its qualifier is set aside: this times the match's confidence
BLANK = ""  # the code that maps a label to blank (not recorded)
MODE = "mode"  # a meeting's contact type: its labels may name employer contacts and notes too
NOT_RECORDED_CONFIDENCE = 0.9
_QUALIFIERS = "|".join(re.escape(q.strip()).replace(r"\ ", r"\s+") for q in QUALIFIER_WORDS.split("|"))
_SPACED = r"other\s+than|excluding|excl|except|besides|but\s+not"  # qualifiers without a bracket or dash
_QUALIFIED = re.compile(
    rf"^(?P<head>.*?[^\s(\[\-,;:/])\s*(?P<qualifier>[(\[]\s*(?:{_QUALIFIERS})\b[^)\]]*[)\]]?"
    rf"|\s[-,;:/]\s*(?:{_QUALIFIERS})\b.*|[,;]\s*(?:{_QUALIFIERS})\b.*|\s(?:{_SPACED})\b.*)\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CodeGuess:
    """One distinct local value of a coded column and the standard code proposed for it."""

    value: str  # as written in the export (its first spelling)
    rows: int  # cells holding it (any spelling that validate reads as the same code)
    code: str | None  # the standard code ('yes'/'no' for a yes/no column); None = no proposal
    confidence: float  # 0 to 1
    how: str  # plain words: why
    as_is: bool = False  # validate already reads the value as this code: the settings need not say it


@dataclass(frozen=True)
class Phrase:
    folded: str
    code: str
    own: bool  # the code's own name
    text: str  # as written, for explanations
    note: str = ""  # a label that fits only as a judgement: why (its guess is at most JUDGEMENT sure)


def codes_of(column: Column) -> tuple[str, ...]:
    """The codes a column takes: its code list, or yes/no."""
    return tuple(column.codes or ()) if column.type == "code" else YES_NO


def fold(label: str) -> str:
    """Lower-case words: symbols read out ('&' and, '<' under, '+' plus), punctuation as spaces,
    abbreviations read out, small words dropped, plurals singular."""
    s = _SYMBOLS.sub(lambda m: f" {CODE_WORDS[m.group()]} ", str(label).lower())
    out: list[str] = []
    for w in re.sub(r"[^a-z0-9]+", " ", s).split():
        for x in CODE_WORDS.get(w, w).split():
            if x not in _DROP:
                out.append(x[:-1] if len(x) > 3 and x.endswith("s") and not x.endswith("ss") else x)
    return " ".join(out)


@cache
def _phrases(column_name: str, column_type: str, codes: tuple[str, ...]) -> tuple[Phrase, ...]:
    """Every code's own name, then the usual labels for this column, then (yes/no columns) the usual
    yes/no labels."""
    out = [Phrase(fold(c.replace("_", " ")), c, True, c) for c in codes]
    tables = [CODE_NAMES.get(column_name, {})] + ([CODE_NAMES["*"]] if column_type == "bool" else [])
    for table in tables:
        for code, text in table.items():
            if code in codes:
                out += [Phrase(fold(p), code, False, p.strip()) for p in text.split("|") if fold(p)]
    judged = [JUDGED_CODE_NAMES.get(column_name, {})] + (
        [JUDGED_CODE_NAMES["*"]] if column_type == "bool" else []
    )
    for code, (text, note) in ((c, tn) for table in judged for c, tn in table.items()):
        if code in codes:
            out += [Phrase(fold(p), code, False, p.strip(), note) for p in text.split("|") if fold(p)]
    return tuple(out)


@cache
def _not_recorded() -> frozenset[str]:
    return frozenset(fold(p) for p in NOT_RECORDED.split("|") if fold(p))


def means_not_recorded(value: str) -> bool:
    """Whether a label says the value was not recorded ('Not known', 'N/K', 'Prefer not to say', 'N/A').
    'N/A' is checked as written: folded, its lone 'a' is dropped and it would read as 'n' (no)."""
    raw = value.strip()
    return fold(value) in _not_recorded() or raw in _NOT_APPLICABLE or raw.lower() in _NOT_APPLICABLE_ANY_CASE


_NOT_APPLICABLE = frozenset({"?", "??", "-?", "NA"})  # 'Na' and 'na' may be Welsh for no (see vocab)
_NOT_APPLICABLE_ANY_CASE = frozenset({"n/a", "n.a.", "n.a", "#n/a", "n / a", "not applicable"})


def _not_recorded_guess(codes: tuple[str, ...]) -> tuple[str | None, float, str]:
    code = not_recorded_code(codes)
    if code:
        return code, 0.95, f"means not recorded: the standard's {code}"
    return BLANK, NOT_RECORDED_CONFIDENCE, "not recorded: left blank"


def not_recorded_code(codes: tuple[str, ...]) -> str:
    """The code a not-recorded label takes in a column: its own unknown code, else blank."""
    return next((c for c in NOT_RECORDED_CODES if c in codes), BLANK)


def _unqualified(value: str) -> tuple[str, str] | None:
    """(the label without its qualifier, the qualifier) for 'Opiates (non-heroin)', 'Cocaine - not
    crack', 'Opioids other than heroin'; None for a label without one."""
    m = _QUALIFIED.match(value.strip())
    if m is None or not fold(m.group("head")):
        return None
    return m.group("head").strip(), m.group("qualifier").strip(" -,;:/")


def guess_code(value: str, column: Column, rows: int = 1) -> CodeGuess:
    """The standard code ``value`` most likely means in ``column`` (a code or yes/no column)."""
    code, confidence, how = _guess(value, column.name, column.type, codes_of(column))
    if code in CATCH_ALL and confidence < CATCH_ALL_FLOOR:
        code, confidence, how = None, 0.0, f"{how}; '{code}' would be only a guess"
    low = value.strip().lower()
    if column.name in WELLBEING_LABELS:  # text the wellbeing reader matches by case alone
        as_is = low in codes_of(column)
    else:
        as_is = norm_name(value) in codes_of(column) or (
            column.type == "bool" and low in BOOL_TRUE | BOOL_FALSE
        )
    return CodeGuess(value=value, rows=rows, code=code, confidence=confidence, how=how, as_is=as_is)


@lru_cache(maxsize=65536)
def _guess(
    value: str, column_name: str, column_type: str, codes: tuple[str, ...]
) -> tuple[str | None, float, str]:
    low = value.strip().lower()
    if column_type == "bool" and (low in BOOL_TRUE or low in BOOL_FALSE):
        return ("yes" if low in BOOL_TRUE else "no"), 1.0, "read as yes/no as it is"
    if column_type == "bool" and low in TICK_MARKS:
        return "yes", 0.9, "a tick mark"
    if norm_name(value) in codes:
        if column_name in WELLBEING_LABELS:
            return norm_name(value), 1.0, f"the built-in {column_name} {norm_name(value)}"
        return norm_name(value), 1.0, "the standard code"
    if column_name == "ethnicity":
        found = _ethnicity_code(value, codes)
        if found is not None:
            return found
    if value.strip() in _NOT_APPLICABLE or low in _NOT_APPLICABLE_ANY_CASE:
        return _not_recorded_guess(codes)  # before folding turns 'N/A' into 'n' (no)
    folded = fold(value)
    if column_name == "measure":  # 'SURE total', 'TOP psychological health': the instrument set aside
        folded = " ".join(w for w in folded.split() if w not in INSTRUMENT_WORDS) or folded
    phrases = _phrases(column_name, column_type, codes)
    for p in phrases:
        if folded == p.folded and p.own:
            return p.code, 1.0, "the standard code, written differently"
    exact = {p.code for p in phrases if folded == p.folded}
    if exact:
        p = next(p for p in phrases if p.folded == folded)
        if len(exact) == 1:
            if p.note:
                return p.code, JUDGEMENT, p.note
            return p.code, 0.95, f"a usual label for {p.code}"
        return p.code, 0.5, f"a usual label for {' or '.join(sorted(exact))}"
    if column_name in ORDERED_CODES and folded in RAG_WORDS:
        found = _rag(folded, ORDERED_CODES[column_name])
        if found is not None:
            return found
    if column_name in LEAVE_OUT_COLUMNS:
        found = _leave_out(folded) or (_not_a_meeting(value) if column_name == MODE else None)
        found = found or (message_status_guess(value) if column_name == "attended" else None)
        if found is not None:
            return found
    if means_not_recorded(value):
        return _not_recorded_guess(codes)
    qualified = _unqualified(value)
    if qualified is not None:
        head, qualifier = qualified
        code, confidence, how = _guess(head, column_name, column_type, codes)
        if code:
            return code, round(QUALIFIED * confidence, 2), f"'{head}' with '{qualifier}' set aside: {how}"
    found = _by_words(folded, phrases, CODE_PRECEDENCE.get(column_name, ()))
    if found is None and column_name == MODE and (said := meeting_without_mode(value)):
        how = f"'{said}' names a meeting but not how it was held: its mode left blank (not recorded)"
        found = BLANK, MODE_UNSAID, how
    return found or _by_similarity(folded, phrases) or (None, 0.0, "like none of the codes")


def _rag(colour: str, levels: tuple[str, ...]) -> tuple[str, float, str] | None:
    """A RAG rating on a scale's levels (best first): green the best, red the worst, amber the
    middle one (none when the scale has no single middle level)."""
    if colour == "green":
        code, where = levels[0], "the best level"
    elif colour == "red":
        code, where = levels[-1], "the worst level"
    elif len(levels) % 2:
        code, where = levels[len(levels) // 2], "the middle level"
    else:
        return None
    how = (
        f"a RAG rating: {colour} read as {where} of {', '.join(levels)} ({code}); check the rating means this"
    )
    return code, RAG_CONFIDENCE, how


@cache
def _leave_out_phrases() -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(fold(p).split()) for p in LEAVE_OUT_NAMES.split("|") if fold(p))


def _leave_out(folded: str) -> tuple[str, float, str] | None:
    """A label saying the row is no event that took place ('Booked', 'Case note (no contact)',
    'Admin'): leave_out, to check; the longest phrase found is named."""
    words = folded.split()
    found = [p for p in _leave_out_phrases() if _within(list(p), words, exact=True)]
    if not found:
        return None
    phrase = " ".join(max(found, key=len))
    how = (
        f"words of '{phrase}': not an event that took place (a booking not yet due, a note); the row is "
        "left out, counted apart from rows used and rejected"
    )
    return LEAVE_OUT, LEAVE_OUT_CONFIDENCE, how


def _not_a_meeting(value: str) -> tuple[str, float, str] | None:
    """A meeting's contact type naming an employer contact or a note ('Employer visit', 'Task'):
    leave_out, as sure as propose_kinds reads it; None for a label naming a meeting."""
    kind = record_kind(value)
    if kind.kind == MEETINGS:
        return None
    what = "an employer contact" if kind.kind == EMPLOYER_CONTACTS else "no contact"
    how = f"{kind.how}: {what}, not a client meeting; the row is left out, counted apart"
    return LEAVE_OUT, kind.confidence, how


def codes_named(label: str, column: Column) -> set[str]:
    """The codes of ``column`` that some usual label of theirs names inside ``label`` (every word of
    the phrase there): 'White and Black Caribbean' names white and black."""
    words = fold(label).split()
    phrases = _phrases(column.name, column.type, codes_of(column))
    return {p.code for p in phrases if p.folded and _within(p.folded.split(), words, exact=True)}


def _ethnicity_code(value: str, codes: tuple[str, ...]) -> tuple[str, float, str] | None:
    """A UK census or NHS ethnicity code of two or more letters (WBRI, APKN, MWBC, NSTA)."""
    key = value.strip().upper()
    if key in ETHNICITY_CODES and ETHNICITY_CODES[key][0] in codes:
        code, meaning = ETHNICITY_CODES[key]
        return code, ETHNICITY_CODE_CONFIDENCE, f"the census ethnicity code {key}: {meaning}"
    if key in ETHNICITY_JUDGED and ETHNICITY_JUDGED[key][0] in codes:
        code, note = ETHNICITY_JUDGED[key]
        return code, JUDGEMENT, note
    return None


def tick_column(top: tuple[tuple[str, int], ...] | list[tuple[str, int]]) -> bool:
    """Whether a column's only value is a tick mark (✓, x, Y, TRUE): a box ticked or left blank."""
    return len(top) == 1 and top[0][0].strip().lower() in TICK_MARKS


def blank_as_no(blanks: int) -> CodeGuess:
    """The blank cells of a tick column, proposed as no (to check: an unticked box may mean unknown)."""
    how = "blank read as no: check the form treats an unticked box as no"
    return CodeGuess(value=BLANK, rows=blanks, code="no", confidence=0.6, how=how)


def guess_codes(values: list[tuple[str, int]], column: Column) -> list[CodeGuess]:
    """:func:`guess_code` for every distinct (value, rows) of one column, read together: a column
    of ethnicity letters is read in the letter scheme they all belong to (the NHS ethnic category,
    A British to Z not stated, or the initials W, M, A, B, O), when most of its cells are single
    letters; any other value, or a column that is not so, is guessed on its own."""
    scheme = _letter_scheme(values) if column.name == "ethnicity" else None
    out = []
    for value, rows in values:
        g = guess_code(value, column, rows)
        letter = value.strip().upper()
        if scheme is not None and letter in scheme[0] and scheme[0][letter][0] in codes_of(column):
            letters, confidence, name = scheme
            code, meaning = letters[letter]
            if name == "NHS" and letter in ETHNICITY_NHS_JUDGED:
                confidence = JUDGEMENT
            if name == "NHS":
                how = f"NHS ethnic category {letter}: {meaning} (the column's letters are all NHS codes)"
            else:
                how = f"the initial of {meaning} (the column's letters are all initials of ethnic groups)"
            g = CodeGuess(value=value, rows=rows, code=code, confidence=confidence, how=how, as_is=g.as_is)
        out.append(g)
    return out


def _letter_scheme(values: list[tuple[str, int]]) -> tuple[dict[str, tuple[str, str]], float, str] | None:
    """The single-letter ethnicity scheme a column's values are written in, if most of its cells are
    single letters A-Z and every such letter is one scheme's."""
    cells = sum(rows for _, rows in values)
    single = {v.strip().upper(): rows for v, rows in values if re.fullmatch(r"[A-Za-z]", v.strip())}
    if not cells or sum(single.values()) * 2 <= cells:
        return None
    letters = set(single)
    if letters & {"W", "O"} and letters <= set(ETHNICITY_INITIALS):
        return ETHNICITY_INITIALS, ETHNICITY_INITIALS_CONFIDENCE, "initial"
    if letters <= set(ETHNICITY_NHS_LETTERS):
        return ETHNICITY_NHS_LETTERS, ETHNICITY_NHS_CONFIDENCE, "NHS"
    return None


PRECEDENCE_SURE = 0.7  # a label naming two codes read as the one that takes precedence: to check


def _by_words(
    folded: str, phrases: tuple[Phrase, ...], precedence: tuple[str, ...] = ()
) -> tuple[str, float, str] | None:
    """Every word of a phrase in the label, or every word of the label in a phrase (whole words,
    else abbreviated: 'alc' for alcohol); the longest such phrase wins. A label naming two codes is
    the one that comes first in ``precedence`` (heroin and crack: opiates), to check."""
    words = folded.split()
    if not words:
        return None
    for exact, confidence in ((True, 0.85), (False, 0.7)):
        found: list[tuple[int, str, str]] = []
        for p in phrases:
            pw = p.folded.split()
            if _negated(words) != _negated(pw) or (len(p.folded) == 1 and len(words) > 1):
                continue  # a lone '1' or 'y' means yes on its own, not as a word of 'Part (1 day/wk)'

            if _within(pw, words, exact) or _within(words, pw, exact):
                found.append((len(pw), p.code, p.text, p.note))
        if any(not note for *_, note in found):  # a plain label beats one that fits only as a judgement
            found = [f for f in found if not f[3]]
        if found:
            notes = {c: note for _, c, _, note in found}
            found = [(n, c, t) for n, c, t, _ in found]
            longest = max(n for n, _, _ in found)
            codes = sorted({c for n, c, _ in found if n == longest})
            phrase = min((p for n, c, p in found if c == codes[0]), key=len)
            how = f"words of '{phrase}'" if exact else f"abbreviates '{phrase}'"
            if len(codes) > 1 and any(c in precedence for c in codes):
                first = min((c for c in codes if c in precedence), key=precedence.index)
                also = ", ".join(c for c in codes if c != first)
                return (
                    first,
                    PRECEDENCE_SURE,
                    f"{how}, and of {also}: {first} comes first (as NDTMS counts them)",
                )
            if len(codes) > 1:
                return codes[0], 0.5, f"{how}, but also {', '.join(codes[1:])}"
            if notes[codes[0]]:
                return codes[0], min(confidence, JUDGEMENT), f"{how}: {notes[codes[0]]}"
            return codes[0], confidence, how
    return None


def _within(part: list[str], whole: list[str], exact: bool) -> bool:
    """Every word of ``part`` matches a word of ``whole`` (exactly, or as its first 3+ letters)."""
    if exact:
        return set(part) <= set(whole)
    return all(any(w.startswith(p) and len(p) >= 3 for w in whole) for p in part)


def _negated(words: list[str]) -> bool:
    return any(w in _NEGATIONS for w in words)


@lru_cache(maxsize=1 << 16)
def _ratio(a: str, b: str) -> float:
    # a pair that cannot reach the floor (less the runner-up margin) cannot change the guess
    if ratio_bound(a, b) < FUZZY_FLOOR - 0.05:
        return 0.0
    return SequenceMatcher(None, a, b).ratio()


# cached: an export repeats the same labels across columns and sheets (difflib was 90% of `map`)
@lru_cache(maxsize=1 << 14)
def _by_similarity(folded: str, phrases: tuple[Phrase, ...]) -> tuple[str, float, str] | None:
    scored = sorted(((_ratio(folded, p.folded), p.code, p.text) for p in phrases), reverse=True)
    if not scored or scored[0][0] < FUZZY_FLOOR:
        return None
    ratio, code, phrase = scored[0]
    runner_up = next((r for r, c, _ in scored if c != code), 0.0)
    confidence = 0.75 * ratio - (0.15 if ratio - runner_up < 0.05 else 0.0)
    return code, round(confidence, 2), f"similar to '{phrase}' ({ratio:.0%})"
