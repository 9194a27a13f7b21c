"""What a file really is, whatever its name says, and whether it may be read at all.

Exports get renamed, zipped, printed to PDF or saved from a browser; a file named clients.csv is
told apart by its first bytes so the message names what it is and what to do. Links that leave
the data folder are refused before anything is read through them: the data folder is what the
user chose to share with ipseval, and a file's content is never echoed back from outside it.

The layout of a table is found here too, once for both readers (validate's, ingest.csv and
ingest.excel, and the mapping assistant's, ingest.propose_read): the column separator of a CSV file
(comma, semicolon, tab or vertical bar, from its first lines, or as [input] separator says) and title
rows above the header (:func:`header_index`). Both are named in warnings; rows keep the numbers they
have in the file.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ipseval.ingest import SAVE_AS_UTF8, CellProblem, InputError

if TYPE_CHECKING:
    from ipseval.settings import Input

HEAD_BYTES = 1 << 16
# More NUL bytes, or other control bytes, than these shares of the first block (and not UTF-16):
# not text. A NUL or two inside a cell of a real CSV file stays well below, to be named per cell.
_BINARY_NUL_SHARE = 0.01
_BINARY_CONTROL_SHARE = 0.10
_BINARY_FEW = 4
_UTF8_BOM = b"\xef\xbb\xbf"


def read_head(path: Path, n: int = HEAD_BYTES) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(n)
    except OSError as e:
        raise InputError(f"{path.name}: cannot be opened ({e.strerror or e})") from None


def check_size(path: Path, limits: Input) -> None:
    """Refuse a file bigger than ``[input] max_file_mb`` before reading any of it."""
    size = path.stat().st_size
    limit = limits.max_file_mb * 1024 * 1024
    if size > limit:
        raise InputError(
            f"{path.name}: the file is {_size(size)}, over the limit of {_size(limit)} "
            f"(input.max_file_mb = {limits.max_file_mb}); if it really is one table, raise the limit "
            "in the settings"
        )


def _size(n: int) -> str:
    if n >= 1024**3:
        return f"{n / 1024**3:.1f} GB"
    return f"{n / 1024**2:.1f} MB" if n >= 1024**2 else f"{n:,} bytes"


def check_link(path: Path, folder: Path, what: str = "file") -> None:
    """Refuse a link that points outside ``folder`` (InputError); a link inside it is fine."""
    if not path.is_symlink():
        return
    inside = folder.resolve()
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        raise InputError(
            f"{path.name} is a link to a {what} that does not exist; put the {what} itself in {folder}"
        ) from None
    if target != inside and inside not in target.parents:
        raise InputError(
            f"{path.name} is a link to a {what} outside the data folder; ipseval does not follow links "
            f"out of the folder it is given: copy the {what} itself into {folder}"
        )


def refuse_non_text(path: Path, head: bytes) -> None:
    """InputError naming what a file meant to be CSV text really is (a workbook, zip, PDF, web page...)."""
    what = describe(path, head)
    if what is not None:
        raise InputError(f"{path.name}: this is {what}")


def describe(path: Path, head: bytes, suffix: str = ".csv") -> str | None:
    """What a file named ``*<suffix>`` really is, with what to do; None when it looks like CSV text."""
    claimed = "a workbook" if suffix == ".xlsx" else "a CSV file"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _describe_zip(path, suffix, claimed)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return (
            f"an old Excel .xls workbook (or a password-protected workbook) renamed to {suffix}, not "
            f"{claimed}: remove any password, or open it in Excel and {SAVE_AS_UTF8}"
        )
    if head.startswith(b"%PDF-"):
        return f"a PDF document, not {claimed}: export the table from the records system as CSV"
    if head.startswith(b"\x1f\x8b"):
        return f"a gzip-compressed file, not {claimed}: decompress it first"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return f"an image, not {claimed}: export the table from the records system as CSV"
    text = head.removeprefix(_UTF8_BOM).lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<head", b"<body")) or (
        text.startswith(b"<") and b"<html" in text[:4096]
    ):
        return (
            f"a web page (HTML) saved as {suffix}, not {claimed}: download the export again choosing "
            f"CSV, or open it in Excel and {SAVE_AS_UTF8}"
        )
    if text.startswith(b"<?xml"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in text:
            return f"an Excel 2003 XML spreadsheet, not {claimed}: open it in Excel and {SAVE_AS_UTF8}"
        return f"an XML document, not {claimed}: export the table from the records system as CSV"
    if _looks_binary(head):
        return f"not a text file (it holds binary data), not {claimed}: export the table as CSV"
    if suffix == ".xlsx" and not head.strip():
        return "an empty file, not a workbook"
    if suffix == ".xlsx":
        return (
            "a text file (perhaps CSV) renamed to .xlsx, not a workbook: rename it back to .csv and "
            "give the folder that holds it"
        )
    return None


def _describe_zip(path: Path, suffix: str, claimed: str) -> str | None:
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):  # for a workbook, opening it says more
        return None if suffix == ".xlsx" else f"a damaged zip archive or workbook, not {claimed}"
    if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        if suffix == ".xlsx":
            return None
        return (
            f"an Excel workbook renamed to {suffix}, not {claimed}: rename it back to .xlsx and give "
            f"ipseval the workbook, or {SAVE_AS_UTF8}"
        )
    if any(n.startswith("word/") for n in names):
        return f"a Word document renamed to {suffix}, not {claimed}"
    if "mimetype" in names:
        return f"an OpenDocument file renamed to {suffix}, not {claimed}: open it and {SAVE_AS_UTF8}"
    csvs = [n for n in names if n.lower().endswith(".csv")]
    inside = f" (it holds {', '.join(csvs[:3])}{' …' if len(csvs) > 3 else ''})" if csvs else ""
    return f"a zip archive{inside}, not {claimed}: unzip it and give the folder of CSV files"


def _looks_binary(head: bytes) -> bool:
    """NUL bytes (beyond the odd stray one) or many control bytes, and not UTF-16 text, whose every
    other byte is NUL."""
    if not head:
        return False
    controls = sum(head.count(bytes([b])) for b in range(32) if b not in (9, 10, 12, 13))
    few = _BINARY_FEW
    if head.count(0) <= max(few, len(head) * _BINARY_NUL_SHARE) and controls <= max(
        few, len(head) * _BINARY_CONTROL_SHARE
    ):
        return False
    from ipseval.ingest.encoding import utf16_without_bom

    return utf16_without_bom(head) is None and not head.startswith((b"\xff\xfe", b"\xfe\xff"))


# --- Layout: the column separator, and title lines above the header ------------------------------

SEPARATORS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars (|)"}
# Words a setting may give instead of the character itself ("tab" is easier to type than "\t").
SEPARATOR_WORDS = {"comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|", "vertical bar": "|"}
SNIFF_ROWS = 100  # records looked at to choose the separator and find the header
MAX_TITLES = 10  # title lines looked for above the header
_NUMBER_OR_DATE = re.compile(r"^[\s\d.,:;/£$€%+()-]*\d[\s\d.,:;/£$€%+()-]*$")
_HEADER_CELL_CHARS = 80


@dataclass(frozen=True)
class Layout:
    """How a table is laid out in its file or sheet: the column separator (CSV only) and the title
    rows above the header (their texts; ``title_lines`` physical lines of a CSV file hold them)."""

    separator: str = ","
    sniffed: bool = True  # the separator was found by looking (not given in the settings)
    titles: tuple[str, ...] = ()
    title_lines: int = 0

    @property
    def header_row(self) -> int:
        """The header's row number in the file or sheet (1 with no title rows)."""
        return len(self.titles) + 1

    def notes(self, quote_titles: bool = True) -> list[str]:
        """Plain sentences on what is unusual in the layout (none for a comma file, header in row 1).
        ``quote_titles=False``: the title rows are not quoted (a warning carries them as its value,
        so files whose titles differ only in their text share one sentence)."""
        out = []
        if self.separator != ",":
            how = (
                "found from the first lines; if that is wrong, set [input] separator in the settings"
                if self.sniffed
                else "as [input] separator says"
            )
            out.append(
                f"the columns are separated by {SEPARATORS[self.separator]}, not commas, and were read "
                f"so ({how})"
            )
        if self.titles:
            n = len(self.titles)
            shown = ", ".join(f"'{_short(t)}'" if t.strip() else "(a blank row)" for t in self.titles)
            out.append(
                f"the {'first ' + str(n) + ' rows' if n > 1 else 'first row'} above the header "
                f"{'are titles' if n > 1 else 'is a title'}, not column names, and "
                f"{'were' if n > 1 else 'was'} left out{': ' + shown if quote_titles else ''}; the header "
                f"is row {self.header_row}, and row numbers stay those of the file"
            )
        return out


