"""Forest plots: intervals past the axis end in an arrow at the edge; labels keep clear of the plot;
the plain-English readings follow the numbers."""

from __future__ import annotations

import re

from matplotlib.backends.backend_agg import FigureCanvasAgg

from ipseval.report.forest import ForestRow, forest, forest_figure, forest_limits
from ipseval.report.impact_words import band_reading, direction, per_meeting_reading

LIMITS = (0.25, 16.0)


def _xs(svg: str, gid: str) -> list[float]:
    """The x coordinates of the path drawn in the group with id ``gid``."""
    group = re.search(rf'<g id="{re.escape(gid)}">\s*<path d="([^"]*)"', svg)
    assert group, gid
    numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", group.group(1))]
    return numbers[0::2]


def test_an_interval_past_the_axis_stops_at_the_edge_with_an_arrow() -> None:
    rows = [
        ForestRow("0-4 meetings", 1.0, None, None, True),
        ForestRow("5-9 meetings", 3.6, 1.6, 7.9),
        ForestRow("20+ meetings", 20.5, 6.4, 900.0),  # the estimate and the interval run off the axis
        ForestRow("Each extra meeting", 0.9, 0.001, 1.2),  # runs off to the left
        ForestRow("Far out", 200.0, 40.0, 900.0),  # the whole interval lies beyond the axis
    ]
    svg = str(forest("f", "Odds", rows, limits=LIMITS))
    assert 'id="f-continues-2"' in svg and 'id="f-continues-3"' in svg
    assert 'id="f-continues-1"' not in svg  # an interval inside the axis has no arrow
    plot = _xs(svg, "f-plot")
    left, right = min(plot), max(plot)
    assert 'id="f-continues-4"' in svg
    for i in (1, 2, 3, 4):
        xs = _xs(svg, f"f-interval-{i}")
        assert left - 0.01 <= min(xs) and max(xs) <= right + 0.01, (i, xs, left, right)
    assert "Intervals that run past the axis (arrow): 20+ meetings, Each extra meeting, Far out" in svg
    assert "20.50 (6.40 to 900.00)" in svg  # the numbers column still tells the whole interval


def test_long_labels_and_numbers_keep_clear_of_the_plot_and_each_other() -> None:
    rows = [
        ForestRow("Recent meetings", heading=True),
        ForestRow("Each extra meeting in the four weeks before the period starts", 1.0, 0.89, 1.11),
        ForestRow("Meetings by the twelve-week landmark, against the lowest third", heading=True),
        ForestRow("A band of meetings with a very long description indeed", 1.0, None, None, True),
        ForestRow("9+ meetings", 123.45, 0.02, 4567.89),
        ForestRow("Hidden band", "*", "*", "*"),
    ]
    fig = forest_figure("g", rows, limits=forest_limits(rows))
    FigureCanvasAgg(fig)
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    (ax,) = fig.axes
    plot = ax.get_window_extent(renderer)
    texts = [t for t in ax.texts if t.get_text()]
    labels = [t for t in texts if t.get_text() in {r.label for r in rows}]
    numbers = [t for t in texts if t not in labels]
    assert len(labels) == len(rows)
    for t in labels:
        assert t.get_window_extent(renderer).x1 < plot.x0, t.get_text()
    for t in numbers:
        assert t.get_window_extent(renderer).x0 > plot.x1, t.get_text()
    for t in texts:
        box = t.get_window_extent(renderer)
        assert box.x0 >= 0 and box.x1 <= fig.bbox.x1, t.get_text()  # nothing cut off at the edges
    boxes = [t.get_window_extent(renderer) for t in texts]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)


def test_shared_limits_cover_both_charts_within_the_widest_axis() -> None:
    primary = [ForestRow("Each extra meeting", 0.99, 0.89, 1.11)]
    published = [ForestRow("20+", 20.5, 6.35, 66.3)]
    assert forest_limits(primary) == (0.5, 2.0)
    assert forest_limits(primary, published) == (0.5, 64.0)


def test_readings_follow_the_interval_not_a_fixed_conclusion() -> None:
    assert direction(0.89, 1.11) == "unclear"
    assert direction(1.2, 3.0) == "higher" and direction(0.2, 0.8) == "lower"
    near_one = str(per_meeting_reading(0.996, 0.89, 1.11, "four weeks", "time since engagement"))
    assert near_one.startswith("<strong>About 1.00 (95% confidence interval 0.89 to 1.11):</strong>")
    assert "do not show that attending more meetings" in near_one and "leans" not in near_one
    leaning = str(per_meeting_reading(1.3, 0.9, 1.9, "four weeks", "time since engagement"))
    assert "leans towards a higher chance" in leaning
    higher = str(per_meeting_reading(1.4, 1.1, 1.8, "four weeks", "time since engagement"))
    assert "was followed by a higher chance" in higher and "whole interval is above 1" in higher
    lower = str(per_meeting_reading(0.7, 0.5, 0.9, "four weeks", "time since engagement"))
    assert "was followed by a lower chance" in lower and "whole interval is below 1" in lower
    assert "not shown" in str(per_meeting_reading("*", "*", "*", "four weeks", "x"))
    assert band_reading("9+ meetings", 0.91, 0.33, 2.53).endswith(
        "no clear difference (the interval includes 1)"
    )
