"""Write four synthetic local exports, each in the style of a different records system, for the
mapping assistant (`ipseval map`) and its tests (tests/test_map_assistant.py).

    python examples/exports/make_exports.py     # from the repository root; same seed, same files

Nobody in them is real: identifiers, ages, dates and labels are drawn from a seeded generator. Each
export holds one small IPS service (clients referred, their meetings, jobs, staff) written with its
own file, column and code names. The right mapping for each was written by hand beside it
(expected.toml), not by this script.

- riverside/Riverside IPS export.xlsx: one workbook of five sheets, labels for codes
  ("Drug & Alcohol Service", "DNA", Yes/Y/1, M/Male), UK text dates mixed with Excel date cells and
  date serial numbers, blank rows, a free-text notes column.
- casetrack/export/: a folder of CSV files from a US-style case-management system: CamelCase headers,
  upper-case codes, ISO dates and timestamps, month/day/year dates in placements.csv.
- tracker/IPS tracker.xlsx: a hand-kept tracker: one flat caseload sheet with abbreviated headers
  and codes, N/A for blanks, a date of birth and first-job columns the standard does not hold, and
  a meetings sheet.
- northbank/Northbank case records.xlsx: a drug and alcohol service's case system: a date of birth
  and no age, the worker as 'Practitioner' and 'Seen By', qualified labels ("Opioids (excluding
  heroin)", "Cocaine - not crack"), UK benefit names (PIP, DLA, Carer's Allowance), "Not known" and
  "N/K" in yes/no columns, and TOP and SURE items named in words ("Days drinking", "SURE total").
"""

from __future__ import annotations

import csv
import io
import random
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
SEED = 18
START, END = date(2021, 1, 4), date(2024, 2, 29)
FIXED_TIME = (2024, 4, 1, 0, 0, 0)  # zip entry times and the workbook's saved time: same bytes each run

SOURCES = {
    "drug_alcohol_service": 50,
    "self": 12,
    "gp_health": 10,
    "criminal_justice": 12,
    "jobcentre": 10,
    "other": 6,
}
REASONS = {"support_complete": 40, "disengaged": 30, "moved_away": 10, "declined": 12, "other": 8}
SEXES = {"male": 62, "female": 35, "unknown": 3}
ETHNICITIES = {"white": 70, "black": 12, "asian": 8, "mixed": 5, "other": 3, "unknown": 2}
SUBSTANCES = {"alcohol": 35, "opiates": 25, "crack": 12, "cocaine": 12, "cannabis": 10, "other": 6}
TREATMENT = {"in_treatment": 70, "completed_treatment": 20, "not_in_treatment": 10}
LAST_JOB = {"never_worked": 8, "under_1y": 15, "1_to_2y": 15, "2_to_5y": 25, "5_to_10y": 20, "over_10y": 17}
BENEFITS = {"out_of_work": 75, "in_work": 5, "none": 20}
HOUSING = {
    "owner": 8,
    "social_rent": 35,
    "private_rent": 25,
    "supported_temporary": 15,
    "homeless": 7,
    "other": 10,
}
QUALS = {"none": 25, "level_1_2": 40, "level_3": 20, "level_4_plus": 10, "other": 5}
MODES = {"face_to_face": 60, "phone": 25, "video": 10, "other": 5}
SECTORS = ("retail", "hospitality", "construction", "care", "logistics", "cleaning", "admin")
EMPLOYERS = (
    "Northgate Foods",
    "Canal Street Cafe",
    "Brightside Care",
    "Parkway Logistics",
    "Elm Builders",
    "Greenway Cleaning",
    "Harbour Hotel",
    "City Print Works",
)


def pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass
class Client:
    id: str
    area: str
    es: str
    referral: date
    source: str
    engaged: date | None
    discharged: date | None
    reason: str | None
    employed: bool
    age: int
    sex: str
    ethnicity: str
    substance: str
    treatment: str
    last_job: str
    benefits: str
    gp: bool
    ae: bool
    housing: str
    conviction: bool
    confidence: int
    qualification: str
    meetings: list[tuple[date, bool, str]] = field(default_factory=list)
    jobs: list[tuple[date, date | None, float, str, str, bool]] = field(default_factory=list)


