"""Charts for the wellbeing section: mean change by domain with 95% intervals.

Same conventions as :mod:`.charts`: values arrive already protected ("*" = hidden, None =
missing), nothing is computed here beyond placing them, and the SVG is self-contained.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib
from markupsafe import Markup

from .charts import _RC, ACCENT, GREY, GRID, INK, MUTED, TEAL, _bar_figure, _svg, _visible
from .format import HIDDEN, MISSING, is_hidden

Value = Any
Estimate = tuple[Value, Value, Value]  # (mean change, 95% CI low, high)
SERIES_COLOURS = (TEAL, ACCENT, "#7a6c9d")
SERIES_MARKERS = ("o", "D", "s")


def signed(v: Value, dp: int = 1) -> str:
    """+1.5 / -0.3 (a change, its sign always shown); '*' hidden, '–' missing."""
    if is_hidden(v):
        return HIDDEN
    if not _visible(v):
        return MISSING
    return f"{float(v):+.{dp}f}"


def change_dots(
    chart_id: str,
    title: str,
    items: Sequence[tuple[str, Sequence[Estimate]]],
    series: Sequence[str] = ("All clients",),
    axis_label: str = "Mean change (0–100 scale, positive = better)",
) -> Markup:
    """One row per domain: a dot at the mean change and a whisker for its 95% interval, per
    series (e.g. all clients; or found work / did not), with a line at no change (0).

    ``items`` = (label, [(mean, low, high) per series]); a hidden mean is labelled '*' at 0.
    With one series each dot carries its value as text.
    """
    labels = [label for label, _est in items]
    k = max(len(series), 1)
    with matplotlib.rc_context(_RC):
        height = 1.0 + (0.36 + 0.16 * (k - 1)) * max(len(items), 1)
        fig = _bar_figure(5.8, height, labels, 10, top=0.35 if k > 1 else 0.12)
        fig.subplots_adjust(bottom=0.6 / height, right=0.9 if k == 1 else 0.97)
        ax = fig.add_subplot()
        ys = list(range(len(items)))[::-1]
        shown = [
            float(v)
            for _l, est in items
            for e in est
            for v in e
            if _visible(v) and isinstance(v, int | float)
        ]
        lo_lim = min([*shown, 0.0])
        hi_lim = max([*shown, 1.0])
        pad = 0.08 * (hi_lim - lo_lim)
        lo_lim, hi_lim = lo_lim - pad, hi_lim + pad
        ax.axvline(0.0, color=GREY, linewidth=1.2)
        offsets = [0.0] if k == 1 else [0.22 - 0.44 * i / (k - 1) for i in range(k)]
        described = []
        for y, (label, estimates) in zip(ys, items, strict=True):
            parts = []
            for i, (mean, low, high) in enumerate(estimates):
                yy = y + offsets[i]
                colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
                if _visible(mean):
                    if _visible(low) and _visible(high):
                        ax.plot([float(low), float(high)], [yy, yy], color=colour, linewidth=1.8)
                    ax.plot(
                        [float(mean)],
                        [yy],
                        SERIES_MARKERS[i % len(SERIES_MARKERS)],
                        color=colour,
                        markersize=6.5,
                        zorder=3,
                    )
                    if k == 1:
                        end = float(high) if _visible(high) else float(mean)
                        ax.annotate(
                            signed(mean),
                            (end, yy),
                            xytext=(5, 0),
                            textcoords="offset points",
                            va="center",
                            fontsize=9.5,
                            color=INK,
                        )
                else:
                    ax.text(0.0, yy, f"  {signed(mean)}", va="center", ha="left", fontsize=9.5, color=MUTED)
                name = f"{series[i]} " if k > 1 else ""
                interval = (
                    f" (95% CI {signed(low)} to {signed(high)})" if _visible(low) and _visible(high) else ""
                )
                parts.append(f"{name}{signed(mean)}{interval}")
            described.append(f"{label}: {', '.join(parts)}")
        ax.set_xlim(lo_lim, hi_lim)
        ax.set_yticks(ys, labels)
        ax.set_ylim(-0.6, len(items) - 0.4)
        ax.tick_params(axis="y", length=0, labelsize=10)
        ax.tick_params(axis="x", labelsize=9)
        ax.set_xlabel(axis_label, fontsize=9.5, color=MUTED)
        ax.grid(axis="x", color=GRID, linewidth=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        if k > 1:
            for i, name in enumerate(series):
                ax.plot(
                    [],
                    [],
                    SERIES_MARKERS[i % len(SERIES_MARKERS)],
                    color=SERIES_COLOURS[i % len(SERIES_COLOURS)],
                    label=name,
                )
            fig.legend(frameon=False, fontsize=9, loc="upper right", ncols=k)
        return _svg(fig, chart_id, title, "; ".join(described))
