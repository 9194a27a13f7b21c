"""The keyword method of :mod:`.suggest`: the codebook's keywords and phrases matched as whole words
ignoring case (a trailing ``*`` matches any ending), each found keyword counting once with its
weight; a leaf's points W are the sum, its score W / (W + 2)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .codebook import Codebook, Keyword, phrase_words


@dataclass(frozen=True)
class _Pattern:
    keyword: Keyword
    regex: re.Pattern[str]
    literal: str  # text every match contains: most keywords are absent from most segments, and a
    # substring test rules them out far faster than the regex (the demo's 454 segments: 0.97 s -> 0.19 s)


def _keyword_regex(text: str) -> re.Pattern[str]:
    parts = []
    for w in phrase_words(text):
        stem = re.escape(w.rstrip("*"))
        parts.append(stem + (r"[a-z0-9']*" if w.endswith("*") else ""))
    return re.compile(r"(?<![a-z0-9'])" + " ".join(parts) + r"(?![a-z0-9'])")


def _normal_text(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+(?:'[a-z0-9]+)*", text.lower().replace("’", "'").replace("‘", "'")))


def keyword_patterns(codebook: Codebook) -> dict[str, list[_Pattern]]:
    return {
        leaf: [_Pattern(k, _keyword_regex(k.text), _literal(k.text)) for k in codebook.code(leaf).keywords]
        for leaf in codebook.leaves
    }


def _literal(keyword: str) -> str:
    """The longest word (without its wildcard) of a keyword: in the text of every match."""
    return max((w.rstrip("*") for w in phrase_words(keyword)), key=len, default="")


def keyword_points(text: str, patterns: list[_Pattern], normal: bool = False) -> tuple[float, list[str]]:
    """(points W, keywords found) for one text and one leaf's keywords (``normal``: the text is
    already as :func:`_normal_text` makes it)."""
    t = text if normal else _normal_text(text)
    found = [p.keyword for p in patterns if p.literal in t and p.regex.search(t)]
    return sum(k.weight for k in found), [k.text for k in found]


def _keyword_scores(texts: list[str], codebook: Codebook) -> tuple[np.ndarray, list[list[str]]]:
    leaves = list(codebook.leaves)
    patterns = keyword_patterns(codebook)
    scores = np.zeros((len(texts), len(leaves)), dtype=np.float64)
    evidence: list[list[str]] = []
    for i, text in enumerate(texts):
        row, t = [], _normal_text(text)
        for j, leaf in enumerate(leaves):
            w, found = keyword_points(t, patterns[leaf], normal=True)
            scores[i, j] = w / (w + 2.0)
            row.append(f"keywords: {', '.join(found)} ({w:g} point{'s' * (w != 1)})" if found else "")
        evidence.append(row)
    return scores, evidence
