"""The article-extraction-benchmark body metric (ScrapingHub): 4-token shingles with multiplicity."""

from __future__ import annotations

import re
from collections import Counter

_TOKEN = re.compile(r"\w+", re.UNICODE)
SHINGLE = 4


def shingles(text: str | None, n: int = SHINGLE) -> Counter[str]:
    """Overlapping n-token shingles of text, counted with multiplicity."""
    tokens = _TOKEN.findall(text or "")
    grams = [" ".join(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1))]
    return Counter(g for g in grams if g)


def shingle_counts(truth: str | None, predicted: str | None) -> tuple[int, int, int]:
    """True positives, false positives and false negatives of shingles."""
    t, p = shingles(truth), shingles(predicted)
    tp = sum((t & p).values())
    return tp, sum((p - t).values()), sum((t - p).values())


def page_scores(truth: str | None, predicted: str | None) -> tuple[float | None, float | None]:
    """Precision (None when nothing was predicted) and recall (None when the truth is empty)."""
    tp, fp, fn = shingle_counts(truth, predicted)
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    return precision, recall


def corpus_f1(precisions: list[float], recalls: list[float]) -> tuple[float, float, float]:
    """Average precision, average recall, and F1 as the harmonic mean of the two averages."""
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f1


def same_title(truth: str | None, predicted: str | None) -> bool:
    """Exact match after whitespace normalization."""
    return " ".join((truth or "").split()) == " ".join((predicted or "").split()) and bool(truth)
