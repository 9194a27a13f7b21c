"""Evaluation settings: every definition an evaluator may change, with documented defaults.

Loaded from ``ipseval.toml`` (or a path on the command line). The report's methods appendix
prints the settings used, and docs/settings.md is generated from the field descriptions here.
"""

from __future__ import annotations

import difflib
import itertools
import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .benchmarks import Benchmarks


class SettingsError(Exception):
    """A settings file that cannot be used; the message names the file and the setting."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MeetingBand(_Section):
    label: str = Field(description="How the band is labelled in tables, e.g. '5-9'.")
    low: int = Field(ge=0, description="Fewest attended meetings in the band (inclusive).")
    high: int | None = Field(
        default=None, description="Most meetings in the band (inclusive); blank = no upper limit."
    )


def _default_bands() -> list[MeetingBand]:
    return [
        MeetingBand(label="1-4", low=1, high=4),
        MeetingBand(label="5-9", low=5, high=9),
        MeetingBand(label="10-19", low=10, high=19),
        MeetingBand(label="20+", low=20, high=None),
    ]


DEFAULT_CONTROLS = [
    "local_authority",
    "referral_source",
    "main_substance",
    "treatment_status",
    "time_since_last_job",
    "gp_visit_recent",
    "ae_visit_recent",
    "benefits",
    "ethnicity",
    "sex",
    "age",
    "housing_tenure",
    "criminal_conviction",
    "work_confidence",
    "highest_qualification",
    "referral_year",
]


class Definitions(_Section):
    """How outcomes are defined. Every field here is printed in the report's methods appendix."""

    data_cut: date | None = Field(
        default=None,
        description="The date the records were extracted from the case management system (the report's "
        "'data as at'): follow-up ends here. Jobs still going are counted as lasting up to this date, a job "
        "that started less than 13 (or 26) weeks before it is 'not yet due' for sustainment, meetings and "
        "jobs after it are not counted, and (when set) a date after it is reported as a problem. Set it to the day the "
        "export was run (often printed in the export's title, footer or file name), e.g. "
        "data_cut = 2024-01-05. Blank = the latest date found in any date column of the data, which is "
        "earlier than the export day when nothing was recorded on the last days, and then understates how "
        "long recent jobs have lasted. The methods appendix says which was used.",
    )
    job_start_min_hours: float = Field(
        default=0,
        ge=0,
        description="Fewest weekly hours for a job to count as a job start. 0 = any paid job counts "
        "(a job with unknown hours then counts too; above 0, a job with unknown hours does not).",
    )
    hours_threshold: float = Field(
        default=16,
        gt=0,
        description="Weekly hours at or above which a job counts as '16+ hours' (exactly 16 counts).",
    )
    sustainment_weeks: list[int] = Field(
        default_factory=lambda: [13, 26],
        description="Horizons for job sustainment, in weeks. A first job lasting at least this long "
        "(end minus start, or data cut minus start while ongoing) is sustained; a first job that "
        "started less than this long before the data cut is 'not yet due' and left out of the rate.",
    )
    job_entry_window_months: int = Field(
        default=9,
        ge=1,
        description="Observation window after engagement, in months, for the headline share of job "
        "entries that happened 'within N months of engagement'.",
    )
    share_in_work_months: list[int] = Field(
        default_factory=lambda: [3, 6, 9, 12],
        description="Months after engagement at which the time-to-job curve reports the share in work.",
    )
    meeting_bands: list[MeetingBand] = Field(
        default_factory=_default_bands,
        description="Bands of attended meetings; the first band is the reference level in models.",
    )
    model_controls: list[str] = Field(
        default_factory=lambda: list(DEFAULT_CONTROLS),
        description="Client and service factors controlled for in the impact models (the published "
        "evaluation's 16: clients columns, plus referral_year).",
    )
    full_time_hours: float = Field(
        default=37.5,
        gt=0,
        le=80,
        description="Weekly hours of a full-time post, for a staff table that gives contracted hours "
        "instead of FTE: FTE = contracted hours / this (18.75 hours is 0.5 FTE). The default is the "
        "standard full-time week of NHS staff on Agenda for Change terms (NHS Terms and Conditions of "
        "Service Handbook: 37.5 hours); local government (NJC 'Green Book') posts are usually 37, so "
        "set the week the service's own contracts use.",
    )
    missing_employed_at_referral: Literal["not_employed", "exclude"] = Field(
        default="not_employed",
        description="How a blank employed_at_referral is treated for the job-entry denominator: "
        "'not_employed' keeps the client in the denominator, 'exclude' leaves them out.",
    )

    @field_validator("sustainment_weeks", "share_in_work_months")
    @classmethod
    def _positive_sorted(cls, v: list[int]) -> list[int]:
        if not v or any(x <= 0 for x in v):
            raise ValueError("must be a non-empty list of positive whole numbers")
        return sorted(set(v))

    @field_validator("model_controls")
    @classmethod
    def _controls_known(cls, v: list[str]) -> list[str]:
        from .schema import CLIENTS

        allowed = set(CLIENTS.column_names) | {"referral_year"}
        unknown = [c for c in v if c not in allowed]
        if unknown:
            raise ValueError(
                f"unknown column(s): {', '.join(unknown)} (use clients columns or referral_year)"
            )
        return v

    @field_validator("meeting_bands")
    @classmethod
    def _bands_ordered(cls, v: list[MeetingBand]) -> list[MeetingBand]:
        if not v:
            raise ValueError("at least one band is needed")
        for a, b in itertools.pairwise(v):
            if a.high is None or b.low != a.high + 1:
                raise ValueError(f"bands must be contiguous: '{a.label}' then '{b.label}'")
        for b in v:
            if b.high is not None and b.high < b.low:
                raise ValueError(f"band '{b.label}' has high below low")
        return v


