"""Coding interviews, end to end: suggest codes into a sheet, then apply the analyst's sheet.

The ``ipseval code`` command calls these two functions and prints their ``messages()``:

* :func:`suggest_codes` — ``ipseval code DATA -o coding.xlsx``: read ``DATA/interviews/``, suggest
  up to ``top_k`` codes per segment, write the coding sheet for the analyst.
* :func:`apply_coding` — ``ipseval code DATA --apply coding.xlsx [--second other.xlsx]``: check
  the analyst's sheet against the current transcripts, measure agreement, and save the accepted
  codes to ``DATA/interviews/codes.csv``, where the evaluation finds them.

Both take the settings' ``[qualitative]`` section (codebook, method, top_k, min_score).
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ..ingest import InputError
from ..settings import Settings
from .agreement import Agreement, agreement
from .codebook import NONE_CODE, Codebook, load_codebook
from .sheet import (
    PROBLEM_SCHEMA,
    read_coding_sheet,
    read_sheet_about,
    read_sheet_suggestions,
    sheet_segment_ids,
    write_coding_sheet,
)
from .suggest import (
    EMBEDDING_SCORE,
    KEYWORD_SCORE,
    EmbeddingCache,
    Encoder,
    suggest_detailed,
)

CODES_FILE = "codes.csv"
STORE_FILE = "ipseval.duckdb"


class CodingError(InputError):
    """Coding cannot go ahead (no transcripts, an unreadable sheet); one plain line for the CLI."""


def interviews_folder(data_folder: str | Path) -> Path:
    """The transcripts' folder: ``DATA/interviews``, or DATA itself when it holds transcripts."""
    data = Path(data_folder)
    sub = data / "interviews"
    if sub.is_dir():
        return sub
    if data.is_dir() and any(p.suffix.lower() in (".txt", ".md", ".docx") for p in data.iterdir()):
        return data
    return sub


def _codebook(settings: Settings) -> Codebook:
    from . import setting_path

    return load_codebook(setting_path(settings, settings.qualitative.codebook))


def _reader_problems(problems: pl.DataFrame) -> pl.DataFrame:
    """The transcript reader's problems in the problem-report shape (as the sheet's)."""
    # codes.csv sits beside the transcripts but is not one: the reader's "not read" note is noise
    problems = problems.filter(pl.col("file") != CODES_FILE)
    if problems.height == 0:
        return pl.DataFrame(schema=PROBLEM_SCHEMA)
    return problems.select(
        pl.col("severity"),
        pl.col("file"),
        pl.lit("interviews").alias("table"),
        pl.lit(None, pl.Int64).alias("row"),
        pl.lit("").alias("column"),
        pl.lit("").alias("value"),
        pl.col("expected"),
        pl.col("problem").alias("message"),
    )


def _read(folder: Path, settings: Settings):
    from .transcripts import read_interviews

    ivs = read_interviews(folder, settings)
    codable = ivs.segments.filter(~pl.col("is_interviewer"))
    if codable.height == 0:
        why = "the folder does not exist" if not folder.is_dir() else "no interviewee turns could be read"
        errors = ivs.problems.filter(pl.col("severity") == "error")
        extra = (
            f"; {errors.height} file(s) could not be used (see the problems listed)" if errors.height else ""
        )
        raise CodingError(
            f"{folder}: no interview segments to code ({why}{extra}). Put one transcript per "
            "interview (.txt, .md or .docx, 'Name: what they said' lines) in DATA/interviews/"
        )
    return ivs, codable


# --- suggest ----------------------------------------------------------------------------------


@dataclass
class CodingRun:
    """What :func:`suggest_codes` did."""

    sheet: Path
    method: str  # "embedding" or "keyword"
    model_id: str  # the embedding model ("" for keywords)
    interviews: int
    segments: int  # codable segments (interviewees' words), one sheet row each
    suggested: int  # segments with at least one suggestion
    suggestions: int  # suggestion rows (up to top_k per segment)
    seconds: float  # the whole run
    scoring_seconds: float  # suggesting alone (model loading and reading excluded)
    model_seconds: float = 0.0  # loading the embedding model (0 when every embedding was cached)
    cache: Path | None = None
    cache_hits: int = 0
    cache_misses: int = 0
    problems: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=PROBLEM_SCHEMA))
    notes: list[str] = field(default_factory=list)

    def messages(self) -> list[str]:
        """Lines for the terminal, in order."""
        how = (
            f"the embedding method ({self.model_id})" if self.method == "embedding" else "the keyword method"
        )
        out = [
            f"Coding sheet written to {self.sheet}",
            f"{self.segments} segments from {self.interviews} interviews; codes suggested for "
            f"{self.suggested} of them by {how}.",
        ]
        if self.method == "embedding" and self.cache is not None:
            out.append(
                f"Embeddings: {self.cache_hits} reused, {self.cache_misses} computed "
                f"(cached in {self.cache})."
            )
        out += self.notes
        n_err = int((self.problems["severity"] == "error").sum()) if self.problems.height else 0
        if self.problems.height:
            out.append(
                f"{self.problems.height} problem(s) reading the transcripts ({n_err} error(s): those "
                "files were left out); see the list."
            )
        out.append(
            "Next: open the sheet, choose codes in code_1 to code_3 (or 'none'), mark good quotes, "
            f"save, then run: ipseval code DATA --apply {self.sheet.name}"
        )
        out.append(f"Done in {self.seconds:.1f} s.")
        return out


