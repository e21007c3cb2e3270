"""Turn per-sample scores into a run's figures: overall and per slice.

`compute_metrics` reads the samples once, as a stream. From each sample it
keeps only what aggregation needs — one statistic per scorer and metric
(`Metric.sample_stat`), its slice values and its cluster key — so memory
grows with the number of samples times a few small values, never with the
text of prompts and outputs.

For each scorer (in the order given) and each of its metrics (in order), it
returns the overall figure, then one figure per value of each slice key
(`exact_match/mean[topic=billing]`), keys in the order given, values sorted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from proctor.errors import ConfigError
from proctor.metrics._metric import Metric, MetricValue, metric_name

if TYPE_CHECKING:
    from proctor.scorer import Score, Scorer

__all__ = ["SampleScores", "compute_metrics"]


@dataclass(frozen=True, slots=True)
class SampleScores:
    """One sample's scores over all its epochs, as aggregation needs them.

    `scores` maps a scorer's name to its scores, one per scored epoch; an
    epoch where the scorer raised (or the model failed) is simply absent.
    `error` is True when the model failed on every epoch: the sample then
    counts in `n_total` but enters no figure. `multiple_choice` tells whether
    the sample has choices: a scorer limited to one kind of sample
    (`Scorer.applies_to`) counts only those in its `n_total`.
    """

    sample_id: str
    metadata: dict[str, Any] = field(default_factory=dict)
    error: bool = False
    scores: dict[str, list[Score]] = field(default_factory=dict)
    multiple_choice: bool = False


class _Column:
    """One metric of one scorer: a statistic (or None) per sample."""

    __slots__ = ("applies", "metric", "scorer", "stats")

    def __init__(self, scorer: Scorer, metric: Metric):
        self.scorer = scorer
        self.metric = metric
        self.stats: list[Any] = []
        self.applies: list[bool] = []

    def applies_to(self, row: SampleScores) -> bool:
        kind = getattr(self.scorer, "applies_to", "all")
        return kind == "all" or row.multiple_choice == (kind == "choices")


def _check_names(scorers: Sequence[Scorer]) -> None:
    seen: set[str] = set()
    for s in scorers:
        if s.name in seen:
            raise ConfigError(f"two scorers are named {s.name!r}; their scores would mix")
        seen.add(s.name)


def compute_metrics(
    rows: Iterable[SampleScores],
    scorers: Sequence[Scorer],
    *,
    slices: Sequence[str] = (),
    cluster: str | None = None,
) -> list[MetricValue]:
    """Every figure of a run: per scorer and metric, overall and per slice value.

    `slices` are metadata keys: a sample lacking a key (or whose value is
    None) is in no slice of that key; values are compared as `str(value)`.
    `cluster` is the metadata key whose samples are not independent (clustered
    intervals); a sample lacking it is its own cluster. `n` counts the samples
    with a statistic, `n_total` every sample of the group, errored ones included.

    >>> from proctor.scorer import Score, exact_match
    >>> rows = [SampleScores("q1", {"topic": "billing"}, scores={"exact_match": [Score(True)]}),
    ...         SampleScores("q2", {"topic": "billing"}, error=True)]
    >>> [(m.name, m.value, m.n, m.n_total) for m in compute_metrics(
    ...     rows, [exact_match()], slices=["topic"])]
    [('exact_match/mean', 1.0, 1, 2), ('exact_match/mean[topic=billing]', 1.0, 1, 2)]
    """
    _check_names(scorers)
    columns = [_Column(s, m) for s in scorers for m in s.metrics]
    members: dict[str, dict[str, list[int]]] = {key: {} for key in slices}
    cluster_keys: list[str] = []
    interned: dict[str, str] = {}
    total = 0
    for index, row in enumerate(rows):
        total += 1
        for column in columns:
            scores = None if row.error else row.scores.get(column.scorer.name)
            column.stats.append(column.metric.sample_stat(scores) if scores else None)
            column.applies.append(column.applies_to(row))
        for key in slices:
            value = row.metadata.get(key)
            if value is not None:
                text = interned.setdefault(str(value), str(value))
                members[key].setdefault(text, []).append(index)
        if cluster is not None:
            value = row.metadata.get(cluster)
            if value is None:  # its own cluster: a key no str() of a value can equal
                cluster_keys.append(f"\x00{index}")
            else:
                cluster_keys.append(interned.setdefault(str(value), str(value)))

    clusters = cluster_keys if cluster is not None else None
    results = []
    for column in columns:
        results.append(_figure(column, range(total), clusters))
        for key in slices:
            for value in sorted(members[key]):
                results.append(_figure(column, members[key][value], clusters, key, value))
    return results


def _figure(
    column: _Column,
    indices: Sequence[int],
    cluster_keys: Sequence[str] | None,
    slice_key: str | None = None,
    slice_value: str | None = None,
) -> MetricValue:
    scored = [i for i in indices if column.stats[i] is not None]
    stats = [column.stats[i] for i in scored]
    clusters = None if cluster_keys is None else [cluster_keys[i] for i in scored]
    value, low, high, se, method = column.metric.summarize(stats, clusters)
    return MetricValue(
        name=metric_name(column.scorer.name, column.metric.name, slice_key, slice_value),
        scorer=column.scorer.name,
        metric=column.metric.name,
        value=value,
        ci_low=low,
        ci_high=high,
        stderr=se,
        n=len(stats),
        n_total=sum(1 for i in indices if column.applies[i]),
        higher_is_better=column.metric.higher_is_better,
        method=method,
        slice_key=slice_key,
        slice_value=slice_value,
    )