class Disclosure(_Section):
    """Statistical disclosure control applied to every number about people before it is shown."""

    policy: Literal["ndtms", "nhs", "none", "ckm"] = Field(
        default="ndtms",
        description="'ndtms': counts 1..threshold hidden as '*', with secondary suppression so no "
        "hidden cell can be recovered from totals, and percentages of hidden cells hidden. "
        "'nhs': counts 1..threshold hidden, others rounded to the nearest rounding_base, "
        "percentages recomputed from rounded figures. 'none': nothing hidden (internal use only; "
        "every page is marked 'not for publication'). ('ckm', the cell key method, is not chosen "
        "here: the dashboard gives it to a viewer's filtered views, with the ckm_* settings below.)",
    )
    threshold: int | None = Field(
        default=None,
        ge=1,
        description="Largest count that is hidden. Blank = the policy's own (ndtms 4, nhs 7).",
    )
    rounding_base: int = Field(default=5, ge=1, description="Rounding base for the 'nhs' policy.")
    hide_whole_group: bool = Field(
        default=True,
        description="Group disclosure: when one answer holds everyone in its group (5 of 5 clients on "
        "out-of-work benefits), that count is hidden with another beside it, whatever the group's "
        "size: shown, it would tell anyone who knows a person was in the group that person's answer.",
    )
    ckm_max_perturbation: int = Field(
        default=5,
        ge=1,
        le=20,
        description="Cell key method (the dashboard's figures for a viewer's filtered views): the most "
        "a count is changed by (D). See docs/disclosure.md.",
    )
    ckm_variance: float = Field(
        default=3.0,
        gt=0,
        description="Cell key method: the variance of the change to each count (V); the difference of "
        "two views that differ by one person then has noise of variance 2V.",
    )
    ckm_small_counts: int = Field(
        default=2,
        ge=0,
        description="Cell key method: no perturbed count is 1 to this (with 2, a true 1 or 2 is shown "
        "as 0 or as 3 or more). Must be below ckm_max_perturbation.",
    )
    ckm_min_statistic_n: int = Field(
        default=50,
        ge=1,
        description="Cell key method: an average, median, survival estimate or model estimate is shown "
        "only where the (perturbed) count of people it rests on is at least this.",
    )
    ckm_statistic_digits: int = Field(
        default=2,
        ge=1,
        le=6,
        description="Cell key method: significant figures such statistics are rounded to (an exact "
        "average would give away the exact count behind it).",
    )
    ckm_min_model_clients: int = Field(
        default=200,
        ge=1,
        description="Cell key method: model-based results (odds ratios, hazard ratios...) are shown in a "
        "filtered view only for a model of at least this many people, without their counts.",
    )

    @model_validator(mode="after")
    def _ckm_table_exists(self) -> Disclosure:
        from .disclosure.cellkey import ptable

        try:
            ptable(self.ckm_max_perturbation, self.ckm_variance, self.ckm_small_counts)
        except ValueError as e:
            raise ValueError(f"ckm settings: {e}") from None
        return self

    @field_validator("policy")
    @classmethod
    def _not_ckm(cls, v: str) -> str:
        if v == "ckm":
            raise ValueError(
                "'ckm' is chosen by the dashboard for a viewer's filtered views; choose 'ndtms', 'nhs' "
                "or 'none' for the report"
            )
        return v

    @property
    def effective_threshold(self) -> int:
        if self.threshold is not None:
            return self.threshold
        return {"ndtms": 4, "nhs": 7, "none": 0, "ckm": 4}[self.policy]


WideLayout = Literal["items_across", "items_down"]


