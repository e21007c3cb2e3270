"""`corpus`: a figure computed from the samples' summed sufficient statistics.

Corpus BLEU is not the mean of sentence BLEU: sacrebleu sums every segment's
n-gram matches, n-gram totals and lengths, then computes one BLEU from the
sums (chrF and TER likewise, from their own statistics). A scorer that works
this way stores each output's statistics in `Score.metadata["stats"]` (a list
of numbers); this metric sums them and hands the totals to the scorer's
`figure` — for the sacrebleu scorers, sacrebleu's own
`_compute_score_from_stats`, so the figure equals sacrebleu's `corpus_score`.

Epochs: every generation is a segment. A sample's statistic is the sum of its
epochs' statistics, so with one epoch the figure is sacrebleu's corpus score
over the samples, and with several it is the corpus score over all the
generations (each against its sample's references). A sample keeps its epochs
together when resampled.

The interval is a bootstrap over samples (whole clusters when `clusters` is
given), recomputing the figure from each resample's summed statistics; see
`proctor.metrics._bootstrap`. Below two samples (or two clusters) there is no
interval (method `none`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from proctor.metrics._bootstrap import CONFIDENCE, RESAMPLES, SEED, bootstrap_sums
from proctor.metrics._metric import Metric

if TYPE_CHECKING:
    from proctor.scorer import Score

__all__ = ["CorpusMetric", "corpus"]

Figure = Callable[[list[Any]], float]
Summary = tuple[float | None, float | None, float | None, float | None, str]


def _add(totals: list[Any], stats: Sequence[Any]) -> list[Any]:
    """Element-wise sum in order, as sacrebleu sums segments (ints stay ints)."""
    if len(stats) != len(totals):
        raise ValueError(f"statistics of {len(stats)} and {len(totals)} numbers cannot be summed")
    return [a + b for a, b in zip(totals, stats, strict=True)]


def _sum(rows: Sequence[Sequence[Any]]) -> list[Any]:
    totals = list(rows[0])
    for row in rows[1:]:
        totals = _add(totals, row)
    return totals


class CorpusMetric(Metric):
    """`figure(summed statistics)` over the samples; see the module docstring.

    `figure` maps one list of totals to the metric (e.g. corpus BLEU);
    `signature`, when given, names how it was computed (sacrebleu's
    signature), for the record.
    """

    def __init__(
        self,
        figure: Figure,
        *,
        name: str = "corpus",
        key: str = "stats",
        higher_is_better: bool = True,
        signature: str | None = None,
        resamples: int = RESAMPLES,
        seed: int = SEED,
        confidence: float = CONFIDENCE,
    ):
        self.figure = figure
        self.name = name
        self.key = key
        self.higher_is_better = higher_is_better
        self.signature = signature
        self.resamples = resamples
        self.seed = seed
        self.confidence = confidence

    def __repr__(self) -> str:
        return f"corpus(name={self.name!r}, key={self.key!r}, signature={self.signature!r})"

    def sample_stat(self, scores: Sequence[Score]) -> tuple[Any, ...] | None:
        """The sum over epochs of `score.metadata[key]`; None when no score has it."""
        rows = [s.metadata[self.key] for s in scores if self.key in s.metadata]
        return tuple(_sum(rows)) if rows else None

    def value(self, stats: Sequence[Any]) -> float | None:
        """The figure of the summed statistics that are not None; None when there is none."""
        rows = [s for s in stats if s is not None]
        return float(self.figure(_sum(rows))) if rows else None

    def _figures(self, totals: Any) -> Any:
        import numpy as np

        return np.array([self.figure(row) for row in totals.tolist()], dtype=np.float64)

    def summarize(self, stats: Sequence[Any], clusters: Sequence[str] | None = None) -> Summary:
        """`(value, ci_low, ci_high, stderr, method)`: a (clustered) bootstrap interval."""
        if clusters is not None and len(clusters) != len(stats):
            raise ValueError(f"{len(stats)} statistics but {len(clusters)} cluster keys")
        kept = [i for i, s in enumerate(stats) if s is not None]
        rows = [stats[i] for i in kept]
        value = self.value(rows)
        if value is None:
            return None, None, None, None, "none"
        keys = None if clusters is None else [clusters[i] for i in kept]
        units = len(rows) if keys is None else len(set(keys))
        if units < 2:
            return value, None, None, None, "none"
        result = bootstrap_sums(
            rows,
            self._figures,
            clusters=keys,
            resamples=self.resamples,
            seed=self.seed,
            confidence=self.confidence,
        )
        method = "bootstrap" if keys is None else "clustered-bootstrap"
        return value, result.low, result.high, result.stderr, method


def corpus(
    figure: Figure,
    *,
    name: str = "corpus",
    key: str = "stats",
    higher_is_better: bool = True,
    signature: str | None = None,
) -> Metric:
    """The corpus-level `figure` of the summed `score.metadata[key]` statistics.

    `figure` gets the totals as one list, in the order each score stores them:

        corpus(lambda t: 100 * t[0] / t[1], name="ratio")   # 100 * sum(a) / sum(b)
    """
    return CorpusMetric(
        figure, name=name, key=key, higher_is_better=higher_is_better, signature=signature
    )
