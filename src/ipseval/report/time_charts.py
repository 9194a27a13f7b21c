"""Charts over calendar time, and the COVID-19 period shaded on each of them.

A :class:`Period` (from the settings: ``report.covid_start`` and ``report.covid_end``) is drawn
as a light band behind the data with a small label just above the plot, so it never sits on a
line or another label. Same conventions as :mod:`.charts`: values arrive already selected from
protected tables ("*" = hidden, None = missing), nothing is computed here beyond placing them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import matplotlib
from markupsafe import Markup
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure

from .charts import _RC, ACCENT, GREY, GRID, MUTED, TEAL, _clean, _svg, _visible
from .format import long_date, number

Value = Any
PERIOD_TOP = 0.22  # inches above the plot for the period's label


@dataclass(frozen=True)
class Period:
    """A span of calendar time marked on time-series charts; ``end`` None = to the chart's end."""

    start: date
    end: date | None
    label: str = "COVID-19"

    def describe(self) -> str:
        end = long_date(self.end) if self.end else "the end of the chart"
        return f"Shaded: {self.label} period, {long_date(self.start)} to {end}."


def _plain_figure(
    width: float, height: float, left: float, right: float, bottom: float, top: float
) -> Figure:
    """A figure with fixed margins in inches (constrained layout draws each figure several times)."""
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(width, height))
    fig.subplots_adjust(
        left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - top / height
    )
    return fig


def covid_period(settings: Any) -> Period | None:
    """The COVID-19 period the settings give (``report.covid_start``/``covid_end``), or None."""
    start = settings.report.covid_start
    return Period(start, settings.report.covid_end) if start else None


def shade_period(ax: Any, period: Period | None, chart_id: str) -> bool:
    """Shade ``period`` over the axes' x range (dates) and label it above the plot (the band's id:
    ``<chart_id>-period``); False (nothing drawn) when there is no period or it lies outside the
    range. Call once the x limits are set."""
    if period is None:
        return False
    x0, x1 = ax.get_xlim()
    start = max(float(date2num(period.start)), x0)
    end = min(float(date2num(period.end)) if period.end else x1, x1)
    if end <= start:
        return False
    # see-through, over any background bands (fidelity bands) and under the data
    ax.axvspan(start, end, color=MUTED, alpha=0.13, zorder=0.5, linewidth=0, gid=f"{chart_id}-period")
    ax.set_xlim(x0, x1)  # axvspan must not widen the axis
    ax.text(
        (start + end) / 2,
        1.015,
        period.label,
        transform=ax.get_xaxis_transform(),
        ha="center",
        va="bottom",
        fontsize=8,
        color=MUTED,
    )
    return True


def calendar_axes(ax: Any, period: Period | None, chart_id: str, y_label: str) -> bool:
    """The look every chart over calendar time shares: concise date ticks, the ``period`` shaded
    (see :func:`shade_period`, whose answer this returns), a light y grid, left and bottom spines
    and the y label. Call once the limits are set."""
    locator = AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    shaded = shade_period(ax, period, chart_id)
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    _clean(ax, keep=("left", "bottom"))
    ax.set_ylabel(y_label, fontsize=9.5)
    ax.tick_params(labelsize=8.5)
    return shaded


def records_over_time(
    chart_id: str,
    title: str,
    overall: Sequence[tuple[date, Value]],
    areas: Sequence[tuple[str, Sequence[tuple[date, Value]]]],
    cuts: Sequence[tuple[float, str]],
    y_label: str,
    overall_label: str = "All areas",
    period: Period | None = None,
) -> Markup:
    """A measure over time: each area as a thin grey line, all areas in bold, and the item's anchor
    cut points as dashed lines labelled with the score above or below them.

    ``cuts`` = (value, label), e.g. (20, "5 at or below"). Hidden or missing points break a line.
    ``period`` (e.g. COVID-19) is shaded where it falls within the chart.
    """

    def split(pts: Sequence[tuple[date, Value]]) -> list[list[tuple[date, float]]]:
        runs: list[list[tuple[date, float]]] = [[]]
        for d, v in pts:
            if _visible(v):
                runs[-1].append((d, float(v)))
            elif runs[-1]:
                runs.append([])
        return [r for r in runs if r]

    values = [float(v) for _a, pts in areas for _d, v in pts if _visible(v)]
    values += [float(v) for _d, v in overall if _visible(v)]
    top = max([*values, 1.0])
    # the cut points near the data (always the first one above or at it), so the data keep the room
    reach = max(top, min((c for c, _l in cuts if c >= top), default=top)) * 1.15
    cuts = [(c, label) for c, label in cuts if c <= reach]
    top = max([top, *(c for c, _l in cuts)])
    with matplotlib.rc_context(_RC):
        top_margin = 0.1 + (PERIOD_TOP if period else 0.0)
        fig = _plain_figure(6.4, 3.5 + top_margin - 0.1, left=0.7, right=0.75, bottom=0.65, top=top_margin)
        ax = fig.add_subplot()
        for _area, pts in areas:
            for run in split(pts):
                ax.plot(
                    [d for d, _ in run], [v for _, v in run], color=GREY, linewidth=0.9, alpha=0.8, zorder=2
                )
        for run in split(overall):
            ax.plot([d for d, _ in run], [v for _, v in run], color=TEAL, linewidth=2.2, zorder=3)
        for value, label in cuts:
            if value <= top * 1.08:
                ax.axhline(value, color=ACCENT, linestyle=(0, (4, 3)), linewidth=1.0, zorder=1)
                ax.text(
                    1.005,
                    value,
                    label,
                    transform=ax.get_yaxis_transform(),
                    ha="left",
                    va="center",
                    fontsize=8,
                    color=ACCENT,
                )
        ax.set_ylim(0, top * 1.12)
        shaded = calendar_axes(ax, period, chart_id, y_label)
        ax.plot([], [], color=TEAL, linewidth=2.2, label=overall_label)
        if areas:
            ax.plot([], [], color=GREY, linewidth=0.9, label="Each area")
        fig.legend(loc="lower center", ncols=2, frameon=False, fontsize=8.5)
        last = [v for _d, v in overall][-1:] or [None]
        desc = f"{overall_label}, latest: {number(last[0], 1)}"
        if shaded and period:
            desc += ". " + period.describe()
        return _svg(fig, chart_id, title, desc)
