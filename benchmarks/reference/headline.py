"""The demo's headline figures, as an analyst would compute them by hand with pandas, statsmodels
and lifelines from the raw CSV files (the reference `make bench` times ipseval against).

Usage: python benchmarks/reference/headline.py DATA OUT.json [--data-cut YYYY-MM-DD]
       [--merge-no-meetings-up-to N] [--time-to-job km|aj] [--no-model]

Reads clients.csv, meetings.csv and jobs.csv (the IPS evaluation data standard), drops the rows
the standard calls errors (bad dates, codes, yes/no values and ranges, blank required values,
duplicate client ids, dates out of order or after the data cut, rows of unknown or rejected
clients, meetings and jobs before referral), then writes a flat JSON of
{"outcomes.overall.job_entry_rate": ..., "outcomes.local_authority.Ealing.job_entry_ci_low": ...}
whose names are ipseval's result tables, rows and columns (see benchmarks/README.md).

--data-cut: default the ``data_cut`` in the folder's ipseval.toml, else the latest date in the data.
--merge-no-meetings-up-to N: count clients without an attended meeting in the first band when
there are 1 to N of them (ipseval does so under disclosure control: N = the policy's threshold).
--time-to-job: share in work at 3/6/9/12 months as 1 - Kaplan-Meier (km, discharge censored) or
the Aalen-Johansen cumulative incidence with discharge without a job as a competing event (aj).
--no-model: leave out the band logit (outcomes only).
"""

from __future__ import annotations

import argparse
import json
import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from lifelines import KaplanMeierFitter
from scipy import stats

# the definitions (ipseval's defaults)
HOURS_THRESHOLD = 16
WINDOW_MONTHS = 9
HORIZON_WEEKS = 13
MONTHS = (3, 6, 9, 12)
BANDS = (("1-4", 1, 4), ("5-9", 5, 9), ("10-19", 10, 19), ("20+", 20, np.inf))
DAYS_PER_MONTH = 365.25 / 12
Z = 1.959963984540054

BLANKS = ["", "NULL", "null", "Null", "NA", "N/A", "n/a", "na"]
YES, NO = {"yes", "y", "true", "1", "t"}, {"no", "n", "false", "0", "f"}
CODES = {
    "referral_source": "drug_alcohol_service self gp_health criminal_justice jobcentre other unknown",
    "discharge_reason": "support_complete disengaged moved_away declined other unknown",
    "sex": "female male other unknown",
    "ethnicity": "white mixed asian black other unknown",
    "main_substance": "alcohol opiates crack cocaine cannabis other unknown",
    "treatment_status": "in_treatment completed_treatment not_in_treatment unknown",
    "time_since_last_job": "never_worked under_1y 1_to_2y 2_to_5y 5_to_10y over_10y unknown",
    "benefits": "out_of_work in_work none unknown",
    "housing_tenure": "owner social_rent private_rent supported_temporary homeless other unknown",
    "highest_qualification": "none level_1_2 level_3 level_4_plus other unknown",
    "mode": "face_to_face phone video other",
}
# per table: required, dates, yes/no, codes, numbers with their range (integer or not)
RULES = {
    "clients": {
        "required": ["client_id", "local_authority", "referral_date"],
        "dates": ["referral_date", "engagement_date", "discharge_date"],
        "bools": ["employed_at_referral", "gp_visit_recent", "ae_visit_recent", "criminal_conviction"],
        "codes": [c for c in CODES if c != "mode"],
        "numbers": {"age": (16, 99, True), "work_confidence": (0, 10, True)},
    },
    "meetings": {
        "required": ["client_id", "meeting_date"],
        "dates": ["meeting_date"],
        "bools": ["attended"],
        "codes": ["mode"],
        "numbers": {},
    },
    "jobs": {
        "required": ["client_id", "start_date"],
        "dates": ["start_date", "end_date"],
        "bools": ["self_employed"],
        "codes": [],
        "numbers": {"hours_per_week": (0, 80, False)},
    },
}


