"""The naive resampling that the fast paths of `proctor.compare._paired` are held to.

Slow and obviously right: every resample draws n sample indices (or G cluster
keys) one by one, and every sign flip is its own random draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from proctor.metrics import Metric


def naive_deltas(
    metric: Metric,
    stats_a: Sequence[Any],
    stats_b: Sequence[Any],
    members: Sequence[np.ndarray],
    *,
    clusters: Sequence[str] | None = None,
    resamples: int,
    seed: int = 0,
) -> np.ndarray:
    """`(resamples, groups)` resampled deltas, drawing indices one by one.

    Each resample draws n sample indices (or G cluster keys) with replacement
    from the whole data set; each group's delta is `metric.value` of its drawn
    members in B minus that in A (NaN when none is drawn).
    """
    rng = np.random.default_rng(seed)
    n = len(stats_a)
    by_cluster = None
    if clusters is not None:
        keys = list(dict.fromkeys(clusters))
        by_cluster = [np.flatnonzero(np.array(clusters) == key) for key in keys]
    inside = [np.isin(np.arange(n), m) for m in members]
    out = np.full((resamples, len(members)), np.nan)
    for r in range(resamples):
        if by_cluster is None:
            drawn = rng.integers(0, n, n)
        else:
            chosen = rng.integers(0, len(by_cluster), len(by_cluster))
            drawn = np.concatenate([by_cluster[c] for c in chosen])
        for g, mask in enumerate(inside):
            picks = drawn[mask[drawn]]
            if len(picks):
                a = metric.value([stats_a[i] for i in picks])
                b = metric.value([stats_b[i] for i in picks])
                out[r, g] = b - a
    return out


def naive_flip_sums(d: np.ndarray, *, resamples: int, seed: int = 0) -> np.ndarray:
    """`resamples` sums of d with independent random signs, one draw per sign."""
    rng = np.random.default_rng(seed)
    signs = rng.choice([-1.0, 1.0], size=(resamples, len(d)))
    return signs @ np.asarray(d, dtype=np.float64)
