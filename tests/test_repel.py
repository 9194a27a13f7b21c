"""Label repelling (ipseval.report.repel): on any cloud of points no two labels overlap, no label
covers a point, labels stay in the plot when there is room, and the same input gives the same
placement."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ipseval.report.repel import leader_end, repel

BOUNDS = (0.0, 0.0, 400.0, 260.0)

clouds = st.lists(
    st.tuples(
        st.floats(0, 400, allow_nan=False),
        st.floats(0, 260, allow_nan=False),
        st.floats(15, 110, allow_nan=False),  # label width, points
        st.floats(8, 12, allow_nan=False),  # label height
    ),
    min_size=1,
    max_size=14,
)


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) + 1e-6 and min(a[3], b[3]) > max(a[1], b[1]) + 1e-6


@settings(max_examples=100, deadline=None)
@given(clouds)
def test_no_two_labels_overlap_and_none_covers_a_point(cloud: list[tuple[float, ...]]) -> None:
    points = [(x, y) for x, y, _w, _h in cloud]
    placed = repel(points, [(w, h) for _x, _y, w, h in cloud], bounds=BOUNDS, marker=3.0)
    assert len(placed) == len(cloud)
    boxes = [p.box for p in placed]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not _overlap(a, b), (a, b)
        for x, y in points:
            assert not _overlap(a, (x - 3, y - 3, x + 3, y + 3)), (a, (x, y))
    for box in boxes:  # 14 labels fit a 400 x 260 plot easily: all stay inside
        assert box[0] >= -1e-6 and box[1] >= -1e-6 and box[2] <= 400 + 1e-6 and box[3] <= 260 + 1e-6


@settings(max_examples=40, deadline=None)
@given(clouds)
def test_placement_is_deterministic(cloud: list[tuple[float, ...]]) -> None:
    points = [(x, y) for x, y, _w, _h in cloud]
    sizes = [(w, h) for _x, _y, w, h in cloud]
    assert repel(points, sizes, bounds=BOUNDS) == repel(points, sizes, bounds=BOUNDS)


def test_labels_on_one_spot_part_and_get_leader_lines() -> None:
    # three areas with almost the same size and rate (Ealing, Hounslow and Brent in the demo)
    points = [(300.0, 140.0), (301.0, 141.0), (305.0, 140.5)]
    placed = repel(points, [(30.0, 10.0), (45.0, 10.0), (28.0, 10.0)], bounds=BOUNDS)
    boxes = [p.box for p in placed]
    assert not any(_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    assert any(p.leader for p in placed)
    for p, point in zip(placed, points, strict=True):
        end = leader_end(p, point)
        x0, y0, x1, y1 = p.box
        assert x0 <= end[0] <= x1 and y0 <= end[1] <= y1


def test_a_lone_label_stays_beside_its_point_with_no_leader() -> None:
    (p,) = repel([(100.0, 100.0)], [(40.0, 10.0)], bounds=BOUNDS, offset=4.0)
    assert not p.leader
    assert p.box[0] >= 100.0 and p.box[1] >= 100.0  # above right of the point
    assert p.box[0] - 100.0 < 6 and p.box[1] - 100.0 < 6


def test_obstacles_are_kept_clear() -> None:
    legend = (280.0, 200.0, 400.0, 260.0)
    placed = repel([(330.0, 220.0)], [(50.0, 10.0)], bounds=BOUNDS, obstacles=[legend])
    assert not _overlap(placed[0].box, legend)
