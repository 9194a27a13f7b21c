"""Write a mapping proposal as an annotated ``ipseval.toml``.

Every setting carries a comment with the evidence; a guess less sure than propose.SURE is marked
``# CHECK: 62% sure``; files, sheets, columns and values not matched are listed as comments. The
file reads back (load_settings) as exactly ``Proposal.settings()``.
"""

from __future__ import annotations

import re
from pathlib import Path

from ipseval.atomic import write_text
from ipseval.ingest.propose import SURE, ColumnProposal, Proposal, TableProposal, code_entries
from ipseval.ingest.propose_columns import column_spec, wellbeing_codes
from ipseval.ingest.propose_dates import ORDER_WORDS
from ipseval.ingest.propose_filters import filter_toml
from ipseval.ingest.propose_quote import toml_key, toml_str
from ipseval.ingest.propose_split import merged
from ipseval.ingest.propose_staff import full_time_week
from ipseval.ingest.propose_wide import by_table, wide_toml
from ipseval.schema import CONTRACTED_HOURS
from ipseval.settings import Definitions

TWO_DIGIT_DEFAULT = "auto"

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]+")


def _comment(text: str) -> str:
    return _UNPRINTABLE.sub(" ", text).strip()


def _check(confidence: float) -> str:
    return "" if confidence >= SURE else f"CHECK: {confidence:.0%} sure; "


def proposal_toml(p: Proposal) -> str:
    """The proposal as the text of an ipseval.toml."""
    lines = _header(p)
    lines += _dates(p)
    lines += _fill_down(p)
    lines += _definitions(p)
    lines += _tables(p)
    by_table = merged(p.tables)  # one section per table, whichever files give it
    for t in by_table:
        lines += _columns(t)
    lines += _fixed(p)
    lines += _wide(p)
    for t in by_table:
        for c in t.columns:
            if c.standard and c.codes:
                lines += _codes(t, c)
        for f in t.filters:
            lines += filter_toml(t.standard, f, _comment, _check)
    return "\n".join(lines).rstrip() + "\n"


def _wide(p: Proposal) -> list[str]:
    """The wide files' sections: one [mapping.wide.<table>] for a table with one wide file, one
    [[mapping.wide.<table>]] per file for a table with several (a TOP sheet and a SURE sheet); then
    the teams of items-down fidelity sheets matched to areas."""
    lines: list[str] = []
    for ws in by_table(p.wide).values():
        lines += [line for w in ws for line in wide_toml(w, _comment, _check, several=len(ws) > 1)]
    teams = [g for w in p.wide for g in w.teams]
    long_teams = any(
        t.standard == "fidelity" and c.standard == "team" and code_entries(c)
        for t in p.mapped()
        for c in t.columns
    )
    if teams and not long_teams:
        lines.append("[mapping.codes.fidelity.team]  # the teams of the review columns' headers")
        lines += [
            f"{toml_key(g.value)} = {toml_str(g.code)}  # {_check(g.confidence)}{_comment(g.how)}"
            for g in teams
        ]
        lines.append("")
    return lines


def _fill_down(p: Proposal) -> list[str]:
    if not p.fill_down:
        return []
    lines = ["[input.fill_down]  # columns written once per group of rows: blanks take the value above"]
    for table, columns in p.fill_down.items():
        listed = ", ".join(toml_str(c) for c in columns)
        lines.append(f"{toml_key(table)} = [{listed}]  # CHECK: blank on most rows, each value on several")
    return [*lines, ""]


def _fixed(p: Proposal) -> list[str]:
    lines: list[str] = []
    for table in dict.fromkeys(f.table for f in p.fixed):
        lines.append(f"[mapping.fixed.{table}]  # a column the file does not have: the value of every row")
        for f in (f for f in p.fixed if f.table == table):
            lines.append(f"{toml_key(f.column)} = {toml_str(f.value)}  # CHECK: {_comment(f.how)}")
        lines.append("")
    return lines


def write_proposal(p: Proposal, path: str | Path) -> Path:
    """Write the proposal to ``path`` (whole or not at all)."""
    return write_text(path, proposal_toml(p))


def settings_path_for(export: str | Path) -> Path:
    """Where validate and evaluate look for the settings of ``export``: ipseval.toml beside the data."""
    p = Path(export).expanduser()
    return (p if p.is_dir() else p.parent) / "ipseval.toml"


