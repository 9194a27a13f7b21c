"""The IPS evaluation data standard as code: tables, columns, types and code lists.

Everything that reads, validates, documents or generates data takes its contract from here,
so the published standard (docs/data-standard.md, generated) and the code cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import polars as pl

ColumnType = Literal["text", "date", "code", "bool", "integer", "number"]

STANDARD_VERSION = "1"

# How each column type is held once validated (and stored).
POLARS_DTYPES: dict[str, type[pl.DataType]] = {
    "text": pl.Utf8,
    "code": pl.Utf8,
    "date": pl.Date,
    "bool": pl.Boolean,
    "integer": pl.Int64,
    "number": pl.Float64,
}
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool = False
    meaning: str = ""
    codes: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    unique: bool = False
    references: str | None = None  # "table.column" that must contain this value

    @property
    def expected(self) -> str:
        """Plain words for what a valid value looks like (used in problem reports)."""
        if self.type == "date":
            return "a date as YYYY-MM-DD or DD/MM/YYYY"
        if self.type == "bool":
            return "yes/no, y/n, true/false or 1/0"
        if self.type == "code" and self.codes:
            return "one of: " + ", ".join(self.codes)
        if self.type in ("integer", "number"):
            kind = "a whole number" if self.type == "integer" else "a number"
            if self.minimum is not None and self.maximum is not None:
                return f"{kind} from {_fmt(self.minimum)} to {_fmt(self.maximum)}"
            return kind
        return "text"


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


@dataclass(frozen=True)
class Table:
    name: str
    meaning: str
    required: bool
    columns: tuple[Column, ...]
    enables: str = ""
    key: tuple[str, ...] = field(default_factory=tuple)
    # Columns read only to work out a standard column, then dropped: never validated as such, stored
    # or reported (e.g. clients' date_of_birth gives age at referral).
    inputs: tuple[Column, ...] = ()

    def column(self, name: str) -> Column:
        """The standard column (or input column) called ``name``."""
        for c in (*self.columns, *self.inputs):
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def read_names(self) -> list[str]:
        """Every column a file may give: the standard's, then the input columns."""
        return [c.name for c in (*self.columns, *self.inputs)]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


REFERRAL_SOURCES = (
    "drug_alcohol_service",
    "self",
    "gp_health",
    "criminal_justice",
    "jobcentre",
    "other",
    "unknown",
)
DISCHARGE_REASONS = ("support_complete", "disengaged", "moved_away", "declined", "other", "unknown")
SEXES = ("female", "male", "other", "unknown")
ETHNICITIES = ("white", "mixed", "asian", "black", "other", "unknown")
SUBSTANCES = ("alcohol", "opiates", "crack", "cocaine", "cannabis", "other", "unknown")
TREATMENT_STATUSES = ("in_treatment", "completed_treatment", "not_in_treatment", "unknown")
TIME_SINCE_LAST_JOB = (
    "never_worked",
    "under_1y",
    "1_to_2y",
    "2_to_5y",
    "5_to_10y",
    "over_10y",
    "unknown",
)
BENEFITS = ("out_of_work", "in_work", "none", "unknown")
HOUSING_TENURES = (
    "owner",
    "social_rent",
    "private_rent",
    "supported_temporary",
    "homeless",
    "other",
    "unknown",
)
QUALIFICATIONS = ("none", "level_1_2", "level_3", "level_4_plus", "other", "unknown")
MEETING_MODES = ("face_to_face", "phone", "video", "other")
INTEGRATION_STRENGTHS = ("strong", "moderate", "weak")
COMPARISON_GROUPS = ("ips", "comparison")

# Characteristics of a person, shared by clients and the comparison table.
CHARACTERISTICS: tuple[Column, ...] = (
    Column("referral_source", "code", meaning="who referred the client", codes=REFERRAL_SOURCES),
    Column(
        "employed_at_referral",
        "bool",
        meaning="in work when referred (job retention); excluded from the job-entry denominator",
    ),
    Column("age", "integer", meaning="age in years at referral", minimum=16, maximum=99),
    Column("sex", "code", codes=SEXES),
    Column("ethnicity", "code", codes=ETHNICITIES),
    Column("main_substance", "code", codes=SUBSTANCES),
    Column("treatment_status", "code", codes=TREATMENT_STATUSES),
    Column("time_since_last_job", "code", codes=TIME_SINCE_LAST_JOB),
    Column("benefits", "code", codes=BENEFITS),
    Column("gp_visit_recent", "bool", meaning="saw a GP in the last 3 months"),
    Column("ae_visit_recent", "bool", meaning="attended A&E in the last 3 months"),
    Column("housing_tenure", "code", codes=HOUSING_TENURES),
    Column("criminal_conviction", "bool", meaning="has a criminal conviction"),
    Column("work_confidence", "integer", meaning="self-rated confidence about work", minimum=0, maximum=10),
    Column("highest_qualification", "code", codes=QUALIFICATIONS),
)

# Exports often hold a date of birth rather than an age: it gives age at referral, then is dropped.
DATE_OF_BIRTH = Column(
    "date_of_birth",
    "date",
    meaning="read only to work out age at referral (whole years) where age is blank, then dropped: "
    "never stored",
)

# ... and the date a client last worked rather than the band of time since: it gives the band at
# referral (validate_last_worked), then is dropped.
DATE_LAST_WORKED = Column(
    "date_last_worked",
    "date",
    meaning="a date, month ('Mar 2019') or year, or 'Never': read only to work out time_since_last_job "
    "at referral where it is blank (whole years to referral, banded; a month or year either side of a "
    "band's edge gives none), then dropped",
)

