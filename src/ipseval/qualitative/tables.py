"""Qualitative evidence as result tables: who was interviewed, which themes each role and area
talked about, the quote bank, what clients valued and how positively they spoke.

Every count of interviews or segments is declared as a count, so disclosure control hides and
rounds it like any other number about people. Quote text is not a number, so disclosure control
cannot protect it: this module applies the cell rule itself before the table is made. A quote is
published only when its interview's role holds more interviews than the disclosure threshold
(:func:`ipseval.qualitative.redact.cell_allowed` by role: the quote names the role, never the
area, so the role is the cell a reader can see); otherwise the
row stays, with its text removed and ``withheld`` set, so readers can see that evidence existed.
The quote bank gives a quote's role but never its area, interview, file or segment id.

Only what interviewees said is analysed: interviewer turns are left out of every count.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

import polars as pl

from ..results import ColumnsAddUp, Rate, ResultTable, RowsAddUp

__all__ = [
    "CLIENT_ROLE",
    "CLIENT_THEME",
    "NOT_RECORDED",
    "QUOTES_PER_CODE",
    "SENTIMENT_METHOD",
    "coding_table",
    "problems_table",
    "qualitative_tables",
    "sentiment_labels",
]

CLIENT_ROLE = "client"
CLIENT_THEME = "client_valued"
NOT_RECORDED = "not recorded"
QUOTES_PER_CODE = 2  # suggested quotes per sub-theme when the analyst chose none
MIN_QUOTE_CHARS = 40  # a suggested quote shorter than this says too little to stand alone
POSITIVE, NEGATIVE = 0.05, -0.05  # VADER's standard compound-score thresholds

SENTIMENT_METHOD = (
    "VADER (Valence Aware Dictionary and sEntiment Reasoner; Hutto and Gilbert, 2014; the "
    "vaderSentiment package): a word list with rules for negation, intensifiers and punctuation "
    "gives each segment a compound score from -1 to +1; positive at +0.05 or more, negative at "
    "-0.05 or less, otherwise neutral"
)
SENTIMENT_CAVEAT = (
    "VADER reads words, not meaning. It was built for short informal English and misses context: "
    '"she never gave up on me" scores neutral, and "I was struggling with my addiction and she '
    'helped me so much" scores negative, because of the words for hard times. Treat the shares as '
    "a rough guide to tone, read beside the quotes."
)


class Codebook(Protocol):
    leaves: Any

    def label(self, code: str) -> str: ...

    def parent(self, code: str) -> str | None: ...


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def qualitative_tables(
    interviews: Any,
    codes: pl.DataFrame,
    quotes: pl.DataFrame,
    codebook: Codebook,
    settings: Any,
    areas: pl.DataFrame | None,
    coding_source: str,
    quotes_per_code: int = QUOTES_PER_CODE,
) -> dict[str, ResultTable]:
    """Every qualitative result table, keyed ``qualitative_*``.

    interviews: an ``InterviewSet`` (``.segments``, ``.interviews``); segment text already redacted.
    codes: the coding applied to segments: ``segment_id``, ``code`` and, for suggestions, ``score``
        and ``rank`` (an analyst's coding has neither). With ``rank``, only each segment's best
        suggestion (rank 1) is used: with several suggestions per segment every theme would seem
        to come up everywhere. Codes not in the codebook, on interviewer turns or on unknown
        segments are ignored.
    quotes: the analyst's chosen quotes: ``segment_id``, ``code`` (empty when none were chosen).
    codebook: ``.leaves``, ``.label(code)``, ``.parent(code)``.
    areas: the standard's areas table (``local_authority``, ``integration_strength``) or None.
    coding_source: "analyst" or "suggested: <method>"; printed in every table's notes.
    """
    from .redact import cell_allowed, disclosure_threshold

    threshold = disclosure_threshold(settings)
    book = _Book(codebook)
    ivs = _interviews(interviews.interviews)
    segs = _segments(interviews.segments, ivs)
    if areas is not None:
        ivs = (
            ivs.with_columns(pl.col("area").str.to_lowercase().alias("_key"))
            .join(_strengths(areas), on="_key", how="left")
            .drop("_key")
            .with_columns(pl.col("integration_strength").fill_null(NOT_RECORDED))
        )
        segs = segs.join(ivs.select("interview", "integration_strength"), on="interview", how="left")
    if "rank" in codes.columns:
        codes = codes.filter(pl.col("rank") == 1)
    coded = _coded(codes, segs, book)
    source_note = coding_note(coding_source)

    tables: dict[str, ResultTable] = {}
    tables["qualitative_coding"] = coding_table(coding_source, threshold, quotes, codes, book)
    tables["qualitative_interviews"] = _interview_grid(ivs, segs, areas is not None, source_note)
    tables["qualitative_themes"] = _themes(coded, segs, book, [], "qualitative_themes", source_note)
    tables["qualitative_themes_by_role"] = _themes(
        coded, segs, book, ["role"], "qualitative_themes_by_role", source_note
    )
    area_dims = ["area", "integration_strength"] if areas is not None else ["area"]
    tables["qualitative_themes_by_area"] = _themes(
        coded, segs, book, area_dims, "qualitative_themes_by_area", source_note
    )
    if areas is not None:
        tables["qualitative_themes_by_integration"] = _themes(
            coded, segs, book, ["integration_strength"], "qualitative_themes_by_integration", source_note
        )
    allowed = _allowed(cell_allowed, ivs, threshold)
    tables["qualitative_quotes"] = _quote_bank(
        coded, quotes, segs, book, allowed, threshold, quotes_per_code, coding_source, source_note
    )
    client_codes = [c for c in book.leaves if book.theme(c) == CLIENT_THEME and c != CLIENT_THEME]
    if client_codes:
        tables["qualitative_client_strands"] = _strands(coded, segs, book, client_codes, source_note)
    tables["qualitative_sentiment"] = _sentiment(coded, segs, book, client_codes, source_note)
    return tables


def coding_note(coding_source: str) -> str:
    """One sentence saying who coded the transcripts, for table notes and the report."""
    if coding_source == "analyst":
        return "Coding: by the analyst (segments coded and quotes chosen by a person)."
    method = coding_source.split(":", 1)[1].strip() if ":" in coding_source else coding_source
    return (
        f"Coding: unreviewed suggestions made by the {method} method, each segment counted under "
        "its best-scoring code only; no analyst has checked them, so counts and quotes are "
        "provisional."
    )


def sentiment_labels(compound: Iterable[float]) -> list[str]:
    """'positive' / 'neutral' / 'negative' for VADER compound scores, by the standard thresholds."""
    out = []
    for c in compound:
        out.append("positive" if c >= POSITIVE else "negative" if c <= NEGATIVE else "neutral")
    return out


def vader_compound(texts: Iterable[str]) -> list[float]:
    """VADER's compound score for each text."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyser = SentimentIntensityAnalyzer()
    return [float(analyser.polarity_scores(t or "")["compound"]) for t in texts]


def coding_table(
    coding_source: str, threshold: int, quotes: pl.DataFrame, codes: pl.DataFrame, book: Any
) -> ResultTable:
    """How the evidence was coded (record-keeping, no numbers about people)."""
    analyst = coding_source == "analyst"
    chosen = quotes.height if quotes is not None else 0
    if chosen:
        selection = "chosen by the analyst"
    elif "score" in codes.columns:
        selection = "the highest-scoring suggested segments for each sub-theme (not chosen by a person)"
    else:
        selection = "none (the analyst marked no quotes)"
    rows = [
        ("coding", "analyst" if analyst else "suggested"),
        ("method", "analyst" if analyst else coding_source.split(":", 1)[-1].strip()),
        ("coding_source", coding_source),
        ("quote_selection", selection),
        ("quote_threshold", str(threshold)),
        ("sentiment_method", SENTIMENT_METHOD),
    ]
    for item, attr in (("codebook", "name"), ("codebook_digest", "digest")):
        value = getattr(book.raw, attr, "")
        if value:
            rows.append((item, str(value)))
    return ResultTable(
        key="qualitative_coding",
        title="Interviews: how the transcripts were coded",
        data=pl.DataFrame({"item": [r[0] for r in rows], "value": [r[1] for r in rows]}),
        dims=["item"],
        about_people=False,
        columns={
            "item": "coding: analyst or suggested; method: analyst, embedding or keyword; "
            "quote_selection: how quotes were picked; quote_threshold: fewest interviews a role and "
            "area must hold for quotes from them to be shown; sentiment_method: how tone was scored; codebook, codebook_digest: the codebook's name and the "
            "start of its file's SHA-256",
            "value": "the value",
        },
        notes=[coding_note(coding_source)],
    )


def problems_table(problems: pl.DataFrame) -> ResultTable:
    """Problems found reading the transcripts (file, severity, problem); never transcript text."""
    cols = ["file", "severity", "problem"]
    if problems is None or problems.height == 0:
        data = pl.DataFrame(schema={c: pl.Utf8 for c in cols})
    else:
        data = problems.select(pl.col(c).cast(pl.Utf8) for c in cols)
    return ResultTable(
        key="qualitative_problems",
        title="Interviews: problems reading the transcripts",
        data=data,
        dims=["file"],
        about_people=False,
        columns={
            "file": "transcript file",
            "severity": "error (file not used) or warning (used; check it)",
            "problem": "what is wrong",
        },
        notes=["Record-keeping about files, not people; no transcript text is included."],
    )


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------


class _Book:
    """The codebook's leaves in order, with each code's theme and label."""

    def __init__(self, codebook: Codebook) -> None:
        self.raw = codebook
        leaves = [getattr(c, "code", c) for c in codebook.leaves]
        self.leaves: list[str] = [str(c) for c in leaves]
        self.themes: list[str] = list(dict.fromkeys(self.theme(c) for c in self.leaves))

    def theme(self, code: str) -> str:
        parent = self.raw.parent(code)
        return str(parent) if parent else code

    def label(self, code: str) -> str:
        try:
            return str(self.raw.label(code))
        except (KeyError, ValueError):
            return code.replace("_", " ").replace(".", ": ")

    def order(self) -> list[tuple[str, str, str]]:
        """(level, theme, code) rows: each theme, then its sub-themes (a theme that is itself a
        leaf has no sub-theme rows)."""
        out: list[tuple[str, str, str]] = []
        for t in self.themes:
            out.append(("theme", t, t))
            out += [("sub-theme", t, c) for c in self.leaves if self.theme(c) == t and c != t]
        return out


def _interviews(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        pl.col("interview").cast(pl.Utf8),
        _blank_to_not_recorded("role"),
        _blank_to_not_recorded("area"),
        pl.col("words").cast(pl.Int64) if "words" in frame.columns else pl.lit(None, pl.Int64).alias("words"),
    )


def _blank_to_not_recorded(col: str) -> pl.Expr:
    c = pl.col(col).cast(pl.Utf8).str.strip_chars()
    return pl.when(c.is_null() | (c == "")).then(pl.lit(NOT_RECORDED)).otherwise(c).alias(col)


def _segments(frame: pl.DataFrame, ivs: pl.DataFrame) -> pl.DataFrame:
    """Interviewees' segments with their interview's role and area (interviewer turns dropped)."""
    segs = frame
    if "is_interviewer" in segs.columns:
        segs = segs.filter(~pl.col("is_interviewer").cast(pl.Boolean).fill_null(False))
    flags = (
        pl.col("name_flags").cast(pl.Utf8).fill_null("").str.strip_chars().alias("name_flags")
        if "name_flags" in segs.columns and segs.schema["name_flags"] != pl.List
        else (
            pl.col("name_flags").list.join("; ").fill_null("").alias("name_flags")
            if "name_flags" in segs.columns
            else pl.lit("").alias("name_flags")
        )
    )
    return segs.select(
        pl.col("segment_id").cast(pl.Utf8),
        pl.col("interview").cast(pl.Utf8),
        pl.col("text").cast(pl.Utf8).fill_null(""),
        flags,
    ).join(ivs.select("interview", "role", "area"), on="interview", how="inner")


def _strengths(areas: pl.DataFrame) -> pl.DataFrame:
    """Area name (as written in the transcripts) -> integration strength, matched without regard
    to case or surrounding spaces."""
    key = pl.col("local_authority").cast(pl.Utf8).str.strip_chars().str.to_lowercase()
    return areas.select(key.alias("_key"), pl.col("integration_strength").cast(pl.Utf8)).unique(
        "_key", keep="first"
    )


def _coded(codes: pl.DataFrame, segs: pl.DataFrame, book: _Book) -> pl.DataFrame:
    """One row per (segment, level, code): each applied leaf as a sub-theme and its theme, each
    segment once per code."""
    cols = ["segment_id", "code"] + (["score"] if "score" in codes.columns else [])
    c = codes.select(cols).with_columns(pl.col("segment_id").cast(pl.Utf8), pl.col("code").cast(pl.Utf8))
    if "score" not in c.columns:
        c = c.with_columns(pl.lit(None, pl.Float64).alias("score"))
    known = set(book.leaves) | set(book.themes)
    c = c.filter(pl.col("code").is_in(sorted(known)))
    c = c.with_columns(pl.col("code").map_elements(book.theme, return_dtype=pl.Utf8).alias("theme"))
    sub = c.filter(pl.col("code") != pl.col("theme")).with_columns(pl.lit("sub-theme").alias("level"))
    top = c.with_columns(pl.col("theme").alias("code"), pl.lit("theme").alias("level"))
    both = pl.concat([sub.select(top.columns), top])
    both = both.group_by("segment_id", "level", "theme", "code").agg(pl.col("score").max())
    return both.join(segs, on="segment_id", how="inner")


def _allowed(cell_allowed: Any, ivs: pl.DataFrame, threshold: int) -> pl.DataFrame:
    """Quotes are attributed to a role only (never an area), so the cell that must be large enough
    is the role: its interviews across all areas. A quote from a role with too few interviews could
    point to the person; one from a larger role cannot be placed in an area by the reader."""
    cells = cell_allowed(ivs, threshold, by=("role",))
    roles = ivs.select(pl.col("role").cast(pl.Utf8), pl.col("area").cast(pl.Utf8)).unique()
    return roles.join(
        cells.select(pl.col("role").cast(pl.Utf8), pl.col("allowed").cast(pl.Boolean)), on="role", how="left"
    )


# ---------------------------------------------------------------------------------------------
# Counts
# ---------------------------------------------------------------------------------------------

_COUNT_COLUMNS = {
    "interviews": "interviews in which the theme came up (at least one segment coded to it)",
    "total_interviews": "interviews in the group",
    "share_interviews": "interviews / total_interviews",
    "segments": "segments (answers, or parts of long answers) coded to the theme",
    "total_segments": "interviewees' segments in the group (interviewer turns not counted)",
    "share_segments": "segments / total_segments",
}


def _themes(
    coded: pl.DataFrame, segs: pl.DataFrame, book: _Book, by: list[str], key: str, source_note: str
) -> ResultTable:
    """Interviews and segments per (group, theme or sub-theme), every combination (zeros kept)."""
    grid = pl.DataFrame(
        [{"level": lvl, "theme": t, "code": c, "order": i} for i, (lvl, t, c) in enumerate(book.order())],
        schema={"level": pl.Utf8, "theme": pl.Utf8, "code": pl.Utf8, "order": pl.Int64},
    )
    totals = _totals(segs, by)
    frame = totals.join(grid, how="cross") if by else grid.join(totals, how="cross")
    counted = coded.group_by([*by, "level", "code"]).agg(
        pl.col("interview").n_unique().cast(pl.Int64).alias("interviews"),
        pl.col("segment_id").n_unique().cast(pl.Int64).alias("segments"),
    )
    frame = frame.join(counted, on=[*by, "level", "code"], how="left").with_columns(
        pl.col("interviews").fill_null(0), pl.col("segments").fill_null(0)
    )
    frame = frame.with_columns(
        pl.col("theme").map_elements(book.label, return_dtype=pl.Utf8).alias("theme_label"),
        pl.col("code").map_elements(book.label, return_dtype=pl.Utf8).alias("label"),
        _share("interviews", "total_interviews"),
        _share("segments", "total_segments"),
    )
    order = [*by, "order"]
    frame = frame.sort(order).select(
        *by,
        "level",
        "theme",
        "theme_label",
        "code",
        "label",
        "order",
        "interviews",
        "total_interviews",
        "share_interviews",
        "segments",
        "total_segments",
        "share_segments",
    )
    group = {
        "": "all interviews",
        "role": "each interviewee role",
        "area": "each area",
        "integration_strength": "each level of integration strength of the area",
    }[by[0] if by else ""]
    additive: list[RowsAddUp | ColumnsAddUp] = []
    if by:
        # a group's rows add up, over the groups, to the all-interviews figures
        # (qualitative_themes); an interview and its segments belong to one group
        additive = [
            RowsAddUp(c, by=("level", "code"))
            for c in ("interviews", "segments", "total_interviews", "total_segments")
        ]
    titles = {
        "qualitative_themes": "Interviews: themes raised",
        "qualitative_themes_by_role": "Interviews: themes raised, by role",
        "qualitative_themes_by_area": "Interviews: themes raised, by area",
        "qualitative_themes_by_integration": "Interviews: themes raised, by the area's integration strength",
    }
    columns = {
        "role": "the interviewee's role (from the transcript's front matter)",
        "area": "the area the interview was about (from the transcript's front matter)",
        "integration_strength": "the area's integration strength (areas table; 'not recorded' when "
        "the area is not in it)",
        "level": "theme, or sub-theme (a code within a theme)",
        "theme": "theme code",
        "theme_label": "theme",
        "code": "code counted on this row (the theme's own code on a theme row)",
        "label": "the code's label",
        "order": "codebook order",
        **_COUNT_COLUMNS,
    }
    return ResultTable(
        key=key,
        title=titles[key],
        data=frame,
        dims=[*by, "level", "theme", "theme_label", "code", "label", "order"],
        counts=["interviews", "total_interviews", "segments", "total_segments"],
        rates={
            "share_interviews": Rate("interviews", "total_interviews"),
            "share_segments": Rate("segments", "total_segments"),
        },
        additive=additive,
        columns={k: v for k, v in columns.items() if k in frame.columns},
        notes=[
            f"For {group}: the interviews in which each theme came up and the segments coded to "
            "it. A segment can carry several codes, so sub-themes do not add up to their theme and "
            "themes do not add up to the total.",
            *(
                [
                    "Groups mix roles in different proportions (e.g. more staff in one, more clients "
                    "in another), which shapes what they talk about; compare like with like through "
                    "the by-role table."
                ]
                if by and by[0] in ("area", "integration_strength")
                else []
            ),
            source_note,
        ],
    )


def _totals(segs: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    aggs = [
        pl.col("interview").n_unique().cast(pl.Int64).alias("total_interviews"),
        pl.col("segment_id").n_unique().cast(pl.Int64).alias("total_segments"),
    ]
    if by:
        return segs.group_by(by).agg(aggs).sort(by)
    return segs.select(aggs)


def _share(num: str, den: str) -> pl.Expr:
    name = "share_" + num
    return (
        pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den)).otherwise(None).cast(pl.Float64).alias(name)
    )