# ---------------------------------------------------------------- reading and cleaning


def read(folder: Path, table: str) -> pd.DataFrame:
    """A CSV as text: names lower case, values trimmed, blank words as missing."""
    df = pd.read_csv(
        folder / f"{table}.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig", na_values=BLANKS
    )
    df.columns = df.columns.str.strip().str.lower()
    df = df.apply(lambda s: s.str.strip())
    return df.mask(df.isin(BLANKS))


def parse_dates(s: pd.Series) -> pd.Series:
    """YYYY-MM-DD, else DD/MM/YYYY."""
    iso = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    return iso.fillna(pd.to_datetime(s, format="%d/%m/%Y", errors="coerce"))


def typed(df: pd.DataFrame, table: str, cut: pd.Timestamp) -> tuple[pd.DataFrame, pd.Series]:
    """The table with its columns converted, and which rows have an error."""
    rules, bad = RULES[table], df[RULES[table]["required"]].isna().any(axis=1)
    for c in rules["dates"]:
        d = parse_dates(df[c])
        bad |= (df[c].notna() & d.isna()) | (d > cut) | (d < "1900-01-01")
        df[c] = d
    for c in rules["bools"]:
        low = df[c].str.lower()
        bad |= low.notna() & ~low.isin(YES | NO)
        df[c] = low.map(dict.fromkeys(YES, True) | dict.fromkeys(NO, False))
    for c in rules["codes"]:
        bad |= df[c].notna() & ~df[c].str.lower().isin(CODES[c].split())
    for c, (low, high, whole) in rules["numbers"].items():
        x = pd.to_numeric(df[c], errors="coerce")
        bad |= (df[c].notna() & x.isna()) | (x < low) | (x > high) | (whole & (x % 1 > 0))
        df[c] = x
    return df, bad


