"""`macro_mean`: the unweighted mean of per-group means (MMLU's "macro" average).

A micro average weighs every sample alike, so a large group dominates; a
macro average weighs every group alike. Each score names its group in
`score.metadata[key]`. The interval is the normal one for a mean of
independent group means:

    SE = sqrt(Σ_g s_g² / n_g) / G

with s_g the sample standard deviation (ddof=1) of group g; a group of one
sample contributes no variance of its own, so with such groups the interval
is too narrow and the method says so (`macro-approx`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

from proctor.metrics._metric import Metric

if TYPE_CHECKING:
    from proctor.scorer import Score

__all__ = ["MacroMean", "macro_mean"]


class MacroMean(Metric):
    """The mean over groups of each group's mean value; see the module docstring."""

    higher_is_better = True

    def __init__(self, key: str, *, name: str = "macro"):
        self.key = key
        self.name = name

    def __repr__(self) -> str:
        return f"macro_mean({self.key!r}, name={self.name!r})"

    def sample_stat(self, scores: Sequence[Score]) -> tuple[str, float] | None:
        values = [v for v in (s.as_float() for s in scores) if v is not None]
        groups = {str(s.metadata.get(self.key)) for s in scores}
        if not values or len(groups) != 1:
            return None
        return groups.pop(), math.fsum(values) / len(values)

    def _groups(self, stats: Sequence[Any]) -> dict[str, list[float]]:
        groups: dict[str, list[float]] = {}
        for stat in stats:
            if stat is not None:
                groups.setdefault(stat[0], []).append(stat[1])
        return groups

    def value(self, stats: Sequence[Any]) -> float | None:
        groups = self._groups(stats)
        if not groups:
            return None
        return math.fsum(math.fsum(v) / len(v) for v in groups.values()) / len(groups)

    def summarize(
        self, stats: Sequence[Any], clusters: Sequence[str] | None = None
    ) -> tuple[float | None, float | None, float | None, float | None, str]:
        groups = self._groups(stats)
        value = self.value(stats)
        if value is None:
            return None, None, None, None, "none"
        variance = 0.0
        for values in groups.values():
            n = len(values)
            if n > 1:
                mean = math.fsum(values) / n
                variance += math.fsum((v - mean) ** 2 for v in values) / (n - 1) / n
        se = math.sqrt(variance) / len(groups)
        z = NormalDist().inv_cdf(0.975)
        method = "macro" if all(len(v) > 1 for v in groups.values()) else "macro-approx"
        return value, value - z * se, value + z * se, se, method


def macro_mean(key: str, *, name: str = "macro") -> Metric:
    """The mean of per-group means, groups named by `score.metadata[key]`."""
    return MacroMean(key, name=name)
