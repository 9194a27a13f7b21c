"""Generate the reference docs from the code, so docs and code cannot drift.

``python -m ipseval.docs docs`` writes data-standard.md (from schema.py), settings.md (from
settings.py) and results.md (from the result tables of a small demo evaluation). A test fails
when the committed files differ from what this produces.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from pydantic import BaseModel

from .schema import STANDARD_VERSION, TABLES, Column
from .settings import Settings

_TYPE_WORDS = {
    "text": "text",
    "date": "date",
    "code": "code",
    "bool": "yes/no",
    "integer": "whole number",
    "number": "number",
}


def _allowed(c: Column) -> str:
    if c.codes:
        return ", ".join(f"`{x}`" for x in c.codes)
    if c.minimum is not None or c.maximum is not None:
        lo = "" if c.minimum is None else f"{c.minimum:g}"
        hi = "" if c.maximum is None else f"{c.maximum:g}"
        return f"{lo}–{hi}"
    return ""


_WIDE_FILES = [
    "## Wide files (one column per item)",
    "",
    "wellbeing and fidelity are held long (one row per measure, one row per item). An export that keeps "
    "one TOP form or one IPS-25 review per row, with a column per measure or item, is read as it is with "
    "`[mapping.wide.<table>]` (`ipseval map` proposes it, marked CHECK, when many column names are "
    "measures or 'Item 1' ... 'Item 25'):",
    "",
    "```toml",
    "[mapping.wide.wellbeing]",
    'file = "TOP assessments"        # the CSV file (.csv optional) or sheet',
    'instrument = "TOP"              # when the file has no instrument column',
    'blanks = ["-", "NR"]            # optional: words an item cell holds for not recorded',
    "[mapping.wide.wellbeing.columns] # kept on every row",
    'PersonID = "client_id"',
    '"TOP Date" = "assessment_date"',
    "[mapping.wide.wellbeing.items]   # local column = measure",
    '"Psych Health (0-20)" = "psychological_health"',
    '"Alcohol - days used" = "days_alcohol"',
    "",
    "[mapping.wide.fidelity]",
    'file = "Team reviews"',
    'total = "Total score"            # optional: each review\'s total, checked against its items',
    "[mapping.wide.fidelity.columns]",
    'Team = "team"',
    '"Review Date" = "review_date"',
    "[mapping.wide.fidelity.items]    # local column = item number",
    '"Item 1" = 1',
    '"Item 2" = 2                     # ... to "Item 25" = 25',
    "[mapping.wide.fidelity.areas]    # optional: the same file also gives areas",
    'LA = "local_authority"',
    '"ES co-located" = "co_located"',
    "```",
    "",
    "Each filled item cell becomes one row; a blank cell, or one holding a word listed in `blanks` or "
    'mapped to `""` in `[mapping.codes.wellbeing.score]` (`"-" = ""`, `"NR" = ""` for a TOP form), is '
    "no row (not recorded, not a problem; the read notes count them). Row numbers in problems are those "
    "of the original file (the row of the form or review), and each problem starts with the column the "
    "value came from (\"column 'Psych Health (0-20)': ...\"). A fidelity file's `total` column is read "
    "only to check each review's total against the sum of its items (a warning where it differs). "
    "Columns listed nowhere (a Total not named as `total`, a stage, a "
    "measure the standard does not hold) are reported as not used. With `areas`, the distinct rows of "
    "those columns are read as the areas table (an area whose details differ between rows shows as a "
    "repeated local_authority). A file already named by `[mapping.tables]` or read as a long table "
    "cannot also be read wide.",
    "",
    "**Several wide files of one table** (a TOP sheet and a SURE sheet, each one row per form) are "
    "given as an array of tables, one `[[mapping.wide.wellbeing]]` per file, each followed by its own "
    "`.columns` and `.items`; their rows are read together, each keeping its file and row number for "
    "its problems. `ipseval map` writes them so. One file gives one wide entry (a file that repeats its columns per review too: see blocks below). A wide file that "
    "cannot be read (a column the settings name is not in it) is set aside like an unreadable table, "
    "and the other files are still read.",
    "",
    "**Columns repeated per review** (one row per client, each review's columns beside the one "
    "before: `Review Date`, the items, `Raw Score`, then `Review Date.1`, the items with `.1`, "
    "`Raw Score.1`, and so on) are read by one entry with `blocks`, the columns named once, as the "
    "first block writes them:",
    "",
    "```toml",
    "[mapping.wide.wellbeing]",
    'file = "SWEMWBS reviews"',
    'instrument = "SWEMWBS"',
    'blocks = ["", ".1", ".2"]        # each block\'s suffix; "" = the names as written',
    "[mapping.wide.wellbeing.columns]",
    '"Person ID" = "client_id"       # repeated in no block: kept on every block\'s rows',
    '"Review Date" = "assessment_date"   # read from Review Date, Review Date.1, Review Date.2',
    "[mapping.wide.wellbeing.items]",
    '"I\'ve been feeling useful" = "item_02"',
    '"Raw Score" = "total"',
    "```",
    "",
    "A block is a suffix added to each name (`.1` as pandas writes a repeated name, `_2`, ` (2)`, "
    '`2`), or a pattern in which `{}` stands for the name, for a prefix: `blocks = ["Baseline {}", '
    '"3m {}", "6m {}"]` reads `Baseline Date`, `3m Date`, `6m Date` for `Date`. Every block gives its '
    "own rows, so a client's baseline and each review are all kept; a fully blank block (no such "
    "review) gives none, and is no problem. Row numbers stay the file's, and each problem names the "
    "block's own column (\"column 'Raw Score.1': ...\"). A column of `columns` that no block repeats "
    "(the client's id) is kept on every block's rows; a block that lacks an item, the total or a "
    "repeated column stops the file with the columns it lacks named. `ipseval map` finds the blocks "
    "from the column names and proposes them; it also knows the WEMWBS and SWEMWBS items by their "
    "statements ('I've been feeling useful'), as well as by number.",
    "",
    "### Fidelity with the items down the side",
    "",
    "A hand-kept IPS-25 tab often has one row per item and **one column per review**, headed by the "
    "team and the review's month, with totals, bands and reviewers in rows below:",
    "",
    "| Item | Description | Leeds Mar-2024 | Hull June 2023 | York 03/2022 |",
    "|---|---|---|---|---|",
    "| | Review date | 14/03/2024 | 21/06/2023 | 09/03/2022 |",
    "| STAFFING | | | | |",
    "| 1. | Caseload size | 5 | 4 | 3 |",
    "| ... | | | | |",
    "| | TOTAL | 102 | 95 | 88 |",
    "",
    "```toml",
    "[mapping.wide.fidelity]",
    'file = "Fidelity IPS-25"',
    'layout = "items_down"',
    'item_columns = ["Item", "Description"]   # the columns that name each row',
    "[mapping.wide.fidelity.rows]    # rows that are no items: what they give each review",
    '"Review date" = "review_date"   # the exact day (else the header\'s month, read as its first day)',
    '"Reviewer(s)" = "reviewer"',
    'TOTAL = "total"                  # each review\'s total: checked against its items, not read',
    'Band = ""                        # "" = not used',
    "[mapping.wide.fidelity.items]   # only for rows naming an item in words, not by number",
    '"Caseload size" = 1',
    "[mapping.codes.fidelity.team]   # optional: a team written otherwise than its area",
    '"Co Durham" = "County Durham"',
    "```",
    "",
    "Each score cell becomes one row: team, review date, item and score (and reviewer). Every column "
    "other than `item_columns` is a review: its header ends in the review's month as `Mon-YYYY`, "
    "`Month YYYY`, `MM/YYYY` or `YYYY-MM` (or a day as `YYYY-MM-DD`), and the words before it are "
    "the team. A row's item is the number in its label (`7`, `7.`, `Item 7`, `Q7`, `7. Caseload size`) "
    "or its label's entry in `items`. Rows with no value in any review column (section titles such as "
    "STAFFING, blank rows) are skipped. Named as problems, with the sheet, row, the sheet's column and "
    "the value: a review column whose header gives no month (an error when it holds scores, which are "
    "not read; a warning for a notes column), a row of scores that names no IPS-25 item or an item "
    "outside 1-25 (an error: its scores are not read), another row with values that is no item and not "
    "in `rows` (a warning), and a score outside 1-5 (an error on that one cell's row, as for any "
    "fidelity row). `ipseval map` proposes the layout, the rows, items named only in words, and teams "
    "whose names hold or shorten an area's name ('Co Durham' for 'County Durham'), all marked CHECK.",
    "",
]


def data_standard_md() -> str:
    out = [
        f"# The ipseval data standard (version {STANDARD_VERSION})",
        "",
        "<!-- Generated by `make docs` from src/ipseval/schema.py and the built-in wellbeing measures"
        " (src/ipseval/wellbeing/measures.py). Do not edit by hand. -->",
        "",
        "An evaluation data set is a **folder of CSV files** (UTF-8, optional BOM, comma-separated, header",
        "row) or **one Excel workbook** (.xlsx) whose sheet names are the table names. Only `clients` is",
        "required; every other table switches on the analyses that need it. `ipseval template book.xlsx`",
        "writes a blank workbook in this shape.",
        "",
        "A clients file or sheet that cannot be read (a required column missing) stops the run with one",
        "line saying why. Any other table that cannot be read is **set aside**: it is named as an error",
        "(its file, what is wrong, what to do) and on the first screen of the report, the other tables are",
        "read and checked as usual, and the analyses that need it say, in the report's list of analyses,",
        "that it was set aside and why.",
        "",
        "- Column names are case-insensitive and surrounding spaces are ignored. Unknown columns are",
        "  kept and reported as *not used*, never an error.",
        "- Dates: `YYYY-MM-DD`, or `DD/MM/YYYY` (UK order). Excel date cells and date serial numbers",
        "  are accepted in workbooks. A two-digit year (`23-Jan-20`, `05/03/68`, `1.2.19`) is read as",
        "  20yy unless that is after the current year, then 19yy (`input.two_digit_years`), so referral",
        "  dates and dates of birth both come out right; each column read so gets one warning with an",
        "  example. Eight digits year first, as data warehouses write dates (`20220702`), are read as",
        "  that day (1900–2099), again with one warning per column. A day of the year 9999 (`99991231`,",
        "  `9999-12-31`, `31-DEC-9999`) is a code for *not ended*, not a date: each is a problem that",
        '  says to map it to blank (`"99991231" = ""` in `[mapping.codes.<table>.<column>]`).',
        "- Numbers: a number alone (`16`, `37.5`). A number with a unit or qualifier its column's",
        "  meaning allows is read as the number, with one warning per column listing each form:",
        "  hours (`16 hrs`, `37.5h`, `16 hours per week`), years for age (`45 yrs`), `0.5 FTE`, an",
        "  approximate word where an estimate is still the value (`approx 24`, `c. 30`, `~20`, `12ish`:",
        "  hours, age, FTE, population), and a score out of the top of its scale (`6/10` or",
        "  `7 out of 10` for work_confidence, 0–10). Never guessed, always a problem: a range",
        "  (`16-20`), a bound (`20+`, `up to 16`), a score out of another top (`6/8`), a unit the",
        "  column does not take, words. A decimal comma (`37,5`) is read as a decimal point in a CSV",
        "  file whose columns are separated by semicolons, tabs or bars (where a comma marks decimals),",
        "  said in one warning per column; a comma before exactly three digits (`1,500`) never is. In",
        "  a comma-separated file or a workbook it is a problem (`ipseval map` proposes the number).",
        "- Words and codes where a date or number should be (`Open`, `Ongoing`, `Not known`, `-`,",
        '  `varies`, `999`): mapped in `[mapping.codes.<table>.<column>]` like codes. `""` makes the',
        "  cell blank: in an end date (`discharge_date`, `end_date`) a blank means still open, so",
        '  `"Ongoing" = ""` on jobs.end_date says the job had not ended. A whole value may also be',
        '  mapped to a number or a `YYYY-MM-DD` date (`"Full time" = "1.0"` for fte). Unmapped, each',
        "  is a problem naming the cell and how to map it; an out-of-range 999 or -1 adds that it may",
        "  be a code for *not recorded*. `ipseval map` proposes these mappings (CHECK where unsure).",
        "- Yes/no: `yes/no`, `y/n`, `true/false`, `1/0` (any case).",
        "- Codes are case-insensitive; spaces and hyphens count as underscores; blank means missing",
        '  (`unknown` where the list has it). A local label that means *not recorded* ("Not known",',
        '  "Not stated") is mapped to `""` in the settings\' `[mapping.codes.<table>.<column>]` and',
        "  is then read as a blank cell, in yes/no and code columns alike.",
        '  The other way round, the key `""` reads blank cells of an optional code or yes/no column as',
        '  a code (`"" = "no"` for a tick box left blank), said in the read notes. Code mappings that',
        "  do nothing (for codes that never occur) are named in warnings.",
        '  A label mapped to `leave_out` marks rows that are not records of the table (`Booked = "leave_out"`',
        '  for future bookings in a meetings sheet, `"Case note" = "leave_out"` for notes): they are left out,',
        "  counted apart and named in one warning per file; `ipseval map` proposes it for such labels.",
        '  `"" = "leave_out"` leaves out the rows whose cell is blank, `"*" = "leave_out"` those of every',
        "  label not listed. A column that is no standard column may say which rows to leave out too",
        '  (`[mapping.codes.jobs."Outcome Type"]` `"Job held at referral" = "leave_out"`; list the labels',
        '  to keep as `"keep"` beside `"*" = "leave_out"`), and one file may give two tables',
        '  (`"Activity export" = ["meetings", "employer_contacts"]` in `[mapping.tables]`), each',
        "  leaving out the other's rows by such a column. See settings.md.",
        "- Age: `clients` may give a date of birth instead of (or as well as) `age`: a column named",
        '  `date_of_birth`, or mapped to it (`DOB = "date_of_birth"` in `[mapping.columns.clients]`).',
        "  Where age is blank, age at referral is worked out as the whole years completed between the",
        '  date of birth and referral_date (as Excel\'s `DATEDIF(birth, referral, "y")`; dates read',
        "  like every other date, with `[input] date_order`). The date of birth is then dropped: it is",
        "  never stored, and a problem about it names its row without repeating it. Where age is",
        "  given, the date of birth is not used. A date of birth that cannot be read, is after the",
        "  referral date, or gives an age outside 16–99 is an error on its row.",
        "- A table may come in several files (an extract in parts, `CONTACTS_P1.txt` and",
        "  `CONTACTS_P2.txt`, or two sheets): map each to the table in `[mapping.tables]`, or, in a",
        "  folder, leave it to the names: a",
        "  file with no entry of its own whose name differs from a mapped file's only by part numbers or",
        "  dates (`P1`/`P2`, `part1`, `2023`, `20240105`, `FY2019-20`, `Q1`, `Jan2024`, a run's time",
        "  `0603`; every other word the same) and whose columns are (nearly) the same is read with it,",
        "  said in a note (map it to `[]` to leave it out); so are `meetings_part1.csv` and",
        "  `meetings_part2.csv`. Each part's",
        "  columns are matched by name, in any order; a column only some parts have is read where it",
        "  is. Problems name each row's own file and row; checks across rows (a client_id given twice)",
        "  see every part.",
        "- A record-count line at the end of a file (`TRAILER|259`, `TRL|259`, `EOF|259`,",
        "  `Record count: 259`: a trailer word and a number, nothing else) is no record: it is left out,",
        "  not counted as a row read, and named in a warning, with a second warning when its count is",
        "  not the number of rows read (an extract cut short). A header record above the column names",
        "  (`HDR|...`) is a title line, left out.",
        "- Blank rows, and note rows (a title, total or footer line: one text cell with words, every",
        "  other cell blank, so a required column is blank), are left out and not counted as rows",
        "  read; each note row is named in a warning with its row and text.",
        "  So are totals and summary rows (the first filled cell starts with Total, Grand total,",
        '  Subtotal, Sum, Average, Mean, Median, Count or "n =", and the id column is blank or holds',
        "  something unlike the table's other ids), each named in a warning.",
        "- Totals written beside their items are checked, never used: ipseval totals the items itself.",
        "  A Total or Sum row's numbers are compared with the sums of the rows since the previous total",
        "  (a Subtotal's since the previous totals row, a Grand total's every row above), in the",
        "  standard's number columns; a fidelity file's total column (`total` of",
        '  `[mapping.wide.fidelity]`) or an items-down sheet\'s total row (`rows`, `"total"`) with each',
        "  review's items; a wellbeing total with its items (below). A total that is not the sum is a",
        "  warning naming its row, column and value, with the sum and the rows it comes from as expected.",
        "- Client ids written differently in another table (clients `CRR-000040`, meetings `40`) are",
        "  matched once case, spaces, the prefix common to each table's ids and leading zeros are set",
        "  aside, when no two clients would then be one and most unmatched ids match that way, with a",
        '  warning naming the table and one example (`input.match_client_ids = "exact"` turns it off).',
        "- A local export whose file, column or code names differ is mapped in the settings",
        "  (`[mapping]`, see settings.md), not by editing the data; `ipseval map export/` proposes",
        "  that mapping as an annotated `ipseval.toml` to check.",
        "",
        "Problems are reported with file, row (header = row 1), column, value and what was expected, all",
        "at once. Rows with errors are excluded and counted: rows read = rows used + rows rejected +",
        "rows left out, where rows left out are not records of the table (labels mapped to `leave_out`;",
        "meetings and employer contacts dated after the data cut, or after today when no cut is set, which",
        "had not happened yet; rows of a client whose own row was left out).",
        "Cross-table checks: unknown client_id, meeting or job before referral, job end before start,",
        "duplicate client_id, engagement after discharge, discharge before referral, dates after the",
        "data cut (when the cut is set), wellbeing scores outside their measure's range. Rows belonging",
        "to a rejected client are excluded with it. Specialist ids that the staff table does not list",
        "are named in a warning, which says when they look like people's names while the staff table",
        "gives codes (`ipseval map` proposes each name as its code when the staff table has the names",
        "beside the codes, and leaves ambiguous or unknown names to check). A wellbeing answer given",
        "twice (same client, date, instrument and measure, case and spaces ignored) is a warning on the",
        "repeating row naming the row it repeats: the same score is read as one answer, two scores are",
        "averaged (many such warnings usually mean a total was read from every item row).",
        "",
    ]
    for t in TABLES.values():
        req = "required" if t.required else "optional"
        out += [
            f"## {t.name} ({req})",
            "",
            f"{t.meaning[0].upper()}{t.meaning[1:]}. Enables: {t.enables}.",
            "",
        ]
        out += ["| column | type | required | allowed | meaning |", "|---|---|---|---|---|"]
        for c in t.columns:
            extra = []
            if c.unique:
                extra.append("unique")
            if c.references:
                extra.append(f"must exist in {c.references}")
            meaning = "; ".join(x for x in [c.meaning, *extra] if x)
            out.append(
                f"| {c.name} | {_TYPE_WORDS[c.type]} | {'yes' if c.required else ''} | {_allowed(c)} | {meaning} |"
            )
        out.append("")
        for c in t.inputs:
            out += [f"Also read: `{c.name}` ({_TYPE_WORDS[c.type]}), {c.meaning}.", ""]
        if t.name == "wellbeing":
            out += _builtin_measures_md()
            from .wellbeing.items import items_md

            out += items_md()
    out += _WIDE_FILES
    out += [
        "## interviews (optional folder `interviews/`)",
        "",
        "Plain-text, Markdown or .docx transcripts, one file per interview, with optional front matter",
        "(`role:` client | ips_staff | treatment_staff | commissioner | employer, `area:`) and speaker",
        "turns as `Name: text` lines. Names of people are never shown in outputs.",
        "",
    ]
    return "\n".join(out)


def _builtin_measures_md() -> list[str]:
    """The built-in wellbeing measures (TOP and SURE), from their definitions in wellbeing.measures."""
    from .wellbeing.measures import BUILTIN_MEASURES_CSV, DOMAINS, parse_measures

    out = [
        "### Built-in wellbeing measures",
        "",
        "Write `instrument` and `measure` as below (case and surrounding spaces are ignored; other",
        "labels are mapped in `[mapping.codes.wellbeing.instrument]` and `[mapping.codes.wellbeing.measure]`,",
        "which `ipseval map` proposes). A score outside its measure's range is an error on its row (the",
        "row is left out). A measure not listed here is analysed only when a measures file describes it",
        "(`[wellbeing] measures_file`, see settings.md; a row there for a listed measure replaces it).",
        "TOP is the Treatment Outcomes Profile (days of use in the past 28 days; health and quality of",
        "life rated 0–20); SURE the Substance Use Recovery Evaluator (21 items scored 1–3, summed per",
        "domain). TOP days of use are analysed only for clients using that substance at baseline.",
        "",
        "| instrument | measure | meaning | range | better | domain |",
        "|---|---|---|---|---|---|",
    ]
    for m in parse_measures(BUILTIN_MEASURES_CSV, "built-in measures"):
        better = "higher" if m["higher_is_better"] else "lower"
        domain = DOMAINS.get(m["domain"], "— (reported as a measure only)")
        if m["users_only"]:
            domain += " (users at baseline only)"
        out.append(
            f"| {m['instrument']} | `{m['measure']}` | {m['label']} | "
            f"{m['scale_min']:g}–{m['scale_max']:g} | {better} | {domain} |"
        )
    return [*out, ""]


def _settings_section(model: type[BaseModel], prefix: str, out: list[str]) -> None:
    instance = model()
    for name, field in model.model_fields.items():
        if field.exclude:
            continue
        value = getattr(instance, name)
        if isinstance(value, BaseModel):
            continue
        if isinstance(value, list) and value and isinstance(value[0], BaseModel):
            shown = "; ".join(", ".join(f"{k}={v}" for k, v in x.model_dump().items()) for x in value)
        elif value is None:
            shown = "(blank)"
        elif isinstance(value, dict):
            shown = "(none)"
        else:
            shown = str(value)
        out.append(f"| `{prefix}{name}` | {shown} | {(field.description or '').replace('|', '/')} |")


def settings_md() -> str:
    from .benchmarks import Benchmarks
    from .settings import (
        Dashboard,
        Definitions,
        Disclosure,
        Impact,
        Input,
        Mapping,
        Qualitative,
        Report,
        Wellbeing,
    )

    out = [
        "# Settings reference",
        "",
        "<!-- Generated by `make docs` from src/ipseval/settings.py. Do not edit by hand. -->",
        "",
        "Settings live in `ipseval.toml` beside the data (found automatically) or in a file given with",
        "`--settings`. Every setting has a default; the report's methods appendix prints the values used.",
        "",
        "| setting | default | meaning |",
        "|---|---|---|",
    ]
    _settings_section(Settings, "", out)
    for section, model in (
        ("definitions", Definitions),
        ("impact", Impact),
        ("wellbeing", Wellbeing),
        ("qualitative", Qualitative),
        ("disclosure", Disclosure),
        ("benchmarks", Benchmarks),
        ("mapping", Mapping),
        ("input", Input),
        ("report", Report),
        ("dashboard", Dashboard),
    ):
        _settings_section(model, f"{section}.", out)
    out += [
        "",
        "## Example",
        "",
        "```toml",
        EXAMPLE_TOML.strip(),
        "```",
        "",
    ]
    return "\n".join(out)


EXAMPLE_TOML = """
service_name = "West London IPS"