def clean_clients(folder: Path, cut: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Usable clients, and a lookup of every client id's first row (whether usable, referral date)."""
    df, bad = typed(read(folder, "clients"), "clients", cut)
    ref, eng, dis = df["referral_date"], df["engagement_date"], df["discharge_date"]
    bad |= (eng < ref) | (dis < ref) | (eng > dis)
    bad |= df["client_id"].notna() & df["client_id"].duplicated()
    df["ok"] = ~bad
    lookup = df.dropna(subset=["client_id"]).drop_duplicates("client_id")
    return df[~bad], lookup.set_index("client_id")[["ok", "referral_date"]]


def clean_linked(folder: Path, table: str, event: str, lookup, cut) -> pd.DataFrame:
    """Meetings or jobs of usable clients, on or after the client's referral."""
    df, bad = typed(read(folder, table), table, cut)
    if table == "jobs":
        bad |= df["end_date"] < df["start_date"]
    client = lookup.reindex(df["client_id"])
    ok = client["ok"].eq(True).to_numpy()
    bad |= ~ok | (df[event] < client["referral_date"].to_numpy())
    return df[~bad]


def data_cut(folder: Path, given: str | None) -> pd.Timestamp:
    """The data cut: given, else the settings file's, else the latest date in the data."""
    if given:
        return pd.Timestamp(given)
    toml = folder / "ipseval.toml"
    found = (
        re.search(r"^\s*data_cut\s*=\s*(\d{4}-\d{2}-\d{2})", toml.read_text(), re.M)
        if toml.exists()
        else None
    )
    if found:
        return pd.Timestamp(found.group(1))
    today = pd.Timestamp(date.today())
    dates = [parse_dates(read(folder, t)[c]) for t in RULES for c in RULES[t]["dates"]]
    return max(d[d <= today].max() for d in dates)


# ---------------------------------------------------------------- one row per client


def first_jobs(jobs: pd.DataFrame, cut: pd.Timestamp) -> pd.DataFrame:
    """Per client: the first job start (earliest; then longest lasting, most hours) and job starts."""
    jobs = jobs[jobs["start_date"] <= cut].assign(
        _end=jobs["end_date"].fillna(pd.Timestamp.max), _hours=jobs["hours_per_week"].fillna(-np.inf)
    )
    ordered = jobs.sort_values(
        ["client_id", "start_date", "_end", "_hours"], ascending=[True, True, False, False]
    )
    first = ordered.drop_duplicates("client_id").set_index("client_id")
    first = first[["start_date", "end_date", "hours_per_week"]]
    first.columns = ["first_start", "first_end", "first_hours"]
    return first.assign(job_starts=jobs.groupby("client_id").size())


def client_facts(clients, meetings, jobs, cut: pd.Timestamp) -> pd.DataFrame:
    """The facts every figure is built from: denominator, job entry, meetings, band, follow-up."""
    attended = meetings[meetings["attended"].ne(False) & (meetings["meeting_date"] <= cut)]
    df = clients.set_index("client_id").join(first_jobs(jobs, cut))
    df["meetings"] = attended.groupby("client_id").size().reindex(df.index, fill_value=0)
    df["engaged"] = df["engagement_date"].notna()
    df["in_denominator"] = df["engaged"] & (df["employed_at_referral"] != True)  # noqa: E712 (blank = not in work)
    df["job_entry"] = df["in_denominator"] & df["first_start"].notna()
    window_end = df["engagement_date"] + pd.DateOffset(months=WINDOW_MONTHS)
    df["within_window"] = df["job_entry"] & (df["first_start"] <= window_end)
    df["band"] = pd.cut(df["meetings"], [b[1] - 0.5 for b in BANDS] + [np.inf], labels=[b[0] for b in BANDS])
    df["follow_up_end"] = df["discharge_date"].fillna(cut).clip(upper=cut)
    return df


# ---------------------------------------------------------------- figures


def wilson(x, n) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score 95% interval (exactly 0 at x = 0 and 1 at x = n; none at n = 0)."""
    x, n = np.asarray(x, float), np.asarray(n, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        centre, half = p + Z**2 / (2 * n), Z * np.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
        low, high = (centre - half) / (1 + Z**2 / n), (centre + half) / (1 + Z**2 / n)
    low, high = np.where(x <= 0, 0.0, low), np.where(x >= n, 1.0, high)
    return np.where(n > 0, low, np.nan), np.where(n > 0, high, np.nan)


def outcome_row(g: pd.DataFrame) -> dict:
    """Job entry, 16+ hours, the 9-month share and meetings for one group of clients."""
    den, entry, eng = g["in_denominator"], g["job_entry"], g["engaged"]
    hours = g.loc[entry, "first_hours"]
    row = {
        "referrals": len(g), "engaged": int(eng.sum()), "denominator": int(den.sum()),
        "job_entries": int(entry.sum()), "first_jobs_hours_known": int(hours.notna().sum()),
        "first_jobs_16plus": int((hours >= HOURS_THRESHOLD).sum()),
        "entries_within_window": int(g["within_window"].sum()),
        "meetings_per_engaged_client": g.loc[eng, "meetings"].mean(),
        "median_meetings": g.loc[eng, "meetings"].median(),
    }  # fmt: skip
    return row


def with_rates(df: pd.DataFrame, rates: dict[str, tuple[str, str, bool]]) -> pd.DataFrame:
    """Add each rate x / n, with its Wilson interval when asked."""
    for name, (x, n, interval) in rates.items():
        df[name] = df[x] / df[n].where(df[n] > 0)
        if interval:
            prefix = name.removesuffix("_rate")
            df[f"{prefix}_ci_low"], df[f"{prefix}_ci_high"] = wilson(df[x], df[n])
    return df


def outcomes(facts: pd.DataFrame) -> pd.DataFrame:
    """Overall and by area."""
    rows = {"overall": outcome_row(facts)}
    rows |= {f"local_authority.{a}": outcome_row(g) for a, g in facts.groupby("local_authority")}
    rates = {
        "job_entry_rate": ("job_entries", "denominator", True),
        "share_16plus": ("first_jobs_16plus", "first_jobs_hours_known", True),
        "share_within_window": ("entries_within_window", "job_entries", False),
    }
    return with_rates(pd.DataFrame.from_dict(rows, orient="index"), rates)


def sustainment(facts: pd.DataFrame, cut: pd.Timestamp) -> dict:
    """First jobs lasting 13 weeks, jobs started less than 13 weeks before the cut left out."""
    entrants = facts[facts["job_entry"]]
    lasted = (entrants["first_end"].fillna(cut) - entrants["first_start"]).dt.days
    not_yet_due = (cut - entrants["first_start"]).dt.days < 7 * HORIZON_WEEKS
    sustained = ~not_yet_due & (lasted >= 7 * HORIZON_WEEKS)
    row = pd.DataFrame(
        [
            {
                "first_jobs": len(entrants),
                "not_yet_due": int(not_yet_due.sum()),
                "sustained": int(sustained.sum()),
            }
        ]
    )
    row["due"] = row["first_jobs"] - row["not_yet_due"]
    return with_rates(row, {"sustained_rate": ("sustained", "due", True)}).to_dict(orient="records")[0]


def banded(facts: pd.DataFrame, merge_up_to: int) -> tuple[pd.DataFrame, list[str]]:
    """The denominator with its meeting band; without meetings: own band, or in the first band."""
    den = facts[facts["in_denominator"]].copy()
    labels = [b[0] for b in BANDS]
    without = int(den["band"].isna().sum())
    if 1 <= without <= merge_up_to:
        merged = f"0-{BANDS[0][2]}"
        den["band"] = den["band"].cat.rename_categories({labels[0]: merged}).fillna(merged)
        return den, [merged, *labels[1:]]
    den["band"] = den["band"].cat.add_categories("No meetings").fillna("No meetings")
    return den, ["No meetings", *labels]


def band_table(den: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    df = den.groupby("band", observed=False)["job_entry"].agg(clients="size", job_entries="sum")
    df = df.reindex(order).astype(int)
    return with_rates(df, {"job_entry_rate": ("job_entries", "clients", True)})


def band_logit(den: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Logit of job entry on meeting band, CR1 errors clustered by area, t with G - 1 df."""
    data = den[den["band"] != "No meetings"].assign(y=lambda d: d["job_entry"].astype(int))
    data["band"] = data["band"].astype(str)
    reference = next(b for b in order if b != "No meetings" and (data["band"] == b).any())
    areas = data["local_authority"].astype("category").cat.codes
    fit = smf.logit(f"y ~ C(band, Treatment('{reference}'))", data).fit(
        disp=0, cov_type="cluster", cov_kwds={"groups": areas}
    )
    df_t = areas.nunique() - 1
    crit = stats.t.ppf(0.975, df_t)
    out = pd.DataFrame({"estimate": fit.params, "std_error": fit.bse})
    out.index = [re.sub(r".*\[T\.(.*)\]$", r"\1", i) for i in out.index]
    out["ci_low"] = out["estimate"] - crit * out["std_error"]
    out["ci_high"] = out["estimate"] + crit * out["std_error"]
    out["p_value"] = 2 * stats.t.sf(np.abs(out["estimate"] / out["std_error"]), df_t)
    out["odds_ratio"], out["or_ci_low"], out["or_ci_high"] = (
        np.exp(out[c]) for c in ("estimate", "ci_low", "ci_high")
    )
    return out.drop(index="Intercept")


# ---------------------------------------------------------------- time to first job


def time_to_job_frame(facts: pd.DataFrame) -> pd.DataFrame:
    """Per client in the denominator: days from engagement to first job or end of follow-up, and
    how follow-up ended (1 job, 2 discharged without a job, 0 still on the caseload)."""
    den = facts[facts["in_denominator"]]
    end = den["first_start"].where(den["job_entry"], den["follow_up_end"])
    days = (end - den["engagement_date"]).dt.days.clip(lower=0)
    discharged = den["discharge_date"].notna() & (den["discharge_date"] <= den["follow_up_end"])
    status = np.where(den["job_entry"], 1, np.where(discharged, 2, 0))
    return pd.DataFrame({"days": days.to_numpy(float), "status": status})


def kaplan_meier_in_work(t2j: pd.DataFrame, times: np.ndarray) -> np.ndarray:
    """1 - Kaplan-Meier at each time (discharge without a job censored)."""
    kmf = KaplanMeierFitter().fit(t2j["days"], t2j["status"] == 1)
    return 1.0 - kmf.survival_function_at_times(times).to_numpy()


def aalen_johansen_in_work(t2j: pd.DataFrame, times: np.ndarray) -> np.ndarray:
    """Cumulative incidence of a first job, discharge without one competing (Aalen-Johansen).
    Written out: lifelines' AalenJohansenFitter jitters tied times, which moves the estimate."""
    counts = pd.crosstab(t2j["days"], t2j["status"]).reindex(columns=[0, 1, 2], fill_value=0)
    at_risk = len(t2j) - counts.sum(axis=1).cumsum().shift(fill_value=0)
    jobs, exits = counts[1] / at_risk, (counts[1] + counts[2]) / at_risk
    still_out_before = (1 - exits).cumprod().shift(fill_value=1.0)
    cif = (still_out_before * jobs).cumsum()
    idx = np.searchsorted(cif.index.to_numpy(float), times, side="right") - 1
    return np.where(idx >= 0, cif.to_numpy()[np.maximum(idx, 0)], 0.0)


def time_to_job_at(facts: pd.DataFrame, method: str) -> pd.DataFrame:
    t2j = time_to_job_frame(facts)
    times = np.array(MONTHS) * DAYS_PER_MONTH
    estimate = kaplan_meier_in_work if method == "km" else aalen_johansen_in_work
    days, job = t2j["days"].to_numpy(), (t2j["status"] == 1).to_numpy()
    return pd.DataFrame(
        {
            "at_risk": [int((days >= t).sum()) for t in times],
            "job_entries_by_then": [int(((days <= t) & job).sum()) for t in times],
            "in_work": estimate(t2j, times),
        },
        index=list(MONTHS),
    )


# ---------------------------------------------------------------- output


def flat(prefix: str, df: pd.DataFrame) -> dict:
    """{"prefix.row.column": value} for every cell."""
    rows = df.to_dict(orient="index")
    return {f"{prefix}.{name}.{c}": value(v) for name, row in rows.items() for c, v in row.items()}


def value(v):
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    return int(v) if isinstance(v, (np.integer, int)) else float(v)


def headline(folder: Path, cut: pd.Timestamp, merge_up_to: int, method: str, model: bool) -> dict:
    clients, lookup = clean_clients(folder, cut)
    meetings = clean_linked(folder, "meetings", "meeting_date", lookup, cut)
    jobs = clean_linked(folder, "jobs", "start_date", lookup, cut)
    facts = client_facts(clients, meetings, jobs, cut)
    den, order = banded(facts, merge_up_to)
    figures = flat("outcomes", outcomes(facts))
    figures |= {
        f"sustainment.overall.{HORIZON_WEEKS}.{k}": value(v) for k, v in sustainment(facts, cut).items()
    }
    figures |= flat("job_entry_by_meeting_band", band_table(den, order))
    figures |= flat("time_to_job_at.overall", time_to_job_at(facts, method))
    if model:
        figures |= flat("impact_published_unadjusted.meeting_band", band_logit(den, order))
    return figures


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--data-cut")
    ap.add_argument("--merge-no-meetings-up-to", type=int, default=0)
    ap.add_argument("--time-to-job", choices=("km", "aj"), default="km")
    ap.add_argument("--no-model", action="store_true")
    a = ap.parse_args()
    cut = data_cut(a.data, a.data_cut)
    figures = headline(a.data, cut, a.merge_no_meetings_up_to, a.time_to_job, not a.no_model)
    a.out.write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
