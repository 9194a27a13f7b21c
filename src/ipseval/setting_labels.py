"""Plain names for the settings, for every page a person reads (the dashboard's settings page, the
report): the settings file's keys (``definitions.job_start_min_hours``) appear only in the methods
appendix and the settings reference, next to their meaning.

Choices that are codes (``impact.se = "cluster_t"``) get plain names too, in :data:`CHOICES`.
"""

from __future__ import annotations

SETTING_LABELS: dict[str, str] = {
    "service_name": "Name of the service",
    # definitions
    "definitions.data_cut": "Date the data were extracted",
    "definitions.job_start_min_hours": "Fewest weekly hours for a job to count",
    "definitions.hours_threshold": "Weekly hours that count as a longer job",
    "definitions.sustainment_weeks": "Weeks a job must last to count as sustained",
    "definitions.job_entry_window_months": "Months after engagement for the headline job entry share",
    "definitions.share_in_work_months": "Months after engagement at which the share in work is reported",
    "definitions.meeting_bands": "Bands of meetings attended",
    "definitions.model_controls": "Client factors the impact models allow for",
    "definitions.missing_employed_at_referral": "A blank 'in work when referred'",
    "definitions.full_time_hours": "Weekly hours of a full-time post (FTE from contracted hours)",
    # input
    "input.date_order": "Order of day, month and year in dates",
    "input.date_orders": "Order of day, month and year, per table",
    "input.fill_down": "Columns written once per group (filled down)",
    "input.separator": "What separates the columns of a CSV file",
    "input.two_digit_years": "Century of two-digit years in dates",
    "input.match_client_ids": "Client ids written differently in other tables",
    "input.max_file_mb": "Largest file read (MB)",
    "input.max_line_kb": "Longest line of a file (KB)",
    "input.max_cell_chars": "Longest cell (characters)",
    "input.max_rejected_share": "Share of rejected rows that triggers a warning",
    # disclosure
    "disclosure.policy": "Disclosure control policy",
    "disclosure.threshold": "Largest count that is hidden",
    "disclosure.rounding_base": "Rounding base (NHS policy)",
    "disclosure.hide_whole_group": "Hide an answer everyone in a group shares",
    "disclosure.ckm_max_perturbation": "Filtered views: largest change to a count",
    "disclosure.ckm_variance": "Filtered views: variance of the change to a count",
    "disclosure.ckm_small_counts": "Filtered views: small counts never shown",
    "disclosure.ckm_min_statistic_n": "Filtered views: fewest people behind an average or estimate",
    "disclosure.ckm_statistic_digits": "Filtered views: significant figures of averages and estimates",
    "disclosure.ckm_min_model_clients": "Filtered views: fewest people in a model",
    # impact
    "impact.enabled": "Run the impact analyses",
    "impact.imputations": "Imputations of missing client factors",
    "impact.imputation_cycles": "Cycles of the chained equations per imputation",
    "impact.se": "Standard errors of the impact models",
    "impact.bootstrap_reps": "Bootstrap replications",
    "impact.period_days": "Days in a period of the primary analysis",
    "impact.landmark_weeks": "Weeks after engagement of the landmark check",
    "impact.seed": "Random seed",
    "impact.match_tie_tolerance": "Matching: tolerance for tied comparison people",
    # mapping
    "mapping": "Local names of files, columns and codes",
    "mapping.columns": "Local column names",
    "mapping.codes": "Local codes",
    "mapping.tables": "Local file or sheet names",
    "mapping.fixed": "Columns a file lacks, the same on every row",
    "mapping.wide": "Files with one column per measure or item",
    # wellbeing
    "wellbeing.baseline_days_before": "Baseline: most days before engagement",
    "wellbeing.baseline_days_after": "Baseline: most days after engagement",
    "wellbeing.follow_up_months": "Follow-up: months after engagement",
    "wellbeing.follow_up_window_days": "Follow-up: days either side",
    "wellbeing.min_pairs": "Fewest clients for a change to be tested",
    "wellbeing.measures_file": "File describing other questionnaires",
    # qualitative
    "qualitative.names": "Names removed from quotes",
    "qualitative.max_segment_words": "Longest segment of an interview (words)",
    "qualitative.codebook": "Codebook file",
    "qualitative.method": "How codes are suggested",
    "qualitative.top_k": "Most codes suggested for a segment",
    "qualitative.min_score": "Lowest score of a suggested code",
    "qualitative.coding_sheet": "Reviewed coding sheet",
    # benchmarks
    "benchmarks.job_entry_rate": "Job entry benchmark",
    "benchmarks.job_entry_rate_source": "Source of the job entry benchmark",
    "benchmarks.sustained_13_weeks": "Benchmark for jobs lasting 13 weeks",
    "benchmarks.sustained_13_weeks_source": "Source of the 13-week benchmark",
    "benchmarks.fidelity_exemplary_from": "Fidelity: lowest total that is exemplary",
    "benchmarks.fidelity_good_from": "Fidelity: lowest total that is good",
    "benchmarks.fidelity_fair_from": "Fidelity: lowest total that is fair",
    "benchmarks.fidelity_bands_source": "Source of the fidelity bands",
    # report
    "report.title": "Report title",
    "report.pdf": "Also write a PDF",
    "report.curve_min_at_risk": "Fewest clients at risk shown on a time-to-job curve",
    "report.covid_start": "Start of the COVID-19 period shaded on charts over time",
    "report.covid_end": "End of the COVID-19 period shaded on charts over time",
    # dashboard
    "dashboard.min_clients_in_view": "Fewest clients in a filtered view",
    "dashboard.viewer_period": "Viewers' referral period filter",
    "dashboard.session_hours": "Hours a login lasts",
    "dashboard.max_upload_mb": "Largest upload (MB)",
    "dashboard.login_attempts": "Failed logins allowed in 15 minutes",
    "dashboard.cached_views": "Filtered views kept in memory",
    "dashboard.allowed_hosts": "Other host names the dashboard answers to",
    "dashboard.trusted_proxies": "Trusted proxies",
}

