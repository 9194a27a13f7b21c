"""Report charts as inline, self-contained SVG (matplotlib, Agg-free ``Figure`` objects).

Charts draw values that section builders selected from protected tables; they compute nothing.
A hidden value (``"*"``) gets no bar or point and is labelled ``*``; a missing one is left out.
Text stays text (``svg.fonttype = none``) in the page's font stack, and everything that could
point outside the file (XML prolog, DOCTYPE, metadata, namespace URLs) is stripped, so the SVG
can sit inside report.html with no network reference at all.
"""

from __future__ import annotations

import html
import io
import math
import re
from collections.abc import Sequence
from typing import Any

import matplotlib
from markupsafe import Markup
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MultipleLocator
from matplotlib.transforms import blended_transform_factory

from .format import DAYS_PER_MONTH, count, is_hidden, is_missing, pct
from .text_width import text_width

TEAL = "#0b5563"
TEAL_LIGHT = "#8cc3c8"
GREY = "#a3aeb0"
INK = "#1d2b2e"
MUTED = "#5b6b6e"
ACCENT = "#c8553d"
GRID = "#e3eaeb"

FONT_STACK = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif"

_RC = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 10,
    "axes.edgecolor": GREY,
    "axes.labelcolor": INK,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlecolor": INK,
    "axes.titlelocation": "left",
    "xtick.color": MUTED,
    "ytick.color": INK,
    "text.color": INK,
    "hatch.color": GREY,
}

Value = Any  # a number, "*" (hidden) or None (missing)
_GROUND = {"facecolor": "white", "edgecolor": "none", "pad": 0.6}  # a label's ground over lines


def _visible(v: Value) -> bool:
    return not is_hidden(v) and not is_missing(v)


def _pct_axis(axis: Any) -> None:
    axis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{100 * x:.0f}%"))


def _clean(ax: Any, keep: Sequence[str] = ("bottom",)) -> None:
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(side in keep)


def _svg(fig: Figure, chart_id: str, title: str, description: str = "") -> Markup:
    """The figure as an inline <svg> with a <title>, no fixed size and no external references."""
    buf = io.StringIO()
    with matplotlib.rc_context(_RC | {"svg.hashsalt": chart_id}):
        fig.savefig(
            buf,
            format="svg",
            metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
        )
    s = buf.getvalue()
    s = re.sub(r"<\?xml[^>]*\?>\s*", "", s)
    s = re.sub(r"<!DOCTYPE[^>]*>\s*", "", s)
    s = re.sub(r"<metadata>.*?</metadata>\s*", "", s, flags=re.DOTALL)
    s = re.sub(r"<style[^>]*>.*?</style>\s*", "", s, flags=re.DOTALL)
    s = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", s)
    s = s.replace("xlink:href=", "href=")
    s = re.sub(r"font-family: [^;\"]*", f"font-family: {FONT_STACK}", s)
    # ids matplotlib writes for every group ("figure_1", "text_3") would repeat across charts;
    # keep only the ids something refers to (clip paths, markers: salted per chart), and the ids
    # a chart gave its own parts (prefixed with the chart's id, so unique on the page)
    referenced = set(re.findall(r"url\(#([^)]+)\)", s)) | set(re.findall(r'href="#([^"]+)"', s))
    own = f"{chart_id}-"
    s = re.sub(
        r'\sid="([^"]*)"',
        lambda m: m.group(0) if m.group(1) in referenced or m.group(1).startswith(own) else "",
        s,
    )
    label = html.escape(title)
    desc = f"<desc>{html.escape(description)}</desc>" if description else ""
    # no fixed size: the chart fills its column up to its drawn width (so text never grows
    # beyond the size it was drawn at) and shrinks with the screen
    s = re.sub(
        r'<svg width="([\d.]+)pt" height="[^"]*"',
        lambda m: (
            f'<svg class="chart-svg" role="img" aria-labelledby="{chart_id}-title" '
            f'preserveAspectRatio="xMinYMin meet" style="max-width: {float(m.group(1)):.0f}pt"'
        ),
        s,
        count=1,
    )
    s = s.replace(">", f'><title id="{chart_id}-title">{label}</title>{desc}', 1)
    return Markup(s.strip())


