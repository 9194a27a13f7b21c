"""Notes said alike of many files, said once: an export of ten bar-separated files gets one note
naming the ten, not ten notes that differ only in the file's name."""

from __future__ import annotations

SHOWN = 4  # file names shown in a shared note; the rest are counted


SHEET = " › "  # between a workbook's name and its sheet's (as ingest.excel names a sheet)


def files_text(files: list[str]) -> str:
    """Files named for a note: 'a.txt', 'a.txt and b.txt', or '10 files: a.txt, b.txt, … and 6 more';
    sheets of one workbook as '5 sheets of book.xlsx: clients, jobs, … and 1 more'."""
    names = list(dict.fromkeys(files))
    books = {n.split(SHEET, 1)[0] for n in names if SHEET in n}
    if len(names) > 1 and len(books) == 1 and all(SHEET in n for n in names):
        sheets = [n.split(SHEET, 1)[1] for n in names]
        return f"{len(names)} sheets of {books.pop()}: {_listed(sheets)}"
    if len(names) <= 2:
        return " and ".join(names)
    return f"{len(names)} files: {_listed(names)}"


def _listed(names: list[str]) -> str:
    if len(names) <= SHOWN:
        return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)
    return ", ".join(names[:SHOWN]) + f" and {len(names) - SHOWN} more"


def shared_notes(notes: list[tuple[str, str]]) -> list[str]:
    """``(file, note)`` pairs as lines, each note once with every file it is said of, in the
    order first said: "'a.txt', 'b.txt': the columns are separated by ..."."""
    by_note: dict[str, list[str]] = {}
    for file, note in notes:
        by_note.setdefault(note, []).append(file)
    out = []
    for note, files in by_note.items():
        quoted = [f"'{f}'" for f in dict.fromkeys(files)]
        out.append(f"{files_text(quoted)}: {note}")
    return out