def _interview_grid(
    ivs: pl.DataFrame, segs: pl.DataFrame, with_strength: bool, source_note: str
) -> ResultTable:
    """Interviews and interviewees' segments by role and area."""
    dims = ["role", "area"] + (["integration_strength"] if with_strength else [])
    per_iv = segs.group_by("interview").agg(pl.col("segment_id").n_unique().cast(pl.Int64).alias("segments"))
    frame = (
        ivs.join(per_iv, on="interview", how="left")
        .with_columns(pl.col("segments").fill_null(0))
        .group_by(dims)
        .agg(
            pl.len().cast(pl.Int64).alias("interviews"),
            pl.col("segments").sum().cast(pl.Int64),
            pl.col("words").sum().cast(pl.Int64),
        )
        .sort(dims)
    )
    return ResultTable(
        key="qualitative_interviews",
        title="Interviews: who was interviewed, by role and area",
        data=frame,
        dims=dims,
        counts=["interviews", "segments"],
        guarded={"words": "interviews"},
        additive=[RowsAddUp(c, by=(b,)) for c in ("interviews", "segments") for b in ("role", "area")],
        columns={
            "role": "the interviewee's role",
            "area": "the area the interview was about",
            "integration_strength": "the area's integration strength (areas table)",
            "interviews": "interviews (transcript files read)",
            "segments": "interviewees' segments (interviewer turns not counted)",
            "words": "words in the transcripts, interviewer included",
        },
        notes=[
            "One interview is one transcript file. Counts of interviews are counts of people and "
            "are protected like any other.",
            source_note,
        ],
    )