def _curve_and_risk_axes(width: float, height: float) -> tuple[Figure, Any, Any]:
    """A figure with a curve's axes above a strip for the number at risk (placed by
    :func:`_place_curve_and_risk`, once the axes' limits and ticks are known)."""
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(width, height))
    curve = fig.add_subplot(2, 1, 1)
    return fig, curve, fig.add_subplot(2, 1, 2, sharex=curve)


def _place_curve_and_risk(fig: Figure, curve: Any, risk: Any, tick_size: float = 9.5) -> None:
    """Margins that fit the tick labels, in points (constrained layout found the same ones by
    drawing the figure twice). DejaVu Sans digits are all one width, so a label as long as the
    top of the y axis is as wide as its widest tick label; a label on the very top or right edge
    of the curve's axes overhangs it by half its height or width."""
    width, height = (72 * v for v in fig.get_size_inches())
    top_share, (_x0, x_end) = curve.get_ylim()[1], curve.get_xlim()
    # the edge, the y axis label's line (10.5 pt type), its pad, the tick's pad and length
    left = 3 + 11.6 + 4 + text_width(f"{100 * top_share:.0f}%", tick_size) + 7
    right = 3.2
    plot_w = width - left - right
    last = max((t for t in curve.get_xticks() if t <= x_end), default=0.0)  # locators run past the ends
    overhang = text_width(f"{last:.0f}", tick_size) / 2 - (x_end - last) / x_end * plot_w
    if overhang > 0:
        plot_w -= overhang
    top = 3.0 + (3.3 if any(abs(t - top_share) < 1e-9 for t in curve.get_yticks()) else 0.0)
    curve.set_position((left / width, 79 / height, plot_w / width, (height - 79 - top) / height))
    risk.set_position((left / width, 3 / height, plot_w / width, 36.9 / height))


def _bar_figure(
    width: float, height: float, labels: Sequence[str], label_size: float, top: float = 0.1
) -> Figure:
    """A figure whose left margin fits the longest bar label, measured from the font's glyphs.

    Cheaper than constrained layout, which draws each figure several times to find its margins.
    """
    widest = max((text_width(label, label_size) for label in labels), default=0.0)
    left = (widest + 10) / 72 / width  # points -> inches -> share of the width, plus a small gap
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(width, height))
    fig.subplots_adjust(left=min(left, 0.6), right=0.97, bottom=0.3 / height, top=1 - top / height)
    return fig


def share_bars(chart_id: str, title: str, items: Sequence[tuple[str, Value, bool]]) -> Markup:
    """Horizontal bars of shares (0..1) with a % label on each; ``items`` = (label, share, muted).

    A muted bar (e.g. Unknown) is grey. A hidden share has no bar and is labelled '*'.
    """
    with matplotlib.rc_context(_RC):
        labels = [label for label, _v, _m in items]
        fig = _bar_figure(4.4, 0.45 + 0.3 * max(len(items), 1), labels, 9.5)
        ax = fig.add_subplot()
        ys = list(range(len(items)))[::-1]
        shown = [float(v) for _l, v, _m in items if _visible(v)]
        xmax = max([*shown, 0.05]) * 1.28
        bars = [
            (y, float(v), GREY if muted else TEAL)
            for y, (_l, v, muted) in zip(ys, items, strict=True)
            if _visible(v)
        ]
        if bars:  # one call for all the bars: a call per bar costs several times as much
            bar_y, bar_v, bar_c = zip(*bars, strict=True)
            ax.barh(bar_y, bar_v, height=0.68, color=bar_c)
        for y, (_label, v, _muted) in zip(ys, items, strict=True):
            text = pct(v)
            if _visible(v):
                ax.text(float(v) + xmax * 0.015, y, text, va="center", ha="left", fontsize=9.5, color=INK)
            else:
                ax.text(xmax * 0.015, y, text, va="center", ha="left", fontsize=9.5, color=MUTED)
        ax.set_yticks(ys, labels)
        ax.tick_params(axis="y", length=0, labelsize=9.5)
        ax.tick_params(axis="x", labelsize=8.5)
        ax.set_xlim(0, xmax)
        ax.set_ylim(-0.6, len(items) - 0.4)
        _pct_axis(ax.xaxis)
        _share_ticks(ax, xmax)
        ax.grid(axis="x", color=GRID, linewidth=0.8)
        ax.set_axisbelow(True)
        _clean(ax, keep=("left",))
        ax.spines["left"].set_color(GREY)
        parts = [f"{label}: {pct(v)}" for label, v, _m in items]
        return _svg(fig, chart_id, title, "; ".join(parts))


