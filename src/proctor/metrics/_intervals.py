"""Confidence intervals for a mean: Wilson, Student's t, and clustered.

* `wilson_interval` — for a proportion (every statistic 0 or 1). Unlike the
  normal approximation it never collapses to zero width: 20 right out of 20
  gives about [0.839, 1.0]. Same interval as SciPy's
  `binomtest(k, n).proportion_ci(method="wilson")`.
* `t_interval` — for continuous statistics: mean ± t(0.975, n−1) · s/√n, with
  the sample standard deviation s (ddof=1).
* `clustered_interval` — when samples share a cluster (several questions on
  one passage), following Miller (2024), "Adding Error Bars to Evals: A
  Statistical Approach to Language Model Evaluations", arXiv:2411.00640,
  section 2.2 and appendix A: mean ± z · SE_clustered with

      SE_clustered² = G/(G−1) · (1/n²) · Σ_c (Σ_{i∈c} (s_i − s̄))²

  over n samples in G clusters. The paper's formula has no G/(G−1) factor;
  Proctor applies this usual finite-cluster correction (as Stata's CR1 does),
  so that with every sample in its own cluster SE_clustered equals the
  ordinary standard error s/√n with ddof=1 exactly, and so that few clusters
  widen the interval rather than narrow it. z is the normal quantile (1.96 for
  95%), as in the paper.

* `clustered_wilson_interval` — for proportions with clusters: the normal
  interval above can leave [0, 1] and collapses to zero width when every
  answer is right. Proctor instead computes the Wilson interval at the
  effective sample size n / deff (Kish), with the design effect
  deff = SE_clustered² / (p(1−p)/n) taken from Miller's clustered standard
  error; when every answer is the same (p = 0 or 1) the design effect cannot
  be estimated and the number of clusters is used as the sample size, as if
  each cluster were one observation.

NumPy and SciPy are imported inside the functions that need them, so that
importing `proctor.metrics` stays cheap.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from statistics import NormalDist

__all__ = [
    "clustered_interval",
    "clustered_stderr",
    "clustered_wilson_interval",
    "normal_quantile",
    "stderr",
    "t_interval",
    "wilson_interval",
]


def normal_quantile(confidence: float) -> float:
    """The two-sided normal quantile for `confidence` (1.959964 for 0.95)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence!r}")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def _wilson(p: float, n: float, z: float) -> tuple[float, float]:
    z2 = z * z
    center = (2 * n * p + z2) / (2 * (n + z2))
    half = z * math.sqrt(4 * n * p * (1 - p) + z2) / (2 * (n + z2))
    return max(0.0, center - half), min(1.0, center + half)


def wilson_interval(successes: int, n: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval for `successes` out of `n` trials (n ≥ 1).

    >>> low, high = wilson_interval(20, 20)
    >>> round(low, 4), high
    (0.8389, 1.0)
    """
    if n < 1 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n and n >= 1, got {successes}/{n}")
    low, high = _wilson(successes / n, n, normal_quantile(confidence))
    # the bounds are exactly 0 and 1 at k = 0 and k = n; do not let rounding move them
    return (0.0 if successes == 0 else low), (1.0 if successes == n else high)


def stderr(values: Sequence[float]) -> float:
    """The standard error of the mean, s/√n with ddof=1 (n ≥ 2)."""
    import numpy as np

    if len(values) < 2:
        raise ValueError(f"a standard error needs at least 2 values, got {len(values)}")
    return float(np.std(np.asarray(values, dtype=float), ddof=1) / math.sqrt(len(values)))


def t_interval(values: Sequence[float], *, confidence: float = 0.95) -> tuple[float, float]:
    """Student's t interval for the mean of `values` (at least two).

    >>> [round(x, 4) for x in t_interval([1.0, 2.0, 3.0])]
    [-0.4841, 4.4841]
    """
    from scipy import stats

    normal_quantile(confidence)  # validates confidence
    n = len(values)
    se = stderr(values)
    mean = math.fsum(values) / n
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * se
    return mean - half, mean + half


def clustered_stderr(values: Sequence[float], clusters: Sequence[Hashable]) -> float:
    """Miller's (2024) clustered standard error, with the G/(G−1) correction.

    `clusters[i]` is the cluster of `values[i]`; at least two distinct
    clusters are needed. See the module docstring for the formula.
    """
    import numpy as np

    if len(values) != len(clusters):
        raise ValueError(f"{len(values)} values but {len(clusters)} cluster keys")
    codes: dict[Hashable, int] = {}
    index = np.fromiter((codes.setdefault(c, len(codes)) for c in clusters), dtype=np.intp)
    groups = len(codes)
    if groups < 2:
        raise ValueError(f"a clustered standard error needs at least 2 clusters, got {groups}")
    x = np.asarray(values, dtype=float)
    residual_sums = np.bincount(index, weights=x - x.mean(), minlength=groups)
    variance = groups / (groups - 1) * float(np.sum(residual_sums**2)) / len(x) ** 2
    return math.sqrt(variance)


def clustered_interval(
    values: Sequence[float], clusters: Sequence[Hashable], *, confidence: float = 0.95
) -> tuple[float, float]:
    """mean ± z · SE_clustered, as in Miller (2024); see the module docstring.

    >>> [round(x, 4) for x in clustered_interval([1.0, 1.0, 0.0, 0.0], ["a", "a", "b", "b"])]
    [-0.48, 1.48]
    """
    z = normal_quantile(confidence)
    se = clustered_stderr(values, clusters)
    mean = math.fsum(values) / len(values)
    return mean - z * se, mean + z * se


def clustered_wilson_interval(
    values: Sequence[float], clusters: Sequence[Hashable], *, confidence: float = 0.95
) -> tuple[float, float]:
    """Wilson interval at the clustered effective sample size, for 0/1 values.

    >>> low, high = clustered_wilson_interval([1.0] * 6, ["a", "a", "b", "b", "c", "c"])
    >>> round(low, 3), high
    (0.439, 1.0)
    """
    n = len(values)
    groups = len(set(clusters))
    p = math.fsum(values) / n
    if p in (0.0, 1.0):
        effective = float(groups)
    else:
        design_effect = clustered_stderr(values, clusters) ** 2 / (p * (1 - p) / n)
        effective = n if design_effect <= 1.0 else n / design_effect
    low, high = _wilson(p, effective, normal_quantile(confidence))
    return (0.0 if p == 0.0 else low), (1.0 if p == 1.0 else high)
