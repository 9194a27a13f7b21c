"""The mapping assistant: propose how a local export maps onto the data standard.

``propose(path)`` reads a folder of CSV files or a workbook as it is and returns a
:class:`Proposal`: each file or sheet with the standard table it most likely is, each column with
the standard column (by its name, fuzzily, and what its values look like), each value of a coded
column with the standard code it most likely means, and the order of day and month in dates; every
guess with a confidence and the evidence in plain words. The proposal is data (the dashboard can show
it as a form); ``propose_toml`` writes it as an annotated ``ipseval.toml``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from ipseval.ingest.decimal_commas import reads_decimal_commas
from ipseval.ingest.file_notes import shared_notes
from ipseval.ingest.mapping import norm_name, table_key
from ipseval.ingest.propose_area_names import name_area_codes
from ipseval.ingest.propose_birth import age_later, date_of_birth_check
from ipseval.ingest.propose_codebook import is_lookup_table, table_lookups
from ipseval.ingest.propose_codes import (
    WELLBEING_LABELS,
    CodeGuess,
    blank_as_no,
    guess_codes,
    tick_column,
)
from ipseval.ingest.propose_columns import (
    DATE_OF_BIRTH,
    candidate_columns,
    column_spec,
    takes_date_of_birth,
    wellbeing_codes,
)
from ipseval.ingest.propose_dates import DateOrderProposal, propose_date_order
from ipseval.ingest.propose_fill import propose_fill_down
from ipseval.ingest.propose_filters import RowFilter, propose_filters
from ipseval.ingest.propose_fixed import FixedProposal, propose_fixed
from ipseval.ingest.propose_ids import choose_client_ids, choose_specialist_ids, names_no_clients
from ipseval.ingest.propose_items import instruments_of, propose_items
from ipseval.ingest.propose_label_fit import label_fit
from ipseval.ingest.propose_lookup_codes import by_lookup
from ipseval.ingest.propose_lookups import Lookup, date_in_names, find_data_cut, lookup_for, text_lookups
from ipseval.ingest.propose_measures import one_measure_each
from ipseval.ingest.propose_messages import leave_out_messages
from ipseval.ingest.propose_names import column_name_score, not_standard, table_name_score
from ipseval.ingest.propose_novalue import value_guesses
from ipseval.ingest.propose_parts import mark_parts
from ipseval.ingest.propose_read import MAX_ROWS, LocalExport, LocalTable, read_export
from ipseval.ingest.propose_referral import prefer_accepted
from ipseval.ingest.propose_shared import by_shared_values
from ipseval.ingest.propose_split import align_parts, merged, part_groups, second_table, split_rows
from ipseval.ingest.propose_staff import full_time_week
from ipseval.ingest.propose_teams import area_for_team
from ipseval.ingest.propose_values import Evidence, column_evidence, value_fit
from ipseval.ingest.propose_wide import WideProposal, by_table, propose_wide, team_codes, wide_mapping
from ipseval.schema import TABLES, Column, Table
from ipseval.validate_last_worked import LAST_WORKED

if TYPE_CHECKING:
    from ipseval.settings import Settings

SURE = 0.8  # a guess at least this sure is not marked CHECK
NO_HEADER = 0.5  # the most a column with a blank header cell is trusted (so always marked CHECK)
ACCEPT = 0.5  # a column is proposed only at least this sure
ACCEPT_TABLE = 0.45  # a file or sheet likewise
NAME_FLOOR = 0.3  # below this a name is not worth looking at the values for
# Columns that name something another table names too: a column whose values are (nearly all) those
# of such a column in another table is that column ('Seen By' ES01..ES08 beside 'Allocated ES').


@dataclass
class ColumnProposal:
    local: str  # the header as in the export
    standard: str | None  # the standard column proposed; None = not used
    confidence: float
    how: str  # why the name fits
    evidence: Evidence  # what the values look like
    codes: list[CodeGuess] = field(default_factory=list)  # coded and yes/no columns: every value
    alternatives: list[tuple[str, float]] = field(default_factory=list)  # next best, best first
    advice: str | None = None  # a column the standard leaves out on purpose: what to do

    @property
    def sure(self) -> bool:
        return self.confidence >= SURE


@dataclass
class TableProposal:
    local: str  # file name or sheet name
    standard: str | None
    confidence: float
    how: str
    rows: int
    columns: list[ColumnProposal]
    missing: list[str] = field(default_factory=list)  # required columns no local column gives
    part_of: str | None = None  # the file this one is a part of, read with it (propose_parts)
    filters: list[RowFilter] = field(default_factory=list)  # columns saying which rows to keep

    @property
    def sure(self) -> bool:
        return self.confidence >= SURE


@dataclass
class Proposal:
    source: Path
    workbook: bool
    tables: list[TableProposal]
    date_order: DateOrderProposal
    skipped: list[str] = field(default_factory=list)  # files or sheets not read, and why
    notes: list[str] = field(default_factory=list)  # for information: nothing to decide
    wide: list[WideProposal] = field(default_factory=list)  # files with one column per item
    data_cut: tuple[date, str] | None = None  # the data cut a cover sheet or title line names, and where
    fixed: list[FixedProposal] = field(default_factory=list)  # columns every row of a file shares
    fill_down: dict[str, list[str]] = field(default_factory=dict)  # columns written once per group

    def mapped(self) -> list[TableProposal]:
        return [t for t in self.tables if t.standard]

    def mapping(self) -> dict:
        """The proposal as the settings' [mapping] section (codes validate reads as they are left out)."""
        tables: dict[str, str | list[str]] = {}
        for t in self.mapped():  # a file giving two tables lists both
            had = tables.get(t.local)
            tables[t.local] = (
                t.standard if had is None else [*([had] if isinstance(had, str) else had), t.standard]
            )
        one_each = merged(self.tables)
        columns = {t.standard: {c.local: c.standard for c in t.columns if c.standard} for t in one_each}
        codes: dict[str, dict[str, dict[str, str]]] = {}
        for t in one_each:
            for c in t.columns:
                entries = {g.value: g.code for g in code_entries(c)}
                if c.standard and entries:
                    codes.setdefault(t.standard, {})[c.standard] = entries
            for f in t.filters:
                codes.setdefault(t.standard, {})[f.column] = f.mapping()
        teams = team_codes(self.wide)
        if teams and "team" not in codes.get("fidelity", {}):
            codes.setdefault("fidelity", {})["team"] = teams
        out = {"tables": tables, "columns": {k: v for k, v in columns.items() if v}, "codes": codes}
        for f in self.fixed:
            out.setdefault("fixed", {}).setdefault(f.table, {})[f.column] = f.value
        wide = {t: [wide_mapping(w) for w in ws] for t, ws in by_table(self.wide).items()}
        return out | ({"wide": wide} if wide else {})

    def settings(self) -> Settings:
        from ipseval.settings import Settings

        data = {
            "mapping": self.mapping(),
            "input": {
                "date_order": self.date_order.setting,
                "date_orders": self.date_order.orders,
                "fill_down": self.fill_down,
            },
        }
        if self.data_cut is not None:
            data["definitions"] = {"data_cut": self.data_cut[0]}
        week = full_time_week(self.tables)
        if week is not None:
            data.setdefault("definitions", {})["full_time_hours"] = week[0]
        return Settings.model_validate(data)

    def decisions(self) -> list[str]:
        """What a person has to decide, in plain sentences."""
        out: list[str] = []
        if not any(t.standard == "clients" for t in self.tables):
            out.append(
                "no file or sheet looks like the clients table, which is required: map one in [mapping.tables]"
            )
        for t in self.tables:
            where = f"'{t.local}'"
            if t.standard and not t.sure:
                out.append(f"{where} as {t.standard}: {t.confidence:.0%} sure")
            out += [f"{where}: no column for the required '{m}'" for m in t.missing]
            for c in t.columns:
                if c.standard and not c.sure:
                    out.append(f"{where} column '{c.local}' as {c.standard}: {c.confidence:.0%} sure")
                for g in c.codes if c.standard else ():
                    if g.code is None or g.confidence < SURE:
                        out.append(f"{where} column '{c.local}' value '{g.value}' {_undecided(t, c, g)}")
        out += [f"every {f.table} row of its file as {f.column} '{f.value}' ({f.how})" for f in self.fixed]
        out += [
            f"'{t.local}': rows kept by '{f.column}': {f.said()}" for t in self.mapped() for f in t.filters
        ]
        out += [f"{t}: blank {', '.join(cs)} filled from the row above" for t, cs in self.fill_down.items()]
        for w in self.wide:
            out.append(f"'{w.local}' laid out wide as {w.standard}: {w.confidence:.0%} sure")
            what = "row" if w.layout == "items_down" else "column"
            out += [
                f"'{w.local}' {what} '{k}' as {v[0]}: {v[1]:.0%} sure"
                for k, v in w.items.items()
                if v[1] < SURE
            ]
            out += [
                f"'{w.local}' row '{k}' as {v[0] or 'not used'}: {v[1]:.0%} sure"
                for k, v in w.rows.items()
                if v[1] < SURE
            ]
            out += [f"'{w.local}' team '{g.value}' as {g.code}: {g.confidence:.0%} sure" for g in w.teams]
            out += [f"'{w.local}': {u}" for u in w.unplaced]
            if w.blanks:
                out.append(f"'{w.local}': {', '.join(b for b, _ in w.blanks)} read as not recorded")
        if not self.date_order.sure:
            out.append(f"dates: {self.date_order.how}")
        if self.data_cut is not None:
            out.append(f"the data cut {self.data_cut[0].isoformat()}, from {self.data_cut[1]}")
        return out + _conflicts(self)


