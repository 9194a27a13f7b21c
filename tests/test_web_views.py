"""Every view a person can ask the dashboard for answers with its figures or a clear refusal.

Each combination of area, referral source and employment specialist that holds clients (and some
that hold none), with and without a referral period, is asked for on every page: the answer is
200 with the page, or a refusal that says why (a view too small for a viewer), never a server
error. Small views are where analyses cannot run; each must say so on its page.
"""

from __future__ import annotations

import itertools
from urllib.parse import urlencode

import polars as pl
import pytest
from fastapi.testclient import TestClient

from ipseval.settings import Settings
from ipseval.web.app import create_app
from ipseval.web.views import PAGES

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from ipseval import demo

    data = tmp_path_factory.mktemp("views") / "data"
    demo.write_demo(data, n_clients=80, seed=5, interviews=False)
    s = Settings()
    s.impact.imputations = 2
    s.impact.bootstrap_reps = 99
    app = create_app(data.parent / "home", s)
    app.state.workspace.import_folder(data, "setup")
    for role in ("viewer", "analyst"):
        app.state.accounts.add(role, role, PASSWORD)
    clients = pl.read_csv(data / "clients.csv", infer_schema=False)
    return app, clients


def _client(app, role: str) -> TestClient:
    import re

    c = TestClient(app, base_url="http://127.0.0.1:8050", raise_server_exceptions=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
    r = c.post(
        "/login", data={"username": role, "password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303
    return c


def _combinations(clients: pl.DataFrame) -> list[dict[str, str]]:
    """Every area x source x specialist combination with clients in it (each dimension also left
    open), plus a few that hold nobody."""
    cols = {"area": "local_authority", "source": "referral_source", "specialist": "employment_specialist_id"}
    seen: set[tuple] = set()
    for row in clients.select(*cols.values()).drop_nulls().unique().iter_rows():
        for keep in itertools.product((False, True), repeat=3):
            seen.add(tuple(v if k else None for v, k in zip(row, keep, strict=True)))
    areas = clients["local_authority"].drop_nulls().unique().sort().to_list()
    specialists = clients["employment_specialist_id"].drop_nulls().unique().sort().to_list()
    seen.add((areas[0], None, next(s for s in specialists if s not in _of(clients, areas[0]))))  # nobody
    return [{k: v for k, v in zip(cols, combo, strict=True) if v} for combo in sorted(seen, key=str)]


def _of(clients: pl.DataFrame, area: str) -> set[str]:
    return set(clients.filter(pl.col("local_authority") == area)["employment_specialist_id"].to_list())


def _check(response, where: str) -> None:
    assert response.status_code in (200, 400, 403, 404), (
        f"{where}: {response.status_code} {response.text[:300]}"
    )
    if response.status_code == 400:  # a value the data do not hold (the file's rejected rows had it)
        assert "This filter cannot be used" in response.text, where
    if response.status_code == 403:
        assert "fewer than" in response.text, where
    if response.status_code == 404:  # a table the view's data could not give: the reason, in words
        assert "It needs" in response.text, where
    assert "Internal Server Error" not in response.text, where


def test_every_filter_combination_answers_every_page_or_says_why(site):
    """Each combination is evaluated (the impact page, where the models are); every fifth is also
    drawn on every page, for analysts and viewers (rendering is the same code for all views)."""
    app, clients = site
    analyst, viewer = _client(app, "analyst"), _client(app, "viewer")
    combos = _combinations(clients)
    assert len(combos) > 100
    periods = [{}, {"from": "2019-01-01", "to": "2019-12-31"}, {"from": "2021-03-01", "to": "2021-03-31"}]
    for i, combo in enumerate(combos):
        query = urlencode(combo | periods[i % len(periods)])
        _check(analyst.get(f"/page/impact?{query}"), f"analyst impact {query}")
        _check(viewer.get(f"/table/outcomes.csv?{query}"), f"viewer outcomes.csv {query}")
        if i % 5 == 0:
            for page, *_ in PAGES:
                _check(analyst.get(f"/page/{page}?{query}"), f"analyst {page} {query}")
                _check(viewer.get(f"/page/{page}?{query}"), f"viewer {page} {query}")
            _check(analyst.get(f"/definitions?{query}"), f"analyst definitions {query}")


def test_a_view_too_small_for_a_model_says_why_on_its_page(site):
    from ipseval.store import Store

    app, _clients = site
    analyst = _client(app, "analyst")
    with Store(app.state.workspace.current().db_path) as store:  # the clients the dashboard holds
        imported = store.query(
            "SELECT employment_specialist_id FROM clients WHERE employment_specialist_id IS NOT NULL"
        )
    specialist = (
        # ties broken by id: group_by's order is not fixed, and two specialists with as few
        # clients need not both be too small for the same analyses
        imported.group_by("employment_specialist_id")
        .len()
        .sort(["len", "employment_specialist_id"])["employment_specialist_id"][0]
    )
    page = analyst.get(f"/page/impact?{urlencode({'specialist': specialist})}")
    assert page.status_code == 200
    assert "It needs at least" in page.text
