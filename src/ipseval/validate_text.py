"""Text cells that look right but are not: control and invisible characters, Excel error values,
numbers written for people to read, and one area spelt several ways.

Each of these passes a plain type check (it is text) and then does harm later: an area spelt
"HOUNSLOW" and "Hounslow" becomes two areas in every table and model; a NUL byte or line break in
an id makes a new id nobody can see; "#N/A" read as blank hides a failed formula. So each is named
as a problem, and values shown in problems are escaped (\\x00, \\n) and cut to a readable length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from ipseval.ingest import EXCEL_ERRORS

# Free text: a line break inside a quoted value is fine there; everywhere else (ids, codes, areas,
# instruments, teams) a control character is an error.
FREE_TEXT = {
    ("jobs", "employer"),
    ("jobs", "sector"),
    ("fidelity", "reviewer"),
    ("employer_contacts", "employer"),
}
# Columns naming an area: one spelling per area across every table (see area_spellings).
AREA_COLUMNS = {t: "local_authority" for t in ("areas", "clients", "staff", "comparison")}

CONTROLS = [chr(i) for i in range(32) if chr(i) != "\t"] + ["\x7f"]
_FREE_TEXT_CONTROLS = [c for c in CONTROLS if c not in "\n\r"]
# Characters that take no space on screen: two values differing only by one look the same.
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
_NAMES = {"\x00": "NUL", "\n": "line break", "\r": "carriage return", "\x7f": "delete"}
_INVISIBLE_NAMES = {
    "\u200b": "zero-width space",
    "\u200c": "zero-width non-joiner",
    "\u200d": "zero-width joiner",
    "\u2060": "word joiner",
    "\ufeff": "byte-order mark",
    "\u00ad": "soft hyphen",
    "\u00a0": "no-break space",
}
_SHOWN = {c: c.encode("unicode_escape").decode() for c in [*CONTROLS, "\t"]}
_SHOWN |= {c: f"\\u{ord(c):04x}" for c in [*INVISIBLE, "\u00a0"]}
VALUE_SHOWN_CHARS = 200


def escape(text: str) -> str:
    """``text`` with control and invisible characters written as \\x00, \\n, \\u200b."""
    return "".join(_SHOWN.get(ch, ch) for ch in text)


def shown(values: pl.Series) -> pl.Series:
    """Values as a problem shows them: escaped, and cut to VALUE_SHOWN_CHARS characters."""
    escaped = pl.col("raw").str.replace_many(list(_SHOWN), list(_SHOWN.values()))
    size = pl.col("raw").str.len_chars().cast(pl.Utf8)
    cut = pl.concat_str(escaped.str.slice(0, VALUE_SHOWN_CHARS), pl.lit("… ("), size, pl.lit(" characters)"))
    return (
        pl.DataFrame({"raw": values.cast(pl.Utf8)})
        .select(pl.when(escaped.str.len_chars() > VALUE_SHOWN_CHARS).then(cut).otherwise(escaped))
        .to_series()
        .alias(values.name)
    )


@dataclass
class Finding:
    """Rows of ``mask`` with one message each (``messages`` has one per row of the mask)."""

    mask: pl.Series
    messages: pl.Series
    severity: str = "error"


def control_characters(s: pl.Series, free_text: bool) -> Finding | None:
    """Cells holding a control character: an error in ids, codes and names; in free text only
    characters other than tab and line breaks, as a warning."""
    chars = _FREE_TEXT_CONTROLS if free_text else CONTROLS
    mask = s.str.contains_any(chars).fill_null(False)
    if not mask.any():
        return None
    messages = []
    for value in s.filter(mask).to_list():
        pos, ch = next((i, c) for i, c in enumerate(value, start=1) if c in chars)
        what = _NAMES.get(ch, "control character")
        if free_text:
            messages.append(f"holds a {what} ({_SHOWN[ch]}) at character {pos}: kept, but check the value")
        else:
            messages.append(
                f"holds a {what} ({_SHOWN[ch]}) at character {pos}: an id, code or name cannot hold one "
                "(it makes a new value that looks like another); remove it in the records"
            )
    return Finding(mask, pl.Series(messages, dtype=pl.Utf8), "warning" if free_text else "error")


def invisible_characters(s: pl.Series, code: bool) -> tuple[pl.Series, Finding | None]:
    """Ids, codes and names with zero-width characters or no-break spaces: the characters are
    removed (a no-break space becomes a space) and each such cell named in a warning, except a
    no-break space in a code (codes are matched ignoring spaces of any kind anyway)."""
    named = INVISIBLE if code else [*INVISIBLE, "\u00a0"]
    mask = s.str.contains_any([*INVISIBLE, "\u00a0"]).fill_null(False)
    if not mask.any():
        return s, None
    cleaned = (
        s.str.replace_many(INVISIBLE, [""] * len(INVISIBLE)).str.replace_all("\u00a0", " ").str.strip_chars()
    )
    cleaned = _frame(s=s, c=cleaned, m=mask).select(pl.when("m").then("c").otherwise("s")).to_series()
    mask = s.str.contains_any(named).fill_null(False)
    if not mask.any():
        return cleaned, None
    messages = []
    for value in s.filter(mask).to_list():
        pos, ch = next((i, c) for i, c in enumerate(value, start=1) if c in named)
        messages.append(
            f"holds an invisible character ({_INVISIBLE_NAMES[ch]}, {_SHOWN[ch]}) at character {pos}: "
            "read without it"
        )
    return cleaned, Finding(mask, pl.Series(messages, dtype=pl.Utf8), "warning")


def _frame(**cols: pl.Series) -> pl.DataFrame:
    return pl.DataFrame({k: v.alias(k) for k, v in cols.items()})


def excel_errors(s: pl.Series) -> pl.Series | None:
    """Cells holding an Excel error value such as #N/A (mask), or None when there are none."""
    hash_first = s.str.starts_with("#").fill_null(False)
    if not hash_first.any():
        return None
    mask = hash_first & s.str.to_uppercase().is_in(list(EXCEL_ERRORS)).fill_null(False)
    return mask if mask.any() else None