def _undecided(t: TableProposal, c: ColumnProposal, g: CodeGuess) -> str:
    """What is left to decide about one value, in words."""
    if g.code == "":
        return f'as "" (blank): {g.confidence:.0%} sure'
    if g.code:
        return f"as {g.code}: {g.confidence:.0%} sure"
    kind = column_spec(t.standard, c.standard).type
    if kind in ("date", "integer", "number"):
        return f"is not a {'date' if kind == 'date' else 'number'}: fix it in the data, or map it"
    return "has no standard code"


def code_entries(column: ColumnProposal) -> list[CodeGuess]:
    """The code guesses the settings need: a code proposed, and the value not already read as it is."""
    return [g for g in column.codes if g.code is not None and not g.as_is]


def propose(path: str | Path) -> Proposal:
    """Read the export at ``path`` and propose its mapping (InputError if it cannot be read)."""
    return propose_export(read_export(path))


def propose_export(export: LocalExport) -> Proposal:
    """Propose the mapping of an export already read."""
    lookups = _lookups(export)
    code_tables = [t for t in export.tables if is_lookup_table(t) and table_lookups(t)]
    if code_tables and len(code_tables) < len(export.tables):
        export = replace(
            export,
            tables=[t for t in export.tables if t not in code_tables],
            skipped=[
                *export.skipped,
                *(f"{t.name} (a list of codes: read for code lookups)" for t in code_tables),
            ],
        )
    evidence = [[column_evidence(c) for c in t.columns] for t in export.tables]
    explained = [
        [lookup_for(c.name, evidence[i][k].top, lookups) for k, c in enumerate(t.columns)]
        for i, t in enumerate(export.tables)
    ]
    scores = {
        (i, name): _column_scores(t, evidence[i], spec, explained[i])
        for i, t in enumerate(export.tables)
        for name, spec in TABLES.items()
    }
    table_scores = {
        (i, name): _table_score(t, spec, scores[i, name])
        for i, t in enumerate(export.tables)
        for name, spec in TABLES.items()
    }
    chosen = _named_tables(export)  # the reader takes these by their names whatever the settings say
    groups = part_groups(export.tables)
    later = {i for g in groups for i in g[1:]}  # a later part takes no table of its own
    rest = (
        (s, i, n)
        for (i, n), (s, _) in table_scores.items()
        if i not in chosen and i not in later and n not in chosen.values()
    )
    chosen |= _assign(rest, ACCEPT_TABLE)
    for group in groups:  # parts of one extract give the tables their first part does
        first = next((chosen[i] for i in group if i in chosen), None)
        chosen |= {i: first for i in group} if first else {}
    tables = []
    for i, t in enumerate(export.tables):
        name = chosen.get(i)
        if name is None:
            best = max(TABLES, key=lambda n: table_scores[i, n][0])
            how = f"not matched (best guess {best}, {table_scores[i, best][0]:.0%})"
            columns = [ColumnProposal(c.name, None, 0.0, "", evidence[i][k]) for k, c in enumerate(t.columns)]
            tables.append(TableProposal(t.name, None, table_scores[i, best][0], how, t.rows, columns))
            continue
        score, how = table_scores[i, name]
        tables.append(_table_proposal(t, TABLES[name], evidence[i], scores[i, name], score, how, lookups))
    align_parts(groups, tables, partial(_part_codes, export, tables, evidence, lookups))
    by_shared_values(tables)
    mark_parts(tables)
    leave_out_messages(tables)
    choose_client_ids(tables)
    choose_specialist_ids(tables, export.tables)
    _teams_to_areas(tables)
    name_area_codes(tables, export.tables)
    propose_filters(tables, explained)
    wide = _wide(export, tables, evidence, scores, lookups)
    tables = _second_tables(export, tables, evidence, scores, explained, lookups)
    dates = propose_date_order(tables)  # a wide file's dates count too
    for w in wide:
        t = next(t for t in tables if t.local == w.local)
        per = "review" if w.layout == "items_down" else "item"
        t.standard, t.how, t.missing = None, f"one column per {per}: see [mapping.wide.{w.standard}]", []
        for c in t.columns:
            c.standard = None
    proposal = Proposal(export.source, export.workbook, tables, dates, list(export.skipped), wide=wide)
    proposal.fill_down = propose_fill_down(tables)
    for t in tables:
        measures = [g.value for c in t.columns if c.standard == "measure" for g in c.codes]
        if (f := propose_fixed(t.local, t.standard, measures, t.missing)) is not None:
            proposal.fixed.append(f)
            t.missing.remove(f.column)
        propose_items(t, instruments_of(t, f.value if f is not None else None))  # 'Q01 ...' as item_01
    proposal.data_cut = _data_cut(export, month_first=dates.setting == "mdy")
    proposal.notes += shared_notes([(t.name, note) for t in export.tables for note in t.notes])
    proposal.notes += [
        f"'{t.name}': only its first {MAX_ROWS:,} rows were looked at" for t in export.tables if t.truncated
    ]
    return proposal


