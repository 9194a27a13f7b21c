"""Forest plots: ratios with 95% intervals on a log axis, laid out like a table.

Three columns side by side: the row labels on the left, the plot in the middle and the numbers on
the right. The label and number columns are as wide as their text (measured from the font's
glyphs), so a long label can never run into an interval. An interval that runs past the axis is
drawn to the axis edge and ends in an arrow head, so a wide interval cannot squash every other
row into the middle of the chart. Values arrive protected ("*" hidden, None missing); nothing is
computed here beyond placing them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import matplotlib
from markupsafe import Markup
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator
from matplotlib.transforms import ScaledTranslation, blended_transform_factory

from .charts import _RC, GREY, GRID, INK, MUTED, TEAL, _svg, _visible
from .format import ratio
from .text_width import text_width

Value = Any  # a number, "*" (hidden) or None (missing)

LABEL_SIZE = 9.5
NUMBER_SIZE = 9.0
HEADER_SIZE = 8.5
ARROW_SIZE = 7.0  # points
ROW_HEIGHT = 0.3  # inches
# narrow enough to sit two abreast on a laptop and still be legible on a phone
WIDTH = 4.8  # inches
EDGE = 4.0  # points of white space at the figure's left and right edges
GAP = 12.0  # points between a text column and the plot
INDENT = 10.0  # points: a level under a heading
MIN_PLOT = 1.8  # inches: the plot never gets narrower than this; the figure grows instead
# the widest axis a forest plot gets: beyond a 64-fold difference an interval says 'very uncertain'
# and is shown running off the axis
AXIS_RANGE = (1 / 64, 64.0)


class ForestRow(NamedTuple):
    """One row of a forest plot: a ratio with its 95% interval, a reference level or a heading."""

    label: str
    ratio: Value = None
    low: Value = None
    high: Value = None
    reference: bool = False
    heading: bool = False


def _indent(row: ForestRow, items: Sequence[ForestRow]) -> float:
    """Points to indent a row's label: rows under a heading sit in from it."""
    return INDENT if not row.heading and any(r.heading for r in items) else 0.0


def _numbers(row: ForestRow) -> str:
    if row.heading:
        return ""
    if row.reference:
        return "Ref"
    if _visible(row.ratio) and _visible(row.low) and _visible(row.high):
        return f"{ratio(row.ratio)} ({ratio(row.low)} to {ratio(row.high)})"
    return ratio(row.ratio)


def forest_limits(*groups: Sequence[ForestRow]) -> tuple[float, float]:
    """Axis limits (powers of 2) that hold every shown ratio and interval of ``groups`` and a
    margin around 1, within :data:`AXIS_RANGE`; pass several charts' rows to give them one axis."""
    shown = [
        float(v)
        for group in groups
        for r in group
        for v in (r.ratio, r.low, r.high)
        if not r.reference and _visible(v) and float(v) > 0
    ]
    low = 2.0 ** math.floor(math.log2(min([*shown, 0.5])))
    high = 2.0 ** math.ceil(math.log2(max([*shown, 2.0])))
    return max(low, AXIS_RANGE[0]), min(high, AXIS_RANGE[1])


def _ticks(limits: tuple[float, float]) -> list[float]:
    """Powers of 2 (every other one on a wide axis, so the labels have room), always with 1."""
    first, last = round(math.log2(limits[0])), round(math.log2(limits[1]))
    step = 1 if last - first <= 6 else 2
    return [2.0**k for k in range(first, last + 1) if k % step == 0]


def _tick_label(x: float, _pos: Any = None) -> str:
    return f"{x:g}" if x >= 0.25 else f"1/{1 / x:g}"


def forest_figure(
    chart_id: str,
    rows: Sequence[ForestRow | tuple[str, Value, Value, Value, bool]],
    axis_label: str = "Odds ratio (log scale)",
    limits: tuple[float, float] | None = None,
    number_header: str = "Odds ratio (95% CI)",
) -> Figure:
    """The forest plot as a matplotlib figure (see :func:`forest`); artists that tests look for
    carry ids: ``<chart_id>-plot`` (the plot area), ``-interval-<i>`` and ``-continues-<i>``."""
    items = [ForestRow(*r) for r in rows]
    limits = limits or forest_limits(items)
    label_w = max(
        [_indent(r, items) + text_width(r.label, LABEL_SIZE, r.heading) for r in items], default=0.0
    )
    number_w = max(
        [text_width(number_header, HEADER_SIZE)] + [text_width(_numbers(r), NUMBER_SIZE) for r in items]
    )
    width = max(WIDTH, (2 * EDGE + 2 * GAP + label_w + number_w) / 72 + MIN_PLOT)
    top, bottom = 0.32, 0.62  # inches: the number column's header; the ticks and the axis label
    height = top + bottom + ROW_HEIGHT * max(len(items), 1)
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(width, height))
        left = (EDGE + label_w + GAP) / 72 / width
        right = 1 - (EDGE + number_w + GAP) / 72 / width
        ax = fig.add_axes((left, bottom / height, right - left, 1 - (top + bottom) / height))
        ax.patch.set_gid(f"{chart_id}-plot")
        ys = list(range(len(items)))[::-1]
        ax.set_ylim(-0.5, len(items) - 0.5)
        ax.set_xscale("log")
        ax.set_xlim(*limits)
        ax.axvline(1.0, color=GREY, linewidth=1.2)
        for i, (y, row) in enumerate(zip(ys, items, strict=True)):
            _draw_row(ax, f"{chart_id}", i, y, row, limits)
        _columns(fig, ax, items, ys, number_header)
        _axis(ax, limits, axis_label)
    return fig