# ---------------------------------------------------------------------------------------------
# Quotes
# ---------------------------------------------------------------------------------------------


def _quote_bank(
    coded: pl.DataFrame,
    quotes: pl.DataFrame,
    segs: pl.DataFrame,
    book: _Book,
    allowed: pl.DataFrame,
    threshold: int,
    per_code: int,
    coding_source: str,
    source_note: str,
) -> ResultTable:
    """Quotes per sub-theme with the speaker's role only; text removed where the cell rule says."""
    cell = segs.join(allowed, on=["role", "area"], how="left").with_columns(
        pl.col("allowed").fill_null(False)
    )
    chosen = quotes is not None and quotes.height > 0
    if chosen:
        picked = (
            quotes.select(pl.col("segment_id").cast(pl.Utf8), pl.col("code").cast(pl.Utf8))
            .unique(maintain_order=True)
            .join(cell, on="segment_id", how="inner")
            .filter(pl.col("code").is_in(sorted(set(book.leaves) | set(book.themes))))
            .with_columns(pl.lit(None, pl.Float64).alias("score"), pl.lit("analyst").alias("selection"))
        )
    else:
        picked = _suggested_quotes(coded, cell, book, per_code)
    order = {c: i for i, (_l, _t, c) in enumerate(book.order())}
    rows = []
    for r in picked.iter_rows(named=True):
        theme = book.theme(r["code"])
        rows.append(
            {
                "theme": theme,
                "theme_label": book.label(theme),
                "code": r["code"],
                "label": book.label(r["code"]),
                "order": order.get(r["code"], len(order)),
                "role": r["role"],
                "selection": r["selection"],
                "score": r["score"],
                "withheld": not r["allowed"],
                "quote": r["text"] if r["allowed"] else None,
            }
        )
    schema = {
        "theme": pl.Utf8,
        "theme_label": pl.Utf8,
        "code": pl.Utf8,
        "label": pl.Utf8,
        "order": pl.Int64,
        "role": pl.Utf8,
        "selection": pl.Utf8,
        "score": pl.Float64,
        "withheld": pl.Boolean,
        "quote": pl.Utf8,
    }
    data = pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
    data = data.with_row_index("_i").sort("order", "withheld", "_i").drop("_i")
    how = (
        "chosen by the analyst"
        if chosen
        else f"the {per_code} highest-scoring suggested segments for each sub-theme, from different "
        "interviews where possible (picked by the software, not by a person)"
    )
    return ResultTable(
        key="qualitative_quotes",
        title="Interviews: quote bank",
        data=data,
        dims=list(schema),
        about_people=True,
        columns={
            "theme": "theme code",
            "theme_label": "theme",
            "code": "sub-theme code",
            "label": "sub-theme",
            "order": "codebook order",
            "role": "the speaker's role (their area, name and interview are never given)",
            "selection": "analyst: chosen by the analyst; suggested: picked by the software",
            "score": "the suggestion's score (suggested quotes only)",
            "withheld": "true when the quote is not shown: too few interviews with people in its role",
            "quote": "what the interviewee said, with names removed; empty when withheld",
        },
        notes=[
            f"Quotes {how}. Names were replaced by [name] when the transcripts were read.",
            f"A quote is shown only when more than {threshold} interviews (the disclosure threshold) "
            "were held with people in its role, across all areas, so it cannot point to one person; "
            "otherwise the row is kept with the text removed (withheld). Disclosure control "
            "for numbers does not apply to text, so this rule is applied when the table is made.",
            source_note,
        ],
    )