def service(rng: random.Random, n: int, staff: dict[str, str], prefix: str) -> list[Client]:
    """n clients of one service, with meetings and jobs in order (every date after the referral)."""
    clients = []
    ids = rng.sample(range(1000, 9999), n)
    for k in range(n):
        es = rng.choice(list(staff))
        referral = START + timedelta(days=rng.randrange((END - START).days - 120))
        engaged = referral + timedelta(days=rng.randrange(3, 40)) if rng.random() < 0.85 else None
        closed = rng.random() < 0.55
        discharged = (engaged or referral) + timedelta(days=rng.randrange(30, 300)) if closed else None
        discharged = min(discharged, END) if discharged else None
        c = Client(
            id=f"{prefix}{ids[k]}",
            area=staff[es],
            es=es,
            referral=referral,
            source=pick(rng, SOURCES),
            engaged=engaged,
            discharged=discharged,
            reason=pick(rng, REASONS) if discharged else None,
            employed=rng.random() < 0.08,
            age=rng.randrange(19, 64),
            sex=pick(rng, SEXES),
            ethnicity=pick(rng, ETHNICITIES),
            substance=pick(rng, SUBSTANCES),
            treatment=pick(rng, TREATMENT),
            last_job=pick(rng, LAST_JOB),
            benefits=pick(rng, BENEFITS),
            gp=rng.random() < 0.6,
            ae=rng.random() < 0.2,
            housing=pick(rng, HOUSING),
            conviction=rng.random() < 0.4,
            confidence=rng.randrange(0, 11),
            qualification=pick(rng, QUALS),
        )
        if engaged:
            last = discharged or END
            day = engaged
            while day < last and len(c.meetings) < 14:
                c.meetings.append((day, rng.random() < 0.8, pick(rng, MODES)))
                day += timedelta(days=rng.randrange(5, 30))
            if rng.random() < 0.35 and (last - engaged).days > 40:
                start = engaged + timedelta(days=rng.randrange(20, (last - engaged).days))
                end = start + timedelta(days=rng.randrange(20, 200)) if rng.random() < 0.4 else None
                end = end if end and end <= END else None
                hours = rng.choice([8, 12, 16, 20, 25, 30, 37.5, 40])
                c.jobs.append(
                    (start, end, hours, rng.choice(EMPLOYERS), rng.choice(SECTORS), rng.random() < 0.1)
                )
        clients.append(c)
    return clients


def labels(text: str) -> dict[str, list[str]]:
    """'code = label; label | code = label' as {code: [label, label], code: [label]}."""
    pairs = (part.split(" = ") for part in text.split(" | "))
    return {code.strip(): [w.strip() for w in words.split(";")] for code, words in pairs}


def headers(text: str) -> list[str]:
    return text.split(" | ")


def label(rng: random.Random, labels: dict[str, list[str]], code: str | None) -> str | None:
    return None if code is None else rng.choice(labels[code])


# -- a workbook in the style of one records system ------------------------------------------------

RIVERSIDE = {
    "source": labels(
        "drug_alcohol_service = Drug & Alcohol Service | self = Self Referral | gp_health = GP"
        " | criminal_justice = Probation | jobcentre = Jobcentre Plus | other = Housing Officer; Other"
    ),
    "reason": labels(
        "support_complete = Support Complete | disengaged = Disengaged | moved_away = Moved Out of Area"
        " | declined = Declined Service | other = Other"
    ),
    "sex": labels("male = M; Male | female = F; Female | unknown = Prefer not to say"),
    "ethnicity": labels(
        "white = White British; White Other | black = Black Caribbean; Black African | asian = Asian British"
        " | mixed = Mixed | other = Other | unknown = Not stated"
    ),
    "substance": labels(
        "alcohol = Alcohol | opiates = Opiates | crack = Crack Cocaine | cocaine = Cocaine"
        " | cannabis = Cannabis"
        " | other = Other"
    ),
    "yes": {True: ["Yes", "Y", 1], False: ["No", "N", 0]},  # 1 and 0 as number cells
    "attended": {True: ["Attended"], False: ["DNA", "Cancelled by client"]},
    "mode": labels("face_to_face = Face to Face | phone = Telephone | video = Video Call | other = Email"),
}
NOTES = (
    "Referred after group session",
    "Interested in warehouse work",
    "Wants part-time hours",
    "CV started",
    "Needs ID documents",
    "Keen on driving work",
    "Prefers mornings",
)


def uk_date(rng: random.Random, d: date | None) -> object:
    """A date as Riverside's staff typed it: mostly text dd/mm/yyyy, some Excel dates, some bare serials."""
    if d is None:
        return None
    r = rng.random()
    if r < 0.6:
        return d.strftime("%d/%m/%Y")
    if r < 0.85:
        return datetime(d.year, d.month, d.day)
    return (d - date(1899, 12, 30)).days


