-- ipseval metric definitions. Read these to see exactly how every outcome is counted.
-- The views read the imported tables (clients, meetings, jobs, ...) and two small tables written
-- from the settings at import time:
--   params(data_cut, job_start_min_hours, hours_threshold, window_months,
--          unknown_employed_in_denominator)
--   sustainment_horizons(weeks)      meeting_bands(ord, label, low, high)

-- Wilson score 95% interval for x successes out of n (z = 1.959963984540054). At x = 0 the lower
-- bound is exactly 0 and at x = n the upper bound exactly 1 (the formula gives them only to within
-- a rounding error, which would put a rate of 0% or 100% outside its own interval).
CREATE OR REPLACE MACRO wilson_low(x, n) AS CASE WHEN n > 0 AND x <= 0 THEN 0.0 WHEN n > 0 THEN
    ((x / n) + 1.959963984540054 ^ 2 / (2 * n)
     - 1.959963984540054 * sqrt((x / n) * (1 - x / n) / n + 1.959963984540054 ^ 2 / (4 * n ^ 2)))
    / (1 + 1.959963984540054 ^ 2 / n) END;
CREATE OR REPLACE MACRO wilson_high(x, n) AS CASE WHEN n > 0 AND x >= n THEN 1.0 WHEN n > 0 THEN
    ((x / n) + 1.959963984540054 ^ 2 / (2 * n)
     + 1.959963984540054 * sqrt((x / n) * (1 - x / n) / n + 1.959963984540054 ^ 2 / (4 * n ^ 2)))
    / (1 + 1.959963984540054 ^ 2 / n) END;
CREATE OR REPLACE MACRO ratio(x, n) AS CASE WHEN n > 0 THEN x / n END;

-- Cell keys for the cell key method (ipseval.disclosure.cellkey): each client has a fixed random
-- record key (client_keys.record_key, 0 .. 2^32 - 1); the key of a count is the sum of the keys of
-- the clients it counts, mod 2^32 (exact integers: the same clients always give the same key). The
-- *_key columns are used only to perturb a viewer's filtered views and are never published.
CREATE OR REPLACE MACRO cell_key(k) AS coalesce(CAST(k % 4294967296 AS BIGINT), 0);
-- the key of a complement (total minus part): the keys of the clients in the total but not the part
CREATE OR REPLACE MACRO cell_key_diff(a, b) AS CAST(((a - b) % 4294967296 + 4294967296) % 4294967296 AS BIGINT);

-- A job counts as a job start when it started on or before the data cut and meets the minimum
-- weekly hours (with a minimum of 0, any paid job counts, including one with unknown hours).
CREATE OR REPLACE VIEW qualifying_jobs AS
SELECT j.*
FROM jobs j, params p
WHERE j.start_date <= p.data_cut
  AND (p.job_start_min_hours = 0 OR j.hours_per_week >= p.job_start_min_hours);

-- Attended meetings up to the data cut (a missed appointment is kept in the data but not counted).
CREATE OR REPLACE VIEW attended_meetings AS
SELECT m.*
FROM meetings m, params p
WHERE coalesce(m.attended, TRUE) AND m.meeting_date <= p.data_cut;

