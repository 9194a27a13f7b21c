"""A big event file read in parts, so reading it never holds all its text at once.

A million clients' meetings are a gigabyte of CSV: 25 million rows. Read whole, their cells as text
take three to four times the file's size in memory, and every later step holds a copy. Read in
parts of about :data:`PART_BYTES`, each part is read and tidied by the usual reader (the same
checks, the same problems, rows keeping the numbers they have in the file), then kept with each
column as a categorical: each distinct text once, and four bytes per cell. Validation then reads
each column as text in turn (see ``validate``), so the peak is one column, not the table.

A part ends at a line end outside double quotes (the number of quotes before it is even), so a
value with a line break inside quotes is never cut in two. Every part after the first is written
to a temporary file with the header line in front, and read as a file of its own.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

PART_BYTES = 256 << 20  # ~25 seconds of work and ~1 GB of polars' reading memory per part
_BLOCK = 1 << 24
_QUOTE, _LF = 34, 10


@dataclass(frozen=True)
class Place:
    """Where a part's rows stand in the whole file: ``rows`` rows and ``lines`` physical lines
    come before its own first row and line (both 0 for a whole file or its first part)."""

    rows: int = 0
    lines: int = 0


@dataclass(frozen=True)
class Part:
    """Bytes [start, end) of a file: whole records. ``records_before``: records (rows, blank ones
    included) between the header and ``start``; ``lines_before``: physical lines above ``start``."""

    start: int
    end: int
    records_before: int
    lines_before: int


def data_start(path: Path, lines: int) -> int:
    """The byte offset after the first ``lines`` lines of ``path`` (title lines and the header)."""
    with path.open("rb") as f:
        for _ in range(lines):
            if not f.readline():
                break
        return f.tell()


def plan(path: Path, start: int, lines_before: int, target: int = PART_BYTES) -> list[Part]:
    """The parts of ``path``'s rows from byte ``start`` on, each about ``target`` bytes; one part
    when the file is smaller. Quotes and line feeds are found by numpy, 16 MB at a time."""
    size = path.stat().st_size
    parts: list[Part] = []
    part_start, records, lines = start, 0, lines_before  # where the current part starts
    seen_records, seen_lines, odd, at = 0, lines_before, 0, start  # counted before the block at ``at``
    with path.open("rb") as f:
        f.seek(start)
        while size - part_start > target and (block := f.read(_BLOCK)):
            a = np.frombuffer(block, dtype=np.uint8)
            found = np.flatnonzero(a == _LF)
            feeds = found + (at + 1)  # offsets just after each line feed
            quotes = np.flatnonzero(a == _QUOTE) if b'"' in block else np.empty(0, dtype=np.int64)
            # a line feed ends a record when an even number of quotes stands before it
            ends = feeds[((np.searchsorted(quotes, found) + odd) & 1) == 0] if len(quotes) or odd else feeds
            for cut in _cuts(ends, part_start, target):
                parts.append(Part(part_start, cut, records, lines))
                records = seen_records + int(np.searchsorted(ends, cut, side="right"))
                lines = seen_lines + int(np.searchsorted(feeds, cut, side="right"))
                part_start = cut
            seen_records, seen_lines = seen_records + len(ends), seen_lines + len(feeds)
            odd, at = (odd + len(quotes)) & 1, at + len(block)
    parts.append(Part(part_start, size, records, lines))
    return parts


def _cuts(ends: np.ndarray, part_start: int, target: int) -> list[int]:
    """Cut points among the record ends ``ends`` (offsets just after a line feed, ascending): the
    first end at least ``target`` bytes after the previous cut, again and again."""
    cuts: list[int] = []
    begin = part_start
    while (i := int(np.searchsorted(ends, begin + target))) < len(ends):
        begin = int(ends[i])
        cuts.append(begin)
    return cuts


def part_files(path: Path, parts: list[Part], header: bytes) -> Iterator[tuple[Part, Path]]:
    """Each part as a temporary file, one at a time (removed once the next is asked for): the first
    with the file's own title lines and header, the others with ``header`` (the header line) in
    front."""
    with tempfile.TemporaryDirectory(prefix="ipseval-parts-") as tmp, path.open("rb") as src:
        for k, part in enumerate(parts):
            dest = Path(tmp) / f"part-{k}{path.suffix}"
            if k == 0:
                _copy(src, 0, part.end, dest, b"")
            else:
                _copy(src, part.start, part.end, dest, header)
            yield part, dest
            dest.unlink()


def _copy(src, start: int, end: int, dest: Path, header: bytes) -> None:
    src.seek(start)
    with dest.open("wb") as out:
        out.write(header)
        left = end - start
        while left > 0 and (block := src.read(min(left, _BLOCK))):
            out.write(block)
            left -= len(block)


def as_categorical(df: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """``columns`` of a part's text as categoricals (each distinct text stored once)."""
    return df.with_columns(pl.col(columns).cast(pl.Categorical))