def _header(p: Proposal) -> list[str]:
    decisions = p.decisions()
    lines = [
        f"# ipseval settings proposed by `ipseval map` for {_comment(str(p.source))}",
        "# Each line says why. Lines marked CHECK are guesses to confirm; files, sheets, columns and",
        "# values that were not matched are listed as comments. Edit, then run `ipseval validate`.",
        f"# {len(decisions)} thing{'s' if len(decisions) != 1 else ''} to decide.",
    ]
    lines += [f"# CHECK: {_comment(n)}" for n in decisions if n.endswith("rename or remove it")]
    lines += [f"# {_comment(n)}" for n in p.notes]
    lines += [f"# not read: {_comment(s)}" for s in p.skipped]
    return [*lines, ""]


def _dates(p: Proposal) -> list[str]:
    d = p.date_order
    lines = ["[input]"]
    for t in p.mapped():
        for c in t.columns:
            said = f"# '{_comment(c.local)}' ({_comment(t.local)}): {_date_words(c)}"
            if c.standard and column_spec(t.standard, c.standard).type == "date" and said not in lines:
                lines.append(said)  # once, though a file giving two tables reads it for each
    lines += _two_digit_years(p)
    if d.setting == "auto":
        return [*lines, f"# date_order: {_comment(d.how)}", ""]
    lines.append(f"date_order = {toml_str(d.setting)}  # {_check(d.confidence)}{_comment(d.how)}")
    if d.orders:  # files that disagree: each table whose file differs gets its own order
        lines += ["", "[input.date_orders]"]
        for o in d.tables:
            if o.table in d.orders:
                lines.append(
                    f"{toml_key(o.table)} = {toml_str(o.setting)}  # {_check(o.confidence)}{_comment(o.how)}"
                )
            else:
                follows = f"follows date_order: {o.how}" if o.setting else f"{o.how}: follows date_order"
                lines.append(f"# {toml_key(o.table)} ({_comment(o.local)}) {_comment(follows)}")
    return [*lines, ""]


def _two_digit_years(p: Proposal) -> list[str]:
    """Comments on the date columns read (a wide file's too) that write years with two digits, and
    the rule they are read under: nothing to set unless it is wrong."""
    found = two_digit_columns(p)
    if not found:
        return []
    lines = [
        f"# '{_comment(c.local)}' ({_comment(local)}): {sum(k for _, k in c.evidence.two_digit_years)} dates "
        f"with a two-digit year, e.g. {_comment(c.evidence.two_digit_years[0][0])}"
        for local, c in found
    ]
    return [
        *lines,
        f"two_digit_years = {toml_str(TWO_DIGIT_DEFAULT)}  # the default: 20yy unless that is after this "
        'year, else 19yy (run in 2025, 20 is 2020 and 68 is 1968); "2000s", "1900s" or "refuse" otherwise',
    ]


def two_digit_columns(p: Proposal) -> list[tuple[str, ColumnProposal]]:
    """(file or sheet, column) of the date columns read (a wide file's too) that write two-digit years."""
    wide = {w.local: set(w.columns) for w in p.wide}
    return [
        (t.local, c)
        for t in p.tables
        for c in t.columns
        if c.evidence.two_digit_years
        and ((c.standard and t.standard) or c.local in wide.get(t.local, ()))
        and c.evidence.kind == "date"
    ]


def _definitions(p: Proposal) -> list[str]:
    lines = []
    if p.data_cut is not None:
        day, said = p.data_cut
        lines.append(
            f"data_cut = {day.isoformat()}  # CHECK: {_comment(said)}; the day the records were extracted: "
            "follow-up ends there, and meetings dated after it are left out"
        )
    if any(c.standard == CONTRACTED_HOURS.name for t in p.tables if t.standard == "staff" for c in t.columns):
        week = full_time_week(p.tables)
        default = Definitions().full_time_hours
        hours, said = week or (default, "the default, the NHS Agenda for Change full-time week")
        lines.append(
            f"full_time_hours = {hours:g}  # CHECK: {_comment(said)}; the staff table gives contracted "
            f"hours, and FTE = hours / {hours:g}: set the service's own full-time week"
        )
    return ["[definitions]", *lines, ""] if lines else []


def _date_words(c: ColumnProposal) -> str:
    order = c.evidence.order
    words = {"either": "day and month both 12 or less (either order)", "mixed": "both orders"}
    seen = ORDER_WORDS.get(order.order or "", words.get(order.order or "", ""))
    example = f" ({order.example})" if order.example and order.order in ORDER_WORDS else ""
    return c.evidence.describe() + (f", {seen}{example}" if seen else "")


