"""The client-level analysis frame every impact model starts from (one definition, from the store).

One row per client in the job-entry denominator (engaged, not in work when referred): outcome,
exposure, follow-up and the controls. 'unknown' codes and blank answers become nulls here, so
multiple imputation and complete-case analyses see what is really missing.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from ..schema import CLIENTS, UNKNOWN
from ..settings import Settings
from ..store import Store

# Controls that are numbers (entered as they are); every other control is categorical.
NUMERIC_CONTROLS = ("age", "work_confidence")


def read_once(store: Store, key: str, read: Callable[[], pl.DataFrame]) -> pl.DataFrame:
    """``read()`` the first time per open store and key; the same frame afterwards (in
    ``Store.memo``): an evaluation's models all start from the same clients (a million-client
    query takes about two seconds). Frames are never changed in place, so sharing them is safe."""
    cache = store.memo.setdefault("impact_reads", {})
    if key not in cache:
        cache[key] = read()
    return cache[key]


def analysis_frame(store: Store, settings: Settings) -> pl.DataFrame:
    """Clients in the job-entry denominator with outcome, meetings, follow-up and controls.

    Columns: client_id, client_index (the row number, 0 first, as in :func:`meeting_days`), local_authority, referral_year, integration_strength, co_located,
    engagement_date, discharge_date, follow_up_end, job_entry (0/1), first_job_start,
    days_to_first_job, days_followed (engagement to first job or end of follow-up), exit_status
    (how follow-up ended: 1 a first job, 2 discharged without a job, the competing event, 0 still on
    the caseload at the data cut; see :mod:`ipseval.competing`), meetings
    (attended, whole caseload), meeting_band (settings' bands; null for no meetings), and every
    clients characteristic (codes with 'unknown' as null; booleans as 0/1).
    """
    return read_once(store, "analysis_frame", lambda: _read_analysis_frame(store))


def _read_analysis_frame(store: Store) -> pl.DataFrame:
    characteristics = [
        c.name
        for c in CLIENTS.columns
        if c.name
        not in (
            "client_id",
            "local_authority",
            "referral_date",
            "engagement_date",
            "discharge_date",
            "discharge_reason",
            "employment_specialist_id",
        )
    ]
    cols = ", ".join(f"c.{name}" for name in characteristics)
    df = store.query(
        f"""
        SELECT o.client_id, o.local_authority, o.referral_year,
               a.integration_strength, a.co_located,
               o.engagement_date, o.discharge_date, o.follow_up_end,
               CAST(o.job_entry AS INTEGER) AS job_entry,
               CASE WHEN o.job_entry THEN 1
                    WHEN o.discharge_date IS NOT NULL AND o.discharge_date <= o.follow_up_end THEN 2
                    ELSE 0 END AS exit_status,
               o.first_job_start, o.days_to_first_job,
               CASE WHEN o.job_entry THEN o.days_to_first_job
                    ELSE greatest(date_diff('day', o.engagement_date, o.follow_up_end), 0) END AS days_followed,
               o.meetings, o.meeting_band, o.meeting_band_ord,
               c.employment_specialist_id, {cols}
        FROM client_outcomes o
        JOIN clients c ON c.client_id = o.client_id
        LEFT JOIN areas a ON a.local_authority = o.local_authority
        WHERE o.in_denominator
        ORDER BY o.client_id
        """
    )
    fixes = []
    for name in characteristics:
        col = CLIENTS.column(name)
        if col.type == "code":
            fixes.append(pl.when(pl.col(name) == UNKNOWN).then(None).otherwise(pl.col(name)).alias(name))
        elif col.type == "bool":
            fixes.append(pl.col(name).cast(pl.Int8).alias(name))
    # rows come in client_id order, so the row number is the client index meeting_days uses
    return (
        df.with_columns(fixes)
        .with_row_index("client_index")
        .with_columns(pl.col("client_index").cast(pl.Int32))
        .select("client_id", "client_index", pl.exclude("client_id", "client_index"))
    )


def meeting_days(store: Store) -> pl.DataFrame:
    """Attended meetings of clients in the job-entry denominator as two integer columns.

    client_index: the client's row in :func:`analysis_frame`; day: days from engagement to the
    meeting (negative = before engagement). Integers rather than ids and dates: a million clients
    have about 25 million meetings, and strings would cost seconds to move and join.
    """

    def read() -> pl.DataFrame:
        return store.query(
            """
            WITH d AS (
                SELECT client_id, engagement_date,
                       (row_number() OVER (ORDER BY client_id) - 1)::INTEGER AS client_index
                FROM client_outcomes WHERE in_denominator
            )
            SELECT d.client_index, date_diff('day', d.engagement_date, m.meeting_date)::INTEGER AS day
            FROM attended_meetings m JOIN d ON d.client_id = m.client_id
            """
        )

    return read_once(store, "meeting_days", read)


def controls(settings: Settings, frame: pl.DataFrame | None = None) -> list[str]:
    """The controls named in the settings, in their order; with ``frame``, only those it records
    (see :func:`recorded`)."""
    wanted = list(settings.definitions.model_controls)
    return wanted if frame is None else [c for c in wanted if recorded(frame, c)]


def recorded(frame: pl.DataFrame, column: str) -> bool:
    """Whether ``frame`` records ``column`` usefully: at least two distinct known values (a control
    that is blank or 'unknown' for everyone, or the same for everyone, cannot be estimated)."""
    if column not in frame.columns:
        return False
    return frame[column].drop_nulls().n_unique() >= 2


def not_recorded_reason(frame: pl.DataFrame, column: str) -> str:
    """Why ``frame`` does not record ``column`` usefully (see :func:`recorded`), in words with the
    counts: not in the data, blank or unknown for everyone, or one known value for everyone."""
    from ..labels import code_words

    if column not in frame.columns:
        return "not in these data"
    n = frame.height
    known = frame[column].drop_nulls()
    if known.is_empty():
        return "blank or unknown for every client"
    value = known[0]
    if frame.schema[column].is_integer() and set(known.unique().to_list()) <= {0, 1}:
        words = "Yes" if value == 1 else "No"
    else:
        words = code_words(column, str(value))
    blank = n - known.len()
    rest = f"; the other {blank} blank or unknown" if blank else ""
    return f"every client with a value has the same one: {words} for {known.len()} of {n}{rest}"


def controls_note(
    settings: Settings,
    frame: pl.DataFrame,
    leave_out: tuple[str, ...] = (),
    dropped: dict[str, str] | None = None,
) -> list[str]:
    """A note naming the settings' controls that the model leaves out, each with its reason (none
    when all are used): those ``frame`` does not record (:func:`not_recorded_reason`), and those in
    ``dropped`` (control -> the model's own reason, e.g. one level left after merging sparse ones)."""
    from ..labels import characteristic_label

    dropped = dropped or {}
    wanted = [c for c in settings.definitions.model_controls if c not in leave_out]
    reasons = {c: not_recorded_reason(frame, c) for c in wanted if not recorded(frame, c)}
    reasons.update({c: why for c, why in dropped.items() if c in wanted and c not in reasons})
    if not reasons:
        return []
    by_reason: dict[str, list[str]] = {}
    for c in wanted:
        if c in reasons:
            by_reason.setdefault(reasons[c], []).append(characteristic_label(c))
    parts = [
        f"{', '.join(names[:-1]) + ' and ' if len(names) > 1 else ''}{names[-1]} ({why})"
        for why, names in by_reason.items()
    ]
    return [
        f"The model uses {len(wanted) - len(reasons)} of the {len(wanted)} controls in the settings. "
        f"Left out, as they cannot be estimated here: {'; '.join(parts)}."
    ]


def nearest_level(levels: list[str], present: set[str]) -> tuple[str, list[str]]:
    """The reference level: the first of ``levels`` when the data have it, else the nearest one
    after it in order (or before it), with a note saying so. ``present`` must hold one of them."""
    wanted = levels[0]
    if wanted in present:
        return wanted, []
    found = next(lv for lv in [*levels[1:], *reversed(levels)] if lv in present)
    return found, [
        f"The usual reference group '{wanted}' has no clients in these data, so the nearest group, "
        f"'{found}', is the reference instead."
    ]
