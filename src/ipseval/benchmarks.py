"""National benchmarks a service's results are read against, each with its source (the settings'
``[benchmarks]`` section).

The defaults are IPS Grow's: an employment rate of 40% of clients out of work when they started
IPS (the IPS Grow Quality Mark since April 2024), at least 65% of clients sustaining work beyond
13 weeks (an IPS Grow key performance indicator), and the IPS-25 fidelity bands (exemplary
115-125, good 100-114, fair 74-99, not IPS 73 or less), which also decide the band a fidelity
review is given. A service or commissioner with other targets sets them here, with their source;
the report prints each benchmark beside the figure it is read against and, in the methods
appendix, with its source.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, model_validator

MIN_TOTAL, MAX_TOTAL = 25, 125  # an IPS-25 review totals 25 (every item 1) to 125 (every item 5)

JOB_ENTRY_SOURCE = (
    "IPS Grow Quality Mark, since April 2024 (the employment rate of clients who were out of work "
    "when they started IPS; IPS Grow policy note 'Calculating employment rates', "
    "ipsgrow.org.uk/resource/policy-note-calculating-employment-rates)"
)
SUSTAINED_SOURCE = (
    "IPS Grow key performance indicator (at least 65% of clients sustain employment beyond 13 "
    "weeks; IPS Grow key performance and outcome framework, "
    "ipsgrow.org.uk/ips-grow-key-performance-and-outcome-framework)"
)
FIDELITY_SOURCE = (
    "IPS-25 fidelity scale, UK version used in IPS Grow fidelity reviews (the IPS Supported "
    "Employment Fidelity Scale: Becker, Swanson, Reese, Bond and McLeman, IPS Employment Center)"
)


class Benchmarks(BaseModel):
    """National benchmarks printed beside the headline figures and the fidelity bands, with their
    sources. Every field here is printed in the report's methods appendix."""

    model_config = ConfigDict(extra="forbid")

    job_entry_rate: float = Field(
        default=0.40,
        gt=0,
        le=1,
        description="Benchmark for the job entry rate of clients out of work when referred (0.40 = 40%).",
    )
    job_entry_rate_source: str = Field(
        default=JOB_ENTRY_SOURCE,
        min_length=1,
        description="Where the job entry benchmark comes from. The words before the first "
        "bracket are printed beside the figure; the whole source in the methods appendix.",
    )
    sustained_13_weeks: float = Field(
        default=0.65,
        gt=0,
        le=1,
        description="Benchmark for the share of first jobs lasting at least 13 weeks "
        "(0.65 = 65%; shown when 13 weeks is one of the sustainment horizons).",
    )
    sustained_13_weeks_source: str = Field(
        default=SUSTAINED_SOURCE,
        min_length=1,
        description="Where the sustainment benchmark comes from (printed as for the job entry "
        "benchmark's source).",
    )
    fidelity_exemplary_from: int = Field(
        default=115,
        description="Lowest IPS-25 total (of 125) that is 'exemplary fidelity'. The three fidelity "
        "bands decide the band every review is given in the report.",
    )
    fidelity_good_from: int = Field(
        default=100,
        description="Lowest IPS-25 total that is 'good fidelity' (up to the exemplary band).",
    )
    fidelity_fair_from: int = Field(
        default=74,
        description="Lowest IPS-25 total that is 'fair fidelity'; a lower total is 'not IPS'.",
    )
    fidelity_bands_source: str = Field(
        default=FIDELITY_SOURCE,
        min_length=1,
        description="Where the fidelity bands come from (printed as for the job entry benchmark's source).",
    )

    @model_validator(mode="after")
    def _bands_ordered(self) -> Benchmarks:
        cuts = (self.fidelity_exemplary_from, self.fidelity_good_from, self.fidelity_fair_from)
        if not MAX_TOTAL >= cuts[0] > cuts[1] > cuts[2] > MIN_TOTAL:
            raise ValueError(
                "the fidelity bands must start at totals in the order exemplary > good > fair, "
                f"between {MIN_TOTAL + 1} and {MAX_TOTAL}"
            )
        return self

    @property
    def fidelity_cuts(self) -> tuple[int, int, int]:
        """The lowest total of the exemplary, good and fair bands."""
        return (self.fidelity_exemplary_from, self.fidelity_good_from, self.fidelity_fair_from)


@dataclass(frozen=True)
class Benchmark:
    """One benchmark as the report prints it: what it is, its value in words, and its source."""

    what: str
    value: str
    source: str

    @property
    def short_source(self) -> str:
        return short_source(self.source)


def short_source(source: str) -> str:
    """A source's name, printed beside a figure: the words before its first bracket."""
    return source.split(" (", 1)[0].strip()


def fidelity_band_ranges(cuts: tuple[int, int, int]) -> list[tuple[str, int, int]]:
    """(band key, lowest total, highest total) from exemplary down to not IPS."""
    exemplary, good, fair = cuts
    return [
        ("exemplary", exemplary, MAX_TOTAL),
        ("good", good, exemplary - 1),
        ("fair", fair, good - 1),
        ("not_ips", MIN_TOTAL, fair - 1),
    ]


BAND_WORDS = {
    "exemplary": "exemplary fidelity",
    "good": "good fidelity",
    "fair": "fair fidelity",
    "not_ips": "not IPS",
}


def fidelity_bands_in_words(cuts: tuple[int, int, int]) -> str:
    """'115 to 125 exemplary fidelity, 100 to 114 good, 74 to 99 fair, 73 or less not IPS'."""
    (_k, e_low, e_high), (_g, g_low, g_high), (_f, f_low, f_high), (_n, _low, n_high) = fidelity_band_ranges(
        cuts
    )
    return (
        f"{e_low} to {e_high} exemplary fidelity, {g_low} to {g_high} good, "
        f"{f_low} to {f_high} fair, {n_high} or less not IPS"
    )


def benchmark_list(b: Benchmarks) -> list[Benchmark]:
    """Every benchmark, for the methods appendix."""
    return [
        Benchmark("Job entry (clients out of work when referred)", percent(b.job_entry_rate),
                  b.job_entry_rate_source),
        Benchmark("First jobs lasting at least 13 weeks", f"at least {percent(b.sustained_13_weeks)}",
                  b.sustained_13_weeks_source),
        Benchmark("IPS-25 fidelity bands", fidelity_bands_in_words(b.fidelity_cuts), b.fidelity_bands_source),
    ]  # fmt: skip


def percent(share: float) -> str:
    """0.4 -> '40%', 0.625 -> '62.5%'."""
    value = round(100 * share, 1)
    return f"{value:g}%"
