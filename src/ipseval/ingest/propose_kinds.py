"""What kind of record a contact log's plain-word type label names: a meeting with the client, a
contact with an employer, or no contact at all (a note, an admin task), for the mapping assistant.

A case system's activity or contacts sheet often holds all three, told apart by one 'Contact Type'
written in words ('Face to face', 'Employer visit', 'Case note') and explained by no codebook. Read
as meeting modes, 'Employer visit' would count as a face-to-face meeting with a client; so each
label is read here by its words: naming a note or an admin task, it is no record of either table;
naming an employer (or a business, a vacancy), an employer contact; anything else, a meeting.
Labels whose words leave room for doubt ('Business visit': an employer, or a client's own
business?) are read less surely, so the proposal marks them to check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MEETINGS, EMPLOYER_CONTACTS, NO_RECORD = "meetings", "employer_contacts", ""
SURE_KIND = 0.7  # a row filter is always checked (propose_filters.FILTER_SURE): surer, still CHECK
UNSURE_KIND = 0.5  # words that leave room for doubt
MODE_UNSAID = 0.6  # a meeting's label naming no mode: the mode left blank, to check

# Phrases of plain words, singular, as _words writes a label (lower case, punctuation as spaces).
NO_RECORD_WORDS = (
    *("case note", "note", "file note", "admin", "administration", "task", "to do", "to self"),
    *("file review", "reminder", "team meeting", "mdt", "supervision", "record only", "data entry"),
    *("paperwork",),
)
NO_RECORD_UNSURE = ("attempted", "attempt", "no answer", "voicemail", "left message", "message left")
EMPLOYER_WORDS = ("employer", "job development", "job developing", "reverse marketing")
EMPLOYER_UNSURE = ("business", "company", "vacancy", "recruiter", "recruitment", "hiring")
# An employer named as the place a meeting was held ('Face to face - Employer premises'): read as
# a meeting there (in-work support), less surely.
EMPLOYER_PLACES = ("employer premises", "employer site", "employer workplace", "at employer")
# A client beside an employer ('Employer visit with client'): an employer contact, less surely.
CLIENT_WORDS = ("client", "participant", "customer", "service user", "candidate", "patient")
# Words naming a meeting with the client, though not how it was held.
MEETING_WORDS = (
    *("appointment", "appt", "session", "meeting", "1 1", "one to one", "121", "review", "support"),
    *("catch up", "check in", "interview", "vocational profile", "drop in", "induction", "contact"),
)
# Words naming how a meeting was held (propose_vocab's mode labels say which mode).
MODE_WORDS = (
    *("face to face", "f2f", "in person", "visit", "outreach", "phone", "telephone", "tel", "call"),
    *("video", "teams", "zoom", "online", "virtual", "text", "sms", "email", "e mail", "letter"),
    *("whatsapp", "message", "seen"),
)


@dataclass(frozen=True)
class KindGuess:
    """The kind of record one label names, how surely, and why in plain words."""

    kind: str  # MEETINGS, EMPLOYER_CONTACTS, or NO_RECORD ("")
    confidence: float
    how: str


def _words(label: str) -> str:
    """' face to face ': lower case, '&' as and, punctuation as spaces (a possessive's 's' dropped),
    plurals singular, padded."""
    raw = re.sub(r"[^a-z0-9]+", " ", str(label).lower().replace("&", " and ")).split()
    out = [_singular(w) for w in raw if w != "s"]
    return f" {' '.join(out)} "


def _singular(word: str) -> str:
    if word.endswith("sses"):  # businesses
        return word[:-2]
    if len(word) <= 3 or not word.endswith("s") or word.endswith("ss") or word in _NOT_PLURAL:
        return word
    return word[:-1]


_NOT_PLURAL = frozenset({"premises", "series", "analysis"})


def _found(words: str, phrases: tuple[str, ...]) -> str | None:
    """The longest of ``phrases`` that ``words`` holds whole, or None."""
    held = [p for p in phrases if f" {p} " in words]
    return max(held, key=len) if held else None


def record_kind(label: str) -> KindGuess:
    """What kind of record ``label`` names (see the module docstring)."""
    words = _words(label)
    note = _found(words, NO_RECORD_WORDS)
    employer = _found(words, EMPLOYER_WORDS) or _found(words, EMPLOYER_UNSURE)
    if note:
        sure = UNSURE_KIND if employer else SURE_KIND
        also = f" (it names '{employer}' too)" if employer else ""
        return KindGuess(NO_RECORD, sure, f"'{note}' names no contact with a client or an employer{also}")
    attempt = _found(words, NO_RECORD_UNSURE)
    if attempt and not employer:
        return KindGuess(NO_RECORD, UNSURE_KIND, f"'{attempt}': a contact tried, not held")
    place = _found(words, EMPLOYER_PLACES)
    if place:
        return KindGuess(
            MEETINGS, UNSURE_KIND, f"'{place}' names where a meeting was held, perhaps with the client"
        )
    if employer:
        client = _found(words, CLIENT_WORDS)
        sure = SURE_KIND if _found(words, EMPLOYER_WORDS) and not client else UNSURE_KIND
        also = f", though it names '{client}' too" if client else ""
        return KindGuess(EMPLOYER_CONTACTS, sure, f"'{employer}' names a contact with an employer{also}")
    said = _found(words, MEETING_WORDS) or _found(words, MODE_WORDS)
    if said:
        return KindGuess(MEETINGS, SURE_KIND, f"'{said}' names a meeting with the client")
    return KindGuess(MEETINGS, UNSURE_KIND, "names no other kind of record: read as a meeting")


def meeting_without_mode(label: str) -> str | None:
    """The words naming a meeting in a label that does not say how it was held ('Job search
    session', 'IPS appointment'); None when it names a mode, or no meeting."""
    words = _words(label)
    if _found(words, MODE_WORDS) or record_kind(label).kind != MEETINGS:
        return None
    return _found(words, MEETING_WORDS)
