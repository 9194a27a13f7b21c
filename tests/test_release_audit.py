"""One release, audited as a whole: the attacks a determined reader tried, replayed, and an
independent brute-force check that no hidden count can be narrowed down."""

from __future__ import annotations

import json
import re

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipseval.disclosure import DisclosureError, protect_release
from ipseval.disclosure.text import people_counts, scrub
from ipseval.evaluation import compute
from ipseval.report.outputs import results_json
from ipseval.results import ColumnsAddUp, ResultTable, RowsAddUp, SameCount
from ipseval.settings import Disclosure

NDTMS = Disclosure()
K = NDTMS.effective_threshold


@pytest.fixture(scope="module")
def release(demo_store_and_settings):
    store, s = demo_store_and_settings
    fast = s.model_copy(deep=True)
    fast.impact.imputations = 2
    return results_json(compute(store, fast).publish())


def _rows(release, key, **match):
    return [r for r in release["tables"][key]["rows"] if all(r.get(k) == v for k, v in match.items())]


def _texts(obj):
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _texts(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _texts(v)
    elif isinstance(obj, str):
        yield obj


def test_no_sentence_card_or_reason_states_a_count_of_people(release):
    found = [(t, people_counts(t)) for t in _texts(release["tables"]) if people_counts(t)]
    assert found == []
    cards = "".join(r["details"] or "" for r in release["tables"]["model_cards"]["rows"])
    for key in (
        "excluded_no_meetings",
        "units",
        "n_dropped",
        "dropped_missing",
        "df_residual",
        "eligibility",
    ):
        assert f'"{key}"' not in cards


def test_a_tiny_no_meetings_group_is_merged_so_no_band_is_hidden(release):
    bands = release["tables"]["job_entry_by_meeting_band"]["rows"]
    assert "No meetings" not in [b["meeting_band"] for b in bands]  # the demo has one such client
    assert all(b["clients"] != "*" for b in bands)
    (overall,) = _rows(release, "outcomes", breakdown="overall")
    assert sum(b["clients"] for b in bands) == overall["denominator"]


def test_model_band_sizes_and_the_denominator_give_no_hidden_band(release):
    """Replay: denominator minus the band sizes a model table publishes, for every model."""
    (overall,) = _rows(release, "outcomes", breakdown="overall")
    for key, table in release["tables"].items():
        bands = [r for r in table["rows"] if r.get("term") == "meeting_band"]
        if not bands or "n" not in bands[0]:
            continue
        hidden = [r for r in bands if r["n"] == "*"]
        assert len(hidden) != 1 or key == "impact_published_complete_case", key
        if not hidden and key != "impact_published_complete_case":
            assert sum(r["n"] for r in bands) == overall["denominator"], key


@pytest.mark.parametrize("table", ["time_to_job_at", "sustainment", "outcomes", "time_to_job_summary"])
def test_no_hidden_row_is_its_total_minus_the_visible_rows(release, table):
    """Replay: the hidden 2022 count at 3 months = overall minus the other years; for every grid
    row, breakdown and count, one hidden row beside a visible total must never happen."""
    rows = release["tables"][table]["rows"]
    extra = [c for c in ("months", "weeks") if c in rows[0]]
    for col, value in rows[0].items():
        if not isinstance(value, int | str) or col in ("breakdown", "group", *extra):
            continue
        for breakdown in ("local_authority", "referral_year"):
            for at in {tuple(r[c] for c in extra) for r in rows}:
                group = [r for r in rows if r["breakdown"] == breakdown and tuple(r[c] for c in extra) == at]
                total = [r for r in rows if r["breakdown"] == "overall" and tuple(r[c] for c in extra) == at]
                if not group or not total or total[0][col] == "*" or not isinstance(total[0][col], int):
                    continue
                hidden = [r for r in group if r[col] == "*"]
                assert len(hidden) != 1, (table, col, breakdown, at)


def test_a_count_shown_in_one_table_is_never_hidden_in_another(release):
    """Replay across tables: job entries in outcomes are the first jobs of sustainment."""
    for o in release["tables"]["outcomes"]["rows"]:
        for s in _rows(release, "sustainment", breakdown=o["breakdown"], group=o["group"]):
            if s["first_jobs"] is not None:  # published for the whole service only
                assert (o["job_entries"] == "*") == (s["first_jobs"] == "*"), (o["group"], s["weeks"])


def test_commissioners_see_the_key_figures_by_area(release):
    """What suppression hid before: the 10-19 band (all bands visible is tested above), 13-week
    sustainment for all 8 areas (a small not-yet-due count hid each area's rate with it: it is
    now left out), 16+ hours for 5 of 8. Areas whose own counts are 1-4 stay hidden."""
    areas = _rows(release, "sustainment", breakdown="local_authority", weeks=13)
    assert all(a["not_yet_due"] is None and a["first_jobs"] is None for a in areas)
    assert sum(isinstance(a["sustained_rate"], float) for a in areas) >= 6
    outcomes = _rows(release, "outcomes", breakdown="local_authority")
    assert sum(isinstance(o["share_16plus"], float) for o in outcomes) >= 4


def test_the_data_quality_panel_reports_what_was_hidden(release):
    loss = release["tables"]["disclosure_loss"]
    assert loss["rows"] and all(0 <= r["share_hidden"] <= 1 for r in loss["rows"])
    assert any("published counts are hidden" in n for n in loss["notes"])


def test_counts_of_people_in_notes_are_taken_out_but_thresholds_stay():
    assert scrub("3 of 40 clients had no meetings") == "some of the clients had no meetings"
    assert scrub("It needs at least 20 clients") == "It needs at least 20 clients"
    assert scrub("hidden when they rest on 4 or fewer people") == "hidden when they rest on 4 or fewer people"
    # the count gone, a quantifier before it reads as plain English, never "all some clients"
    assert scrub("blank or unknown for all 146 clients") == "blank or unknown for all clients"
    assert scrub("Both 12 clients left") == "Both clients left"
    assert people_counts("Only 8 clusters; 1-4 meetings") == []


def _grid(values: np.ndarray) -> ResultTable:
    """A table of areas x outcome with row totals (a column) and column totals (the overall row)."""
    n, m = values.shape
    cols = [f"c{j}" for j in range(m)]
    rows = [{"area": f"A{i}", **{c: int(values[i, j]) for j, c in enumerate(cols)}} for i in range(n)]
    rows.append({"area": "All", **{c: int(values[:, j].sum()) for j, c in enumerate(cols)}})
    df = pl.DataFrame(rows).with_columns(pl.sum_horizontal(cols).alias("total"))
    df = df.with_columns(
        pl.when(pl.col("area") == "All").then(pl.lit("overall")).otherwise(pl.lit("area")).alias("level")
    )
    return ResultTable(
        key="grid", title="grid", data=df, dims=["level", "area"], counts=[*cols, "total"],
        additive=[RowsAddUp(c, ("level",), total=(("level", "overall"),)) for c in [*cols, "total"]]
        + [ColumnsAddUp(tuple(cols), "total")],
    )  # fmt: skip


def _completions(table: ResultTable, hidden: np.ndarray, bound: int) -> dict:
    """For each hidden cell, every value (0..bound) it takes in some integer filling of the hidden
    cells that agrees with the visible cells and every row and column total."""
    vals = table.data.select(table.counts).to_numpy().astype(int)
    cells = list(zip(*np.nonzero(hidden), strict=True))
    if not cells:
        return {}
    grid = (
        np.array(np.meshgrid(*[np.arange(bound + 1)] * len(cells), indexing="ij")).reshape(len(cells), -1).T
    )
    v = np.repeat(vals[None], len(grid), axis=0)
    for c, (i, j) in enumerate(cells):
        v[:, i, j] = grid[:, c]
    m = len(table.counts) - 1
    ok = (v[:, :-1].sum(axis=1) == v[:, -1]).all(axis=1) & (v[:, :, :m].sum(axis=2) == v[:, :, m]).all(axis=1)
    return {cell: set(grid[ok, c].tolist()) for c, cell in enumerate(cells)}


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(2, 3), st.integers(2, 3), st.data())
def test_no_small_hidden_count_can_be_narrowed_below_the_threshold_brute_force(n, m, data):
    """Independent of the linear programmes: enumerate every filling a reader could consider."""
    values = np.array(data.draw(st.lists(st.integers(0, 7), min_size=n * m, max_size=n * m))).reshape(n, m)
    table = _grid(values)
    p = protect_release({"grid": table}, NDTMS)["grid"]
    hidden = p.hidden.select(table.counts).to_numpy()
    if hidden.sum() > 4:
        return  # too many to enumerate: the linear programmes are checked on the smaller cases
    truth = table.data.select(table.counts).to_numpy()
    bound = int(truth.max()) + K + 1
    for cell, xs in _completions(table, hidden, bound).items():
        if 1 <= truth[cell] <= K:
            assert max(xs) - min(xs) >= K + 1 or max(xs) == bound, (values, cell, xs)