Scores = dict[tuple[int, str], tuple[float, str]]


def _part_codes(export, tables, evidence, lookups, i: int, column, standard: str) -> list[CodeGuess]:
    """The guesses for the values of ``column`` of the ``i``-th file read as ``standard``."""
    k = next(k for k, c in enumerate(export.tables[i].columns) if c.name == column.local)
    ev = evidence[i][k]
    lookup = lookup_for(column.local, ev.top, list(lookups))
    blanks = max(0, export.tables[i].rows - ev.n)
    commas = reads_decimal_commas(export.tables[i].separator)
    return _codes(column_spec(tables[i].standard, standard), ev, lookup, blanks, commas)


def _second_tables(export, tables, evidence, scores, explained, lookups) -> list[TableProposal]:
    """``tables`` and, after them, the second table of each file whose type column's labels name
    records of two tables (propose_split): its columns proposed from the same file."""
    out, local = list(tables), list(export.tables)
    for i, t in enumerate(tables):
        found = second_table(t, explained[i]) if t.standard else None
        if found is None:
            continue
        sibling, column = found
        if sibling == "meetings" and names_no_clients(t, tables):
            continue  # no client is named: its 'Telephone call' rows are calls to employers
        score, how = 0.6, f"its '{column}' labels name {sibling} too: the file gives both tables"
        sib = _table_proposal(
            export.tables[i], TABLES[sibling], evidence[i], scores[i, sibling], score, how, lookups
        )
        k = next(k for k, c in enumerate(t.columns) if c.local == column)
        split_rows(t, sib, k, explained[i][k], max(0, t.rows - evidence[i][k].n))
        out.append(sib)
        local.append(export.tables[i])
    if len(out) > len(tables):
        choose_specialist_ids(out, local)
    return out


