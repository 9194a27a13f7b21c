"""Impact results pass through disclosure control: a level's estimates hide with its small n."""

from __future__ import annotations

import polars as pl

from ipseval.disclosure import protect
from ipseval.impact.result import ImpactResult
from ipseval.impact.tables import model_cards, result_table
from ipseval.report.format import p_value, pp, pp_ci, ratio, ratio_ci
from ipseval.report.impact_charts import forest, funnel
from ipseval.settings import Disclosure


def _band_result(n_small: int = 3) -> ImpactResult:
    # a band model: reference 1-4 (n 40), 5-9 (n 30), 20+ with a small n
    table = pl.DataFrame(
        {
            "term": ["(Intercept)", "band", "band", "band"],
            "level": ["", "1-4", "5-9", "20+"],
            "reference": [False, True, False, False],
            "estimate": [-1.0, None, 0.7, 1.5],
            "std_error": [0.2, None, 0.3, 0.9],
            "ci_low": [-1.4, None, 0.1, -0.3],
            "ci_high": [-0.6, None, 1.3, 3.3],
            "p_value": [0.001, None, 0.02, 0.1],
            "n": [40 + 30 + n_small, 40, 30, n_small],
            "odds_ratio": [None, 1.0, 2.01, 4.48],
        }
    )
    return ImpactResult("test_logit", table, card={"n": 73, "events": 20, "se_type": "CR1"}, notes=["note"])


def test_small_level_estimates_are_hidden_with_their_n():
    protected = protect(result_table(_band_result(3), "m", "Model"), Disclosure())
    rows = {r["level"]: r for r in protected.rows("*")}
    assert rows["20+"]["n"] == "*"
    assert rows["20+"]["odds_ratio"] == "*" and rows["20+"]["ci_low"] == "*"
    # secondary suppression: a second band's n goes too (the model N is published), estimates with it
    hidden_bands = [lvl for lvl in ("1-4", "5-9") if rows[lvl]["n"] == "*"]
    assert len(hidden_bands) == 1


def test_large_levels_are_untouched():
    protected = protect(result_table(_band_result(25), "m", "Model"), Disclosure())
    rows = {r["level"]: r for r in protected.rows("*")}
    assert rows["20+"]["odds_ratio"] == 4.48
    assert rows["5-9"]["n"] == 30


def test_model_cards_table_has_one_row_per_model():
    cards = model_cards({"m": _band_result(25)})
    assert cards.data.height == 1
    assert cards.data.row(0, named=True)["n"] == 73


def test_regression_formatters_follow_gtsummary():
    assert ratio(2.3141) == "2.31"
    assert ratio_ci(1.4, 3.82) == "1.40 to 3.82"
    assert p_value(0.0004) == "<0.001"
    assert p_value(0.0432) == "0.043"
    assert p_value(0.35) == "0.35"
    assert pp(0.0523) == "+5.2 pp"
    assert pp_ci(-0.01, 0.1) == "-1.0 to +10.0 pp"
    assert ratio("*") == "*" and ratio(None) == "–"


def test_forest_and_funnel_are_self_contained_svg():
    f = str(
        forest(
            "f",
            "Odds",
            [("1-4", None, None, None, True), ("5-9", 2.1, 1.3, 3.4, False), ("20+", "*", "*", "*", False)],
        )
    )
    g = str(
        funnel(
            "g",
            "Funnel",
            [("A", 50, 0.3), ("B", "*", "*")],
            [(20, 0.1, 0.5, 0.05, 0.6), (80, 0.2, 0.4, 0.15, 0.45)],
            0.3,
        )
    )
    for svg in (f, g):
        assert svg.startswith("<svg") and "http" not in svg
    assert "Ref" in f and "*" in f
    assert "not shown (disclosure control): B" in g
