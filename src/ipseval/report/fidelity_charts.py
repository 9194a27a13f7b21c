"""Charts for the fidelity section: the IPS-25 item profile, fidelity over time, records over time.

Same conventions as :mod:`.charts`: values arrive already selected from protected tables ("*" =
hidden, None = missing), nothing is computed here beyond placing them, and the SVG is
self-contained.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import matplotlib
from markupsafe import Markup
from matplotlib.ticker import FixedLocator, MultipleLocator

from ..benchmarks import fidelity_band_ranges
from ..fidelity.items import DEFAULT_CUTS, Cuts
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
    _svg,
    _visible,
)
from .format import long_date, number
from .time_charts import PERIOD_TOP, Period, _plain_figure, calendar_axes, records_over_time

__all__ = ["band_shades", "fidelity_trend", "item_profile", "records_over_time"]

Value = Any
# muted, distinguishable line colours for teams (colour-blind-safe order, Okabe-Ito based)
TEAM_COLOURS = (
    "#0b5563",
    "#c8553d",
    "#e69f00",
    "#56b4e9",
    "#009e73",
    "#cc79a7",
    "#5b6b6e",
    "#8c6d31",
    "#3b4cc0",
)
_BAND_FILLS = {
    "exemplary": ("Exemplary", "#dcefe9"),
    "good": ("Good", "#eaf4f1"),
    "fair": ("Fair", "#f6f3ea"),
    "not_ips": ("Not IPS", "#f8ecea"),
}


def band_shades(cuts: Cuts = DEFAULT_CUTS) -> list[tuple[float, float, str, str]]:
    """(low, high, label, fill) of each fidelity band on a continuous axis, from the settings'
    cut points (the lowest totals of the exemplary, good and fair bands): a band runs from its
    lowest total to the next band's, so the shades meet without gaps."""
    ranges = fidelity_band_ranges(cuts)
    shades = []
    for key, low, high in ranges:
        top = high if key == "exemplary" else high + 1
        shades.append((float(low), float(top), *_BAND_FILLS[key]))
    return shades


def item_profile(
    chart_id: str,
    title: str,
    items: Sequence[tuple[int, str, str, Value, Value, Value]],
) -> Markup:
    """Horizontal bars of item scores (1-5), items in the scale's order, grouped by section.

    ``items`` = (item number, section label, item name, score, low, high): low/high (optional)
    draw a whisker, e.g. the lowest and highest team. A section label starts a new group.
    """
    labels = [f"{n}. {name}" for n, _s, name, *_ in items]
    rows: list[tuple[str, Any] | None] = []  # None = section heading row
    sections: list[tuple[int, str]] = []
    current = None
    for it in items:
        if it[1] != current:
            current = it[1]
            sections.append((len(rows), current))
            rows.append(None)
        rows.append((labels[len([r for r in rows if r is not None])], it))
    with matplotlib.rc_context(_RC):
        height = 0.7 + 0.24 * len(rows)
        fig = _bar_figure(6.2, height, labels, 9, top=0.15)
        fig.subplots_adjust(bottom=0.5 / height)
        ax = fig.add_subplot()
        n = len(rows)
        ys = list(range(n))[::-1]
        ticks, tick_labels = [], []
        bar_y, bar_v, bar_c, range_y, range_lo, range_hi = [], [], [], [], [], []
        for y, row in zip(ys, rows, strict=True):
            if row is None:
                continue
            label, (_num, _sec, _name, v, lo, hi) = row
            ticks.append(y)
            tick_labels.append(label)
            if _visible(v):
                bar_y.append(y)
                bar_v.append(float(v))
                bar_c.append(TEAL_LIGHT if _visible(lo) else TEAL)
                if _visible(lo) and _visible(hi):
                    range_y.append(y)
                    range_lo.append(float(lo))
                    range_hi.append(float(hi))
                ax.text(5.62, y, number(v, 1), va="center", ha="right", fontsize=8.5, color=INK)
            else:
                ax.text(0.05, y, number(v, 1), va="center", ha="left", fontsize=8.5, color=MUTED)
        # one call per kind of mark: drawing 25 bars one by one costs several times as much
        ax.barh(bar_y, bar_v, height=0.66, color=bar_c)
        if range_y:
            ax.hlines(range_y, range_lo, range_hi, color=TEAL, linewidth=1.4)
            ax.plot([*range_lo, *range_hi], [*range_y, *range_y], "|", color=TEAL, markersize=6)
        for pos, name in sections:
            y = ys[pos]
            ax.text(
                -0.02,
                y,
                name.upper(),
                transform=ax.get_yaxis_transform(),
                ha="right",
                va="center",
                fontsize=8.5,
                fontweight="bold",
                color=MUTED,
            )
            if pos:
                ax.axhline(y + 0.5, color=GREY, linewidth=0.8)
        ax.set_yticks(ticks, tick_labels)
        ax.tick_params(axis="y", length=0, labelsize=9)
        ax.tick_params(axis="x", labelsize=8.5)
        ax.set_xlim(0, 5.7)
        ax.xaxis.set_major_locator(FixedLocator([1, 2, 3, 4, 5]))
        ax.set_ylim(-0.6, n - 0.4)
        ax.grid(axis="x", color=GRID, linewidth=0.8)
        ax.set_axisbelow(True)
        _clean(ax, keep=("left", "bottom"))
        ax.set_xlabel("Item score (1 to 5)", fontsize=9)
        desc = "; ".join(f"item {n} {name}: {number(v, 1)}" for n, _s, name, v, _lo, _hi in items)
        return _svg(fig, chart_id, title, desc)