def _data_cut(export: LocalExport, month_first: bool) -> tuple[date, str] | None:
    """The data cut a README, a cover sheet, a title or footer line states, else the day the files'
    names give; said to agree when both give the same day."""
    lines = list(export.texts) + [(t.name, line) for t in export.tables for line in (*t.titles, *t.footers)]
    said = find_data_cut(lines, month_first)
    named = date_in_names([t.name for t in export.tables] + [export.source.name], month_first)
    if said is None or named is None:
        return said or named
    return said if said[0] != named[0] else (said[0], f"{said[1]}, and {named[1]}")


def _wide(
    export: LocalExport,
    tables: list[TableProposal],
    evidence: list[list[Evidence]],
    scores: dict[tuple[int, str], Scores],
    lookups: list[Lookup],
) -> list[WideProposal]:
    """The files laid out wide: one column per item or measure, or the items down the side."""
    from ipseval.ingest.propose_down import propose_items_down

    areas = area_names(tables)
    out = []
    for i, t in enumerate(tables):
        local = export.tables[i]

        def as_table(std: str, i: int = i, local: LocalTable = local) -> TableProposal:
            return _table_proposal(local, TABLES[std], evidence[i], scores[i, std], 0.0, "", lookups)

        w = propose_wide(local, t, as_table)
        if w is None and t.standard in (None, "fidelity"):
            w = propose_items_down(local, export.source, areas)
        if w is not None:
            out.append(w)
    return out