_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[-+]?\d*,\d+$")
_SPACED = re.compile(r"^[-+]?\d{1,3}([ \u00a0\u202f]\d{3})+(\.\d+)?$")
_SPACES = re.compile("[ \u00a0\u202f]")
_CURRENCY = re.compile(r"^[-+]?[£$€]\s*\d")


def why_not_a_number(value: str, kind: str) -> str:
    """Why ``value`` is not a number, naming the usual export habits (``kind``: "not a number" or
    "not a whole number")."""
    v = value.strip()
    if _THOUSANDS.match(v) and len(v.split(",")[-1].split(".")[0]) == 3 and "." not in v:
        plain, dotted = v.replace(",", ""), v.replace(",", ".", 1) if v.count(",") == 1 else None
        also = f", or {dotted} if it is a decimal comma" if dotted else ""
        return f"{kind}: a comma inside the number (write {plain} if it separates thousands{also})"
    if _THOUSANDS.match(v):
        return f"{kind}: thousands separators (write {v.replace(',', '')})"
    if _DECIMAL_COMMA.match(v):
        return f"{kind}: decimal comma (write {v.replace(',', '.')})"
    if v.endswith("%") and _is_number(v[:-1]):
        return f"{kind}: a percent sign (write the number alone: {v[:-1].strip()})"
    if _SPACED.match(v):
        return f"{kind}: spaces inside the number (write {_SPACES.sub('', v)})"
    if _CURRENCY.match(v):
        return f"{kind}: a currency sign (write the number alone)"
    return kind


def _is_number(text: str) -> bool:
    try:
        float(text.strip())
    except ValueError:
        return False
    return True


def area_key(s: pl.Series) -> pl.Series:
    """How area names are compared: case, surrounding and repeated spaces, invisible characters,
    full stops and apostrophes ignored, '&' read as 'and' and hyphens as spaces ('St. Aldwyn' is
    'St Aldwyn', 'Kingston-upon-Thames' 'Kingston upon Thames')."""
    return (
        s.str.replace_many(INVISIBLE, [""] * len(INVISIBLE))
        .str.replace_all(r"[.'’]", "")
        .str.replace_all(r"&", " and ")
        .str.replace_all(r"[-–]", " ")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
        .str.to_lowercase()
    )


@dataclass
class SpellingMerge:
    """Several spellings of one area in one table, all read as ``canonical``."""

    table: str
    canonical: str
    source: str  # where the spelling kept comes from, in words
    spellings: list[tuple[str, int]]  # (spelling, rows) as found in this table, most rows first