def _draw_row(ax: Any, chart_id: str, i: int, y: float, row: ForestRow, limits: tuple[float, float]) -> None:
    """One row's marks: a grey square at 1 for the reference, else the interval and the point.

    The interval stops at the axis edge with an arrow head pointing on when it runs further; a
    point estimate beyond the axis is not drawn (its number is in the right-hand column)."""
    if row.heading:
        return
    if row.reference:
        ax.plot([1.0], [y], "s", color=GREY, markersize=5)
        return
    low_lim, high_lim = limits
    if _visible(row.low) and _visible(row.high):
        lo, hi = (min(max(float(v), low_lim), high_lim) for v in (row.low, row.high))  # kept on the axis
        ax.plot(
            [lo, hi], [y, y], color=TEAL, linewidth=1.6, solid_capstyle="butt", gid=f"{chart_id}-interval-{i}"
        )
        for beyond, edge, marker, shift in (
            (float(row.low) < low_lim, low_lim, "<", 1),
            (float(row.high) > high_lim, high_lim, ">", -1),
        ):
            if beyond:  # the arrow's tip sits on the axis edge, its body inside the plot
                tip = ScaledTranslation(shift * (ARROW_SIZE / 2 + 0.5) / 72, 0, ax.figure.dpi_scale_trans)
                ax.plot([edge], [y], marker=marker, color=TEAL, markersize=ARROW_SIZE, linestyle="none",
                        transform=ax.transData + tip, gid=f"{chart_id}-continues-{i}")  # fmt: skip
    if _visible(row.ratio) and low_lim <= float(row.ratio) <= high_lim:
        ax.plot([float(row.ratio)], [y], "o", color=TEAL, markersize=6, zorder=3)


def _columns(fig: Figure, ax: Any, items: list[ForestRow], ys: list[int], number_header: str) -> None:
    """The label column (left edge of the figure) and the number column (right edge), on the rows."""
    width_pt = fig.get_figwidth() * 72
    on_rows = blended_transform_factory(fig.transFigure, ax.transData)
    left, right = EDGE / width_pt, 1 - EDGE / width_pt
    for y, row in zip(ys, items, strict=True):
        weight = "bold" if row.heading else "normal"
        x = left + _indent(row, items) / width_pt
        ax.text(x, y, row.label, transform=on_rows, ha="left", va="center", fontsize=LABEL_SIZE,
                fontweight=weight, color=INK)  # fmt: skip
        if not row.heading:  # a reference or hidden row's 'Ref' or '*' is muted
            colour = INK if _visible(row.ratio) and not row.reference else MUTED
            ax.text(right, y, _numbers(row), transform=on_rows, ha="right", va="center",
                    fontsize=NUMBER_SIZE, color=colour)  # fmt: skip
    header = blended_transform_factory(fig.transFigure, ax.transAxes)
    ax.text(
        right,
        1.0,
        number_header,
        transform=header,
        ha="right",
        va="bottom",
        fontsize=HEADER_SIZE,
        color=MUTED,
    )


def _axis(ax: Any, limits: tuple[float, float], axis_label: str) -> None:
    ax.xaxis.set_major_locator(FixedLocator(_ticks(limits)))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(_tick_label))
    ax.set_yticks([])
    ax.tick_params(axis="x", labelsize=9)
    ax.set_xlabel(axis_label, fontsize=9, color=MUTED)
    ax.grid(axis="x", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def forest(
    chart_id: str,
    title: str,
    items: Sequence[ForestRow | tuple[str, Value, Value, Value, bool]],
    axis_label: str = "Odds ratio (log scale)",
    limits: tuple[float, float] | None = None,
    number_header: str = "Odds ratio (95% CI)",
) -> Markup:
    """Ratios with 95% intervals on a log axis with a line at 1, as inline SVG.

    ``items``: :class:`ForestRow` values (or (label, ratio, low, high, is_reference) tuples). A
    reference row shows a grey square at 1 and 'Ref'; a hidden ratio shows '*' and no marks; a
    heading row shows its label in bold. ``limits``: the axis (default :func:`forest_limits` of
    these rows); give two charts the same limits to make them comparable at a glance.
    """
    rows = [ForestRow(*r) for r in items]
    fig = forest_figure(chart_id, rows, axis_label, limits, number_header)
    parts = [f"{r.label}: {_numbers(r)}" for r in rows if not r.heading]
    beyond = [r.label for r in rows if _runs_off(r, limits or forest_limits(rows))]
    desc = "; ".join(parts)
    if beyond:
        desc += ". Intervals that run past the axis (arrow): " + ", ".join(beyond)
    return _svg(fig, chart_id, title, desc)


def _runs_off(row: ForestRow, limits: tuple[float, float]) -> bool:
    ends = [float(v) for v in (row.low, row.high) if not row.reference and _visible(v)]
    return any(v < limits[0] or v > limits[1] for v in ends)
