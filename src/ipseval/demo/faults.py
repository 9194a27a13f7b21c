"""Injected faults: realistic invalid rows (recorded as problems) and accepted variants of valid values.

Validator tests check they find exactly these, so each fault is placed where it is the only problem."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from ipseval import schema

from .areas import _Staff
from .careers import _Careers
from .clients import _Clients
from .columns import DEMO_TABLES
from .days import CUT, START, _back_to_weekday, _d, _iso, _uk, _ymd
from .draws import _ix


@dataclass
class _Generated:
    tables: dict[str, pl.DataFrame]
    problems: list[dict[str, Any]]
    variants: list[dict[str, Any]]


class _Editor:
    """Collects cell edits by 0-based row, applies them one column at a time, then insertions."""

    def __init__(self, tables: dict[str, pl.DataFrame], rng: np.random.Generator) -> None:
        self.tables = tables
        self.rng = rng
        self.edits: dict[tuple[str, str], dict[int, str]] = {}
        self.inserts: list[tuple[str, int, dict[str, Any]]] = []
        self.records: list[dict[str, Any]] = []
        self.used: dict[str, set[int]] = {t: set() for t in tables}

    def pick(self, table: str, eligible: np.ndarray | Callable[[int], bool], count: int = 1) -> list[int]:
        """`count` distinct rows, not already edited, that are eligible: a mask, or a test tried
        on random rows (so a 25M-row table needs no full-length mask). [] if too few are found."""
        if isinstance(eligible, np.ndarray):
            rows = np.flatnonzero(eligible)
            size = rows.size

            def row_at(i: int) -> int:
                return int(rows[i])

            def test(r: int) -> bool:
                return True
        else:
            size = self.tables[table].height
            row_at, test = int, eligible
        chosen: list[int] = []
        for _ in range(5000 * count):
            if len(chosen) == count or not size:
                break
            r = row_at(self.rng.integers(size))
            if r not in self.used[table] and r not in chosen and test(r):
                chosen.append(r)
        if len(chosen) < count:
            return []
        self.used[table].update(chosen)
        return chosen

    def set(
        self, table: str, row: int, column: str, value: str, kind: str | None = None, detail: str = ""
    ) -> None:
        self.edits.setdefault((table, column), {})[row] = value
        self.used[table].add(row)
        record = {"table": table, "row": row, "column": column, "value": value}
        self.records.append(record if kind is None else {**record, "kind": kind, "detail": detail})

    def insert(
        self, table: str, pos: int, values: dict[str, Any], column: str, kind: str, detail: str
    ) -> None:
        self.inserts.append((table, pos, values))
        record = {
            "table": table,
            "row": pos,
            "column": column,
            "value": values[column],
            "kind": kind,
            "detail": detail,
        }
        self.records.append({**record, "inserted": True})

    def finish(self) -> _Generated:
        # rebuild each edited table from zero-copy slices around the changed rows, so a 25M-row
        # table is not copied for a handful of cells
        for table in {t for t, _ in self.edits} | {t for t, _, _ in self.inserts}:
            df = self.tables[table]
            changed: dict[int, dict[str, str]] = {}
            for (t, column), cells in self.edits.items():
                if t == table:
                    for r, value in cells.items():
                        changed.setdefault(r, {})[column] = value
            events = [(p, 0, values) for t, p, values in self.inserts if t == table]
            events += [(r, 1, values) for r, values in changed.items()]
            pieces, done = [], 0
            for pos, is_edit, values in sorted(events, key=lambda e: (e[0], e[1])):
                pieces.append(df.slice(done, pos - done))
                row = df.row(pos, named=True) if is_edit else {}
                row.update(values)
                pieces.append(pl.DataFrame({col: [row.get(col)] for col in df.columns}, schema=df.schema))
                done = pos + is_edit
            pieces.append(df.slice(done))
            self.tables[table] = pl.concat(pieces, rechunk=df.height < 1_000_000)
        # rows as the user sees them: shifted by insertions above, header = row 1
        problems, variants = [], []
        for rec in self.records:
            inserted = rec.pop("inserted", False)
            shift = sum(
                1
                for t, p, _ in self.inserts
                if t == rec["table"] and (p < rec["row"] or (p == rec["row"] and not inserted))
            )
            out = {**rec, "row": rec["row"] + shift + 2}
            (problems if "kind" in rec else variants).append(out)

        def key(r: dict[str, Any]) -> tuple[int, int, str]:
            return DEMO_TABLES.index(r["table"]), r["row"], r["column"]

        return _Generated(self.tables, sorted(problems, key=key), sorted(variants, key=key))


def _client_index(client_id: str) -> int:
    return int(client_id[3:]) - 1


def _inject(tables: dict[str, pl.DataFrame], ctx: dict[str, Any], rng: np.random.Generator) -> _Generated:
    """Realistic data-entry faults (recorded as problems) and accepted variants (not problems)."""
    c: _Clients = ctx["c"]
    k: _Careers = ctx["k"]
    staff: _Staff = ctx["staff"]
    ed = _Editor(tables, rng)
    pick = ed.pick
    n = c.n
    clients, meetings, wellbeing = tables["clients"], tables["meetings"], tables["wellbeing"]
    ids = clients["client_id"]
    everyone = np.ones(n, dtype=bool)

    # ---- clients
    for r in pick("clients", c.engaged & (k.dis >= 0) & (k.dis + 14 <= CUT)):
        after = _iso(_back_to_weekday(np.array([k.dis[r] + 14]))[0])
        ed.set(
            "clients", r, "engagement_date", after, "engagement_after_discharge", "engaged after discharge"
        )
    for r in pick("clients", clients["age"].is_not_null().to_numpy()):
        ed.set("clients", r, "age", "140", "out_of_range", "age must be 16-99")
    for r in pick("clients", everyone):
        ed.set("clients", r, "sex", "M/F?", "invalid_code", "not a sex code")
    for r in pick("clients", everyone):
        ed.set("clients", r, "main_substance", "ketamine", "invalid_code", "not in the substance list")
    dups = pick("clients", np.arange(n) < n - 6)
    involved = np.isin(np.arange(n), sorted(ed.used["clients"]))
    for r in pick("clients", everyone, 3):
        ed.set("clients", r, "referral_date", _uk(c.ref[r]), None)
    for codes, col, code, written in (
        (schema.SEXES, "sex", "male", "Male"),
        (schema.SEXES, "sex", "male", "MALE"),
        (schema.SEXES, "sex", "female", "Female"),
        (schema.SUBSTANCES, "main_substance", "alcohol", " alcohol "),
        (schema.SUBSTANCES, "main_substance", "alcohol", "Alcohol"),
        (schema.SUBSTANCES, "main_substance", "cocaine", "Cocaine "),
    ):
        values = c.sex if col == "sex" else c.sub
        for r in pick("clients", (values == _ix(codes, code)) & clients[col].is_not_null().to_numpy()):
            ed.set("clients", r, col, written, None)
    for r in pick("clients", clients["criminal_conviction"].is_not_null().to_numpy(), 2):
        ed.set("clients", r, "criminal_conviction", "y" if c.conv[r] else "n", None)

    # ---- meetings, jobs, wellbeing: only for clients whose own row is clean, so each fault
    # is one problem and cross-table checks are not muddled by a rejected client row
    def meeting(r: int) -> tuple[int, int, str, str]:
        """(client index, day, attended, mode) of meeting row r."""
        cid, when, attended, mode, _ = meetings.row(r)
        return _client_index(cid), _d(date.fromisoformat(when)), attended, mode

    def first_meeting(r: int) -> bool:
        who, when, _, _ = meeting(r)
        if involved[who] or when != c.eng[who] or c.ref[who] <= START + 30:
            return False
        return r == 0 or meetings[r - 1, "client_id"] != meetings[r, "client_id"]

    def free_meeting(r: int, day_over_12: bool = False, mode: str = "", attended: str = "") -> bool:
        who, when, att, md = meeting(r)
        return (
            not involved[who]
            and (not day_over_12 or _ymd(when)[2] > 12)
            and (not mode or md == mode)
            and (not attended or att == attended)
        )

    for r in pick("meetings", first_meeting):
        before = _iso(_back_to_weekday(np.array([c.ref[meeting(r)[0]] - 9]))[0])
        ed.set("meetings", r, "meeting_date", before, "before_referral", "meeting before the referral")
    for r in pick("meetings", lambda r: free_meeting(r, day_over_12=True)):
        y, mo, dd = _ymd(meeting(r)[1])
        ed.set(
            "meetings", r, "meeting_date", f"{y}-{dd:02d}-{mo:02d}", "invalid_date", "day and month swapped"
        )
    for r in pick("meetings", free_meeting):
        ed.set("meetings", r, "attended", "maybe", "invalid_bool", "attended must be yes or no")
    for r in pick("meetings", free_meeting, 3):
        ed.set("meetings", r, "meeting_date", _uk(meeting(r)[1]), None)
    phone = pick("meetings", lambda r: free_meeting(r, mode="phone"), 2)
    for r, value in zip(phone, ("Phone", "PHONE"), strict=False):
        ed.set("meetings", r, "mode", value, None)
    for r in pick("meetings", lambda r: free_meeting(r, mode="face_to_face")):
        ed.set("meetings", r, "mode", "face_to_face ", None)
    for r in pick("meetings", lambda r: free_meeting(r, attended="yes")):
        ed.set("meetings", r, "attended", "y", None)

    free_job = ~involved[k.jobs_cid]
    for r in pick("jobs", free_job & (k.jobs_end >= 0)):
        wrong = k.jobs_end[r] - 365 if k.jobs_end[r] - 365 < k.jobs_start[r] else k.jobs_start[r] - 30
        ed.set("jobs", r, "end_date", _iso(wrong), "end_before_start", "job ends before it starts")
    for r in pick("jobs", free_job & ~np.isnan(k.jobs_hours)):
        ed.set("jobs", r, "hours_per_week", "95", "out_of_range", "hours must be 0-80")
    for r in pick("jobs", lambda r: bool(free_job[r]) and _ymd(k.jobs_start[r])[2] > 12):
        y, mo, dd = _ymd(k.jobs_start[r])
        ed.set("jobs", r, "start_date", f"{mo:02d}/{dd:02d}/{y}", "invalid_date", "month/day order (US)")
    for r in pick("jobs", free_job, 2):
        ed.set("jobs", r, "start_date", _uk(k.jobs_start[r]), None)

    def short_month(r: int) -> bool:
        cid, when = wellbeing.row(r)[:2]
        return not involved[_client_index(cid)] and int(when[5:7]) in (2, 4, 6, 9, 11)

    for r in pick("wellbeing", short_month):
        y, mo = wellbeing[r, "assessment_date"][:7].split("-")
        wrong = f"{y}-{mo}-{30 if mo == '02' else 31}"
        ed.set("wellbeing", r, "assessment_date", wrong, "invalid_date", "no such day in that month")

    # ---- fidelity, staff
    for r in pick("fidelity", tables["fidelity"]["score"].cast(pl.Int64).to_numpy() >= 4):
        ed.set("fidelity", r, "score", "7", "out_of_range", "item scores are 1-5")
    for r in pick("staff", np.ones(len(staff.ids), dtype=bool)):
        ed.set("staff", r, "start_date", _uk(staff.start[r]), None)

    # ---- inserted rows: a client entered twice, a meeting keyed to a mistyped client_id
    for dup in dups:
        row = clients.row(dup, named=True)
        ed.insert("clients", dup + 4, row, "client_id", "duplicate_id", f"same client_id as row {dup + 2}")
    rows_per_client = ctx["plan"].rows()
    last_row = np.cumsum(rows_per_client) - 1
    width = len(ids[0]) - 3
    typo = np.flatnonzero(~involved & (np.arange(1, n + 1) < 10 ** (width - 1)) & (rows_per_client > 0))
    if typo.size:
        who = int(typo[rng.integers(typo.size)])
        bad = "IPS" + ids[who][4:]  # the first zero after the prefix lost
        row = meetings.row(int(last_row[who]), named=True)
        row.update(client_id=bad, attended="yes", mode="phone")
        ed.insert("meetings", int(last_row[who]) + 1, row, "client_id", "unknown_client", f"no client {bad}")
    return ed.finish()
