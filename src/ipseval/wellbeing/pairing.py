"""Which assessment is a client's baseline and which their follow-up, for each measure.

Rules (each a setting in ``[wellbeing]``, defaults in brackets):

- Only assessments on or before the data cut, of a defined measure, with a score inside the
  measure's range, of clients with an engagement date, are used; two scores for the same client,
  measure and date are averaged.
- Baseline: the assessment nearest the engagement date, from ``baseline_days_before`` [42] days
  before to ``baseline_days_after`` [28] days after. Equally near before and after: the one before
  (support had not yet begun).
- Follow-up: the assessment nearest the follow-up point, engagement + ``follow_up_months`` [6]
  calendar months, within ``follow_up_window_days`` [60] days either side and after the baseline.
  A client with several uses the nearest; equally near before and after the point: the one after
  (the client has had at least the full period of support).
- Pairing is per measure, so a questionnaire with a measure left blank still pairs on the rest.
- A ``users_only`` measure (TOP days of use) pairs only clients scoring above its minimum at
  baseline (using the substance).
- Status of a client with a baseline: ``followed_up`` (has a follow-up), ``lost`` (none, and the
  window closed on or before the data cut) or ``not_yet_due`` (none, window still open).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import duckdb
import polars as pl

from ..settings import Wellbeing
from ..store import Store, sql_literal

STATUSES = ("followed_up", "lost", "not_yet_due")

CLIENT_COLUMNS = (
    "age",
    "sex",
    "main_substance",
    "treatment_status",
    "criminal_conviction",
    "housing_tenure",
    "work_confidence",
)


@dataclass
class Pairs:
    """``episodes``: one row per client and measure with a baseline (see :func:`pair`);
    ``assessed_keys``: the measure keys with at least one usable assessment, at any date;
    ``records``: assessment rows per instrument and measure and what became of them;
    ``clients``: engaged clients with their job outcome and characteristics."""

    episodes: pl.DataFrame
    assessed_keys: frozenset[str]
    records: pl.DataFrame
    clients: pl.DataFrame
    _derived: dict = field(default_factory=dict, repr=False, compare=False)

    def derived(self, key: tuple[str, pl.DataFrame], make: Callable[[], pl.DataFrame]) -> pl.DataFrame:
        """A frame derived from these pairs and a set of measures, made once: several tables
        start from the same scaled scores, which at a million clients take seconds to build."""
        name, measures = key
        held = self._derived.get(name)
        if held is None or held[0] is not measures:
            held = self._derived[name] = (measures, make())
        return held[1]


def _clients_sql() -> str:
    """Engaged clients: engagement date, job-entry facts and the characteristics compared in the
    attrition analysis."""
    cols = ", ".join(f"c.{c}" for c in CLIENT_COLUMNS)
    return f"""
        SELECT o.client_id, o.engagement_date, o.in_denominator, o.job_entry, o.first_job_start,
               {cols}
        FROM client_outcomes o JOIN clients c USING (client_id)
        WHERE o.engagement_date IS NOT NULL
    """


def pair(
    assessments: pl.DataFrame,
    clients: pl.DataFrame,
    measures: pl.DataFrame,
    settings: Wellbeing,
    data_cut: date,
) -> Pairs:
    """Select baselines and follow-ups (pure: frames in, frames out).

    ``assessments``: client_id, assessment_date, instrument, measure, score (in file order);
    ``clients``: engaged clients: client_id, engagement_date and any other columns (returned with
    a ``client_no``, the key ``episodes`` also carry).
    ``episodes`` columns: client_no, client_id, key, engagement_date, baseline_date, baseline_score,
    follow_up_date, follow_up_score (null unless followed up), status.
    """
    con = duckdb.connect()
    try:
        con.register("_assessments", assessments.with_row_index("source_row"))
        con.register("_engaged", clients)
        return _pair_in(con, "_assessments", "_engaged", measures, settings, data_cut)
    finally:
        con.close()


def pairs_from_store(store: Store, measures: pl.DataFrame, settings: Wellbeing) -> Pairs:
    """:func:`pair` on the store's wellbeing and clients tables, inside DuckDB."""
    return _pair_in(store.con, "wellbeing", f"({_clients_sql()})", measures, settings, store.data_cut)


_TMP = "_ipseval_wellbeing"