def _tables(p: Proposal) -> list[str]:
    lines = ["[mapping.tables]"]
    written: set[str] = set()
    for t in p.tables:
        if t.standard and t.local not in written:
            written.add(t.local)
            gives = [x for x in p.mapped() if x.local == t.local]
            value = (
                toml_str(t.standard)
                if len(gives) == 1
                else f"[{', '.join(toml_str(x.standard) for x in gives)}]"
            )
            how = "; ".join(f"{x.standard}: {_check(x.confidence)}{_comment(x.how)}" for x in gives)
            lines.append(
                f"{toml_key(t.local)} = {value}  # {how if len(gives) > 1 else _check(t.confidence) + _comment(t.how)}"
            )
        elif t.standard:
            continue
        else:
            read = t.part_of or any(w.local == t.local for w in p.wide)  # a part; a wide file
            lines.append(f"# {toml_key(t.local)}: {_comment(t.how)}{'' if read else ', not read'}")
    return [*lines, ""]


def _columns(t: TableProposal) -> list[str]:
    lines = [f"[mapping.columns.{t.standard}]  # {_comment(t.local)}, {t.rows} rows"]
    for c in t.columns:
        if c.standard:
            lines.append(
                f"{toml_key(c.local)} = {toml_str(c.standard)}  # {_check(c.confidence)}{_column_words(c)}"
            )
    for m in t.missing:
        lines.append(f"# CHECK: no column found for the required '{m}'")
    for c in t.columns:
        if not c.standard:
            lines.append(f"# {toml_key(c.local)}: not used ({_comment(_unused_words(c))})")
    return [*lines, ""]


def _column_words(c: ColumnProposal) -> str:
    words = f"{c.how}; {_date_words(c) if c.evidence.kind == 'date' else c.evidence.describe()}"
    if c.evidence.blank_words:
        words += f"; {c.evidence.blank_words} cells of N/A or NULL read as blank"
    if c.evidence.no_value and c.evidence.kind in ("date", "integer", "number"):
        shown = ", ".join(f"'{v}'" for v, _ in c.evidence.no_value_top[:3])
        words += f"; {c.evidence.no_value} cells of words for no value ({shown}): see [mapping.codes]"
    return _comment(words)


def _unused_words(c: ColumnProposal) -> str:
    if c.advice:
        return c.advice
    if c.alternatives:
        name, score = c.alternatives[0]
        return f"{c.evidence.describe()}; best guess {name}, {score:.0%}"
    return c.evidence.describe()


_VALUE_WORDS = {"date": "a date (YYYY-MM-DD)", "integer": "a whole number", "number": "a number"}


def _codes(t: TableProposal, c: ColumnProposal) -> list[str]:
    needed = code_entries(c)
    column = wellbeing_codes(c.standard) or column_spec(t.standard, c.standard)
    title = f"mapping.codes.{t.standard}.{c.standard}"
    lines = [
        f"[{title}]  # {_comment(c.local)}" if needed else f"# {title} ({_comment(c.local)}): none needed"
    ]
    undefined = c.standard in ("measure", "instrument")
    if undefined and any(g.code is None for g in c.codes):
        lines.append(
            f"# CHECK: the labels below marked '= ?' are not built-in {c.standard}s "
            f"({', '.join(column.codes or ())}): map one to these, or define it in [wellbeing] "
            "measures_file; else its rows are not analysed"
        )
    for g in c.codes:
        rows = f"{g.rows} row{'s' if g.rows != 1 else ''}"
        if g in needed:
            lines.append(
                f"{toml_key(g.value)} = {toml_str(g.code)}  # {_check(g.confidence)}{_comment(g.how)} ({rows})"
            )
        elif g.code is None and undefined:
            lines.append(f"# {toml_key(g.value)} = ?  ({rows})")
        elif g.code is None and column.type == "text":
            lines.append(
                f"# {toml_key(g.value)} = ?  CHECK: {_comment(g.how)}; write what it stands for ({rows})"
            )
        elif g.code is None and column.type in _VALUE_WORDS:
            what = _VALUE_WORDS[column.type]
            lines.append(
                f'# {toml_key(g.value)} = ?  CHECK: {_comment(g.how)}; fix it in the data, or map it to "" '
                f"(blank) if it means not recorded, or to {what} ({rows})"
            )
        elif g.code is None:
            allowed = ", ".join(column.codes or ("yes", "no"))
            lines.append(
                f"# {toml_key(g.value)} = ?  CHECK: {_comment(g.how)}; choose one of {allowed} ({rows})"
            )
        else:
            lines.append(f"# {toml_key(g.value)}: read as {g.code} as it is ({rows})")
    return [*lines, ""]
