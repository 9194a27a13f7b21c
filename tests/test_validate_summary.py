"""When rejected rows raise the report's alarm ("Read this first") and when only a note: the rule
in ipseval.validate_summary, on tiny problem frames, both sides of each threshold."""

from __future__ import annotations

import polars as pl

from ipseval.validate import ROW_COUNT_SCHEMA
from ipseval.validate_summary import (
    ALARM_ANY_SIZE_SHARE,
    ALARM_MIN_ROWS,
    CASCADE_EXPECTED,
    PROBLEM_SCHEMA,
    rejected_alerts,
    rejected_notes,
    rejected_rule,
    table_losses,
)

SHARE = 0.10  # the settings' default [input] max_rejected_share


def counts(*tables: tuple[str, int, int]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"table": t, "file": f"{t}.csv", "rows_read": read, "rows_used": read - bad, "rows_rejected": bad}
         for t, read, bad in tables],
        schema=ROW_COUNT_SCHEMA,
    )  # fmt: skip


def problems(table: str, own: int, cascaded: int = 0) -> pl.DataFrame:
    rows = [
        {"severity": "error", "file": f"{table}.csv", "table": table, "row": i + 2, "column": "start_date",
         "value": "31/02/2022", "expected": "a date", "message": "not a date"}
        for i in range(own)
    ] + [
        {"severity": "error", "file": f"{table}.csv", "table": table, "row": 1000 + i, "column": "client_id",
         "value": "C9", "expected": CASCADE_EXPECTED, "message": "client row rejected"}
        for i in range(cascaded)
    ]  # fmt: skip
    return pl.DataFrame(rows, schema=PROBLEM_SCHEMA)


def test_the_trial_case_a_modest_share_of_a_small_jobs_table_is_a_note_not_an_alarm():
    """8 of 71 job rows (11%): fewer than ALARM_MIN_ROWS rows, so a note, not 'much of the data'."""
    p, c = problems("jobs", 8), counts(("clients", 200, 0), ("jobs", 71, 8))
    assert rejected_alerts(p, c, SHARE) == []
    (note,) = rejected_notes(p, c, SHARE)
    assert note.startswith("11% of jobs rows were rejected (8 of 71): most often start_date 'not a date'")
    assert "may be a little low" in note


def test_enough_rows_over_the_share_raise_the_alarm():
    p = problems("jobs", ALARM_MIN_ROWS)
    c = counts(("clients", 200, 0), ("jobs", 90, ALARM_MIN_ROWS))  # 11%, 10 rows
    (alert,) = rejected_alerts(p, c, SHARE)
    assert alert.startswith("11% of jobs rows were rejected (10 of 90)")
    assert rejected_notes(p, c, SHARE) == []
    # one row fewer: a note
    p, c = problems("jobs", ALARM_MIN_ROWS - 1), counts(("clients", 200, 0), ("jobs", 81, ALARM_MIN_ROWS - 1))
    assert rejected_alerts(p, c, SHARE) == [] and len(rejected_notes(p, c, SHARE)) == 1


def test_a_large_share_of_a_small_table_is_an_alarm_however_few_rows():
    bad = 3
    read = int(bad / ALARM_ANY_SIZE_SHARE) - 1  # 11 rows: 27% lost
    assert (
        len(rejected_alerts(problems("jobs", bad), counts(("clients", 50, 0), ("jobs", read, bad)), SHARE))
        == 1
    )
    read = int(bad / ALARM_ANY_SIZE_SHARE)  # 12 rows: exactly 25%, not over it
    c = counts(("clients", 50, 0), ("jobs", read, bad))
    assert rejected_alerts(problems("jobs", bad), c, SHARE) == []
    assert len(rejected_notes(problems("jobs", bad), c, SHARE)) == 1


def test_clients_are_the_base_any_share_over_the_setting_is_an_alarm():
    p = problems("clients", 3)
    assert rejected_alerts(p, counts(("clients", 29, 3)), SHARE)[0].startswith(
        "10% of clients rows were rejected (3 of 29)"  # 10.3%: over the share
    )
    assert rejected_alerts(p, counts(("clients", 30, 3)), SHARE) == []  # exactly 10%: not over
    assert rejected_notes(p, counts(("clients", 30, 3)), SHARE) == []


def test_rows_left_out_with_their_client_are_counted_once_with_the_clients():
    """12 of 80 job rows rejected, but 10 only because their client was: the jobs of the clients
    still counted lost 2 of 70, which is no alarm and no note."""
    p = problems("jobs", 2, cascaded=10)
    c = counts(("clients", 300, 4), ("jobs", 80, 12))
    (jobs,) = [x for x in table_losses(p, c) if x.table == "jobs"]
    assert (jobs.lost, jobs.of, jobs.cascaded) == (2, 70, 10)
    assert rejected_alerts(p, c, SHARE) == [] and rejected_notes(p, c, SHARE) == []


def test_the_rule_is_printed_with_its_thresholds():
    rule = rejected_rule(SHARE)
    assert "more than 10% of client rows" in rule
    assert f"at least {ALARM_MIN_ROWS} rows" in rule and "over 25%" in rule
    assert "max_rejected_share" in rule


def test_the_reason_named_is_the_commonest_message_not_the_first_row():
    """One column, one expectation, two messages: 1 row 'June has no day 31' comes first in the
    file, 14 rows 'a two-digit year' come after; the alert names the 14 and their commonest value."""
    first = {"severity": "error", "file": "visits.csv", "table": "meetings", "row": 2,
             "column": "meeting_date", "value": "31/06/2023", "expected": "a date",
             "message": "not a valid date: June 2023 has no day 31"}  # fmt: skip
    rest = [
        first | {"row": 3 + i, "value": "05-Mar-21" if i < 9 else "7-Apr-22",
                 "message": "not a valid date: a two-digit year"}
        for i in range(14)
    ]  # fmt: skip
    p = pl.DataFrame([first, *rest], schema=PROBLEM_SCHEMA)
    (alert,) = rejected_alerts(p, counts(("clients", 40, 0), ("meetings", 60, 15)), SHARE)
    assert alert == (
        "25% of meetings rows were rejected (15 of 60): most often meeting_date 'not a valid date: a "
        "two-digit year' (e.g. '05-Mar-21'); fix these before trusting the figures"
    )


def test_records_of_a_wide_row_left_out_with_their_client_are_each_counted():
    """A wide file: each row gives 4 records (one per measure), all with the row's number. 3 rows of
    a rejected client give 12 records left out with it; 1 record of another row has its own error.
    Of the 40 records read, 13 were rejected: 12 with their client, 1 on its own (1 of 28)."""
    cascaded = [
        {"severity": "error", "file": "scores.csv", "table": "wellbeing", "row": 2 + i // 4,
         "column": "client_id", "value": "P7", "expected": CASCADE_EXPECTED,
         "message": "client row rejected (see clients row 9)"}
        for i in range(12)
    ]  # fmt: skip
    own = {"severity": "error", "file": "scores.csv", "table": "wellbeing", "row": 8, "column": "score",
           "value": "41", "expected": "a score from 0 to 20", "message": "above the range"}  # fmt: skip
    p = pl.DataFrame([*cascaded, own], schema=PROBLEM_SCHEMA)
    c = counts(("clients", 30, 1), ("wellbeing", 40, 13))
    (loss,) = [x for x in table_losses(p, c) if x.table == "wellbeing"]
    assert (loss.lost, loss.of, loss.cascaded) == (1, 28, 12)
    assert rejected_alerts(p, c, SHARE) == [] and rejected_notes(p, c, SHARE) == []
