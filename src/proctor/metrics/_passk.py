"""pass@k and pass^k over n generations per sample.

pass@k — the chance that at least one of k generations passes — uses the
unbiased estimator of Chen et al. (2021), "Evaluating Large Language Models
Trained on Code", in its numerically stable product form:

    pass@k = 1 - C(n - c, k) / C(n, k) = 1 - Π_{i = n-c+1}^{n} (1 - k / i)

with n generations of which c pass (1 when n - c < k). pass^k — the chance
that all k of k generations pass, a measure of consistency — is estimated
without bias by

    pass^k = C(c, k) / C(n, k) = Π_{i=0}^{k-1} (c - i) / (n - i).

Each sample's estimate is its statistic; the figure is their mean, with the
same intervals as `mean()` (a t interval, or clustered). A sample with
fewer than k generations has no estimate and is left out (n < k).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from proctor.metrics._mean import Mean
from proctor.metrics._metric import Metric

if TYPE_CHECKING:
    from proctor.scorer import Score

__all__ = ["pass_at_k", "pass_at_k_estimate", "pass_hat_k", "pass_hat_k_estimate"]


def pass_at_k_estimate(n: int, c: int, k: int) -> float:
    """Chen et al.'s unbiased pass@k for c passing out of n generations.

    >>> round(pass_at_k_estimate(10, 3, 1), 6)
    0.3
    >>> pass_at_k_estimate(10, 0, 5), pass_at_k_estimate(10, 10, 5)
    (0.0, 1.0)
    """
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"need 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    return 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))


def pass_hat_k_estimate(n: int, c: int, k: int) -> float:
    """The unbiased estimate that all of k generations pass, C(c, k) / C(n, k).

    >>> round(pass_hat_k_estimate(10, 3, 2), 6)
    0.066667
    """
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"need 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}")
    return math.prod((c - i) / (n - i) for i in range(k))


class _PassMetric(Metric):
    higher_is_better = True

    def __init__(self, k: int, *, name: str):
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        self.k = k
        self.name = name
        self.min_epochs = k  # the engine refuses a run with fewer generations per sample
        self._mean = Mean()

    def _estimate(self, n: int, c: int) -> float:
        raise NotImplementedError

    def sample_stat(self, scores: Sequence[Score]) -> float | None:
        outcomes = [s.as_float() for s in scores]
        passed = [v for v in outcomes if v is not None]
        if len(passed) < self.k:
            return None
        return self._estimate(len(passed), sum(1 for v in passed if v >= 1.0))

    def value(self, stats: Sequence[Any]) -> float | None:
        return self._mean.value(stats)

    def summarize(
        self, stats: Sequence[Any], clusters: Sequence[str] | None = None
    ) -> tuple[float | None, float | None, float | None, float | None, str]:
        return self._mean.summarize(stats, clusters)


class PassAtK(_PassMetric):
    def _estimate(self, n: int, c: int) -> float:
        return pass_at_k_estimate(n, c, self.k)


class PassHatK(_PassMetric):
    def _estimate(self, n: int, c: int) -> float:
        return pass_hat_k_estimate(n, c, self.k)


def pass_at_k(k: int) -> Metric:
    """pass@k over each sample's generations (its epochs), named `pass@k`."""
    return PassAtK(k, name=f"pass@{k}")


def pass_hat_k(k: int) -> Metric:
    """pass^k, all of k generations passing, named `pass^k`."""
    return PassHatK(k, name=f"pass^{k}")
