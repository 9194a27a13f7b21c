"""Report tables: a section builder describes a table as data (:class:`TableSpec`); this module
formats every cell with :mod:`.format` and lays it out with great_tables, as the last step.

great_tables is used for layout only: cells arrive already written as text, so a hidden cell
("*") and a missing one ("–") are told apart exactly as everywhere else in the report. Its HTML
is self-contained (no web fonts with the options used here); :func:`_tidy_gt_html` scopes the few
rules it writes without the table id, adds a real ``<caption>`` and refuses any network reference.
Notes go under the table rather than in its footer, so they wrap on a narrow screen.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import great_tables as gt
import polars as pl
from markupsafe import Markup

from .format import FORMATTERS, HIDDEN, MISSING, count
from .table_fit import fit_classes, glue, table_columns

FONT_STACK = [
    "system-ui",
    "-apple-system",
    "Segoe UI",
    "Roboto",
    "Helvetica Neue",
    "Arial",
    "Liberation Sans",
    "DejaVu Sans",
    "sans-serif",
]
TEAL = "#0b5563"
HIDDEN_NOTE = "* Not shown, to protect the people it describes (disclosure control)."
MISSING_NOTE = "– Not available or not applicable."
RULE = "#c9d6d8"


@dataclass(frozen=True)
class Col:
    """One column: a header, a formatter name from :data:`.format.FORMATTERS`, and the row keys
    passed to it (default: the column key alone)."""

    key: str
    label: str
    fmt: str = "text"
    fields: tuple[str, ...] = ()
    align: Literal["left", "right", "center"] = "right"

    @property
    def sources(self) -> tuple[str, ...]:
        return self.fields or (self.key,)


@dataclass
class TableSpec:
    """A table as data. The first column is the stub (row labels). A row may carry ``_indent``
    (levels of indent, gtsummary-style) and ``_strong`` (bold label, e.g. a total row)."""

    id: str
    caption: str
    columns: list[Col]
    rows: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    header: dict[str, Any] = field(default_factory=dict)  # counts in column labels: "N = {n}"
    width: str = "auto"  # or "100%" for wide tables
    wrap_text: bool = False  # long text columns wrap instead of scrolling (e.g. settings)

    def label(self, col: Col) -> str:
        """The column's header with any ``{name}`` filled from ``header`` as a count."""
        if not self.header:
            return col.label
        return col.label.format(**{k: count(v) for k, v in self.header.items()})

    def formatted(self) -> pl.DataFrame:
        """Every cell as text, via the shared formatters (the table's last data step)."""
        out: dict[str, list[str]] = {}
        for col in self.columns:
            fn = FORMATTERS[col.fmt]
            out[col.key] = [html.escape(fn(*(row.get(f) for f in col.sources))) for row in self.rows]
        return pl.DataFrame(out, schema={c.key: pl.Utf8 for c in self.columns})


def render_table(spec: TableSpec, notes: bool = True, short_rows: int = 12) -> Markup:
    """The table as a self-contained HTML fragment: a horizontally scrolling wrapper around the
    great_tables layout, then the notes (outside the scroller, so they wrap on a phone). A table
    of at most ``short_rows`` rows is kept on one printed page."""
    if not spec.rows:
        return Markup('<p class="empty">No rows to show.</p>')
    data = spec.formatted()
    classes = ["table-block"]
    if spec.wrap_text:
        classes.append("table-wrap-text")
    if len(spec.rows) <= short_rows and not spec.wrap_text:
        classes.append("table-short")
    # a smaller type, or wrapping cells, where the table would not fit the screen or the page
    classes += fit_classes(
        table_columns([spec.label(c) for c in spec.columns], data), spec.wrap_text, len(spec.rows)
    )
    body = _gt_html(spec, glue(data, spec.columns[0].key))
    out = [f'<div class="{" ".join(classes)}"><div class="table-wrap">', body, "</div>"]
    if notes:
        out += [f'<p class="table-note">{html.escape(n)}</p>' for n in table_notes(spec, data)]
    out.append("</div>")
    return Markup("".join(out))