def _always_narrow(monkeypatch):
    """A reader who pins the first hidden count while any count of its table is visible."""
    from ipseval.disclosure import audit

    def failures(self, small, width, only=None):
        hidden = [i for i, c in enumerate(self.cells) if self.hidden[i] and 1 <= self.values[i] <= small]
        if not hidden or self.hidden.all():
            return []
        c = self.cells[hidden[0]]
        return [audit.Failure(c, float(self.values[hidden[0]]), 0.0, 1.0)]

    monkeypatch.setattr(audit.System, "failures", failures)
    monkeypatch.setattr(audit.System, "neighbours", lambda self, cell: [])


def test_a_table_that_cannot_otherwise_be_protected_is_withheld_whole(monkeypatch):
    _always_narrow(monkeypatch)
    table = _grid(np.array([[2, 9], [9, 9]]))
    p = protect_release({"grid": table}, NDTMS)["grid"]
    assert p.hidden.select(table.counts).to_numpy().all()
    assert any("Every count of this table is hidden" in n for n in p.notes)


def test_a_release_that_cannot_be_protected_is_refused(monkeypatch):
    from ipseval.disclosure import release

    _always_narrow(monkeypatch)
    monkeypatch.setattr(release, "_whole_tables", lambda system, failures, withheld: [])
    table = _grid(np.array([[2, 9], [9, 9]]))
    with pytest.raises(DisclosureError, match="release is not written"):
        protect_release({"grid": table}, NDTMS)


