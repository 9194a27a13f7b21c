"""Match local file, sheet, column and code names to the data standard (settings ``[mapping]``).

Names are compared case-insensitively with surrounding spaces ignored; inside a name, runs of
spaces, hyphens and underscores count as one underscore ("Client ID" = client_id). Table names (files and
sheets) also ignore underscores and spaces altogether ("Employer Contacts" = employer_contacts).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

from ipseval.ingest import InputError, RawTable
from ipseval.schema import BOOL_FALSE, BOOL_TRUE, TABLES, TIME_SINCE_LAST_JOB, Column

if TYPE_CHECKING:
    from ipseval.settings import Settings

_SEP = re.compile(r"[\s\-_]+")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# A header cell that looks like a value (a date, a number): the first row holds data, not names.
_LOOKS_LIKE_DATA = re.compile(r"^[\d\s.,/:\-]+$")
_TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".tab", ".xlsx", ".xlsm")
# The code a label is mapped to when a row holding it is not a record of its table (a future booking
# or a case note in a meetings sheet): the row is left out, counted apart from rows used and rejected.
LEAVE_OUT = "leave_out"
# The key standing for every label (not a blank cell) a code section does not list: "*" = "leave_out"
# keeps only the labels listed (see ingest.row_kinds); KEEP lists a label of a column that only says
# which rows to leave out, without leaving its rows out.
EVERY_OTHER = "*"
KEEP = "keep"
# Standard columns the reader of a wide file fills in itself (the measure or item named by the column,
# a constant instrument): resolve_columns does not ask the file for them.
SUPPLIED: ContextVar[frozenset[str]] = ContextVar("supplied_columns", default=frozenset())


def norm_name(name: object) -> str:
    """Canonical column or code name: lower case, trimmed, inner runs of spaces/hyphens/underscores as
    '_', characters that take no space on screen (a stray byte-order mark, zero-width spaces) removed."""
    return _SEP.sub("_", _INVISIBLE.sub("", str(name)).strip().lower())


def _coded_names(table: str) -> list[str]:
    """The columns of ``table`` whose labels [mapping.codes] may map: its standard columns, and its
    input columns (staff's contracted hours: 'Full time' = '37.5'; a date of birth or date last
    worked: 'Not known' = ''). Any other section keyed by a column is a row filter (row_kinds): an
    input column's section must not be taken for one, which would read the column away."""
    spec = TABLES[table]
    return spec.column_names + [c.name for c in spec.inputs]


def table_key(name: str) -> str:
    """Canonical file or sheet name: lower case with spaces, underscores and hyphens removed."""
    s = name.strip().lower()
    for suffix in _TABLE_SUFFIXES:
        if s.endswith(suffix):
            s = s[: -len(suffix)]
    return re.sub(r"[\s_\-]+", "", s)


def check_mapping(settings: Settings) -> None:
    """Fail early (InputError) if the mapping names a table or column that is not in the standard."""
    m = settings.mapping
    for local, targets in m.tables.items():
        for target in tables_named(targets):
            if target not in TABLES:
                raise InputError(
                    f"settings [mapping.tables] '{local}' = '{target}': '{target}' is not a table of the "
                    f"standard ({', '.join(TABLES)})"
                )
    from ipseval.ingest.row_kinds import only_leave_out

    _check_code_collisions(settings)
    _check_every_other(settings)
    _check_fixed(settings)
    from ipseval.ingest.wide import check_wide

    check_wide(settings)
    for section, by_table in (("columns", m.columns), ("codes", m.codes)):
        for table, cols in by_table.items():
            if table not in TABLES:
                raise InputError(
                    f"settings [mapping.{section}.{table}]: '{table}' is not a table of the standard "
                    f"({', '.join(TABLES)})"
                )
            names = TABLES[table].read_names if section == "columns" else _coded_names(table)
            targets = cols.values() if section == "columns" else cols.keys()
            for target in targets:
                if section == "columns" and target == "":
                    continue  # a column left aside: not read, not reported as unused
                if section == "codes" and norm_name(target) in _local_names(settings, table):
                    continue
                if section == "codes" and only_leave_out(cols[target]):
                    continue  # a column of the file that only says which rows to leave out (row_kinds)
                if (target if section == "columns" else norm_name(target)) not in names:
                    raise InputError(_not_a_column(section, table, target, names))
    _check_code_targets(settings)


def _not_a_column(section: str, table: str, target: str, names: list[str]) -> str:
    """The settings problem of a key or target naming no column of ``table``, with the nearest."""
    from ipseval.ingest.row_kinds import nearest

    message = (
        f"settings [mapping.{section}.{table}]: '{target}' is not a column of {table} "
        f"({', '.join(names)}){nearest(target, names)}"
    )
    if section == "codes":
        message += (
            f"; if '{target}' is a column of the file, map it to one in [mapping.columns.{table}], or, "
            f'to leave rows out by its labels, map each label to "leave_out" or "keep" ("*" = '
            '"leave_out" for every label not listed)'
        )
    return message


