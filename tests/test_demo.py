"""The synthetic demo: deterministic, shaped like the standard, near the published targets,
and with exactly the injected faults it declares (checked by a small independent checker)."""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from pathlib import Path

import polars as pl
import pytest

from ipseval import demo, schema

CUT = date(2022, 3, 31)


@cache
def clean_demo() -> dict[str, pl.DataFrame]:
    return demo.generate_demo(clean=True)


@cache
def dirty_demo() -> dict[str, pl.DataFrame]:
    return demo.generate_demo()


# --------------------------------------------------------------------------- an independent checker
def _date(col: str) -> pl.Expr:
    s = pl.col(col).str.strip_chars()
    return pl.coalesce(s.str.to_date("%Y-%m-%d", strict=False), s.str.to_date("%d/%m/%Y", strict=False))


def find_problems(tables: dict[str, pl.DataFrame]) -> set[tuple[str, int, str, str]]:
    """(table, CSV row, column, kind) for every fault the data standard describes."""
    found: set[tuple[str, int, str, str]] = set()
    bools = sorted(schema.BOOL_TRUE | schema.BOOL_FALSE)

    def add(table: str, df: pl.DataFrame, mask: pl.Expr, column: str, kind: str) -> None:
        rows = df.with_row_index("i").filter(mask)["i"].to_list()
        found.update((table, i + 2, column, kind) for i in rows)

    for name, df in tables.items():
        for col in schema.TABLES[name].columns:
            c, present = col.name, pl.col(col.name).is_not_null()
            if col.type == "date":
                add(name, df, present & _date(c).is_null(), c, "invalid_date")
                add(name, df, _date(c) > CUT, c, "after_cut")
            elif col.type == "code" and col.codes:
                norm = pl.col(c).str.strip_chars().str.to_lowercase()
                add(name, df, present & ~norm.is_in(list(col.codes)), c, "invalid_code")
            elif col.type == "bool":
                norm = pl.col(c).str.strip_chars().str.to_lowercase()
                add(name, df, present & ~norm.is_in(bools), c, "invalid_bool")
            elif col.type in ("integer", "number"):
                x = pl.col(c).cast(pl.Float64, strict=False)
                bad = x.is_null()
                if col.minimum is not None:
                    bad = bad | (x < col.minimum)
                if col.maximum is not None:
                    bad = bad | (x > col.maximum)
                add(name, df, present & bad, c, "out_of_range")
    clients = tables["clients"]
    add(
        "clients",
        clients,
        pl.col("client_id").is_duplicated() & (pl.int_range(pl.len()).over("client_id") > 0),
        "client_id",
        "duplicate_id",
    )
    add(
        "clients",
        clients,
        _date("engagement_date") > _date("discharge_date"),
        "engagement_date",
        "engagement_after_discharge",
    )
    referral = clients.select("client_id", _date("referral_date").alias("referral")).unique(
        "client_id", keep="first"
    )
    for name in schema.CLIENT_LINKED:
        add(
            name,
            tables[name],
            ~pl.col("client_id").is_in(clients["client_id"].implode()),
            "client_id",
            "unknown_client",
        )
    for name, col in (("meetings", "meeting_date"), ("jobs", "start_date")):
        df = tables[name].join(referral, on="client_id", how="left", maintain_order="left")
        add(name, df, _date(col) < pl.col("referral"), col, "before_referral")
    add("jobs", tables["jobs"], _date("end_date") < _date("start_date"), "end_date", "end_before_start")
    return found


# --------------------------------------------------------------------------- shape and determinism
def test_every_table_but_comparison_in_schema_order_as_text():
    tables = dirty_demo()
    assert list(tables) == [t for t in schema.TABLES if t != "comparison"]
    for name, df in tables.items():
        assert df.columns == schema.TABLES[name].column_names, name
        assert all(dtype == pl.Utf8 for dtype in df.dtypes), name
        assert df.height > 0, name


def test_same_seed_gives_identical_csv_bytes(tmp_path: Path):
    a = demo.write_demo(tmp_path / "a", interviews=False)
    b = demo.write_demo(tmp_path / "b", interviews=False)
    assert a == b
    for name in a:
        assert (tmp_path / "a" / f"{name}.csv").read_bytes() == (tmp_path / "b" / f"{name}.csv").read_bytes()


def test_different_seed_gives_different_data():
    other = demo.generate_demo(seed=7, clean=True)
    assert not other["clients"].equals(clean_demo()["clients"])
    assert not other["meetings"].equals(clean_demo()["meetings"])


