"""Part of a data set: which clients a view covers (filters, as data), the data set cut to them,
and that part evaluated.

A view is the whole evaluation re-run on the clients that pass the filters (area, referral period,
referral source, employment specialist), so every figure means what it means in the report, only
for fewer people; an analysis the part is too small for says why, like any other. The dashboard
carries filters in the URL (``?area=Ealing&from=2020-01-01``), so a view can be bookmarked.
"""

from __future__ import annotations

import calendar
import hashlib
import os
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import polars as pl

if TYPE_CHECKING:
    from .evaluation import Evaluation
    from .settings import Settings
    from .store import Store

FIELDS = ("area", "source", "specialist", "from", "to")


@dataclass(frozen=True)
class Filters:
    area: str | None = None
    source: str | None = None  # referral source
    specialist: str | None = None  # employment specialist id
    referred_from: date | None = None
    referred_to: date | None = None

    @property
    def empty(self) -> bool:
        return self == Filters()

    def query(self) -> dict[str, str]:
        """The URL query that gives this view (empty values left out)."""
        q = {
            "area": self.area,
            "source": self.source,
            "specialist": self.specialist,
            "from": self.referred_from.isoformat() if self.referred_from else None,
            "to": self.referred_to.isoformat() if self.referred_to else None,
        }
        return {k: v for k, v in q.items() if v}

    def query_string(self) -> str:
        return urlencode(self.query())

    def key(self) -> str:
        """A short stable name for caching this view."""
        return hashlib.sha256(self.query_string().encode()).hexdigest()[:16]

    def describe(self) -> str:
        """The view in words, for page headings and downloads."""
        parts = []
        if self.area:
            parts.append(f"area {self.area}")
        if self.source:
            from .labels import code_label

            parts.append(f"referral source {code_label('referral_source', self.source)}")
        if self.specialist:
            parts.append(f"specialist {self.specialist}")
        if self.referred_from or self.referred_to:
            a = self.referred_from.isoformat() if self.referred_from else "the start"
            b = self.referred_to.isoformat() if self.referred_to else "the data cut"
            parts.append(f"referred {a} to {b}")
        return "; ".join(parts) if parts else "all clients"

    def whole_quarters(self) -> Filters:
        """The referral period widened to whole calendar quarters (January–March, …)."""
        start = end = None
        if self.referred_from:
            start = self.referred_from.replace(month=3 * ((self.referred_from.month - 1) // 3) + 1, day=1)
        if self.referred_to:
            last_month = 3 * ((self.referred_to.month - 1) // 3) + 3
            end = self.referred_to.replace(
                month=last_month, day=calendar.monthrange(self.referred_to.year, last_month)[1]
            )
        return replace(self, referred_from=start, referred_to=end)

    def whole_months(self) -> Filters:
        """The referral period widened to whole calendar months."""
        start = self.referred_from.replace(day=1) if self.referred_from else None
        end = None
        if self.referred_to:
            last = calendar.monthrange(self.referred_to.year, self.referred_to.month)[1]
            end = self.referred_to.replace(day=last)
        return replace(self, referred_from=start, referred_to=end)


@dataclass(frozen=True)
class FilterOptions:
    """The values a filter can take in a data version (shown as drop-downs)."""

    areas: list[str]
    sources: list[str]
    specialists: list[str]
    first_referral: date | None
    last_referral: date | None


class FilterError(ValueError):
    """A filter value the data do not have, or a date that is not a date."""


def parse(params: dict[str, str], options: FilterOptions) -> Filters:
    """Filters from URL query values, checked against what the data hold (never trusted as given)."""

    def pick(name: str, allowed: list[str]) -> str | None:
        value = (params.get(name) or "").strip()
        if not value:
            return None
        if value not in allowed:
            raise FilterError(f"{name}: '{value[:60]}' is not in the data")
        return value

    def day(name: str) -> date | None:
        value = (params.get(name) or "").strip()
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise FilterError(f"{name}: '{value[:30]}' is not a date (YYYY-MM-DD)") from None

    f = Filters(
        area=pick("area", options.areas),
        source=pick("source", options.sources),
        specialist=pick("specialist", options.specialists),
        referred_from=day("from"),
        referred_to=day("to"),
    )
    if f.referred_from and f.referred_to and f.referred_from > f.referred_to:
        raise FilterError("from: the period starts after it ends")
    return f


def options_from(clients: pl.DataFrame) -> FilterOptions:
    def values(col: str) -> list[str]:
        if col not in clients.columns:
            return []
        return sorted(v for v in clients[col].drop_nulls().unique().to_list() if v != "")

    dates = clients["referral_date"].drop_nulls() if "referral_date" in clients.columns else pl.Series([])
    return FilterOptions(
        areas=values("local_authority"),
        sources=values("referral_source"),
        specialists=values("employment_specialist_id"),
        first_referral=dates.min() if dates.len() else None,
        last_referral=dates.max() if dates.len() else None,
    )


CLIENT_LINKED = ("meetings", "jobs", "wellbeing")


def apply(tables: dict[str, pl.DataFrame], f: Filters) -> dict[str, pl.DataFrame]:
    """The data set cut to the view's clients (pure).

    Client-linked tables keep the rows of the clients kept. With an area: the areas, staff and
    fidelity tables keep that area's rows (a fidelity review's team is matched to the area's name)
    and employer contacts those of its specialists. With a specialist: that specialist's staff row
    and employer contacts. The comparison group is cut by area and referral source, which it has.
    """
    out = dict(tables)
    clients = tables.get("clients")
    if clients is None:
        return out
    keep = pl.lit(True)
    if f.area:
        keep &= pl.col("local_authority") == f.area
    if f.source:
        keep &= pl.col("referral_source") == f.source
    if f.specialist:
        keep &= pl.col("employment_specialist_id") == f.specialist
    if f.referred_from:
        keep &= pl.col("referral_date") >= f.referred_from
    if f.referred_to:
        keep &= pl.col("referral_date") <= f.referred_to
    kept = clients.filter(keep.fill_null(False))
    out["clients"] = kept
    ids = kept.select("client_id")
    for name in CLIENT_LINKED:
        if name in tables:
            out[name] = tables[name].join(ids, on="client_id", how="semi")
    specialists = None
    if "staff" in tables:
        staff = tables["staff"]
        if f.area:
            staff = staff.filter(pl.col("local_authority") == f.area)
        if f.specialist:
            staff = staff.filter(pl.col("employment_specialist_id") == f.specialist)
        out["staff"] = staff
        if f.area or f.specialist:
            specialists = staff.select("employment_specialist_id")
    if "employer_contacts" in tables and specialists is not None:
        out["employer_contacts"] = tables["employer_contacts"].join(
            specialists, on="employment_specialist_id", how="semi"
        )
    if f.area:
        if "areas" in tables:
            out["areas"] = tables["areas"].filter(pl.col("local_authority") == f.area)
        if "fidelity" in tables:
            from .fidelity.scoring import team_key

            out["fidelity"] = tables["fidelity"].filter(
                pl.col("team").map_elements(team_key, return_dtype=pl.Utf8) == team_key(f.area)
            )
    if "comparison" in tables:
        cmp = tables["comparison"]
        if f.area:
            cmp = cmp.filter(pl.col("local_authority") == f.area)
        if f.source:
            cmp = cmp.filter(pl.col("referral_source") == f.source)
        out["comparison"] = cmp
    return out


def evaluate_part(
    db_path: Path,
    filters: Filters,
    settings: Settings,
    part_path: Path,
    data_folder: Path | None = None,
) -> tuple[Evaluation, int]:
    """The evaluation of the clients in the store at ``db_path`` that pass ``filters``, and how many
    they are. The part is imported into its own store at ``part_path`` (kept: a later call reuses
    it), written whole or not at all. Interviews are read only for views that keep every area and
    specialist (transcripts are not linked to clients)."""
    from .evaluation import compute
    from .schema import TABLES
    from .store import UNUSABLE_KEYS, Store, import_dataset

    with Store(db_path) as store:
        if filters.empty:
            cut_source = store.data_cut_source
            return compute(store, settings, data_folder=data_folder, data_cut_source=cut_source), _clients(
                store
            )
        present = store.tables_present
        tables = {name: store.table(name) for name in TABLES if name in present}
        row_counts, problems = store.table("import_row_counts"), store.table("import_problems")
        data_cut, meta, unrecorded = store.data_cut, store.meta, sorted(store.unrecorded)
        cut_source = store.data_cut_source
        # the part keeps its parent's keys: the same people give the same perturbed figures in every
        # view. A parent imported before keys were kept has none: the part's keys would be drawn
        # afresh for each view, so they are marked unusable and perturbed views withhold its tables.
        keys = store.record_keys
        part_meta = {"source": meta.get("source", ""), "filters": filters.query_string()}
        if keys is None:
            part_meta["record_keys"] = UNUSABLE_KEYS
    part = {name: frame.rename({"source_row": "_row"}) for name, frame in apply(tables, filters).items()}
    if not part_path.is_file():
        partial = part_path.with_name(f".{part_path.name}.{os.getpid()}.partial")
        import_dataset(
            partial, part, settings, data_cut, row_counts=row_counts, problems=problems,
            meta=part_meta, present=present,
            unrecorded=unrecorded, record_keys=keys,
        )  # fmt: skip
        os.replace(partial, part_path)  # whole or absent: a reader never opens a half-written store
    with Store(part_path) as store:
        evaluation = compute(
            store, settings, row_counts=row_counts, problems=problems, source=meta.get("source", ""),
            data_cut_source=cut_source,
            data_folder=data_folder if not (filters.area or filters.specialist) else None,
            scope=filters.describe(),
        )  # fmt: skip
    return evaluation, part["clients"].height


def _clients(store: Store) -> int:
    return int(store.query("SELECT count(*) AS n FROM clients")["n"][0])


def options_in(db_path: Path) -> FilterOptions:
    """The values each filter can take in the store at ``db_path``."""
    from .store import Store

    with Store(db_path) as store:
        clients = store.query(
            "SELECT local_authority, referral_source, employment_specialist_id, referral_date FROM clients"
        )
    return options_from(clients)