def tables_named(targets: str | list[str]) -> list[str]:
    """The tables a ``[mapping.tables]`` entry names: one, or a list (one file giving two tables,
    e.g. an activity export giving meetings and employer_contacts)."""
    return [targets] if isinstance(targets, str) else list(targets)


def _check_code_collisions(settings: Settings) -> None:
    """Codes are matched ignoring case and spaces, so two local codes that differ only that way are
    one code: mapping them to different standard codes would silently apply only one (InputError)."""
    for table, by_column in settings.mapping.codes.items():
        for column, codes in by_column.items():
            seen: dict[str, tuple[str, str]] = {}
            for local, target in codes.items():
                first = seen.setdefault(norm_name(local), (local, target))
                if norm_name(first[1]) != norm_name(target):
                    raise InputError(
                        f"settings mapping.codes.{table}.{column}: '{first[0]}' and '{local}' are the same "
                        f"code once case and spaces are ignored, but are mapped to '{first[1]}' and "
                        f"'{target}'; keep one of them"
                    )


def _check_every_other(settings: Settings) -> None:
    """ "*" (every label a section does not list) may only leave rows out (InputError otherwise)."""
    for table, by_column in settings.mapping.codes.items():
        for key, codes in by_column.items():
            every = codes.get(EVERY_OTHER)
            if every is not None and norm_name(every) != LEAVE_OUT:
                raise InputError(
                    f'settings [mapping.codes.{table}.{key}]: "{EVERY_OTHER}" = "{every}": "{EVERY_OTHER}" '
                    f'stands for every label not listed and may only be mapped to "{LEAVE_OUT}"'
                )


def _check_code_targets(settings: Settings) -> None:
    """Every code mapping must lead to a value its column can hold, or to "" (not recorded): a target
    that is neither would be ignored row by row, so it is refused here, naming what is valid."""
    for table, by_column in settings.mapping.codes.items():
        for key, codes in by_column.items():
            column = mapped_column(settings, table, key)
            if column and TABLES[table].column(column).type in _WHOLE_VALUE:
                _check_whole_values(table, key, TABLES[table].column(column), codes)
                continue
            valid = valid_targets(TABLES[table].column(column)) if column else None
            if valid is None:
                continue
            spec = TABLES[table].column(column)
            shown = "a yes/no column: yes or no" if spec.type == "bool" else ", ".join(spec.codes or ())
            for local, target in codes.items():
                if local == EVERY_OTHER:
                    continue
                if str(target).strip() and norm_name(target) not in valid | {LEAVE_OUT}:
                    raise InputError(
                        f"settings [mapping.codes.{table}.{key}]: '{local}' = '{target}': '{target}' is "
                        f"not a value of {column} ({shown}); if '{local}' means not recorded, map it "
                        f'to "" (blank); if a row holding it is not a record, map it to "{LEAVE_OUT}"'
                    )


