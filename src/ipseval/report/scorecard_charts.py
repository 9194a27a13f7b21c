"""Chart for the four factors section: each area's fidelity total against its job entry rate.

Same conventions as :mod:`.charts`: values arrive already selected from protected tables ("*" =
hidden, None = missing), nothing is computed here beyond placing them, and the SVG is
self-contained. No fitted line is drawn: through a handful of areas a line reads as a
relationship even when the correlation's interval spans zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib
from markupsafe import Markup
from matplotlib.ticker import MultipleLocator

from ..fidelity.items import DEFAULT_CUTS, Cuts
from .charts import _RC, ACCENT, GRID, INK, MUTED, TEAL, _clean, _pct_axis, _svg, _visible
from .fidelity_charts import _plain_figure, band_shades
from .format import number, pct
from .text_width import text_width

Value = Any
LABEL_SIZE = 8.5
# where a label may go, relative to its point (offset in points, horizontal and vertical alignment)
_PLACES = [
    (7, 0, "left", "center"),
    (-7, 0, "right", "center"),
    (0, 7, "center", "bottom"),
    (0, -7, "center", "top"),
    (6, 6, "left", "bottom"),
    (6, -6, "left", "top"),
    (-6, 6, "right", "bottom"),
    (-6, -6, "right", "top"),
    *(
        (dx, dy, ha, "center")
        for dy in (13, -13, 20, -20, 27, -27)
        for dx, ha in ((9, "left"), (-9, "right"))
    ),
]


def _box(x: float, y: float, w: float, h: float, ha: str, va: str) -> tuple[float, float, float, float]:
    x0 = x if ha == "left" else x - w if ha == "right" else x - w / 2
    y0 = y if va == "bottom" else y - h if va == "top" else y - h / 2
    return (x0, y0, x0 + w, y0 + h)


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(w, 0.0) * max(h, 0.0)


def _place_labels(
    ax: Any, pts: list[tuple[str, float, float]], obstacles: list[tuple[float, float, float, float]]
) -> list[tuple[str, float, float, float, float, str, str]]:
    """Greedy label placement in display points: each label takes the first of :data:`_PLACES`
    that overlaps nothing placed so far (points, whiskers, other labels) and stays inside the axes;
    failing that, the least overlapping. Returns (label, x, y, dx, dy, ha, va)."""
    to_pt = ax.transData.transform
    scale = 72 / ax.figure.dpi
    frame = ax.get_window_extent()
    fx0, fy0, fx1, fy1 = (v * scale for v in (frame.x0, frame.y0, frame.x1, frame.y1))
    taken = list(obstacles)
    out = []
    # the most crowded points first, so they get the best places
    order = sorted(
        pts,
        key=lambda p: (
            -sum(1 for q in pts if abs(to_pt((q[1], q[2]))[0] - to_pt((p[1], p[2]))[0]) * scale < 60)
        ),
    )
    for label, x, y in order:
        px, py = (v * scale for v in to_pt((x, y)))
        w, h = text_width(label, LABEL_SIZE), LABEL_SIZE * 1.15
        best, best_cost = None, float("inf")
        for dx, dy, ha, va in _PLACES:
            box = _box(px + dx, py + dy, w, h, ha, va)
            outside = (
                max(fx0 - box[0], 0) + max(box[2] - fx1, 0) + max(fy0 - box[1], 0) + max(box[3] - fy1, 0)
            )
            cost = sum(_overlap(box, t) for t in taken) + 1000 * outside
            if cost < best_cost:
                best, best_cost = (dx, dy, ha, va, box), cost
            if cost == 0:
                break
        assert best is not None
        dx, dy, ha, va, box = best
        taken.append(box)
        out.append((label, x, y, dx, dy, ha, va))
    return out


def fidelity_scatter(
    chart_id: str,
    title: str,
    points: Sequence[tuple[str, Value, Value, Value, Value]],
    reference: Value = None,
    reference_label: str = "All areas",
    cuts: Cuts = DEFAULT_CUTS,
) -> Markup:
    """Job entry rate (with its 95% CI) against the latest IPS-25 total, one labelled point per
    area, over the fidelity bands, with the all-areas rate as a dashed line.

    ``points`` = (area, fidelity total, rate, ci_low, ci_high); a point whose total or rate is
    hidden or missing is left out (the section says which); ``cuts`` are the settings' fidelity
    band cut points.
    """
    shown = [(a, float(x), float(y), lo, hi) for a, x, y, lo, hi in points if _visible(x) and _visible(y)]
    xs = [p[1] for p in shown]
    tops = [float(p[4]) if _visible(p[4]) else p[2] for p in shown]
    if _visible(reference):
        tops.append(float(reference))
    xmin = max(25.0, min([*xs, 90.0]) - 8)
    xmax = min(125.0, max([*xs, 100.0]) + 8)
    ymax = min(1.0, max([*tops, 0.1]) * 1.12)
    with matplotlib.rc_context(_RC):
        fig = _plain_figure(6.4, 4.0, left=0.75, right=0.75, bottom=0.55, top=0.3)
        ax = fig.add_subplot()
        for low, high, label, fill in band_shades(cuts):
            lo_x, hi_x = max(low, xmin), min(high, xmax)
            if hi_x <= lo_x:
                continue
            ax.axvspan(lo_x, hi_x, color=fill, zorder=0, linewidth=0)
            ax.text(
                (lo_x + hi_x) / 2,
                1.01,
                label,
                transform=ax.get_xaxis_transform(),
                ha="center",
                va="bottom",
                fontsize=8.5,
                color=MUTED,
            )
        ax.set_xlim(xmin, xmax)
        ax.set_ylim(0, ymax)
        if _visible(reference):
            ax.axhline(float(reference), color=ACCENT, linestyle=(0, (4, 3)), linewidth=1.2, zorder=1)
            ax.text(
                1.01,
                float(reference),
                f"{reference_label}\n{pct(reference)}",
                transform=ax.get_yaxis_transform(),
                ha="left",
                va="center",
                fontsize=8.5,
                color=ACCENT,
            )
        obstacles = []
        to_pt = ax.transData.transform
        scale = 72 / fig.dpi
        for _a, x, y, lo, hi in shown:
            if _visible(lo) and _visible(hi):
                ax.vlines(x, float(lo), float(hi), color=TEAL, linewidth=1.2, alpha=0.55, zorder=2)
                (x0, y0), (_x1, y1) = to_pt((x, float(lo))), to_pt((x, float(hi)))
                obstacles.append((x0 * scale - 1.5, y0 * scale, x0 * scale + 1.5, y1 * scale))
            px, py = (v * scale for v in to_pt((x, y)))
            obstacles.append((px - 4, py - 4, px + 4, py + 4))
        ax.scatter(xs, [p[2] for p in shown], s=30, color=TEAL, zorder=3, edgecolors="white", linewidths=0.8)
        for label, x, y, dx, dy, ha, va in _place_labels(ax, [(a, x, y) for a, x, y, *_ in shown], obstacles):
            far = abs(dy) > 8
            ax.annotate(
                label,
                (x, y),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                fontsize=LABEL_SIZE,
                color=INK,
                zorder=4,
                arrowprops={"arrowstyle": "-", "color": MUTED, "linewidth": 0.6, "shrinkA": 0, "shrinkB": 3}
                if far
                else None,
            )
        ax.xaxis.set_major_locator(MultipleLocator(10 if xmax - xmin > 30 else 5))
        _pct_axis(ax.yaxis)
        ax.grid(color=GRID, linewidth=0.8)
        ax.set_axisbelow(True)
        _clean(ax, keep=("left", "bottom"))
        ax.set_xlabel("Total IPS-25 score at the latest review (25 to 125)", fontsize=9.5)
        ax.set_ylabel("Job entry rate", fontsize=9.5)
        ax.tick_params(labelsize=8.5)
        desc = "; ".join(f"{a}: fidelity {number(x, 0)}, job entry {pct(y)}" for a, x, y, *_ in points)
        return _svg(fig, chart_id, title, desc)