def suggest_codes(
    data_folder: str | Path,
    out_xlsx: str | Path,
    settings: Settings,
    store_path: str | Path | None = None,
    encoder: Encoder | None = None,
    overwrite: bool = False,
) -> CodingRun:
    """Read the transcripts in ``data_folder``, suggest codes and write the coding sheet.

    ``store_path``: the DuckDB store whose ``embedding_cache`` table keeps embeddings between runs
    (default: ``ipseval.duckdb`` beside the sheet; created if missing; unused by the keyword
    method). ``encoder``: a stand-in for the model (tests). An existing sheet is replaced only
    with ``overwrite`` (it may hold an analyst's work): FileExistsError otherwise.
    Raises :class:`CodingError` when there is nothing to code, SettingsError for a bad codebook."""
    t0 = time.perf_counter()
    out = Path(out_xlsx)
    if out.suffix.lower() != ".xlsx":
        raise CodingError(f"{out}: the coding sheet is an Excel workbook; give a name ending in .xlsx")
    if out.exists() and not overwrite:
        raise FileExistsError(
            f"{out} exists and may hold an analyst's coding: choose another name, or replace it"
        )
    q = settings.qualitative
    codebook = _codebook(settings)
    folder = interviews_folder(data_folder)
    ivs, codable = _read(folder, settings)
    cache_path = Path(store_path) if store_path else out.parent / STORE_FILE
    cache = EmbeddingCache(cache_path)
    sugg = suggest_detailed(codable, codebook, q.method, q.top_k, q.min_score, encoder=encoder, cache=cache)
    about = {
        "method": sugg.method,
        "model": sugg.model_id or "(none: keyword method)",
        "score": EMBEDDING_SCORE if sugg.method == "embedding" else KEYWORD_SCORE,
        "top_k": str(q.top_k),
        "min_score": str(q.min_score),
        "method_setting": q.method,
        "interviews_folder": str(folder),
        "notes": " ".join(sugg.notes),
    }
    write_coding_sheet(
        out, ivs.segments, sugg.frame, codebook, about=about, top_k=q.top_k, overwrite=overwrite
    )
    used_cache = sugg.method == "embedding" and not cache.error
    return CodingRun(
        sheet=out,
        method=sugg.method,
        model_id=sugg.model_id,
        interviews=ivs.interviews.height,
        segments=codable.height,
        suggested=sugg.frame["segment_id"].n_unique() if sugg.frame.height else 0,
        suggestions=sugg.frame.height,
        seconds=time.perf_counter() - t0,
        scoring_seconds=sugg.seconds,
        model_seconds=sugg.load_seconds,
        cache=cache_path if used_cache else None,
        cache_hits=sugg.cache_hits,
        cache_misses=sugg.cache_misses,
        problems=_reader_problems(ivs.problems),
        notes=list(sugg.notes),
    )


# --- apply ------------------------------------------------------------------------------------


@dataclass
class ApplyResult:
    """What :func:`apply_coding` found and saved."""

    sheet: Path
    codes_path: Path | None  # None when nothing was saved (nothing reviewed yet)
    segments: int  # codable segments in the transcripts now
    in_sheet: int  # segment rows in the sheet
    reviewed: int  # segments with a code or 'none'
    coded: int  # segments with at least one code
    codes: int  # (segment, code) pairs saved
    quotes: int  # segments marked as quotes
    method: str  # how the sheet's suggestions were made (from its About sheet)
    problems: pl.DataFrame
    vs_suggestions: Agreement | None = None
    vs_second: Agreement | None = None
    second_sheet: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return int((self.problems["severity"] == "error").sum()) if self.problems.height else 0

    def messages(self) -> list[str]:
        """Lines for the terminal, in order."""
        out = [
            f"{self.sheet.name}: {self.reviewed} of {self.in_sheet} segments reviewed, {self.coded} "
            f"coded ({self.codes} codes), {self.quotes} marked as quotes.",
        ]
        if self.problems.height:
            out.append(
                f"{self.problems.height} problem(s) in the sheet ({self.errors} error(s): those cells "
                "or rows were left out); see the list, fix the sheet and apply it again."
            )
        if self.codes_path is not None:
            out.append(f"Codes saved to {self.codes_path} (the evaluation reads them from there).")
        else:
            out.append("Nothing saved: no segment has been reviewed yet (choose codes, or 'none').")
        if self.vs_suggestions is not None:
            out.append(
                f"Agreement with the suggestions ({self.method} method): {self.vs_suggestions.summary()}"
            )
        if self.vs_second is not None:
            out.append(f"Agreement between analysts: {self.vs_second.summary()}")
        for a in (self.vs_suggestions, self.vs_second):
            if a is not None:
                out += a.notes
        out += self.notes
        return out


