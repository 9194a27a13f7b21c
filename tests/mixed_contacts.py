"""A small invented export whose one contacts sheet mixes client meetings, employer contacts and
case notes, told apart only by plain words (no codebook): written as a folder of CSV files or as
one workbook, for the mapping assistant's tests. In one layout a single 'Contact Type' says both
the kind and the mode ('Face to face', 'Employer visit', 'Case note'); in the other an 'Activity
Type' says the kind ('Appointment', 'Employer contact', 'Case note') and a 'Contact Method' the
mode. Nobody in it is real: every row comes from a seeded generator, so the same seed gives the
same rows."""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

# Contact types as a case system writes them, by what the row is.
MEETING_TYPES = ("Face to face", "Telephone", "Video call", "Text message", "Job search session")
EMPLOYER_TYPES = ("Employer visit", "Employer phone call", "Employer email")
NOTE_TYPES = ("Case note", "Admin")
WORKERS = ("Robin Ashcombe", "Sol Marden", "Tamsin Oakley")
EMPLOYERS = ("Larkfield Bakery", "Quayside Hotel", "Brindle Logistics", "Fenwick Garden Centre")
AREAS = ("Northwick", "Eastmoor")
CLIENT_COLUMNS = ("Client Ref", "Local Authority", "Referral Date", "Gender", "Worker")
CONTACT_COLUMNS = ("Client Ref", "Contact Date", "Worker", "Contact Type", "Employer Name")
# The second layout: the kind in one column, the mode in another.
ACTIVITY_COLUMNS = (
    "Client Ref",
    "Contact Date",
    "Worker",
    "Activity Type",
    "Contact Method",
    "Employer Name",
)
KIND_WORDS = {"meetings": "Appointment", "employer": "Employer contact", "notes": "Case note"}
METHODS = {
    "Face to face": "Face to face",
    "Telephone": "Telephone",
    "Video call": "Video call",
    "Text message": "Text message",
    "Job search session": "Face to face",
    "Employer visit": "Face to face",
    "Employer phone call": "Telephone",
    "Employer email": "Email",
}


def clients(n: int = 40, seed: int = 7) -> list[tuple[str, ...]]:
    """One row per client referred, referred in 2022."""
    rng = random.Random(seed)
    return [
        (
            f"MX{k:04d}",
            rng.choice(AREAS),
            (date(2022, 1, 3) + timedelta(days=rng.randrange(300))).strftime("%d/%m/%Y"),
            rng.choice(("Male", "Female")),
            rng.choice(WORKERS),
        )
        for k in range(1, n + 1)
    ]


def contacts(caseload: list[tuple[str, ...]], seed: int = 11) -> list[tuple[str, ...]]:
    """Six client meetings, one case note and one admin entry per client (dated after the
    referral), and employer contacts, half of them made for a client (carrying the client's ref,
    so nothing but their type says they are no meeting); shuffled as a log would be."""
    rng = random.Random(seed)
    rows = []
    for ref, _, referred, _, worker in caseload:
        start = date(int(referred[6:]), int(referred[3:5]), int(referred[:2]))
        kinds = [rng.choice(MEETING_TYPES) for _ in range(6)] + list(NOTE_TYPES)
        for kind in kinds:
            day = start + timedelta(days=rng.randrange(1, 300))
            rows.append((ref, day.strftime("%d/%m/%Y"), worker, kind, ""))
    for k, (ref, _, referred, _, worker) in enumerate(caseload):
        start = date(int(referred[6:]), int(referred[3:5]), int(referred[:2]))
        day = start + timedelta(days=rng.randrange(1, 300))
        kind = rng.choice(EMPLOYER_TYPES)
        rows.append((ref if k % 2 else "", day.strftime("%d/%m/%Y"), worker, kind, rng.choice(EMPLOYERS)))
    rng.shuffle(rows)
    return rows


def counts(rows: list[tuple[str, ...]]) -> dict[str, int]:
    """Rows of each kind: meetings, employer contacts, notes."""
    out = {"meetings": 0, "employer": 0, "notes": 0}
    for r in rows:
        out[_kind(r[3])] += 1
    return out


def _kind(contact_type: str) -> str:
    return (
        "meetings"
        if contact_type in MEETING_TYPES
        else "employer"
        if contact_type in EMPLOYER_TYPES
        else "notes"
    )


def two_columns(rows: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """The same contacts in the second layout: the kind and the mode in columns of their own (a
    note has no mode)."""
    return [(r, d, w, KIND_WORDS[_kind(t)], METHODS.get(t, ""), e) for r, d, w, t, e in rows]


def _sheets(layout: str) -> tuple[list, dict[str, int]]:
    """(name, header, rows) of each sheet in ``layout`` ('one column' or 'two columns'), and the
    contacts' rows of each kind."""
    caseload = clients()
    log = contacts(caseload)
    header, rows = (CONTACT_COLUMNS, log) if layout == "one column" else (ACTIVITY_COLUMNS, two_columns(log))
    return [("Caseload", CLIENT_COLUMNS, caseload), ("Contacts log", header, rows)], counts(log)


def write_folder(folder: Path, layout: str = "one column") -> dict[str, int]:
    """The export as a folder of CSV files; the rows of each kind in its contacts file."""
    folder.mkdir(parents=True, exist_ok=True)
    sheets, kinds = _sheets(layout)
    for name, header, rows in sheets:
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([header, *rows])
    return kinds


def write_workbook(path: Path, layout: str = "one column") -> dict[str, int]:
    """The export as one workbook with a sheet each; the rows of each kind in its contacts sheet."""
    import openpyxl

    sheets, kinds = _sheets(layout)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, header, rows in sheets:
        ws = wb.create_sheet(title)
        for r in (header, *rows):
            ws.append(list(r))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return kinds