def area_spellings(
    columns: dict[str, pl.Series], files: dict[str, str]
) -> tuple[dict[str, str], list[SpellingMerge]]:
    """One spelling per area across ``columns`` (table -> its area column): the spelling in the
    areas table if it has the area, else the most common in clients, else the most common in the
    table itself (ties: the first seen). Returns {spelling: spelling kept} for the spellings to
    change, and one merge per table and area that had more than one spelling or another's spelling."""
    counts = {t: _spelling_counts(s) for t, s in columns.items()}
    chosen: dict[str, tuple[str, str]] = {}  # key -> (spelling, source)
    for table in ("areas", "clients", *(t for t in columns if t not in ("areas", "clients"))):
        if table not in counts:
            continue
        by_rows = (
            counts[table]
            if table == "areas"
            else counts[table].sort("n", descending=True, maintain_order=True)
        )
        source = (
            f"the spelling in {files[table]}"
            if table == "areas"
            else f"the most common spelling in {files[table]}"
        )
        for key, spelling in by_rows.select("key", "spelling").iter_rows():
            chosen.setdefault(key, (spelling, source))
    renames: dict[str, str] = {}
    merges: list[SpellingMerge] = []
    for table, c in counts.items():
        for (key,), group in c.group_by(["key"], maintain_order=True):
            keep, source = chosen[key]
            found = sorted(group.select("spelling", "n").iter_rows(), key=lambda r: -r[1])
            if len(found) == 1 and found[0][0] == keep:
                continue
            renames.update({spelling: keep for spelling, _ in found if spelling != keep})
            merges.append(SpellingMerge(table, keep, source, found))
    return renames, merges


def _spelling_counts(s: pl.Series) -> pl.DataFrame:
    """Each spelling with its key and rows, in order of first appearance."""
    spelled = s.drop_nulls().value_counts(sort=False, name="n")
    first = s.drop_nulls().unique(maintain_order=True).to_frame(s.name).with_row_index("order")
    spelled = spelled.join(first, on=s.name).sort("order")
    return spelled.select(pl.col(s.name).alias("spelling"), area_key(spelled[s.name]).alias("key"), "n")


@dataclass
class AreaNote:
    """A warning about the area column of ``table`` (no row: it is about the column)."""

    table: str
    value: str
    expected: str
    message: str


def one_spelling_per_area(
    columns: dict[str, pl.Series], files: dict[str, str]
) -> tuple[dict[str, pl.Series], list[AreaNote]]:
    """The area columns that change (table -> column with one spelling per area), and a note for
    each merge and for the areas of clients that the areas table leaves out."""
    renames, merges = area_spellings(columns, files)
    renamed = {t: s.replace(renames) for t, s in columns.items()} if renames else {}
    notes = [AreaNote(m.table, *merge_message(m)) for m in merges]
    if "areas" in columns and "clients" in columns:
        missing = missing_areas(columns["clients"], columns["areas"])
        if missing:
            notes.append(_missing_areas_note(missing, files["areas"]))
    return renamed, notes


def _missing_areas_note(missing: list[tuple[str, int]], areas_file: str) -> AreaNote:
    listed = ", ".join(f"{escape(a)} ({n:,} client{'s' if n != 1 else ''})" for a, n in missing)
    one = len(missing) == 1
    message = (
        f"{len(missing)} area{'' if one else 's'} of clients {'is' if one else 'are'} not in "
        f"{areas_file}: {listed}; add a row for {'it' if one else 'each'} to {areas_file}, or "
        f"{'its' if one else 'their'} integration strength and population stay unknown"
    )
    return AreaNote("clients", listed, f"an area listed in {areas_file}", message)


def merge_message(m: SpellingMerge) -> tuple[str, str, str]:
    """(value, expected, message) of the warning for one merge."""
    listed = ", ".join(f"'{escape(sp)}' ({n:,} row{'s' if n != 1 else ''})" for sp, n in m.spellings)
    if len(m.spellings) == 1:
        msg = f"read as '{escape(m.canonical)}', {m.source}: areas are matched ignoring case and spaces"
    else:
        msg = (
            f"{len(m.spellings)} spellings of one area were read as '{escape(m.canonical)}' ({m.source}): "
            "areas are matched ignoring case and spaces"
        )
    return listed, "one spelling per area", msg


def missing_areas(clients: pl.Series, areas: pl.Series) -> list[tuple[str, int]]:
    """Areas of clients (with their rows) that the areas table does not list."""
    known = set(area_key(areas.drop_nulls()).to_list())
    counts = _spelling_counts(clients)
    return [(sp, n) for sp, key, n in counts.iter_rows() if key not in known]
