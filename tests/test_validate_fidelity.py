"""An item given twice in one fidelity review is named by validate (worked out by hand)."""

from __future__ import annotations

import polars as pl

from ipseval.settings import Settings
from ipseval.validate import load

CLIENTS = "client_id,local_authority,referral_date\nC1,Leeds,2023-01-05\n"


def _review(team: str, day: str, items: list[int]) -> list[str]:
    return [f"{team},{day},{i},3" for i in items]


def test_an_item_twice_in_a_review_is_an_error_saying_which_item_the_review_lacks(tmp_path):
    keyed_wrong = [i if i != 17 else 18 for i in range(1, 26)]  # item 17 keyed as 18: rows 18, 19
    rows = ["team,review_date,item,score"]
    rows += _review("Leeds", "2023-03-01", keyed_wrong)  # file rows 2-26
    rows += _review("leeds ", "2023-09-01", list(range(1, 26)))  # another review: no problem
    rows += _review("York", "2023-03-01", [*range(1, 26), 4])  # item 4 again, nothing missing: row 77
    (tmp_path / "clients.csv").write_text(CLIENTS, encoding="utf-8")
    (tmp_path / "fidelity.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    ds = load(tmp_path, Settings())
    twice = ds.problems.filter(pl.col("expected").str.starts_with("each item once per review"))
    assert twice.select("row", "value", "message").rows() == [
        (19, "18", "item 18 given twice in this review: duplicate of row 18, and item 17 is missing from "
         "it (keyed as 18?)"),
        (77, "4", "item 4 given twice in this review: duplicate of row 55"),
    ]  # fmt: skip
    assert set(twice["severity"]) == {"error"}
    assert ds.tables["fidelity"].height == 76 - 2  # 25 + 25 + 26 rows, the two repeats rejected