def _suggested_quotes(coded: pl.DataFrame, cell: pl.DataFrame, book: _Book, per_code: int) -> pl.DataFrame:
    """For each sub-theme (or leaf theme): the highest-scoring segments coded to it, from
    different interviews, until ``per_code`` are shown; higher-scoring segments passed over
    because of the cell rule are kept as withheld rows. Segments with a possible name that the
    redaction flagged are never picked; client-experience codes use clients' own words when any
    client segment carries them."""
    empty = pl.DataFrame(
        schema={
            "code": pl.Utf8,
            "role": pl.Utf8,
            "text": pl.Utf8,
            "allowed": pl.Boolean,
            "score": pl.Float64,
            "selection": pl.Utf8,
        }
    )
    if "score" not in coded.columns or coded.filter(pl.col("score").is_not_null()).height == 0:
        return empty
    leaves = set(book.leaves)
    cand = (
        coded.filter(
            pl.col("code").is_in(sorted(leaves))
            & ((pl.col("level") == "sub-theme") | (pl.col("code") == pl.col("theme")))
            & pl.col("score").is_not_null()
        )
        .join(cell.select("segment_id", "allowed"), on="segment_id", how="left")
        .with_columns(pl.col("allowed").fill_null(False))
        .filter((pl.col("name_flags") == "") & (pl.col("text").str.len_chars() >= MIN_QUOTE_CHARS))
        .sort(["code", "score", "segment_id"], descending=[False, True, False])
    )
    out: list[dict[str, Any]] = []
    for code in book.leaves:
        rows = cand.filter(pl.col("code") == code)
        if book.theme(code) == CLIENT_THEME and rows.filter(pl.col("role") == CLIENT_ROLE).height:
            rows = rows.filter(pl.col("role") == CLIENT_ROLE)
        shown: list[dict[str, Any]] = []
        withheld: list[dict[str, Any]] = []
        used: set[str] = set()
        spare: list[dict[str, Any]] = []  # allowed, but from an interview already quoted
        for r in rows.iter_rows(named=True):
            if len(shown) >= per_code:
                break
            if not r["allowed"]:
                if len(withheld) < per_code:
                    withheld.append(r)
                continue
            if r["interview"] in used:
                spare.append(r)
                continue
            used.add(r["interview"])
            shown.append(r)
        shown += spare[: per_code - len(shown)]
        for r in [*shown, *withheld]:
            out.append(
                {
                    "code": code,
                    "role": r["role"],
                    "text": r["text"],
                    "allowed": bool(r["allowed"]),
                    "score": float(r["score"]),
                    "selection": "suggested",
                }
            )
    return pl.DataFrame(out, schema=empty.schema) if out else empty


