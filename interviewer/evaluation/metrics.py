"""Agreement metrics with bootstrap intervals; plain numpy, checked against hand-computed values in tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

Metric = Callable[[np.ndarray, np.ndarray], float]


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 2 or np.std(x) == 0 or np.std(y) == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def ranks(values: np.ndarray) -> np.ndarray:
    """Ranks starting at 1, ties sharing their average rank."""
    order = np.argsort(values, kind="mergesort")
    ranked = np.empty(len(values), dtype=float)
    sorted_values = values[order]
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and sorted_values[j + 1] == sorted_values[i]:
            j += 1
        ranked[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return ranked


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    return pearson(ranks(x), ranks(y))


def rmse(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.sqrt(np.mean((x - y) ** 2)))


def quadratic_weighted_kappa(x: np.ndarray, y: np.ndarray, low: int = 0, high: int = 5) -> float:
    """Cohen's kappa with quadratic weights on integer grades in [low, high] (inputs are rounded)."""
    a = np.clip(np.rint(x), low, high).astype(int) - low
    b = np.clip(np.rint(y), low, high).astype(int) - low
    k = high - low + 1
    observed = np.zeros((k, k))
    for i, j in zip(a, b):
        observed[i, j] += 1
    expected = np.outer(np.bincount(a, minlength=k), np.bincount(b, minlength=k)) / len(a)
    weights = np.array([[(i - j) ** 2 for j in range(k)] for i in range(k)]) / (k - 1) ** 2
    denominator = (weights * expected).sum()
    return float(1 - (weights * observed).sum() / denominator) if denominator else float("nan")


def auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """P(a random positive scores above a random negative), ties counting half."""
    if not positives or not negatives:
        return float("nan")
    p = np.asarray(positives)[:, None]
    n = np.asarray(negatives)[None, :]
    return float((p > n).mean() + 0.5 * (p == n).mean())


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.value:.3f} [{self.low:.3f}, {self.high:.3f}]"

    def as_dict(self) -> dict[str, float]:
        return {"value": self.value, "ci_low": self.low, "ci_high": self.high}


def bootstrap(metric: Metric, x: np.ndarray, y: np.ndarray, rounds: int = 1000, seed: int = 0) -> Estimate:
    """The metric and a percentile 95% interval from resampling items with replacement."""
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(rounds):
        idx = rng.integers(0, len(x), len(x))
        value = metric(x[idx], y[idx])
        if not np.isnan(value):
            values.append(value)
    low, high = (np.percentile(values, [2.5, 97.5]) if values else (float("nan"), float("nan")))
    return Estimate(metric(x, y), float(low), float(high))