# Date and number columns: a mapping gives a cell a whole value, which must be of the column's kind.
_WHOLE_VALUE = {
    "date": (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "a date written YYYY-MM-DD"),
    "integer": (re.compile(r"^[+-]?\d+$"), "a whole number"),
    "number": (re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$"), "a number"),
}


def whole_value_kind(column: Column, value: str) -> str | None:
    """What a mapping of a date or number column must give when ``value`` is not it ('a whole
    number'); None when ``value`` will do ("" or a value of the column's kind, or any text)."""
    if column.type not in _WHOLE_VALUE:
        return None
    pattern, kind = _WHOLE_VALUE[column.type]
    text = str(value).strip()
    return kind if text and not pattern.match(text) else None


def _check_whole_values(table: str, key: str, column: Column, codes: dict[str, str]) -> None:
    """A date or number column's mappings give a whole value of its kind, or "" (not recorded), or
    leave the row out (not an input column's: it is read only to work out another); the date last
    worked may also give a band of time since the last job ('Currently employed' = 'under_1y')."""
    is_input = column in TABLES[table].inputs
    bands = set(TIME_SINCE_LAST_JOB) if column.name == "date_last_worked" else set()
    for local, target in codes.items():
        if (norm_name(target) == LEAVE_OUT and not is_input) or norm_name(target) in bands:
            continue
        kind = whole_value_kind(column, target)
        if kind is not None or norm_name(target) == LEAVE_OUT:
            kind = (kind or "a date written YYYY-MM-DD") + (
                f" or one of {', '.join(sorted(bands))}" if bands else ""
            )
            raise InputError(
                f"settings [mapping.codes.{table}.{key}]: '{local}' = '{target}': {column.name} takes "
                f'{kind}, so a value is mapped to {kind}, or to "" (blank) if it means not recorded'
            )


def valid_targets(column: Column) -> set[str] | None:
    """The values a code mapping may give ``column`` (besides "" for not recorded), or None when any
    text will do."""
    if column.type == "bool":
        return set(BOOL_TRUE | BOOL_FALSE)
    if column.type == "code" and column.codes:
        return set(column.codes)
    return None


def mapped_column(settings: Settings, table: str, key: str) -> str | None:
    """The standard column a ``[mapping.codes.<table>.<key>]`` section is about: ``key`` is the
    standard name or the local column name mapped to one."""
    if norm_name(key) in _coded_names(table):  # the standard name, in any case ('Attended')
        return norm_name(key)
    local = {k: v for k, v in settings.mapping.columns.get(table, {}).items() if v}
    for wide_table, sources in settings.mapping.wide.items():
        for wide in sources:
            local |= wide.columns if wide_table == table else wide.areas if table == "areas" else {}
    target = {norm_name(k): v for k, v in local.items()}.get(norm_name(key))
    return target if target in _coded_names(table) else None


def _local_names(settings: Settings, table: str) -> set[str]:
    """The local column names mapped to a standard column of ``table`` (not those left aside)."""
    return {norm_name(k) for k, v in settings.mapping.columns.get(table, {}).items() if v}


def resolve_table(local_name: str, settings: Settings) -> str | None:
    """The (first) standard table a file or sheet name stands for, or None if it is not one."""
    return next(iter(resolve_tables(local_name, settings)), None)


def mapped_to_nothing(local_name: str, settings: Settings) -> bool:
    """True when ``[mapping.tables]`` maps this file or sheet to ``[]``: left out on purpose."""
    key = table_key(local_name)
    return any(table_key(k) == key and not tables_named(v) for k, v in settings.mapping.tables.items())


def resolve_tables(local_name: str, settings: Settings) -> list[str]:
    """The standard tables a file or sheet name stands for: one, several when the settings say one
    file gives several tables, or none."""
    key = table_key(local_name)
    if any(table_key(w.file) == key for sources in settings.mapping.wide.values() for w in sources):
        return []  # read by ipseval.ingest.wide
    for local, targets in settings.mapping.tables.items():
        if table_key(local) == key:
            return tables_named(targets)
    return [name for name in TABLES if table_key(name) == key][:1]


@dataclass
class ColumnMatch:
    """How a header row maps onto a standard table."""

    standard: dict[int, str]  # position -> standard column name
    unused: dict[int, str]  # position -> label shown to the user (header text or a description)
    blank: list[int]  # positions with a blank header (unused only if the column holds data)
    table: str = ""
    kinds: dict[int, str] = field(default_factory=dict)  # position -> leave-out-only key (row_kinds)
    absent: dict[str, str] = field(default_factory=dict)  # local name -> target, not in the file

    def kept(self, name_of: Callable[[int], str]) -> list[pl.Expr]:
        """The columns a reader keeps (``name_of``: a position's column in its frame): the standard
        ones in the standard's order, then those that only say which rows to leave out."""
        from ipseval.ingest.row_kinds import kind_column

        order = {c: k for k, c in enumerate(TABLES[self.table].read_names)}
        cols = sorted(self.standard.items(), key=lambda kv: order[kv[1]])
        return [pl.col(name_of(i)).alias(std) for i, std in cols] + [
            pl.col(name_of(i)).alias(kind_column(key)) for i, key in self.kinds.items()
        ]


def resolve_columns(
    table: str,
    header: list[object],
    settings: Settings,
    file: str,
    blank_label: Callable[[int], str],
) -> ColumnMatch:
    """Map header cells to standard columns (mapping first, then the standard's own names).

    Raises InputError when two columns give the same standard column or a required one is missing.
    """
    from ipseval.ingest.row_kinds import kind_keys

    spec = TABLES[table]
    local_map = {norm_name(k): v for k, v in settings.mapping.columns.get(table, {}).items()}
    names = set(spec.read_names)
    kinds = kind_keys(settings, table)
    standard: dict[int, str] = {}
    unused: dict[int, str] = {}
    blank: list[int] = []
    kind_at: dict[int, str] = {}
    seen: dict[str, str] = {}
    for i, cell in enumerate(header):
        text = "" if cell is None else str(cell).strip()
        if not text:
            blank.append(i)
            continue
        key = norm_name(text)
        if key in kinds and kinds[key] not in kind_at.values():  # the first column of that name
            kind_at[i] = kinds[key]
            continue
        if local_map.get(key) == "":
            continue  # left aside by the settings: not read, not reported
        target = local_map.get(key) or (key if key in names else None)
        if target is None:
            unused[i] = text
            continue
        if target in seen:
            raise InputError(
                f"{file}: columns '{seen[target]}' and '{text}' both give the column '{target}'; "
                f'remove or rename one of them, or leave one aside in the settings: map it to "" in '
                f'[mapping.columns.{table}] (e.g. "{text}" = "")'
            )
        seen[target] = text
        standard[i] = target
    fixed = settings.mapping.fixed.get(table, {})
    missing = [
        c for c in spec.required_columns if c not in seen and c not in SUPPLIED.get() and c not in fixed
    ]
    if missing:
        found = ", ".join(str(h).strip() for h in header if h is not None and str(h).strip()) or "none"
        if len(missing) == 1:
            what = f"required column '{missing[0]}' is missing"
        else:
            what = "required columns " + ", ".join(f"'{c}'" for c in missing) + " are missing"
        blank_hint = f"; {blank_label(blank[0])}" if blank else ""
        if not seen and any(
            _LOOKS_LIKE_DATA.match(str(h).strip()) for h in header if h is not None and str(h).strip()
        ):
            blank_hint += "; the first row looks like data: the column names must be in the first row"
        elif not seen and len(unused) == 1 and len(header) > 1 and len(blank) == len(header) - 1:
            blank_hint += "; the first row looks like a title: the column names must be in the first row"
        wide = (
            f"; if it has one column per item or per review, read it with [mapping.wide.{table}] "
            "(data-standard.md, 'Wide files'; ipseval map proposes it)"
            if table in ("wellbeing", "fidelity") and not SUPPLIED.get()  # not already read wide
            else ""
        )
        raise InputError(
            f"{file}: {what} (found: {found}){blank_hint}. Rename the column, or map your own "
            f"name to it in the settings [mapping.columns.{table}]{wide}"
        )
    in_file = {norm_name(h) for h in header if h is not None}
    columns = settings.mapping.columns.get(table, {})
    absent = {local: target for local, target in columns.items() if norm_name(local) not in in_file}
    return ColumnMatch(standard, unused, blank, table, kind_at, absent)


def code_sections(settings: Settings, table: str, column: str) -> dict[str, dict[str, str]]:
    """The ``[mapping.codes.<table>.<key>]`` sections about ``column`` (by its standard name or the
    local name mapped to it): section key -> its code mappings as written."""
    return {
        key: codes
        for key, codes in settings.mapping.codes.get(table, {}).items()
        if mapped_column(settings, table, key) == column
    }


def code_map(settings: Settings, table: str, column: str) -> dict[str, str]:
    """Local code -> standard code for one column, keys canonicalised with :func:`norm_name`.

    The settings may key the column by its standard name or by the local name mapped to it. A code
    mapped to "" means the cell is blank (not recorded); the key "" (a blank cell) mapped to a code
    means blank cells of an optional code or yes/no column read as that code.
    """
    out: dict[str, str] = {}
    for col_key, codes in settings.mapping.codes.get(table, {}).items():
        if mapped_column(settings, table, col_key) == column:
            out.update({norm_name(k): str(v).strip() for k, v in codes.items()})
    return out


def _check_fixed(settings: Settings) -> None:
    check_table_columns(settings.mapping.fixed, lambda table: f"[mapping.fixed.{table}]")


def check_table_columns(by_table: Mapping[str, Iterable[str]], where: Callable[[str], str]) -> None:
    """Fail early (InputError) when a settings section keyed by table names a table or a column the
    standard does not have; ``where`` words the section for a table."""
    for table, columns in by_table.items():
        if table not in TABLES:
            raise InputError(
                f"settings {where(table)}: '{table}' is not a table of the standard ({', '.join(TABLES)})"
            )
        for column in columns:
            if column not in TABLES[table].column_names:
                raise InputError(
                    f"settings {where(table)}: '{column}' is not a column of {table} "
                    f"({', '.join(TABLES[table].column_names)})"
                )


def add_fixed_columns(raw: RawTable, settings: Settings) -> None:
    """The columns ``[mapping.fixed.<table>]`` gives every row of a table whose file lacks them."""
    fixed = settings.mapping.fixed.get(raw.name, {})
    for column, value in fixed.items():
        if column in raw.frame.columns:
            raise InputError(
                f"{raw.file}: has its own {column} column, and the settings [mapping.fixed.{raw.name}] give "
                f"every row {column} = '{value}'; remove the setting or the column"
            )
    if fixed:
        added = raw.frame.with_columns(pl.lit(v, dtype=pl.Utf8).alias(c) for c, v in fixed.items())
        order = {c: k for k, c in enumerate(TABLES[raw.name].read_names)}
        named = sorted((c for c in added.columns if c != "_row"), key=lambda c: order.get(c, len(order)))
        raw.frame = added.select(*named, "_row")
