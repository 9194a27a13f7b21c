"""The sixth example, `examples/exports/warehouse` (an NHS data-warehouse extract, made as an unseen
trial: pipe-delimited Windows-1252 .txt files, UPPER_SNAKE abbreviations, numeric codes explained
only by one long codebook file, sentinel dates, two part files of contacts holding two tables):
`ipseval map`'s first proposal is scored against its hand-written expected.toml as the other
examples are (tests/test_map_assistant.py), each local column and each distinct value once.

A file the expected mapping gives two tables (the contact files: meetings and employer contacts) is
scored once for each table the proposal takes from it. The figures asserted are those reached; what is
still wrong is said in the failure message."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ipseval.ingest.propose import Proposal, propose
from test_map_assistant import EXAMPLES, Score, expected, score

WAREHOUSE = EXAMPLES / "warehouse" / "export"


@pytest.fixture(scope="module")
def proposal() -> Proposal:
    return propose(WAREHOUSE)


def _cut_to(exp, local: str, table: str | None):
    """The expected settings with one file's list of tables cut to ``table`` (when it is in it)."""
    want = exp.mapping.tables.get(local)
    cut = want if isinstance(want, str) or want is None else table if table in want else want[0]
    tables = {**exp.mapping.tables, local: cut}
    return exp.model_copy(update={"mapping": exp.mapping.model_copy(update={"tables": tables})})


def _score(p: Proposal) -> Score:
    """Each table proposed from each file scored on its own (a file giving two tables twice)."""
    exp, total = expected("warehouse"), Score()
    for t in p.tables:
        s = score(replace(p, tables=[t]), _cut_to(exp, t.local, t.standard))
        for name in ("columns", "columns_right", "codes", "codes_right"):
            setattr(total, name, getattr(total, name) + getattr(s, name))
        total.wrong += s.wrong
        total.wrong_but_sure += s.wrong_but_sure
    return total


def test_the_warehouse_proposal_is_mostly_right_first_time(proposal):
    s = _score(proposal)
    assert s.columns >= 60 and s.codes >= 120, (s.columns, s.codes)
    assert s.columns_right >= 0.9 * s.columns, s.wrong
    assert s.codes_right >= 0.9 * s.codes, s.wrong


def test_the_warehouse_files_are_the_expected_tables(proposal):
    exp = expected("warehouse").mapping.tables
    got = {t.local: t.standard for t in proposal.tables}
    for f, want in exp.items():
        wants = [want] if isinstance(want, str) else want
        assert got.get(f) in wants, (f, got.get(f), wants)
    assert (
        got["LKP_CODES.txt"] is None if "LKP_CODES.txt" in got else True
    )  # the codebook is read, not mapped
    assert got.get("EXTRACT_CONTROL.txt") is None


def test_the_codebook_is_read_not_mapped(proposal):
    assert any("LKP_CODES.txt" in s for s in proposal.skipped)
    hows = [g.how for t in proposal.tables for c in t.columns for g in c.codes]
    assert any("on 'LKP_CODES.txt'" in h for h in hows)
    assert not [h for h in hows if "|" in h and "on 'IPS_" in h]  # no data row read as a lookup line
