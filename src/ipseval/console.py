"""What the command line shows: problem tables, the problem summary, progress. No statistics here.

Progress: in a terminal, a bar with percentage, time left (once it can be estimated) and time
elapsed; anywhere else (logs, CI, the dashboard's worker, ``| tee``) one plain line per stage on
standard error (:class:`ipseval.progress.Lines`), because a bar is invisible there.
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress
from rich.table import Table
from rich.text import Text

from .progress import Lines, Silent


class _TimeLeft(TimeRemainingColumn):
    """Time left at the pace so far (elapsed x share left / share done), shown once some share is
    done. The stages are uneven, so rich's estimate from the last seconds' speed would go stale."""

    def render(self, task) -> Text:
        if not task.total or not task.completed or task.finished or task.elapsed is None:
            return Text("")
        left = int(task.elapsed * (task.total - task.completed) / task.completed)
        hours, rest = divmod(left, 3600)
        return Text(f"{hours:d}:{rest // 60:02d}:{rest % 60:02d} left", style="progress.remaining")


class Bar:
    """A :class:`~ipseval.progress.Progress` drawn as a bar in a terminal (gone when done)."""

    def __init__(self, console: Console):
        self._bar = RichProgress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            _TimeLeft(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task = self._bar.add_task("starting", total=None)

    def stage(self, name: str, done: float | None = None, total: float | None = None) -> None:
        self._bar.update(self._task, description=name, completed=done, total=total)

    def __enter__(self) -> Bar:
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()


def progress_for(console: Console, quiet: bool = False) -> Bar | Lines | Silent:
    """The reporter for ``console``: a bar in a terminal, plain lines elsewhere, nothing when
    ``quiet`` (output meant for a program, e.g. --json). Use with ``with``."""
    if quiet:
        return Silent()
    if console.is_terminal:
        return Bar(console)
    return Lines(console.file)


NARROW = 120  # a console narrower than this gets lists, not wide tables (one word per line at 80)


def is_narrow(console: Console) -> bool:
    """Whether ``console`` is too narrow for the wide tables (an 80-column terminal, or output that
    is not a terminal with COLUMNS unset, which rich takes as 80)."""
    return console.width < NARROW


def _item(number: str, text: Text) -> Table:
    """One numbered list item: the number, then ``text`` wrapped at words beside it, so wrapped
    lines keep their indent."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(Text(number), text)
    return grid


def print_problems(console: Console, problems, limit: int = 200) -> None:
    """Every problem row (``--verbose``): the table when the console is wide, else one short
    paragraph per row ("error — clients.csv row 12 › age — '4' — expected …: message")."""
    if not is_narrow(console):
        console.print(problems_table(problems, limit))
        return
    import polars as pl

    from .validate import is_cascade

    cascade = problems.filter(is_cascade())
    own = problems.filter(~is_cascade())
    console.print(Text(f"Problems found ({own.height + cascade.height})", style="bold"))
    for r in own.head(limit).iter_rows(named=True):
        where = (
            r["file"]
            + (f" row {r['row']}" if r["row"] is not None else "")
            + (f" › {r['column']}" if r["column"] else "")
        )
        parts = [r["severity"], where]
        if r["value"] not in (None, ""):
            parts.append(repr(str(r["value"])))
        facts = " — ".join(parts)
        said = r["message"] or ""
        if r["expected"]:
            said = f"expected {r['expected']}: {said}" if said else f"expected {r['expected']}"
        console.print(
            _item("-", Text(f"{facts} — {said}" if said else facts)),
            style="red" if r["severity"] == "error" else "yellow",
        )
    if cascade.height:
        per_file = cascade.group_by("file", maintain_order=True).agg(pl.len().alias("n"))
        for r in per_file.iter_rows(named=True):
            console.print(
                _item(
                    "-",
                    Text(
                        f"error — {r['file']} › client_id — {_plural(r['n'], 'row')} of clients whose "
                        "clients row was rejected (excluded with them; listed in problems.csv)"
                    ),
                ),
                style="red dim",
            )