# ---------------------------------------------------------------------------------------------
# Clients: strands and sentiment
# ---------------------------------------------------------------------------------------------


def _client_totals(segs: pl.DataFrame) -> tuple[pl.DataFrame, int, int]:
    clients = segs.filter(pl.col("role") == CLIENT_ROLE)
    return clients, clients["interview"].n_unique(), clients["segment_id"].n_unique()


def _strands(
    coded: pl.DataFrame, segs: pl.DataFrame, book: _Book, client_codes: list[str], source_note: str
) -> ResultTable:
    """What clients valued: for each client-experience sub-theme, the client interviews in which
    it came up and the client segments coded to it."""
    _clients, n_iv, n_seg = _client_totals(segs)
    counted = (
        coded.filter((pl.col("role") == CLIENT_ROLE) & pl.col("code").is_in(client_codes))
        .group_by("code")
        .agg(
            pl.col("interview").n_unique().cast(pl.Int64).alias("interviews"),
            pl.col("segment_id").n_unique().cast(pl.Int64).alias("segments"),
        )
    )
    frame = (
        pl.DataFrame({"code": client_codes, "order": list(range(len(client_codes)))})
        .join(counted, on="code", how="left")
        .with_columns(
            pl.col("code").map_elements(book.label, return_dtype=pl.Utf8).alias("label"),
            pl.col("interviews").fill_null(0),
            pl.col("segments").fill_null(0),
            pl.lit(n_iv, pl.Int64).alias("total_interviews"),
            pl.lit(n_seg, pl.Int64).alias("total_segments"),
        )
        .with_columns(_share("interviews", "total_interviews"), _share("segments", "total_segments"))
        .sort("order")
        .select(
            "code",
            "label",
            "order",
            "interviews",
            "total_interviews",
            "share_interviews",
            "segments",
            "total_segments",
            "share_segments",
        )
    )
    return ResultTable(
        key="qualitative_client_strands",
        title="Interviews: what clients valued",
        data=frame,
        dims=["code", "label", "order"],
        counts=["interviews", "total_interviews", "segments", "total_segments"],
        rates={
            "share_interviews": Rate("interviews", "total_interviews"),
            "share_segments": Rate("segments", "total_segments"),
        },
        columns={
            "code": "client-experience sub-theme code",
            "label": "client-experience sub-theme",
            "order": "codebook order",
            "interviews": "client interviews in which it came up",
            "total_interviews": "client interviews",
            "share_interviews": "interviews / total_interviews",
            "segments": "clients' segments coded to it",
            "total_segments": "clients' segments",
            "share_segments": "segments / total_segments",
        },
        notes=[
            "Clients' own words only (interviews with role 'client'); what staff said about "
            "clients is counted under the same codes in the themes-by-role table. Quotes for each "
            "strand are in the quote bank.",
            source_note,
        ],
    )