def _band_background(ax: Any, ymin: float, ymax: float, cuts: Cuts) -> None:
    for low, high, label, fill in band_shades(cuts):
        lo, hi = max(low, ymin), min(high, ymax)
        if hi <= lo:
            continue
        ax.axhspan(lo, hi, color=fill, zorder=0, linewidth=0)
        ax.text(
            0.01,
            (lo + hi) / 2,
            label,
            transform=ax.get_yaxis_transform(),
            ha="left",
            va="center",
            fontsize=8.5,
            color=MUTED,
            zorder=1,
        )


def fidelity_trend(
    chart_id: str,
    title: str,
    series: Sequence[tuple[str, Sequence[tuple[date, Value]]]],
    period: Period | None = None,
    cuts: Cuts = DEFAULT_CUTS,
) -> Markup:
    """Total IPS-25 score at each review, one line per team, over the fidelity bands.

    ``series`` = (team, [(review date, total), ...]) in date order; ``period`` (e.g. COVID-19) is
    shaded where it falls within the chart; ``cuts`` are the settings' band cut points.
    """
    values = [float(v) for _t, pts in series for _d, v in pts if _visible(v)]
    ymin = max(25.0, min([*values, 80.0]) - 8)
    ymax = 125.0
    with matplotlib.rc_context(_RC):
        legend_rows = (len(series) + 2) // 3
        height = 3.2 + 0.2 * legend_rows
        top = 0.1 + (PERIOD_TOP if period else 0.0)
        fig = _plain_figure(
            6.4, height + top - 0.1, left=0.7, right=0.2, bottom=0.45 + 0.2 * legend_rows, top=top
        )
        ax = fig.add_subplot()
        _band_background(ax, ymin, ymax, cuts)
        for i, (team, pts) in enumerate(series):
            shown = [(d, float(v)) for d, v in pts if _visible(v)]
            if not shown:
                continue
            colour = TEAM_COLOURS[i % len(TEAM_COLOURS)]
            ax.plot(
                [d for d, _ in shown],
                [v for _, v in shown],
                "-o",
                color=colour,
                linewidth=1.6,
                markersize=4.5,
                label=team,
                zorder=3,
            )
        ax.set_ylim(ymin, ymax)
        ax.margins(x=0.08)
        ax.yaxis.set_major_locator(MultipleLocator(10))
        shaded = calendar_axes(ax, period, chart_id, "Total score (25 to 125)")
        if series:
            fig.legend(loc="lower center", ncols=min(3, len(series)), frameon=False, fontsize=8.5)
        desc = "; ".join(
            f"{team}: " + ", ".join(f"{long_date(d)} {number(v, 0)}" for d, v in pts) for team, pts in series
        )
        if shaded and period:
            desc += ". " + period.describe()
        return _svg(fig, chart_id, title, desc)