def _short(text: str, n: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n] + "…"


def separator_setting(limits: Input | None, name: str) -> str | None:
    """The separator ``[input] separator`` forces for the file ``name`` (None: find it by looking).
    The setting is one separator for every file, or a table of file names (with or without .csv)."""
    if limits is None:
        return None
    given = limits.separator
    if isinstance(given, dict):
        keys = {k.strip().lower().removesuffix(".csv"): v for k, v in given.items()}
        given = keys.get(name.strip().lower().removesuffix(".csv"), "auto")
    return None if given == "auto" else SEPARATOR_WORDS.get(given, given)


def sniff_separator(text: str) -> str:
    """The separator of CSV ``text`` (its first lines): the one of comma, semicolon, tab and bar that
    splits the most records (header included) into one same number of cells, more than one; a file
    of one column, where none splits, is read with commas. Quoted cells are parsed as such, so a
    quoted '£1,200' or 'a; b' does not split its record under the wrong separator."""
    best, best_score = ",", (0, 0)
    for sep in SEPARATORS:
        counts = [len(r) for r in _records(text, sep) if any(c.strip() for c in r)]
        wide = [n for n in counts if n > 1]
        if not wide:
            continue
        width = max(set(wide), key=lambda n: (wide.count(n), n))
        score = (counts.count(width), width)
        if score > best_score:
            best, best_score = sep, score
    return best