def table_notes(spec: TableSpec, data: pl.DataFrame | None = None) -> list[str]:
    """The spec's notes plus a key to '*' and '–' when the table shows either."""
    data = data if data is not None else spec.formatted()
    cells = [data[c.key] for c in spec.columns[1:]]
    notes = list(spec.notes)
    if any((s == HIDDEN).any() for s in cells):
        notes.append(HIDDEN_NOTE)
    if any((s == MISSING).any() for s in cells):
        notes.append(MISSING_NOTE)
    return notes


def _gt_html(spec: TableSpec, data: pl.DataFrame) -> str:
    stub, *cols = spec.columns
    table = (
        gt.GT(data, rowname_col=stub.key, id=f"tbl-{spec.id}", auto_align=False)
        .tab_stubhead(label=gt.html(html.escape(spec.label(stub))))
        .cols_label(**{c.key: gt.html(html.escape(spec.label(c))) for c in cols})
        .tab_options(
            table_font_names=FONT_STACK,
            table_font_size="14px",
            table_font_color="#1d2b2e",
            table_width=spec.width,
            table_margin_left="0",
            table_margin_right="0",
            table_border_top_color=TEAL,
            table_border_bottom_color=TEAL,
            column_labels_font_weight="bold",
            column_labels_border_bottom_color=TEAL,
            column_labels_border_top_color=TEAL,
            table_body_hlines_color="#e3eaeb",
            table_body_border_bottom_color=TEAL,
            stub_border_color=RULE,
            stub_border_width="1px",
            stub_indent_length="12px",
            data_row_padding="5px",
            container_padding_y="0px",
            quarto_disable_processing=True,
        )
    )
    for c in cols:
        table = table.cols_align(align=c.align, columns=c.key)
    indents: dict[int, list[int]] = {}
    for i, row in enumerate(spec.rows):
        if row.get("_indent"):
            indents.setdefault(int(row["_indent"]), []).append(i)
    for level, rows in indents.items():
        table = table.tab_stub_indent(rows=rows, indent=2 * level)
    strong = [i for i, row in enumerate(spec.rows) if row.get("_strong")]
    if strong:
        table = table.tab_style(style=gt.style.text(weight="bold"), locations=gt.loc.stub(rows=strong))
        table = table.tab_style(style=gt.style.text(weight="bold"), locations=gt.loc.body(rows=strong))
    return _tidy_gt_html(table.as_raw_html(), f"tbl-{spec.id}", spec.caption)


_NETWORK = re.compile(r"@import|https?://|url\((?!\s*['\"]?(?:data:|#))", re.IGNORECASE)


def _tidy_gt_html(out: str, table_id: str, caption: str) -> str:
    sel = f"#{table_id}"
    # great_tables writes a few rules without the table id; scope them so they cannot restyle
    # the rest of the page.
    out = out.replace(
        f"{sel} thead, tbody, tfoot, tr, td, th {{",
        f"{sel} thead, {sel} tbody, {sel} tfoot, {sel} tr, {sel} td, {sel} th {{",
    )
    out = out.replace(
        "\n tr { background-color: transparent; }", f"\n{sel} tr {{ background-color: transparent; }}"
    )
    out = re.sub(r'\sdata-quarto-[a-z-]+="[^"]*"', "", out)
    out = out.replace(
        '<table class="gt_table">',
        f'<table class="gt_table"><caption class="tbl-caption">{html.escape(caption)}</caption>',
        1,
    )
    # only the stylesheet great_tables wrote is checked: the cells are data (an employer's web
    # address is text, and the report never fetches it)
    styles = "".join(re.findall(r"<style[^>]*>.*?</style>", out, flags=re.DOTALL | re.IGNORECASE))
    if _NETWORK.search(styles):  # pragma: no cover - guards a change in great_tables' defaults
        raise RuntimeError("great_tables output refers to the network; the report must be self-contained")
    return out
