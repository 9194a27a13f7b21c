"""Labels beside a chart's points, placed by :mod:`.repel` so that none overlaps another, a point
or the plot's edge, with a thin leader line from a label that had to move away from its point.

Works in display points: the axes' limits and the figure's margins must be final before the
labels are placed (they fix where each point is drawn).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .charts import MUTED
from .repel import Box, repel
from .text_width import text_width

LABEL_SIZE = 8.5
LINE_HEIGHT = 1.2  # a label's box height, in font sizes


def _to_points(ax: Any, x: float, y: float) -> tuple[float, float]:
    scale = 72 / ax.figure.dpi
    px, py = ax.transData.transform((x, y))
    return (float(px) * scale, float(py) * scale)


def plot_box(ax: Any) -> Box:
    """The axes' frame in display points."""
    scale = 72 / ax.figure.dpi
    frame = ax.get_window_extent()
    return (frame.x0 * scale, frame.y0 * scale, frame.x1 * scale, frame.y1 * scale)


def label_points(
    ax: Any,
    points: Sequence[tuple[str, float, float]],
    size: float = LABEL_SIZE,
    obstacles: Sequence[Box] = (),
    colour: str = "#1d2b2e",
) -> None:
    """Write each (label, x, y) beside its point in data coordinates, repelled from the others."""
    at = [_to_points(ax, x, y) for _label, x, y in points]
    sizes = [(text_width(label, size), size * LINE_HEIGHT) for label, _x, _y in points]
    placed = repel(at, sizes, bounds=plot_box(ax), obstacles=obstacles)
    for (label, x, y), (px, py), place in zip(points, at, placed, strict=True):
        ax.annotate(
            label,
            (x, y),
            xytext=(place.x - px, place.y - py),
            textcoords="offset points",
            ha="center",
            va="center",
            fontsize=size,
            color=colour,
            zorder=4,
            arrowprops={"arrowstyle": "-", "color": MUTED, "linewidth": 0.6, "shrinkA": 1, "shrinkB": 3.5}
            if place.leader
            else None,
        )
