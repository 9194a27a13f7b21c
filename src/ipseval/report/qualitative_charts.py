"""Charts for the qualitative section: a grid of themes by group (a heat map of shares) and the
tone of clients' segments as stacked bars.

Same conventions as :mod:`.charts`: values arrive already protected ("*" = hidden, None =
missing), nothing is computed here beyond placing them, and the SVG is self-contained.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import matplotlib
from markupsafe import Markup
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .charts import _RC, ACCENT, GREY, GRID, INK, MUTED, TEAL, _bar_figure, _svg, _visible
from .format import HIDDEN, MISSING, is_hidden, pct
from .text_width import text_width

Value = Any

_SHADES = LinearSegmentedColormap.from_list("ipseval_teal", ["#f4f9f9", "#8cc3c8", TEAL])
NEUTRAL = "#c9d3d5"


def _share_text(v: Value) -> str:
    """'12%' (whole per cent in a small cell), '*' hidden, '–' missing."""
    if is_hidden(v):
        return HIDDEN
    if not _visible(v):
        return MISSING
    return f"{100 * float(v):.0f}%"


def _grid_figure(labels: Sequence[str], heads: Sequence[str], n_rows: int) -> Any:
    """A figure whose cells are wide enough for the longest line of any column header (so no two
    headers run together) and whose left margin fits the longest row label (measured bold: theme
    labels are bold, and the browser's own font may run wider)."""
    lines = max([h.count("\n") + 1 for h in heads] or [1])
    widest_head = max((text_width(line, 9) for h in heads for line in h.split("\n")), default=0.0)
    cell = max(0.8, (widest_head + 12) / 72)  # inches
    left = (1.15 * max((text_width(label, 9.5, bold=True) for label in labels), default=0.0) + 10) / 72
    top = 0.25 + 0.17 * lines
    width, height = left + cell * max(len(heads), 1) + 0.12, 0.3 + top + 0.3 * n_rows
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(width, height))
    fig.subplots_adjust(left=left / width, right=1 - 0.12 / width, bottom=0.3 / height, top=1 - top / height)
    return fig


def theme_grid(
    chart_id: str,
    title: str,
    rows: Sequence[tuple[str, bool]],
    columns: Sequence[str],
    values: Sequence[Sequence[Value]],
) -> Markup:
    """A grid with a row per theme or sub-theme and a column per group (role, integration
    strength), each cell shaded by its share (darker = more) and labelled with it.

    ``rows`` = (label, is_theme): theme rows are bold, sub-themes plain. ``values[i][j]`` is the
    share (0..1) for row i, column j: '*' (hidden) gives a hatched grey cell marked '*', None a
    blank cell marked '–'. Shading runs from 0 to the largest share shown."""
    labels = [label for label, _t in rows]
    n_rows, n_cols = max(len(rows), 1), max(len(columns), 1)
    shown = [float(v) for row in values for v in row if _visible(v)]
    top = max([*shown, 0.01])
    with matplotlib.rc_context(_RC):
        heads = [textwrap.fill(c, 12, break_long_words=False) for c in columns]
        fig = _grid_figure(labels, heads, n_rows)
        ax = fig.add_subplot()
        described = []
        # cells are added as plain artists: the limits are set below, and add_patch would work
        # out the data limits again for every cell (a third of the chart's time)
        for i, row in enumerate(values):
            y = n_rows - 1 - i
            parts = []
            for j, v in enumerate(row):
                text = _share_text(v)
                if _visible(v):
                    level = float(v) / top
                    ax.add_artist(
                        Rectangle((j, y), 1, 1, facecolor=_SHADES(level), edgecolor="white", linewidth=1.5)
                    )
                    colour = "white" if level > 0.6 else INK
                elif is_hidden(v):
                    ax.add_artist(
                        Rectangle(
                            (j, y), 1, 1, facecolor="#eef1f2", edgecolor="white", linewidth=1.5, hatch="///"
                        )
                    )
                    colour = MUTED
                else:
                    ax.add_artist(Rectangle((j, y), 1, 1, facecolor="white", edgecolor=GRID, linewidth=0.8))
                    colour = MUTED
                ax.text(j + 0.5, y + 0.5, text, ha="center", va="center", fontsize=9, color=colour)
                parts.append(f"{columns[j]} {text}")
            described.append(f"{labels[i]}: {', '.join(parts)}")
        ax.set_xlim(0, n_cols)
        ax.set_ylim(0, n_rows)
        ax.set_yticks([n_rows - 1 - i + 0.5 for i in range(len(rows))], labels)
        for tick, (_label, is_theme) in zip(ax.get_yticklabels(), rows, strict=True):
            tick.set_fontweight("bold" if is_theme else "normal")
            tick.set_color(INK if is_theme else MUTED)
        ax.set_xticks([j + 0.5 for j in range(len(columns))], heads)
        ax.xaxis.tick_top()
        ax.tick_params(axis="both", length=0, labelsize=9.5)
        ax.tick_params(axis="x", colors=INK, labelsize=9)
        for side in ("top", "right", "left", "bottom"):
            ax.spines[side].set_visible(False)
        return _svg(fig, chart_id, title, "; ".join(described))