def _share_ticks(ax: Any, xmax: float) -> None:
    """Percentage ticks at a nice step, never past 100% (the axis runs on to leave room for labels)."""
    step = _nice_step(min(xmax, 1.0))
    ax.set_xticks([i * step for i in range(int(min(xmax, 1.0) / step + 1e-9) + 1)])


def _nice_step(span: float) -> float:
    for step in (0.05, 0.1, 0.2, 0.25):
        if span / step <= 6:
            return step
    return 0.25


def rate_bars(
    chart_id: str,
    title: str,
    items: Sequence[tuple[str, Value, Value, Value]],
    reference: Value = None,
    reference_label: str = "All areas",
) -> Markup:
    """Rates by group with 95% CI whiskers and a reference line (e.g. the overall rate).

    ``items`` = (label, rate, ci_low, ci_high); a hidden rate has no bar and is labelled '*'.
    """
    with matplotlib.rc_context(_RC):
        fig = _bar_figure(5.0, 0.95 + 0.4 * max(len(items), 1), [label for label, *_ in items], 10.5, top=0.3)
        ax = fig.add_subplot()
        ys = list(range(len(items)))[::-1]
        highs = [float(h) for _l, r, _lo, h in items if _visible(r) and _visible(h)]
        highs += [float(r) for _l, r, _lo, _h in items if _visible(r)]
        if _visible(reference):
            highs.append(float(reference))
        xmax = min(1.0, max([*highs, 0.1]) * 1.12) if highs else 1.0
        xmax = max(xmax, 0.1)
        for y, (_label, r, lo, hi) in zip(ys, items, strict=True):
            if _visible(r):
                ax.barh(y, float(r), height=0.62, color=TEAL_LIGHT)
                end = float(r)
                if _visible(lo) and _visible(hi):
                    ax.errorbar(
                        float(r),
                        y,
                        # a rate of 0% or 100% can sit a rounding error outside its interval
                        xerr=[[max(float(r) - float(lo), 0.0)], [max(float(hi) - float(r), 0.0)]],
                        fmt="none",
                        ecolor=TEAL,
                        elinewidth=1.3,
                        capsize=3,
                    )
                    end = float(hi)
                # on a white ground, so the reference line passes behind the figure, not through it
                ax.text(
                    end + xmax * 0.012,
                    y,
                    pct(r),
                    va="center",
                    ha="left",
                    fontsize=10.5,
                    zorder=3,
                    bbox=_GROUND,
                )
            else:
                ax.text(xmax * 0.012, y, pct(r), va="center", ha="left", fontsize=10.5, color=MUTED)
        if _visible(reference):
            # the line stops under its label, which sits in a row of its own above the bars
            top = len(items) - 0.45
            ax.vlines(
                float(reference), -0.6, top, color=ACCENT, linestyles=(0, (4, 3)), linewidth=1.4, zorder=2,
                gid=f"{chart_id}-reference",
            )  # fmt: skip
            near_axis = float(reference) < 0.2 * xmax  # centred, the label would run into the axis
            ax.text(
                float(reference),
                top + 0.12,
                f"{reference_label} {pct(reference)}",
                gid=f"{chart_id}-reference-label",
                color=ACCENT,
                ha="left" if near_axis else "center",
                va="bottom",
                fontsize=10,
            )
        ax.set_yticks(ys, [label for label, *_ in items])
        ax.tick_params(axis="y", length=0, labelsize=10.5)
        ax.tick_params(axis="x", labelsize=9.5)
        ax.set_xlim(0, xmax * 1.1)
        ax.set_ylim(-0.6, len(items) + 0.15)
        _pct_axis(ax.xaxis)
        ax.grid(axis="x", color=GRID, linewidth=0.8)
        ax.set_axisbelow(True)
        _clean(ax, keep=("left", "bottom"))
        parts = [f"{label}: {pct(r)}" for label, r, _lo, _hi in items]
        if reference is not None:
            parts.append(f"{reference_label}: {pct(reference)}")
        return _svg(fig, chart_id, title, "; ".join(parts))