class WideTable(_Section):
    """A file laid out one column per item (a TOP form per row, an IPS-25 review per row), or one
    column per review with the items down the side, read into the standard's long table."""

    file: str = Field(
        description="The file (CSV name, '.csv' optional) or sheet laid out wide, e.g. 'TOP assessments'."
    )
    layout: WideLayout = Field(
        default="items_across",
        description="'items_across': one row per form or review, one column per item. 'items_down' "
        "(fidelity only): one row per item, one column per review headed by the team and the review's "
        "month, e.g. 'Leeds Mar-2024' (see data-standard.md, 'Wide files').",
    )
    columns: dict[str, str] = Field(
        default_factory=dict,
        description="items_across: columns kept on every long row: local name -> standard column, e.g. "
        "PersonID = 'client_id', 'TOP Date' = 'assessment_date'.",
    )
    items: dict[str, str | int] = Field(
        default_factory=dict,
        description="items_across: the item columns: local name -> the measure (wellbeing, e.g. 'Psych "
        "Health' = 'psychological_health') or the item number (fidelity, e.g. 'Item 1' = 1). Each "
        "filled cell is one row; a blank cell is no row. Columns listed nowhere are reported as not "
        "used. items_down: row labels naming an item in words -> its number (e.g. 'Caseload size' = 1); "
        "a label that is an item number ('7', '7.', 'Item 7') needs no entry.",
    )
    instrument: str | None = Field(
        default=None,
        description="wellbeing only: the instrument of every row (e.g. 'TOP') when the file has no "
        "instrument column.",
    )
    areas: dict[str, str] = Field(
        default_factory=dict,
        description="Optional: columns of the same file that also give the areas table, local name -> "
        "areas column (e.g. LA = 'local_authority'); its distinct rows are read as areas rows.",
    )
    blanks: list[str] = Field(
        default_factory=list,
        description="Words that an item cell holds for 'not recorded' (e.g. '-', 'NR'): read as a blank "
        "cell (no row), counted in the read notes.",
    )
    item_columns: list[str] = Field(
        default_factory=list,
        description="items_down: the columns that name each row, e.g. ['Item', 'Description']: the "
        "item number, or words listed in items or rows. Every other column is a review.",
    )
    rows: dict[str, str] = Field(
        default_factory=dict,
        description="items_down: labels of rows that are not items -> the fidelity column they give "
        "for each review ('review_date', 'reviewer', 'team'), 'total' for a row of each review's total "
        "(checked against the sum of its item scores, never read as an item), or '' for a row not used "
        "(a band).",
    )
    total: str | None = Field(
        default=None,
        description="items_across, fidelity only: the column that holds each review's total beside its "
        "item columns (e.g. total = 'Total score'): checked against the sum of the row's items, each "
        "that differs named in a warning; never read as an item (ipseval totals the items itself).",
    )
    blocks: list[str] = Field(
        default_factory=list,
        description="items_across: the file repeats its columns in blocks, one per form or review (a "
        "client per row: the baseline, then each review beside it). Each block is a suffix added to "
        "the names in columns, items and total ('' for the block written without one), e.g. blocks = "
        "['', '.1', '.2'] for 'Review Date', 'Review Date.1', 'Review Date.2'; or a pattern in which "
        "{} stands for the name, e.g. ['Baseline {}', '3m {}'] for 'Baseline Date', '3m Date'. Every "
        "block gives its own rows (a fully blank block none); a column in columns that no block "
        "repeats (the client's id) is kept on the rows of every block. ipseval map proposes it.",
    )


def _one_or_several(v: Any) -> Any:
    """``[mapping.wide.<table>]`` (one wide file) or ``[[mapping.wide.<table>]]`` (several): kept as a
    list either way."""
    if isinstance(v, dict):
        return {t: [w] if isinstance(w, dict | WideTable) else w for t, w in v.items()}
    return v


