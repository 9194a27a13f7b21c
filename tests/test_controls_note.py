"""The note naming the controls a model leaves out gives each one's true reason (trial 3: controls
recorded for most clients were said to be 'not recorded' when they had merely too few clients per level)."""

from __future__ import annotations

import polars as pl

from ipseval.impact.data import controls_note, not_recorded_reason
from ipseval.impact.published import MIN_LEVEL, _merged_away, _prepare
from ipseval.settings import Settings


def _settings(*controls: str) -> Settings:
    return Settings.model_validate({"definitions": {"model_controls": list(controls)}})


def test_not_in_the_data():
    frame = pl.DataFrame({"sex": ["male", "female"]})
    assert not_recorded_reason(frame, "ethnicity") == "not in these data"
    (note,) = controls_note(_settings("sex", "ethnicity"), frame)
    assert "uses 1 of the 2 controls" in note and "Ethnicity (not in these data)" in note
    assert "do not record" not in note


def test_blank_or_unknown_for_everyone():
    frame = pl.DataFrame({"sex": ["male", "female", "male"], "ethnicity": [None, None, None]}, strict=False)
    frame = frame.with_columns(pl.col("ethnicity").cast(pl.String))
    (note,) = controls_note(_settings("sex", "ethnicity"), frame)
    assert "Ethnicity (blank or unknown for every client)" in note


def test_one_known_value_a_tick_column():
    # a tick column read as yes, blank = unknown: recorded for some, but the same for all of them
    frame = pl.DataFrame({"sex": ["male", "female", "male", "female"], "gp_visit_recent": [1, 1, None, 1]})
    frame = frame.with_columns(pl.col("gp_visit_recent").cast(pl.Int8))
    (note,) = controls_note(_settings("sex", "gp_visit_recent"), frame)
    assert (
        "Saw a GP in the last 3 months (every client with a value has the same one: Yes for 3 of 4; "
        "the other 1 blank or unknown)"
    ) in note


def test_one_known_code():
    frame = pl.DataFrame({"sex": ["male", "female"], "ethnicity": ["white", "white"]})
    (note,) = controls_note(_settings("sex", "ethnicity"), frame)
    assert "Ethnicity (every client with a value has the same one: White for 2 of 2)" in note


def test_every_control_used_no_note():
    frame = pl.DataFrame({"sex": ["male", "female"]})
    assert controls_note(_settings("sex"), frame) == []


def _sparse_frame() -> pl.DataFrame:
    # 30 clients, all with meeting band and outcome; benefits recorded for everyone but 27 in one
    # level and 3 spread over two others; ethnicity recorded for only 12 (so few complete cases)
    n = 30
    return pl.DataFrame(
        {
            "job_entry": [i % 3 == 0 for i in range(n)],
            "meeting_band": ["1-4"] * n,
            "sex": ["male", "female"] * (n // 2),
            "benefits": ["out_of_work"] * 27 + ["in_work", "none", "in_work"],
        }
    ).with_columns(pl.col("job_entry").cast(pl.Int32))


def test_too_few_clients_in_the_levels():
    frame = _sparse_frame()
    wanted = ["sex", "benefits"]
    _, kept, _, _notes = _prepare(frame, wanted)
    assert kept == ["sex"]
    merged = _merged_away(frame, wanted, kept)
    (note,) = controls_note(_settings("sex", "benefits"), frame, (), merged)
    assert "Benefits (recorded, but too few clients in its levels" in note
    assert f"fewer than {MIN_LEVEL} clients" in note
    assert "levels are judged on the clients with every control recorded" in note
    assert "do not record" not in note and "not in these data" not in note


def test_too_few_complete_cases_are_counted():
    frame = _sparse_frame().with_columns(
        sex=pl.when(pl.int_range(pl.len()) < 12).then(pl.col("sex")).otherwise(None)
    )
    merged = _merged_away(frame, ["sex", "benefits"], ["sex"])
    assert "judged only on the clients with every control recorded, fewer than all" in merged["benefits"]
    assert _merged_away(frame, ["sex"], ["sex"]) == {}


def test_controls_with_one_reason_named_together():
    frame = pl.DataFrame({c: ["a", "b"] for c in ("sex", "ethnicity", "benefits")})
    merged = dict.fromkeys(["ethnicity", "benefits"], "recorded, but too few clients in its levels")
    (note,) = controls_note(_settings("sex", "ethnicity", "benefits"), frame, (), merged)
    assert "Ethnicity and Benefits (recorded, but too few clients in its levels)" in note


def test_reasons_in_the_settings_order_and_each_once():
    frame = pl.DataFrame({"sex": ["male", "female"], "ethnicity": ["white", "white"]})
    merged = {"sex": "recorded, but too few clients in its levels", "ethnicity": "ignored: already explained"}
    (note,) = controls_note(_settings("ethnicity", "sex", "age"), frame, (), merged)
    assert note.index("Ethnicity") < note.index("Sex") < note.index("Age")
    assert "ignored" not in note and "uses 0 of the 3 controls" in note


def test_a_term_with_one_level_stops_a_model_with_words_a_user_can_act_on():
    """A built-in term (the hazard model's time bands) says why in words, not 'drop it from the
    model', which no setting does; a control names the setting that leaves it out."""
    import pytest

    from ipseval.impact.design import ModelError, _level_orders

    one = pl.DataFrame({"time_band": ["weeks 0+"] * 3, "benefits": ["none"] * 3})
    with pytest.raises(ModelError, match=r"merged into one .*cannot be followed over time"):
        _level_orders(one, ["time_band"], {})
    with pytest.raises(ModelError, match=r"leave it out of the model's controls .*model_controls"):
        _level_orders(one, ["benefits"], {})