def write_riverside(rng: random.Random) -> None:
    staff = {
        "ES01": "Lambeth",
        "ES02": "Lambeth",
        "ES03": "Southwark",
        "ES04": "Southwark",
        "ES05": "Lewisham",
    }
    clients = service(rng, 90, staff, "RIV-")
    L = RIVERSIDE
    caseload = [
        headers(
            "Client Ref | Borough | Date Referred | Referred By | Engaged On | Date Closed"
            " | Reason for Closure | In Work at Referral? | Age at Referral | Gender | Ethnic Group"
            " | Primary Substance | Employment Specialist | Notes"
        )
    ]
    meetings = [["Client Ref", "Appt Date", "Attendance", "Contact Type"]]
    jobs = [["Client Ref", "Job Start", "Job End", "Hrs/Week", "Self Employed?"]]
    for k, c in enumerate(clients):
        if k and k % 17 == 0:
            caseload.append([])  # blank rows, as exports made by hand have
        caseload.append(
            [
                c.id,
                c.area,
                uk_date(rng, c.referral),
                label(rng, L["source"], c.source),
                uk_date(rng, c.engaged),
                uk_date(rng, c.discharged),
                label(rng, L["reason"], c.reason),
                label(rng, L["yes"], c.employed),
                c.age,
                label(rng, L["sex"], c.sex),
                label(rng, L["ethnicity"], c.ethnicity),
                label(rng, L["substance"], c.substance),
                c.es,
                rng.choice(NOTES) if rng.random() < 0.3 else None,
            ]
        )
        for d, attended, mode in c.meetings:
            meetings.append(
                [c.id, uk_date(rng, d), label(rng, L["attended"], attended), label(rng, L["mode"], mode)]
            )
        if k % 23 == 0:
            meetings.append([])
        for start, end, hours, _, _, self_employed in c.jobs:
            jobs.append(
                [c.id, uk_date(rng, start), uk_date(rng, end), hours, label(rng, L["yes"], self_employed)]
            )
    specialists = [["Employment Specialist", "Borough", "Hours (FTE)"]]
    specialists += [[es, area, rng.choice([0.6, 0.8, 1.0])] for es, area in staff.items()]
    boroughs = [
        ["Borough", "Integration Rating", "Co-located?", "Population"],
        ["Lambeth", "Strong", "Yes", 317000],
        ["Southwark", "Moderate", "Yes", 307000],
        ["Lewisham", "Weak", "No", 300000],
    ]
    sheets = {
        "Caseload": caseload,
        "Appointments": meetings,
        "Job Starts": jobs,
        "Specialists": specialists,
        "Boroughs": boroughs,
    }
    save_workbook(HERE / "riverside" / "Riverside IPS export.xlsx", sheets)


# -- a folder of CSV files from a US-style case-management system ----------------------------------

CASETRACK = {
    "source": labels(
        "drug_alcohol_service = SUD_TREATMENT | self = SELF | gp_health = PRIMARY_CARE"
        " | criminal_justice = PROBATION | jobcentre = JOB_CENTER | other = OTHER"
    ),
    "reason": labels(
        "support_complete = COMPLETED | disengaged = LOST_CONTACT | moved_away = RELOCATED"
        " | declined = REFUSED_SERVICES | other = INCARCERATED"
    ),
    "sex": labels("male = MALE | female = FEMALE | unknown = UNKNOWN"),
    "ethnicity": labels(
        "white = WHITE | black = BLACK | asian = ASIAN | mixed = MULTIRACIAL | other = OTHER"
        " | unknown = DECLINED"
    ),
    "substance": labels(
        "alcohol = ALCOHOL | opiates = OPIOIDS | crack = CRACK | cocaine = COCAINE | cannabis = MARIJUANA"
        " | other = METH"
    ),
    "treatment": labels(
        "in_treatment = ACTIVE | completed_treatment = COMPLETED | not_in_treatment = NOT_IN_TX"
    ),
    "housing": labels(
        "owner = OWN | social_rent = RENT_PUBLIC | private_rent = RENT_PRIVATE"
        " | supported_temporary = SHELTER"
        " | homeless = HOMELESS | other = WITH_FAMILY"
    ),
    "attended": {True: ["KEPT"], False: ["NO_SHOW", "CANCELED"]},
    "mode": labels("face_to_face = IN_PERSON | phone = PHONE | video = VIDEO | other = TEXT"),
}