class Mapping(_Section):
    """Maps a local export onto the standard without editing the data."""

    wide: dict[str, list[WideTable]] = Field(
        default_factory=dict,
        description="Files laid out one column per item, per standard table (wellbeing, fidelity), "
        "e.g. [mapping.wide.fidelity] file = 'Team reviews' with [mapping.wide.fidelity.columns] and "
        "[mapping.wide.fidelity.items] 'Item 1' = 1; several files of one table (a TOP sheet and a "
        "SURE sheet) as [[mapping.wide.wellbeing]], one per file; a file with one row per client and "
        "each review's columns repeated beside the last ('Review Date', 'Review Date.1', ...) as one "
        "entry with blocks = ['', '.1', '.2'] (a suffix each, or a prefix as 'Baseline {}'). See "
        "data-standard.md, 'Wide files'.",
    )

    columns: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="Per table, local column name -> standard column name, "
        "e.g. [mapping.columns.clients] 'Client Ref' = 'client_id'. A date of birth may be mapped to "
        "clients' 'date_of_birth' (e.g. DOB = 'date_of_birth'): it gives age at referral where age is "
        "blank, then is dropped (see data-standard.md); likewise a date, month or year last worked "
        "('Mar 2019', 'Never') mapped to 'date_last_worked' gives time_since_last_job at referral. "
        "A column mapped to '' (blank) is left aside: "
        "not read and not reported as unused, e.g. [mapping.columns.jobs] 'Sector (old)' = '' when "
        "another column is mapped to sector, or when a column named like a standard column is not "
        "it. A local name the file does not have is named in a warning: it does nothing.",
    )
    codes: dict[str, dict[str, dict[str, str]]] = Field(
        default_factory=dict,
        description="Per table and column, local code -> standard code, "
        "e.g. [mapping.codes.clients.sex] M = 'male'. Mapping a label to '' (blank) means the cell "
        "is not recorded: read as blank, in yes/no, code and text columns alike (e.g. "
        "[mapping.codes.clients.criminal_conviction] 'Not known' = ''); in a required column it is "
        "then a blank required value. The key '' (a blank cell) works the other way: blank cells of "
        "an optional code or yes/no column read as the code it is mapped to (e.g. "
        "[mapping.codes.clients.gp_visit_recent] '' = 'no' for a tick box left blank), said in the "
        "read notes. A label mapped to 'leave_out' marks rows that are not records of the table (e.g. "
        "[mapping.codes.meetings.attended] Booked = 'leave_out' for future bookings, or a contact type "
        "'Case note' = 'leave_out'): those rows are left out, counted apart (rows read = used + "
        "rejected + left out) and named in one warning with their values. The key '' with "
        "'leave_out' leaves out the rows whose cell is blank (e.g. [mapping.codes.meetings.attended] "
        "'' = 'leave_out' for case notes with no outcome), and the key '*' = 'leave_out' every row whose "
        "label the section does not list (blank cells aside). A column of the file that is no "
        "standard column may say which rows to leave out too: key the section by its name, map "
        "labels to 'leave_out', or list those to keep as 'keep' with '*' = 'leave_out' (e.g. "
        "[mapping.codes.jobs.\"Outcome Type\"] 'Job held at referral' = 'leave_out'; "
        "[mapping.codes.meetings.\"Activity Type\"] Appointment = 'keep' and '*' = 'leave_out'); "
        "such a name that is a column of no file read for the table is a settings problem naming the "
        "nearest column. A target that is not a "
        "value of its column (e.g. 'unknown' "
        "for a yes/no column) is refused as a settings problem naming the values it may be. In a "
        "date or number column a mapping gives the whole cell a value: '' for a word that means no "
        "value (e.g. [mapping.codes.jobs.end_date] 'Ongoing' = '': a blank end date, which the "
        "standard reads as still in the job; [mapping.codes.clients.age] '999' = '' for a code meaning "
        "not recorded), or a number or a YYYY-MM-DD date (e.g. [mapping.codes.staff.fte] "
        "'Full time' = '1.0'), or 'leave_out'; any other target is refused. ipseval map proposes "
        "these. Codes that never occur in their column, and sections of a column the file does not "
        "have, are named in warnings: they do nothing.",
    )
    tables: dict[str, str | list[str]] = Field(
        default_factory=dict,
        description="Local file or sheet name -> standard table name, e.g. 'Caseload' = 'clients'. "
        "One file that holds the rows of two tables names both, e.g. 'Activity export' = "
        "['meetings', 'employer_contacts']: each table reads the file with its own "
        "[mapping.columns.<table>], and leaves out the other's rows by the column that tells them "
        "apart (see [mapping.codes]: 'Activity Type'). Several files may give one table (an "
        "extract in parts: 'CONTACTS_P1.txt' = 'meetings' and 'CONTACTS_P2.txt' = 'meetings'): "
        "they are read as one, columns matched by name, each row's problems naming its own file "
        "(sheets of a workbook likewise). In a folder, a file with no entry of its own whose name "
        "differs from a mapped file's only by part numbers or dates (P1/P2, part1, 2023, 20240105, "
        "FY2019-20, Q1, Jan2024, a run's time 0603) and whose columns are (nearly) the same is read "
        "with it, said in a note; map it to [] to leave it out.",
    )
    fixed: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="Per table, a standard column the file does not have and the value every row "
        "takes, e.g. [mapping.fixed.wellbeing] instrument = 'WEMWBS' for a file that holds one "
        "questionnaire only. A file that has the column itself is refused as a settings problem.",
    )

    @field_validator("wide", mode="before")
    @classmethod
    def _wide_lists(cls, v: Any) -> Any:
        return _one_or_several(v)


_Separator = Literal["auto", ",", ";", "\t", "tab", "|", "comma", "semicolon", "pipe"]
DateOrder = Literal["auto", "dmy", "mdy", "ymd"]


