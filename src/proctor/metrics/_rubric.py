"""Figures of the `rubric` scorer: HealthBench's clipped mean, overall, per axis, per theme.

HealthBench (Arora et al., 2025, "HealthBench: Evaluating Large Language
Models Towards Improved Human Health"; reference implementation
`healthbench_eval.py` in github.com/openai/simple-evals) grades each answer
against its conversation's own rubric: criteria worth positive points (what a
good answer does) and negative points (what it must not do). A sample's
score is

    (points of the criteria met, negative ones included) / (sum of positive points)

which is at most 1 and may be negative; it is not clipped per sample. The
reported figure is the mean of the samples' scores, clipped to [0, 1]:

- `score`: over every scored sample;
- an axis, a tag on criteria (`axis:accuracy`): each sample scored again on
  the criteria with that tag only; a sample with no positive points on them
  has no score on the axis and is left out;
- a theme, a tag on samples (`theme:emergency_referrals`, HealthBench's
  `example_tags`): the overall score over the samples having that tag.

A sample's statistic is the mean of its epochs' scores, so the repeated
answers to one prompt stay together when samples are resampled. The 95%
interval is the seeded percentile bootstrap of the clipped mean (1,000
resamples; whole clusters when `clusters` is given; methods `bootstrap` and
`clustered-bootstrap`), and `stderr` is the standard deviation of the
resampled clipped means — what HealthBench reports as its bootstrap std.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from proctor.errors import ConfigError
from proctor.metrics._bootstrap import CONFIDENCE, RESAMPLES, SEED, bootstrap_sums
from proctor.metrics._metric import Metric

if TYPE_CHECKING:
    import numpy as np

    from proctor.scorer import Score

__all__ = [
    "AxisScore",
    "RubricScore",
    "ThemeScore",
    "rubric_metrics",
    "rubric_points",
    "rubric_ratio",
]

Summary = tuple[float | None, float | None, float | None, float | None, str]


def rubric_points(graded: Iterable[tuple[float, bool]]) -> tuple[float, float]:
    """`(achieved, possible)` of `(points, met)` pairs, as HealthBench counts them.

    >>> rubric_points([(5, True), (3, False), (-4, True)])
    (1.0, 8.0)
    """
    achieved = possible = 0.0
    for points, met in graded:
        if met:
            achieved += points
        if points > 0:
            possible += points
    return achieved, possible


def rubric_ratio(criteria: Iterable[dict[str, Any]], tag: str | None = None) -> float | None:
    """The score of graded criteria (the `rubric` scorer's `criteria` metadata).

    With `tag`, only the criteria carrying it count. None when they hold no
    positive points: the ratio is then undefined.
    """
    graded = [
        (float(c["points"]), bool(c["met"]))
        for c in criteria
        if tag is None or tag in c.get("tags", ())
    ]
    achieved, possible = rubric_points(graded)
    return achieved / possible if possible > 0 else None


def _clipped_means(totals: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.clip(totals[:, 0] / totals[:, 1], 0.0, 1.0)


class RubricScore(Metric):
    """The clipped mean of the samples' rubric scores, named `score`. See the module docstring."""

    name = "score"
    higher_is_better = True

    def __init__(
        self, *, resamples: int = RESAMPLES, seed: int = SEED, confidence: float = CONFIDENCE
    ):
        self.resamples = resamples
        self.seed = seed
        self.confidence = confidence

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def epoch_value(self, score: Score) -> float | None:
        """One epoch's contribution: the raw, unclipped sample score."""
        return score.as_float()

    def sample_stat(self, scores: Sequence[Score]) -> float | None:
        """The mean over epochs of `epoch_value`; None when no epoch has one."""
        values = [v for v in (self.epoch_value(s) for s in scores) if v is not None]
        return math.fsum(values) / len(values) if values else None

    def value(self, stats: Sequence[Any]) -> float | None:
        """The mean of the statistics, clipped to [0, 1]; None without any."""
        values = [float(s) for s in stats if s is not None]
        if not values:
            return None
        return min(1.0, max(0.0, math.fsum(values) / len(values)))

    def summarize(self, stats: Sequence[Any], clusters: Sequence[str] | None = None) -> Summary:
        """`(value, ci_low, ci_high, stderr, method)`: a (clustered) bootstrap interval."""
        if clusters is not None and len(clusters) != len(stats):
            raise ValueError(f"{len(stats)} statistics but {len(clusters)} cluster keys")
        kept = [i for i, s in enumerate(stats) if s is not None]
        value = self.value([stats[i] for i in kept])
        if value is None:
            return None, None, None, None, "none"
        keys = None if clusters is None else [clusters[i] for i in kept]
        if (len(kept) if keys is None else len(set(keys))) < 2:
            return value, None, None, None, "none"
        # (statistic, 1) rows: a resample's totals give its mean, whatever its clusters' sizes
        rows = [(float(stats[i]), 1.0) for i in kept]
        result = bootstrap_sums(
            rows,
            _clipped_means,
            clusters=keys,
            resamples=self.resamples,
            seed=self.seed,
            confidence=self.confidence,
        )
        method = "bootstrap" if keys is None else "clustered-bootstrap"
        return value, result.low, result.high, result.stderr, method


class AxisScore(RubricScore):
    """The clipped mean of the samples' scores on the criteria tagged `tag` (an axis)."""

    def __init__(self, tag: str, **options: Any):
        super().__init__(**options)
        self.tag = tag
        self.name = tag

    def __repr__(self) -> str:
        return f"AxisScore({self.tag!r})"

    def epoch_value(self, score: Score) -> float | None:
        """The sample's score on this axis' criteria; None without positive points on it."""
        return rubric_ratio(score.metadata.get("criteria", ()), self.tag)


class ThemeScore(RubricScore):
    """The clipped mean of the scores of the samples tagged `tag` (a theme)."""

    def __init__(self, tag: str, **options: Any):
        super().__init__(**options)
        self.tag = tag
        self.name = tag

    def __repr__(self) -> str:
        return f"ThemeScore({self.tag!r})"

    def epoch_value(self, score: Score) -> float | None:
        """The sample's score when it has this theme's tag; None (left out) otherwise."""
        if self.tag not in score.metadata.get("example_tags", ()):
            return None
        return score.as_float()


def rubric_metrics(*, axes: Sequence[str] = (), themes: Sequence[str] = ()) -> list[Metric]:
    """`score`, then one figure per axis (criteria tag) and per theme (sample tag).

    Each figure is named by its tag: `rubric/axis:accuracy`, `rubric/theme:hedging`.
    """
    names = ["score", *axes, *themes]
    clash = sorted({n for n in names if names.count(n) > 1})
    if clash:
        raise ConfigError(f"rubric: the figure {clash[0]!r} is asked for twice")
    return [RubricScore(), *(AxisScore(t) for t in axes), *(ThemeScore(t) for t in themes)]
