"""Labels of a caseload written in words: every employment status that is not paid work is 'no'
(an undecided label rejects the client, with every row of theirs)."""

from __future__ import annotations

import pytest

from ipseval.ingest.propose_codes import guess_codes
from ipseval.schema import TABLES

COLUMN = TABLES["clients"].column("employed_at_referral")


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("Economically inactive - long-term sick/disabled", "no"),
        ("Economically inactive - other (incl. carer)", "no"),
        ("Student", "no"),
        ("Retired", "no"),
        ("Unemployed - seeking work", "no"),
        ("Looking after family/home", "no"),
        ("Voluntary work only", "no"),
        ("Employed - part time", "yes"),
        ("Self-employed", "yes"),
        ("In work", "yes"),
    ],
)
def test_employment_statuses_in_words_are_proposed_as_yes_or_no(label, code):
    (guess,) = guess_codes([(label, 3)], COLUMN)
    assert guess.code == code, guess


@pytest.mark.parametrize(
    "label",
    [
        "Approved premises (probation)",
        "Bail hostel",
        "CAS3 accommodation",
        "Residential rehab",
        "Night shelter",
    ],
)
def test_probation_and_treatment_housing_is_supported_or_temporary(label):
    (guess,) = guess_codes([(label, 2)], TABLES["clients"].column("housing_tenure"))
    assert guess.code == "supported_temporary", guess
