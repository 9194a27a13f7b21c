"""The committed reference docs are exactly what the code generates (no drift)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ipseval import docs
from ipseval.schema import TABLES

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    return docs.generate(DOCS)


@pytest.mark.parametrize("name", ["data-standard.md", "settings.md", "results.md"])
def test_committed_doc_matches_the_code(generated, name):
    committed = (DOCS / name).read_text(encoding="utf-8")
    assert committed == generated[name], f"docs/{name} is out of date: run `make docs`"


def test_data_standard_lists_every_table_and_column(generated):
    text = generated["data-standard.md"]
    for table in TABLES.values():
        assert f"## {table.name} " in text
        for column in table.columns:
            assert f"| {column.name} |" in text


def test_example_settings_in_the_docs_are_valid():
    import tomllib

    from ipseval.settings import Settings

    Settings.model_validate(tomllib.loads(docs.EXAMPLE_TOML))


def test_data_standard_lists_the_built_in_wellbeing_measures_from_their_definitions():
    from ipseval.wellbeing.measures import BUILTIN_MEASURES_CSV, parse_measures

    text = docs.data_standard_md()
    section = text[text.index("### Built-in wellbeing measures") : text.index("## areas")]
    for m in parse_measures(BUILTIN_MEASURES_CSV, "built-in"):
        line = next(x for x in section.splitlines() if f"| `{m['measure']}` |" in x and m["instrument"] in x)
        assert f"{m['scale_min']:g}–{m['scale_max']:g}" in line and m["label"] in line
    assert "| TOP | `psychological_health` | Psychological health (TOP) | 0–20 | higher |" in section