def _pair_in(
    con: duckdb.DuckDBPyConnection,
    assessments: str,
    engaged: str,
    measures: pl.DataFrame,
    settings: Wellbeing,
    data_cut: date,
) -> Pairs:
    """The selection as SQL over two relations: a million clients have ten million assessment
    rows, which DuckDB joins and aggregates on integer codes in seconds."""
    defs = measures.select("measure_order", "key", "scale_min", "scale_max", "users_only").rows()
    # literals, not parameters: DuckDB imports pandas (half a second) to inspect Python parameters
    cut = sql_literal(data_cut)
    rows = ["(" + ", ".join(sql_literal(v) for v in row) + ")" for row in defs]
    values = ", ".join(rows) or "(NULL, NULL, NULL, NULL, NULL)"
    s = settings
    common = f"""
        WITH defs(measure_no, key, scale_min, scale_max, users_only) AS (VALUES {values}),
        a AS (
            SELECT client_id, assessment_date, instrument, measure, CAST(score AS DOUBLE) AS score,
                   -- a total computed from its items has no file row (validate_computed): after the rest
                   coalesce(source_row, 9223372036854775807) AS source_row, source_row IS NULL AS computed,
                   lower(trim(instrument, ' \t\r\n')) || '|' || lower(trim(measure, ' \t\r\n')) AS key
            FROM {assessments}
        ),
        flagged AS (
            SELECT a.*, d.measure_no, d.scale_min, d.users_only, e.client_no, e.engagement_date, e.target,
                   d.key IS NOT NULL AS defined,
                   a.assessment_date > {cut} AS after_data_cut,
                   coalesce(a.score < d.scale_min OR a.score > d.scale_max, false) AS out_of_range,
                   e.client_no IS NULL AS not_engaged
            FROM a LEFT JOIN defs d USING (key) LEFT JOIN {_TMP}_engaged e USING (client_id)
        )
    """
    used = "defined AND NOT after_data_cut AND NOT out_of_range AND NOT not_engaged"
    try:
        # engaged clients numbered: joins and windows on integers, not ten million strings
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {_TMP}_engaged AS
            SELECT row_number() OVER (ORDER BY client_id) AS client_no, *,
                   CAST(engagement_date + INTERVAL ({int(s.follow_up_months)}) MONTH AS DATE) AS target
            FROM {engaged}"""
        )
        clients = _fetch(con, f"SELECT * EXCLUDE (target) FROM {_TMP}_engaged ORDER BY client_no")
        records = _fetch(
            con,
            f"""{common}
            SELECT key, arg_min(instrument, source_row) AS instrument,
                   arg_min(measure, source_row) AS measure, bool_or(defined) AS defined,
                   count(*) AS records, count(*) FILTER ({used}) AS used,
                   count(*) FILTER (out_of_range) AS out_of_range,
                   count(*) FILTER (after_data_cut) AS after_data_cut,
                   count(*) FILTER (not_engaged AND defined) AS client_not_engaged,
                   count(*) FILTER (computed) AS computed
            FROM flagged GROUP BY key ORDER BY key""",
        )
        raw = _fetch(con, common + _episodes_sql(used, settings, cut))
    finally:
        con.execute(f"DROP TABLE IF EXISTS {_TMP}_engaged")
    key_of = dict(zip(measures["measure_order"], measures["key"], strict=True))
    # in client then measure order (client numbers follow client ids)
    # client ids by position (client numbers run 1..n in the order of ``clients``): cheaper than
    # carrying millions of strings out of DuckDB
    episodes = raw.select(
        "client_no",
        clients["client_id"].gather(raw["client_no"].cast(pl.Int64) - 1).alias("client_id"),
        pl.col("measure_no").replace_strict(key_of, return_dtype=pl.Utf8).alias("key"),
        pl.exclude("client_no", "measure_no"),
    )
    assessed = frozenset(records.filter(pl.col("used") > 0)["key"].to_list())
    return Pairs(episodes=episodes, assessed_keys=assessed, records=records, clients=clients)


def _episodes_sql(used: str, s: Wellbeing, cut: str) -> str:
    """Usable rows inside either window, two scores on one day for one measure averaged; then
    each client's measure takes the nearest baseline and the nearest follow-up, in one grouping
    (at a million clients, materialising the usable rows and joining two groupings held a
    gigabyte more). Baseline: nearest engagement, equally near the earlier (support had not yet
    begun): rank 2|day| + (day > 0). Follow-up: nearest the follow-up point, equally near the
    later (the full period of support): rank 2|off| + (off < 0). Ranks are unique (one row per
    date). The settings keep the follow-up window after the baseline window, so a follow-up is
    always later."""
    before, after, window = (
        int(s.baseline_days_before),
        int(s.baseline_days_after),
        int(s.follow_up_window_days),
    )
    in_baseline, in_follow_up = f"day BETWEEN -{before} AND {after}", f"abs(off) <= {window}"
    baseline, follow_up = "2 * abs(day) + (day > 0)::INT", "2 * abs(off) + (off < 0)::INT"
    return f""",
        usable AS (
            SELECT client_no, measure_no, assessment_date, avg(score) AS score,
                   CAST(any_value(assessment_date - engagement_date) AS INTEGER) AS day,
                   CAST(any_value(assessment_date - target) AS INTEGER) AS off
            FROM flagged
            WHERE {used}
              AND (assessment_date - engagement_date BETWEEN -{before} AND {after}
                   OR abs(assessment_date - target) <= {window})
            GROUP BY client_no, measure_no, assessment_date
        ),
        picked AS (
            SELECT client_no, measure_no,
                   arg_min(assessment_date, {baseline}) FILTER ({in_baseline}) AS baseline_date,
                   arg_min(score, {baseline}) FILTER ({in_baseline}) AS baseline_score,
                   arg_min(assessment_date, {follow_up}) FILTER ({in_follow_up}) AS follow_up_date,
                   arg_min(score, {follow_up}) FILTER ({in_follow_up}) AS follow_up_score
            FROM usable GROUP BY client_no, measure_no
            HAVING count(*) FILTER ({in_baseline}) > 0
        )
        SELECT p.client_no, p.measure_no, e.engagement_date,
               p.baseline_date, p.baseline_score, p.follow_up_date, p.follow_up_score,
               CASE WHEN p.follow_up_date IS NOT NULL THEN 'followed_up'
                    WHEN e.target + {window} <= {cut} THEN 'lost'
                    ELSE 'not_yet_due' END AS status
        FROM picked p JOIN defs d USING (measure_no) JOIN {_TMP}_engaged e USING (client_no)
        -- users-only measures (TOP days of use): clients using the substance at baseline
        WHERE NOT d.users_only OR p.baseline_score > d.scale_min
        ORDER BY p.client_no, p.measure_no"""


def _fetch(con: duckdb.DuckDBPyConnection, sql: str) -> pl.DataFrame:
    """Read the result through the Arrow C stream (no pyarrow import)."""
    return pl.DataFrame(con.sql(sql))