class Input(_Section):
    """How exported files are read: the order of day and month in dates, and limits that stop a
    broken file early (each is checked while the file is read, before it is loaded whole)."""

    date_order: DateOrder = Field(
        default="auto",
        description="Order of day and month in dates written with / . or -, for every file whose table "
        "has no order of its own in [input.date_orders]. ISO dates (2020-12-31), year-first dates "
        "(2020/12/31), dates with the month as a word (31-Dec-2020, 31 December 2020, 29th March "
        "2022, 3rd of May 2022) and a time of "
        "day after the date (2020/12/31 00:00:00, 31/12/2020 14:05) are always read. 'auto': each "
        "file's dates decide, all its date columns together: 31/12/2020 can only be day/month/year, "
        "12/31/2020 only month/day/year, and a note says what was decided. A file whose dates all fit "
        "both orders (every day 12 or less) is read as day/month/year (UK), with a warning; one that "
        "mixes both is read the way most of its telling dates are, and the others are named as "
        "problems. 'dmy' = 31/12/2020; 'mdy' = 12/31/2020 (US); 'ymd' = 2020/12/31.",
    )
    separator: _Separator | dict[str, _Separator] = Field(
        default="auto",
        description="What separates the columns of a CSV file: 'auto' finds it in the first lines "
        "(comma, semicolon, tab or vertical bar; one that is not a comma is named in a warning), or "
        'one of ",", ";", "tab", "|" for every file, or a table of file names, e.g. '
        '{ "Contacts.csv" = ";" } (files not named are found by looking).',
    )
    date_orders: dict[str, DateOrder] = Field(
        default_factory=dict,
        description="Per table of the standard, the order of day and month in its file's dates when "
        "files differ, e.g. [input.date_orders] jobs = 'mdy' and meetings = 'ymd' (the same values "
        "as date_order). A table not listed follows date_order; 'auto' here decides from the file's "
        "dates and, when they fit both orders, falls back to date_order (day/month/year if that is "
        "'auto' too). Keys are the standard's table names, as in [mapping.columns]; ipseval map "
        "proposes them when files disagree.",
    )
    fill_down: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Per table of the standard, columns whose blank cells take the value of the row "
        "above, as in a sheet whose merged cells or grouped rows write a value once for its group "
        "(e.g. [input.fill_down] fidelity = ['team', 'review_date', 'reviewer']). Standard column "
        "names; ipseval map proposes it (marked CHECK) for such columns. Each column filled is said "
        "in the read notes.",
    )

    @field_validator("date_orders")
    @classmethod
    def _tables_known(cls, v: dict[str, str]) -> dict[str, str]:
        from .schema import TABLES

        for name in v:
            if name not in TABLES:
                close = difflib.get_close_matches(name.lower(), list(TABLES), n=3, cutoff=0.6)
                hint = (
                    "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
                    if close
                    else "the keys are the standard's table names (" + ", ".join(TABLES) + ")"
                )
                raise ValueError(f"'{name}' is not a table of the standard; {hint}")
        return v

    def order_for(self, table: str) -> tuple[str, str]:
        """(the order set for ``table``'s dates, the order "auto" falls back to when they fit both)."""
        fallback = self.date_order if self.date_order != "auto" else "dmy"
        return self.date_orders.get(table, self.date_order), fallback

    two_digit_years: Literal["auto", "2000s", "1900s", "refuse"] = Field(
        default="auto",
        description="Which century a two-digit year is in, in dates such as 23-Jan-20, 05/03/68 or "
        "1.2.19. 'auto': 20yy, unless that is after the current year, then 19yy (run in 2025: '20' "
        "is 2020, '68' is 1968), so referral dates and dates of birth both come out right; it "
        "follows the year of the run, not the data cut, so a date mis-keyed a few years ahead stays "
        "in the future and is named as a problem. '2000s': always 20yy. '1900s': always 19yy. "
        "'refuse': such dates are not read, each a problem (write the year in full). Each column "
        "where such dates were read gets one warning naming the rule, with an example.",
    )
    match_client_ids: Literal["auto", "normalised", "exact"] = Field(
        default="auto",
        description="How another table's client ids are matched to the clients table's when they are "
        "written differently (clients 'CRR-000040', meetings '40'). 'auto': ids that do not match as "
        "written are matched once case, spaces, the prefix common to each table's ids and leading "
        "zeros are set aside, when no two clients would then be one and this matches at least half "
        "of the table's unmatched ids; a warning names the table, one example and how many. "
        "'normalised': the same whenever no two clients would be one. 'exact': only as written. Ids "
        "that still do not match are problems ('client_id not found in clients').",
    )
    max_file_mb: int = Field(
        default=2048,
        ge=1,
        description="Largest file read, in MB (a bigger file is refused, naming its size). The default "
        "takes a national data set of a million clients (a meetings.csv of 0.7 to 1.2 GB).",
    )
    max_line_kb: int = Field(
        default=1024,
        ge=1,
        description="Longest line of a CSV file, in KB. A longer line stops the reading, naming the file "
        "and the line: it usually means a file with no line breaks ipseval recognises.",
    )
    max_cell_chars: int = Field(
        default=32767,
        ge=1,
        description="Longest cell, in characters (Excel's own limit is 32,767). A row with a longer cell "
        "in a column of the standard is rejected, naming the cell: it usually means a quote opened and "
        "never closed.",
    )
    max_rejected_share: float = Field(
        default=0.10,
        ge=0,
        le=1,
        description="Share of rows that may be rejected before the evaluation says so (0.10 = 10%): "
        "over it for clients, or for another table's own faults (rows of rejected clients count "
        "with the clients) on at least 10 rows or over 25% of a small table, the report opens with "
        "'Read this first'; a smaller loss over it gets a note in the data quality section.",
    )


