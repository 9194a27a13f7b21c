"""Agreement between two codings of the same segments: suggestions vs an analyst, or two analysts.

A segment can carry several codes, so agreement is measured three ways (all Cohen's kappa,
computed here from the counts, no library):

* **Per code** — for each leaf code, a 2×2 table over the segments both codings cover: both gave
  the code (a), only the first (b), only the second (c), neither (d). With n = a+b+c+d, observed
  agreement p_o = (a+d)/n, chance agreement p_e = ((a+b)(a+c) + (c+d)(b+d)) / n², and
  kappa = (p_o − p_e) / (1 − p_e). A code neither coding used (or both used on every segment)
  has no kappa (p_e = 1) and is left out of the mean.
* **Mean and pooled** — the mean of the per-code kappas; and the pooled kappa, the same formula
  on the four counts summed over codes (which weighs common codes more).
* **Top code** — each coding's first code per segment (an analyst's code_1, the best suggestion;
  "none" when there is none) as one category: the share of segments where they are the same, and
  Cohen's kappa over categories: p_o = share the same, p_e = Σ_k p1_k × p2_k.

Which segments count: those both codings cover. For suggestions vs an analyst, that is every
segment the analyst reviewed (gave a code or "none"), whether or not anything was suggested for
it; for two analysts, the segments both reviewed. Suggestions give up to ``top_k`` codes per
segment while analysts usually give one or two, so per-code kappa between suggestions and an
analyst is held down by the extra suggestions; the top-code kappa compares like with like.

Kappa is read on the usual scale (Landis and Koch, 1977): below 0 poor, up to 0.20 slight, 0.21
to 0.40 fair, 0.41 to 0.60 moderate, 0.61 to 0.80 substantial, above 0.80 almost perfect.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import polars as pl

from .codebook import NONE_CODE

MIN_SEGMENTS = 20  # below this, kappa moves a lot with one segment: said in the notes
PER_CODE_SCHEMA = {
    "code": pl.String,
    "both": pl.Int64,
    "first_only": pl.Int64,
    "second_only": pl.Int64,
    "neither": pl.Int64,
    "observed": pl.Float64,
    "expected": pl.Float64,
    "kappa": pl.Float64,
}


def kappa_2x2(a: int, b: int, c: int, d: int) -> float | None:
    """Cohen's kappa from a 2×2 table: a = both yes, b = first only, c = second only, d = both no.
    None when it is undefined (no segments, or chance agreement is 1)."""
    n = a + b + c + d
    if n == 0:
        return None
    po = (a + d) / n
    pe = ((a + b) * (a + c) + (c + d) * (b + d)) / (n * n)
    if pe >= 1.0:
        return None
    return (po - pe) / (1.0 - pe)


def cohen_kappa(first: Sequence[str], second: Sequence[str]) -> float | None:
    """Cohen's kappa for one category per item from each rater; None if undefined."""
    if len(first) != len(second):
        raise ValueError("both codings need one category per segment")
    n = len(first)
    if n == 0:
        return None
    po = sum(x == y for x, y in zip(first, second, strict=True)) / n
    c1, c2 = Counter(first), Counter(second)
    pe = sum(c1[k] * c2.get(k, 0) for k in c1) / (n * n)
    if pe >= 1.0:
        return None
    return (po - pe) / (1.0 - pe)


def strength(kappa: float | None) -> str:
    """Landis and Koch's words for a kappa."""
    if kappa is None:
        return "not defined"
    for upper, word in (
        (0.0, "poor"),
        (0.20, "slight"),
        (0.40, "fair"),
        (0.60, "moderate"),
        (0.80, "substantial"),
    ):
        if kappa < upper or (upper > 0 and kappa <= upper):
            return word
    return "almost perfect"


