"""Any data that validates, evaluates: services of every shape give a report, and every analysis
either runs or says in plain words why it did not.

The shapes are cut from one clean demo service (tests/shapes.py): any subset of the optional
tables and client columns dropped, 1 to 60 clients, and odd situations (no jobs, everyone in work
at referral, nobody engaged, all in one meeting band, every value unknown, areas of one client).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import shapes
from ipseval.analyses import FAILED, NOT_RUN, RAN, REGISTRY
from ipseval.cli import app
from ipseval.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    return shapes.pool(tmp_path_factory.mktemp("pool"))


def _fast_settings(folder) -> None:
    """Few imputations and bootstrap draws: the shapes test what runs, not its precision."""
    (folder / "ipseval.toml").write_text("[impact]\nimputations = 2\nbootstrap_reps = 99\n", encoding="utf-8")


SHAPES = st.builds(
    shapes.Shape,
    clients=st.integers(1, 60),
    drop_tables=st.lists(st.sampled_from(shapes.OPTIONAL_TABLES), unique=True).map(tuple),
    drop_columns=st.lists(st.sampled_from(shapes.OPTIONAL_CLIENT_COLUMNS), unique=True).map(tuple),
    situations=st.lists(st.sampled_from(shapes.SITUATIONS), max_size=3, unique=True).map(tuple),
    offset=st.integers(0, 300),
)


def _evaluate(folder, out):
    from typer.testing import CliRunner

    return CliRunner().invoke(app, ["evaluate", str(folder), "-o", str(out)])


def _check_outputs(result, out) -> dict:
    assert result.exit_code in (0, 1), result.output
    assert (out / "report.html").stat().st_size > 10_000
    tables = json.loads((out / "results.json").read_text(encoding="utf-8"))["tables"]
    status = {r["analysis"]: r for r in tables["analyses"]["rows"]}
    assert set(status) == {a.key for a in REGISTRY}
    for r in status.values():
        assert r["status"] in (RAN, NOT_RUN), r
        assert r["status"] == RAN or len(r["reason"]) > 20, r
    return status


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(shape=SHAPES)
def test_a_service_of_any_shape_evaluates_with_every_analysis_run_or_explained(pool, tmp_path_factory, shape):
    folder = shapes.write(shapes.cut(pool, shape), tmp_path_factory.mktemp("data"))
    _fast_settings(folder)
    out = folder.parent / "out"
    _check_outputs(_evaluate(folder, out), out)


@pytest.mark.parametrize("situation", shapes.SITUATIONS)
def test_each_odd_situation_evaluates(pool, tmp_path, situation):
    folder = shapes.write(shapes.cut(pool, shapes.Shape(clients=60, situations=(situation,))), tmp_path / "d")
    _fast_settings(folder)
    _check_outputs(_evaluate(folder, tmp_path / "out"), tmp_path / "out")


def test_without_the_five_optional_columns_the_published_model_names_the_controls_it_left_out(pool, tmp_path):
    five = (
        "gp_visit_recent",
        "ae_visit_recent",
        "housing_tenure",
        "criminal_conviction",
        "highest_qualification",
    )
    folder = shapes.write(shapes.cut(pool, shapes.Shape(clients=400, drop_columns=five)), tmp_path / "d")
    _fast_settings(folder)
    status = _check_outputs(_evaluate(folder, tmp_path / "out"), tmp_path / "out")
    assert status["published_model"]["status"] == RAN
    tables = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))["tables"]
    notes = " ".join(tables["impact_published_adjusted"]["notes"])
    assert "of the 16 controls in the settings" in notes and "Saw a GP" in notes and "Housing" in notes


def test_four_clients_evaluate_and_the_models_say_why_they_did_not_run(pool, tmp_path):
    folder = shapes.write(shapes.cut(pool, shapes.Shape(clients=4)), tmp_path / "d")
    status = _check_outputs(_evaluate(folder, tmp_path / "out"), tmp_path / "out")
    assert status["outcomes"]["status"] == RAN
    assert status["published_model"]["status"] == NOT_RUN
    assert "at least 20 clients" in status["published_model"]["reason"]


def test_an_unexpected_error_in_one_analysis_leaves_the_rest_of_the_report_and_exits_3(
    pool, tmp_path, monkeypatch
):
    from ipseval.analyses import registry

    def broken(ctx):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(registry, "_profile", broken)
    monkeypatch.setattr(
        registry, "REGISTRY", tuple(a if a.key != "profile" else _with_run(a, broken) for a in REGISTRY)
    )
    from ipseval.analyses import runner

    monkeypatch.setattr(runner, "REGISTRY", registry.REGISTRY)
    folder = shapes.write(shapes.cut(pool, shapes.Shape(clients=60)), tmp_path / "d")
    _fast_settings(folder)
    out = tmp_path / "out"
    result = _evaluate(folder, out)
    assert result.exit_code == 3, result.output
    tables = json.loads((out / "results.json").read_text(encoding="utf-8"))["tables"]
    status = {r["analysis"]: r for r in tables["analyses"]["rows"]}
    assert status["profile"]["status"] == FAILED and "ZeroDivisionError" in status["profile"]["reason"]
    assert status["outcomes"]["status"] == RAN
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "failed with an unexpected error" in html
    assert "ZeroDivisionError" in (out / "problems.csv").read_text(encoding="utf-8")


def _with_run(analysis, run):
    from dataclasses import replace

    return replace(analysis, run=run)


def test_analyses_in_settings_order_have_unique_keys():
    keys = [a.key for a in REGISTRY]
    assert len(keys) == len(set(keys))
    assert Settings()  # the registry imports without side effects