-- One row per client: the facts every outcome is built from.
CREATE OR REPLACE VIEW client_facts AS
WITH ranked_jobs AS (
    -- first job = earliest start; on a tie, the longer-lasting one, then most hours
    SELECT client_id, start_date, end_date, hours_per_week,
           row_number() OVER (PARTITION BY client_id
                              ORDER BY start_date, coalesce(end_date, DATE '9999-12-31') DESC,
                                       hours_per_week DESC NULLS LAST) AS job_order,
           count(*) OVER (PARTITION BY client_id) AS job_starts
    FROM qualifying_jobs
), first_job AS (
    SELECT client_id, start_date, end_date, hours_per_week, job_starts
    FROM ranked_jobs WHERE job_order = 1
), met AS (
    SELECT client_id, count(*) AS meetings FROM attended_meetings GROUP BY client_id
)
SELECT c.client_id,
       c.local_authority,
       CAST(year(c.referral_date) AS VARCHAR) AS referral_year,
       c.referral_date, c.engagement_date, c.discharge_date,
       c.engagement_date IS NOT NULL AS engaged,
       -- job-entry denominator: engaged and not in work when referred (a blank employed_at_referral
       -- counts as not in work unless the settings say to leave such clients out)
       (c.engagement_date IS NOT NULL
        AND NOT coalesce(c.employed_at_referral, NOT p.unknown_employed_in_denominator)) AS in_denominator,
       c.employed_at_referral,
       coalesce(met.meetings, 0) AS meetings,
       fj.start_date AS first_job_start,
       fj.end_date AS first_job_end,
       fj.hours_per_week AS first_job_hours,
       coalesce(fj.job_starts, 0) AS job_starts,
       -- time from engagement to first job; a job recorded before engagement counts at day 0
       CASE WHEN fj.start_date IS NOT NULL AND c.engagement_date IS NOT NULL
            THEN greatest(date_diff('day', c.engagement_date, fj.start_date), 0) END AS days_to_first_job,
       fj.start_date IS NOT NULL AND fj.start_date < c.engagement_date AS job_before_engagement,
       -- end of follow-up for time to job: discharge or the data cut, whichever is first
       least(coalesce(c.discharge_date, p.data_cut), p.data_cut) AS follow_up_end,
       ck.record_key
FROM clients c
CROSS JOIN params p
LEFT JOIN first_job fj USING (client_id)
LEFT JOIN met USING (client_id)
LEFT JOIN client_keys ck USING (client_id);

-- Job entry: a client in the denominator with at least one job start.
CREATE OR REPLACE VIEW client_outcomes AS
SELECT f.*,
       f.in_denominator AND f.first_job_start IS NOT NULL AS job_entry,
       CASE WHEN f.in_denominator AND f.first_job_start IS NOT NULL THEN f.first_job_hours END AS entry_hours,
       f.in_denominator AND f.first_job_start IS NOT NULL
         AND f.first_job_start <= f.engagement_date + to_months(p.window_months) AS entry_within_window,
       b.label AS meeting_band, b.ord AS meeting_band_ord
FROM client_facts f
CROSS JOIN params p
LEFT JOIN meeting_bands b ON f.meetings >= b.low AND (b.high IS NULL OR f.meetings <= b.high);

-- First jobs of job entrants against each sustainment horizon.
-- Not yet due: started less than N weeks before the data cut, so it has not had the chance
--   to last N weeks (whether or not it has already ended: counting the recent jobs that ended
--   early but not the recent ones still going would bias the rate down).
-- Sustained: lasted at least N weeks (end - start, or data cut - start while ongoing).
-- Not sustained: ended before N weeks.
CREATE OR REPLACE VIEW first_job_sustainment AS
SELECT o.client_id, o.record_key, o.local_authority, o.referral_year, h.weeks,
       date_diff('day', o.first_job_start, coalesce(o.first_job_end, p.data_cut)) AS days_in_job,
       CASE
         WHEN date_diff('day', o.first_job_start, p.data_cut) < 7 * h.weeks THEN 'not_yet_due'
         WHEN date_diff('day', o.first_job_start, coalesce(o.first_job_end, p.data_cut)) >= 7 * h.weeks
           THEN 'sustained'
         ELSE 'not_sustained'
       END AS status
FROM client_outcomes o
CROSS JOIN sustainment_horizons h
CROSS JOIN params p
WHERE o.job_entry;

