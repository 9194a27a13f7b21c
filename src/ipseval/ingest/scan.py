"""One streaming pass over a CSV file's bytes, before it is parsed: limits, and what needs checking.

Parsing a broken file can take minutes and gigabytes (a file with no line breaks is one huge
line), so the line limit is checked here first, a 4 MB block at a time. The same pass counts what
later checks need, at C speed (numpy and bytes methods; no Python loop per line or per byte):
bytes below 32 (less the line feeds, one per row when nothing is quoted: control characters),
and whether any cell could hold padding, a line break or an Excel error value, so clean files
skip those checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ipseval.ingest import InputError

CHUNK = 1 << 22
# Bytes other than a space that may make a cell start or end with whitespace, or be blank text "".
_PADDING = (b"\t", b"\x0b", b"\x0c", b'"')


@dataclass
class ByteScan:
    """What the bytes below the header line hold."""

    ascii: bool = True
    padding: bool = False  # a tab, vertical tab, form feed or double quote
    spaces: bool = False
    quotes: bool = False
    stray_cr: bool = False  # a carriage return that does not end a line
    hashes: bool = False  # a "#", as Excel error values start
    below_space: int = 0  # bytes below 32: line feeds, and tabs, returns and controls if any
    tabs_and_returns: int = 0
    deletes: int = 0
    ends_with_line_feed: bool = True
    cell_limit_reached: bool = False  # some line is longer than the longest cell allowed
    counted_line_feeds: int | None = None  # counted in a second pass, only for a file with quotes
    title_lines: int = 0  # lines above the header (titles), not part of the table

    def line_breaks_in_cells(self, path: Path, rows: int) -> bool:
        """Whether some cell holds a line break: the file has more lines than the parser found rows.
        Only a quoted cell can hold one, so line feeds are counted (once more) only when quotes occur."""
        return self.quotes and self.line_feeds(path, rows) + (0 if self.ends_with_line_feed else 1) != rows

    def controls(self, path: Path, rows: int) -> int:
        """Control bytes other than tab, line feed and carriage return, below the header."""
        return self.below_space - self.line_feeds(path, rows) - self.tabs_and_returns + self.deletes

    def line_feeds(self, path: Path, rows: int) -> int:
        """Line feeds below the header. Without quotes each ends one of the parser's ``rows``, so they
        need no counting (counting them in the scan would cost as much again)."""
        if not self.quotes:
            return rows - (0 if self.ends_with_line_feed else 1)
        if self.counted_line_feeds is None:
            self.counted_line_feeds = count_below_header(path, ord("\n"), self.title_lines)
        return self.counted_line_feeds


def skip_lines(chunk: bytes, lines: int) -> tuple[int, int]:
    """(offset after the first ``lines`` line feeds of ``chunk``, or after its last one; how many of
    the ``lines`` are still to come after the chunk)."""
    start = 0
    while lines:
        nl = chunk.find(b"\n", start)
        if nl < 0:
            return len(chunk), lines
        start, lines = nl + 1, lines - 1
    return start, 0


def count_below_header(path: Path, byte: int, title_lines: int = 0) -> int:
    """How often ``byte`` occurs below the header line, which follows ``title_lines`` lines (a second
    pass, only when a check needs it)."""
    total, to_skip = 0, title_lines + 1
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            if to_skip:
                start, to_skip = skip_lines(chunk, to_skip)
                chunk = chunk[start:]
            total += int(np.count_nonzero(np.frombuffer(chunk, dtype=np.uint8) == byte))
    return total


def lines_with_fewer_commas(
    path: Path, commas: int, separator: int = ord(","), title_lines: int = 0
) -> list[tuple[int, int]]:
    """(line number, cells) of each line below the header with fewer than ``commas`` separators
    (commas, or the ``separator`` byte), in a file where no quotes hide a separator or a line break
    (so one line is one row); ``title_lines`` lines stand above the header. Line feeds and commas
    are found by numpy and each comma assigned to its line by a binary search: seconds for a file of
    millions of lines, where the csv module would take a minute."""
    found: list[tuple[int, int]] = []
    carry, line, to_skip = b"", 2 + title_lines, title_lines + 1
    with path.open("rb") as f:
        while True:
            chunk = f.read(CHUNK)
            data = carry + chunk
            cut = data.rfind(b"\n") + 1 if chunk else len(data)
            block, carry = data[:cut], data[cut:]
            if to_skip and block:
                start, to_skip = skip_lines(block, to_skip)
                block = block[start:]
            if block:
                a = np.frombuffer(block, dtype=np.uint8)
                ends = np.flatnonzero(a == 10)
                if not block.endswith(b"\n"):  # the last line, with no line feed after it
                    ends = np.append(ends, len(block))
                per_line = np.bincount(
                    np.searchsorted(ends, np.flatnonzero(a == separator)), minlength=len(ends)
                )
                short = np.flatnonzero(per_line[: len(ends)] < commas)
                found += [(line + int(i), int(per_line[i]) + 1) for i in short]
                line += len(ends)
            if not chunk:
                return found


class _LongLines:
    """Finds the first line longer than ``limit`` bytes with one ``rfind`` per ``limit`` bytes: the
    last line feed in each window of ``limit`` bytes after the previous one (none means a long line)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.last = -1  # offset of the last line feed seen

    def over(self, chunk: bytes, base: int) -> int | None:
        """The offset where a line longer than the limit starts, if one is in this chunk."""
        p = self.last - base
        while p + self.limit + 2 <= len(chunk):
            q = chunk.rfind(b"\n", max(p + 1, 0), p + self.limit + 2)
            if q < 0:
                return base + p + 1
            p = q
        q = chunk.rfind(b"\n")
        if q >= 0:
            self.last = base + q
        return None

    def over_at_end(self, size: int) -> int | None:
        return self.last + 1 if size - (self.last + 1) > self.limit else None