def time_to_job(
    chart_id: str,
    title: str,
    points: Sequence[tuple[float, float, float, float]],
    at_risk: Sequence[tuple[int, Value]],
    marks: Sequence[tuple[int, Value]] = (),
) -> Markup:
    """Share who had started a job (cumulative incidence) by months since engagement: a step line, a 95% CI band, and the
    number at risk under the axis (as in survival plots). ``points`` = (day, in_work, low, high),
    visible points only, in order; ``at_risk`` = (month, number or '*'); ``marks`` = (month, share
    in work) labelled on the curve (e.g. at 3, 6, 9 and 12 months; '*' if hidden)."""
    with matplotlib.rc_context(_RC):
        xs = [0.0] + [d / DAYS_PER_MONTH for d, *_ in points]
        ys = [0.0] + [p[1] for p in points]
        lo = [0.0] + [p[2] if p[2] is not None else p[1] for p in points]
        hi = [0.0] + [p[3] if p[3] is not None else p[1] for p in points]
        fig, ax, risk = _curve_and_risk_axes(5.0, 3.8)
        months_risk = [m for m, _v in at_risk]
        xmax = max([*xs, *months_risk, 3.0])
        xmax = 3 * math.ceil(xmax / 3)
        if points:
            ax.fill_between(
                xs, lo, hi, step="post", color=TEAL_LIGHT, alpha=0.45, linewidth=0, label="95% CI"
            )
            ax.step(xs, ys, where="post", color=TEAL, linewidth=2, label="Share in work")
            for m, v in marks:
                if _visible(v):
                    ax.plot([m], [float(v)], "o", color=TEAL, markersize=4.5, zorder=3)
                    ax.annotate(
                        pct(v),
                        (m, float(v)),
                        xytext=(-4, 7),
                        textcoords="offset points",
                        ha="right",
                        va="bottom",
                        fontsize=10,
                        color=INK,
                    )
                elif is_hidden(v):
                    ax.annotate(
                        pct(v), (m, 0), xytext=(0, 4), textcoords="offset points", ha="center", fontsize=10
                    )
        else:
            ax.text(0.5, 0.5, "Not enough clients to show the curve", transform=ax.transAxes, ha="center")
        ax.set_ylim(0, min(1.0, max([*hi, 0.1]) * 1.15))
        ax.set_xlim(0, xmax + 0.4)
        _pct_axis(ax.yaxis)
        ax.xaxis.set_major_locator(MultipleLocator(3))
        ax.grid(color=GRID, linewidth=0.8)
        ax.set_axisbelow(True)
        _clean(ax, keep=("left", "bottom"))
        ax.set_ylabel("Share who have started a job", fontsize=10.5)
        ax.set_xlabel("Months since engagement", fontsize=10.5)
        ax.tick_params(labelsize=9.5)
        ax.legend(loc="lower right", frameon=False, fontsize=10)
        # number at risk, aligned with the months on the axis above
        risk.set_ylim(0, 1)
        risk.set_yticks([])
        risk.tick_params(axis="x", length=0, labelbottom=False)
        _clean(risk, keep=())
        trans = blended_transform_factory(risk.transData, risk.transAxes)
        for m, v in at_risk:
            risk.text(m, 0.35, count(v), transform=trans, ha="center", va="center", fontsize=10.5)
        risk.text(
            0.0,
            0.92,
            "Number at risk",
            transform=risk.transAxes,
            ha="left",
            va="center",
            fontsize=10,
            color=MUTED,
        )
        desc = "Number at risk: " + ", ".join(f"{m} months {count(v)}" for m, v in at_risk)
        if marks:
            desc = "Share in work: " + ", ".join(f"{m} months {pct(v)}" for m, v in marks) + ". " + desc
        _place_curve_and_risk(fig, ax, risk)
        return _svg(fig, chart_id, title, desc)