def _named_tables(export: LocalExport) -> dict[int, str]:
    """Files or sheets named as a standard table ('Clients.csv', 'employer contacts')."""
    return {i: n for i, t in enumerate(export.tables) for n in TABLES if table_key(t.name) == table_key(n)}


def _column_scores(
    table: LocalTable, evidence: list[Evidence], spec: Table, explained: list[Lookup | None] = ()
) -> Scores:
    """(local column, standard column) -> (confidence, why): the name's fit, weighed by the values';
    or, surer, the labels the column's lookup gives its codes (propose_label_fit)."""
    out: Scores = {}
    for k, col in enumerate(table.columns):
        lookup = explained[k] if explained else None
        for std in candidate_columns(spec.name):
            by_labels = label_fit(lookup, std, evidence[k].top) if lookup is not None else None
            name = column_name_score(col.name, std.name, spec.name)
            if (name.score < NAME_FLOOR and by_labels is None) or _vetoed(std, evidence[k], spec.name):
                continue
            out[k, std.name] = (name.score * (0.6 + 0.4 * value_fit(std, evidence[k])), name.how)
            if by_labels is not None and by_labels[0] > out[k, std.name][0]:
                out[k, std.name] = by_labels
    return out


# A date column holding one day on every row of a table of people or events is the day of the
# extract, not an event's date (a warehouse's EXTR_DT); a fidelity file may be one review, one day.
ONE_DAY_ROWS = 20
ONE_DAY_TABLES = ("fidelity",)


def _one_day(ev: Evidence, table: str) -> str | None:
    """Why a date column the same on every row is no event's date (see ONE_DAY_ROWS)."""
    if ev.kind != "date" or ev.n < ONE_DAY_ROWS or len(ev.top) != 1 or table in ONE_DAY_TABLES:
        return None
    return f"one day on every row ({ev.top[0][0]}): the day of the extract, perhaps the data cut, not an event's date"


def _vetoed(std: Column, ev: Evidence, table: str = "") -> bool:
    """Values that cannot be the standard column's: not dates for a date column, dates for any other
    ('Seen By' holding ES01..ES08 is no meeting date, whatever its name is like), one day on every
    row for an event's date."""
    if ev.kind == "empty":
        return False
    if std.name == LAST_WORKED:  # months, years and 'Never' as well as dates
        return value_fit(std, ev) < 0.5
    dates = ev.kind == "date" or ev.serials >= 0.9 * ev.n
    if std.type == "date" and dates and ev.n >= ONE_DAY_ROWS and len(ev.top) == 1:
        return table not in ONE_DAY_TABLES
    return not dates if std.type == "date" else ev.kind == "date"