def tone_bars(chart_id: str, title: str, items: Sequence[tuple[str, Value, Value, Value]]) -> Markup:
    """One 100% bar per row, split into positive, neutral and negative shares (0..1).

    ``items`` = (label, positive, neutral, negative). Where some shares are hidden, the shown
    positive share is drawn from the left and the shown negative share from the right, and the
    rest of the bar is hatched and marked '*' (the table shows the same figures); a row with
    nothing shown gets only its marker."""
    labels = [label for label, *_s in items]
    series = (("Positive", TEAL, "white"), ("Neutral", NEUTRAL, INK), ("Negative", ACCENT, "white"))
    with matplotlib.rc_context(_RC):
        height = 0.9 + 0.36 * max(len(items), 1)
        fig = _bar_figure(6.0, height, labels, 9.5, top=0.4)
        fig.subplots_adjust(bottom=0.45 / height)
        ax = fig.add_subplot()
        ys = list(range(len(items)))[::-1]
        described = []
        for y, (label, *shares) in zip(ys, items, strict=True):
            if all(_visible(s) for s in shares):
                left = 0.0
                for (_name, colour, ink), s in zip(series, shares, strict=True):
                    w = float(s)
                    ax.barh(y, w, left=left, height=0.62, color=colour)
                    if w >= 0.07:
                        ax.text(left + w / 2, y, pct(w, 0), ha="center", va="center", fontsize=8.5, color=ink)
                    left += w
            elif any(_visible(s) for s in shares):
                # disclosure control hides at least two of the three (they add up to 100%): draw
                # the one shown at its end of the bar, the rest hatched and marked '*'
                pos, _neu, neg = shares
                start, end = 0.0, 1.0
                if _visible(pos):
                    start = float(pos)
                    ax.barh(y, start, height=0.62, color=TEAL)
                    if start >= 0.07:
                        ax.text(
                            start / 2, y, pct(start, 0), ha="center", va="center", fontsize=8.5, color="white"
                        )
                if _visible(neg):
                    end = 1.0 - float(neg)
                    ax.barh(y, float(neg), left=end, height=0.62, color=ACCENT)
                    if float(neg) >= 0.07:
                        ax.text(
                            (end + 1) / 2,
                            y,
                            pct(neg, 0),
                            ha="center",
                            va="center",
                            fontsize=8.5,
                            color="white",
                        )
                ax.barh(
                    y, end - start, left=start, height=0.62, color="#eef1f2", hatch="///", edgecolor="white"
                )
                ax.text((start + end) / 2, y, HIDDEN, ha="center", va="center", fontsize=9.5, color=MUTED)
            else:
                mark = HIDDEN if any(is_hidden(s) for s in shares) else MISSING
                ax.text(0.01, y, mark, va="center", ha="left", fontsize=9.5, color=MUTED)
            described.append(
                f"{label}: "
                + ", ".join(f"{n.lower()} {pct(s, 0)}" for (n, _c, _i), s in zip(series, shares, strict=True))
            )
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.6, len(items) - 0.4)
        ax.set_yticks(ys, labels)
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["0%", "25%", "50%", "75%", "100%"])
        ax.tick_params(axis="y", length=0, labelsize=9.5)
        ax.tick_params(axis="x", labelsize=8.5, colors=MUTED)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        ax.spines["bottom"].set_color(GREY)
        handles = [Rectangle((0, 0), 1, 1, color=c) for _n, c, _i in series]
        ax.legend(
            handles,
            [n for n, _c, _i in series],
            loc="lower left",
            bbox_to_anchor=(0, 1.0),
            ncol=3,
            frameon=False,
            fontsize=9,
            handlelength=1.0,
            borderaxespad=0.2,
        )
        return _svg(fig, chart_id, title, "; ".join(described))
