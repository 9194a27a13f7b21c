"""Problems grouped by root cause, with their distinct values (worked out by hand)."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from ipseval.problem_groups import cascade_summary, group_problems, values_text
from ipseval.validate_summary import CASCADE_EXPECTED, PROBLEM_SCHEMA

CODES = "one of: female, male, other, unknown"


def _p(severity, file, table, row, column, value, expected, message):
    return {"severity": severity, "file": file, "table": table, "row": row, "column": column,
            "value": value, "expected": expected, "message": message}  # fmt: skip


def _frame(rows) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=PROBLEM_SCHEMA)


def fixture() -> pl.DataFrame:
    bad_sex = [_p("error", "c.csv", "clients", r, "sex", v, CODES, "not one of the allowed codes")
               for r, v in ((2, "M"), (3, "F"), (4, "M"), (5, "F"), (6, "M"))]  # fmt: skip
    return _frame(
        [
            _p(
                "warning",
                "c.csv",
                "clients",
                None,
                "Notes",
                None,
                "a column of the clients table",
                "not used",
            ),
            *bad_sex,
            _p("error", "c.csv", "clients", 7, "age", "140", "16 to 99", "above the maximum of 99"),
            _p("error", "m.csv", "meetings", None, "attended", None, "the column", "missing column"),
            *[
                _p("error", "m.csv", "meetings", r, "client_id", "x", CASCADE_EXPECTED, "rejected")
                for r in range(4)
            ],
        ]
    )


def test_causes_in_the_order_to_fix_them_with_their_values():
    g = group_problems(fixture())
    assert g.select("file", "column", "rows").rows() == [
        ("m.csv", "attended", 1),  # a whole column: first
        ("c.csv", "sex", 5),  # then the cause rejecting most rows
        ("c.csv", "age", 1),
        ("c.csv", None, 1),  # warnings last: the column not used, one cause for its file
    ]
    sex = g.row(1, named=True)
    assert values_text(sex["values"], sex["distinct"]) == "'M' ×3, 'F' ×2"
    assert sex["first_rows"] == [2, 3, 4, 5, 6]
    assert "[mapping.codes.clients.sex]" in sex["advice"]
    assert g.row(2, named=True)["advice"] == ""  # a number out of range is fixed in the records


def test_cascade_counts_rows_and_the_clients_they_follow():
    c = cascade_summary(fixture())
    # six clients rows rejected, but the four cascaded rows all belong to one client ('x')
    assert (c.rows, c.clients_rejected, c.per_file) == (4, 1, (("m.csv", 4),))


def test_cascade_counts_only_clients_whose_rows_were_left_out():
    """A rejected duplicate clients row (its id still used by the first row) and a rejected client
    with no other rows take nothing with them: 'left out with their 2 rejected clients', not 4."""
    see = "client row rejected (see clients row {})"
    p = _frame(
        [
            _p("error", "c.csv", "clients", 3, "client_id", "A1", "unique", "duplicate client_id"),
            _p("error", "c.csv", "clients", 5, "age", "4", "16 to 99", "below the minimum of 16"),
            _p("error", "c.csv", "clients", 6, "age", "140", "16 to 99", "above the maximum of 99"),
            _p("error", "c.csv", "clients", 7, "referral_date", "x", "a date", "not a date"),
            *[
                _p("error", "m.csv", "meetings", r, "client_id", "B2", CASCADE_EXPECTED, see.format(5))
                for r in range(2, 5)
            ],
            _p("error", "j.csv", "jobs", 2, "client_id", "B2 ", CASCADE_EXPECTED, see.format(5)),
            _p("error", "j.csv", "jobs", 3, "client_id", "C3", CASCADE_EXPECTED, see.format(6)),
        ]
    )
    c = cascade_summary(p)
    assert (c.rows, c.clients_rejected, c.per_file) == (5, 2, (("m.csv", 3), ("j.csv", 2)))


def test_many_values_are_counted_not_listed():
    rows = [_p("error", "c.csv", "clients", r, "sex", f"v{r % 11}", CODES, "x") for r in range(22)]
    g = group_problems(_frame(rows)).row(0, named=True)
    assert g["distinct"] == 11 and len(g["values"]) == 8
    assert values_text(g["values"], g["distinct"]).endswith("and 3 more")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["error", "warning"]),
            st.sampled_from(["clients", "meetings"]),
            st.sampled_from(["sex", "age", "client_id"]),
            st.one_of(st.none(), st.sampled_from(["", "M", "F", "140"])),
            st.booleans(),
        ),
        max_size=40,
    )
)
def test_every_problem_is_in_one_cause_or_the_cascade(items):
    rows = [
        _p(sev, f"{t}.csv", t, i, col, v, CASCADE_EXPECTED if casc else "something", "m")
        for i, (sev, t, col, v, casc) in enumerate(items)
    ]
    p = _frame(rows)
    g = group_problems(p)
    assert int(g["rows"].sum() or 0) + cascade_summary(p).rows == p.height
    errors_first = g["severity"].to_list()
    assert errors_first == sorted(errors_first)  # 'error' < 'warning'


def test_a_whole_column_warning_has_no_rows_and_no_values():
    """An unused column is one problem of a whole column: shown as 'whole column' with no values,
    never as '1 row, (blank) ×1' (which reads as one blank cell)."""
    from ipseval.problem_groups import rows_text

    g = group_problems(fixture())
    by_column = {r["column"]: r for r in g.iter_rows(named=True)}
    cause = by_column["attended"]  # a missing column (error)
    assert cause["scope"] == "column" and rows_text(cause) == "whole column"
    assert values_text(cause["values"], cause["distinct"]) == ""
    unused = by_column[None]  # an unused column: counted as columns, no values
    assert unused["scope"] == "columns" and rows_text(unused) == "1 column"
    assert values_text(unused["values"], unused["distinct"]) == ""
    sex = by_column["sex"]
    assert sex["scope"] == "rows" and rows_text(sex) == "5"
    file_level = _p("warning", "x.csv", "", None, None, None, "a table of the standard", "file not used")
    cause = group_problems(_frame([file_level])).row(0, named=True)
    assert rows_text(cause) == "whole file" and values_text(cause["values"], cause["distinct"]) == ""


def test_the_terminal_and_problems_html_show_a_whole_column_as_such():
    import io

    from rich.console import Console

    from ipseval.console import problem_causes
    from ipseval.problems import _causes_html

    out = io.StringIO()
    problem_causes(Console(file=out, width=200), fixture())
    text = out.getvalue()
    notes_line = next(line for line in text.splitlines() if "Notes" in line)
    assert "1 column" in notes_line and "(blank)" not in notes_line
    html = _causes_html(fixture())
    assert "<td class='n'>whole column</td>" in html and "(blank)" not in html
    assert "<td class='n'>1 column</td>" in html


def test_columns_not_used_are_one_line_per_file_after_every_other_problem():
    """Four unused columns of one sheet and one of another, beside a warning and an error: one line
    per sheet naming its columns, after the warning (worked out by hand)."""
    unused = [
        _p("warning", "book › Visits", "meetings", None, col, None, "a column of the meetings table",
           "column not used: not part of the data standard")
        for col in ("Visit No", "Room", "Minutes", "Booked By")
    ] + [_p("warning", "book › People", "clients", None, "Surname", None, "a column of the clients table",
            "column not used: not part of the data standard")]  # fmt: skip
    title = _p("warning", "book › Visits", "meetings", None, None, "Visits export", "the column names "
               "in the first row", "2 title rows left out")  # fmt: skip
    bad = _p("error", "book › People", "clients", 4, "age", "7", "16 to 99", "below the minimum of 16")
    g = group_problems(_frame([*unused, title, bad]))
    assert g.select("file", "column", "rows", "scope").rows() == [
        ("book › People", "age", 1, "rows"),
        ("book › Visits", None, 1, "file"),
        ("book › Visits", None, 4, "columns"),
        ("book › People", None, 1, "columns"),
    ]
    visits = g.row(2, named=True)["message"]
    assert visits.startswith("4 columns not used: Visit No, Room, Minutes, Booked By: not part of the data")
    assert "[mapping.columns.meetings]" in visits
    many = [
        _p("warning", "f.csv", "jobs", None, f"Extra {i}", None, "a column of the jobs table", "not used")
        for i in range(15)
    ]
    (line,) = group_problems(_frame(many)).rows(named=True)
    assert line["message"].startswith("15 columns not used: Extra 0, Extra 1,")
    assert "Extra 11 and 3 more:" in line["message"]


def test_more_causes_point_to_problems_html_only_when_it_was_written():
    import io

    from rich.console import Console

    from ipseval.console import problem_causes

    for written, said in ((True, "(see problems.html)"), (False, "(--out FOLDER writes them all")):
        out = io.StringIO()
        problem_causes(Console(file=out, width=200), fixture(), limit=1, written=written)
        assert said in out.getvalue()


def test_title_rows_of_many_sheets_are_one_cause_naming_the_sheets_and_their_titles():
    """Each sheet's title rows differ in their text only: one cause, each sheet's titles a value."""
    from ipseval.ingest.sniff import Layout, layout_problems
    from ipseval.problem_groups import rows_text

    rows = []
    for sheet in ("clients", "meetings", "jobs"):
        (warning,) = layout_problems(Layout(titles=(f"Report: {sheet}", "")))
        rows.append(_p("warning", f"book.xlsx › {sheet}", sheet, None, None, warning.value,
                       warning.expected, warning.message))  # fmt: skip
    rows.append(_p("error", "book.xlsx › clients", "clients", 4, "age", "140", "16 to 99", "above"))
    causes = group_problems(_frame(rows))
    assert causes.height == 2
    titles = causes.row(1, named=True)
    assert titles["file"] == "3 sheets of book.xlsx: clients, meetings and jobs"
    assert [v["value"] for v in titles["values"]] == [
        "Report: clients /",
        "Report: meetings /",
        "Report: jobs /",
    ]
    assert (titles["distinct"], titles["rows"], rows_text(titles)) == (3, 3, "whole file")
    assert titles["message"] == (
        "the first 2 rows above the header are titles, not column names, and were left out; the header "
        "is row 3, and row numbers stay those of the file"
    )


def test_files_named_for_a_shared_note():
    from ipseval.ingest.file_notes import files_text

    assert files_text(["a.txt"]) == "a.txt"
    assert files_text(["a.txt", "b.txt", "a.txt"]) == "a.txt and b.txt"
    assert files_text([f"{c}.txt" for c in "abcdef"]) == "6 files: a.txt, b.txt, c.txt, d.txt and 2 more"
    assert files_text(["b.xlsx › x", "b.xlsx › y"]) == "2 sheets of b.xlsx: x and y"
    assert files_text(["b.xlsx › x", "c.xlsx › y", "d.txt"]) == "3 files: b.xlsx › x, c.xlsx › y and d.txt"


def test_files_not_used_alike_are_one_cause_with_no_values():
    """Whole-file warnings with no value (files not used) merge into one cause that prints: its
    values stay empty (a merge once gave [None], which crashed the terminal's list)."""
    from ipseval.console import cause_lines

    rows = [
        _p("warning", name, "", None, None, None, "a table of the standard", "file not used")
        for name in ("notes.csv", "log.txt", "readme.txt")
    ]
    (cause,) = group_problems(_frame(rows)).iter_rows(named=True)
    assert cause["file"] == "3 files: notes.csv, log.txt and readme.txt"
    assert cause["values"] == [] and cause["distinct"] == 0 and cause["rows"] == 3
    assert str(cause_lines(cause)).endswith("file not used")