class Impact(_Section):
    """How the impact models are fitted. Printed in the report's model card."""

    enabled: bool = Field(
        default=True, description="Run the service impact analyses (off: outcomes only, much faster)."
    )
    imputations: Annotated[int, Field(ge=0)] | Literal["auto"] = Field(
        default="auto",
        description="Multiple imputations for missing controls (0 = complete cases only). 'auto' = as many "
        "as the percentage of clients with any missing control, at least 5 and at most 20: White, Royston "
        "& Wood (2011) recommend m of at least that percentage so that estimates and p-values repeat "
        "under another seed; fewer are needed when little is missing, and 20 keeps the run quick.",
    )
    imputation_cycles: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Cycles of the chained equations before each imputation is taken (mice's maxit): in "
        "a cycle every incomplete control is imputed once from the others. 5, mice's default: on the "
        "demo over 12 seeds the pooled meeting-band log odds ratios after 5 cycles were within 0.004 "
        "of those after 20 (standard errors 0.30 to 0.46) and every control's within 0.03, while on "
        "a large table the time grows in proportion to the cycles (half of it at 5 instead of 10).",
    )
    se: Literal["cluster_t", "wild", "robust"] = Field(
        default="cluster_t",
        description="Standard errors: 'cluster_t' = clustered by local authority (CR1) with t on G-1 "
        "degrees of freedom (holds for few clusters); 'wild' = wild cluster bootstrap; 'robust' = HC1.",
    )
    bootstrap_reps: int = Field(default=999, ge=99, description="Replications for bootstrap intervals.")
    period_days: int = Field(
        default=28, ge=7, description="Length of a period in the discrete-time (person-period) model."
    )
    landmark_weeks: int = Field(
        default=12, ge=1, description="Weeks after engagement at which the landmark analysis fixes exposure."
    )
    seed: int = Field(default=2019, description="Random seed for imputation and bootstrap (repeatable).")
    match_tie_tolerance: float = Field(
        default=1e-9,
        ge=0,
        le=1e-3,
        description="Matching against a comparison group: comparison people whose distance from a client "
        "(on the logit of the propensity score) is within this of the nearest are tied and share the "
        "match, so scores that are equal in exact arithmetic are not split by rounding.",
    )


class Wellbeing(_Section):
    """How wellbeing change is measured (TOP, SURE and any instrument in the measures file).
    Every field here is printed in the report's methods appendix."""

    baseline_days_before: int = Field(
        default=42,
        ge=0,
        description="The baseline is the assessment nearest the engagement date, taken at most this "
        "many days before engagement (on a tie, the earlier one: before support began).",
    )
    baseline_days_after: int = Field(
        default=28,
        ge=0,
        description="The baseline may also be taken up to this many days after engagement (later "
        "assessments may already reflect IPS support).",
    )
    follow_up_months: int = Field(
        default=6,
        ge=1,
        description="The follow-up is the assessment nearest this many calendar months after "
        "engagement (a client with several uses the nearest; on a tie, the later one).",
    )
    follow_up_window_days: int = Field(
        default=60,
        ge=1,
        description="An assessment counts as the follow-up only within this many days either side of "
        "the follow-up point. A client with a baseline and no follow-up is 'lost to follow-up' once "
        "the window has closed before the data cut, and 'not yet due' until then.",
    )
    min_pairs: int = Field(
        default=10,
        ge=2,
        description="Fewest clients for a change to be tested (95% CI, effect size, t and Wilcoxon "
        "tests): clients with both a baseline and a follow-up on the measure, and each group in the "
        "comparison by job entry. Below it only counts and means are shown.",
    )
    measures_file: str | None = Field(
        default=None,
        description="CSV describing other instruments: instrument, measure, min, max, "
        "higher_is_better, domain, and optionally label, users_only (analyse only clients "
        "scoring above the minimum at baseline, as for TOP days of use) and part_of (the measure of "
        "the same instrument this one adds up into, e.g. 'total': a total written beside all its "
        "parts is then checked against their sum). A relative path is read "
        "from the settings file's folder. A row for a TOP or SURE measure replaces the built-in "
        "definition (e.g. to move it to another domain). Blank = the built-in measures only (TOP, SURE, and the WEMWBS and SWEMWBS totals).",
    )

    @model_validator(mode="after")
    def _windows_do_not_overlap(self) -> Wellbeing:
        # the shortest run of calendar months is 28 days each (February): with the follow-up window
        # always after the baseline window, a follow-up can never precede its baseline
        earliest_follow_up = self.follow_up_months * 28 - self.follow_up_window_days
        if earliest_follow_up <= self.baseline_days_after:
            raise ValueError(
                "the follow-up window overlaps the baseline window: shorten follow_up_window_days "
                "or baseline_days_after"
            )
        return self