def write_casetrack(rng: random.Random) -> None:
    staff = {"S-101": "Leeds", "S-102": "Leeds", "S-103": "Bradford", "S-104": "Wakefield"}
    clients = service(rng, 64, staff, "P")
    L = CASETRACK
    iso = date.isoformat

    def stamp(d: date | None) -> str:
        return (
            ""
            if d is None
            else f"{d.isoformat()} {rng.randrange(8, 18):02d}:{rng.choice(['00', '15', '30', '45'])}:00"
        )

    def us(d: date | None) -> str:
        return "" if d is None else d.strftime("%m/%d/%Y")

    participants = [
        headers(
            "ParticipantID | County | ReferralDate | ReferralSource | EnrollmentDate | DischargeDate"
            " | DischargeReason | EmployedAtIntake | AgeAtIntake | Gender | Race | PrimaryDrug"
            " | TxStatus | HousingStatus | StaffID | LastUpdated"
        )
    ]
    encounters = [["EncounterID", "ParticipantID", "EncounterDate", "EncounterType", "ShowStatus", "StaffID"]]
    placements = [
        headers(
            "PlacementID | ParticipantID | StartDate | EndDate | HoursPerWeek | EmployerName | Industry"
            " | SelfEmployed"
        )
    ]
    for c in clients:
        participants.append(
            [
                c.id,
                c.area,
                iso(c.referral),
                label(rng, L["source"], c.source),
                iso(c.engaged) if c.engaged else "",
                iso(c.discharged) if c.discharged else "",
                label(rng, L["reason"], c.reason) or "",
                "TRUE" if c.employed else "FALSE",
                c.age,
                label(rng, L["sex"], c.sex),
                label(rng, L["ethnicity"], c.ethnicity),
                label(rng, L["substance"], c.substance),
                label(rng, L["treatment"], c.treatment),
                label(rng, L["housing"], c.housing),
                c.es,
                stamp(END),
            ]
        )
        for d, attended, mode in c.meetings:
            encounters.append(
                [
                    f"E{len(encounters):05d}",
                    c.id,
                    stamp(d),
                    label(rng, L["mode"], mode),
                    label(rng, L["attended"], attended),
                    c.es,
                ]
            )
        for start, end, hours, employer, sector, self_employed in c.jobs:
            placements.append(
                [
                    f"J{len(placements):04d}",
                    c.id,
                    us(start),
                    us(end),
                    hours,
                    employer,
                    sector.upper(),
                    "Y" if self_employed else "N",
                ]
            )
    roster = [["StaffID", "Site", "FTE", "HireDate", "TermDate"]]
    roster += [
        [s, area, rng.choice([0.5, 1.0]), iso(date(2020, rng.randrange(1, 13), 1)), ""]
        for s, area in staff.items()
    ]
    folder = HERE / "casetrack" / "export"
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (
        ("participants", participants),
        ("encounters", encounters),
        ("placements", placements),
        ("staff_roster", roster),
    ):
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows(rows)


# -- a hand-kept tracker: one flat caseload sheet and a meetings sheet -----------------------------

TRACKER = {
    "source": labels(
        "drug_alcohol_service = DAS | self = Self | gp_health = GP | criminal_justice = CJS"
        " | jobcentre = JCP"
        " | other = Oth"
    ),
    "reason": labels(
        "support_complete = Compl | disengaged = Disengaged | moved_away = Moved"
        " | declined = Declined | other = Oth"
    ),
    "sex": labels("male = M | female = F | unknown = U"),
    "ethnicity": labels(
        "white = W Brit; W Other | black = Blk Carib; Blk Afr | asian = Asian | mixed = Mixed | other = Oth"
        " | unknown = N/S"
    ),
    "substance": labels(
        "alcohol = Alc | opiates = Opi | crack = Crack | cocaine = Coke | cannabis = Cann | other = Oth"
    ),
    "treatment": labels(
        "in_treatment = In Tx | completed_treatment = Completed | not_in_treatment = Not in Tx"
    ),
    "last_job": labels(
        "never_worked = Never | under_1y = <1 yr | 1_to_2y = 1-2 yrs | 2_to_5y = 2-5 yrs"
        " | 5_to_10y = 5-10 yrs"
        " | over_10y = 10+ yrs"
    ),
    "benefits": labels("out_of_work = ESA; UC; JSA | in_work = WTC | none = None"),
    "housing": labels(
        "owner = Owner | social_rent = Council; HA | private_rent = Private"
        " | supported_temporary = Supported"
        " | homeless = NFA | other = Family/Friends"
    ),
    "quals": labels(
        "none = None | level_1_2 = GCSE | level_3 = A Level | level_4_plus = Degree | other = Other"
    ),
    "yes": {True: ["Y"], False: ["N"]},
    "mode": labels("face_to_face = F2F | phone = Tel | video = Video | other = Email"),
}


