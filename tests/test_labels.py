"""Plain labels: every code of the data standard and every setting has one of its own."""

from __future__ import annotations

import typing

from ipseval.labels import CHARACTERISTICS, code_label, codes_label, has_label, in_sentence
from ipseval.schema import TABLES
from ipseval.setting_labels import CHOICES, SETTING_LABELS, choice_label, setting_label
from ipseval.settings import Settings


def _code_columns():
    for table in TABLES.values():
        for column in table.columns:
            if column.codes:
                yield column


def test_every_code_of_the_standard_has_a_label_of_its_own():
    missing = [
        f"{c.name}: {code}" for c in _code_columns() for code in c.codes if not has_label(c.name, code)
    ]
    assert missing == []
    assert code_label("referral_source", "gp_health") == "GP or health service"
    assert code_label("group", "comparison") == "Comparison group"


def test_every_coded_column_and_client_factor_has_a_label():
    names = {c.name for c in _code_columns()} | {c for c in Settings().definitions.model_controls}
    assert sorted(n for n in names if n not in CHARACTERISTICS and n != "referral_year") == []


def _setting_names():
    for name, field in Settings.model_fields.items():
        model = field.annotation
        if isinstance(model, type) and hasattr(model, "model_fields"):
            for key, inner in model.model_fields.items():
                yield f"{name}.{key}", inner
        elif not field.exclude:
            yield name, field


def test_every_setting_has_a_plain_label_and_every_coded_choice_words():
    names = dict(_setting_names())
    assert sorted(set(names) - set(SETTING_LABELS)) == []
    assert sorted(set(SETTING_LABELS) - set(names) - {"mapping"}) == []  # no stale labels
    for name, field in names.items():
        args = typing.get_args(field.annotation)
        literal = field.annotation if typing.get_origin(field.annotation) is typing.Literal else None
        literal = literal or next((a for a in args if typing.get_origin(a) is typing.Literal), None)
        if literal is not None and name != "impact.imputations":  # 'auto' or a number
            assert set(typing.get_args(literal)) <= set(CHOICES[name]), name
    assert setting_label("definitions.job_start_min_hours") == "Fewest weekly hours for a job to count"
    assert choice_label("impact.se", "wild") == "Wild cluster bootstrap"
    assert choice_label("impact.se", "unheard_of") == "unheard_of"


def test_labels_in_a_sentence_keep_acronyms():
    assert in_sentence("Saw a GP in the last 3 months") == "saw a GP in the last 3 months"
    assert in_sentence("GP or health service") == "GP or health service"
    assert codes_label("referral_source", ["jobcentre", "other"]) == "Jobcentre Plus and Other"
    assert codes_label("sex", []) == ""