def _table_score(table: LocalTable, spec: Table, scores: Scores) -> tuple[float, str]:
    """How well a file or sheet fits a standard table: its name, whether the standard's required
    columns are there, and how many of its columns fit the table."""
    name = table_name_score(table.name, spec.name)
    best: dict[str, float] = {}
    per_local: dict[int, float] = {}
    for (k, std), (s, _) in scores.items():
        best[std] = max(best.get(std, 0.0), s)
        per_local[k] = max(per_local.get(k, 0.0), s)
    required = [best.get(c, 0.0) for c in spec.required_columns] or [0.0]
    coverage = sum(1 for s in per_local.values() if s >= ACCEPT) / max(1, len(table.columns))
    fit = 0.5 * sum(required) / len(required) + 0.5 * coverage
    score = 0.45 * name.score + 0.55 * fit
    says = f"its name is {name.how}" if name.score >= 0.9 else "its columns fit"
    return score, f"{says}; {coverage:.0%} of its columns fit {spec.name}"


def _assign(candidates: Iterable[tuple[float, int, str]], floor: float) -> dict[int, str]:
    """One-to-one, best first: each local item and each standard name taken once, at least ``floor``."""
    chosen: dict[int, str] = {}
    taken: set[str] = set()
    for score, local, std in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if score >= floor and local not in chosen and std not in taken:
            chosen[local] = std
            taken.add(std)
    return chosen


def _lookups(export: LocalExport) -> list[Lookup]:
    """The code lookups of the export's text sheets, title lines and code/label tables."""
    by_sheet: dict[str, list[str]] = {}
    for where, line in export.texts:
        by_sheet.setdefault(where, []).append(line)
    for t in export.tables:
        if t.titles:
            by_sheet.setdefault(t.name, []).extend(t.titles)
    out = [lk for where, lines in by_sheet.items() for lk in text_lookups(lines, where)]
    return out + [lk for t in export.tables for lk in table_lookups(t)]


def _table_proposal(
    table: LocalTable,
    spec: Table,
    evidence: list[Evidence],
    scores: Scores,
    score: float,
    how: str,
    lookups: list[Lookup] = (),
) -> TableProposal:
    dob = spec.name == "clients" and takes_date_of_birth()
    advice = {
        k: not_standard(c.name, dob) or _one_day(evidence[k], spec.name) for k, c in enumerate(table.columns)
    }
    usable = ((s, k, std) for (k, std), (s, _) in scores.items() if advice[k] is None)
    chosen = _assign(usable, ACCEPT)
    scores = dict(scores)
    if DATE_OF_BIRTH in chosen.values():
        k = next(k for k, std in chosen.items() if std == DATE_OF_BIRTH)
        referral = next((j for j, std in chosen.items() if std == "referral_date"), None)
        why = date_of_birth_check(evidence[k], None if referral is None else evidence[referral])
        age = next((j for j, std in chosen.items() if std == "age"), None)
        later = None
        if age is not None and why is not None and referral is not None:
            later = age_later(evidence[age], evidence[k], evidence[referral])
        if later is not None:  # the age is today's: the date of birth gives the age at referral
            del chosen[age]
            advice[age], age = later, None
        if age is not None:
            del chosen[k]
            advice[k] = "an age column is mapped: the date of birth is not needed"
            _next_best(k, chosen, scores, advice)
        elif why is None:
            del chosen[k]
            advice[k] = "its dates are not 16 to 90 years before the referral dates, so not a date of birth"
            _next_best(k, chosen, scores, advice)
        else:
            s, how = scores[k, DATE_OF_BIRTH]
            scores[k, DATE_OF_BIRTH] = (s, f"{how}; {why}; age at referral is worked out from it")
    names = [c.name for c in table.columns]
    if (swap := prefer_accepted(names, chosen, advice, lambda j: evidence[j].kind == "date")) is not None:
        (s, how), (received, _) = scores[swap[0], "referral_date"], scores[swap[1], "referral_date"]
        how += "; accepted onto the caseload, as the standard's referral_date is"
        scores[swap[0], "referral_date"] = (max(s, received), how)
    columns = []
    for k, col in enumerate(table.columns):
        ranked = sorted(((s, std) for (j, std), (s, _) in scores.items() if j == k), reverse=True)
        std = chosen.get(k)
        others = [(n, round(s, 2)) for s, n in ranked if n != std][:3]
        if std is None:
            columns.append(ColumnProposal(col.name, None, 0.0, "", evidence[k], [], others, advice[k]))
            continue
        confidence, why = scores[k, std]
        if col.no_header:  # its values alone: never taken without a person checking
            confidence, why = (
                min(confidence, NO_HEADER),
                f"{why}; the column has no header, so only its values speak for it",
            )
        lookup = lookup_for(col.name, evidence[k].top, list(lookups))
        blanks = max(0, table.rows - evidence[k].n)
        commas = reads_decimal_commas(table.separator)
        codes = _codes(column_spec(spec.name, std), evidence[k], lookup, blanks, commas)
        columns.append(ColumnProposal(col.name, std, round(confidence, 2), why, evidence[k], codes, others))
    missing = [c for c in spec.required_columns if c not in chosen.values()]
    return TableProposal(table.name, spec.name, round(score, 2), how, table.rows, columns, missing)


