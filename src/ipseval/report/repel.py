"""Label repelling: place a label beside each point so that no two labels overlap, and none
covers a point or a fixed obstacle (a legend, another label), in a few lines of numpy.

Boxes are in display points (the chart's own units: what :func:`.text_width.text_width` measures),
y upwards. Each label starts just above and to the right of its point; then, in rounds, every pair
of overlapping boxes is pushed apart along the axis where they overlap least (half each), a box on
a point or an obstacle is pushed off it, and the box is kept inside the plot; a label moves only
while it overlaps something, so it stays as near its point as the others let it. A label still
overlapping after the rounds (pushes can go round in circles in a crowd) moves to the nearest
free place on rings around its point. Everything is deterministic: ties are broken by the labels' order,
never at random, so a chart is drawn the same way every time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Box = tuple[float, float, float, float]  # x0, y0, x1, y1


@dataclass(frozen=True)
class Placement:
    """Where a label went: its box's centre, and whether it moved far enough from its point to
    need a leader line back to it."""

    x: float
    y: float
    width: float
    height: float
    leader: bool

    @property
    def box(self) -> Box:
        return (
            self.x - self.width / 2,
            self.y - self.height / 2,
            self.x + self.width / 2,
            self.y + self.height / 2,
        )


def _boxes(centres: np.ndarray, sizes: np.ndarray, pad: float) -> np.ndarray:
    half = sizes / 2 + pad / 2
    return np.hstack([centres - half, centres + half])


def _overlaps(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Overlap widths and heights of every box of ``a`` with every box of ``b`` (<= 0: apart)."""
    w = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0])
    h = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1])
    return w, h


def _push_apart(centres: np.ndarray, sizes: np.ndarray, pad: float) -> np.ndarray:
    """One round of pushes between overlapping labels: each pair moves apart along the axis where
    it overlaps least, half each (a pair on the same spot parts vertically, the later one up)."""
    boxes = _boxes(centres, sizes, pad)
    w, h = _overlaps(boxes, boxes)
    n = len(centres)
    hit = (w > 0) & (h > 0) & ~np.eye(n, dtype=bool)
    dx = centres[:, None, 0] - centres[None, :, 0]
    dy = centres[:, None, 1] - centres[None, :, 1]
    order = np.sign(np.arange(n)[:, None] - np.arange(n)[None, :]).astype(float)
    sx = np.where(dx != 0, np.sign(dx), order)
    sy = np.where(dy != 0, np.sign(dy), order)
    along_x = w < h
    move = np.zeros_like(centres)
    move[:, 0] = np.where(hit & along_x, sx * w / 2, 0).sum(axis=1)
    move[:, 1] = np.where(hit & ~along_x, sy * h / 2, 0).sum(axis=1)
    return move


def _push_off(centres: np.ndarray, sizes: np.ndarray, fixed: np.ndarray, pad: float) -> np.ndarray:
    """Pushes that take each label off the fixed boxes (points, obstacles) it covers."""
    if not len(fixed):
        return np.zeros_like(centres)
    boxes = _boxes(centres, sizes, pad)
    w, h = _overlaps(boxes, fixed)
    hit = (w > 0) & (h > 0)
    fx, fy = (fixed[:, 0] + fixed[:, 2]) / 2, (fixed[:, 1] + fixed[:, 3]) / 2
    sx = np.where(centres[:, None, 0] >= fx[None, :], 1.0, -1.0)
    sy = np.where(centres[:, None, 1] >= fy[None, :], 1.0, -1.0)
    along_x = w < h
    move = np.zeros_like(centres)
    move[:, 0] = np.where(hit & along_x, sx * w, 0).sum(axis=1)
    move[:, 1] = np.where(hit & ~along_x, sy * h, 0).sum(axis=1)
    return move


def _clamp(centres: np.ndarray, sizes: np.ndarray, bounds: Box | None) -> np.ndarray:
    if bounds is None:
        return centres
    low = np.array(bounds[:2]) + sizes / 2
    high = np.maximum(np.array(bounds[2:]) - sizes / 2, low)
    return np.clip(centres, low, high)