@dataclass
class Agreement:
    """Agreement between two codings; see the module notes for the measures."""

    first: str  # e.g. "suggestions" or "analyst 1"
    second: str
    segments: int
    per_code: pl.DataFrame
    mean_kappa: float | None
    pooled_kappa: float | None
    top_agreement: float | None  # share of segments whose first codes are the same
    top_kappa: float | None
    codes_compared: int = 0  # codes with a defined kappa (the mean's denominator)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One plain sentence for the terminal and the report."""
        if not self.segments:
            return f"{self.first} vs {self.second}: no segments coded by both, so no agreement to measure."
        parts = [f"{self.first} vs {self.second}, {self.segments} segment{'s' * (self.segments != 1)}:"]
        if self.top_agreement is not None:
            parts.append(
                f"the first code is the same for {self.top_agreement:.0%} "
                f"(kappa {_fmt(self.top_kappa)}, {strength(self.top_kappa)});"
            )
        parts.append(
            f"per-code kappa mean {_fmt(self.mean_kappa)} over {self.codes_compared} "
            f"code{'s' * (self.codes_compared != 1)} ({strength(self.mean_kappa)}), "
            f"pooled {_fmt(self.pooled_kappa)}."
        )
        return " ".join(parts)


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}"


def _sets(frame: pl.DataFrame) -> tuple[dict[str, list[str]], set[str]]:
    """segment -> codes in order (without 'none'), and every segment mentioned (with 'none')."""
    order = ["segment_id", "rank"] if "rank" in frame.columns else ["segment_id"]
    out: dict[str, list[str]] = {}
    mentioned: set[str] = set()
    for sid, code in frame.sort(order, maintain_order=True).select("segment_id", "code").iter_rows():
        sid = str(sid)
        mentioned.add(sid)
        if code and code != NONE_CODE and code not in out.setdefault(sid, []):
            out[sid].append(code)
    return out, mentioned


def agreement(
    first: pl.DataFrame,
    second: pl.DataFrame,
    codes: Iterable[str],
    segments: Iterable[str] | None = None,
    first_name: str = "first",
    second_name: str = "second",
) -> Agreement:
    """Agreement between two codings (frames of ``segment_id, code[, rank]``; ``none`` rows mark
    segments reviewed with no code) over leaf ``codes``.

    ``segments``: the segments to compare; default: those both frames mention (for suggestions
    vs an analyst pass the analyst's reviewed segments, as a segment may have no suggestion)."""
    codes = list(codes)
    f_sets, f_seen = _sets(first)
    s_sets, s_seen = _sets(second)
    universe = sorted(set(segments) if segments is not None else f_seen & s_seen)
    n = len(universe)
    rows = []
    tot = [0, 0, 0, 0]
    kappas: list[float] = []
    for code in codes:
        a = b = c = d = 0
        for sid in universe:
            x, y = code in f_sets.get(sid, ()), code in s_sets.get(sid, ())
            if x and y:
                a += 1
            elif x:
                b += 1
            elif y:
                c += 1
            else:
                d += 1
        k = kappa_2x2(a, b, c, d)
        po = (a + d) / n if n else None
        pe = ((a + b) * (a + c) + (c + d) * (b + d)) / (n * n) if n else None
        rows.append((code, a, b, c, d, po, pe, k))
        tot = [tot[0] + a, tot[1] + b, tot[2] + c, tot[3] + d]
        if k is not None:
            kappas.append(k)
    top1 = [(f_sets.get(s) or [NONE_CODE])[0] for s in universe]
    top2 = [(s_sets.get(s) or [NONE_CODE])[0] for s in universe]
    notes = []
    pair = f"{first_name} vs {second_name}"
    unused = [r[0] for r in rows if r[7] is None]
    if n and unused:
        one = len(unused) == 1
        notes.append(
            f"{pair}: {len(unused)} code{'' if one else 's'} used by neither coding (or by both on "
            f"every segment) {'has' if one else 'have'} no kappa and {'is' if one else 'are'} left out "
            "of the mean: " + ", ".join(unused)
        )
    if 0 < n < MIN_SEGMENTS:
        notes.append(
            f"{pair}: only {n} segments, so kappa can change a lot with one segment; code more before relying on it"
        )
    return Agreement(
        first=first_name,
        second=second_name,
        segments=n,
        per_code=pl.DataFrame(rows, schema=PER_CODE_SCHEMA, orient="row"),
        mean_kappa=sum(kappas) / len(kappas) if kappas else None,
        pooled_kappa=kappa_2x2(*tot),
        top_agreement=(sum(x == y for x, y in zip(top1, top2, strict=True)) / n) if n else None,
        top_kappa=cohen_kappa(top1, top2),
        codes_compared=len(kappas),
        notes=notes,
    )
