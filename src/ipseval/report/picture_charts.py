"""The published infographic's pictures: a column chart of a distribution (clients' age bands)
and a dot picture of a level per area (how strongly IPS is integrated into treatment).

Same conventions as :mod:`.charts`: values arrive already selected from protected tables ("*" =
hidden, None = missing); a hidden value gets no bar or dots and is labelled '*'; nothing is
computed here beyond placing them, and the SVG is self-contained.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib
from markupsafe import Markup
from matplotlib.figure import Figure

from .charts import (
    _RC,
    GREY,
    GRID,
    INK,
    MUTED,
    TEAL,
    TEAL_LIGHT,
    _bar_figure,
    _clean,
    _pct_axis,
    _svg,
    _visible,
)
from .format import HIDDEN, MISSING, is_hidden, pct

Value = Any
# a level's dots: (filled dots, colour) by code; three dots in all
LEVELS = {"strong": (3, TEAL), "moderate": (2, "#4f8f98"), "weak": (1, TEAL_LIGHT)}
LEVEL_WORDS = {"strong": "Strong", "moderate": "Moderate", "weak": "Weak"}
DOTS = 3


def column_bars(
    chart_id: str, title: str, items: Sequence[tuple[str, Value, bool]], x_label: str = ""
) -> Markup:
    """Vertical bars of shares (0..1), one per category in order, each with its % on top;
    ``items`` = (label, share, muted). A muted bar (Unknown) is grey; a hidden share has no bar
    and is marked '*' on the axis."""
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(max(3.2, 0.62 * len(items) + 1.0), 2.7))
        fig.subplots_adjust(left=0.16, right=0.98, bottom=0.24 if x_label else 0.14, top=0.95)
        ax = fig.add_subplot()
        shown = [float(v) for _l, v, _m in items if _visible(v)]
        top = max([*shown, 0.05]) * 1.22
        xs = list(range(len(items)))
        bars = [
            (x, float(v), GREY if muted else TEAL)
            for x, (_l, v, muted) in zip(xs, items, strict=True)
            if _visible(v)
        ]
        if bars:
            bar_x, bar_v, bar_c = zip(*bars, strict=True)
            for x, patch in zip(bar_x, ax.bar(bar_x, bar_v, width=0.7, color=bar_c), strict=True):
                patch.set_gid(f"{chart_id}-bar-{x}")  # the category's place in ``items``
        for x, (_label, v, _muted) in zip(xs, items, strict=True):
            y = float(v) if _visible(v) else 0.0
            colour = INK if _visible(v) else MUTED
            ax.text(
                x,
                y + top * 0.015,
                pct(v, 0) if _visible(v) else pct(v),
                ha="center",
                va="bottom",
                fontsize=9,
                color=colour,
            )
        ax.set_xticks(xs, [label for label, _v, _m in items])
        ax.tick_params(axis="x", length=0, labelsize=9)
        ax.tick_params(axis="y", labelsize=8.5)
        ax.set_ylim(0, top)
        ax.set_xlim(-0.6, len(items) - 0.4)
        _pct_axis(ax.yaxis)
        ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(4))
        ax.grid(axis="y", color=GRID, linewidth=0.8)
        ax.set_axisbelow(True)
        _clean(ax, keep=("bottom",))
        if x_label:
            ax.set_xlabel(x_label, fontsize=9, color=MUTED)
        return _svg(fig, chart_id, title, "; ".join(f"{label}: {pct(v)}" for label, v, _m in items))


def level_dots(chart_id: str, title: str, items: Sequence[tuple[str, Value]], legend: str = "") -> Markup:
    """A row per area with three dots, as many filled as its level (weak 1, moderate 2, strong
    3), and the level in words; ``items`` = (area, level code). A hidden level gets no dots and
    '*'; a missing one '–'."""
    labels = [label for label, _v in items]
    with matplotlib.rc_context(_RC):
        fig = _bar_figure(4.2, 0.5 + 0.32 * max(len(items), 1), labels, 9.5, top=0.12)
        ax = fig.add_subplot()
        ys = list(range(len(items)))[::-1]
        for y, (_label, level) in zip(ys, items, strict=True):
            filled, colour = LEVELS.get(str(level), (0, GREY))
            known = _visible(level) and str(level) in LEVELS
            if known:
                xs = list(range(DOTS))
                ax.scatter(xs[:filled], [y] * filled, s=95, color=colour, zorder=3)
                ax.scatter(
                    xs[filled:],
                    [y] * (DOTS - filled),
                    s=95,
                    facecolor="white",
                    edgecolor=GREY,
                    linewidth=1.1,
                    zorder=3,
                )
            word = (
                LEVEL_WORDS.get(str(level), str(level)) if known else HIDDEN if is_hidden(level) else MISSING
            )
            ax.text(
                DOTS - 0.2 if known else -0.25,
                y,
                word,
                va="center",
                ha="left",
                fontsize=9.5,
                color=INK if known else MUTED,
            )
        ax.set_yticks(ys, labels)
        ax.tick_params(axis="y", length=0, labelsize=9.5)
        ax.set_xticks([])
        ax.set_xlim(-0.5, DOTS + 1.6)
        ax.set_ylim(-0.6, len(items) - 0.4)
        _clean(ax, keep=())
        desc = "; ".join(f"{label}: {_word(level)}" for label, level in items)
        return _svg(fig, chart_id, title, desc + (f". {legend}" if legend else ""))


def _word(level: Value) -> str:
    if is_hidden(level):
        return HIDDEN
    if not _visible(level):
        return MISSING
    return LEVEL_WORDS.get(str(level), str(level))
