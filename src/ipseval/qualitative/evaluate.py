"""The qualitative part of an evaluation: read the interviews, take the analyst's coding (or make
suggestions), and return the ``qualitative_*`` result tables.

Which coding is used, in order:

1. ``[qualitative] coding_sheet``, the analyst's completed coding sheet, when the settings name
   one (an explicit choice wins);
2. ``<data folder>/interviews/codes.csv`` (``segment_id, code, quote``), written by
   ``ipseval code --apply``;
3. otherwise suggestions by ``[qualitative] method`` (embedding or keyword), marked in every
   table and in the report as unreviewed; only each segment's best suggestion is counted.

A segment the analyst marked as a quote is quoted once, under its first code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from ..results import ResultTable
from ..settings import Settings, SettingsError
from . import setting_path
from .tables import problems_table, qualitative_tables

__all__ = ["CODES_FILE", "FILE_NAME_HOLDS_NAME", "interview_tables", "interviews_folder", "read_codes_csv"]

CODES_FILE = "codes.csv"
# the transcript reader's warning for a file name that may hold a person's name (such file names
# are not published)
FILE_NAME_HOLDS_NAME = "seems to hold a person's name"
WITHHELD_FILE = "(file name not shown: it may hold a name)"
_YES = {"yes", "y", "true", "1", "x", "quote"}


def interview_tables(data_folder: Path | None, store: Any, settings: Settings) -> dict[str, ResultTable]:
    """Every qualitative table for the data set in ``data_folder``; {} when it has no
    ``interviews`` folder or no transcripts. ``store`` gives the areas table (integration strength)."""
    from .codebook import load_codebook
    from .transcripts import read_interviews

    folder = interviews_folder(data_folder)
    if folder is None:
        return {}
    iset = read_interviews(folder, settings)
    if iset.interviews.height == 0:
        return {}
    codebook = load_codebook(setting_path(settings, settings.qualitative.codebook))
    quotes = pl.DataFrame(schema={"segment_id": pl.String, "code": pl.String})
    codes_path = folder / CODES_FILE
    sheet = setting_path(settings, settings.qualitative.coding_sheet)
    extra: list[dict[str, str]] = []
    if sheet is not None:
        codes, quotes, extra = _coding_sheet(sheet, codebook, iset.segments)
        source = "analyst"
    elif codes_path.is_file():
        codes, quotes, extra = read_codes_csv(codes_path, codebook)
        source = "analyst"
        extra += _unmatched(codes, iset.segments, codes_path.name)
    else:
        from .suggest import EmbeddingCache, suggest_detailed

        q = settings.qualitative
        # embeddings come from the store's cache (filled by fill_embedding_cache before the store
        # was opened read-only), so the model is loaded only for text it has not seen
        con = getattr(store, "con", None)
        cache = EmbeddingCache(con=con) if con is not None else None
        made = suggest_detailed(iset.segments, codebook, q.method, q.top_k, q.min_score, cache=cache)
        codes = made.frame.select("segment_id", "rank", "code", "score")
        source = f"suggested: {made.method}"
    areas = store.table("areas") if "areas" in store.tables_present else None
    tables = qualitative_tables(iset, codes, quotes, codebook, settings, areas, source)
    # codes.csv sits beside the transcripts but is not one: the reader's "not read" note is noise
    read = iset.problems.filter(pl.col("file") != CODES_FILE).select("file", "severity", "problem")
    problems = pl.concat(
        [read, pl.DataFrame(extra, schema=_PROBLEMS)],
        how="vertical_relaxed",
    )
    tables["qualitative_problems"] = problems_table(_hide_named_files(problems))
    return tables


_PROBLEMS = {"file": pl.String, "severity": pl.String, "problem": pl.String}


def fill_embedding_cache(data_folder: Path | None, db_path: Path, settings: Settings) -> int:
    """Embed the interview segments the evaluation will suggest codes for, into the store's
    embedding cache (written here, while the store is not yet open read-only), so the evaluation
    and every re-run find them there. Returns the number of texts newly embedded (0 when the
    analyst's coding is used, the keyword method applies, or all were cached)."""
    from .codebook import load_codebook
    from .suggest import EmbeddingCache, resolve_method, suggest_detailed
    from .transcripts import read_interviews

    folder = interviews_folder(data_folder)
    q = settings.qualitative
    if (
        folder is None
        or setting_path(settings, q.coding_sheet) is not None
        or (folder / CODES_FILE).is_file()
    ):
        return 0
    try:
        if resolve_method(q.method)[0] != "embedding":
            return 0
        iset = read_interviews(folder, settings)
        if iset.interviews.height == 0:
            return 0
        codebook = load_codebook(setting_path(settings, q.codebook))
    except SettingsError:
        return 0  # the evaluation itself names the problem
    cache = EmbeddingCache(db_path)
    made = suggest_detailed(iset.segments, codebook, q.method, q.top_k, q.min_score, cache=cache)
    return made.cache_misses


def interviews_folder(data_folder: Path | None) -> Path | None:
    """The data folder's ``interviews`` sub-folder (any case, as the CSV reader finds it), or None."""
    if data_folder is None or not Path(data_folder).is_dir():
        return None
    exact = Path(data_folder) / "interviews"
    if exact.is_dir():
        return exact
    return next(
        (p for p in sorted(Path(data_folder).iterdir()) if p.is_dir() and p.name.lower() == "interviews"),
        None,
    )


def read_codes_csv(path: Path, codebook: Any) -> tuple[pl.DataFrame, pl.DataFrame, list[dict[str, str]]]:
    """The analyst's codes.csv as (codes: segment_id, code; quotes: segment_id, code; problems).

    ``code`` may be a code id or its label (see ``Codebook.resolve``); 'none' (no code applies)
    is dropped; a code not in the codebook is reported, not used. ``quote`` marks a quote with
    yes / y / true / 1 / x."""
    raw = pl.read_csv(path, infer_schema=False, truncate_ragged_lines=True)
    raw = raw.rename({c: c.strip().lower() for c in raw.columns})
    missing = [c for c in ("segment_id", "code") if c not in raw.columns]
    if missing:
        raise SettingsError(f"{path}: no column {', '.join(missing)} (expected segment_id, code, quote)")
    if "quote" not in raw.columns:
        raw = raw.with_columns(pl.lit("").alias("quote"))
    rows = []
    unknown = 0
    for r in raw.iter_rows(named=True):
        sid = (r["segment_id"] or "").strip()
        text = (r["code"] or "").strip()
        if not sid or not text:
            continue
        code = codebook.resolve(text)
        if code is None:
            unknown += 1
            continue
        if code == "none":
            continue
        rows.append((sid, code, (r["quote"] or "").strip().lower() in _YES))
    frame = pl.DataFrame(
        rows, schema={"segment_id": pl.String, "code": pl.String, "quote": pl.Boolean}, orient="row"
    )
    frame = frame.unique(["segment_id", "code"], keep="first", maintain_order=True)
    problems = []
    if unknown:
        problems.append(
            {
                "file": path.name,
                "severity": "warning",
                "problem": f"{unknown} row{'s' if unknown != 1 else ''} with a code not in the codebook "
                "(not used)",
            }
        )
    codes = frame.select("segment_id", "code")
    quotes = _first_code(frame.filter(pl.col("quote")).select("segment_id", "code"), codes)
    return codes, quotes, problems


def _coding_sheet(
    path: Path, codebook: Any, segments: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, list[dict[str, str]]]:
    """The analyst's completed coding sheet ([qualitative] coding_sheet) as (codes, quotes,
    problems); rows the sheet reader rejects are left out and named (never their text)."""
    from .sheet import read_coding_sheet

    if not path.is_file():
        raise SettingsError(f"[qualitative] coding_sheet: {path} not found")
    sheet = read_coding_sheet(path, codebook, segments)
    problems = [
        {
            "file": path.name,
            "severity": r["severity"],
            "problem": (f"row {r['row']}: " if r["row"] is not None else "") + str(r["message"]),
        }
        for r in sheet.problems.iter_rows(named=True)
    ]
    codes = sheet.codes.filter(pl.col("code") != "none").select("segment_id", "code")  # not rank:
    # an analyst's code columns are not a ranking of suggestions
    quotes = _first_code(sheet.quotes.filter(pl.col("code").is_not_null()), codes)
    return codes, quotes, problems


def _first_code(quotes: pl.DataFrame, codes: pl.DataFrame) -> pl.DataFrame:
    """One row per quoted segment: its first code in ``codes`` order (the analyst's first column)."""
    order = codes.with_row_index("_i").group_by("segment_id", "code").agg(pl.col("_i").min())
    return (
        quotes.join(order, on=["segment_id", "code"], how="left")
        .sort("_i", nulls_last=True, maintain_order=True)
        .unique("segment_id", keep="first", maintain_order=True)
        .select("segment_id", "code")
    )


def _unmatched(codes: pl.DataFrame, segments: pl.DataFrame, source: str) -> list[dict[str, str]]:
    """Codes for segments that are not (or no longer) in the transcripts, e.g. a transcript edited
    after coding: named so the analyst can re-check them."""
    known = segments["segment_id"].cast(pl.String)
    n = codes.filter(~pl.col("segment_id").is_in(known.implode()))["segment_id"].n_unique()
    if not n:
        return []
    return [
        {
            "file": source,
            "severity": "warning",
            "problem": f"codes for {n} segment{'s' if n != 1 else ''} not found in the transcripts (not "
            "used): was a transcript changed after it was coded?",
        }
    ]


def _hide_named_files(problems: pl.DataFrame) -> pl.DataFrame:
    """Problems with the file name withheld for every file the reader thinks may hold a name."""
    named = problems.filter(pl.col("problem").str.contains(FILE_NAME_HOLDS_NAME, literal=True))["file"]
    if named.len() == 0:
        return problems
    return problems.with_columns(
        pl.when(pl.col("file").is_in(named.implode()))
        .then(pl.lit(WITHHELD_FILE))
        .otherwise(pl.col("file"))
        .alias("file")
    )
