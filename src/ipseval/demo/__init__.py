"""Synthetic demo data: a fictitious IPS service in eight West London boroughs, 2019-2022.

Modelled loosely on the published West London evaluation of IPS in drug and alcohol treatment,
but produced by mechanisms (a weekly hazard of starting work with discharge as a competing exit,
meetings that follow the client's path, wellbeing that improves more for those who found work),
not by copying published figures. Every table of the data standard except ``comparison`` is
generated, fully vectorised (numpy/polars), deterministically for a seed.

``clean=False`` (the default) gives data as a real export would look: mostly tidy, a few valid
variants (UK-format dates, codes in other case or with spaces) and a handful of invalid rows,
described by :func:`injected_problems` so validator tests can check they find exactly those.

Wellbeing: TOP as in the standard (0-20 and 0-28 days); SURE domains are sums of items scored
1-3 (substance_use 6 items: 6-18, self_care 5: 5-15, relationships 4: 4-12, material_resources
3: 3-9, outlook_on_life 3: 3-9) and total 21-63. Client ids are ``IPS`` + a zero-padded number.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import polars as pl

from .areas import AREAS
from .areas import Area as Area
from .columns import DEMO_TABLES
from .comparison import comparison_table
from .days import DATA_CUT
from .days import SERVICE_START as SERVICE_START
from .generate import _generate
from .interviews import interview_files

__all__ = [
    "AREAS",
    "DATA_CUT",
    "DEMO_TABLES",
    "INJECTED_PROBLEMS",  # provided by the module __getattr__ below, computed on first use
    "generate_demo",
    "injected_problems",
    "interview_files",
    "valid_variants",
    "write_demo",
]


def generate_demo(
    n_clients: int = 718,
    seed: int = 2019,
    clean: bool = False,
    *,
    meetings_per_client: float | None = None,
) -> dict[str, pl.DataFrame]:
    """Every table of the standard except comparison, as text columns ready to write.

    Columns are named and ordered as in ``schema.TABLES``; dates are ISO, booleans yes/no, blanks
    null. ``clean=False`` adds a few valid variants and the invalid rows in :func:`injected_problems`.
    ``meetings_per_client`` sets the mean number of meeting rows per client (None = realistic).
    """
    return _generate(n_clients, seed, clean, meetings_per_client).tables


def injected_problems(
    n_clients: int = 718, seed: int = 2019, *, meetings_per_client: float | None = None
) -> list[dict[str, Any]]:
    """The invalid rows ``generate_demo(..., clean=False)`` injects for these arguments.

    Each is a dict: table, row (as the user sees it in the CSV: header = 1, first data row = 2),
    column, value, kind, detail.
    """
    return _generate(n_clients, seed, False, meetings_per_client).problems


def valid_variants(
    n_clients: int = 718, seed: int = 2019, *, meetings_per_client: float | None = None
) -> list[dict[str, Any]]:
    """Cells written in an accepted but non-canonical form (UK dates, other case, spaces)."""
    return _generate(n_clients, seed, False, meetings_per_client).variants


def write_demo(
    directory: str | Path,
    n_clients: int = 718,
    seed: int = 2019,
    clean: bool = False,
    interviews: bool = True,
    *,
    meetings_per_client: float | None = None,
    comparison: bool = False,
) -> dict[str, int]:
    """Write ``<table>.csv`` for each demo table (and ``interviews/``); return data rows per table.

    ``comparison=True`` also writes ``comparison.csv``: IPS clients and twice as many synthetic
    people not referred, for the comparison-group analysis (its bootstrap takes a minute or two).
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    tables = generate_demo(n_clients, seed, clean, meetings_per_client=meetings_per_client)
    written: dict[str, int] = {}
    for name, df in tables.items():
        df.write_csv(out / f"{name}.csv", null_value="", line_terminator="\n", batch_size=65_536)
        written[name] = df.height
    if interviews:
        target = out / "interviews"
        target.mkdir(exist_ok=True)
        for path in interview_files():
            shutil.copyfile(path, target / path.name)
    if comparison:
        people = comparison_table(tables["clients"], tables["jobs"], seed)
        people.write_csv(out / "comparison.csv", null_value="", line_terminator="\n")
        written["comparison"] = people.height
    (out / "ipseval.toml").write_text(DEMO_SETTINGS.format(data_cut=DATA_CUT.isoformat()), encoding="utf-8")
    return written


# Written beside the demo data, where `ipseval evaluate` finds it; a starting point for a real service.
DEMO_SETTINGS = """\
# ipseval settings for the synthetic demo service (see docs/settings.md for every setting).
service_name = "West London IPS (synthetic demo)"

[definitions]
data_cut = {data_cut}

[disclosure]
policy = "ndtms"
"""


_DEFAULT_PROBLEMS: list[dict[str, Any]] | None = None


def __getattr__(name: str) -> Any:
    """``INJECTED_PROBLEMS``: the injected problems of the default demo (computed on first use)."""
    global _DEFAULT_PROBLEMS
    if name == "INJECTED_PROBLEMS":
        if _DEFAULT_PROBLEMS is None:
            _DEFAULT_PROBLEMS = injected_problems()
        return [dict(p) for p in _DEFAULT_PROBLEMS]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