class Qualitative(_Section):
    """How interview transcripts (the ``interviews/`` folder) are read, protected and coded."""

    names: list[str] = Field(
        default_factory=list,
        exclude=True,  # never written to results.json or the store's settings record
        description="Names of people to remove from every quote, in addition to the speaker labels "
        "found in the transcripts (every speaker label except the interviewer's is removed anyway). "
        'Whole words, any case, possessives too ("Hannah\'s" becomes "[name]\'s"); a full name '
        "also removes each part of it. The report prints how many names are listed, never the names.",
    )
    max_segment_words: int = Field(
        default=80,
        ge=10,
        description="A speaker turn longer than this many words is split into runs of whole "
        "sentences of at most this length (a single longer sentence stays whole); shorter turns "
        "are one segment each.",
    )
    codebook: Path | None = Field(
        default=None,
        description="A YAML codebook replacing the built-in one. A relative path is read from the "
        "settings file's folder. Blank = the built-in codebook.",
    )
    method: Literal["auto", "embedding", "keyword"] = Field(
        default="auto",
        description="How codes are suggested for each segment: 'embedding' = by meaning (a sentence "
        "embedding model), 'keyword' = by the codebook's keywords, 'auto' = embedding when the "
        "model is available, otherwise keyword.",
    )
    top_k: int = Field(default=3, ge=1, description="Most codes suggested for one segment (best first).")
    min_score: float = Field(
        default=0.0,
        description="Suggested codes scoring below this are dropped, on the method's own scale. "
        "0 = keep every code that matches at all, up to top_k; raise it to suggest fewer, surer "
        "codes.",
    )
    coding_sheet: Path | None = Field(
        default=None,
        description="The analyst's reviewed coding sheet, used in the report in place of the "
        "automatic suggestions. A relative path is read from the settings file's folder. "
        "Blank = none.",
    )

    @field_validator("names")
    @classmethod
    def _names_clean(cls, v: list[str]) -> list[str]:
        names = [n.strip() for n in v if n.strip()]
        short = [n for n in names if len(n) < 2]
        if short:
            raise ValueError(
                "a name must be at least 2 characters (a single letter would be removed from "
                f"every word): {', '.join(short)}"
            )
        return names


class Report(_Section):
    title: str | None = Field(default=None, description="Report title. Blank = the service name.")
    pdf: bool = Field(default=False, description="Also write report.pdf.")
    curve_min_at_risk: int = Field(
        default=10,
        ge=1,
        description="Time-to-job curves are reported only while at least this many clients remain at "
        "risk (the tail of a cumulative incidence curve rests on few people and jumps about).",
    )
    covid_start: date | None = Field(
        default=date(2020, 3, 23),
        description="Start of the COVID-19 period, shaded and labelled on every chart over calendar "
        "time (default: the first UK lockdown, 23 March 2020). Blank = no shading.",
    )
    covid_end: date | None = Field(
        default=date(2021, 7, 19),
        description="End of the shaded COVID-19 period (default: 19 July 2021, when England lifted "
        "its last legal restrictions). Blank = up to the end of each chart.",
    )

    @model_validator(mode="after")
    def _covid_in_order(self) -> Report:
        if self.covid_start and self.covid_end and self.covid_end < self.covid_start:
            raise ValueError(f"covid_end ({self.covid_end}) is before covid_start ({self.covid_start})")
        return self


class Dashboard(_Section):
    """The web dashboard (``ipseval serve``): who may see what, and its limits."""

    min_clients_in_view: int = Field(
        default=20,
        ge=1,
        description="Fewest clients a filtered view may cover before its figures are withheld for "
        "viewers (many small filtered views could be compared to single people out).",
    )
    viewer_period: Literal["quarter", "month", "day"] = Field(
        default="quarter",
        description="'quarter' or 'month': a viewer's referral period filter is widened to whole "
        "calendar quarters or months (so views a little apart cannot be subtracted, and the same "
        "people fall in fewer distinct views, which limits averaging the perturbation's noise); "
        "'day': exact dates.",
    )
    session_hours: float = Field(default=8, gt=0, description="How long a login lasts.")
    max_upload_mb: int = Field(default=200, ge=1, description="Largest upload accepted, in MB.")
    login_attempts: int = Field(
        default=5, ge=1, description="Failed logins allowed per account and per address in 15 minutes."
    )
    cached_views: int = Field(
        default=24, ge=1, description="Filtered evaluations kept in memory (each filter combination is one)."
    )
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Host names the dashboard answers to besides 127.0.0.1, localhost and ::1 on its own "
        "port (name, or name:port), e.g. the name of the proxy in front of it. Any other Host or Origin is "
        "refused (DNS rebinding). Read at start-up.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses or networks (10.0.0.0/8) of proxies whose X-Forwarded-For and Forwarded "
        "headers are believed; empty = nobody's. Read at start-up.",
    )

    @field_validator("allowed_hosts")
    @classmethod
    def _host_names(cls, v: list[str]) -> list[str]:
        for name in v:
            if not name or any(c in name for c in "/@ \t,") or name.startswith(("http:", "https:")):
                raise ValueError(f"'{name}': give a host name, or name:port, without a scheme or path")
        return [name.strip().lower().rstrip(".") for name in v]

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, v: list[str]) -> list[str]:
        import ipaddress

        for net in v:
            try:
                ipaddress.ip_network(net.strip(), strict=False)
            except ValueError:
                raise ValueError(f"'{net}' is not an address or network (10.0.0.1, 10.0.0.0/8)") from None
        return [net.strip() for net in v]


class Settings(_Section):
    service_name: str = Field(
        default="IPS service", description="Name of the service, shown on every output."
    )
    definitions: Definitions = Field(default_factory=Definitions)
    disclosure: Disclosure = Field(default_factory=Disclosure)
    impact: Impact = Field(default_factory=Impact)
    mapping: Mapping = Field(default_factory=Mapping)
    input: Input = Field(default_factory=Input)
    qualitative: Qualitative = Field(default_factory=Qualitative)
    report: Report = Field(default_factory=Report)
    wellbeing: Wellbeing = Field(default_factory=Wellbeing)
    benchmarks: Benchmarks = Field(default_factory=Benchmarks)
    dashboard: Dashboard = Field(default_factory=Dashboard)
    source: str | None = Field(default=None, exclude=True, description="Where these settings were read from.")


