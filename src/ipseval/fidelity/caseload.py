"""Who is on the caseload, and who is active, on given days (month ends, review dates), with the
specialists and FTE in post, by area and overall.

On the caseload: referred on or before the day and not discharged by it (a discharge date is the
first day off the caseload). Active: on the caseload and referred, or at an attended meeting, in
the 91 days up to the day.

The days are numbered 0, 1, ... in date order, and a small calendar tells for any date how many of
them fall before it. Each client's time on the caseload is then one range of day numbers, and each
referral or attended meeting makes its client active over a range of at most a few of them. The
counts come from those ranges, so the work grows with the clients and meetings, never with
clients × days (a join of every day with every client, and of that with every meeting, grew
faster than the data).
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from ..store import Store
from .records import ACTIVE_DAYS, STAFF_AREAS, grouping, has_staff, values_table

__all__ = ["caseload_at", "caseload_clients", "caseload_on"]


def caseload_at(store: Store, days: list[date], active: bool = True) -> pl.DataFrame:
    """:func:`caseload_on` for ``days``, each day computed once per open store (the evidence tables
    and the scorecard ask for the same month ends)."""
    memo: dict[date, tuple[bool, pl.DataFrame]] = store.memo.setdefault("caseload_at", {})
    wanted = sorted(set(days))
    missing = [d for d in wanted if d not in memo or (active and not memo[d][0])]
    if missing:
        fresh = caseload_on(store, missing, active)
        for d in missing:
            memo[d] = (active, fresh.filter(pl.col("day") == d))
    out = (
        pl.concat([memo[d][1] for d in wanted], how="diagonal_relaxed")
        if wanted
        else caseload_on(store, [], active)
    )
    if not active:
        out = out.with_columns(pl.lit(None, dtype=pl.Int64).alias("active"))
    return out


def caseload_on(store: Store, days: list[date], active: bool = True) -> pl.DataFrame:
    """On the caseload and active on each day (see the module), with specialists and FTE in post.
    ``active=False`` leaves active out (null), which spares reading the meetings."""
    wanted = sorted(set(days))
    people = store.query(_people_sql(wanted, active))
    staff = _staff_at(store, values_table([(d,) for d in wanted], ("day",)))
    keys = ["day", "breakdown", "group"]
    frame = (
        staff.join(people, on=keys, how="full", coalesce=True)
        if staff.height
        else people.with_columns(
            pl.lit(None, dtype=pl.Int64).alias("specialists"), pl.lit(None, dtype=pl.Float64).alias("fte")
        )
    )
    return frame.with_columns(
        pl.col("on_caseload").fill_null(0).cast(pl.Int64),
        (pl.col("active").fill_null(0) if active else pl.col("active")).cast(pl.Int64),
    )


def caseload_clients(store: Store, days: list[date]) -> pl.DataFrame:
    """Clients on the caseload on at least one of ``days``, by area and overall (breakdown, group,
    caseload_clients): those with a day on or after their referral and before their discharge."""
    on_some_day = "FALSE"
    joins = ""
    ctes = ""
    if days:
        d = _Days(sorted(set(days)))
        ctes = f"WITH {d.ctes}"
        joins = f"""JOIN cal r ON r.x = {d.at("c.referral_date")}
                    LEFT JOIN cal e ON e.x = {d.at("c.discharge_date")}"""
        on_some_day = f"r.before < coalesce(e.before, {d.n})"
    return store.query(
        f"""
        {ctes}
        SELECT {grouping("c.local_authority")}, count(*) AS caseload_clients
        FROM clients c {joins}
        WHERE {on_some_day}
        GROUP BY GROUPING SETS ((), (c.local_authority))
        """
    )


class _Days:
    """The days numbered 0, 1, ... in date order, as SQL: the CTEs ``snap`` (idx, day) and ``cal``
    (a calendar telling for each date how many of the days fall before it, and on or before it)."""

    def __init__(self, days: list[date]) -> None:
        self.n = len(days)
        self.first, self.last = days[0] - timedelta(days=1), days[-1] + timedelta(days=1)
        snaps = values_table(list(enumerate(days)), ("idx", "day"))
        self.ctes = f"""
        snap AS (SELECT CAST(idx AS BIGINT) AS idx, CAST(day AS DATE) AS day FROM {snaps}),
        cal AS (
            SELECT CAST(g.x AS DATE) AS x,
                   count(*) FILTER (WHERE s.day < CAST(g.x AS DATE)) AS before,
                   count(*) FILTER (WHERE s.day <= CAST(g.x AS DATE)) AS upto
            FROM range(DATE '{self.first}', DATE '{self.last}' + INTERVAL 1 DAY, INTERVAL 1 DAY) g(x), snap s
            GROUP BY g.x
        )"""

    def at(self, expr: str) -> str:
        """SQL for the calendar date to look ``expr`` up at: dates before (after) the calendar have
        the counts of its first (last) date, and a blank date stays blank (least and greatest
        would skip it)."""
        return (
            f"CASE WHEN {expr} IS NOT NULL "
            f"THEN least(greatest({expr}, DATE '{self.first}'), DATE '{self.last}') END"
        )


def _counts(ranges: str, name: str, n: int) -> str:
    """A CTE ``<name>_counts`` (idx, breakdown, group, <name>): on each day, how many of the rows
    of CTE ``ranges`` (local_authority, from_i, to_i: days from_i up to, not including, to_i) cover
    it, by area and overall. Ranges start and end per area and day; a day's count is their running
    total, so the work does not grow with the days each range covers."""
    return f"""{name}_steps AS (
            SELECT local_authority, from_i AS i, count(*) AS n FROM {ranges} WHERE from_i < to_i GROUP BY ALL
            UNION ALL
            SELECT local_authority, to_i AS i, -count(*) AS n FROM {ranges}
            WHERE from_i < to_i AND to_i < {n} GROUP BY ALL
        ),
        {name}_counts AS (
            SELECT s.idx, {grouping("p.local_authority")}, CAST(sum(p.n) AS BIGINT) AS {name}
            FROM snap s JOIN {name}_steps p ON p.i <= s.idx
            GROUP BY GROUPING SETS ((s.idx), (s.idx, p.local_authority))
            HAVING sum(p.n) > 0
        )"""


def _people_sql(days: list[date], active: bool) -> str:
    """On the caseload (and active) per day, by area and overall: one row per day and area with
    anyone on the caseload."""
    if not days:
        return (
            "SELECT CAST(NULL AS DATE) AS day, CAST(NULL AS VARCHAR) AS breakdown, "
            'CAST(NULL AS VARCHAR) AS "group", CAST(NULL AS BIGINT) AS on_caseload, '
            "CAST(NULL AS BIGINT) AS active WHERE FALSE"
        )
    d = _Days(days)
    active_ctes = f",{_active_sql(d)},{_counts('seen_on', 'active', d.n)}" if active else ""
    active_join = (
        'LEFT JOIN active_counts a ON a.idx = o.idx AND a.breakdown = o.breakdown AND a."group" = o."group"'
        if active
        else ""
    )
    return f"""
        WITH {d.ctes},
        -- each client (numbered: later joins and windows then work on integers, not client ids)
        -- is on the caseload on days from_i up to (not including) to_i
        span AS MATERIALIZED (
            SELECT row_number() OVER () AS client_no, c.client_id, c.local_authority,
                   r.before AS from_i, coalesce(e.before, {d.n}) AS to_i
            FROM clients c
            JOIN cal r ON r.x = {d.at("c.referral_date")}
            LEFT JOIN cal e ON e.x = {d.at("c.discharge_date")}
        ),
        {_counts("span", "on_caseload", d.n)}{active_ctes}
        SELECT s.day, o.breakdown, o."group", o.on_caseload,
               {"coalesce(a.active, 0)" if active else "CAST(NULL AS BIGINT)"} AS active
        FROM on_caseload_counts o JOIN snap s ON s.idx = o.idx {active_join}
        """


def _active_sql(d: _Days) -> str:
    """CTEs up to ``seen_on``: the days each client is active on while on the caseload, as ranges.

    A referral or attended meeting (a touch) on ``t`` makes its client active on the days from
    ``t`` to ``t`` + 90, so on a day the client is active when their last touch up to it is that
    recent. The touches falling after one day and on or before the next share the first day they
    count for; the latest of them then keeps the client active until the next such group starts
    or its 91 days end, which makes one range per client and group, none overlapping."""
    return f"""
        touch AS (
            SELECT client_id, referral_date AS t FROM clients
            UNION ALL
            SELECT client_id, meeting_date AS t FROM attended_meetings
        ),
        latest AS (
            SELECT p.client_no, a.before AS from_i, max(t.t) AS t
            FROM touch t
            JOIN span p ON p.client_id = t.client_id AND p.from_i < p.to_i
            JOIN cal a ON a.x = {d.at("t.t")}
            GROUP BY ALL
        ),
        seen AS (
            SELECT l.client_no, l.from_i,
                   least(b.upto, lead(l.from_i, 1, {d.n}) OVER (PARTITION BY l.client_no ORDER BY l.from_i))
                   AS to_i
            FROM latest l JOIN cal b ON b.x = {d.at(f"l.t + {ACTIVE_DAYS - 1}")}
        ),
        seen_on AS (
            SELECT p.local_authority, greatest(s.from_i, p.from_i) AS from_i, least(s.to_i, p.to_i) AS to_i
            FROM seen s JOIN span p USING (client_no)
        )"""


def _staff_at(store: Store, snaps: str) -> pl.DataFrame:
    if not has_staff(store):
        return pl.DataFrame()
    return store.query(
        f"""
        WITH snap AS (SELECT CAST(day AS DATE) AS day FROM {snaps}),
        st AS ({STAFF_AREAS})
        SELECT s.day, {grouping("st.local_authority")},
               count(*) AS specialists,
               sum(coalesce(st.fte, 1.0)) AS fte
        FROM snap s JOIN st
          ON (st.start_date IS NULL OR st.start_date <= s.day)
         AND (st.end_date IS NULL OR st.end_date >= s.day)
        GROUP BY GROUPING SETS ((s.day), (s.day, st.local_authority))
        """
    ).rename({"st.local_authority": "local_authority"}, strict=False)
