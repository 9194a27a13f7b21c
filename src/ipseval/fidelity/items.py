"""The IPS-25 fidelity scale (UK version) as data: its 25 items, three sections and score bands.

The items live in ``ips25.toml`` (names, what a 5 looks like, numeric anchors, sources and
assumptions); this module reads them once and gives the few rules that use them: the band of a
total and the score a number gets under an item's numeric anchors.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

Section = Literal["staffing", "organisation", "services"]

SECTIONS: tuple[Section, ...] = ("staffing", "organisation", "services")
SECTION_LABELS: dict[str, str] = {
    "staffing": "Staffing",
    "organisation": "Organisation",
    "services": "Services",
}
N_ITEMS = 25
MIN_SCORE, MAX_SCORE = 1, 5
MIN_TOTAL, MAX_TOTAL = N_ITEMS * MIN_SCORE, N_ITEMS * MAX_SCORE
# a share worked out as 17 / 20 must meet a cut point of 0.85 despite floating point
_TOLERANCE = 1e-9

# The lowest total of the exemplary, good and fair bands: the IPS-25 scale's own, the defaults of
# the settings' [benchmarks] (ipseval.benchmarks), which decide the bands an evaluation uses.
Cuts = tuple[int, int, int]
DEFAULT_CUTS: Cuts = (115, 100, 74)
_BAND_NAMES = (("exemplary", "Exemplary fidelity"), ("good", "Good fidelity"), ("fair", "Fair fidelity"))

# (lowest total, band key, label), highest band first. Totals 25-125.
BANDS: tuple[tuple[int, str, str], ...] = (
    (115, "exemplary", "Exemplary fidelity"),
    (100, "good", "Good fidelity"),
    (74, "fair", "Fair fidelity"),
    (MIN_TOTAL, "not_ips", "Not IPS"),
)
BAND_RANGES: dict[str, str] = {
    "exemplary": "115 to 125",
    "good": "100 to 114",
    "fair": "74 to 99",
    "not_ips": "25 to 73",
}


@dataclass(frozen=True)
class Item:
    """One item of the scale. ``anchors`` maps score (1-5) to its numeric anchor, where the scale's
    anchors are numbers; ``at_most``/``at_least`` are the cut points that turn a number, rounded to
    ``precision``, into a score (see ips25.toml)."""

    number: int
    section: Section
    key: str
    name: str
    good: str
    unit: str = ""
    anchors: dict[int, str] | None = None
    at_most: tuple[float, ...] | None = None
    at_least: tuple[float, ...] | None = None
    precision: float = 1.0

    @property
    def numeric(self) -> bool:
        return self.at_most is not None or self.at_least is not None

    @property
    def anchor_text(self) -> str:
        """'5 = 20 or fewer; 4 = 21 to 25; ...' (empty for items scored by judgement)."""
        if not self.anchors:
            return ""
        return "; ".join(f"{s} = {self.anchors[s]}" for s in sorted(self.anchors, reverse=True))

    def implied_score(self, value: float | None) -> int | None:
        """The score ``value`` gets under this item's numeric anchors (None if it has none, or no value)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        value = math.floor(value / self.precision + 0.5 + _TOLERANCE) * self.precision
        if self.at_most is not None:
            for score, cut in zip((5, 4, 3, 2), self.at_most, strict=True):
                if value <= cut + _TOLERANCE:
                    return score
            return 1
        if self.at_least is not None:
            for score, cut in zip((5, 4, 3, 2), self.at_least, strict=True):
                if value >= cut - _TOLERANCE:
                    return score
            return 1
        return None


@cache
def items() -> tuple[Item, ...]:
    """The 25 items in the scale's order (read from ips25.toml once)."""
    text = resources.files("ipseval.fidelity").joinpath("ips25.toml").read_text(encoding="utf-8")
    out = []
    for raw in tomllib.loads(text)["item"]:
        anchors = raw.get("anchors")
        out.append(
            Item(
                number=int(raw["number"]),
                section=raw["section"],
                key=raw["key"],
                name=raw["name"],
                good=raw["good"],
                unit=raw.get("unit", ""),
                anchors={int(k): str(v) for k, v in anchors.items()} if anchors else None,
                at_most=tuple(raw["at_most"]) if "at_most" in raw else None,
                at_least=tuple(raw["at_least"]) if "at_least" in raw else None,
                precision=float(raw.get("precision", 1.0)),
            )
        )
    _check(out)
    return tuple(out)


def _check(found: list[Item]) -> None:
    """The data file must describe the scale exactly: 25 items numbered 1-25, 3/8/14 by section."""
    if [i.number for i in found] != list(range(1, N_ITEMS + 1)):
        raise ValueError("ips25.toml: items must be numbered 1 to 25 in order")
    sizes = {s: sum(i.section == s for i in found) for s in SECTIONS}
    if sizes != {"staffing": 3, "organisation": 8, "services": 14}:
        raise ValueError(
            f"ips25.toml: section sizes {sizes}, expected 3 staffing, 8 organisation, 14 services"
        )
    order = [SECTIONS.index(i.section) for i in found]
    if order != sorted(order):
        raise ValueError("ips25.toml: sections must come in the order staffing, organisation, services")
    for i in found:
        cuts = i.at_most or i.at_least
        if cuts is not None and len(cuts) != 4:
            raise ValueError(f"ips25.toml: item {i.number} needs four cut points")
        if i.numeric and (not i.anchors or sorted(i.anchors) != [1, 2, 3, 4, 5]):
            raise ValueError(f"ips25.toml: item {i.number} has cut points but not five anchors")


def item(number: int) -> Item:
    """Item ``number`` (1-25)."""
    return items()[number - 1]


def section_items(section: Section) -> tuple[Item, ...]:
    return tuple(i for i in items() if i.section == section)


def section_max(section: Section) -> int:
    """Highest possible section score (5 per item): staffing 15, organisation 40, services 70."""
    return MAX_SCORE * len(section_items(section))


def band(total: int | float, cuts: Cuts = DEFAULT_CUTS) -> str:
    """The band key of a total score: with the default ``cuts``, exemplary (115+), good (100-114),
    fair (74-99), not_ips (<=73)."""
    for low, (key, _label) in zip(cuts, _BAND_NAMES, strict=True):
        if total >= low:
            return key
    return "not_ips"


def band_label(key: str) -> str:
    return {k: label for _low, k, label in BANDS}[key]
