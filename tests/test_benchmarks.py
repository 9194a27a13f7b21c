"""National benchmarks as settings: documented defaults with their sources, checked, printed in
the methods appendix's settings, and the fidelity bands they set used to band the reviews."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from ipseval.benchmarks import Benchmarks, benchmark_list, fidelity_bands_in_words, short_source
from ipseval.fidelity import review_tables, scoring
from ipseval.settings import Settings, SettingsError, load_settings, settings_rows


def test_defaults_are_ips_grows_with_their_sources():
    b = Settings().benchmarks
    assert (b.job_entry_rate, b.sustained_13_weeks, b.fidelity_cuts) == (0.40, 0.65, (115, 100, 74))
    assert short_source(b.job_entry_rate_source) == "IPS Grow Quality Mark, since April 2024"
    assert "policy-note-calculating-employment-rates" in b.job_entry_rate_source
    assert "at least 65% of clients sustain employment beyond 13 weeks" in b.sustained_13_weeks_source
    assert fidelity_bands_in_words(b.fidelity_cuts) == (
        "115 to 125 exemplary fidelity, 100 to 114 good, 74 to 99 fair, 73 or less not IPS"
    )
    assert [x.value for x in benchmark_list(b)] == [
        "40%",
        "at least 65%",
        fidelity_bands_in_words(b.fidelity_cuts),
    ]
    rows = {name: (value, meaning) for name, value, meaning in settings_rows(Settings())}
    assert rows["benchmarks.job_entry_rate"][0] == "0.4"
    assert rows["benchmarks.fidelity_bands_source"][0] == b.fidelity_bands_source


def test_a_settings_file_sets_other_benchmarks_and_bands_out_of_order_are_refused(tmp_path):
    good = tmp_path / "ipseval.toml"
    good.write_text(
        '[benchmarks]\njob_entry_rate = 0.35\njob_entry_rate_source = "Our commissioner (contract)"\n'
    )
    s = load_settings(good)
    assert (
        s.benchmarks.job_entry_rate == 0.35
        and short_source(s.benchmarks.job_entry_rate_source) == "Our commissioner"
    )
    bad = tmp_path / "bad.toml"
    bad.write_text("[benchmarks]\nfidelity_good_from = 120\n")
    with pytest.raises(SettingsError, match="exemplary > good > fair"):
        load_settings(bad)
    with pytest.raises(ValueError):
        Benchmarks(job_entry_rate=1.5)


def _review(total_of_threes: int) -> pl.DataFrame:
    """One review of 25 items totalling 75 + (the number of items raised from 3 to 4)."""
    scores = [4] * total_of_threes + [3] * (25 - total_of_threes)
    return pl.DataFrame(
        {
            "team": ["T"] * 25,
            "review_date": [date(2021, 1, 1)] * 25,
            "item": list(range(1, 26)),
            "score": scores,
        }
    )


def test_the_settings_fidelity_bands_band_the_reviews():
    rows = _review(20)  # total 95
    assert scoring.score_reviews(rows).reviews["band"][0] == "fair"
    stricter = (115, 90, 80)
    found = scoring.score_reviews(rows, cuts=stricter)
    assert found.reviews["band"][0] == "good"
    note = review_tables.tables_from_reviews(found, stricter)["fidelity_reviews"].notes[0]
    assert note == "Bands: 115 to 125 exemplary fidelity, 90 to 114 good, 80 to 89 fair, 79 or less not IPS."


def test_the_charts_shade_the_settings_bands_not_the_scales_own():
    from ipseval.report.fidelity_charts import band_shades, fidelity_trend
    from ipseval.report.scorecard_charts import fidelity_scatter

    # the defaults meet without gaps: 25-74-100-115-125
    edges = [(lo, hi) for lo, hi, _label, _fill in band_shades()]
    assert edges == [(115, 125), (100, 115), (74, 100), (25, 74)]
    stricter = (118, 90, 80)
    assert [lo for lo, *_ in band_shades(stricter)] == [118, 90, 80, 25]
    trend = [("Brent", [(date(2020, 1, 1), 95), (date(2021, 1, 1), 104)])]
    default_svg, strict_svg = (
        str(fidelity_trend("t", "F", trend, None, c)) for c in ((115, 100, 74), stricter)
    )
    assert default_svg != strict_svg  # the good band's floor moved from 100 to 90
    points = [("Brent", 95, 0.3, 0.2, 0.4), ("Ealing", 110, 0.35, 0.25, 0.45)]
    scatter = (str(fidelity_scatter("s", "F", points, 0.3, cuts=c)) for c in ((115, 100, 74), stricter))
    assert len(set(scatter)) == 2


def test_a_review_entered_in_the_dashboard_is_banded_by_the_settings():
    from ipseval.fidelity.entry import check_review

    scores = {n: "4" for n in range(1, 26)}  # total 100
    assert check_review("Brent", "2021-05-01", scores).scored["band"] == "good"
    assert check_review("Brent", "2021-05-01", scores, cuts=(118, 105, 80)).scored["band"] == "fair"
