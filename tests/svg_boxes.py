"""Text boxes of a report chart's inline SVG, to check that no two labels overlap.

The charts keep text as text (``svg.fonttype = none``): each label is a ``<text>`` with its
anchor point (x, baseline y), font size, ``text-anchor`` and a rotation about that point. Its box
is measured here with the font the chart was laid out with (DejaVu Sans, via
:func:`ipseval.report.text_width.text_width`), from the cap height above the baseline to the
descenders below, so two labels whose ink would touch count as overlapping.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass

from ipseval.report.text_width import text_width

ASCENT = 0.76  # of the font size: DejaVu Sans' cap height and digits, a little above
DESCENT = 0.22  # descenders (g, p, y)
_TEXT = re.compile(r"<text([^>]*)>(.*?)</text>", re.DOTALL)


@dataclass(frozen=True)
class Box:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    def overlap(self, other: Box, gap: float = 0.0) -> float:
        """The overlapping area of the two boxes (0 when apart or only touching), each widened by
        ``gap`` / 2 on the left and right (words closer than ``gap`` read as one)."""
        w = min(self.x1, other.x1) - max(self.x0, other.x0) + gap
        h = min(self.y1, other.y1) - max(self.y0, other.y0)
        return w * h if w > 0 and h > 0 else 0.0


def _attr(attrs: str, name: str) -> str | None:
    m = re.search(rf'\s{name}="([^"]*)"', attrs)
    return m.group(1) if m else None


def text_boxes(svg: str) -> list[Box]:
    """The box of every non-empty ``<text>`` of ``svg``, in the SVG's own units (points)."""
    out = []
    for attrs, inner in _TEXT.findall(svg):
        text = html.unescape(re.sub(r"<[^>]+>", "", inner)).strip()
        style = _attr(attrs, "style") or ""
        size_m = re.search(r"font-size:\s*([\d.]+)px", style)
        if not text or not size_m:
            continue
        size = float(size_m.group(1))
        bold = "font-weight: 700" in style or "font-weight: bold" in style
        transform = _attr(attrs, "transform") or ""
        # a line of multi-line text is placed by a translation instead of x and y
        moved = re.search(r"translate\((-?[\d.]+)[ ,]+(-?[\d.]+)\)", transform)
        if moved:
            x, y = float(moved.group(1)), float(moved.group(2))
        else:
            x, y = float(_attr(attrs, "x") or 0), float(_attr(attrs, "y") or 0)
        anchor = (re.search(r"text-anchor:\s*(\w+)", style) or re.match("(start)", "start")).group(1)
        w = text_width(text, size, bold)
        left = {"start": 0.0, "middle": -w / 2, "end": -w}[anchor]
        corners = [(left, -ASCENT * size), (left + w, -ASCENT * size), (left, DESCENT * size)]
        corners.append((left + w, DESCENT * size))
        rot = re.search(r"rotate\((-?[\d.]+)", transform)
        a = math.radians(float(rot.group(1))) if rot else 0.0
        pts = [
            (x + dx * math.cos(a) - dy * math.sin(a), y + dx * math.sin(a) + dy * math.cos(a))
            for dx, dy in corners
        ]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        out.append(Box(text, min(xs), min(ys), max(xs), max(ys)))
    return out


def overlapping(svg: str, gap: float = 3.0, tolerance: float = 0.5) -> list[tuple[str, str]]:
    """Pairs of labels whose boxes overlap by more than ``tolerance`` square points, or stand
    less than ``gap`` points apart side by side."""
    boxes = text_boxes(svg)
    return [
        (a.text, b.text) for i, a in enumerate(boxes) for b in boxes[i + 1 :] if a.overlap(b, gap) > tolerance
    ]


def charts_of(page: str) -> dict[str, str]:
    """Every chart's SVG on a report page, by the chart's id."""
    found = re.findall(r'(<svg[^>]*aria-labelledby="([^"]+)-title".*?</svg>)', page, re.DOTALL)
    return {chart_id: svg for svg, chart_id in found}
