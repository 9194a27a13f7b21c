"""Chart layout: no two labels overlap (funnel plot, heat map headers), a reference line stops
under its label, the infographic's pictures withhold hidden values, and the COVID-19 period is
shaded on charts over calendar time."""

from __future__ import annotations

import re
from datetime import date, timedelta

from ipseval.report.charts import rate_bars
from ipseval.report.fidelity_charts import fidelity_trend
from ipseval.report.impact_charts import funnel
from ipseval.report.picture_charts import column_bars, level_dots
from ipseval.report.qualitative_charts import theme_grid
from ipseval.report.time_charts import Period, covid_period, records_over_time
from ipseval.settings import Settings
from svg_boxes import overlapping, text_boxes

COVID = Period(date(2020, 3, 23), date(2021, 7, 19))


def _texts(svg: str) -> list[str]:
    return [t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def test_funnel_labels_of_areas_on_one_spot_do_not_overlap() -> None:
    # the demo's Ealing, Hounslow and Brent: almost the same size and rate
    areas = [
        ("Barnet", 71, 0.380),
        ("Brent", 107, 0.364),
        ("Ealing", 92, 0.359),
        ("Harrow", 52, 0.308),
        ("Hillingdon", 56, 0.196),
        ("Hounslow", 94, 0.362),
        ("Kensington and Chelsea", 36, 0.25),
        ("Westminster", 73, 0.192),
        ("Hidden area", "*", "*"),
    ]
    limits = [
        (n, 0.3 - 1 / n**0.5, 0.3 + 1 / n**0.5, 0.3 - 1.5 / n**0.5, 0.3 + 1.5 / n**0.5) for n in range(5, 130)
    ]
    svg = str(funnel("f", "Funnel", areas, limits, 0.315))
    assert overlapping(svg) == []
    texts = _texts(svg)
    assert all(a in texts for a, *_ in areas[:-1]) and "Hidden area" not in texts
    assert "not shown (disclosure control): Hidden area" in svg


def test_reference_line_stops_under_its_label() -> None:
    items = [("Barnet", 0.38, 0.28, 0.50), ("Westminster", 0.192, 0.118, 0.297), ("Hidden", "*", "*", "*")]
    svg = str(rate_bars("r", "Job entry", items, reference=0.315))
    line = re.search(r'<g id="r-reference">\s*<path d="M ([\d.]+) ([\d.]+)\s*L ([\d.]+) ([\d.]+)', svg)
    assert line, "reference line not found"
    line_top = min(float(line.group(2)), float(line.group(4)))
    (label,) = [b for b in text_boxes(svg) if b.text == "All areas 31.5%"]
    assert label.y1 <= line_top  # the label sits above the line's end (SVG y runs down)
    assert overlapping(svg) == []


def test_heat_map_headers_keep_apart() -> None:
    columns = ["Clients", "IPS staff", "Treatment staff", "Commissioners", "Employers"]
    rows = [
        ("Integration with the treatment team", True),
        ("Co-location, team meetings and case discussions", False),
    ]
    values = [[0.12, 0.28, 0.43, 0.35, 0.0], ["*", 0.08, None, "*", 0.0]]
    svg = str(theme_grid("g", "Themes", rows, columns, values))
    assert overlapping(svg) == []


def test_age_columns_withhold_hidden_bands() -> None:
    items = [("16-24", 0.028, False), ("25-34", 0.218, False), ("65+", "*", False), ("Unknown", "*", True)]
    svg = str(column_bars("age", "Age at referral", items, "Age in years"))
    assert re.findall(r'id="age-bar-(\d+)"', svg) == ["0", "1"]  # a hidden band has no bar
    assert _texts(svg).count("*") == 2 and "65+: *" in svg and "Unknown: *" in svg
    assert overlapping(svg) == []


def test_integration_dots_show_each_level_and_withhold_a_hidden_one() -> None:
    items = [
        ("Brent", "strong"),
        ("Barnet", "moderate"),
        ("Hillingdon", "weak"),
        ("Hidden", "*"),
        ("Unset", None),
    ]
    svg = str(level_dots("dots", "Integration", items))
    texts = _texts(svg)
    assert [t for t in texts if t in ("Strong", "Moderate", "Weak", "*", "–")] == [
        "Strong",
        "Moderate",
        "Weak",
        "*",
        "–",
    ]
    assert "Hidden: *" in svg and "Unset: –" in svg
    # three dot slots for each of the three known areas, none for the others
    assert len(re.findall(r"<use ", svg)) == 9
    assert overlapping(svg) == []


def _monthly(start: date, months: int, value: float) -> list[tuple[date, float]]:
    return [(start + timedelta(days=30.5 * i), value + (i % 5)) for i in range(months)]


def test_covid_period_is_shaded_and_labelled_on_charts_over_time() -> None:
    overall = _monthly(date(2019, 1, 31), 40, 8.0)
    areas = [("A", _monthly(date(2019, 1, 31), 40, 6.0)), ("B", [(d, "*") for d, _ in overall])]
    svg = str(records_over_time("rec", "Caseload", overall, areas, [(20, "20")], "People", period=COVID))
    assert 'id="rec-period"' in svg and "COVID-19" in _texts(svg)
    assert "Shaded: COVID-19 period, 23 March 2020 to 19 July 2021." in svg
    assert overlapping(svg) == []
    trend = [
        ("Brent", [(date(2019, 6, 1), 99), (date(2021, 11, 4), 104)]),
        ("Ealing", [(date(2019, 9, 1), "*")]),
    ]
    svg = str(fidelity_trend("trend", "Fidelity", trend, COVID))
    assert 'id="trend-period"' in svg and "COVID-19" in _texts(svg)
    assert overlapping(svg) == []


def test_no_band_outside_the_period_or_when_switched_off() -> None:
    later = _monthly(date(2022, 1, 31), 12, 8.0)
    svg = str(records_over_time("late", "Caseload", later, [], [], "People", period=COVID))
    assert "late-period" not in svg and "COVID-19" not in _texts(svg)
    assert covid_period(Settings()) == COVID  # the documented default
    assert covid_period(Settings.model_validate({"report": {"covid_start": None}})) is None