# Choices of a setting that are codes, in words: setting -> {choice: words}
CHOICES: dict[str, dict[str, str]] = {
    "definitions.missing_employed_at_referral": {
        "not_employed": "Count as not in work",
        "exclude": "Leave the client out of job entry",
    },
    "input.date_order": {
        "auto": "Each file's dates decide (day first when they fit both)",
        "dmy": "Day, month, year (31/12/2020)",
        "mdy": "Month, day, year (12/31/2020)",
        "ymd": "Year, month, day (2020/12/31)",
    },
    "input.date_orders": {
        "input.fill_down": "Columns written once per group (filled down)",
        "auto": "The file's dates decide (the global order when they fit both)",
        "dmy": "Day, month, year (31/12/2020)",
        "mdy": "Month, day, year (12/31/2020)",
        "ymd": "Year, month, day (2020/12/31)",
    },
    "input.separator": {
        "auto": "Found from the first lines",
        ",": "Comma",
        "comma": "Comma",
        ";": "Semicolon",
        "semicolon": "Semicolon",
        "\t": "Tab",
        "tab": "Tab",
        "|": "Vertical bar",
        "pipe": "Vertical bar",
    },
    "input.two_digit_years": {
        "auto": "20yy unless after this year, then 19yy",
        "2000s": "Always 20yy (20 is 2020)",
        "1900s": "Always 19yy (68 is 1968)",
        "refuse": "Not read: each such date is a problem",
    },
    "input.match_client_ids": {
        "auto": "Matched without prefix and leading zeros when most match that way",
        "normalised": "Matched without prefix and leading zeros",
        "exact": "Only as written",
    },
    "disclosure.policy": {
        "ndtms": "NDTMS: small counts hidden",
        "nhs": "NHS: small counts hidden, others rounded",
        "none": "None (internal use only)",
        "ckm": "Cell key method (filtered views only)",
    },
    "impact.se": {
        "cluster_t": "Clustered by area, with t",
        "wild": "Wild cluster bootstrap",
        "robust": "Robust (not clustered)",
    },
    "qualitative.method": {
        "auto": "By meaning when available, else keywords",
        "embedding": "By meaning",
        "keyword": "By keywords",
    },
    "dashboard.viewer_period": {"quarter": "Whole quarters", "month": "Whole months", "day": "Exact dates"},
}


def setting_label(name: str) -> str:
    """'definitions.job_start_min_hours' -> 'Fewest weekly hours for a job to count'."""
    found = SETTING_LABELS.get(name)
    if found:
        return found
    words = name.rsplit(".", 1)[-1].replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def choice_label(name: str, choice: str) -> str:
    """A setting's choice in words ('impact.se', 'wild' -> 'Wild cluster bootstrap'); other
    values as they are."""
    return CHOICES.get(name, {}).get(choice, choice)
