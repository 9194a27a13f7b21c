"""Text messages and reminders logged among a client's meetings, for the mapping assistant.

A contacts report lists the texts and reminders sent to clients beside their appointments: 'Contact
Type' says 'Text Message', and the outcome column, which says 'Attended' or 'DNA' of a meeting,
says 'Sent' or 'Delivered' of a message. Such a status is no attendance: read as yes (a fuzzy
likeness of 'Sent' and 'Seen') it would count every reminder as a meeting held. So:

- an attendance label that is a message's status ('Sent', 'Delivered', 'Read', 'Failed',
  'SMS sent') is proposed as leave_out, to check;
- in a table whose attendance column holds such a status, the mode labels naming a message ('Text
  Message', 'SMS', 'WhatsApp message') are proposed as leave_out too, to check: those rows are
  messages, not meetings. Where no status says so, a contact by text stays a meeting whose mode is
  other (a service may count a text conversation as contact).
"""

from __future__ import annotations

import re
from dataclasses import replace

from ipseval.ingest.mapping import LEAVE_OUT

MESSAGE_SURE = 0.6  # always to check: a person knows what their service logs
# Words of a message's status; and words that may stand beside them ('SMS sent', 'Not delivered').
_STATUSES = "sent delivered undelivered read unread failed bounced queued opened received replied"
STATUS_WORDS = frozenset(_STATUSES.split())
_BESIDE = (
    "text sms txt email e mail message msg reminder letter notification whatsapp not successfully "
    "success auto automated automatic to client by"
)
_BESIDE_STATUS = frozenset(_BESIDE.split())
# Words of a mode label naming a message; a label naming a call or video too is a meeting.
MESSAGE_WORDS = frozenset(["text", "sms", "txt", "message", "msg", "reminder", "notification"])
_SPOKEN_WORDS = frozenset(["call", "video", "phone", "telephone", "face", "person", "visit"])


def _words(label: str) -> list[str]:
    return re.sub(r"[^a-z0-9]+", " ", str(label).lower()).split()


def is_message_status(label: str) -> bool:
    """Whether an attendance label is a message's status, not whether a meeting took place."""
    words = _words(label)
    return bool(words) and bool(STATUS_WORDS & set(words)) and set(words) <= STATUS_WORDS | _BESIDE_STATUS


def message_status_guess(label: str) -> tuple[str, float, str] | None:
    """(leave_out, how surely, why) for an attendance label that is a message's status, else None."""
    if not is_message_status(label):
        return None
    how = (
        f"'{label}' is the status of a message (a text, a reminder), not whether a meeting took place: "
        "the row is left out, counted apart"
    )
    return LEAVE_OUT, MESSAGE_SURE, how


def is_message_mode(label: str) -> bool:
    """Whether a mode or type label names a message sent ('Text Message', 'SMS'), not a meeting."""
    words = set(_words(label))
    return bool(words & MESSAGE_WORDS) and not words & _SPOKEN_WORDS


def leave_out_messages(tables: list) -> None:
    """In the meetings proposals (``tables``: TableProposals; a table given in parts has one per
    file, read with one mapping) whose attendance labels include a message's status, each mode
    label naming a message is proposed as leave_out (to check)."""
    meetings = [t for t in tables if t.standard == "meetings"]
    attended = [c for t in meetings for c in t.columns if c.standard == "attended"]
    statuses = list(dict.fromkeys(g.value for c in attended for g in c.codes if is_message_status(g.value)))
    if not statuses:
        return
    said = ", ".join(f"'{v}'" for v in statuses[:3])
    how = (
        f"names a message, and '{attended[0].local}' holds a message's status ({said}): these rows are "
        "messages, not meetings; left out, counted apart"
    )
    for c in (c for t in meetings for c in t.columns if c.standard == "mode"):
        c.codes = [
            replace(g, code=LEAVE_OUT, confidence=MESSAGE_SURE, how=how, as_is=False)
            if is_message_mode(g.value)
            else g
            for g in c.codes
        ]