def _next_best(k: int, chosen: dict[int, str], scores: Scores, advice: dict[int, str | None]) -> None:
    """A date column set aside as no date of birth may still be another date the table lacks (a
    'VOC_PROF_DT' read first as a birth date is the engagement date): its next best free one."""
    free = [
        (s, std)
        for (j, std), (s, _) in scores.items()
        if j == k and std != DATE_OF_BIRTH and std not in chosen.values() and s >= ACCEPT
    ]
    if free:
        chosen[k] = max(free)[1]
        advice[k] = None


def _codes(
    column: Column, ev: Evidence, lookup: Lookup | None = None, blanks: int = 0, commas: bool = False
) -> list[CodeGuess]:
    """Every distinct value of a coded or yes/no column, values validate reads alike taken together;
    a wellbeing measure or instrument column's labels against the built-in measures (TOP, SURE).
    A value a lookup explains (1 = Male on the cover sheet) is guessed from its label; the blank
    cells of a tick column (only ✓ and blanks) are proposed as no, to check. ``commas``: the reader
    reads the file's decimal commas (ingest.decimal_commas)."""
    if column.type in ("date", "integer", "number"):  # words and codes where a value should be
        return value_guesses(column, ev.top, ev.serials > 0, commas)
    if column.name in WELLBEING_LABELS and column.type == "text":
        column = wellbeing_codes(column.name)
    if column is None or column.type not in ("code", "bool"):
        return []
    rows: dict[str, int] = {}
    first: dict[str, str] = {}
    for value, k in ev.top:
        key = norm_name(value)
        rows[key] = rows.get(key, 0) + k
        first.setdefault(key, value)
    guesses = guess_codes([(first[key], rows[key]) for key in first], column)
    if lookup is not None:
        guesses = [by_lookup(g, column, lookup) for g in guesses]
    if column.name == "measure":
        guesses = one_measure_each(guesses, lookup)
    if column.type == "bool" and blanks and tick_column(ev.top):
        guesses.append(blank_as_no(blanks))
    return guesses


def area_names(tables: list[TableProposal]) -> list[tuple[str, int]]:
    """(spelling, rows) of the areas the clients and areas tables name."""
    return [
        (v, n)
        for t in tables
        if t.standard in ("clients", "areas")
        for c in t.columns
        if c.standard == "local_authority"
        for v, n in c.evidence.top
    ]


def _teams_to_areas(tables: list[TableProposal]) -> None:
    """Fidelity teams named after an area ('Cardiff IPS' for Cardiff, 'Co Durham' for County Durham)
    are mapped to that area, so that fidelity is set beside the area's outcomes (teams are matched
    to areas by name; see propose_teams)."""
    areas = area_names(tables)
    for t in tables:
        for c in t.columns if t.standard == "fidelity" else ():
            if c.standard != "team":
                continue
            c.codes += [g for team, rows in c.evidence.top if (g := area_for_team(team, areas, rows))]


def _conflicts(p: Proposal) -> list[str]:
    """A column left unmapped whose own name is a standard column another column now gives: the
    reader would find two columns for one standard column."""
    out = []
    for t in p.mapped():
        given = {c.standard for c in t.columns if c.standard}
        for c in t.columns:
            key = norm_name(c.local)
            if c.standard is None and key in given and key in TABLES[t.standard].column_names:
                out.append(
                    f"'{t.local}': the column '{c.local}' has a standard name another column now gives; rename or remove it"
                )
    return out