def scan_csv(
    path: Path, name: str, max_line_kb: int, max_cell_chars: int, title_lines: int = 0, lines_before: int = 0
) -> ByteScan:
    """Stream ``path`` once; InputError naming the line if one is longer than ``max_line_kb``. The
    header follows ``title_lines`` lines, which are not counted. ``path`` may be a part of a bigger
    file (ingest.parts) whose line 2 is the file's line ``lines_before`` + 1: lines are then named
    as in the file."""
    scan = ByteScan(title_lines=title_lines)
    to_skip = title_lines + 1
    line_limit = _LongLines(max_line_kb * 1024)
    # A cell of n characters takes at least n bytes: no line over n bytes, no cell over n characters
    # (unless a quoted cell spans lines, which validate then checks cell by cell).
    cell_limit = _LongLines(max_cell_chars)
    base, header_end, last = 0, -1, b""
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            start = line_limit.over(chunk, base)
            if start is not None:
                raise _long_line(f, name, start, max_line_kb, lines_before)
            if not scan.cell_limit_reached and cell_limit.over(chunk, base) is not None:
                scan.cell_limit_reached = True
            if to_skip:
                start, to_skip = skip_lines(chunk, to_skip)
                if to_skip:
                    base += len(chunk)
                    continue
                header_end = base + start - 1
                body = chunk[start:]
            else:
                body = chunk
            _count(body, scan)
            last = chunk[-1:]
            base += len(chunk)
    start = line_limit.over_at_end(base)
    if start is not None:
        with path.open("rb") as f:
            raise _long_line(f, name, start, max_line_kb, lines_before)
    if not scan.cell_limit_reached and cell_limit.over_at_end(base) is not None:
        scan.cell_limit_reached = True
    scan.ends_with_line_feed = last == b"\n" or header_end < 0 or base == header_end + 1
    return scan


def _count(body: bytes, scan: ByteScan) -> None:
    """One numpy comparison per block, and memchr-fast searches for bytes that are usually absent."""
    if not body:
        return
    a = np.frombuffer(body, dtype=np.uint8)
    scan.below_space += int(np.count_nonzero(a < 32))
    if b"\t" in body:
        scan.tabs_and_returns += int(np.count_nonzero(a == 9))
    if b"\r" in body:
        returns = a == 13
        scan.tabs_and_returns += int(np.count_nonzero(returns))
        # also when a block ends between \r and \n: checking the cells is then merely unneeded
        scan.stray_cr = scan.stray_cr or bool(np.count_nonzero(returns[:-1] & (a[1:] != 10)) or returns[-1])
    if b"\x7f" in body:
        scan.deletes += int(np.count_nonzero(a == 127))
    scan.ascii = scan.ascii and body.isascii()
    scan.quotes = scan.quotes or b'"' in body
    scan.padding = scan.padding or any(b in body for b in _PADDING)
    scan.spaces = scan.spaces or b" " in body
    scan.hashes = scan.hashes or b"#" in body


def _long_line(f: BinaryIO, name: str, start: int, max_line_kb: int, lines_before: int = 0) -> InputError:
    """The error for a line starting at byte ``start`` that is longer than the limit (its line number
    is counted now: only this once, not on every file). In a part after the first (a copied header,
    then the file's lines from ``lines_before`` + 1) the header is not one of the file's lines there."""
    f.seek(0)
    line, done = 1, 0
    while done < start:
        block = f.read(min(CHUNK, start - done))
        if not block:
            break
        line += block.count(b"\n")
        done += len(block)
    if lines_before:
        line += lines_before - 1
    return InputError(
        f"{name}: line {line:,} is longer than {max_line_kb:,} KB, the longest line allowed (input."
        f"max_line_kb); so long a line usually means the file is not a table with one row per line "
        "(or its lines end in a way ipseval does not recognise); raise the limit in the settings if "
        "such lines are genuine"
    )