def apply_coding(
    data_folder: str | Path,
    sheet: str | Path,
    settings: Settings,
    second_sheet: str | Path | None = None,
) -> ApplyResult:
    """Check the analyst's coding ``sheet`` against the current transcripts and save the codes.

    Saves ``DATA/interviews/codes.csv`` (replacing any earlier one; written whole or not at all),
    with columns ``segment_id, code, quote``: one row per segment and code the analyst gave, in
    the sheet's order; ``code`` is ``none`` for a segment reviewed with no code applying, and
    empty for a segment marked as a quote without a code; ``quote`` is ``yes`` on every row of a
    segment marked as a good quote, else empty. Segments not yet reviewed are not in the file.
    Nothing is saved when no segment has been reviewed.

    Also measures agreement (see :mod:`ipseval.qualitative.agreement`) between the sheet's
    suggestions and the analyst, over the segments the analyst reviewed, and, with
    ``second_sheet``, between the two analysts over the segments both reviewed (the second
    sheet is only compared, never saved). Bad rows are named in ``problems``, never fatal;
    a sheet that cannot be read at all raises :class:`CodingError`."""
    sheet = Path(sheet)
    if not sheet.is_file():
        raise CodingError(f"{sheet}: no such coding sheet")
    codebook = _codebook(settings)
    folder = interviews_folder(data_folder)
    ivs, codable = _read(folder, settings)
    first = read_coding_sheet(sheet, codebook, ivs.segments)
    _unreadable(first.problems, sheet)
    notes: list[str] = []
    about = read_sheet_about(sheet)
    if about.get("codebook_digest") and about["codebook_digest"] != codebook.digest:
        notes.append(
            "The codebook has changed since this sheet was made: codes no longer in it were "
            "reported as unknown; consider making a new sheet."
        )
    reviewed = sorted(set(first.codes["segment_id"].to_list()))
    coded = first.codes.filter(pl.col("code") != NONE_CODE)
    quote_ids = set(first.quotes["segment_id"].to_list())

    vs_suggestions = None
    if reviewed:
        sugg = read_sheet_suggestions(sheet)
        if sugg.height:
            vs_suggestions = agreement(
                sugg.select("segment_id", "code", "rank"),
                first.codes,
                codebook.leaves,
                segments=reviewed,
                first_name="suggestions",
                second_name="analyst",
            )
    vs_second, second_path, problems = None, None, first.problems
    if second_sheet is not None:
        second_path = Path(second_sheet)
        if not second_path.is_file():
            raise CodingError(f"{second_path}: no such coding sheet")
        second = read_coding_sheet(second_path, codebook, ivs.segments)
        _unreadable(second.problems, second_path)
        problems = pl.concat([problems, second.problems])
        vs_second = agreement(
            first.codes,
            second.codes,
            codebook.leaves,
            first_name=sheet.name,
            second_name=second_path.name,
        )

    codes_path = None
    if reviewed:
        codes_path = folder / CODES_FILE
        _write_codes(codes_path, first.codes, quote_ids)
    return ApplyResult(
        sheet=sheet,
        codes_path=codes_path,
        segments=codable.height,
        in_sheet=len(set(sheet_segment_ids(sheet))),
        reviewed=len(reviewed),
        coded=coded["segment_id"].n_unique(),
        codes=coded.height,
        quotes=len(quote_ids),
        method=about.get("method", "unknown"),
        problems=problems,
        vs_suggestions=vs_suggestions,
        vs_second=vs_second,
        second_sheet=second_path,
        notes=notes,
    )


def _unreadable(problems: pl.DataFrame, sheet: Path) -> None:
    """A sheet that could not be read at all (a problem without a row, or on the header)."""
    fatal = problems.filter(
        (pl.col("severity") == "error") & (pl.col("row").is_null() | (pl.col("row") == 1))
    )
    if fatal.height:
        raise CodingError(f"{sheet}: {fatal['message'][0]}")


def codes_frame(codes: pl.DataFrame, quote_ids: set[str]) -> pl.DataFrame:
    """The rows of codes.csv (see :func:`apply_coding`)."""
    rows = [
        (sid, code, "yes" if sid in quote_ids else "")
        for sid, code in codes.sort(["segment_id", "rank"], maintain_order=True)
        .select("segment_id", "code")
        .iter_rows()
    ]
    have = {r[0] for r in rows}
    rows += [(sid, "", "yes") for sid in sorted(quote_ids - have)]
    return pl.DataFrame(
        rows, schema={"segment_id": pl.String, "code": pl.String, "quote": pl.String}, orient="row"
    )


def _write_codes(path: Path, codes: pl.DataFrame, quote_ids: set[str]) -> None:
    frame = codes_frame(codes, quote_ids)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".codes-", suffix=".csv", dir=path.parent)
    os.close(fd)
    try:
        frame.write_csv(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