CLIENTS = Table(
    "clients",
    "one row per person referred to the IPS service",
    required=True,
    enables="everything",
    key=("client_id",),
    columns=(
        Column("client_id", "text", required=True, meaning="pseudonymous, unique in the file", unique=True),
        Column("local_authority", "text", required=True, meaning="area the client was supported in"),
        Column("referral_date", "date", required=True, meaning="referral accepted onto the caseload"),
        CHARACTERISTICS[0],
        Column(
            "engagement_date", "date", meaning="vocational profile started (engaged); blank = never engaged"
        ),
        Column("discharge_date", "date", meaning="blank = still on caseload at the data cut"),
        Column("discharge_reason", "code", codes=DISCHARGE_REASONS),
        *CHARACTERISTICS[1:],
        Column("employment_specialist_id", "text", meaning="the client's employment specialist"),
    ),
    inputs=(DATE_OF_BIRTH, DATE_LAST_WORKED),
)

MEETINGS = Table(
    "meetings",
    "one row per IPS meeting (appointment) with a client",
    required=False,
    enables="meetings per client; dose-response",
    columns=(
        Column("client_id", "text", required=True, references="clients.client_id"),
        Column("meeting_date", "date", required=True),
        Column(
            "attended",
            "bool",
            meaning="default yes; a non-attended appointment is kept but not counted as a meeting",
        ),
        Column("mode", "code", codes=MEETING_MODES),
        Column("employment_specialist_id", "text"),
    ),
)

JOBS = Table(
    "jobs",
    "one row per paid job started while on the caseload",
    required=False,
    enables="job entry, hours, sustainment, time to job",
    columns=(
        Column("client_id", "text", required=True, references="clients.client_id"),
        Column("start_date", "date", required=True),
        Column("end_date", "date", meaning="blank = still in the job at the data cut"),
        Column("hours_per_week", "number", meaning="contracted or usual hours", minimum=0, maximum=80),
        Column("employer", "text"),
        Column("sector", "text"),
        Column("self_employed", "bool"),
    ),
)

WELLBEING = Table(
    "wellbeing",
    "one row per measure per questionnaire (long format)",
    required=False,
    enables="wellbeing change",
    columns=(
        Column("client_id", "text", required=True, references="clients.client_id"),
        Column("assessment_date", "date", required=True),
        Column(
            "instrument", "text", required=True, meaning="e.g. TOP, SURE, or a service's own questionnaire"
        ),
        Column("measure", "text", required=True, meaning="e.g. psychological_health, relationships, total"),
        Column("score", "number", required=True),
    ),
)

AREAS = Table(
    "areas",
    "one row per local authority",
    required=False,
    enables="integration strength panel; referral rates",
    key=("local_authority",),
    columns=(
        Column("local_authority", "text", required=True, unique=True),
        Column(
            "integration_strength",
            "code",
            codes=INTEGRATION_STRENGTHS,
            meaning="how well IPS is integrated into the local drug & alcohol team",
        ),
        Column("co_located", "bool", meaning="employment specialists based in the treatment service"),
        Column("population", "integer", meaning="optional, for referral rates", minimum=0),
    ),
)

FIDELITY = Table(
    "fidelity",
    "one row per item per fidelity review (IPS-25, UK version)",
    required=False,
    enables="fidelity scoring",
    columns=(
        Column("team", "text", required=True, meaning="the team or area reviewed"),
        Column("review_date", "date", required=True),
        Column("item", "integer", required=True, meaning="1-25 in the scale's order", minimum=1, maximum=25),
        Column("score", "integer", required=True, minimum=1, maximum=5),
        Column("reviewer", "text"),
    ),
)

# Staff lists often give weekly contracted hours rather than an FTE: the FTE is worked out from them.
CONTRACTED_HOURS = Column(
    "contracted_hours",
    "number",
    meaning="weekly contracted hours: read only to work out fte (hours / definitions.full_time_hours) "
    "where fte is blank, then dropped",
    minimum=0,
    maximum=80,
)

STAFF = Table(
    "staff",
    "one row per employment specialist",
    required=False,
    enables="caseload per specialist",
    key=("employment_specialist_id",),
    columns=(
        Column("employment_specialist_id", "text", required=True, unique=True),
        Column("local_authority", "text"),
        Column("fte", "number", minimum=0, maximum=1.5),
        Column("start_date", "date"),
        Column("end_date", "date"),
    ),
    inputs=(CONTRACTED_HOURS,),
)

EMPLOYER_CONTACTS = Table(
    "employer_contacts",
    "one row per contact an employment specialist made with an employer",
    required=False,
    enables="employer engagement",
    columns=(
        Column("employment_specialist_id", "text", required=True),
        Column("contact_date", "date", required=True),
        Column("employer", "text"),
        Column("face_to_face", "bool"),
    ),
)

COMPARISON = Table(
    "comparison",
    "people referred (ips) and not referred (comparison) to IPS, for impact against a comparison group",
    required=False,
    enables="impact against a comparison group",
    columns=(
        Column("client_id", "text", meaning="pseudonymous identifier"),
        Column("group", "code", required=True, codes=COMPARISON_GROUPS),
        Column("local_authority", "text"),
        *CHARACTERISTICS,
        Column("job_start_date", "date", meaning="blank = no job start within the follow-up"),
        Column("follow_up_end", "date"),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (CLIENTS, MEETINGS, JOBS, WELLBEING, AREAS, FIDELITY, STAFF, EMPLOYER_CONTACTS, COMPARISON)
}

# Tables whose client_id must exist in clients (cross-table check).
CLIENT_LINKED = ("meetings", "jobs", "wellbeing")

BOOL_TRUE = frozenset({"yes", "y", "true", "1", "t"})
BOOL_FALSE = frozenset({"no", "n", "false", "0", "f"})
