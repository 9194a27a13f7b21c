"""Client ids written differently in different tables ("CRR-000040" in clients, "40" in meetings).

Some systems write a client's id in full in one table and only its number in another. When a table's
client ids do not match the clients table as written, but do once both are normalised (case and
spaces ignored, the prefix common to each table's ids and leading zeros set aside, so "CRR-000040",
"crr-40" and "40" are all "40"), they are matched: under ``input.match_client_ids = "auto"`` only
when no two client ids of the clients table normalise to the same key, and then an id that differs
only in how it is written (case, spaces, "-", "_", "/", ".": "hzn001134 " for "HZN-001134") always,
one that needs a prefix or leading zeros set aside only when the table writes its ids that way
(at least half of its distinct ids match so): a lone "IPS0715" among ids written "IPS00715" is a
typo that could name the wrong person, and stays a problem; under "normalised" whenever it is
unambiguous; never under "exact". A warning names the table, one example and how many
ids and rows were read this way; ids that still do not match stay problems ("client_id not found").
No id values are shown beyond the one example, as problems already show them.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

MOST = 0.5  # share of a table's distinct ids that must need the prefix or zeros set aside ("auto")
SETTING = "input.match_client_ids"


@dataclass
class IdMatch:
    """How a table's client ids were matched: ``ids`` with the ones read as a client's own id
    replaced, and the warning (or None when nothing was matched this way)."""

    ids: pl.Series
    message: str | None = None
    value: str | None = None


def _prefix(values: list[str]) -> str:
    """The prefix common to ``values`` up to their first digit ("crr-" of "crr-000040", "crr-000042")."""
    if not values:
        return ""
    lo, hi = min(values), max(values)  # the prefix common to all is the one of the extremes
    prefix = lo[: next((i for i, (a, b) in enumerate(zip(lo, hi, strict=False)) if a != b), len(lo))]
    cut = next((i for i, ch in enumerate(prefix) if ch.isdigit()), len(prefix))
    return prefix[:cut]


def keys(ids: pl.Series) -> pl.Series:
    """Each id's key: lower case without spaces and punctuation (- _ / .), the prefix common to all
    of ``ids`` (up to the first digit) and then leading zeros removed; null where nothing with a
    digit is left."""
    low = ids.cast(pl.Utf8).str.to_lowercase().str.replace_all(r"[\s\-_/.]+", "")
    prefix = _prefix(low.drop_nulls().unique().to_list())
    out = low.str.strip_prefix(prefix) if prefix else low
    out = out.str.replace(r"^0+(\d)", "$1")
    return out.set(~out.str.contains(r"\d").fill_null(False), None)


def _written_alike(a: pl.Series, b: pl.Series) -> pl.Series:
    """Whether ids ``a`` and ``b`` differ only in case, spaces and punctuation (- _ / .)."""

    def light(s: pl.Series) -> pl.Series:
        return s.cast(pl.Utf8).str.to_lowercase().str.replace_all(r"[\s\-_/.]+", "")

    return light(a) == light(b)


def match_ids(ids: pl.Series, clients: pl.Series, mode: str, file: str) -> IdMatch:
    """``ids`` (a table's client_id column) with the ids that match ``clients`` only once normalised
    read as the client's own, when ``mode`` allows it; see the module docstring."""
    if mode == "exact" or ids.is_null().all():
        return IdMatch(ids)
    known = clients.drop_nulls().unique(maintain_order=True)
    distinct = ids.drop_nulls().unique(maintain_order=True).cast(pl.Utf8)  # a big file's: categoricals
    unmatched = distinct.filter(~distinct.is_in(known.implode()))
    if unmatched.is_empty():
        return IdMatch(ids)
    client_keys = pl.DataFrame({"client": known, "key": keys(known)}).drop_nulls()
    if client_keys["key"].is_duplicated().any():
        return IdMatch(ids)  # two clients would be one: matching would be a guess
    own = pl.DataFrame({"id": distinct, "key": keys(distinct)}).filter(
        pl.col("id").is_in(unmatched.implode())
    )
    found = own.join(client_keys, on="key", how="inner", maintain_order="left")
    if found.is_empty():
        return IdMatch(ids)
    if mode == "auto" and found.height < MOST * distinct.len():  # not the table's way of writing ids
        found = found.filter(_written_alike(found["id"], found["client"]))
        if found.is_empty():
            return IdMatch(ids)
    mapping = dict(zip(found["id"], found["client"], strict=True))
    rows = int(ids.is_in(found["id"].implode()).sum())
    new = ids.cast(pl.Utf8).replace(mapping).cast(ids.dtype)
    example_id, example_client = found["id"][0], found["client"][0]
    n = found.height
    left = unmatched.len() - n
    still = f"; {left} other id{'s' if left != 1 else ''} still not found in clients" if left else ""
    message = (
        f"client ids written differently from the clients table: '{example_id}' in {file} read as "
        f"'{example_client}' (the same once case, spaces, the common prefix and leading zeros are set "
        f"aside); {n} id{'s' if n != 1 else ''} ({rows} row{'s' if rows != 1 else ''}) read this way"
        f'{still}. If they are different people, set {SETTING} = "exact"'
    )
    return IdMatch(new, message, f"{example_id} read as {example_client}")
