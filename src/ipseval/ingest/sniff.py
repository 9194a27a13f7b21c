"""What a file really is, whatever its name says, and whether it may be read at all.

Exports get renamed, zipped, printed to PDF or saved from a browser; a file named clients.csv is
told apart by its first bytes so the message names what it is and what to do. Links that leave
the data folder are refused before anything is read through them: the data folder is what the
user chose to share with ipseval, and a file's content is never echoed back from outside it.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from ipseval.ingest import SAVE_AS_UTF8, InputError

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