def test_shared_counts_are_hidden_together():
    a = ResultTable(key="a", title="a", data=pl.DataFrame({"g": ["x", "y"], "n": [3, 40]}), dims=["g"],
                    counts=["n"], shares=[SameCount("n", "people", ("g",))])  # fmt: skip
    b = ResultTable(key="b", title="b", data=pl.DataFrame({"g": ["x", "y"], "m": [3, 40], "w": [9, 9]}),
                    dims=["g"], counts=["m", "w"], shares=[SameCount("m", "people", ("g",))])  # fmt: skip
    p = protect_release({"a": a, "b": b}, NDTMS)
    assert p["a"].hidden["n"].to_list() == p["b"].hidden["m"].to_list() == [True, False]


def test_the_demo_release_passes_its_own_audit(release):
    text = json.dumps(release)
    assert "Not for publication" not in text
    assert re.search(r"\d+ of \d+ clients", text) is None


def test_a_hidden_job_count_is_not_all_clients_minus_those_at_risk_and_discharged():
    """Replay (time to job with discharge competing): nobody's follow-up ended before month 12, so
    job starts = clients - still at risk - discharged. Declared as 'at most' (the rest are
    censored, never fewer than none), the audit must cover the hidden 3."""
    from ipseval.metrics import AT_MOST_CLIENTS

    data = pl.DataFrame(
        {"months": [3, 12], "clients": [30, 30], "at_risk": [25, 20], "job_entries_by_then": [0, 3],
         "discharged_by_then": [4, 7]}
    )  # fmt: skip
    counts = ["clients", "at_risk", "job_entries_by_then", "discharged_by_then"]
    table = ResultTable(
        key="at", title="at", data=data, dims=["months"], counts=counts, additive=[AT_MOST_CLIENTS]
    )
    p = protect_release({"at": table}, NDTMS)["at"]
    assert p.hidden["job_entries_by_then"].to_list() == [False, True]
    others = p.hidden.row(1, named=True)
    assert any(others[c] for c in ("clients", "at_risk", "discharged_by_then"))
