"""A blank Excel workbook laid out as the data standard, for services that key records by hand.

One sheet per table (header row in the standard's order, bold, frozen; drop-downs for codes and
yes/no columns; date columns shown as YYYY-MM-DD) and a README sheet describing every column.
Everything is generated from schema.py, so the template cannot drift from what ipseval reads.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ipseval.schema import STANDARD_VERSION, TABLES, Column

LAST_ROW = 1_048_575  # Excel's last row, 0-based
_YES_NO = ["yes", "no"]


def _allowed(c: Column) -> str:
    if c.codes:
        return ", ".join(c.codes)
    if c.type == "bool":
        return "yes, no (also y/n, true/false, 1/0)"
    if c.type == "date":
        return "a date (YYYY-MM-DD or DD/MM/YYYY)"
    if c.type in ("integer", "number"):
        return c.expected
    return ""


def write_template(path: str | Path) -> Path:
    """Write the blank template workbook to ``path`` (.xlsx) and return the path."""
    import xlsxwriter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    title = wb.add_format({"bold": True, "font_size": 14})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    text_fmt = wb.add_format({"num_format": "@"})

    readme = wb.add_worksheet("README")
    readme.write(0, 0, f"IPS evaluation data standard v{STANDARD_VERSION}: data entry template", title)
    readme.write(
        1,
        0,
        "Fill in one sheet per table (only 'clients' is required). Keep the sheet names and the header "
        "row as they are. One row per record; leave a cell blank when the value is not known. "
        "This README sheet is not read.",
    )
    header = ["table", "column", "type", "required", "meaning", "allowed values"]
    for j, h in enumerate(header):
        readme.write(3, j, h, head)
    r = 4
    for t in TABLES.values():
        for c in t.columns:
            readme.write_row(
                r,
                0,
                [t.name, c.name, c.type, "yes" if c.required else "", c.meaning, _allowed(c)],
                wrap,
            )
            r += 1
    for j, width in enumerate((18, 26, 9, 9, 60, 60)):
        readme.set_column(j, j, width)
    readme.freeze_panes(4, 0)

    for t in TABLES.values():
        ws = wb.add_worksheet(t.name)
        for i, c in enumerate(t.columns):
            ws.write(0, i, c.name, head)
            fmt = date_fmt if c.type == "date" else text_fmt if c.type in ("text", "code") else None
            ws.set_column(i, i, max(14, len(c.name) + 3), fmt)
            if c.meaning or c.required:
                ws.write_comment(0, i, ("Required. " if c.required else "") + (c.meaning or ""))
            _validation(ws, i, c)
        ws.freeze_panes(1, 0)
    wb.close()
    return path


def _validation(ws, i: int, c: Column) -> None:  # ws: xlsxwriter Worksheet
    opts: dict[str, object] | None = None
    if c.type == "code" and c.codes and len(",".join(c.codes)) < 255:
        opts = {"validate": "list", "source": list(c.codes)}
    elif c.type == "bool":
        opts = {"validate": "list", "source": _YES_NO}
    elif c.type in ("integer", "number") and c.minimum is not None:
        kind = "integer" if c.type == "integer" else "decimal"
        if c.maximum is not None:
            opts = {"validate": kind, "criteria": "between", "minimum": c.minimum, "maximum": c.maximum}
        else:
            opts = {"validate": kind, "criteria": ">=", "value": c.minimum}
        opts["error_type"] = "warning"
    elif c.type == "date":
        opts = {
            "validate": "date",
            "criteria": "between",
            "minimum": date(1990, 1, 1),
            "maximum": date(2099, 12, 31),
            "error_type": "warning",
        }
    if opts is None:
        return
    opts.setdefault("error_title", c.name)
    opts.setdefault("error_message", f"Expected {c.expected}."[:255])
    ws.data_validation(1, i, LAST_ROW, i, opts)
