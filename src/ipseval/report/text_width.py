"""How wide a label is drawn, in points, measured from the font's glyphs (no renderer needed).

Charts size their margins from these widths before drawing. FreeType lays out a string in about
a millisecond, and the same labels (areas, roles, column headers) recur across a report's charts
and across reports in one process, so each measurement is kept.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4096)
def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width of ``text`` at ``size`` points, as DejaVu Sans draws it (the SVG keeps text as text)."""
    from matplotlib.font_manager import FontProperties, findfont, get_font

    font = get_font(findfont(FontProperties(family="DejaVu Sans", weight="bold" if bold else "normal")))
    font.set_size(size, 72)  # at 72 dpi, one pixel is one point
    font.set_text(text)
    return font.get_width_height()[0] / 64  # FreeType measures in 1/64 pixel