def test_write_demo_writes_csv_with_header_rows_and_interviews(tmp_path: Path):
    counts = demo.write_demo(tmp_path, n_clients=150, seed=3)
    for name, rows in counts.items():
        text = (tmp_path / f"{name}.csv").read_text(encoding="utf-8")
        assert text.splitlines()[0] == ",".join(schema.TABLES[name].column_names)
        back = pl.read_csv(tmp_path / f"{name}.csv", infer_schema=False)
        assert back.height == rows
    copied = sorted(p.name for p in (tmp_path / "interviews").iterdir())
    assert copied == sorted(p.name for p in demo.interview_files())


def test_no_date_after_the_data_cut_and_demo_runs_to_it():
    tables = clean_demo()
    latest = []
    for name, df in tables.items():
        for col in schema.TABLES[name].columns:
            if col.type == "date":
                latest.append(df.select(_date(col.name).max()).item())
    assert max(d for d in latest if d is not None) == CUT


# --------------------------------------------------------------------------- faults
def test_clean_demo_has_no_problem_of_any_kind():
    assert find_problems(clean_demo()) == set()
    assert demo.generate_demo(clean=True)["clients"]["sex"].drop_nulls().is_in(list(schema.SEXES)).all()


def test_dirty_demo_has_exactly_the_injected_problems():
    expected = {(p["table"], p["row"], p["column"], p["kind"]) for p in demo.INJECTED_PROBLEMS}
    assert 10 <= len(expected) <= 15
    assert find_problems(dirty_demo()) == expected


def test_injected_problem_rows_hold_the_recorded_values():
    tables = dirty_demo()
    for p in demo.INJECTED_PROBLEMS:
        assert tables[p["table"]][p["row"] - 2, p["column"]] == p["value"], p


def test_valid_variants_are_present_and_not_problems():
    tables = dirty_demo()
    variants = demo.valid_variants()
    kinds = {v["column"] for v in variants}
    assert {"referral_date", "sex", "main_substance", "meeting_date", "mode"} <= kinds
    assert any(re.fullmatch(r"\d\d/\d\d/\d{4}", v["value"]) for v in variants)
    assert any(v["value"] != v["value"].strip() for v in variants)
    for v in variants:
        assert tables[v["table"]][v["row"] - 2, v["column"]] == v["value"]


@pytest.mark.parametrize("seed", [1, 11])
def test_injection_is_exact_for_other_seeds_and_sizes(seed: int):
    tables = demo.generate_demo(300, seed=seed)
    expected = {(p["table"], p["row"], p["column"], p["kind"]) for p in demo.injected_problems(300, seed)}
    assert find_problems(tables) == expected
    assert find_problems(demo.generate_demo(300, seed=seed, clean=True)) == set()


# --------------------------------------------------------------------------- targets (718 clients)
@cache
def outcomes() -> pl.DataFrame:
    t = clean_demo()
    clients = t["clients"].with_columns(_date("engagement_date").alias("engaged"))
    jobs = t["jobs"].with_columns(
        _date("start_date").alias("start"),
        _date("end_date").alias("end"),
        pl.col("hours_per_week").cast(pl.Float64),
    )
    first = jobs.sort("client_id", "start").unique("client_id", keep="first", maintain_order=True)
    cohort = clients.filter(pl.col("engaged").is_not_null() & (pl.col("employed_at_referral") != "yes"))
    return cohort.join(
        first.select("client_id", "start", "end", "hours_per_week"), on="client_id", how="left"
    )


def test_job_entry_overall_and_spread_across_boroughs():
    df = outcomes()
    assert 0.25 <= df["start"].is_not_null().mean() <= 0.35
    by_area = df.group_by("local_authority").agg(pl.col("start").is_not_null().mean().alias("rate"))
    assert by_area["rate"].min() < 0.22
    assert by_area["rate"].max() > 0.33


def test_strongly_integrated_boroughs_refer_more_and_place_more():
    df = outcomes().join(clean_demo()["areas"], on="local_authority")
    by = df.group_by("integration_strength").agg(
        pl.len().alias("n"), pl.col("start").is_not_null().mean().alias("rate")
    )
    by = dict(zip(by["integration_strength"], zip(by["n"], by["rate"], strict=True), strict=True))
    assert by["strong"][0] > by["weak"][0] and by["strong"][1] > by["weak"][1]


def test_hours_sustainment_and_timing_of_first_jobs():
    jobs = outcomes().filter(pl.col("start").is_not_null())
    hours = jobs["hours_per_week"].drop_nulls()
    assert 0.65 <= (hours >= 16).mean() <= 0.85
    due = jobs.filter(pl.col("start") <= pl.lit(CUT) - pl.duration(days=91))
    sustained = due.select(
        (pl.col("end").is_null() | ((pl.col("end") - pl.col("start")).dt.total_days() >= 91)).mean()
    )
    assert 0.40 <= sustained.item() <= 0.56
    within_9_months = jobs.select(
        ((pl.col("start") - pl.col("engaged")).dt.total_days() <= 274).mean()
    ).item()
    assert within_9_months > 0.6


