"""`ipseval map`'s vocabulary: UK census and NHS ethnicity codes, and abbreviated column names."""

from __future__ import annotations

import pytest

from ipseval.ingest.propose import SURE
from ipseval.ingest.propose_codes import guess_codes
from ipseval.ingest.propose_names import abbreviates, column_name_score, not_standard
from ipseval.schema import TABLES

ETHNICITY = TABLES["clients"].column("ethnicity")


def proposed(values: list[tuple[str, int]]) -> dict[str, tuple[str | None, float]]:
    return {g.value: (g.code, g.confidence) for g in guess_codes(values, ETHNICITY)}


def test_census_codes_are_proposed_surely():
    got = proposed([(v, 5) for v in ("WBRI", "WOTH", "APKN", "MWBC", "MWBA", "BCRB", "AIND", "NS", "REFU")])
    assert {v: c for v, (c, _) in got.items()} == {
        "WBRI": "white", "WOTH": "white", "APKN": "asian", "MWBC": "mixed", "MWBA": "mixed",
        "BCRB": "black", "AIND": "asian", "NS": "unknown", "REFU": "unknown",
    }  # fmt: skip
    assert all(conf >= SURE for _, conf in got.values())
    assert proposed([("ooth", 1)]) == {"ooth": ("other", 0.95)}  # any case


def test_nhs_letters_only_when_most_cells_are_nhs_letters():
    got = proposed([("A", 50), ("J", 6), ("D", 3), ("N", 4), ("R", 1), ("Z", 2), ("Not known", 1)])
    assert {v: c for v, (c, _) in got.items()} == {
        "A": "white", "J": "asian", "D": "mixed", "N": "black", "R": "asian", "Z": "unknown",
        "Not known": "unknown",
    }  # fmt: skip
    assert got["A"][1] < SURE  # a scheme inferred from letters is marked CHECK
    assert got["R"][1] <= 0.5  # Chinese: asian (2011 census) or other (NHS): a judgement
    # letters of the broad groups' initials (W and O are no NHS letters)
    initials = proposed([("W", 20), ("A", 3), ("B", 2), ("M", 1), ("O", 1)])
    assert {v: c for v, (c, _) in initials.items()} == {
        "W": "white",
        "A": "asian",
        "B": "black",
        "M": "mixed",
        "O": "other",
    }
    # a few letters among words: not read as a letter scheme
    mostly_words = proposed([("White British", 30), ("A", 2), ("B", 1)])
    assert mostly_words["A"][0] != "white" or mostly_words["A"][1] < 0.5
    # letters outside every scheme: not guessed as one
    assert proposed([("Q", 5), ("A", 5), ("X", 5)])["A"][1] <= 0.5


@pytest.mark.parametrize(
    ("name", "column"),
    [
        ("Accom", "housing_tenure"),
        ("Accom Type", "housing_tenure"),
        ("Eth", "ethnicity"),
        ("Ethnic", "ethnicity"),
        ("Subst", "main_substance"),
        ("Prim Subst", "main_substance"),
        ("Ref Date", "referral_date"),
        ("LA", "local_authority"),
        ("Emp Status", "employed_at_referral"),
        ("Ben", "benefits"),
        ("Qual", "highest_qualification"),
        ("Conv", "criminal_conviction"),
        ("Hrs", "hours_per_week"),
        ("Convict", "criminal_conviction"),  # a prefix of a usual name: abbreviated, not misspelt
    ],
)
def test_abbreviated_column_names_score_well(name, column):
    assert column_name_score(name, column).score >= SURE


def test_an_abbreviation_is_a_cut_short_start_of_each_word():
    assert abbreviates(("accom",), "accommodation")
    assert abbreviates(("emp", "stat"), "employment status")
    assert not abbreviates(("date",), "date of referral")  # one word of several, not shortened
    assert not abbreviates(("acc",), "accommodation")  # too short for a one-word name
    assert not abbreviates(("housing",), "housing")  # the same word: an exact match, not this
    assert not abbreviates(("acom",), "accommodation")
    assert column_name_score("Date", "referral_date").score < SURE


def test_an_address_abbreviation_is_contact_details():
    assert "contact details" in (not_standard("Addr") or "")