def write_tracker(rng: random.Random) -> None:
    staff = {"ES1": "Bristol", "ES2": "Bristol", "ES3": "South Gloucestershire", "ES4": "North Somerset"}
    clients = service(rng, 110, staff, "P")
    L = TRACKER

    def text_date(d: date | None) -> object:
        if d is None:
            return "N/A" if rng.random() < 0.5 else None
        return d.strftime("%d/%m/%Y") if rng.random() < 0.8 else datetime(d.year, d.month, d.day)

    def maybe(value: object) -> object:
        return "N/A" if rng.random() < 0.06 else value

    tracker = [
        headers(
            "Person ID | LA | Ref Date | Ref Src | Eng Date | D/C Date | D/C Reason | Emp @ Ref | DOB"
            " | Sex | Eth | Drug | Tx Status | Last Worked | Bens | GP (3m) | A&E (3m) | Housing"
            " | Convictions | Conf (0-10) | Quals | ES | 1st Job Start | 1st Job Hrs"
        )
    ]
    meetings = [["Person ID", "Date", "Attended (Y/N)", "Type", "ES"]]
    for c in clients:
        born = c.referral - timedelta(days=365 * c.age + rng.randrange(0, 360))
        job = c.jobs[0] if c.jobs else None
        tracker.append(
            [
                c.id,
                c.area,
                text_date(c.referral),
                label(rng, L["source"], c.source),
                text_date(c.engaged),
                text_date(c.discharged),
                label(rng, L["reason"], c.reason) or "N/A",
                label(rng, L["yes"], c.employed),
                born.strftime("%d/%m/%Y"),
                label(rng, L["sex"], c.sex),
                maybe(label(rng, L["ethnicity"], c.ethnicity)),
                label(rng, L["substance"], c.substance),
                label(rng, L["treatment"], c.treatment),
                maybe(label(rng, L["last_job"], c.last_job)),
                maybe(label(rng, L["benefits"], c.benefits)),
                maybe(label(rng, L["yes"], c.gp)),
                maybe(label(rng, L["yes"], c.ae)),
                label(rng, L["housing"], c.housing),
                label(rng, L["yes"], c.conviction),
                maybe(c.confidence),
                maybe(label(rng, L["quals"], c.qualification)),
                c.es,
                text_date(job[0]) if job else None,
                job[2] if job else None,
            ]
        )
        for d, attended, mode in c.meetings:
            meetings.append(
                [c.id, text_date(d), label(rng, L["yes"], attended), label(rng, L["mode"], mode), c.es]
            )
    save_workbook(HERE / "tracker" / "IPS tracker.xlsx", {"Tracker": tracker, "Mtgs": meetings})


# -- a drug and alcohol service's case system ---------------------------------------------------------

NORTHBANK = {
    "source": labels(
        "drug_alcohol_service = Recovery service | self = Self-referral | gp_health = GP / health"
        " | criminal_justice = Probation | jobcentre = Jobcentre Plus | other = Other"
    ),
    "sex": labels("male = Male | female = Female | unknown = Prefer not to say"),
    "ethnicity": labels(
        "white = White British; White - Other | black = Black/Black British - African | asian = Asian/Asian"
        " British - Indian | mixed = Mixed - Other | other = Any other ethnic group | unknown = Not stated"
    ),
    "substance": labels(
        "alcohol = Alcohol | opiates = Heroin; Opioids (excluding heroin) | crack = Crack"
        " | cocaine = Cocaine - not crack | cannabis = Cannabis | other = Other drugs"
    ),
    "benefits": labels(
        "out_of_work = Universal Credit; ESA | in_work = UC - in work | none = No benefits; PIP only; DLA;"
        " Carer's Allowance"
    ),
    "yes": {True: ["Yes"], False: ["No"], None: ["Not known", "N/K", "Don't know"]},
    "attended": {True: ["Attended"], False: ["Did not attend", "Cancelled by client"], None: ["Not recorded"]},
    "reason": labels(
        "support_complete = Completed | disengaged = Lost contact | moved_away = Moved away"
        " | declined = Withdrew | other = Other"
    ),
    "housing": labels(
        "owner = Owner occupier | social_rent = Council tenant | private_rent = Private rented"
        " | supported_temporary = Hostel | homeless = No fixed abode | other = Living with family"
    ),
}
NORTHBANK_ITEMS = (  # (instrument, label in the export, built-in measure, low, high)
    ("TOP", "Psychological wellbeing", "psychological_health", 0, 20),
    ("TOP", "Physical wellbeing", "physical_health", 0, 20),
    ("TOP", "Quality of life", "quality_of_life", 0, 20),
    ("TOP", "Days drinking", "days_alcohol", 0, 28),
    ("TOP", "Days used heroin", "days_opiates", 0, 28),
    ("TOP", "Days used crack cocaine", "days_crack", 0, 28),
    ("TOP", "Days used cannabis", "days_cannabis", 0, 28),
    ("SURE", "Drug and alcohol use", "substance_use", 6, 18),
    ("SURE", "Self care", "self_care", 5, 15),
    ("SURE", "Relationships", "relationships", 4, 12),
    ("SURE", "Outlook", "outlook_on_life", 3, 9),
    ("SURE", "SURE total", "total", 21, 63),
)


