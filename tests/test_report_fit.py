"""Report tables fit the screen and the page with every column: a wide table gets a smaller type
(or wrapping cells), a long narrow one prints in two columns, and wrapped figures stay whole."""

from __future__ import annotations

import re

import polars as pl

from ipseval.report.table_fit import SCREEN, SCREEN_WIDTH, fit_classes, glue, natural_width
from ipseval.report.tables import Col, TableSpec, render_table


def _coefficients() -> TableSpec:
    """The published-style model's table: three models of odds ratio, CI, p-value and effect."""
    cols = [Col("label", "Characteristic", align="left")]
    for m, name in enumerate(("Unadjusted", "Adjusted", "Complete cases")):
        cols += [
            Col(f"or{m}", f"{name}: OR"),
            Col(f"ci{m}", "95% CI"),
            Col(f"p{m}", "p-value"),
            Col(f"me{m}", "Marginal effect"),
        ]
    row = {"label": "10-19"}
    for m in range(3):
        row |= {f"or{m}": "45.36", f"ci{m}": "8.58 to 239.73", f"p{m}": "<0.001 ‡", f"me{m}": "+47.6 pp"}
    return TableSpec(id="coef", caption="Coefficients", columns=cols, rows=[row] * 4)


def test_a_wide_table_gets_a_smaller_type_and_keeps_every_column() -> None:
    spec = _coefficients()
    html = str(render_table(spec))
    classes = re.search(r'class="table-block([^"]*)"', html).group(1).split()
    assert "fit-s12" in classes and "fit-p70" in classes  # smaller on screen and on paper
    headers = re.findall(r'<th[^>]*scope="col"[^>]*>(.*?)</th>', html, re.DOTALL)
    assert len(headers) == len(spec.columns)  # nothing dropped
    assert "Complete cases: OR" in html and html.count("p-value") == 3
    assert "8.58\u00a0to 239.73" in html and "&lt;0.001\u00a0‡" in html and "+47.6\u00a0pp" in html


def test_a_narrow_table_keeps_the_usual_type() -> None:
    spec = TableSpec(
        id="small",
        caption="Small",
        columns=[Col("label", "Area", align="left"), Col("n", "Clients")],
        rows=[{"label": f"Area {i}", "n": str(i)} for i in range(5)],
    )
    classes = re.search(r'class="table-block([^"]*)"', str(render_table(spec))).group(1).split()
    assert not [c for c in classes if c.startswith(("fit-", "wrap-", "print-"))]


def test_a_long_narrow_table_prints_in_two_columns() -> None:
    cells = [("Characteristic", [f"Level {i}" for i in range(60)]), ("N = 714", ["134 (18.8%)"] * 60)]
    assert "print-columns" in fit_classes(cells, rows=60)
    assert "print-columns" not in fit_classes(cells, rows=10)
    assert "print-columns" not in fit_classes(cells, wraps=True, rows=60)  # long text needs the width


def test_the_estimate_errs_wide_and_grows_with_the_type() -> None:
    cols = [("Characteristic", ["IPS meetings attended"]), ("95% CI", ["8.58 to 239.73"])]
    assert natural_width(cols, 12, SCREEN) < natural_width(cols, 14, SCREEN) < SCREEN_WIDTH
    wide = [*cols, *[("Marginal effect", ["+47.6 pp"])] * 20]
    assert "wrap-s" in fit_classes(wide)  # too wide even in the smallest type: cells wrap


def test_glue_keeps_figures_whole_but_leaves_row_labels() -> None:
    data = pl.DataFrame({"label": ["1 to 2 years"], "ci": ["30.2% (26.9% to 33.7%)"], "p": ["0.004 ‡"]})
    out = glue(data, "label").row(0)
    assert out == ("1 to 2 years", "30.2% (26.9%\u00a0to 33.7%)", "0.004\u00a0‡")
