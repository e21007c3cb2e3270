"""Classification and extraction metrics: accuracy, precision, recall and F1.

Both kinds are computed from summed counts, so the figure of any set of
samples — a slice, a bootstrap resample — is computed from its samples'
statistics alone:

* **labels** (the `label` scorer): each score's metadata holds the `gold`
  and `pred` labels. A sample's statistic is its `(gold, pred)` pairs, one per
  epoch; each pair weighs `1 / epochs`, so every sample counts once, as in
  `mean()`. The figures are scikit-learn's on the same pairs (with those
  weights as `sample_weight`): `accuracy_score`, and
  `precision_recall_fscore_support(average=..., zero_division=0)` — a ratio
  whose denominator is 0 is 0. They are computed here from the confusion
  matrix with numpy (the tests check them against scikit-learn), because a
  bootstrap recomputes them a thousand times.
* **fields** (the `extraction` scorer): each score's metadata holds the
  sample's field-level `tp`, `fp` and `fn`; a sample's statistic is their
  mean over epochs, and the figures are micro precision, recall and F1 of
  the summed counts (0 when a denominator is 0).

Metric names: `accuracy`, `precision_micro`, `recall_micro`, `f1_micro`,
`precision_macro`, `recall_macro`, `f1_macro`, and, when the scorer declares
its labels, per label `precision:<label>`, `recall:<label>`, `f1:<label>`
(`label/f1:billing`; a slice then reads `label/f1:billing[topic=x]`). Macro
and micro averages run over the declared labels when there are any
(scikit-learn's `labels=`), so an `(invalid)` prediction is a miss of its
gold label but a false positive of no label; without declared labels they run
over every label seen in the samples at hand, as scikit-learn does. Labels
known only from the data cannot name metrics (a figure set is fixed when the
scorer is built): for those, `confusion_matrix(pairs)` and
`per_label_figures(matrix)` give the report layer the table.

Intervals: a percentile bootstrap of 1,000 resamples with a fixed seed,
resampling samples, or whole clusters when `clusters` is given (method
`bootstrap` or `clustered-bootstrap`); `stderr` is the standard deviation of
the resampled figures. Fewer than two samples (or clusters): no interval.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from proctor.metrics._metric import Metric

if TYPE_CHECKING:
    from proctor.scorer import Score

__all__ = [
    "ConfusionMatrix",
    "FieldMetric",
    "LabelMetric",
    "confusion_matrix",
    "field_metrics",
    "label_metrics",
    "label_pairs",
    "per_label_figures",
]

Measure = Literal["accuracy", "precision", "recall", "f1"]
FieldMeasure = Literal["precision", "recall", "f1"]
Average = Literal["micro", "macro"]
Summary = tuple[float | None, float | None, float | None, float | None, str]
Pair = tuple[str, str]

RESAMPLES = 1000
SEED = 0


# --- counts to figures ---------------------------------------------------


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """`num / den`, 0 where `den` is 0 (scikit-learn's `zero_division=0`)."""
    out = np.zeros(np.shape(num), dtype=float)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _prf(tp: np.ndarray, pred: np.ndarray, true: np.ndarray) -> dict[str, np.ndarray]:
    """Precision, recall and F1 (2·tp / (true + pred)) from counts, elementwise."""
    return {
        "precision": _divide(tp, pred),
        "recall": _divide(tp, true),
        "f1": _divide(2 * tp, true + pred),
    }


# --- bootstrap -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Entries:
    """Samples' statistics as sparse count entries: `totals = Σ weight` per cell."""

    sample: np.ndarray  # the sample each entry belongs to
    cell: np.ndarray  # the count it adds to
    weight: np.ndarray  # how much it adds
    cells: int  # how many counts there are
    samples: int

    def totals(self, multiplicity: np.ndarray | None = None) -> np.ndarray:
        """The summed counts, each sample taken `multiplicity[sample]` times (default once)."""
        weight = self.weight if multiplicity is None else self.weight * multiplicity[self.sample]
        return np.bincount(self.cell, weights=weight, minlength=self.cells)


def _bootstrap_interval(
    entries: _Entries,
    figure: Callable[[np.ndarray], float],
    clusters: Sequence[str] | None,
    *,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> tuple[float, float, float, str] | None:
    """`(ci_low, ci_high, stderr, method)` of `figure(totals)` by percentile bootstrap.

    Resamples samples with replacement, or whole clusters when `clusters`
    (one key per sample) is given, with the shared draws of
    `proctor.metrics._bootstrap`. None below two samples or clusters.
    """
    from proctor.metrics._bootstrap import resample_counts

    units = entries.samples if clusters is None else len(set(clusters))
    if units < 2:
        return None
    replicates = np.array(
        [
            figure(entries.totals(row.astype(float)))
            for batch in resample_counts(
                entries.samples, clusters=clusters, resamples=resamples, seed=seed
            )
            for row in batch
        ]
    )
    low, high = np.percentile(replicates, [2.5, 97.5])
    method = "bootstrap" if clusters is None else "clustered-bootstrap"
    return float(low), float(high), float(replicates.std(ddof=1)), method


class _CountMetric(Metric):
    """A figure of summed per-sample counts, with a bootstrap interval."""

    higher_is_better = True

    @abstractmethod
    def _encode(self, stats: Sequence[Any]) -> tuple[_Entries, Any]:
        """The samples' counts as entries, and what `_figure` needs to read them."""

    @abstractmethod
    def _figure(self, totals: np.ndarray, context: Any) -> float:
        """The figure of summed counts `totals`."""

    def value(self, stats: Sequence[Any]) -> float | None:
        present = [s for s in stats if s is not None]
        if not present:
            return None
        entries, context = self._encode(present)
        return self._figure(entries.totals(), context)

    def summarize(self, stats: Sequence[Any], clusters: Sequence[str] | None = None) -> Summary:
        if clusters is not None and len(clusters) != len(stats):
            raise ValueError(f"{len(stats)} statistics but {len(clusters)} cluster keys")
        keep = [i for i, s in enumerate(stats) if s is not None]
        if not keep:
            return None, None, None, None, "none"
        entries, context = self._encode([stats[i] for i in keep])
        value = self._figure(entries.totals(), context)
        keys = None if clusters is None else [clusters[i] for i in keep]
        interval = _bootstrap_interval(entries, lambda t: self._figure(t, context), keys)
        if interval is None:
            return value, None, None, None, "none"
        low, high, se, method = interval
        return value, low, high, se, method


# --- labels ------------------------------------------------------------------


def label_pairs(scores: Iterable[Score]) -> list[Pair]:
    """The `(gold, pred)` pairs of `label` scores (others are skipped)."""
    pairs = []
    for score in scores:
        gold, pred = score.metadata.get("gold"), score.metadata.get("pred")
        if isinstance(gold, str) and isinstance(pred, str):
            pairs.append((gold, pred))
    return pairs


class LabelMetric(_CountMetric):
    """Accuracy, or precision/recall/F1 micro, macro or of one label; see the module docstring."""

    def __init__(
        self,
        measure: Measure,
        *,
        average: Average = "macro",
        label: str | None = None,
        labels: Sequence[str] | None = None,
    ):
        if label is not None and (labels is None or label not in labels):
            raise ValueError(f"label {label!r} is not one of the declared labels")
        self.measure = measure
        self.average = average
        self.label = label
        self.labels = tuple(labels) if labels is not None else None
        if measure == "accuracy":
            self.name = "accuracy"
        elif label is not None:
            self.name = f"{measure}:{label}"
        else:
            self.name = f"{measure}_{average}"

    def __repr__(self) -> str:
        return (
            f"LabelMetric({self.measure!r}, average={self.average!r}, "
            f"label={self.label!r}, labels={self.labels!r})"
        )

    def sample_stat(self, scores: Sequence[Score]) -> tuple[Pair, ...] | None:
        """This sample's `(gold, pred)` pairs, one per epoch; None without any."""
        return tuple(label_pairs(scores)) or None

    def _encode(self, stats: Sequence[Any]) -> tuple[_Entries, tuple[list[str], np.ndarray]]:
        index = {label: i for i, label in enumerate(self.labels or ())}
        sample, cell, weight = [], [], []
        for position, pairs in enumerate(stats):
            for gold, pred in pairs:
                g = index.setdefault(gold, len(index))
                p = index.setdefault(pred, len(index))
                sample.append(position)
                cell.append((g, p))
                weight.append(1.0 / len(pairs))
        size = len(index)
        cells = np.array([g * size + p for g, p in cell], dtype=np.intp)
        declared = np.arange(len(self.labels)) if self.labels is not None else None
        entries = _Entries(
            np.array(sample, dtype=np.intp), cells, np.array(weight), size * size, len(stats)
        )
        return entries, (list(index), declared)

    def _figure(self, totals: np.ndarray, context: tuple[list[str], np.ndarray | None]) -> float:
        labels, declared = context
        size = len(labels)
        matrix = totals.reshape(size, size)
        if self.measure == "accuracy":
            return float(np.trace(matrix) / matrix.sum())
        tp, pred, true = np.diag(matrix), matrix.sum(axis=0), matrix.sum(axis=1)
        if self.label is not None:
            i = labels.index(self.label)
            return float(_prf(tp[i], pred[i], true[i])[self.measure])
        chosen = declared if declared is not None else np.flatnonzero(pred + true > 0)
        tp, pred, true = tp[chosen], pred[chosen], true[chosen]
        if self.average == "micro":
            return float(_prf(tp.sum(), pred.sum(), true.sum())[self.measure])
        return float(_prf(tp, pred, true)[self.measure].mean()) if len(chosen) else 0.0


def label_metrics(labels: Sequence[str] | None = None) -> list[Metric]:
    """Accuracy, micro and macro P/R/F1, and per-label P/R/F1 when `labels` are declared."""
    metrics: list[Metric] = [LabelMetric("accuracy", labels=labels)]
    for average in ("micro", "macro"):
        for measure in ("precision", "recall", "f1"):
            metrics.append(LabelMetric(measure, average=average, labels=labels))
    for label in labels or ():
        for measure in ("precision", "recall", "f1"):
            metrics.append(LabelMetric(measure, label=label, labels=labels))
    return metrics


@dataclass(frozen=True, slots=True)
class ConfusionMatrix:
    """Counts of (gold, predicted) label pairs: `counts[i][j]` = gold `labels[i]`, pred `labels[j]`.

    >>> confusion_matrix([("a", "a"), ("a", "b"), ("b", "b")]).counts
    ((1, 1), (0, 1))
    """

    labels: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]


def confusion_matrix(pairs: Iterable[Pair], labels: Sequence[str] | None = None) -> ConfusionMatrix:
    """scikit-learn's `confusion_matrix` of `(gold, pred)` pairs, with its labels.

    Without `labels`, every label of the pairs, sorted; with them, pairs whose
    gold or prediction is not listed are left out (as scikit-learn does), so
    pass the scorer's labels plus `"(invalid)"` to see invalid outputs.
    """
    pairs = list(pairs)
    order = tuple(labels) if labels is not None else tuple(sorted({x for p in pairs for x in p}))
    index = {label: i for i, label in enumerate(order)}
    counts = [[0] * len(order) for _ in order]
    for gold, pred in pairs:
        if gold in index and pred in index:
            counts[index[gold]][index[pred]] += 1
    return ConfusionMatrix(order, tuple(tuple(row) for row in counts))


def per_label_figures(matrix: ConfusionMatrix) -> dict[str, dict[str, float]]:
    """Per label of `matrix`: precision, recall, F1 and support (its gold count).

    scikit-learn's `precision_recall_fscore_support(average=None, zero_division=0)`
    on the pairs the matrix counts.
    """
    counts = np.array(matrix.counts, dtype=float).reshape(len(matrix.labels), len(matrix.labels))
    tp, pred, true = np.diag(counts), counts.sum(axis=0), counts.sum(axis=1)
    figures = _prf(tp, pred, true)
    return {
        label: {
            "precision": float(figures["precision"][i]),
            "recall": float(figures["recall"][i]),
            "f1": float(figures["f1"][i]),
            "support": float(true[i]),
        }
        for i, label in enumerate(matrix.labels)
    }


# --- fields ------------------------------------------------------------------

_FIELD_COUNTS = ("tp", "fp", "fn")


class FieldMetric(_CountMetric):
    """Micro precision, recall or F1 of field-level counts; see the module docstring."""

    def __init__(self, measure: FieldMeasure):
        self.measure = measure
        self.name = measure

    def __repr__(self) -> str:
        return f"FieldMetric({self.measure!r})"

    def sample_stat(self, scores: Sequence[Score]) -> tuple[float, float, float] | None:
        """This sample's mean `(tp, fp, fn)` over epochs; None without any counts."""
        counts = [
            [float(s.metadata[k]) for k in _FIELD_COUNTS]
            for s in scores
            if all(isinstance(s.metadata.get(k), int | float) for k in _FIELD_COUNTS)
        ]
        if not counts:
            return None
        tp, fp, fn = np.mean(np.array(counts), axis=0)
        return float(tp), float(fp), float(fn)

    def _encode(self, stats: Sequence[Any]) -> tuple[_Entries, None]:
        n = len(stats)
        entries = _Entries(
            sample=np.repeat(np.arange(n), 3),
            cell=np.tile(np.arange(3), n),
            weight=np.array([float(c) for stat in stats for c in stat]),
            cells=3,
            samples=n,
        )
        return entries, None

    def _figure(self, totals: np.ndarray, context: None) -> float:
        tp, fp, fn = totals
        return float(_prf(np.float64(tp), np.float64(tp + fp), np.float64(tp + fn))[self.measure])


def field_metrics() -> list[Metric]:
    """Micro `precision`, `recall` and `f1` of the samples' summed field counts."""
    return [FieldMetric("precision"), FieldMetric("recall"), FieldMetric("f1")]
