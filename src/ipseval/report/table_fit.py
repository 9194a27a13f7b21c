"""How a table fits the page: on a 1280 px screen and on an A4 page, every column shown.

A table's natural width is estimated from its widest cell in each column (cells do not wrap;
headers wrap between words, so their widest word counts), each character as wide as DejaVu Sans
draws it (measured once per character: a wide font, so the estimate errs wide). A table too
wide at the usual type size gets a smaller one, in steps; one too wide even at the smallest lets
its cells wrap. The steps are CSS classes on the table's block (see style.css): ``fit-s13`` and
``fit-s12`` (screen, px), ``wrap-s`` (screen cells wrap), ``fit-p75`` and ``fit-p70`` (print, tenths
of a point; 8 pt otherwise), ``wrap-p`` (printed cells wrap), ``print-columns`` (a long narrow table printed in
two columns). Scrolling sideways stays only as the last resort on a narrow screen.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import polars as pl

from .text_width import text_width

SCREEN_WIDTH = 1090.0  # px for a table in a 1280 px window: the 72rem column less its padding, less a margin
PRINT_WIDTH = 690.0  # px (1/96 in) on A4 with 12 mm margins (186 mm = 703 px), less a margin
PX_PER_PT = 96 / 72
HALF_PAGE = 330.0  # px: one of two printed columns, 6 mm apart
LONG_ROWS = 25  # a table of this many rows or more, narrow enough, prints in two columns


@dataclass(frozen=True)
class Layout:
    """Padding and least widths of one medium, in px."""

    pad: float  # left + right padding of a cell
    stub_min: float  # least width of the row-label column
    head_min: float  # least width of a column under a header
    text_min: float  # least width of the last column of a table whose text wraps


SCREEN = Layout(pad=10.0, stub_min=160.0, head_min=72.0, text_min=288.0)
DENSE = Layout(pad=6.0, stub_min=160.0, head_min=56.0, text_min=288.0)  # fit-s12: less padding
PRINT = Layout(pad=6.0, stub_min=0.0, head_min=0.0, text_min=288.0)


@lru_cache(maxsize=1024)
def _char_em(char: str, bold: bool) -> float:
    return text_width(char, 100.0, bold) / 100.0


def _em(text: str, bold: bool = False) -> float:
    """The width of ``text`` in ems (the sum of its characters' widths: no kerning)."""
    return sum(_char_em(c, bold) for c in text)


def _widest(texts: Sequence[str], words: bool = False, bold: bool = False) -> float:
    """Ems of the widest text (or, with ``words``, the widest word of any text)."""
    if words:
        return max((_em(w, bold) for t in texts for w in html.unescape(str(t)).split()), default=0.0)
    return max((_em(html.unescape(str(t)), bold) for t in texts), default=0.0)


def column_ems(columns: Sequence[tuple[str, Sequence[str]]], wraps: bool = False) -> list[float]:
    """Each column's width in ems at any type size: its header's widest word (bold), and its
    widest cell (widest word for the row labels, and for every cell with ``wraps``)."""
    return [
        max(_widest([header], words=True, bold=True), _widest(cells, words=i == 0 or wraps))
        for i, (header, cells) in enumerate(columns)
    ]


def natural_width(
    columns: Sequence[tuple[str, Sequence[str]]],
    font_px: float,
    layout: Layout,
    wraps: bool = False,
    ems: Sequence[float] | None = None,
) -> float:
    """The width in px of a table with ``columns`` = (header, cells), the first the row labels,
    whose cells do not wrap (row labels and headers wrap between words; with ``wraps``, every
    cell does, and the last column keeps its least width for text). ``ems``: the columns'
    :func:`column_ems`, when already measured."""
    ems = column_ems(columns, wraps) if ems is None else ems
    total = 0.0
    for i, em in enumerate(ems):
        least = layout.stub_min if i == 0 else layout.head_min
        if wraps and i == len(ems) - 1:
            least = max(least, layout.text_min)
        total += max(em * font_px + layout.pad, least)
    return total


def fit_classes(
    columns: Sequence[tuple[str, Sequence[str]]], wraps: bool = False, rows: int = 0
) -> list[str]:
    """The CSS classes that make a table fit the screen and the printed page (see the module's
    docstring); ``wraps``: its cells wrap already (long text). A long table narrow enough for half
    the page is printed in two columns (``print-columns``)."""
    ems = column_ems(columns, wraps)  # measured once; each size tried only scales them
    out: list[str] = []
    for px, layout in ((14, SCREEN), (13, SCREEN), (12, DENSE)):
        if natural_width(columns, px, layout, wraps, ems) <= SCREEN_WIDTH:
            out += [f"fit-s{px}"] if px < 14 else []
            break
    else:
        out += ["fit-s12"] if wraps else ["fit-s12", "wrap-s"]
    sizes = (7.5, 7.0) if wraps else (8.0, 7.5, 7.0)  # long text reads well smaller
    for pt in sizes:
        width = natural_width(columns, pt * PX_PER_PT, PRINT, wraps, ems)
        if width <= PRINT_WIDTH:
            out += [f"fit-p{round(pt * 10)}"] if pt < 8.0 else []
            if rows >= LONG_ROWS and not wraps and width <= HALF_PAGE:
                out.append("print-columns")
            break
    else:
        out += ["fit-p70"] if wraps else ["fit-p70", "wrap-p"]
    return out


def table_columns(labels: Sequence[str], data: pl.DataFrame) -> list[tuple[str, list[str]]]:
    """(header, cells) per column of a formatted table, in order."""
    return [(label, data[key].to_list()) for label, key in zip(labels, data.columns, strict=True)]


def glue(data: pl.DataFrame, stub: str) -> pl.DataFrame:
    """The cells with no-break spaces where a wrapped figure would fall apart: an interval breaks
    only after its 'to' ('1.65 to' / '6.05'), and a unit or mark stays with its number ('+13.5 pp',
    '0.004 ‡'). Row labels (``stub``) are left as they are."""
    return data.with_columns(
        pl.col(c)
        .str.replace_all(r"(\d%?) to ", "${1}\u00a0to ")
        .str.replace_all(r"(\d%?) (pp|‡)", "${1}\u00a0${2}")
        for c in data.columns
        if c != stub
    )
