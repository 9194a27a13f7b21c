"""The coding sheet: an Excel workbook in which the analyst reviews the suggested codes.

``write_coding_sheet`` makes it; ``read_coding_sheet`` reads the analyst's decisions back.

Sheets:

* **Coding** — one row per codable segment (what an interviewee said; interviewer turns are
  left out): ``segment_id``, ``interview``, ``role``, ``area``, ``question`` (the interviewer's
  question before it, for context), ``text`` (names already removed), ``name_flags`` (words that
  may still be names: check before quoting), the suggestions ``suggested_1``/``score_1`` ... best
  first, then the analyst's columns (shaded): ``code_1``, ``code_2``, ``code_3`` (a drop-down of
  the codebook's codes and ``none``), ``quote`` (``yes`` = a good quote) and ``notes``; last,
  ``why_suggested`` (the statement or keywords behind each suggestion).
* **README** — the workflow, in plain words.
* **Codebook** — every code with its definition, examples and keywords.
* **About** — how the suggestions were made (method, model, codebook, settings, date), read
  back when the sheet is applied.

Nothing is filled in for the analyst: a segment counts as reviewed when it has at least one code
in ``code_1..code_3``, or ``none`` ("reviewed: no code applies"). Problems in a returned sheet
are named row by row and never stop the rest being read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import polars as pl

from .codebook import NONE_CODE, Codebook, default_codebook_path

CODING_SHEET = "Coding"
ANALYST_CODE_COLUMNS = ("code_1", "code_2", "code_3")
QUOTE_YES = {"yes", "y", "x", "true", "1", "✓", "✔"}
QUOTE_NO = {"", "no", "n", "false", "0"}
PROBLEM_SCHEMA: dict[str, Any] = {
    "severity": pl.String,
    "file": pl.String,
    "table": pl.String,
    "row": pl.Int64,
    "column": pl.String,
    "value": pl.String,
    "expected": pl.String,
    "message": pl.String,
}
CODES_SCHEMA = {"segment_id": pl.String, "code": pl.String, "rank": pl.Int64}
QUOTES_SCHEMA = {"segment_id": pl.String, "code": pl.String}
_TEAL = "#0B5563"
_ANALYST = "#FFF4CC"
_FLAG = "#F8D7A8"


class CodingSheet(NamedTuple):
    """What an analyst's coding sheet says.

    ``codes``: ``segment_id, code, rank`` — one row per code given (rank = its column, 1-3);
    ``code`` is a leaf code, or ``none`` for a segment reviewed with no code applying.
    ``quotes``: ``segment_id, code`` — segments marked as good quotes, one row per code of the
    segment (``code`` null when it has none). ``problems``: one row per problem found (severity,
    file, table, row, column, value, expected, message); never fatal."""

    codes: pl.DataFrame
    quotes: pl.DataFrame
    problems: pl.DataFrame


# --- writing ----------------------------------------------------------------------------------


def write_coding_sheet(
    path: str | Path,
    segments: pl.DataFrame,
    suggestions: pl.DataFrame,
    codebook: Codebook,
    about: dict[str, str] | None = None,
    top_k: int | None = None,
    overwrite: bool = False,
) -> Path:
    """Write the coding sheet for ``segments`` (the reader's frame) with ``suggestions``
    (``segment_id, rank, code, score[, evidence]``) to ``path`` (.xlsx).

    ``about``: how the suggestions were made (method, model, ...), written to the About sheet.
    ``top_k``: how many suggestion columns (default: the most ranks any segment has, at least 1).
    An existing file is replaced only with ``overwrite=True``: it may hold an analyst's work."""
    import xlsxwriter

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"{path.name}: the coding sheet is an Excel workbook; use a name ending in .xlsx")
    if path.exists() and not overwrite:
        raise FileExistsError(
            f"{path}: already exists and may hold an analyst's coding; choose another name "
            "or allow replacing it"
        )
    rows = coding_rows(segments)
    k = top_k or max(1, int(suggestions["rank"].max() or 0) if suggestions.height else 1)
    by_seg: dict[str, list[dict[str, Any]]] = {}
    for r in suggestions.sort(["segment_id", "rank"]).iter_rows(named=True):
        by_seg.setdefault(r["segment_id"], []).append(r)

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    head = wb.add_format({"bold": True, "font_color": "white", "bg_color": _TEAL, "text_wrap": True})
    head_analyst = wb.add_format({"bold": True, "bg_color": _ANALYST, "border": 1, "text_wrap": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    top = wb.add_format({"valign": "top"})
    flag = wb.add_format({"text_wrap": True, "valign": "top", "bg_color": _FLAG})
    analyst = wb.add_format({"bg_color": _ANALYST, "valign": "top", "border": 1, "border_color": "#D9C27A"})
    score_fmt = wb.add_format({"num_format": "0.00", "valign": "top"})
    bold = wb.add_format({"bold": True})
    title = wb.add_format({"bold": True, "font_size": 14})

    ws = wb.add_worksheet(CODING_SHEET)
    columns = ["segment_id", "interview", "role", "area", "question", "text", "name_flags"]
    for i in range(1, k + 1):
        columns += [f"suggested_{i}", f"score_{i}"]
    analyst_cols = [*ANALYST_CODE_COLUMNS, "quote", "notes"]
    columns += [*analyst_cols, "why_suggested"]
    col = {c: i for i, c in enumerate(columns)}
    widths = {"segment_id": 16, "interview": 18, "role": 12, "area": 12, "question": 30, "text": 70}
    widths |= {"name_flags": 12, "notes": 30, "why_suggested": 60, "quote": 8}
    for c, i in col.items():
        w = widths.get(c, 24 if c.startswith(("suggested_", "code_")) else 8)
        ws.set_column(i, i, w)
    for c, i in col.items():
        ws.write_string(0, i, c, head_analyst if c in analyst_cols else head)
    ws.freeze_panes(1, col["text"] + 1)
    n = len(rows)
    for r_i, r in enumerate(rows, start=1):
        for c in ("segment_id", "interview", "role", "area"):
            ws.write_string(r_i, col[c], str(r[c] or ""), top)
        ws.write_string(r_i, col["question"], r["question"] or "", wrap)
        flagged = bool(r["name_flags"])
        ws.write_string(r_i, col["text"], r["text"], flag if flagged else wrap)
        ws.write_string(r_i, col["name_flags"], r["name_flags"] or "", flag if flagged else wrap)
        why = []
        for rank, s in enumerate(by_seg.get(r["segment_id"], [])[:k], start=1):
            ws.write_string(r_i, col[f"suggested_{rank}"], s["code"], top)
            ws.write_number(r_i, col[f"score_{rank}"], float(s["score"]), score_fmt)
            if s.get("evidence"):
                why.append(f"{rank}: {s['evidence']}")
        for c in analyst_cols:
            ws.write_blank(r_i, col[c], None, analyst)
        ws.write_string(r_i, col["why_suggested"], " | ".join(why), wrap)
    if n:
        leaves_range = f"=Codebook!$A$2:$A${len(codebook.leaves) + 2}"
        for c in ANALYST_CODE_COLUMNS:
            ws.data_validation(
                1,
                col[c],
                n,
                col[c],
                {
                    "validate": "list",
                    "source": leaves_range,
                    "error_type": "stop",
                    "error_title": "Not a code",
                    "error_message": "Choose a code from the list (the Codebook sheet defines "
                    "them), or 'none' when no code applies.",
                },
            )
        ws.data_validation(
            1,
            col["quote"],
            n,
            col["quote"],
            {
                "validate": "list",
                "source": ["yes"],
                "error_type": "stop",
                "error_message": "'yes' marks a good quote; leave it blank otherwise.",
            },
        )
        ws.autofilter(0, 0, n, len(columns) - 1)

    _write_readme(wb.add_worksheet("README"), title, bold, wrap, k)
    _write_codebook(wb.add_worksheet("Codebook"), codebook, head, wrap)
    info = {
        "created": datetime.now().isoformat(timespec="seconds"),
        "segments": str(n),
        "codebook": codebook.source,
        "codebook_name": codebook.name,
        "codebook_digest": codebook.digest,
        **{k_: str(v) for k_, v in (about or {}).items()},
    }
    _write_about(wb.add_worksheet("About"), info, head, wrap)
    ws.activate()
    wb.close()
    return path


def coding_rows(segments: pl.DataFrame) -> list[dict[str, Any]]:
    """The sheet's rows: each interviewee segment with the interviewer's question before it."""
    segs = segments
    if "turn" in segs.columns:
        segs = segs.sort(["interview", "segment"] if "segment" in segs.columns else ["interview", "turn"])
    out: list[dict[str, Any]] = []
    last_q: dict[str, str] = {}  # interview -> the latest interviewer question
    last_turn: dict[str, Any] = {}  # interview -> that question's turn
    for r in segs.iter_rows(named=True):
        iv = str(r.get("interview") or "")
        if r.get("is_interviewer"):
            text = str(r["text"] or "")
            # a long question split over segments of one turn: keep its pieces together
            same_turn = iv in last_q and r.get("turn") is not None and r.get("turn") == last_turn.get(iv)
            last_q[iv] = f"{last_q[iv]} {text}" if same_turn else text
            last_turn[iv] = r.get("turn")
            continue
        if not str(r.get("text") or "").strip():
            continue
        out.append(
            {
                "segment_id": str(r["segment_id"]),
                "interview": iv,
                "role": r.get("role") or "",
                "area": r.get("area") or "",
                "question": last_q.get(iv, ""),
                "text": str(r["text"]),
                "name_flags": r.get("name_flags") or "",
            }
        )
    return out


_README = [
    ("How to code these interviews", "title"),
    ("", None),
    (
        "Each row of the Coding sheet is one thing an interviewee said (a segment), with names "
        "already removed. The interviewer's question before it is shown for context.",
        None,
    ),
    (
        "ipseval has suggested up to {k} codes for each row (suggested_1 is its best guess) with a "
        "score: higher means a closer match, on the method's own scale (see the About sheet for the "
        "method). The suggestions are only a starting point: you decide.",
        None,
    ),
    ("", None),
    ("What to do", "bold"),
    (
        "1. Read the text. In code_1 choose the code that fits best (drop-down), and in code_2 and "
        "code_3 any other codes that clearly apply. Copy a suggestion if you agree with it.",
        None,
    ),
    ("2. If no code applies, choose 'none' in code_1: the row then counts as reviewed.", None),
    (
        "3. Type yes in the quote column for a segment that would make a good quote in the report.",
        None,
    ),
    ("4. Use notes for anything you want to remember; ipseval does not read it.", None),
    (
        "5. Rows with nothing in code_1 to code_3 count as not yet reviewed. You can code part of "
        "the sheet, apply it, and carry on later.",
        None,
    ),
    (
        "6. When done, save the workbook (keep the .xlsx format) and run: "
        "ipseval code DATA --apply coding.xlsx",
        None,
    ),
    ("", None),
    ("Good to know", "bold"),
    (
        "Shaded orange text: name_flags lists words that may still be people's names. Check them "
        "before choosing the segment as a quote, and fix the transcript if a name slipped through.",
        None,
    ),
    (
        "Codes are the codebook's lowest level (a sub-theme, or a theme without sub-themes). The "
        "Codebook sheet has every code's definition and examples. To change the codes, edit a copy "
        "of the codebook file and name it in ipseval.toml ([qualitative] codebook = ...), then make "
        "a new sheet.",
        None,
    ),
    (
        "Do not change segment_id or delete the header row; sort and filter freely. Rows whose "
        "segment no longer exists in the transcripts are reported when the sheet is applied.",
        None,
    ),
    (
        "Applying the sheet checks every row (unknown codes, unknown or repeated segments are listed "
        "with their row numbers), saves your codes to interviews/codes.csv in the data folder, and "
        "reports how far your codes agree with the suggestions (Cohen's kappa). A second analyst's "
        "sheet can be compared with yours: ipseval code DATA --apply yours.xlsx --second theirs.xlsx",
        None,
    ),
    (
        "This workbook holds what interviewees said. Keep it where the service's other "
        "confidential records are kept, and delete copies you no longer need.",
        None,
    ),
]


def _write_readme(ws, title, bold, wrap, k: int) -> None:
    ws.set_column(0, 0, 110)
    for i, (text, kind) in enumerate(_README):
        text = text.format(k=k)
        fmt = title if kind == "title" else bold if kind == "bold" else wrap
        if text:
            ws.write_string(i, 0, text, fmt)


def _write_codebook(ws, codebook: Codebook, head, wrap) -> None:
    # column A is the drop-down's source: the leaves, then 'none'
    cols = ["code", "theme", "label", "definition", "examples", "keywords"]
    for i, (c, w) in enumerate(zip(cols, (34, 30, 36, 70, 70, 40), strict=True)):
        ws.set_column(i, i, w)
        ws.write_string(0, i, c, head)
    r = 1
    for leaf in codebook.leaves:
        c = codebook.code(leaf)
        theme = codebook.theme(leaf)
        ws.write_string(r, 0, leaf, wrap)
        ws.write_string(r, 1, codebook.label(theme), wrap)
        ws.write_string(r, 2, c.label, wrap)
        ws.write_string(r, 3, c.definition, wrap)
        ws.write_string(r, 4, "\n".join(f"- {e}" for e in c.examples), wrap)
        ws.write_string(r, 5, ", ".join(k.text for k in c.keywords), wrap)
        r += 1
    ws.write_string(r, 0, NONE_CODE, wrap)
    ws.write_string(r, 2, "Reviewed: no code applies", wrap)
    ws.write_string(r, 3, "Choose this when you have read the segment and none of the codes fits.", wrap)
    r += 2
    where = "the built-in codebook" if codebook.source == "built-in" else codebook.source
    ws.write_string(r, 0, "Codebook", head)
    ws.write_string(r, 1, f"{codebook.name} ({where})", wrap)
    if codebook.source == "built-in":
        ws.write_string(r + 1, 1, f"To make your own, copy {default_codebook_path()}", wrap)
    for theme in codebook.themes:
        t = codebook.code(theme)
        if t.children:
            r += 2
            ws.write_string(r, 0, theme, wrap)
            ws.write_string(r, 2, t.label, wrap)
            ws.write_string(r, 3, f"Theme (coded through its sub-themes): {t.definition}", wrap)


def _write_about(ws, info: dict[str, str], head, wrap) -> None:
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 100)
    ws.write_string(0, 0, "item", head)
    ws.write_string(0, 1, "value", head)
    for i, (k, v) in enumerate(info.items(), start=1):
        ws.write_string(i, 0, k, wrap)
        ws.write_string(i, 1, v, wrap)


# --- reading ----------------------------------------------------------------------------------


class _SheetRows(NamedTuple):
    header: dict[str, int]
    rows: list[tuple[int, tuple[Any, ...]]]  # (Excel row number, values)
    about: dict[str, str]
    error: str


def _load(path: Path) -> _SheetRows:
    import openpyxl

    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return _SheetRows(
            {}, [], {}, "not an .xlsx workbook: save the coding sheet as Excel Workbook (.xlsx)"
        )
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        return _SheetRows({}, [], {}, "file not found")
    except PermissionError:
        return _SheetRows({}, [], {}, "cannot be opened (is it open in Excel? close it and try again)")
    except Exception as e:  # not a workbook, or corrupt
        return _SheetRows({}, [], {}, f"cannot be opened as an Excel workbook ({type(e).__name__})")
    try:
        ws = None
        if CODING_SHEET in wb.sheetnames:
            ws = wb[CODING_SHEET]
        else:
            for name in wb.sheetnames:
                first = next(wb[name].iter_rows(min_row=1, max_row=1, values_only=True), ())
                if any(_norm_header(v) == "segment_id" for v in first):
                    ws = wb[name]
                    break
        if ws is None:
            return _SheetRows({}, [], {}, f"no '{CODING_SHEET}' sheet with a segment_id column")
        it = ws.iter_rows(values_only=True)
        first = next(it, ())
        header: dict[str, int] = {}
        for i, v in enumerate(first):
            h = _norm_header(v)
            if h and h not in header:
                header[h] = i
        rows = [(n, tuple(vals)) for n, vals in enumerate(it, start=2)]
        about: dict[str, str] = {}
        if "About" in wb.sheetnames:
            for vals in wb["About"].iter_rows(min_row=2, values_only=True):
                if vals and vals[0] is not None:
                    about[str(vals[0])] = "" if len(vals) < 2 or vals[1] is None else str(vals[1])
        return _SheetRows(header, rows, about, "")
    finally:
        wb.close()


def _norm_header(v: Any) -> str:
    return re.sub(r"[\s-]+", "_", str(v).strip().lower()) if v is not None else ""


def _cell(vals: tuple[Any, ...], i: int | None) -> str:
    if i is None or i >= len(vals) or vals[i] is None:
        return ""
    v = vals[i]
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return re.sub(r"\s+", " ", str(v)).strip()


def read_coding_sheet(
    path: str | Path, codebook: Codebook, segments: pl.DataFrame | None = None
) -> CodingSheet:
    """The analyst's codes and quotes from a coding sheet, with every bad row named.

    ``segments`` (the current transcripts' segments) lets rows be checked against them: an
    unknown segment id (transcripts changed, or a typing slip) or an interviewer's turn is an
    error and the row is left out; text that differs from the transcript's is a warning. Also:
    an unknown code is an error (that cell is left out, the row's other codes kept); a theme that
    has sub-themes, a repeated segment (later rows ignored), ``none`` beside other codes, the same
    code twice and a quote mark other than yes/blank are named too. Codes may be typed as ids or
    labels, in any case."""
    path = Path(path)
    name = path.name
    problems: list[dict[str, Any]] = []

    def problem(severity: str, row: int | None, column: str, value: str, expected: str, msg: str) -> None:
        problems.append(
            {
                "severity": severity,
                "file": name,
                "table": "coding sheet",
                "row": row,
                "column": column,
                "value": value,
                "expected": expected,
                "message": msg,
            }
        )

    loaded = _load(path)
    empty = CodingSheet(
        pl.DataFrame(schema=CODES_SCHEMA),
        pl.DataFrame(schema=QUOTES_SCHEMA),
        pl.DataFrame(schema=PROBLEM_SCHEMA),
    )
    if loaded.error:
        problem("error", None, "", "", "a coding sheet made by 'ipseval code'", f"{name}: {loaded.error}")
        return empty._replace(problems=pl.DataFrame(problems, schema=PROBLEM_SCHEMA))
    h = loaded.header
    code_cols = sorted((c for c in h if re.fullmatch(r"code_\d+", c)), key=lambda c: int(c.split("_")[1]))
    if "segment_id" not in h or not code_cols:
        missing = " or ".join(["segment_id"] * ("segment_id" not in h) + ["code_1"] * (not code_cols))
        problem(
            "error",
            1,
            missing,
            "",
            "the header row of a sheet made by 'ipseval code'",
            f"the header row has no {missing} column: nothing could be read",
        )
        return empty._replace(problems=pl.DataFrame(problems, schema=PROBLEM_SCHEMA))

    known: dict[str, dict[str, Any]] | None = None
    if segments is not None:
        known = {
            str(r["segment_id"]): r
            for r in segments.select(
                "segment_id",
                pl.col("text").cast(pl.String),
                (pl.col("is_interviewer") if "is_interviewer" in segments.columns else pl.lit(False)).alias(
                    "is_interviewer"
                ),
            ).iter_rows(named=True)
        }
    leaves = set(codebook.leaves)
    seen: dict[str, int] = {}
    codes_rows: list[tuple[str, str, int]] = []
    quote_rows: list[tuple[str, str | None]] = []
    expected_code = "a code from the Codebook sheet, or none"

    for row_no, vals in loaded.rows:
        sid = _cell(vals, h["segment_id"])
        given = [(c, _cell(vals, h[c])) for c in code_cols]
        quote_raw = _cell(vals, h.get("quote"))
        if not sid:
            if any(v for _c, v in given) or quote_raw:
                problem(
                    "error",
                    row_no,
                    "segment_id",
                    "",
                    "the segment id the sheet was made with",
                    "codes on a row with no segment id: left out",
                )
            continue
        if sid in seen:
            if any(v for _c, v in given) or quote_raw:
                problem(
                    "error",
                    row_no,
                    "segment_id",
                    sid,
                    "each segment once",
                    f"segment {sid} appears again (first at row {seen[sid]}): this row was left out",
                )
            continue
        seen[sid] = row_no
        if known is not None:
            seg = known.get(sid)
            if seg is None:
                if any(v for _c, v in given) or quote_raw:
                    problem(
                        "error",
                        row_no,
                        "segment_id",
                        sid,
                        "a segment of the current transcripts",
                        f"no segment {sid} in the transcripts (was a transcript changed or removed "
                        "since the sheet was made?): this row was left out",
                    )
                continue
            if seg["is_interviewer"]:
                problem(
                    "error",
                    row_no,
                    "segment_id",
                    sid,
                    "an interviewee's segment",
                    f"segment {sid} is the interviewer speaking, which is not coded: left out",
                )
                continue
            sheet_text = _cell(vals, h.get("text"))
            if sheet_text and sheet_text != re.sub(r"\s+", " ", seg["text"] or "").strip():
                problem(
                    "warning",
                    row_no,
                    "text",
                    sheet_text[:60],
                    "the transcript's text",
                    f"segment {sid}'s text differs from the transcript now (edited in the sheet, or "
                    "the transcript changed): the codes were kept; check they still fit",
                )

        row_codes: list[str] = []
        for c, v in given:
            if not v:
                continue
            code = codebook.resolve(v)
            if code is None:
                problem(
                    "error", row_no, c, v, expected_code, f"'{v}' is not a code in the codebook: left out"
                )
                continue
            if code != NONE_CODE and code not in leaves:
                subs = ", ".join(codebook.code(code).children)
                problem(
                    "error",
                    row_no,
                    c,
                    v,
                    expected_code,
                    f"'{code}' is a theme with sub-themes; choose one of them ({subs}): left out",
                )
                continue
            if code in row_codes:
                problem(
                    "warning",
                    row_no,
                    c,
                    v,
                    "each code once per row",
                    f"'{code}' is given twice: counted once",
                )
                continue
            row_codes.append(code)
        if NONE_CODE in row_codes and len(row_codes) > 1:
            problem(
                "warning",
                row_no,
                "code_1",
                NONE_CODE,
                "either codes or none",
                "'none' given beside other codes: 'none' ignored",
            )
            row_codes = [c for c in row_codes if c != NONE_CODE]
        for rank, code in enumerate(row_codes, start=1):
            codes_rows.append((sid, code, rank))

        if quote_raw:
            q = quote_raw.lower()
            if q in QUOTE_YES:
                real = [c for c in row_codes if c != NONE_CODE]
                if not real:
                    problem(
                        "warning",
                        row_no,
                        "quote",
                        quote_raw,
                        "a quote on a coded segment",
                        "marked as a quote but has no code, so it cannot be shown under a theme",
                    )
                quote_rows += [(sid, c) for c in real] or [(sid, None)]
            elif q not in QUOTE_NO:
                problem(
                    "error",
                    row_no,
                    "quote",
                    quote_raw,
                    "yes, or blank",
                    f"quote '{quote_raw}' not understood: not counted as a quote",
                )

    codes = pl.DataFrame(codes_rows, schema=CODES_SCHEMA, orient="row")
    quotes = pl.DataFrame(quote_rows, schema=QUOTES_SCHEMA, orient="row")
    return CodingSheet(codes, quotes, pl.DataFrame(problems, schema=PROBLEM_SCHEMA))


def read_sheet_suggestions(path: str | Path) -> pl.DataFrame:
    """The suggestions as written into a coding sheet (``segment_id, rank, code, score``): what the
    analyst saw, for agreement statistics. Empty if the sheet cannot be read."""
    loaded = _load(Path(path))
    schema = {"segment_id": pl.String, "rank": pl.Int64, "code": pl.String, "score": pl.Float64}
    h = loaded.header
    if loaded.error or "segment_id" not in h:
        return pl.DataFrame(schema=schema)
    ranks = sorted(int(c.split("_")[1]) for c in h if re.fullmatch(r"suggested_\d+", c))
    out: list[tuple[str, int, str, float | None]] = []
    seen: set[str] = set()
    for _row, vals in loaded.rows:
        sid = _cell(vals, h["segment_id"])
        if not sid or sid in seen:
            continue
        seen.add(sid)
        for rank in ranks:
            code = _cell(vals, h[f"suggested_{rank}"])
            if not code:
                continue
            raw = (
                vals[h[f"score_{rank}"]] if f"score_{rank}" in h and h[f"score_{rank}"] < len(vals) else None
            )
            score = float(raw) if isinstance(raw, int | float) else None
            out.append((sid, rank, code, score))
    return pl.DataFrame(out, schema=schema, orient="row")


def read_sheet_about(path: str | Path) -> dict[str, str]:
    """The About sheet's items (method, model, codebook, ...) as written; {} if absent."""
    return _load(Path(path)).about


def sheet_segment_ids(path: str | Path) -> Iterable[str]:
    """Every segment id listed in a coding sheet, in order."""
    loaded = _load(Path(path))
    if loaded.error or "segment_id" not in loaded.header:
        return []
    return [s for _r, v in loaded.rows if (s := _cell(v, loaded.header["segment_id"]))]