def _sentiment(
    coded: pl.DataFrame, segs: pl.DataFrame, book: _Book, client_codes: list[str], source_note: str
) -> ResultTable:
    """Share of clients' segments that read as positive, neutral or negative (VADER), for all of
    them and for each client-experience sub-theme."""
    clients, _n_iv, _n_seg = _client_totals(segs)
    compound = vader_compound(clients["text"].to_list())
    scores = pl.DataFrame(
        {
            "segment_id": clients["segment_id"],
            "compound": pl.Series(compound, dtype=pl.Float64),
            "tone": pl.Series(sentiment_labels(compound), dtype=pl.Utf8),
        }
    )
    groups: list[tuple[str, str, pl.DataFrame]] = [("all", "All clients' segments", scores)]
    strand_segs = coded.filter((pl.col("role") == CLIENT_ROLE) & pl.col("code").is_in(client_codes))
    for code in client_codes:
        ids = strand_segs.filter(pl.col("code") == code)["segment_id"].unique()
        groups.append((code, book.label(code), scores.filter(pl.col("segment_id").is_in(ids.implode()))))
    rows = []
    for i, (group, label, s) in enumerate(groups):
        n = s.height
        pos = int((s["tone"] == "positive").sum()) if n else 0
        neg = int((s["tone"] == "negative").sum()) if n else 0
        rows.append(
            {
                "group": group,
                "label": label,
                "order": i,
                "segments": n,
                "positive": pos,
                "neutral": n - pos - neg,
                "negative": neg,
                "mean_compound": float(s["compound"].mean()) if n else None,
            }
        )
    frame = pl.DataFrame(
        rows,
        schema={
            "group": pl.Utf8,
            "label": pl.Utf8,
            "order": pl.Int64,
            "segments": pl.Int64,
            "positive": pl.Int64,
            "neutral": pl.Int64,
            "negative": pl.Int64,
            "mean_compound": pl.Float64,
        },
        orient="row",
    )
    frame = frame.with_columns(
        *(
            pl.when(pl.col("segments") > 0)
            .then(pl.col(t) / pl.col("segments"))
            .otherwise(None)
            .cast(pl.Float64)
            .alias(f"share_{t}")
            for t in ("positive", "neutral", "negative")
        )
    ).select(
        "group",
        "label",
        "order",
        "segments",
        "positive",
        "share_positive",
        "neutral",
        "share_neutral",
        "negative",
        "share_negative",
        "mean_compound",
    )
    return ResultTable(
        key="qualitative_sentiment",
        title="Interviews: tone of what clients said",
        data=frame,
        dims=["group", "label", "order"],
        counts=["segments", "positive", "neutral", "negative"],
        rates={f"share_{t}": Rate(t, "segments") for t in ("positive", "neutral", "negative")},
        guarded={"mean_compound": "segments"},
        additive=[ColumnsAddUp(("positive", "neutral", "negative"), "segments")],
        columns={
            "group": "'all' (every client segment) or a client-experience sub-theme code",
            "label": "what the row covers",
            "order": "row order",
            "segments": "clients' segments",
            "positive": "segments with a VADER compound score of +0.05 or more",
            "share_positive": "positive / segments",
            "neutral": "segments scoring between -0.05 and +0.05",
            "share_neutral": "neutral / segments",
            "negative": "segments scoring -0.05 or less",
            "share_negative": "negative / segments",
            "mean_compound": "mean VADER compound score (-1 to +1)",
        },
        notes=[
            f"Sentiment method: {SENTIMENT_METHOD}.",
            SENTIMENT_CAVEAT,
            "Clients' own words only; a segment is counted once in every sub-theme it is coded to.",
            source_note,
        ],
    )
