"""Simulated paired runs for the comparison tests: known marginals, correlation and drop."""

from __future__ import annotations

import math

import numpy as np


def binary_cells(baseline: float, drop: float, correlation: float) -> list[float]:
    """P(both right), P(A right, B wrong), P(A wrong, B right), P(both wrong)."""
    pa, pb = baseline, baseline - drop
    both = pa * pb + correlation * math.sqrt(pa * (1 - pa) * pb * (1 - pb))
    return [both, pa - both, pb - both, 1 - pa - pb + both]


def binary_runs(
    rng: np.random.Generator, n: int, cells: list[float]
) -> tuple[np.ndarray, np.ndarray]:
    """n pairs of 0/1 outcomes drawn from the four cells."""
    counts = rng.multinomial(n, cells)
    a = np.repeat([1.0, 1.0, 0.0, 0.0], counts)
    b = np.repeat([1.0, 0.0, 1.0, 0.0], counts)
    return a, b


def continuous_runs(
    rng: np.random.Generator, n: int, *, noise: float, drop: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Scores sharing each item's difficulty, with independent noise: correlated pairs.

    The differences b - a have mean -drop and SD noise·√2; with drop 0, a and b
    are exchangeable within each pair (no difference).
    """
    item = rng.beta(2.0, 2.0, size=n)
    a = item + rng.normal(0.0, noise, size=n)
    b = item + rng.normal(0.0, noise, size=n) - drop
    return a, b