[definitions]
data_cut = 2022-03-31          # blank = latest date in the data
job_start_min_hours = 0        # any paid job counts
hours_threshold = 16
sustainment_weeks = [13, 26]
job_entry_window_months = 9
meeting_bands = [
  { label = "1-4", low = 1, high = 4 },
  { label = "5-9", low = 5, high = 9 },
  { label = "10-19", low = 10, high = 19 },
  { label = "20+", low = 20 },
]

[disclosure]
policy = "ndtms"               # ndtms | nhs | none
# threshold = 4                # largest count hidden (default: the policy's own)

# A local export: file/sheet, column and code names mapped onto the standard.
[mapping.tables]
"Caseload" = "clients"
"Activity export" = ["meetings", "employer_contacts"]  # one file, two tables

[mapping.columns.meetings]
"Client Ref" = "client_id"
"Activity Date" = "meeting_date"
"Outcome" = "attended"

[mapping.codes.meetings."Activity Type"]  # no standard column: it says which rows are meetings
"Appointment" = "keep"
"*" = "leave_out"              # every other label (case notes, employer visits): left out

[mapping.columns.employer_contacts]
"Worker" = "employment_specialist_id"
"Activity Date" = "contact_date"
"Account" = "employer"

[mapping.codes.employer_contacts."Activity Type"]
"Employer visit" = "keep"
"*" = "leave_out"

