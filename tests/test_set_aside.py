"""An optional table that cannot be read is set aside, named, and the rest of the data set is still
read, checked and evaluated; a required table (clients) that cannot be read still stops the run."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

import ipseval
from ipseval.cli import app
from ipseval.ingest import InputError
from ipseval.settings import Settings
from ipseval.validate_summary import SET_ASIDE_EXPECTED

runner = CliRunner()


@pytest.fixture(scope="module")
def broken_fidelity(tmp_path_factory) -> Path:
    """The 60-client demo whose fidelity.csv has 'Rating' where the score column should be."""
    from ipseval.demo import write_demo

    data = tmp_path_factory.mktemp("aside") / "data"
    write_demo(data, n_clients=60, seed=1)
    rows = list(csv.reader((data / "fidelity.csv").open(encoding="utf-8")))
    rows[0] = ["team", "review_date", "item", "Rating", "reviewer"]
    with (data / "fidelity.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return data


def test_the_python_api_reads_the_other_tables_and_names_the_one_set_aside(broken_fidelity: Path) -> None:
    ds = ipseval.read(broken_fidelity)
    assert [(s.table, s.file) for s in ds.set_aside] == [("fidelity", "fidelity.csv")]
    assert "required column 'score' is missing" in ds.set_aside[0].reason
    assert "fidelity" not in ds.tables and {"clients", "meetings", "jobs", "wellbeing"} <= set(ds.tables)
    assert "fidelity" not in ds.row_counts["table"].to_list()
    named = ds.problems.filter(pl.col("expected") == SET_ASIDE_EXPECTED).row(0, named=True)
    assert (named["severity"], named["file"], named["table"], named["row"]) == (
        "error",
        "fidelity.csv",
        "fidelity",
        None,
    )
    assert named["message"].startswith(
        "required column 'score' is missing (found: team, review_date, item, Rating"
    )
    assert ds.exit_code == 1
    alert = ds.rejected_alerts[0]
    assert alert.startswith(
        "The fidelity table was set aside, so the analyses that need it did not run: fidelity.csv"
    )


def test_validate_on_the_command_line_exits_1_not_2_and_says_what_was_set_aside(
    broken_fidelity: Path,
) -> None:
    r = runner.invoke(app, ["validate", str(broken_fidelity)])
    assert r.exit_code == 1, r.output
    assert "Traceback" not in r.output
    assert "The fidelity table was set aside" in " ".join(r.stdout.split())


def test_evaluate_runs_and_the_fidelity_analyses_say_why_not(broken_fidelity: Path, tmp_path: Path) -> None:
    r = runner.invoke(app, ["evaluate", str(broken_fidelity), "-o", str(tmp_path / "cli"), "--no-impact"])
    assert r.exit_code == 1, r.output
    status = {
        a["analysis"]: a
        for a in json.loads((tmp_path / "cli" / "results.json").read_text())["tables"]["analyses"]["rows"]
    }
    assert status["fidelity"]["status"] == "not run"
    assert status["fidelity"]["reason"] == (
        "It needs the fidelity table, which could not be read and was set aside: fidelity.csv: required "
        "column 'score' is missing."
    )
    assert status["outcomes"]["status"] == "run"
    # the same through the Python API
    settings = Settings.model_validate({"impact": {"enabled": False}})
    run = ipseval.evaluate(broken_fidelity, tmp_path / "api", settings=settings)
    rows = run.evaluation.tables["analyses"].data.filter(pl.col("analysis") == "fidelity")
    assert rows["status"].to_list() == ["not run"] and "set aside" in rows["reason"][0]


def test_a_fidelity_sheet_of_a_workbook_is_set_aside_too(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "clients"
    for r in (["client_id", "local_authority", "referral_date"], ["C1", "Hull", "2021-03-01"]):
        book.active.append(r)
    sheet = book.create_sheet("fidelity")
    sheet.append(["Team", "When", "Item", "Score"])
    sheet.append(["Hull IPS", "2021-05-01", 1, 4])
    book.save(tmp_path / "book.xlsx")
    ds = ipseval.read(tmp_path / "book.xlsx", Settings())
    assert [(s.table, s.file) for s in ds.set_aside] == [("fidelity", "book.xlsx › fidelity")]
    assert "'review_date' is missing" in ds.set_aside[0].reason
    assert "[mapping.wide.fidelity]" in ds.set_aside[0].reason  # the way to read a sheet laid out wide
    assert ds.tables["clients"].height == 1


def test_clients_missing_a_required_column_still_stops_with_the_reason(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "clients.csv").write_text("client_id,local_authority\nC1,Hull\n", encoding="utf-8")
    (folder / "fidelity.csv").write_text("team,review_date\nHull,2021-05-01\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"^clients.csv: required column 'referral_date' is missing"):
        ipseval.read(folder, Settings())
    r = runner.invoke(app, ["validate", str(folder)])
    assert r.exit_code == 2 and "clients.csv: required column 'referral_date' is missing" in r.output
