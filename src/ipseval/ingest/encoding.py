"""The text encoding of a CSV file, and a UTF-8 copy to read when it is saved in another one.

The fast reader takes UTF-8 only. Excel's other CSV flavours are common: 'Unicode Text' is UTF-16
(with or without a byte-order mark) and plain 'CSV (Comma delimited)' is Windows-1252. Those are
copied to UTF-8 in a private temporary file, line for line (so row numbers stay the user's), and
named in a warning; old Mac files whose lines end in a bare carriage return get line feeds. A file
that is neither UTF-8 nor Windows-1252, or mixes the two, is refused: reading it would garble text.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ipseval.ingest import SAVE_AS_UTF8, CellProblem, InputError

CHUNK = 1 << 22
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32", "UTF-32"),
    (b"\xff\xfe", "utf-16", "UTF-16 ('Unicode Text')"),
    (b"\xfe\xff", "utf-16", "UTF-16 ('Unicode Text')"),
)
# A UTF-8 sequence of two to four bytes: in a file that also holds bytes UTF-8 cannot read, a sign
# that two exports in different encodings were joined.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


@dataclass(frozen=True)
class TextFile:
    """UTF-8 text to read (the file itself or a converted copy), and a warning naming any conversion."""

    path: Path
    note: CellProblem | None = None


class NotUtf8(Exception):
    """Raised by a reader that met bytes UTF-8 cannot read; the caller then tries :func:`as_windows_1252`."""


def utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when every other byte of the first KB is NUL (text with no byte-order
    mark, as some exports write it), else None."""
    block = head[:1024]
    block = block[: len(block) - len(block) % 2]
    if len(block) < 8:
        return None
    even, odd = block[0::2], block[1::2]
    half = len(block) // 2
    if odd.count(0) >= 0.6 * half and even.count(0) <= 0.05 * half:
        return "utf-16-le"
    if even.count(0) >= 0.6 * half and odd.count(0) <= 0.05 * half:
        return "utf-16-be"
    return None


@contextlib.contextmanager
def as_utf8(path: Path, head: bytes) -> Iterator[TextFile]:
    """The file as UTF-8 text: itself when it already is (or may be), else a converted private copy
    that is deleted afterwards."""
    for bom, codec, label in _BOMS:
        if head.startswith(bom):
            with _converted(path, codec, f"{label} with a byte-order mark") as text:
                yield text
            return
    codec = utf16_without_bom(head)
    if codec is not None:
        label = "UTF-16 ('Unicode Text') without a byte-order mark"
        with _converted(path, codec, label) as text:
            yield text
        return
    if b"\r" in head and b"\n" not in head and len(head) > head.find(b"\r") + 1:
        with _converted(path, "utf-8-sig", None, lines_end_in_cr=True) as text:
            yield text
        return
    yield TextFile(path)


@contextlib.contextmanager
def as_windows_1252(path: Path) -> Iterator[TextFile]:
    """A file UTF-8 cannot read, as Windows-1252 when every byte is one (InputError otherwise)."""
    bad = first_non_utf8(path)
    if bad is None:  # the reader's complaint was not about the bytes after all
        raise InputError(f"{path.name}: cannot be read as UTF-8 text; {SAVE_AS_UTF8}")
    line, byte = bad
    where = f"first byte UTF-8 cannot read: 0x{byte:02X} on line {line:,}"
    mixed = _utf8_sequence_line(path)
    if mixed is not None:
        raise InputError(
            f"{path.name}: mixes two text encodings (UTF-8 on line {mixed:,}, another on line {line:,}); "
            f"it may join two exports: {SAVE_AS_UTF8} and check accented letters"
        )
    undefined = _not_windows_1252(path)
    if undefined is not None:
        raise InputError(f"{path.name}: is not UTF-8 text ({where}); {SAVE_AS_UTF8}")
    label = (
        "Windows-1252 ('ANSI', as Excel's plain 'CSV (Comma delimited)' saves it), not UTF-8"
        if path.suffix.lower() == ".csv"
        else "Windows-1252 ('ANSI', as many older systems write text), not UTF-8"
    )
    with _converted(path, "cp1252", label, lines_end_in_cr=_cr_only(path)) as text:
        yield text


