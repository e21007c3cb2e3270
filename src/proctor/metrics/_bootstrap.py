"""Bootstrap resampling of samples, vectorized over the resamples with NumPy.

Two tools, for two kinds of metric:

- `resample_counts` yields, for a batch of resamples at once, how many times
  each sample is drawn (an `(r, n)` integer array). Any metric can use these
  as weights: a sum of per-sample statistics is `counts @ stats`, and
  scikit-learn's functions take them as `sample_weight`.
- `bootstrap_sums` is the fast path for metrics whose sample statistics add
  up (corpus BLEU, chrF and TER: n-gram counts, lengths, edits). It draws the
  resamples, sums each one's statistics in one matrix product, and applies
  the metric's `figure` to the totals of every resample.

Samples are drawn with replacement, n from n, as sacrebleu does. With
`clusters` (one key per sample), whole clusters are drawn instead, G from G,
so that samples that are not independent stay together. The interval is the
percentile interval of the resampled figures, and `stderr` their standard
deviation. Every draw comes from `numpy.random.default_rng(seed)`: the same
seed and inputs give the same interval.

    >>> import numpy as np
    >>> stats = np.array([[1, 2], [0, 2], [2, 2]])
    >>> result = bootstrap_sums(stats, lambda t: t[:, 0] / t[:, 1], resamples=200)
    >>> bool(result.low <= 0.5 <= result.high)
    True
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import ArrayLike

__all__ = ["Bootstrap", "bootstrap_sums", "resample_counts"]

RESAMPLES = 1000
SEED = 12345  # sacrebleu's default bootstrap seed
CONFIDENCE = 0.95
_CELLS_PER_BATCH = 1 << 22  # bounds the (resamples x samples) count matrix of one batch


@dataclass(frozen=True, slots=True)
class Bootstrap:
    """The resampled figures and their percentile interval.

    `values` holds the finite figure of each resample (a resample whose figure
    is undefined, NaN, is left out); `low`/`high` bound the central
    `confidence` share of them; `stderr` is their standard deviation (ddof=1).
    """

    values: np.ndarray
    low: float
    high: float
    stderr: float


def _cluster_index(clusters: Sequence[Hashable]) -> tuple[np.ndarray, int]:
    """Each sample's cluster as a number 0..G-1, and G."""
    import numpy as np

    numbers: dict[Hashable, int] = {}
    index = np.fromiter((numbers.setdefault(key, len(numbers)) for key in clusters), dtype=np.intp)
    return index, len(numbers)


def _draw_counts(rng: np.random.Generator, units: int, batch: int) -> np.ndarray:
    """`(batch, units)`: how many times each unit is drawn in each of `batch` resamples."""
    import numpy as np

    drawn = rng.integers(0, units, size=(batch, units))
    drawn += (np.arange(batch) * units)[:, None]
    return np.bincount(drawn.ravel(), minlength=batch * units).reshape(batch, units)


def _batches(units: int, resamples: int) -> Iterator[int]:
    size = max(1, _CELLS_PER_BATCH // max(units, 1))
    for start in range(0, resamples, size):
        yield min(size, resamples - start)


def resample_counts(
    n: int,
    *,
    clusters: Sequence[Hashable] | None = None,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> Iterator[np.ndarray]:
    """Batches of `(r, n)` draw counts, `resamples` rows in all; see the module docstring.

    With `clusters`, a sample's count is the number of times its cluster is
    drawn. Batches bound memory; the draws do not depend on the batch size.
    """
    import numpy as np

    if clusters is not None and len(clusters) != n:
        raise ValueError(f"{n} samples but {len(clusters)} cluster keys")
    rng = np.random.default_rng(seed)
    if clusters is None:
        for batch in _batches(n, resamples):
            yield _draw_counts(rng, n, batch)
        return
    index, groups = _cluster_index(clusters)
    for batch in _batches(groups, resamples):
        yield _draw_counts(rng, groups, batch)[:, index]


def bootstrap_sums(
    stats: ArrayLike,
    figure: Callable[[np.ndarray], np.ndarray],
    *,
    clusters: Sequence[Hashable] | None = None,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    confidence: float = CONFIDENCE,
) -> Bootstrap:
    """Bootstrap a figure of summed statistics; `stats` has one row per sample.

    `figure` takes an `(r, k)` array of totals, one row per resample, and
    returns the `r` figures. Integer statistics stay integers in the totals.
    Clusters are summed first, so drawing whole clusters costs no more than
    drawing samples.
    """
    import numpy as np

    array = np.asarray(stats)
    if array.ndim != 2 or len(array) == 0:
        raise ValueError("stats must be a non-empty (samples, statistics) array")
    exact = np.issubdtype(array.dtype, np.integer)
    units = array.astype(np.float64)  # a BLAS matrix product; exact for counts below 2**53
    if clusters is not None:
        if len(clusters) != len(array):
            raise ValueError(f"{len(array)} samples but {len(clusters)} cluster keys")
        index, groups = _cluster_index(clusters)
        summed = np.zeros((groups, array.shape[1]))
        np.add.at(summed, index, units)
        units = summed
    rng = np.random.default_rng(seed)
    figures = []
    for batch in _batches(len(units), resamples):
        totals = _draw_counts(rng, len(units), batch).astype(np.float64) @ units
        if exact:
            totals = np.rint(totals).astype(np.int64)
        figures.append(np.asarray(figure(totals), dtype=np.float64))
    values = np.concatenate(figures)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return Bootstrap(values, float("nan"), float("nan"), float("nan"))
    tail = (1 - confidence) / 2
    low, high = np.quantile(values, [tail, 1 - tail])
    spread = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
    return Bootstrap(values, float(low), float(high), spread)
