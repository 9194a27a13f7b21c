"""The service impact section end to end: demo data with a comparison group, through the CLI."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from ipseval.cli import app

runner = CliRunner()


def test_impact_section_renders_every_panel_with_a_comparison_group(tmp_path):
    data = tmp_path / "data"
    r = runner.invoke(app, ["demo", str(data), "--clients", "400", "--seed", "11", "--clean", "--comparison"])
    assert r.exit_code == 0, r.output
    settings = tmp_path / "fast.toml"
    settings.write_text("[impact]\nimputations = 2\nbootstrap_reps = 99\n")
    out = tmp_path / "out"
    r = runner.invoke(app, ["evaluate", str(data), "-o", str(out), "--settings", str(settings)])
    assert r.exit_code == 0, r.output
    html = (out / "report.html").read_text(encoding="utf-8")
    for heading in (
        "Service impact",
        "Primary analysis: did more meetings lead to a job?",
        "What the published evaluation did, and why it overstates",
        "The numbers behind these charts",
        "Time to first job by strength of integration",
        "Local variation",
        "Against a comparison group",
        "Model cards",
    ):
        assert heading in html, heading
    assert 'aria-labelledby="love-plot-title"' in html  # the balance chart is drawn
    # the primary analysis leads, drawn, with its reading; the published-style model follows it
    primary, published = (
        html.index('aria-labelledby="forest-primary-title"'),
        html.index('aria-labelledby="forest-published-title"'),
    )
    assert html.index('id="impact"') < primary < published < html.index('id="tbl-hazard-model"')
    assert "<strong>About " in html[primary:published]
    tables = json.loads((out / "results.json").read_text())["tables"]
    ipw = tables["comparison_ipw"]["rows"][0]
    # the comparison people were made less work-ready: adjustment moves the estimate below the naive gap
    assert ipw["estimate"] < ipw["naive_estimate"]
    cards = {row["model"] for row in tables["model_cards"]["rows"]}
    assert {"impact_published_adjusted", "impact_hazard", "comparison_ipw"} <= cards
