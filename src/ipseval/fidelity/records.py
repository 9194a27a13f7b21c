"""The store queries behind the records-based fidelity evidence: employer contacts and FTE-weeks in
a window, and job starts in a window (who is on the caseload on a day: :mod:`.caseload`).

Each returns rows for every area (``breakdown`` "local_authority") and all areas ("overall"), as
the evidence and comparison tables need them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from ..store import Store

ALL_AREAS = "All areas"
UNASSIGNED = "Unassigned"
ACTIVE_DAYS = 91  # "active": referred or met in the last 13 weeks
JOB_WINDOW_DAYS = 365  # job starts: the 12 months before a review (or the data cut)
MIN_JOBS = 10  # fewer job starts than this in the window: no implied diversity score


def values_table(rows: list[tuple[Any, ...]], names: tuple[str, ...]) -> str:
    """A VALUES table of literals (dates, text, integers) for the queries below."""

    def lit(v: Any) -> str:
        if v is None:
            return "NULL"
        if isinstance(v, date):
            return f"DATE '{v.isoformat()}'"
        if isinstance(v, int | float):
            return repr(v)
        return "'" + str(v).replace("'", "''") + "'"

    if not rows:
        nulls = ", ".join(f"NULL AS {n}" for n in names)
        return f"(SELECT {nulls} WHERE FALSE)"
    body = ", ".join("(" + ", ".join(lit(v) for v in r) + ")" for r in rows)
    return f"(VALUES {body}) AS t({', '.join(names)})"


def _area_key(col: str) -> str:
    """SQL for how area names are compared (as :func:`ipseval.fidelity.scoring.team_key`)."""
    return f"lower(trim(regexp_replace(replace({col}, '&', ' and '), '\\s+', ' ', 'g')))"


# Staff with their area spelt as in the clients table ('brent' on a staff record is Brent), so a
# specialist's FTE meets the caseload of the same area.
STAFF_AREAS = f"""
    SELECT st.* EXCLUDE (local_authority), coalesce(a.local_authority, st.local_authority) AS local_authority
    FROM staff st
    LEFT JOIN (SELECT DISTINCT ON (k) k, local_authority
               FROM (SELECT DISTINCT local_authority, {_area_key("local_authority")} AS k FROM clients)
               ORDER BY k, local_authority) a
      ON a.k = {_area_key("st.local_authority")}