def cause_lines(cause: dict) -> Text:
    """One cause as a list item: "jobs.csv › hours_per_week — 1 row — '95' ×1 — expected a number
    from 0 to 80: above the maximum of 80", and its advice on the next line."""
    from .problem_groups import rows_text, values_text

    where = cause["file"] + (f" › {cause['column']}" if cause["column"] else "")
    rows = rows_text(cause)
    if (cause.get("scope") or "rows") == "rows":
        rows = f"{rows} {'row' if cause['rows'] == 1 else 'rows'}"
    parts = [where, rows]
    values = values_text(cause["values"], cause["distinct"])
    if values:
        parts.append(values)
    said = cause["message"] or ""
    if cause["expected"]:
        said = f"expected {cause['expected']}: {said}" if said else f"expected {cause['expected']}"
    if said:
        parts.append(said)
    text = Text(" — ".join(parts))
    if cause.get("advice"):
        text.append("\n" + cause["advice"], style="dim")
    return text


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def problems_table(problems, limit: int = 200) -> Table:
    """The problems as a terminal table (first ``limit`` rows). Rows excluded only because their
    client's row was rejected are summarised per table, not listed (problems.csv lists them)."""
    import polars as pl

    from .validate import is_cascade

    cascade = problems.filter(is_cascade())
    problems = problems.filter(~is_cascade())
    t = Table(
        title=f"Problems found ({problems.height + cascade.height})",
        show_lines=False,
        header_style="bold",
    )
    columns = ("severity", "file", "row", "column", "value", "expected", "message")
    for col in columns:
        t.add_column(col, overflow="fold")
    for r in problems.head(limit).iter_rows(named=True):
        style = "red" if r["severity"] == "error" else "yellow"
        # Text, not str: a message may hold "[mapping.columns.clients]", which rich would take as markup
        t.add_row(*[Text("" if r[c] is None else str(r[c])) for c in columns], style=style)
    if cascade.height:
        per_file = cascade.group_by("file", maintain_order=True).agg(pl.len().alias("n"))
        for r in per_file.iter_rows(named=True):
            t.add_row(
                "error",
                r["file"],
                "",
                "client_id",
                "",
                "",
                f"{_plural(r['n'], 'row')} of clients whose clients row was rejected "
                "(excluded with them; listed in problems.csv)",
                style="red dim",
            )
    return t


def row_counts_table(row_counts) -> Table:
    """Rows read, used and rejected per table; and left out, when any were (read = used + rejected +
    left out)."""
    left = "rows_left_out" in row_counts.columns and bool(row_counts["rows_left_out"].fill_null(0).sum())
    t = Table(title="Rows per table", header_style="bold")
    for col in (
        "table",
        "file",
        "rows read",
        "rows used",
        "rows rejected",
        *(("rows left out",) if left else ()),
    ):
        t.add_column(col, justify="right" if col.startswith("rows") else "left")
    for r in row_counts.iter_rows(named=True):
        t.add_row(
            Text(r["table"]),
            Text(r["file"]),
            f"{r['rows_read']:,}",
            f"{r['rows_used']:,}",
            f"{r['rows_rejected']:,}",
            *((f"{r['rows_left_out'] or 0:,}",) if left else ()),
        )
    return t


def print_problem_summary(console: Console, ds) -> None:
    """The one summary line ``validate`` and ``evaluate`` both print, then any rejected-share alert."""
    from .problems import count_problems, rejected_alerts, summary_line

    counts = count_problems(ds)
    style = "bold red" if counts.errors else "bold green"
    console.print(Text(summary_line(counts), style=style), soft_wrap=True)
    for alert in rejected_alerts(ds):
        console.print(Text(alert, style="bold yellow"), soft_wrap=True)
    for note in data_notes(ds):
        console.print(Text(f"Note: {note}.", style="yellow"), soft_wrap=True)
    for note in (
        getattr(ds, "notes", None) or []
    ):  # how the files were read (blank labels, ages from birth dates)
        console.print(Text(f"Read: {note.rstrip('.')}.", style="dim"), soft_wrap=True)


def data_notes(ds) -> list[str]:
    """The gentler notes about rejected rows (a modest share of a small table; see
    :func:`ipseval.validate_summary.rejected_notes`), when ``ds`` has what they need."""
    from .validate_summary import rejected_notes

    problems, row_counts = getattr(ds, "problems", None), getattr(ds, "row_counts", None)
    share = getattr(ds, "max_rejected_share", None)
    if problems is None or row_counts is None or share is None or "rows_read" not in row_counts.columns:
        return []
    return rejected_notes(problems, row_counts, share)


def print_failed(console: Console, failed: list[tuple[str, str]]) -> None:
    """Analyses that failed unexpectedly, in one paragraph."""
    if not failed:
        return
    which = "; ".join(f"{title} ({reason})" for title, reason in failed)
    n = len(failed)
    console.print(
        Text(
            f"{'1 analysis' if n == 1 else f'{n} analyses'} failed: {which}; the rest of the report "
            "was written; re-run with --debug for the traceback",
            style="bold red",
        )
    )