-- Outcomes overall, by local authority and by referral year, from one definition.
CREATE OR REPLACE VIEW outcomes_summary AS
SELECT CASE WHEN grouping(local_authority) = 0 THEN 'local_authority'
            WHEN grouping(referral_year) = 0 THEN 'referral_year'
            ELSE 'overall' END AS breakdown,
       coalesce(local_authority, referral_year, 'All') AS "group",
       count(*) AS referrals,
       count(*) FILTER (WHERE engaged) AS engaged,
       count(*) FILTER (WHERE employed_at_referral) AS employed_at_referral,
       count(*) FILTER (WHERE in_denominator) AS denominator,
       count(*) FILTER (WHERE job_entry) AS job_entries,
       sum(job_starts) FILTER (WHERE in_denominator) AS job_starts,
       count(*) FILTER (WHERE job_entry AND entry_hours IS NOT NULL) AS first_jobs_hours_known,
       count(*) FILTER (WHERE job_entry AND entry_hours >= (SELECT hours_threshold FROM params)) AS first_jobs_16plus,
       count(*) FILTER (WHERE entry_within_window) AS entries_within_window,
       count(*) FILTER (WHERE job_before_engagement AND in_denominator) AS jobs_before_engagement,
       sum(meetings) FILTER (WHERE engaged) AS meetings_engaged,
       avg(meetings) FILTER (WHERE engaged) AS meetings_per_engaged_client,
       quantile_cont(meetings, 0.5) FILTER (WHERE engaged) AS median_meetings,
       count(*) FILTER (WHERE engaged AND meetings = 0) AS engaged_without_meetings,
       -- cell keys of the counts above (see cell_key)
       cell_key(sum(record_key)) AS referrals_key,
       cell_key(sum(record_key) FILTER (WHERE engaged)) AS engaged_key,
       cell_key(sum(record_key) FILTER (WHERE employed_at_referral)) AS employed_at_referral_key,
       cell_key(sum(record_key) FILTER (WHERE in_denominator)) AS denominator_key,
       cell_key(sum(record_key) FILTER (WHERE job_entry)) AS job_entries_key,
       cell_key(sum(record_key) FILTER (WHERE job_entry AND entry_hours IS NOT NULL)) AS first_jobs_hours_known_key,
       cell_key(sum(record_key) FILTER (WHERE job_entry AND entry_hours >= (SELECT hours_threshold FROM params)))
         AS first_jobs_16plus_key,
       cell_key(sum(record_key) FILTER (WHERE entry_within_window)) AS entries_within_window_key,
       cell_key(sum(record_key) FILTER (WHERE job_before_engagement AND in_denominator)) AS jobs_before_engagement_key,
       cell_key(sum(record_key) FILTER (WHERE engaged AND meetings = 0)) AS engaged_without_meetings_key
FROM client_outcomes
GROUP BY GROUPING SETS ((), (local_authority), (referral_year));

CREATE OR REPLACE VIEW sustainment_summary AS
SELECT CASE WHEN grouping(local_authority) = 0 THEN 'local_authority'
            WHEN grouping(referral_year) = 0 THEN 'referral_year'
            ELSE 'overall' END AS breakdown,
       coalesce(local_authority, referral_year, 'All') AS "group",
       weeks,
       count(*) AS first_jobs,
       count(*) FILTER (WHERE status = 'sustained') AS sustained,
       count(*) FILTER (WHERE status = 'not_sustained') AS not_sustained,
       count(*) FILTER (WHERE status = 'not_yet_due') AS not_yet_due,
       cell_key(sum(record_key)) AS first_jobs_key,
       cell_key(sum(record_key) FILTER (WHERE status = 'sustained')) AS sustained_key,
       cell_key(sum(record_key) FILTER (WHERE status = 'not_sustained')) AS not_sustained_key,
       cell_key(sum(record_key) FILTER (WHERE status = 'not_yet_due')) AS not_yet_due_key
FROM first_job_sustainment
GROUP BY GROUPING SETS ((weeks), (weeks, local_authority), (weeks, referral_year));

-- Job entry by band of attended meetings (descriptive; see the impact analysis for adjusted models).
CREATE OR REPLACE VIEW meeting_band_summary AS
SELECT 0 AS ord, 'No meetings' AS meeting_band,
       count(*) AS clients,
       count(*) FILTER (WHERE job_entry) AS job_entries,
       cell_key(sum(record_key)) AS clients_key,
       cell_key(sum(record_key) FILTER (WHERE job_entry)) AS job_entries_key
FROM client_outcomes WHERE in_denominator AND meeting_band IS NULL
UNION ALL
SELECT b.ord, b.label AS meeting_band,
       count(o.client_id) AS clients,
       count(o.client_id) FILTER (WHERE o.job_entry) AS job_entries,
       cell_key(sum(o.record_key)) AS clients_key,
       cell_key(sum(o.record_key) FILTER (WHERE o.job_entry)) AS job_entries_key
FROM meeting_bands b
LEFT JOIN client_outcomes o ON o.meeting_band = b.label AND o.in_denominator
GROUP BY b.ord, b.label;