[mapping.columns.clients]
"Client Ref" = "client_id"
"Borough" = "local_authority"
"DOB" = "date_of_birth"        # gives age at referral, then is dropped

[mapping.codes.clients.sex]
"M" = "male"
"F" = "female"

[mapping.codes.clients.criminal_conviction]
"Not known" = ""               # "" = not recorded: read as a blank cell

[mapping.columns.jobs]
"Sector (old)" = ""            # "" = left aside: not read (it would clash with Sector)

[mapping.codes.jobs."Outcome Type"]
"Job held at referral" = "leave_out"   # not a job start: left out, counted apart

[mapping.codes.jobs.end_date]
"Ongoing" = ""                 # blank end date = still in the job

[mapping.codes.staff.fte]
"Full time" = "1.0"            # a whole value read as a number
"""


def results_md(tables: dict) -> str:
    out = [
        "# results.json and tables/*.csv",
        "",
        "<!-- Generated by `make docs` from the result tables. Do not edit by hand. -->",
        "",
        "`results.json` holds every number in the report, after disclosure control, under stable keys:",
        "",
        "```",
        '{"format": "ipseval-results/1", "meta": {...}, "disclosure": {...}, "settings": {...},',
        ' "tables": {"<key>": {"title": ..., "notes": [...], "dims": [...], "columns": {...}, "rows": [...]}}}',
        "```",
        "",
        "Each table is also written as `tables/<key>.csv`. A cell hidden by disclosure control is `*`;",
        "a value that does not apply is empty (JSON `null`). Numbers are unrounded (rates are",
        "proportions from 0 to 1), except where the disclosure policy rounds counts. Each table's",
        "`notes` (in results.json) explain how it was made for the data at hand.",
        "",
    ]
    from .analyses import REGISTRY, declared

    done: set[str] = set()
    for a in REGISTRY:
        out += [f"## {a.title} (`{a.key}`)", "", f"Needs {a.needs.describe()}; shown in the report section "
                f"`{a.section}`. When it cannot run, the `analyses` table says why.", ""]  # fmt: skip
        for key, t in tables.items():
            if key not in done and declared(a, key):
                out += _table_md(key, t, "###")
                done.add(key)
    out += ["## Tables of every evaluation", ""]
    for key, t in tables.items():
        if key not in done:
            out += _table_md(key, t, "###")
    return "\n".join(out)


def _table_md(key: str, t, level: str) -> list[str]:
    out = [f"{level} `{key}` — {t.title}", ""]
    if t.dims:
        out += ["Rows are identified by: " + ", ".join(f"`{d}`" for d in t.dims) + ".", ""]
    out += ["| column | meaning |", "|---|---|"]
    # cell keys are internal, never in results.json
    cell_keys = {*getattr(t, "keys", {}).values(), getattr(t, "population_key", "")}
    for col in t.data.columns:
        if col in cell_keys:
            continue
        meaning = t.columns.get(col, "")
        if not meaning and col in t.dims:
            meaning = "row label"
        if not meaning:
            for rate_col, rate in t.rates.items():
                if rate.ci and col in rate.ci:
                    meaning = f"95% interval for {rate_col} ({'lower' if col == rate.ci[0] else 'upper'})"
        out.append(f"| {col} | {meaning} |")
    return [*out, ""]


def _demo_tables() -> dict:
    from .demo import write_demo
    from .evaluation import compute
    from .store import Store, import_dataset
    from .validate import load

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        write_demo(data, n_clients=300, seed=1, clean=True, comparison=True)
        s = Settings.model_validate({"qualitative": {"method": "keyword"}})  # the same on every machine
        ds = load(data, s)
        db = Path(tmp) / "s.duckdb"
        import_dataset(db, ds.tables, s, ds.data_cut, row_counts=ds.row_counts, problems=ds.problems)
        with Store(db) as store:
            return compute(store, s, row_counts=ds.row_counts, problems=ds.problems, data_folder=data).tables


def generate(directory: Path) -> dict[str, str]:
    """All generated docs as {file name: text}."""
    return {
        "data-standard.md": data_standard_md(),
        "settings.md": settings_md(),
        "results.md": results_md(_demo_tables()),
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    directory = Path(args[0] if args else "docs")
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in generate(directory).items():
        (directory / name).write_text(text, encoding="utf-8")
        print(f"wrote {directory / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