def test_client_mix_is_plausible():
    c = clean_demo()["clients"]
    assert 0.75 <= (c["benefits"] == "out_of_work").mean() <= 0.85
    assert 0.80 <= c["engagement_date"].is_not_null().mean() <= 0.92
    assert 0.03 <= (c["employed_at_referral"] == "yes").mean() <= 0.08
    assert 35 <= c["age"].cast(pl.Int64).median() <= 45
    assert 0.55 <= (c["sex"] == "male").mean() <= 0.72
    assert 0.35 <= (c["criminal_conviction"] == "yes").mean() <= 0.55
    assert c["local_authority"].n_unique() == 8
    for col in ("ethnicity", "housing_tenure", "work_confidence"):
        assert 0 < c[col].null_count() < 0.1 * c.height, col
    assert set(c["employment_specialist_id"]) <= set(clean_demo()["staff"]["employment_specialist_id"])


def test_meetings_spread_over_bands_and_follow_job_starts():
    t = clean_demo()
    meetings = t["meetings"].with_columns(_date("meeting_date").alias("day"))
    attended = meetings.filter(pl.col("attended") == "yes").group_by("client_id").len()
    engaged = outcomes().select("client_id", "start").join(attended, on="client_id", how="left").fill_null(0)
    bands = engaged["len"].cut([4, 9, 19], labels=["1-4", "5-9", "10-19", "20+"]).value_counts()
    assert bands.height == 4 and bands["count"].min() >= 0.1 * engaged.height
    assert 8 <= engaged["len"].median() <= 14
    # in-work support: most people who started a job have meetings after it
    after = meetings.join(engaged.filter(pl.col("start").is_not_null()), on="client_id").filter(
        pl.col("day") >= pl.col("start")
    )
    holders = engaged.filter(pl.col("start").is_not_null()).height
    assert after["client_id"].n_unique() > 0.7 * holders
    assert 0.05 <= (meetings["attended"] == "no").mean() <= 0.15


def test_meetings_per_client_can_be_set():
    t = demo.generate_demo(3000, seed=5, clean=True, meetings_per_client=25)
    assert 24 <= t["meetings"].height / 3000 <= 26
    assert t["clients"].equals(demo.generate_demo(3000, seed=5, clean=True)["clients"])


def test_wellbeing_fidelity_staff_contacts():
    t = clean_demo()
    w = t["wellbeing"]
    assert set(w["instrument"]) == {"TOP", "SURE"}
    assert (
        w.group_by("client_id", "instrument")
        .agg(pl.col("assessment_date").n_unique())
        .filter(pl.col("assessment_date") == 2)
        .height
        > 50
    )
    f = t["fidelity"].with_columns(pl.col("score").cast(pl.Int64))
    totals = f.group_by("team", "review_date").agg(pl.col("score").sum(), pl.len())
    assert (totals["len"] == 25).all() and totals["score"].is_between(60, 115).all()
    assert set(f["team"]) == set(t["areas"]["local_authority"])
    staff = t["staff"].with_columns(pl.col("fte").cast(pl.Float64))
    assert staff.group_by("local_authority").len()["len"].min() >= 2
    assert staff["fte"].is_between(0.5, 1.0).all()
    contacts = t["employer_contacts"]
    assert 0.5 <= (contacts["face_to_face"] == "yes").mean() <= 0.7
    assert set(t["areas"]["integration_strength"]) == set(schema.INTEGRATION_STRENGTHS)


# --------------------------------------------------------------------------- interviews
ROLES = {"client", "ips_staff", "treatment_staff", "commissioner", "employer"}


def test_transcripts_have_front_matter_and_turns():
    files = demo.interview_files()
    assert len(files) >= 16
    roles = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        front = re.match(r"---\nrole: (\w+)\narea: ([^\n]+)\n---\n", text)
        assert front, path.name
        roles.append(front.group(1))
        assert front.group(1) in ROLES and front.group(2) in {a.name for a in demo.AREAS}, path.name
        turns = [line for line in text[front.end() :].splitlines() if line.strip()]
        assert all(re.match(r"^[A-Z][a-z]+: \S", line) for line in turns), path.name
        assert 15 <= len(turns) <= 40, path.name
    assert (
        roles.count("client") >= 6 and roles.count("ips_staff") >= 5 and roles.count("treatment_staff") >= 3
    )
    assert roles.count("commissioner") >= 1 and roles.count("employer") >= 1
