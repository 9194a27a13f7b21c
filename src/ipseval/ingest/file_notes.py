"""Notes said alike of many files, said once: an export of ten bar-separated files gets one note
naming the ten, not ten notes that differ only in the file's name."""

from __future__ import annotations

SHOWN = 4  # file names shown in a shared note; the rest are counted


def files_text(files: list[str]) -> str:
    """Files named for a note: 'a.txt', 'a.txt and b.txt', or '10 files: a.txt, b.txt, … and 6 more'."""
    names = list(dict.fromkeys(files))
    if len(names) <= 2:
        return " and ".join(names)
    shown = ", ".join(names[:SHOWN])
    more = f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
    return f"{len(names)} files: {shown}{more}"


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
