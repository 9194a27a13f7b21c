"""One streaming pass over a CSV file's bytes, before it is parsed: limits, and what needs checking.

Parsing a broken file can take minutes and gigabytes (a file with no line breaks is one huge
line), so the line limit is checked here first, a 4 MB block at a time. The same pass counts what
later checks need, at C speed (numpy and bytes methods; no Python loop per line or per byte):
line feeds (a cell holds a line break when there are fewer rows than lines), control bytes, and
whether any cell could hold padding or an Excel error value, so clean files skip those checks.
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
    controls: int = 0  # control bytes other than tab, line feed and carriage return
    line_feeds: int = 0
    ends_with_line_feed: bool = True
    cell_limit_reached: bool = False  # some line is longer than the longest cell allowed

    def records_if_unquoted(self) -> int:
        """Rows below the header when no cell holds a line break (one per line, as the parser counts)."""
        return self.line_feeds + (0 if self.ends_with_line_feed else 1)


def count_commas_below_header(path: Path) -> int:
    """Commas below the header line (needed only when some row may be short: see csv.py)."""
    total, header = 0, True
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            if header:
                nl = chunk.find(b"\n")
                if nl < 0:
                    continue
                chunk, header = chunk[nl + 1 :], False
            total += int(np.count_nonzero(np.frombuffer(chunk, dtype=np.uint8) == 44))
    return total


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


def scan_csv(path: Path, name: str, max_line_kb: int, max_cell_chars: int) -> ByteScan:
    """Stream ``path`` once; InputError naming the line if one is longer than ``max_line_kb``."""
    scan = ByteScan()
    line_limit = _LongLines(max_line_kb * 1024)
    # A cell of n characters takes at least n bytes: no line over n bytes, no cell over n characters
    # (unless a quoted cell spans lines, which validate then checks cell by cell).
    cell_limit = _LongLines(max_cell_chars)
    base, header_end, last = 0, -1, b""
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            start = line_limit.over(chunk, base)
            if start is not None:
                raise _long_line(f, name, start, max_line_kb)
            if not scan.cell_limit_reached and cell_limit.over(chunk, base) is not None:
                scan.cell_limit_reached = True
            if header_end < 0:
                nl = chunk.find(b"\n")
                if nl < 0:
                    base += len(chunk)
                    continue
                header_end = base + nl
                body = chunk[nl + 1 :]
            else:
                body = chunk
            _count(body, scan)
            last = chunk[-1:]
            base += len(chunk)
    start = line_limit.over_at_end(base)
    if start is not None:
        with path.open("rb") as f:
            raise _long_line(f, name, start, max_line_kb)
    if not scan.cell_limit_reached and cell_limit.over_at_end(base) is not None:
        scan.cell_limit_reached = True
    scan.ends_with_line_feed = last == b"\n" or header_end < 0 or base == header_end + 1
    return scan


def _count(body: bytes, scan: ByteScan) -> None:
    if not body:
        return
    a = np.frombuffer(body, dtype=np.uint8)
    line_feeds = int(np.count_nonzero(a == 10))
    below_space = int(np.count_nonzero(a < 32))
    scan.line_feeds += line_feeds
    tabs = body.count(b"\t") if b"\t" in body else 0
    returns = body.count(b"\r") if b"\r" in body else 0
    scan.controls += (
        below_space - line_feeds - tabs - returns + (body.count(b"\x7f") if b"\x7f" in body else 0)
    )
    if returns and returns != body.count(b"\r\n"):
        # also when a block ends between \r and \n: checking the cells is then merely unneeded
        scan.stray_cr = True
    scan.ascii = scan.ascii and body.isascii()
    scan.quotes = scan.quotes or b'"' in body
    scan.padding = scan.padding or any(b in body for b in _PADDING)
    scan.spaces = scan.spaces or b" " in body
    scan.hashes = scan.hashes or b"#" in body


def _long_line(f: BinaryIO, name: str, start: int, max_line_kb: int) -> InputError:
    """The error for a line starting at byte ``start`` that is longer than the limit (its line number
    is counted now: only this once, not on every file)."""
    f.seek(0)
    line, done = 1, 0
    while done < start:
        block = f.read(min(CHUNK, start - done))
        if not block:
            break
        line += block.count(b"\n")
        done += len(block)
    return InputError(
        f"{name}: line {line:,} is longer than {max_line_kb:,} KB, the longest line allowed (input."
        f"max_line_kb); so long a line usually means the file is not a table with one row per line "
        "(or its lines end in a way ipseval does not recognise); raise the limit in the settings if "
        "such lines are genuine"
    )