def write_northbank(rng: random.Random) -> None:
    staff = {"W01": "Gateshead", "W02": "Gateshead", "W03": "Sunderland", "W04": "South Tyneside"}
    clients = service(rng, 100, staff, "NB")
    L = NORTHBANK
    users = [
        headers(
            "SU Number | Borough | Date Referred | Referral Route | Date of Birth | Sex | Ethnic Group"
            " | Drug of Choice | Benefit Type | Offending History | Seen GP | Practitioner | Date Closed"
            " | Reason Closed | Housing | Confidence (0-10)"
        )
    ]
    contacts = [headers("SU Number | Contact Date | Attendance | Seen By")]
    top = [headers("SU Number | Date of Assessment | Tool | Question | Rating")]
    for c in clients:
        born = c.referral - timedelta(days=365 * c.age + rng.randrange(0, 360))
        conviction = None if rng.random() < 0.1 else c.conviction
        users.append(
            [
                c.id,
                c.area,
                datetime(c.referral.year, c.referral.month, c.referral.day),
                label(rng, L["source"], c.source),
                datetime(born.year, born.month, born.day),
                label(rng, L["sex"], c.sex),
                label(rng, L["ethnicity"], c.ethnicity),
                label(rng, L["substance"], c.substance),
                label(rng, L["benefits"], c.benefits),
                rng.choice(L["yes"][conviction]),
                rng.choice(L["yes"][None if rng.random() < 0.05 else c.gp]),
                c.es,
                datetime(c.discharged.year, c.discharged.month, c.discharged.day) if c.discharged else None,
                label(rng, L["reason"], c.reason),
                label(rng, L["housing"], c.housing),
                c.confidence,
            ]
        )
        for d, attended, _ in c.meetings:
            status = None if rng.random() < 0.03 else attended
            contacts.append([c.id, datetime(d.year, d.month, d.day), rng.choice(L["attended"][status]), c.es])
        if c.engaged:
            for when in (c.engaged, c.engaged + timedelta(days=90)):
                if when > END:
                    continue
                for instrument, item, _, low, high in NORTHBANK_ITEMS:
                    cell = datetime(when.year, when.month, when.day)
                    top.append([c.id, cell, instrument, item, rng.randrange(low, high + 1)])
    save_workbook(
        HERE / "northbank" / "Northbank case records.xlsx",
        {"Service Users": users, "Contacts": contacts, "TOP and SURE": top},
    )


# -- writing ----------------------------------------------------------------------------------------


def save_workbook(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    """Save the sheets (dates shown dd/mm/yyyy), then fix every time stamp so the bytes repeat."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
        for cells in ws.iter_rows():
            for cell in cells:
                if isinstance(cell.value, datetime):
                    cell.number_format = "dd/mm/yyyy"
    wb.properties.creator = "make_exports.py"
    buffer = io.BytesIO()
    wb.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                when = datetime(*FIXED_TIME).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + when, data)
            out.writestr(zipfile.ZipInfo(item.filename, date_time=FIXED_TIME), data, zipfile.ZIP_DEFLATED)


def main() -> None:
    write_riverside(random.Random(SEED))
    write_casetrack(random.Random(SEED + 1))
    write_tracker(random.Random(SEED + 2))
    write_northbank(random.Random(SEED + 3))


if __name__ == "__main__":
    main()