def problem_causes(console: Console, problems, limit: int = 20, written: bool = True) -> None:
    """The problems grouped by cause (see :mod:`ipseval.problem_groups`): what to fix first, each
    with its distinct offending values and their counts; then the rows excluded with rejected
    clients in one sentence. The per-row list stays in problems.html and problems.csv (``written``:
    whether this command wrote them)."""
    from .problem_groups import cascade_summary, group_problems, rows_text, values_text

    causes = group_problems(problems)
    if causes.height and is_narrow(console):
        console.print(Text(f"Problems by cause ({causes.height:,})", style="bold"))
        for i, r in enumerate(causes.head(limit).iter_rows(named=True), start=1):
            console.print(
                _item(f"{i}.", cause_lines(r)), style="red" if r["severity"] == "error" else "yellow"
            )
    elif causes.height:
        t = Table(title=f"Problems by cause ({causes.height:,})", header_style="bold", show_lines=True)
        for col, kw in (("", {}), ("where", {}), ("rows", {"justify": "right"}), ("values found", {}),
                        ("expected", {}), ("problem", {})):  # fmt: skip
            t.add_column(col, overflow="fold", **kw)
        for i, r in enumerate(causes.head(limit).iter_rows(named=True), start=1):
            where = r["file"] + (f" › {r['column']}" if r["column"] else "")
            t.add_row(
                Text(str(i)),
                Text(where),
                rows_text(r),
                Text(values_text(r["values"], r["distinct"])),
                Text(r["expected"] or ""),
                Text("; ".join(x for x in (r["message"], r["advice"]) if x)),
                style="red" if r["severity"] == "error" else "yellow",
            )
        console.print(t)
    if causes.height > limit:
        where = "see problems.html" if written else "--out FOLDER writes them all to problems.html"
        console.print(f"... and {_plural(causes.height - limit, 'more cause')} ({where}).")
    cascade = cascade_summary(problems)
    if cascade.rows:
        files = ", ".join(f"{f} ({n:,})" for f, n in cascade.per_file)
        clients = _plural(cascade.clients_rejected, "rejected client")
        console.print(
            Text(
                f"{_plural(cascade.rows, 'row')} of {files} were excluded with their {clients}: fixing "
                "the clients rows above brings them back.",
                style="red",
            ),
            soft_wrap=True,
        )


def proposal_table(proposal) -> Table:
    """What ``ipseval map`` matched: one row per file or sheet."""
    t = Table(title=Text(f"Proposed mapping of {proposal.source}"), header_style="bold")
    for col in ("file or sheet", "table", "columns used", "not used", "codes", "to check"):
        t.add_column(col, justify="left" if col in ("file or sheet", "table") else "right")
    wide = {w.local: w for w in proposal.wide}
    for tp in proposal.tables:
        if tp.local in wide:
            t.add_row(*_wide_row(tp, wide[tp.local]))
            continue
        used = [c for c in tp.columns if c.standard]
        codes = [g for c in used for g in c.codes]
        unsure = (0 if tp.sure or not tp.standard else 1) + len(tp.missing)
        unsure += sum(1 for c in used if not c.sure)
        unsure += sum(1 for g in codes if g.code is None or g.confidence < 0.8)
        t.add_row(
            Text(tp.local),
            Text(
                tp.standard or (f"(part of {tp.part_of})" if getattr(tp, "part_of", None) else "(not read)")
            ),
            f"{len(used)} of {len(tp.columns)}",
            str(len(tp.columns) - len(used)),
            str(len(codes)),
            Text(str(unsure), style="bold yellow" if unsure else ""),
        )
    return t


def _wide_row(tp, w) -> list:
    """A file laid out wide ([mapping.wide.<table>]): read, one row per item, by its id and item
    columns (and its total column, checked); items down the side are counted by their rows."""
    if w.layout == "items_down":
        used, n = len(w.item_columns), len(tp.columns)
    else:
        used = w.read_in_blocks or len(w.columns) + len(w.items) + (w.total is not None)
        n = len(tp.columns)
    unsure = (w.confidence < 0.8) + sum(1 for _, sure, _ in w.items.values() if sure < 0.8)
    return [
        Text(tp.local),
        Text(
            f"{w.standard} (one column per item)"
            if w.layout != "items_down"
            else f"{w.standard} (items down)"
        ),
        f"{used} of {n}",
        str(n - used),
        "0",
        Text(str(unsure), style="bold yellow" if unsure else ""),
    ]


def print_proposal(console: Console, proposal, written, limit: int = 25) -> None:
    """The proposal's summary: what was matched, the date order, and what needs a decision."""
    console.print(proposal_table(proposal))
    for note in proposal.notes:  # how files were read: separators, title rows left out
        console.print(Text(f"Note: {note}"), soft_wrap=True)
    console.print(Text(f"Dates: {proposal.date_order.how}"), soft_wrap=True)
    decisions = proposal.decisions()
    if decisions:
        console.print(Text(f"To check or decide ({len(decisions)}):", style="bold yellow"))
        for line in decisions[:limit]:
            console.print(Text(f"  - {line}"), soft_wrap=True)
        if len(decisions) > limit:
            console.print(f"  ... and {len(decisions) - limit} more, marked CHECK in the file.")
    else:
        console.print(Text("Nothing to decide: every guess is at least 80% sure.", style="bold green"))
    console.print(
        Text(f"Written to {written}: check it (lines marked CHECK first), then run ipseval validate.")
    )
