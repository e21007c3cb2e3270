"""Pairwise preferences: win rates and Bradley–Terry strengths, with bootstrap intervals.

Outcomes are counted per resampling unit (a sample, its epochs together): a
win scores 1, a tie 1/2 and a loss 0 for the first of the two compared.

- `win_rate` is (W + T/2) / n with a seeded percentile bootstrap over units
  (whole clusters when clustered), drawn by `metrics/_bootstrap.py`.
- `bradley_terry` fits P(i beats j) = p_i / (p_i + p_j) by maximum
  likelihood from a `(k, k)` matrix of wins, ties counted as half a win each
  way. `prior` adds that many tied games between every two players, so the
  strengths stay finite when one player never loses (or never wins) and the
  comparison graph is always connected; `prior=0` gives the plain MLE.
- `bradley_terry_bootstrap` resamples units and re-fits every resample.

Strengths are reported on one scale throughout: normalised so that their
geometric mean is 1 (log-strengths average 0). A strength of 2 against 1
means an expected win rate of 2/3.

The fit is Zermelo's fixed-point iteration in the form given by Newman
(2023, "Efficient computation of rankings from pairwise comparisons"):

    p_i <- sum_j w_ij p_j / (p_i + p_j)  /  sum_j w_ji / (p_i + p_j)

Its fixed point is the MLE, the same as that of the classic MM update
(Hunter 2004, p_i <- W_i / sum_j n_ij / (p_i + p_j)), but it converges in a
few dozen steps where MM needs thousands when one player dominates. It runs
on a whole stack of resamples at once.

    >>> import numpy as np
    >>> p = bradley_terry(np.array([[0, 2], [1, 0]]), prior=0)
    >>> round(float(p[0] / p[1]), 6)
    2.0
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from proctor.metrics._bootstrap import CONFIDENCE, RESAMPLES, SEED, bootstrap_sums, resample_counts

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import ArrayLike

__all__ = [
    "PRIOR",
    "Ranking",
    "WinRate",
    "bradley_terry",
    "bradley_terry_bootstrap",
    "tally",
    "win_rate",
]

PRIOR = 0.1
"""Tied pseudo-games added between every two players before fitting."""

_TOLERANCE = 1e-11  # on log-strengths
_MAX_ITERATIONS = 10_000


@dataclass(frozen=True, slots=True)
class WinRate:
    """(W + T/2) / n over `n` decided comparisons, with a percentile bootstrap interval.

    `value` and the interval are None when nothing was compared (n = 0).
    `method` is "bootstrap" or "clustered-bootstrap".
    """

    value: float | None
    low: float | None
    high: float | None
    stderr: float | None
    n: int
    wins: int
    ties: int
    losses: int
    method: str


@dataclass(frozen=True, slots=True)
class Ranking:
    """Bradley–Terry strengths (geometric mean 1) with percentile bootstrap intervals."""

    strengths: np.ndarray
    low: np.ndarray
    high: np.ndarray
    method: str


def win_rate(
    outcomes: ArrayLike,
    *,
    clusters: Sequence[Hashable] | None = None,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    confidence: float = CONFIDENCE,
) -> WinRate:
    """The win rate of the first of two players from `(units, 3)` counts of wins, ties, losses.

    Units with no outcome (every comparison errored) are left out before
    resampling. With `clusters` (one key per unit), whole clusters are drawn.

    >>> win_rate([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]]).value
    0.625
    """
    import numpy as np

    counts = np.asarray(outcomes, dtype=np.int64).reshape(-1, 3)
    totals = counts.sum(axis=1)
    keep = totals > 0
    wins, ties, losses = (int(x) for x in counts.sum(axis=0))
    n = wins + ties + losses
    method = "clustered-bootstrap" if clusters is not None else "bootstrap"
    if n == 0:
        return WinRate(None, None, None, None, 0, 0, 0, 0, method)
    # doubled, so that half a win for a tie stays an exact integer
    stats = np.stack([2 * counts[:, 0] + counts[:, 1], 2 * totals], axis=1)[keep]
    kept = None if clusters is None else [c for c, k in zip(clusters, keep, strict=True) if k]
    boot = bootstrap_sums(
        stats,
        lambda t: t[:, 0] / t[:, 1],
        clusters=kept,
        resamples=resamples,
        seed=seed,
        confidence=confidence,
    )
    return WinRate(
        (wins + ties / 2) / n, boot.low, boot.high, boot.stderr, n, wins, ties, losses, method
    )


def tally(players: int, outcomes: Iterable[tuple[int, int, float]]) -> np.ndarray:
    """A `(players, players)` wins matrix from `(i, j, score of i)` outcomes.

    A score of 1 is a win of i over j, 0 a loss, 1/2 a tie: half a win each way.

    >>> tally(2, [(0, 1, 1.0), (0, 1, 0.5)]).tolist()
    [[0.0, 1.5], [0.5, 0.0]]
    """
    import numpy as np

    wins = np.zeros((players, players))
    for i, j, score in outcomes:
        if i == j:
            raise ValueError(f"player {i} cannot play itself")
        wins[i, j] += score
        wins[j, i] += 1.0 - score
    return wins


def bradley_terry(wins: ArrayLike, *, prior: float = PRIOR) -> np.ndarray:
    """Strengths (geometric mean 1) from `wins[i, j]`, the times i beat j; see the module.

    `wins` may also be a stack `(r, k, k)`: each matrix is fitted on its own,
    all at once, giving `(r, k)`. With `prior=0` a single matrix must have a
    finite MLE (every player beaten by, and beating, some chain of the others)
    or `ValueError` is raised; in a stack such rows come back as NaN.
    """
    import numpy as np

    matrix = np.asarray(wins, dtype=np.float64)
    if matrix.ndim not in (2, 3) or matrix.shape[-1] != matrix.shape[-2]:
        raise ValueError("wins must be a square (k, k) matrix or a (r, k, k) stack")
    if prior < 0 or np.any(matrix < 0):
        raise ValueError("wins and prior must not be negative")
    single = matrix.ndim == 2
    stack = matrix[None] if single else matrix
    k = stack.shape[-1]
    off_diagonal = 1.0 - np.eye(k)
    w = stack * off_diagonal + (prior / 2) * off_diagonal
    if prior > 0:  # the pseudo-games connect every two players: the fit always exists
        strengths = _fit(w)
    else:
        finite = _has_finite_mle(w)
        if single and not finite[0]:
            raise ValueError(
                "these results have no finite Bradley–Terry fit (a player never wins or never "
                "loses against the rest); use a prior > 0"
            )
        # without a finite MLE the iteration would run to its cap, drifting to infinity
        strengths = np.full(w.shape[:2], np.nan)
        strengths[finite] = _fit(w[finite])
    return strengths[0] if single else strengths


def bradley_terry_bootstrap(
    per_unit: ArrayLike,
    *,
    clusters: Sequence[Hashable] | None = None,
    prior: float = PRIOR,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    confidence: float = CONFIDENCE,
) -> Ranking:
    """Fit Bradley–Terry on `per_unit.sum(0)` and on every bootstrap resample of units.

    `per_unit` is `(units, k, k)`: each unit's wins matrix (see `tally`). The
    interval of each strength is the percentile interval of its re-fitted,
    re-normalised values; resamples whose fit is undefined are left out.
    """
    import numpy as np

    stats = np.asarray(per_unit, dtype=np.float64)
    if stats.ndim != 3 or len(stats) == 0 or stats.shape[1] != stats.shape[2]:
        raise ValueError("per_unit must be a non-empty (units, k, k) array")
    units, k, _ = stats.shape
    point = bradley_terry(stats.sum(axis=0), prior=prior)
    flat = stats.reshape(units, k * k)
    fits = [
        bradley_terry((counts @ flat).reshape(-1, k, k), prior=prior)
        for counts in resample_counts(units, clusters=clusters, resamples=resamples, seed=seed)
    ]
    values = np.concatenate(fits)
    values = values[np.all(np.isfinite(values), axis=1)]
    tail = (1 - confidence) / 2
    if len(values) == 0:
        nan = np.full(k, np.nan)
        low, high = nan, nan.copy()
    else:
        low, high = np.quantile(values, [tail, 1 - tail], axis=0)
    method = "clustered-bootstrap" if clusters is not None else "bootstrap"
    return Ranking(point, low, high, method)


def _fit(w: np.ndarray) -> np.ndarray:
    """Newman's form of Zermelo's iteration on a `(r, k, k)` stack; rows normalised.

    Players are updated one after the other, each with the others' newest
    strengths: updating all at once can cycle forever (on a chain A-B-C, A and
    C follow B's old value while B follows theirs).
    """
    import numpy as np

    r, k, _ = w.shape
    p = np.ones((r, k))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for _ in range(_MAX_ITERATIONS):
            before = np.log(p)
            for i in range(k):
                pair = p[:, i : i + 1] + p
                p[:, i] = (w[:, i, :] * p / pair).sum(axis=1) / (w[:, :, i] / pair).sum(axis=1)
            p /= np.exp(np.log(p).mean(axis=1, keepdims=True))
            change = np.abs(np.log(p) - before)
            # a row whose fit is undefined never settles; stop once the others have
            if not np.any(change[np.isfinite(change)] > _TOLERANCE):
                break
    return np.where(np.all(np.isfinite(p) & (p > 0), axis=1, keepdims=True), p, np.nan)


def _has_finite_mle(w: np.ndarray) -> np.ndarray:
    """For each `(k, k)` matrix of a stack: is "i beat j at least partly" strongly connected?"""
    import numpy as np

    k = w.shape[-1]
    reach = (w > 0) | np.eye(k, dtype=bool)
    for _ in range(max(1, k.bit_length())):  # path lengths double each squaring
        step = reach.astype(np.int64)
        reach = (step @ step) > 0
    return reach.all(axis=(1, 2))