def first_non_utf8(path: Path) -> tuple[int, int] | None:
    """(line, byte) of the first byte that is not UTF-8, or None if the whole file is UTF-8."""
    carry, lines = b"", 1
    with path.open("rb") as f:
        while True:
            chunk = f.read(CHUNK)
            data = carry + chunk
            if not data:
                return None
            try:
                data.decode("utf-8")
                carry = b""
            except UnicodeDecodeError as e:
                if chunk and e.reason == "unexpected end of data":
                    carry = data[e.start :]
                    data = data[: e.start]
                else:
                    return lines + data.count(b"\n", 0, e.start), data[e.start]
            lines += data.count(b"\n")
            if not chunk:
                return None


def _utf8_sequence_line(path: Path) -> int | None:
    lines = 1
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            m = _UTF8_SEQUENCE.search(chunk)
            if m:
                return lines + chunk.count(b"\n", 0, m.start())
            lines += chunk.count(b"\n")
    return None


def _not_windows_1252(path: Path) -> int | None:
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            try:
                chunk.decode("cp1252")
            except UnicodeDecodeError as e:
                return e.start
    return None


def _cr_only(path: Path) -> bool:
    with path.open("rb") as f:
        head = f.read(1 << 16)
    return b"\r" in head and b"\n" not in head


@contextlib.contextmanager
def _converted(
    path: Path, codec: str, label: str | None, lines_end_in_cr: bool = False
) -> Iterator[TextFile]:
    """A private UTF-8 copy of ``path`` (readable by this user only), deleted on leaving."""
    fd, tmp = tempfile.mkstemp(prefix="ipseval-", suffix=".csv")
    try:
        with os.fdopen(fd, "wb") as out:
            _copy_as_utf8(path, out, codec, label, lines_end_in_cr)
        yield TextFile(Path(tmp), _note(codec, label, lines_end_in_cr, path.suffix.lower()))
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _copy_as_utf8(path: Path, out: BinaryIO, codec: str, label: str | None, lines_end_in_cr: bool) -> None:
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    line = 1
    with path.open("rb") as f:
        while True:
            chunk = f.read(CHUNK)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError:
                if label is None:  # a UTF-8 guess that was wrong: let the caller try Windows-1252
                    raise NotUtf8 from None
                raise InputError(
                    f"{path.name}: looks like {label.split(' (')[0]} text but cannot be read as such "
                    f"near line {line:,}; {SAVE_AS_UTF8}"
                ) from None
            if lines_end_in_cr:
                text = text.replace("\r", "\n")
            out.write(text.encode("utf-8"))
            line += text.count("\n")
            if not chunk:
                return


def _advice(suffix: str, codec: str) -> str:
    """How to make a file UTF-8, fitting its kind: Excel's Save As for a CSV file (or Excel's
    UTF-16 'Unicode Text'); for an ANSI text extract (.txt, .tsv), its system's export setting."""
    if suffix == ".csv" or codec != "cp1252":
        return f"{SAVE_AS_UTF8} to be sure accented letters are read right"
    return (
        "if accented letters or symbols (é, £, ’) look wrong, ask for the extract in UTF-8 (an "
        "export or character-set setting of the system that writes it)"
    )


def _note(codec: str, label: str | None, lines_end_in_cr: bool, suffix: str = ".csv") -> CellProblem | None:
    if label is not None:
        return CellProblem(
            row=None,
            column=None,
            value=codec,
            expected="UTF-8 text",
            message=f"the file is saved as {label}: it was read as such; {_advice(suffix, codec)}",
            severity="warning",
        )
    if lines_end_in_cr:
        return CellProblem(
            row=None,
            column=None,
            value="\\r",
            expected="lines ending in a line feed (\\n or \\r\\n)",
            message="the lines end in a bare carriage return (old Mac format): each was read as a line",
            severity="warning",
        )
    return None
