"""Charts for the service impact section: forest plots (:mod:`.forest`), a funnel plot, group
curves, love plot.

Same conventions as :mod:`.charts`: values arrive already protected ("*" = hidden, None =
missing), nothing is computed here beyond placing them, and the SVG is self-contained.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib
import polars as pl
from markupsafe import Markup
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter

from ..schema import CHARACTERISTICS
from .charts import (
    _RC,
    ACCENT,
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
from .forest import ForestRow, forest, forest_limits
from .format import pct
from .point_labels import LABEL_SIZE, label_points

Value = Any
# characteristics the labels module knows; other covariates (e.g. a user's own) keep their names
CHARACTERISTIC_NAMES = {c.name for c in CHARACTERISTICS}

__all__ = ["ForestRow", "forest", "forest_limits", "funnel", "km_groups", "love_plot_svg"]


def funnel(
    chart_id: str,
    title: str,
    areas: Sequence[tuple[str, Value, Value]],
    limits: Sequence[tuple[float, float, float, float, float]],
    overall: Value,
) -> Markup:
    """Job entry rate against the number of clients, with 95% and 99.8% control limits around the
    overall rate. ``areas`` = (label, denominator, rate); ``limits`` = (n, lo95, hi95, lo998, hi998)."""
    with matplotlib.rc_context(_RC):
        fig = _bar_figure(5.6, 3.9, ["100%"], 9, top=0.15)
        fig.subplots_adjust(left=0.13, bottom=0.22)  # room for the rate axis label and the legend
        ax = fig.add_subplot()
        if limits:
            ns = [row[0] for row in limits]
            ax.plot(ns, [row[1] for row in limits], color=TEAL_LIGHT, linewidth=1.3, label="95% limits")
            ax.plot(ns, [row[2] for row in limits], color=TEAL_LIGHT, linewidth=1.3)
            ax.plot(
                ns,
                [row[3] for row in limits],
                color=TEAL,
                linewidth=1.1,
                linestyle=(0, (4, 3)),
                label="99.8% limits",
            )
            ax.plot(ns, [row[4] for row in limits], color=TEAL, linewidth=1.1, linestyle=(0, (4, 3)))
        if _visible(overall):
            ax.axhline(float(overall), color=ACCENT, linewidth=1.2, label=f"All areas {pct(overall)}")
        shown = [(label, float(n), float(r)) for label, n, r in areas if _visible(n) and _visible(r)]
        hidden = [label for label, n, r in areas if not (_visible(n) and _visible(r))]
        if shown:
            ax.plot(
                [n for _l, n, _r in shown],
                [r for _l, _n, r in shown],
                "o",
                color=INK,
                markersize=5.5,
                zorder=3,
            )
            ax.set_ylim(bottom=0)
            label_points(ax, shown, LABEL_SIZE)
        ax.set_xlabel("Clients in the job-entry denominator", fontsize=9.5, color=MUTED)
        ax.set_ylabel("Job entry rate", fontsize=9.5, color=MUTED)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{100 * x:.0f}%"))
        ax.tick_params(labelsize=9)
        ax.grid(color=GRID, linewidth=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        # under the plot, where no area's label can run into it
        fig.legend(loc="lower center", ncols=3, frameon=False, fontsize=8.5)
        desc = "; ".join(f"{label}: {pct(rate)} of {n}" for label, n, rate in areas)
        if hidden:
            desc += "; not shown (disclosure control): " + ", ".join(hidden)
        return _svg(fig, chart_id, title, desc)


PALETTE = (TEAL, ACCENT, "#7a6c9d", "#5b8c3a", "#b08a2e", MUTED)


def km_groups(
    chart_id: str,
    title: str,
    curves: Sequence[tuple[str, Sequence[tuple[float, float]]]],
    x_label: str = "Months since engagement",
) -> Markup:
    """Several cumulative incidence 'share who had started a job' step lines, one per group. ``curves`` = (group label,
    [(months, share in work), ...] visible points in order); a group with no points is named in the
    description as not shown."""
    with matplotlib.rc_context(_RC):
        fig = _bar_figure(5.6, 3.4, ["100%"], 9, top=0.12)
        fig.subplots_adjust(left=0.13, bottom=0.17)
        ax = fig.add_subplot()
        xmax = 3.0
        for (label, points), colour in zip(curves, PALETTE * 3, strict=False):
            if not points:
                continue
            xs = [0.0] + [float(x) for x, _y in points]
            ys = [0.0] + [float(y) for _x, y in points]
            ax.step(xs, ys, where="post", color=colour, linewidth=1.9, label=label)
            xmax = max(xmax, xs[-1])
        ax.set_xlim(0, 3 * (int(xmax / 3) + 1))
        ax.xaxis.set_major_locator(FixedLocator(list(range(0, 3 * (int(xmax / 3) + 2), 3))))
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{100 * x:.0f}%"))
        ax.set_xlabel(x_label, fontsize=9.5, color=MUTED)
        ax.set_ylabel("Share who have started a job", fontsize=9.5, color=MUTED)
        ax.tick_params(labelsize=9)
        ax.grid(color=GRID, linewidth=0.8)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.legend(loc="lower right", frameon=False, fontsize=9)
        missing = [label for label, points in curves if not points]
        desc = "; ".join(
            f"{label}: {pct(points[-1][1])} by {points[-1][0]:.0f} months"
            for label, points in curves
            if points
        )
        if missing:
            desc += "; not shown (too few people): " + ", ".join(missing)
        return _svg(fig, chart_id, title, desc)


def love_plot_svg(
    balance: pl.DataFrame, title: str = "Covariate balance", chart_id: str = "love-plot"
) -> Markup:
    """Absolute SMD per covariate level before (grey) and after (teal), with the 0.1 line (SVG)."""
    from ..impact.balance import SMD_THRESHOLD, love_plot_data
    from ..labels import characteristic_label, code_label

    def readable(covariate: str, level: str) -> str:
        if covariate in ("ps_logit", "propensity score (logit)") or covariate not in CHARACTERISTIC_NAMES:
            return f"{covariate}: {level}" if level else covariate
        name = characteristic_label(covariate)
        if not level:
            return name
        return f"{name}: {'missing' if level == '(missing)' else code_label(covariate, level)}"

    data = love_plot_data(balance)
    data = data.with_columns(
        pl.struct("covariate", "level")
        .map_elements(lambda r: readable(r["covariate"], r["level"] or ""), return_dtype=pl.Utf8)
        .alias("label")
    )
    labels = list(dict.fromkeys(data["label"].to_list()))
    ys = {label: i for i, label in enumerate(reversed(labels))}
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(5.6, 0.9 + 0.24 * len(labels)), layout="constrained")
        ax = fig.add_subplot()
        for stage, colour, marker in (("before", GREY, "o"), ("after", TEAL, "D")):
            part = data.filter((pl.col("stage") == stage) & pl.col("abs_smd").is_not_null())
            ax.scatter(
                part["abs_smd"].to_numpy(),
                [ys[lb] for lb in part["label"]],
                s=22,
                color=colour,
                marker=marker,
                label=stage.capitalize(),
                zorder=3,
            )
        ax.axvline(SMD_THRESHOLD, color=MUTED, linestyle=(0, (4, 3)), linewidth=1)
        ax.set_yticks(list(ys.values()), list(ys.keys()))
        ax.tick_params(axis="y", length=0, labelsize=8.5)
        ax.tick_params(axis="x", labelsize=8.5)
        ax.set_xlabel("Absolute standardised mean difference", fontsize=9)
        ax.set_xlim(left=0)
        ax.grid(axis="x", color=GRID, linewidth=0.8)
        ax.set_axisbelow(True)
        _clean(ax, keep=("bottom",))
        fig.legend(frameon=False, fontsize=8.5, loc="outside upper right", ncols=2)
        worst = data.filter(pl.col("stage") == "after")["abs_smd"].max()
        desc = f"{len(labels)} covariate levels; largest absolute SMD after adjustment {worst or 0:.2f}"
        return _svg(fig, chart_id, title, desc)