"""


def has_staff(store: Store) -> bool:
    return "staff" in store.tables_present


def grouping(col: str = "local_authority") -> str:
    return (
        f"CASE WHEN grouping({col}) = 0 THEN 'local_authority' ELSE 'overall' END AS breakdown, "
        f"CASE WHEN grouping({col}) = 0 THEN coalesce({col}, '{UNASSIGNED}') ELSE '{ALL_AREAS}' END "
        'AS "group"'
    )


def contacts_in(store: Store, windows: list[tuple[str, date, date]]) -> pl.DataFrame:
    """Employer contacts by specialists in the staff table, and their FTE-weeks in post, per window.

    ``windows`` = (label, first day, last day). FTE-weeks: each specialist's FTE times the weeks of
    the window they were in post (a blank FTE counts as full time).
    """
    win = values_table(windows, ("label", "first_day", "last_day"))
    staffed = has_staff(store)
    join = f"JOIN ({STAFF_AREAS}) st USING (employment_specialist_id)" if staffed else ""
    la = "st.local_authority" if staffed else "CAST(NULL AS VARCHAR)"
    contacts = store.query(
        f"""
        WITH w AS (SELECT label, CAST(first_day AS DATE) AS first_day, CAST(last_day AS DATE) AS last_day
                   FROM {win}),
        c AS (
            SELECT w.label, {la} AS local_authority, e.face_to_face
            FROM employer_contacts e {join}
            JOIN w ON e.contact_date BETWEEN w.first_day AND w.last_day
        )
        SELECT label, {grouping()},
               count(*) AS contacts,
               count(*) FILTER (WHERE face_to_face) AS face_to_face,
               count(face_to_face) AS f2f_recorded
        FROM c
        GROUP BY GROUPING SETS ((label), (label, local_authority))
        """
    )
    if not staffed:
        return contacts.filter(pl.col("breakdown") == "overall").with_columns(
            pl.lit(None, dtype=pl.Int64).alias("specialists"),
            pl.lit(None, dtype=pl.Float64).alias("fte_weeks"),
        )
    staff = store.query(
        f"""
        WITH w AS (SELECT label, CAST(first_day AS DATE) AS first_day, CAST(last_day AS DATE) AS last_day
                   FROM {win}),
        o AS (
            SELECT w.label, st.local_authority, coalesce(st.fte, 1.0) AS fte,
                   date_diff('day', greatest(coalesce(st.start_date, w.first_day), w.first_day),
                                    least(coalesce(st.end_date, w.last_day), w.last_day)) + 1 AS days
            FROM ({STAFF_AREAS}) st JOIN w
              ON coalesce(st.start_date, w.first_day) <= w.last_day
             AND coalesce(st.end_date, w.last_day) >= w.first_day
        )
        SELECT label, {grouping()},
               count(*) AS specialists,
               sum(fte * days / 7.0) AS fte_weeks
        FROM o
        GROUP BY GROUPING SETS ((label), (label, local_authority))
        """
    )
    keys = ["label", "breakdown", "group"]
    out = staff.join(contacts, on=keys, how="full", coalesce=True)
    return out.with_columns(
        pl.col(c).fill_null(0).cast(pl.Int64) for c in ("contacts", "face_to_face", "f2f_recorded")
    )


def unlisted_contacts(store: Store) -> int:
    """Employer contacts by specialists missing from the staff table (left out of per-FTE rates)."""
    if "employer_contacts" not in store.tables_present or not has_staff(store):
        return 0
    return int(
        store.query(
            "SELECT count(*) AS n FROM employer_contacts e "
            "WHERE NOT EXISTS (SELECT 1 FROM staff s WHERE s.employment_specialist_id = e.employment_specialist_id)"
        )["n"][0]
    )


_EMPLOYER_KEY = (
    "nullif(trim(regexp_replace(regexp_replace(regexp_replace(lower(trim(employer)), '[^a-z0-9 ]', ' ', 'g'), "
    "'\\b(ltd|limited|plc|llp|cic|co|the)\\b', ' ', 'g'), '\\s+', ' ', 'g')), '')"
)


def jobs_in(store: Store, windows: list[tuple[str, date, date]]) -> pl.DataFrame:
    """Job starts (all jobs, first or later) of clients per window by area: how many, with how many
    different employers and sectors (employer names compared without case, punctuation or
    Ltd/Limited/PLC)."""
    win = values_table(windows, ("label", "first_day", "last_day"))
    return store.query(
        f"""
        WITH w AS (SELECT label, CAST(first_day AS DATE) AS first_day, CAST(last_day AS DATE) AS last_day
                   FROM {win}),
        -- each different name is normalised once (regular expressions on every job are slow)
        names AS (
            SELECT employer, {_EMPLOYER_KEY} AS employer_key
            FROM (SELECT DISTINCT employer FROM qualifying_jobs WHERE employer IS NOT NULL)
        ),
        keyed AS (
            SELECT q.start_date, c.local_authority, n.employer_key,
                   nullif(lower(trim(q.sector)), '') AS sector_key,
                   coalesce(q.self_employed, FALSE) AS self_employed
            FROM qualifying_jobs q JOIN clients c USING (client_id)
            LEFT JOIN names n ON n.employer = q.employer
            WHERE q.start_date BETWEEN (SELECT min(first_day) FROM w) AND (SELECT max(last_day) FROM w)
        ),
        j AS (
            SELECT w.label, k.* EXCLUDE (start_date)
            FROM keyed k JOIN w ON k.start_date BETWEEN w.first_day AND w.last_day
        )
        SELECT label, {grouping()},
               count(*) AS job_starts,
               count(employer_key) AS with_employer,
               count(DISTINCT employer_key) AS distinct_employers,
               count(sector_key) AS with_sector,
               count(DISTINCT sector_key) AS distinct_sectors,
               count(*) FILTER (WHERE self_employed) AS self_employed
        FROM j
        GROUP BY GROUPING SETS ((label), (label, local_authority))
        """
    )
