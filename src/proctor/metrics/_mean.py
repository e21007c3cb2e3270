"""The `mean` metric: the average score, with a 95% confidence interval.

Each sample's statistic is the mean of its numeric scores over the epochs
(True counts 1, False 0; labels are left out), so repeated epochs of one
question count as one observation, never as several independent ones.

The interval depends on the statistics (see `proctor.metrics._intervals`):

| case                                   | method      | interval                  |
| -------------------------------------- | ----------- | ------------------------- |
| no sample                              | `none`      | none, value None          |
| `clusters` given, ≥ 2 distinct         | `clustered` | mean ± z·SE_clustered (*) |
| `clusters` given, < 2 distinct         | `none`      | none (not estimable)      |
| every statistic 0 or 1 (n ≥ 1)         | `wilson`    | Wilson score interval     |
| continuous statistics, n ≥ 2           | `t`         | Student's t, ddof=1       |
| continuous statistics, n = 1           | `none`      | none                      |

(*) For 0/1 statistics, the Wilson interval at the clustered effective
sample size instead (see `proctor.metrics._intervals`).

A single binary sample still gets its (wide) Wilson interval: 1/1 gives about
[0.21, 1.0], which is honest, whereas no interval would read as certainty.
`stderr` is the plain standard error of the mean (s/√n, ddof=1; None below two
samples), or the clustered one when the method is `clustered`. Intervals are
not clipped to the range of the scores, except Wilson's, which lies in [0, 1].
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any

from proctor.metrics._intervals import (
    clustered_stderr,
    clustered_wilson_interval,
    normal_quantile,
    stderr,
    t_interval,
    wilson_interval,
)
from proctor.metrics._metric import Metric

if TYPE_CHECKING:
    from proctor.scorer import Score

__all__ = ["Mean", "MeanOf", "mean", "mean_of"]

_CONFIDENCE = 0.95
Summary = tuple[float | None, float | None, float | None, float | None, str]


class Mean(Metric):
    """The average of the per-sample statistics; higher is better. See the module docstring."""

    name = "mean"
    higher_is_better = True

    def __repr__(self) -> str:
        return "mean()"

    def sample_stat(self, scores: Sequence[Score]) -> float | None:
        """The mean of the numeric scores over epochs; None when there is none."""
        values = [v for v in (s.as_float() for s in scores) if v is not None]
        return math.fsum(values) / len(values) if values else None

    def value(self, stats: Sequence[Any]) -> float | None:
        """The mean of the statistics that are not None; None when there is none."""
        values = [float(s) for s in stats if s is not None]
        return math.fsum(values) / len(values) if values else None

    def summarize(self, stats: Sequence[Any], clusters: Sequence[str] | None = None) -> Summary:
        """`(value, ci_low, ci_high, stderr, method)`; see the module docstring for the method."""
        keys: list[Hashable] | None = None
        if clusters is not None:
            if len(clusters) != len(stats):
                raise ValueError(f"{len(stats)} statistics but {len(clusters)} cluster keys")
            keys = [c for s, c in zip(stats, clusters, strict=True) if s is not None]
        values = [float(s) for s in stats if s is not None]
        n = len(values)
        if n == 0:
            return None, None, None, None, "none"
        mean = math.fsum(values) / n
        if keys is not None:
            if len(set(keys)) < 2:
                return mean, None, None, None, "none"
            se = clustered_stderr(values, keys)
            if all(v in (0.0, 1.0) for v in values):
                low, high = clustered_wilson_interval(values, keys, confidence=_CONFIDENCE)
                return mean, low, high, se, "clustered"
            half = normal_quantile(_CONFIDENCE) * se
            return mean, mean - half, mean + half, se, "clustered"
        se = stderr(values) if n >= 2 else None
        if all(v in (0.0, 1.0) for v in values):
            low, high = wilson_interval(round(math.fsum(values)), n, confidence=_CONFIDENCE)
            return mean, low, high, se, "wilson"
        if n < 2:
            return mean, None, None, None, "none"
        low, high = t_interval(values, confidence=_CONFIDENCE)
        return mean, low, high, se, "t"


def mean() -> Metric:
    """The `mean` metric, with a 95% confidence interval (the default of every scorer).

    @scorer("my_check", metrics=lambda: [mean()])
    """
    return Mean()


class MeanOf(Mean):
    """`mean()` under another name, optionally of one metadata field of each score.

    A scorer that computes several per-sample figures at once keeps the
    others in `Score.metadata`: `mean_of("acc_norm")` averages one of them,
    and `mean_of(None, name="acc")` averages the scores' values as `acc`,
    with the same intervals as `mean()`.
    """

    def __init__(self, key: str | None, *, name: str | None = None):
        if key is None and name is None:
            raise ValueError("mean_of(None) needs a name")
        self.key = key
        self.name = name or key  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"mean_of({self.key!r}, name={self.name!r})"

    def sample_stat(self, scores: Sequence[Score]) -> float | None:
        if self.key is None:
            return super().sample_stat(scores)
        values = [
            float(s.metadata[self.key])
            for s in scores
            if isinstance(s.metadata.get(self.key), bool | int | float)
        ]
        return math.fsum(values) / len(values) if values else None


def mean_of(key: str | None, *, name: str | None = None) -> Metric:
    """The mean of `score.metadata[key]` (or of the values, with `key=None`) as `name`."""
    return MeanOf(key, name=name)