def _records(text: str, sep: str) -> list[list[str]]:
    out: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=sep):
            out.append(row)
            if len(out) >= SNIFF_ROWS:
                break
    except csv.Error:
        pass
    return out


def header_index(rows: Sequence[Sequence[object]]) -> int:
    """How many title rows stand above the header among the first ``rows`` of a table (0: the header
    is the first row). A title row is blank, or holds one filled cell or far fewer than the widest
    rows; the header under it holds distinct short texts (not numbers or dates) in at least half as
    many cells as the widest rows, and most of the rows below it line up under its filled cells
    (four in five of their filled cells under a filled header cell).
    Nothing is skipped unless every row above the header is such a title."""
    rows = [list(r) for r in rows[:SNIFF_ROWS]]
    filled = [[i for i, v in enumerate(r) if not _blank_cell(v)] for r in rows]
    widest = max((len(f) for f in filled), default=0)
    if widest < 2 or _is_header(0, rows, filled, widest):
        return 0
    for k in range(1, min(MAX_TITLES, len(rows) - 1) + 1):
        if not _is_title(filled[k - 1], widest) and not (k == 1 and _is_header_record(rows[0])):
            return 0
        if _is_header(k, rows, filled, widest):
            return k
    return 0


# A warehouse extract's header record, the first line above the column names ('HDR|IPS_CLNT|20240105').
_HEADER_RECORD = re.compile(r"^(?:hdr\d*|header(?:\s+record)?)$", re.IGNORECASE)


def _is_header_record(row: list[object]) -> bool:
    first = next((str(v).strip() for v in row if not _blank_cell(v)), "")
    return bool(_HEADER_RECORD.match(first))


def _is_title(cells: list[int], widest: int) -> bool:
    return len(cells) <= 1 or len(cells) * 3 <= widest


def _is_header(k: int, rows: list[list[object]], filled: list[list[int]], widest: int) -> bool:
    cells = filled[k]
    if len(cells) < 2 or len(cells) * 2 < widest:
        return False
    texts = [str(rows[k][i]).strip() for i in cells]
    if any(not isinstance(rows[k][i], str) for i in cells):  # a workbook's numbers or dates
        return False
    if any(len(t) > _HEADER_CELL_CHARS or _NUMBER_OR_DATE.match(t) for t in texts):
        return False
    if len({t.lower() for t in texts}) != len(texts):
        return False
    below = [f for f in filled[k + 1 :] if f][:20]
    under = set(cells)
    lined_up = sum(1 for f in below if sum(i in under for i in f) * 5 >= len(f) * 4)
    return lined_up * 2 >= len(below)


def _blank_cell(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def title_text(row: Sequence[object]) -> str:
    """A title row's text: its filled cells joined."""
    return " ".join(str(v).strip() for v in row if not _blank_cell(v))


def csv_layout(path: Path, name: str, limits: Input | None = None) -> tuple[Layout, list[str]]:
    """The layout of a UTF-8 CSV file and its header's cells: the separator from the settings or
    sniffed from the first lines, and the title lines above the header."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            text = f.read(HEAD_BYTES)
            more = bool(f.read(1))
    except UnicodeDecodeError:
        from ipseval.ingest.encoding import NotUtf8

        raise NotUtf8 from None
    if more and "\n" in text:  # leave out a last line cut short
        text = text[: text.rfind("\n") + 1]
    forced = separator_setting(limits, name)
    sep = forced or sniff_separator(text)
    records: list[list[str]] = []
    ends: list[int] = []  # the physical line each record ends on
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        for row in reader:
            records.append(row)
            ends.append(reader.line_num)
            if len(records) >= SNIFF_ROWS:
                break
    except csv.Error as e:
        if not records:
            raise InputError(f"{name}: the header row cannot be read as CSV ({e})") from None
    k = header_index(records)
    layout = Layout(
        separator=sep,
        sniffed=forced is None,
        titles=tuple(title_text(r) for r in records[:k]),
        title_lines=ends[k - 1] if k else 0,
    )
    return layout, records[k] if records else []


def layout_problems(layout: Layout) -> list[CellProblem]:
    """The layout's notes as warnings about the whole file (they exclude no row)."""
    out = []
    if layout.separator != ",":
        out.append(
            CellProblem(
                row=None,
                column=None,
                value=repr(layout.separator) if layout.separator == "\t" else layout.separator,
                expected="columns separated by commas",
                message=layout.notes()[0],
                severity="warning",
            )
        )
    if layout.titles:
        out.append(
            CellProblem(
                row=None,
                column=None,
                value=_short(" / ".join(layout.titles), 120),
                expected="the column names in the first row",
                message=layout.notes(quote_titles=False)[-1],
                severity="warning",
            )
        )
    return out
