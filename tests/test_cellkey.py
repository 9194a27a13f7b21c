"""The cell key method (issue 15 §3): perturbed figures for a viewer's filtered views.

The differencing replay measures what an attacker gets from two views that differ by one calendar
month of referrals: with exact figures (the ndtms policy) the difference gives the month's clients'
outcomes exactly; with the cell key method it is spread over several values and right no more often
than chance allows.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ipseval import metrics, subset
from ipseval.disclosure import describe_policy, policy_for, protect
from ipseval.disclosure.cellkey import (
    KEY_MODULUS,
    NOT_RUN_IN_VIEW,
    WITHHELD_NOTE,
    CKMParams,
    key_sum,
    lookup,
    perturbed_view_size,
    ptable,
    record_keys,
)
from ipseval.results import Rate, ResultTable
from ipseval.settings import Disclosure, Settings
from ipseval.store import Store, import_dataset
from ipseval.subset import Filters

CKM = Settings().disclosure.model_copy(update={"policy": "ckm"})


# ------------------------------------------------------------------------ the perturbation table


@pytest.mark.parametrize(("D", "V", "js"), [(5, 3.0, 2), (3, 2.5, 2), (4, 1.0, 0), (8, 6.5, 4), (2, 1.2, 1)])
def test_ptable_rows_have_mean_0_variance_v_and_respect_the_bounds(D, V, js):
    pt = ptable(D, V, js)
    v = pt.noises
    assert pt.probs.shape == (D + js + 2, 2 * D + 1)
    assert pt.probs[0].tolist() == [0.0] * D + [1.0] + [0.0] * D  # zero stays zero
    for n in range(1, pt.rows):
        p = pt.probs[n]
        assert (p >= 0).all() and abs(p.sum() - 1) < 1e-12
        assert abs(p @ v) < 1e-12, n
        assert abs(p @ (v * v) - V) < 1e-12, n
        target = n + v
        assert p[target < 0].sum() == 0  # never negative
        assert p[(target >= 1) & (target <= js)].sum() == 0  # never a small count
    # rows past D + js are unconstrained, hence the same (the last row serves every larger count)
    assert np.allclose(pt.probs[-1], pt.probs[-1][::-1])


def test_ptable_is_deterministic_and_refuses_impossible_parameters():
    a = ptable(5, 3.0, 2).probs.copy()
    ptable.cache_clear()
    assert np.array_equal(a, ptable(5, 3.0, 2).probs)
    with pytest.raises(ValueError, match="variance between 2 and"):
        ptable(5, 1.5, 2)  # a true 1 shown as 0 or 3+ needs a variance of at least 2
    with pytest.raises(ValueError, match="below the maximum"):
        ptable(2, 1.0, 2)
    with pytest.raises(ValueError, match="ckm settings"):
        Disclosure(ckm_variance=1.5)
    with pytest.raises(ValueError, match="dashboard"):
        Disclosure(policy="ckm")  # never the report's policy


def test_lookup_draws_each_noise_with_its_probability():
    pt = ptable(5, 3.0, 2)
    keys = (np.arange(200_000, dtype=np.int64) * 21_474 + 7) % KEY_MODULUS  # spread over 0..2^32
    for n in (1, 2, 3, 40):
        noise = lookup(pt, np.full(keys.size, n), keys)
        freq = np.bincount(noise + pt.D, minlength=2 * pt.D + 1) / keys.size
        assert np.abs(freq - pt.probs[min(n, pt.rows - 1)]).max() < 0.01
        shown = n + noise
        assert (shown >= 0).all() and not ((shown >= 1) & (shown <= 2)).any()
    assert (lookup(pt, np.zeros(10), keys[:10]) == 0).all()


def test_record_keys_are_fixed_per_seed_and_client():
    ids = pl.Series(["a", "b", "c"])
    k1, k2 = record_keys(ids, b"s" * 32), record_keys(ids, b"s" * 32)
    assert k1.to_list() == k2.to_list()
    assert record_keys(ids, b"t" * 32).to_list() != k1.to_list()
    assert all(0 <= k < KEY_MODULUS for k in k1.to_list())
    assert record_keys(pl.Series(["b"]), b"s" * 32).to_list() == [k1[1]]  # a key is the client's own


# ------------------------------------------------------------------------ perturbing a table


def _table(counts: list[tuple[int, int]], keys: list[tuple[int, int]]) -> ResultTable:
    df = pl.DataFrame(
        {
            "group": [f"g{i}" for i in range(len(counts))],
            "total": [c[0] for c in counts],
            "part": [c[1] for c in counts],
            "total_key": [k[0] for k in keys],
            "part_key": [k[1] for k in keys],
        }
    ).with_columns(
        (pl.col("part") / pl.col("total")).alias("rate"),
        pl.lit(0.1).alias("ci_low"),
        pl.lit(0.9).alias("ci_high"),
        (pl.col("total") * 1.5).alias("mean"),
    )
    return ResultTable(
        key="t",
        title="t",
        data=df,
        dims=["group"],
        counts=["total", "part"],
        rates={"rate": Rate("part", "total", ("ci_low", "ci_high"))},
        guarded={"mean": "total"},
        keys={"total": "total_key", "part": "part_key"},
    )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 60),
            st.integers(0, 60),
            st.integers(0, KEY_MODULUS - 1),
            st.integers(0, KEY_MODULUS - 1),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_perturbed_counts_are_near_the_truth_and_rates_come_from_them(rows):
    counts = [(max(a, b), min(a, b)) for a, b, _, _ in rows]
    keys = [(k1, k2) for _, _, k1, k2 in rows]
    table = _table(counts, keys)
    out = protect(table, CKM)
    params = CKMParams.of(CKM)
    assert "total_key" not in out.data.columns and "part_key" not in out.data.columns
    by_group = {r["group"]: r for r in out.data.to_dicts()}
    for i, (total, part) in enumerate(counts):
        r = by_group.get(f"g{i}")
        if r is None:  # left out: every perturbed count is 0
            continue
        for col, true in (("total", total), ("part", part)):
            shown = r[col]
            assert shown >= 0 and abs(shown - true) <= params.max_perturbation
            assert not 1 <= shown <= params.small_counts
            assert (shown == 0) or true > 0  # zero stays zero
        if r["total"] > 0 and table.data["rate"][i] is not None:
            assert r["rate"] == pytest.approx(min(r["part"], r["total"]) / r["total"])
            assert r["rate"] <= 1
        if r["total"] < params.min_statistic_n:
            assert r["mean"] is None
    # the same rows always give the same figures
    assert protect(table, CKM).data.equals(out.data)


def test_rows_with_nothing_left_are_left_out_and_statistics_rounded():
    table = _table([(0, 0), (80, 40)], [(0, 0), (12345, 678)])
    out = protect(table, CKM)
    assert out.data["group"].to_list() == ["g1"]
    mean = out.data["mean"][0]
    assert mean is not None and mean == float(f"{mean:.2g}")


def test_a_table_without_keys_is_withheld_and_not_about_people_kept_only_when_view_independent():
    t = _table([(10, 5)], [(1, 2)])
    plain = ResultTable(
        key="evidence_x", title="x", data=t.data.drop("total_key", "part_key"), counts=["total"]
    )
    out = protect(plain, CKM)
    assert out.withheld == WITHHELD_NOTE and out.data.height == 0 and out.notes == [WITHHELD_NOTE]
    records = ResultTable(
        key="wellbeing_records", title="r", data=pl.DataFrame({"x": [1]}), about_people=False
    )
    assert protect(records, CKM).withheld
    fidelity = ResultTable(
        key="fidelity_reviews", title="f", data=pl.DataFrame({"x": [1]}), about_people=False
    )
    assert not protect(fidelity, CKM).withheld and protect(fidelity, CKM).data.height == 1
    status = pl.DataFrame(
        {"analysis": ["a", "b"], "status": ["run", "not run"], "reason": ["", "6 job starts"]}
    )
    analyses = ResultTable(key="analyses", title="a", data=status, about_people=False)
    assert protect(analyses, CKM).data["reason"].to_list() == ["", NOT_RUN_IN_VIEW]


def test_model_tables_only_for_big_models_and_without_counts():
    df = pl.DataFrame(
        {
            "term": ["x", "x", "y"],
            "level": ["a", "b", ""],
            "n": [150, 60, 210],
            "odds_ratio": [1.234, 2.345, 0.9876],
        }
    )
    big = ResultTable(
        key="m",
        title="m",
        data=df,
        dims=["term", "level"],
        counts=["n"],
        guarded={"odds_ratio": "n"},
        model=True,
    )
    out = protect(big, CKM)
    assert not out.withheld
    assert out.data["n"].to_list() == [None, None, None] and out.hidden["n"].all()
    assert out.data["odds_ratio"].to_list() == [1.2, 2.3, 0.99]
    small = ResultTable(
        key="m",
        title="m",
        data=df.with_columns(pl.col("n") // 2),
        dims=["term", "level"],
        counts=["n"],
        guarded={"odds_ratio": "n"},
        model=True,
    )
    assert protect(small, CKM).withheld


def test_policy_for_a_viewers_filtered_view_and_its_description():
    s = Settings()
    assert policy_for(s, "viewer").policy == "ndtms"
    p = policy_for(s, "viewer", filtered=True)
    assert p.policy == "ckm" and p.ckm_max_perturbation == 5
    assert policy_for(s, "analyst", filtered=True).policy == "ndtms"
    d = describe_policy(p)
    assert d["name"] == "ckm" and d["warning"] is None
    assert "perturbed" in d["viewer_note"] and "up to 5" in d["viewer_note"]
    assert "variance 3" in d["description"] and "1 to 2" in d["description"]


# ------------------------------------------------------------------------ on the demo


@pytest.fixture(scope="module")
def demo400(tmp_path_factory):
    """A 400-client demo, validated and imported as the dashboard does."""
    from ipseval import demo
    from ipseval.settings import load_settings
    from ipseval.validate import load

    d = tmp_path_factory.mktemp("ckm") / "data"
    demo.write_demo(d, n_clients=400, seed=15, interviews=False)
    s = load_settings(search_dir=d)
    ds = load(d, s)
    db = d.parent / "store.duckdb"
    import_dataset(db, ds.tables, s, ds.data_cut, row_counts=ds.row_counts, key_secret=b"test secret")
    return db, s, ds


def test_keys_are_kept_by_a_reimport_with_the_secret_and_by_parts(demo400, tmp_path):
    db, s, ds = demo400
    with Store(db) as store:
        keys = store.record_keys
        clients = store.table("clients")
    assert keys is not None and keys.height == clients.height and keys["client_id"].n_unique() == keys.height
    again = tmp_path / "again.duckdb"
    import_dataset(again, ds.tables, s, ds.data_cut, key_secret=b"test secret")
    with Store(again) as store:
        assert store.record_keys.sort("client_id").equals(keys.sort("client_id"))
    fresh = tmp_path / "fresh.duckdb"
    import_dataset(fresh, ds.tables, s, ds.data_cut)  # no secret: fresh keys
    with Store(fresh) as store:
        assert not store.record_keys.sort("client_id").equals(keys.sort("client_id"))
    area = clients["local_authority"][0]
    subset.evaluate_part(db, Filters(area=area), s, tmp_path / "part.duckdb")
    with Store(tmp_path / "part.duckdb") as store:
        part = store.record_keys
    assert part.height == clients.filter(pl.col("local_authority") == area).height
    assert (
        part.join(keys, on="client_id", suffix="_parent")
        .select((pl.col("record_key") == pl.col("record_key_parent")).all())
        .item()
    )


def test_the_unperturbed_path_publishes_no_key_columns(demo400):
    db, s, _ = demo400
    with Store(db) as store:
        tables = {"outcomes": metrics.outcomes(store), "sustainment": metrics.sustainment(store)}
        tables |= metrics.time_to_job(store, s)
    for t in tables.values():
        out = protect(t, s.disclosure)
        assert not [c for c in out.data.columns if c.endswith("_key")]
        assert set(t.keys.values()) <= set(t.internal)
    assert tables["outcomes"].keys and tables["time_to_job_at"].keys and tables["sustainment"].keys


def _same_clients_views(clients: pl.DataFrame) -> tuple[Filters, Filters]:
    """Two different filters that select the same clients: an area, and the same area from its first
    referral to its last."""
    area = clients["local_authority"].value_counts().sort("count")[-1, "local_authority"]
    mine = clients.filter(pl.col("local_authority") == area)["referral_date"]
    return Filters(area=area), Filters(area=area, referred_from=mine.min(), referred_to=mine.max())


def test_same_clients_same_figures_whatever_the_view(demo400, tmp_path):
    db, s, _ = demo400
    with Store(db) as store:
        clients = store.table("clients")
        whole = metrics.outcomes(store)
    a, b = _same_clients_views(clients)
    policy = policy_for(s, "viewer", filtered=True)
    ev_a, n_a = subset.evaluate_part(db, a, s, tmp_path / "a.duckdb")
    ev_b, n_b = subset.evaluate_part(db, b, s, tmp_path / "b.duckdb")
    assert n_a == n_b
    pa, pb = ev_a.publish(policy), ev_b.publish(policy)
    for key in ("outcomes", "sustainment", "job_entry_by_meeting_band", "profile", "time_to_job_at"):
        assert not pa.tables[key].withheld, key
        assert pa.tables[key].data.equals(pb.tables[key].data), key
    # ... and the whole service's row for that area is the same people: the same perturbed figures
    row = protect(whole, policy).data.filter(pl.col("group") == a.area)
    overall = pa.tables["outcomes"].data.filter(pl.col("breakdown") == "overall")
    for c in ("referrals", "engaged", "denominator", "job_entries", "without_job_entry"):
        assert row[c][0] == overall[c][0], c
    size = perturbed_view_size(ev_a.tables, policy)
    assert size == overall["referrals"][0] and abs(size - n_a) <= 5
    # withheld tables say why; analyses that did not run say so without the view's figures
    shown = pa.tables
    assert shown["time_to_job_curve"].withheld and shown["time_to_job_curve"].data.height == 0
    reasons = shown["analyses"].data.filter(pl.col("status") != "run")["reason"].to_list()
    assert set(reasons) <= {NOT_RUN_IN_VIEW}


# ------------------------------------------------------------------------ the differencing replay


def _month_starts(first: date, last: date) -> list[date]:
    out, d = [], first.replace(day=1)
    while d <= last:
        out.append(d)
        d = date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return out


def _views_store(db: Path, s: Settings, views: list[Filters], path: Path) -> dict[str, pl.DataFrame]:
    """One store holding every view's clients as its own 'area' (client ids made unique per view,
    each keeping its record key): the outcomes table's area rows are then exactly the views' own
    overall rows, for the price of one import. Returns the keyed tables, unprotected."""
    from ipseval.schema import TABLES

    with Store(db) as store:
        present = store.tables_present
        tables = {n: store.table(n) for n in TABLES if n in present}
        keys = store.record_keys
        data_cut, unrecorded = store.data_cut, sorted(store.unrecorded)
    parts: dict[str, list[pl.DataFrame]] = defaultdict(list)
    all_keys = []
    for i, f in enumerate(views):
        part = subset.apply(tables, f)
        tag = f"v{i:05d}"
        for name in ("clients", "meetings", "jobs"):
            if name in part:
                frame = part[name].with_columns((pl.col("client_id") + "#" + tag).alias("client_id"))
                if name == "clients":
                    frame = frame.with_columns(pl.lit(tag).alias("local_authority"))
                    all_keys.append(
                        part["clients"]
                        .select("client_id")
                        .join(keys, on="client_id")
                        .with_columns((pl.col("client_id") + "#" + tag).alias("client_id"))
                    )
                parts[name].append(frame.rename({"source_row": "_row"}))
    combined = {n: pl.concat(fs) for n, fs in parts.items()}
    import_dataset(
        path, combined, s, data_cut, present=present, unrecorded=unrecorded, record_keys=pl.concat(all_keys)
    )
    with Store(path) as store:
        return {"outcomes": metrics.outcomes(store), "sustainment": metrics.sustainment(store)}


COUNT_CELLS = ("referrals", "engaged", "denominator", "job_entries", "without_job_entry", "not_engaged")


def test_differencing_views_one_month_apart_recovers_nobody(demo400, tmp_path):
    db, s, _ = demo400
    with Store(db) as store:
        clients = store.table("clients")
    months = _month_starts(clients["referral_date"].min(), clients["referral_date"].max())
    opts = subset.options_from(clients)
    slices = [Filters()]
    slices += [Filters(area=a) for a in opts.areas]
    slices += [Filters(source=x) for x in opts.sources]
    slices += [Filters(specialist=x) for x in opts.specialists]
    views = [Filters(f.area, f.source, f.specialist, referred_from=m) for f in slices for m in months]
    tables = _views_store(db, s, views, tmp_path / "views.duckdb")
    policy = policy_for(s, "viewer", filtered=True)
    true = tables["outcomes"].data.filter(pl.col("breakdown") == "local_authority")
    shown = protect(tables["outcomes"], policy).data.filter(pl.col("breakdown") == "local_authority")

    def cells(frame: pl.DataFrame) -> dict[str, dict]:
        return {r["group"]: r for r in frame.to_dicts()}

    t, p = cells(true), cells(shown)
    hits: dict[int, list[bool]] = defaultdict(list)  # true difference -> attacker exactly right?
    observed: dict[int, set[int]] = defaultdict(set)
    exact_pairs, whole_client_pairs, whole_client_recovered = 0, 0, 0
    which_unchanged = {"right": 0, "wrong": 0, "undecided": 0}
    entered = []
    for si in range(len(slices)):
        for mi in range(len(months) - 1):
            a, b = f"v{si * len(months) + mi:05d}", f"v{si * len(months) + mi + 1:05d}"
            if a not in t:  # no clients from this month on
                continue
            ta, tb = t[a], t.get(b, {})
            pa, pb = p.get(a, {}), p.get(b, {})
            diffs = {}
            for c in COUNT_CELLS:
                if ta.get(c) is None:
                    continue
                d = ta[c] - (tb.get(c) or 0)
                o = (pa.get(c) or 0) - (pb.get(c) or 0)
                diffs[c] = (d, o)
                if 1 <= d <= 4:
                    hits[d].append(o == d)
                    observed[d].add(o)
            exact_pairs += 1
            if diffs.get("referrals", (0, 0))[0] == 1:  # the two views differ by one client
                whole_client_pairs += 1
                whole_client_recovered += all(d == o for d, o in diffs.values())
                if diffs.get("denominator", (0, 0))[0] == 1:
                    # a cell the client is not in holds the same people in both views: with plain
                    # cell keys its figure would be the same, giving away which cell they are in
                    job = diffs["job_entries"][0] == 1
                    entered.append(job)
                    same_job = diffs["job_entries"][1] == 0
                    same_without = diffs["without_job_entry"][1] == 0
                    if same_job == same_without:
                        which_unchanged["undecided"] += 1
                    else:
                        which_unchanged["right" if same_without == job else "wrong"] += 1
    assert exact_pairs > 200
    for d in (1, 2, 3, 4):
        rate = np.mean(hits[d])
        # the attacker's guess (difference of the figures) is right about as often as two draws
        # from the ptable agree (about 0.16 to 0.35): never close to always
        assert len(hits[d]) >= 30 and rate < 0.45, (d, rate, len(hits[d]))
        assert len(observed[d]) >= 5, (d, observed[d])  # spread over many values
    # a single client's whole outcome (referred, engaged, in the denominator, job or not) is
    # almost never read off exactly; without perturbation it always is
    assert whole_client_pairs >= 30
    assert whole_client_recovered / whole_client_pairs < 0.1
    # "which of job entries / without a job did not change?" tells no more than the base rate
    decided = which_unchanged["right"] + which_unchanged["wrong"]
    base = max(np.mean(entered), 1 - np.mean(entered))
    assert len(entered) >= 30 and which_unchanged["undecided"] > decided / 2, which_unchanged
    assert which_unchanged["right"] / decided < base + 0.1, (which_unchanged, base)
    # ... and the same replay on exact figures (ndtms leaves counts of 5+ exact) recovers them
    exact = cells(protect(tables["outcomes"], Disclosure(policy="none")).data)
    assert all(exact[g]["referrals"] == t[g]["referrals"] for g in t)


def test_averaging_many_views_of_the_same_people_gains_nothing(demo400, tmp_path):
    """Different filters that select the same clients give the same noise, so averaging them is
    pointless: every view of an area's first six months of clients, chosen with any from/to days
    around them (where nobody else of the area was referred), shows exactly the same figures."""
    db, s, _ = demo400
    with Store(db) as store:
        clients = store.table("clients")
    area = clients["local_authority"].value_counts().sort("count")[-1, "local_authority"]
    mine = clients.filter(pl.col("local_authority") == area).sort("referral_date")
    first = mine["referral_date"][0]
    last_month = date(first.year + (first.month + 4) // 12, (first.month + 4) % 12 + 1, 1)
    end = last_month.replace(day=calendar.monthrange(last_month.year, last_month.month)[1])
    inside = mine.filter(pl.col("referral_date") <= end)["referral_date"]
    after = mine.filter(pl.col("referral_date") > end)["referral_date"]
    views = []
    for start in range(1, inside.min().day + 1):
        for days in range(8):
            to = inside.max() + timedelta(days=days)
            if after.len() and to >= after.min():
                break
            views.append(Filters(area=area, referred_from=first.replace(day=start), referred_to=to))
    assert len(views) >= 4 and inside.len() >= 10
    tables = _views_store(db, s, views, tmp_path / "same.duckdb")
    shown = protect(tables["outcomes"], policy_for(s, "viewer", filtered=True)).data
    rows = shown.filter(pl.col("breakdown") == "local_authority").drop("group")
    assert rows.height == len(views)
    assert rows.unique().height == 1  # one figure, however many views ask
    true = tables["outcomes"].data.filter(pl.col("breakdown") == "local_authority")
    assert true["referrals"].n_unique() == 1 and true["referrals"][0] == inside.len()


def test_key_sums_are_exact_and_order_free():
    rng = np.random.default_rng(1)
    keys = rng.integers(0, KEY_MODULUS, size=10_000)
    assert key_sum(keys) == key_sum(keys[::-1]) == int(sum(int(k) for k in keys) % KEY_MODULUS)
    mask = rng.random(10_000) < 0.3
    assert (key_sum(keys) - key_sum(keys, mask)) % KEY_MODULUS == key_sum(keys, ~mask)


def test_a_row_is_kept_by_its_own_counts_not_by_a_total():
    """The profile's Unknown row exists only when someone is unknown: shown only if its own
    perturbed n is above 0, not because its clients total is."""
    df = pl.DataFrame(
        {
            "level": ["a", "b", "unknown"],
            "n": [40, 39, 1],
            "clients": [80, 80, 80],
            "n_key": [1, 2, 2**31 + 5],
        }
    ).with_columns(pl.lit(3).alias("clients_key"))
    t = ResultTable(
        key="p",
        title="p",
        data=df,
        dims=["level"],
        counts=["n", "clients"],
        keys={"n": "n_key", "clients": "clients_key"},
    )
    shown = protect(t, CKM).data
    noise = lookup(ptable(5, 3.0, 2), np.array([1]), np.array([2**31 + 5]))[0]
    assert ("unknown" in shown["level"].to_list()) == (1 + noise > 0)


def test_the_unperturbed_path_is_unchanged(demo400):
    """The keyed tables' figures equal those the code gave before cell keys (committed, made from
    the same demo by the commit before this work), and ndtms protects them exactly as it protects
    the same table without key declarations."""
    import dataclasses
    import json

    from ipseval.impact.survival import time_to_job_by
    from ipseval.profile import profile

    db, s, _ = demo400
    with Store(db) as store:
        tables = {
            "outcomes": metrics.outcomes(store),
            "sustainment": metrics.sustainment(store),
            "job_entry_by_meeting_band": metrics.meeting_bands(store),
            "profile": profile(store),
        }
        tables |= metrics.time_to_job(store, s)
        tables |= time_to_job_by(store, s, "local_authority")
    expected = json.loads((Path(__file__).parent / "fixtures" / "ckm_unperturbed_tables.json").read_text())

    def clean(v):
        return float(f"{v:.10g}") if isinstance(v, float) else v

    for key, want in expected.items():
        t = tables[key]
        assert t.keys, key
        keyless = [*t.keys.values(), t.population_key]
        df = t.data.drop([c for c in t.data.columns if c in keyless])
        # the profile's age bands came after the snapshot: the rows it has must be the same
        was = df.filter(pl.col("characteristic") != "age_band") if key == "profile" else df
        got = json.loads(json.dumps([[clean(x) for x in r] for r in was.rows()], default=str))
        assert df.columns == want["columns"], key
        assert got == want["rows"], key
        plain = dataclasses.replace(t, data=df, keys={}, population_key="", internal=[])
        plain = dataclasses.replace(plain, internal=[c for c in t.internal if c not in keyless])
        a, b = protect(t, s.disclosure), protect(plain, s.disclosure)
        assert a.data.equals(b.data) and a.hidden.equals(b.hidden), key