def _free(box: np.ndarray, taken: list[np.ndarray]) -> bool:
    if not taken:
        return True
    w, h = _overlaps(box[None, :], np.array(taken))
    return not bool(((w > 0) & (h > 0)).any())


def _repair(
    centres: np.ndarray,
    sizes: np.ndarray,
    fixed: np.ndarray,
    pad: float,
    anchors: np.ndarray,
    bounds: Box | None,
) -> np.ndarray:
    """Labels still overlapping after the pushes move, in order, to the nearest free spot on
    rings around their point (inside the bounds if any ring has one there, else anywhere)."""
    out = centres.copy()
    taken: list[np.ndarray] = list(fixed)
    for i in range(len(out)):
        here = _boxes(out[i : i + 1], sizes[i : i + 1], pad)[0]
        if _free(here, taken) and _inside(here, bounds):
            taken.append(here)
            continue
        step = max(float(sizes[i, 1]) / 2, 1.0)
        found = None
        for ring in range(1, 400):
            spots = _ring(anchors[i], ring * step, 8 + 4 * ring)
            spots = spots[np.argsort(np.hypot(*(spots - out[i]).T), kind="stable")]
            for spot in spots:
                box = _boxes(spot[None, :], sizes[i : i + 1], pad)[0]
                if _free(box, taken) and (_inside(box, bounds) or ring > 200):
                    found = spot
                    break
            if found is not None:
                break
        if found is not None:
            out[i] = found
        taken.append(_boxes(out[i : i + 1], sizes[i : i + 1], pad)[0])
    return out


def _ring(centre: np.ndarray, radius: float, count: int) -> np.ndarray:
    angles = np.arange(count) * 2 * np.pi / count
    return centre + radius * np.column_stack([np.cos(angles), np.sin(angles)])


def _inside(box: np.ndarray, bounds: Box | None) -> bool:
    if bounds is None:
        return True
    return bool(
        box[0] >= bounds[0] - 1e-6
        and box[1] >= bounds[1] - 1e-6
        and box[2] <= bounds[2] + 1e-6
        and box[3] <= bounds[3] + 1e-6
    )


def repel(
    points: Sequence[tuple[float, float]],
    sizes: Sequence[tuple[float, float]],
    bounds: Box | None = None,
    obstacles: Sequence[Box] = (),
    marker: float = 3.0,
    pad: float = 4.0,
    offset: float = 4.0,
    rounds: int = 120,
) -> list[Placement]:
    """A place for each label (``sizes`` = (width, height)) near its point, in display points.

    No two labels overlap (boxes widened by ``pad``), and no label covers a point (a square of
    half-side ``marker``) or an ``obstacle``; labels stay inside ``bounds`` (x0, y0, x1, y1) where
    there is room. A label that had to move more than ``offset`` + a little from its first place
    (above right of its point) is marked for a leader line."""
    if not len(points):
        return []
    anchors = np.asarray(points, dtype=float).reshape(-1, 2)
    size = np.asarray(sizes, dtype=float).reshape(-1, 2)
    dots = np.hstack([anchors - marker, anchors + marker])
    fixed = np.vstack([dots, np.asarray(obstacles, dtype=float).reshape(-1, 4)])
    start = anchors + size / 2 + offset
    centres = _clamp(start.copy(), size, bounds)
    for _ in range(rounds):
        move = _push_apart(centres, size, pad) + _push_off(centres, size, fixed, pad)
        if not move.any():
            break
        centres = _clamp(centres + 1.05 * move, size, bounds)
    centres = _repair(centres, size, fixed, pad, anchors, bounds)
    far = np.hypot(*(centres - start).T) > offset + 2
    return [
        Placement(float(c[0]), float(c[1]), float(s[0]), float(s[1]), bool(f))
        for c, s, f in zip(centres, size, far, strict=True)
    ]


def leader_end(place: Placement, point: tuple[float, float]) -> tuple[float, float]:
    """Where a leader line from ``point`` meets the label's box: the nearest point of the box."""
    x0, y0, x1, y1 = place.box
    return (min(max(point[0], x0), x1), min(max(point[1], y0), y1))
