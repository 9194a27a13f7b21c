"""The sixth example, `examples/exports/warehouse` (an NHS data-warehouse extract, made as an unseen
trial: pipe-delimited Windows-1252 .txt files, UPPER_SNAKE abbreviations, numeric codes explained
only by one long codebook file, sentinel dates, two part files of contacts holding two tables):
`ipseval map`'s first proposal is scored against its hand-written expected.toml as the other
examples are (tests/test_map_assistant.py), each local column and each distinct value once.

A file the expected mapping gives two tables (the contact files: meetings and employer contacts) is
scored against the one of them the proposal took. The figures asserted are those reached; what is
still wrong is said in the failure message."""

from __future__ import annotations

import pytest

from ipseval.ingest.propose import Proposal, propose
from test_map_assistant import EXAMPLES, Score, expected, score

WAREHOUSE = EXAMPLES / "warehouse" / "export"


@pytest.fixture(scope="module")
def proposal() -> Proposal:
    return propose(WAREHOUSE)


def _one_table_each(p: Proposal):
    """The expected settings with each file's list of tables cut to the one the proposal took."""
    exp = expected("warehouse")
    took = {t.local: t.standard for t in p.tables}
    tables = {
        f: (want if isinstance(want, str) else took.get(f) if took.get(f) in want else want[0])
        for f, want in exp.mapping.tables.items()
    }
    return exp.model_copy(update={"mapping": exp.mapping.model_copy(update={"tables": tables})})


def _score(p: Proposal) -> Score:
    return score(p, _one_table_each(p))


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
