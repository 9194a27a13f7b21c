"""Runtime dependencies are what ipseval imports at run time."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST_ONLY = {"statsmodels", "lifelines"}


def _imported_top_level() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "src" / "ipseval").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def test_test_only_libraries_are_not_runtime_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = {d.split(">")[0].split("=")[0].split("[")[0].strip().lower() for d in project["dependencies"]}
    dev = {d.split(">")[0].split("=")[0].strip().lower() for d in project["optional-dependencies"]["dev"]}
    assert not (_imported_top_level() & TEST_ONLY), "ipseval imports a test-only library at run time"
    assert not (runtime & TEST_ONLY) and dev >= TEST_ONLY
