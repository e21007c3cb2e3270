"""The `Metric` interface: aggregate per-sample statistics into a figure with a CI.

A metric works in two steps so that it can be recomputed on any resample of
samples (bootstrap intervals, paired comparisons):

1. `sample_stat(scores)` reduces one sample's scores (one per epoch) to that
   sample's statistic: a float for a mean, a vector of counts for corpus BLEU.
2. `value(stats)` computes the metric from the statistics of any set of
   samples, and `summarize(stats, clusters)` adds a 95% confidence interval.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from proctor.scorer import Score


@dataclass(frozen=True, slots=True)
class MetricValue:
    """One figure of a run: `exact_match/mean[topic=billing]` and its interval.

    `n` counts the samples that entered the figure (scored), `n_total` all the
    samples of the run (or slice); figures are shown as n/n_total.
    `method` names how the interval was computed: wilson, t, clustered,
    bootstrap, or none (fewer than two samples).
    """

    name: str
    scorer: str
    metric: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    stderr: float | None
    n: int
    n_total: int
    higher_is_better: bool
    method: str
    slice_key: str | None = None
    slice_value: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


def metric_name(
    scorer: str, metric: str, slice_key: str | None = None, slice_value: str | None = None
) -> str:
    """The stable name of a figure.

    >>> metric_name("exact_match", "mean", "topic", "billing")
    'exact_match/mean[topic=billing]'
    """
    base = f"{scorer}/{metric}"
    return base if slice_key is None else f"{base}[{slice_key}={slice_value}]"


class Metric(ABC):
    """Aggregates one scorer's per-sample statistics. See the module docstring."""

    name: str
    higher_is_better: bool = True

    @abstractmethod
    def sample_stat(self, scores: Sequence[Score]) -> Any:
        """This sample's statistic from its scores (one per epoch); None to leave it out."""

    @abstractmethod
    def value(self, stats: Sequence[Any]) -> float | None:
        """The metric over the samples whose statistics are `stats`."""

    @abstractmethod
    def summarize(
        self, stats: Sequence[Any], clusters: Sequence[str] | None = None
    ) -> tuple[float | None, float | None, float | None, float | None, str]:
        """`(value, ci_low, ci_high, stderr, method)` with a 95% interval.

        `clusters`, when given, holds each sample's cluster key in the same
        order as `stats`; samples of one cluster are not independent.
        """