def load_settings(path: str | Path | None = None, search_dir: str | Path | None = None) -> Settings:
    """Read settings from ``path``, or ``ipseval.toml`` in ``search_dir`` if present, else defaults."""
    if path is None and search_dir is not None:
        candidate = Path(search_dir) / "ipseval.toml"
        if candidate.is_file():
            path = candidate
    if path is None:
        return Settings()
    p = Path(path)
    if not p.is_file():
        raise SettingsError(f"settings file not found: {p}")
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise SettingsError(f"{p}: not valid TOML ({e})") from None
    try:
        s = Settings.model_validate(raw)
    except ValidationError as e:
        raise SettingsError(f"{p}: " + "; ".join(_explain(err) for err in e.errors())) from None
    s.source = str(p)
    return s


def _explain(err: Any) -> str:
    """One settings error in words; an unknown name with the nearest known ones ("did you mean")."""
    where = ".".join(str(x) for x in err["loc"]) or "(top level)"
    if err["type"] != "extra_forbidden":
        return f"{where}: {err['msg']}"
    *parents, name = (str(x) for x in err["loc"])
    model: Any = Settings
    for part in parents:  # the section the unknown name sits in (a dict of free keys stops here)
        field = model.model_fields.get(part)
        inner = getattr(field, "annotation", None) if field else None
        if not (isinstance(inner, type) and issubclass(inner, BaseModel)):
            break
        model = inner
    known = list(model.model_fields)
    close = difflib.get_close_matches(name.lower(), known, n=3, cutoff=0.6)
    prefix = ".".join(parents)
    hint = (
        "did you mean " + " or ".join(f"'{prefix + '.' if prefix else ''}{c}'" for c in close) + "?"
        if close
        else f"the settings {'of [' + prefix + ']' if prefix else 'at the top level'} are: "
        + ", ".join(known)
    )
    return f"{where}: unknown setting; {hint}"


def settings_rows(s: Settings) -> list[tuple[str, str, str]]:
    """Flatten settings to (name, value, description) rows for the methods appendix."""
    rows: list[tuple[str, str, str]] = [
        ("service_name", s.service_name, Settings.model_fields["service_name"].description or "")
    ]
    for section_name in (
        "definitions",
        "input",
        "impact",
        "wellbeing",
        "qualitative",
        "disclosure",
        "benchmarks",
        "report",
    ):
        section = getattr(s, section_name)
        for name, field in type(section).model_fields.items():
            value = getattr(section, name)
            if section_name == "qualitative" and name == "names":
                # the names themselves are identifying: only their number is printed
                value = f"{len(value)} listed (not shown)" if value else "none listed"
            elif name == "meeting_bands":
                value = ", ".join(b.label for b in value)
            elif isinstance(value, dict):
                value = ", ".join(f"{k} = {v}" for k, v in value.items()) or "(none)"
            elif isinstance(value, list):
                value = ", ".join(str(x) for x in value)
            elif value is None:
                value = "(default)"
            rows.append((f"{section_name}.{name}", str(value), field.description or ""))
    return rows


PATH_SETTINGS = (("qualitative", "codebook"), ("qualitative", "coding_sheet"), ("wellbeing", "measures_file"))


def settings_document(s: Settings) -> dict:
    """The settings as a plain document for a TOML or JSON file: everything, names included
    (unlike ``model_dump``, which leaves them out of results), blanks left out."""

    def drop_none(value):
        if isinstance(value, dict):
            return {k: drop_none(v) for k, v in value.items() if v is not None}
        if isinstance(value, list):
            return [drop_none(v) for v in value]
        return value

    doc = s.model_dump(mode="json")
    doc["qualitative"]["names"] = list(s.qualitative.names)
    return drop_none(doc)


def with_absolute_paths(s: Settings) -> Settings:
    """The same settings with relative file settings made absolute (from the settings file's
    folder), so they still point at the same files when the settings are saved elsewhere."""
    if not s.source:
        return s
    base = Path(s.source).parent
    update = {}
    for section, name in PATH_SETTINGS:
        value = getattr(getattr(s, section), name)
        if value and not Path(value).is_absolute():
            update.setdefault(section, getattr(s, section).model_copy())
            setattr(
                update[section],
                name,
                type(value)(base / value) if isinstance(value, Path) else str(base / value),
            )
    return s.model_copy(update=update) if update else s


def write_settings(path: str | Path, s: Settings) -> None:
    """Write ``s`` as a TOML settings file (atomically: readers see the old file or the new)."""
    import os

    import tomli_w

    p = Path(path)
    tmp = p.with_name(f".{p.name}.tmp")
    header = "# ipseval settings: see docs/settings.md for what each one means\n"
    # owner-only, like the accounts file: the settings may list names of people (qualitative.names)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(header + tomli_w.dumps(settings_document(s)))
    os.replace(tmp, p)
