"""Agreement statistics between a judge and people, with bootstrap intervals.

Every statistic here is a function of a confusion table (or of sums), so a
sample's pairs are summed into one row and a percentile bootstrap over
samples (whole clusters when the run has a cluster key) costs one matrix
product per batch of resamples (`proctor.metrics._bootstrap`).

- **Cohen's kappa** (Cohen 1960, "A coefficient of agreement for nominal
  scales", Educational and Psychological Measurement 20(1)): with the
  table's observed share p_o on the diagonal and the chance share p_e from
  its margins, kappa = (p_o − p_e) / (1 − p_e). Written with disagreement
  weights w, kappa = 1 − Σ w·o / Σ w·e (o the observed table, e the one
  expected from its margins): w = 1 off the diagonal gives the unweighted
  kappa; w = (i − j)², the squared distance between the categories'
  places on the scale, gives the quadratic-weighted kappa (Cohen 1968) for
  ratings. The categories are the whole scale, so a rating nobody used
  still counts in the distances — as scikit-learn's `cohen_kappa_score`
  with `labels=` the scale. Undefined (None) when chance agreement is
  already perfect.
- **Balanced (macro) F1**: the mean over categories of 2·TP / (2·TP + FP +
  FN), people's verdicts taken as the truth — for criteria met / not met
  this is HealthBench's meta-evaluation metric (Arora et al., 2025,
  "HealthBench", section on grader agreement with physicians). A category
  neither side used is left out.
- **Agreement rate**: the share of pairs on the diagonal; for pairwise
  verdicts with ties counted as a third verdict, and *without ties* only
  over the pairs where neither side said tie (as in Zheng et al., 2023,
  "Judging LLM-as-a-judge with MT-Bench and Chatbot Arena").
- **Spearman's rho** for ratings: the Pearson correlation of mid-ranks
  (`scipy.stats.spearmanr`); its interval draws the same resampled samples.
- **Mean difference** (judge − person): the judge's systematic bias.

Each person's verdict is its own pair with the judge's verdict on the same
unit, so a unit three people reviewed counts three times — the judge is
held to every reviewer, as HealthBench compares its grader with each
physician's grade. The bootstrap keeps a sample's pairs together.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "Figure",
    "PairedVerdicts",
    "agreement_rate",
    "cohen_kappa",
    "macro_f1",
    "mean_difference",
    "spearman",
]

Weights = Literal["quadratic"] | None


@dataclass(frozen=True, slots=True)
class Figure:
    """One agreement figure with its 95% interval; `n` counts the pairs (or units) behind it."""

    name: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    method: str  # "bootstrap", "clustered-bootstrap" or "none"

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


@dataclass(frozen=True, slots=True)
class PairedVerdicts:
    """Judge–person pairs of verdicts, with the sample each comes from.

    `categories` are the possible verdicts in scale order (a rating scale
    from its lowest, labels as listed, `[False, True]` for criteria).
    """

    judge: Sequence[Hashable]
    human: Sequence[Hashable]
    groups: Sequence[Hashable]  # the sample (or cluster) of each pair
    categories: Sequence[Hashable]

    def __post_init__(self) -> None:
        if not len(self.judge) == len(self.human) == len(self.groups):
            raise ValueError("judge, human and groups must be as long as each other")
        known = set(self.categories)
        strays = [v for v in (*self.judge, *self.human) if v not in known]
        if strays:
            raise ValueError(f"verdict {strays[0]!r} is not among the categories")

    def rows(self) -> tuple[np.ndarray, list[Hashable]]:
        """`(groups, K·K)` confusion counts per group (judge rows, person columns)."""
        import numpy as np

        index = {c: i for i, c in enumerate(self.categories)}
        size = len(self.categories)
        order = list(dict.fromkeys(self.groups))
        place = {g: i for i, g in enumerate(order)}
        rows = np.zeros((len(order), size * size), dtype=np.int64)
        for j, h, g in zip(self.judge, self.human, self.groups, strict=True):
            rows[place[g], index[j] * size + index[h]] += 1
        return rows, order


def _tables(totals: np.ndarray, size: int) -> np.ndarray:
    return totals.reshape(-1, size, size).astype(float)


def _weights(size: int, weights: Weights) -> np.ndarray:
    import numpy as np

    if weights == "quadratic":
        places = np.arange(size, dtype=float)
        return (places[:, None] - places[None, :]) ** 2
    return 1.0 - np.eye(size)


def kappa_figure(totals: np.ndarray, size: int, weights: Weights = None) -> np.ndarray:
    """Cohen's kappa of each row of summed confusion counts; NaN where undefined."""
    import numpy as np

    tables = _tables(totals, size)
    n = tables.sum(axis=(1, 2))
    expected = tables.sum(axis=2)[:, :, None] * tables.sum(axis=1)[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = expected / n[:, None, None]
        w = _weights(size, weights)
        observed_d = (tables * w).sum(axis=(1, 2))
        expected_d = (expected * w).sum(axis=(1, 2))
        return np.where(expected_d > 0, 1.0 - observed_d / expected_d, np.nan)


def f1_figure(totals: np.ndarray, size: int) -> np.ndarray:
    """Macro F1 of each row (people's verdicts the truth), over the categories used."""
    import numpy as np

    tables = _tables(totals, size)
    tp = np.diagonal(tables, axis1=1, axis2=2)
    predicted = tables.sum(axis=2)  # the judge's verdicts (rows)
    actual = tables.sum(axis=1)  # people's (columns)
    used = (predicted + actual) > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        f1 = np.where(used, 2 * tp / (predicted + actual), 0.0)
        return np.where(used.any(axis=1), f1.sum(axis=1) / used.sum(axis=1), np.nan)


def rate_figure(totals: np.ndarray, size: int, *, skip: int | None = None) -> np.ndarray:
    """The agreement rate of each row; `skip` leaves out pairs where either side chose
    that category (pairwise ties)."""
    import numpy as np

    tables = _tables(totals, size)
    if skip is not None:
        keep = np.ones(size, dtype=bool)
        keep[skip] = False
        tables = tables[:, keep][:, :, keep]
    n = tables.sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, np.trace(tables, axis1=1, axis2=2) / n, np.nan)


def _point(figure: np.ndarray) -> float | None:
    import math

    value = float(figure[0])
    return value if math.isfinite(value) else None


def cohen_kappa(pairs: PairedVerdicts, weights: Weights = None) -> float | None:
    """Cohen's kappa of the pairs (quadratic-weighted with `weights="quadratic"`)."""
    rows, _ = pairs.rows()
    return _point(kappa_figure(rows.sum(axis=0, keepdims=True), len(pairs.categories), weights))


def macro_f1(pairs: PairedVerdicts) -> float | None:
    """The mean F1 over the categories either side used, people's verdicts the truth."""
    rows, _ = pairs.rows()
    return _point(f1_figure(rows.sum(axis=0, keepdims=True), len(pairs.categories)))


def agreement_rate(pairs: PairedVerdicts, *, without: Hashable | None = None) -> float | None:
    """The share of pairs that agree; with `without`, over pairs where neither chose it."""
    rows, _ = pairs.rows()
    skip = None if without is None else list(pairs.categories).index(without)
    return _point(rate_figure(rows.sum(axis=0, keepdims=True), len(pairs.categories), skip=skip))


def spearman(judge: Sequence[float], human: Sequence[float]) -> float | None:
    """Spearman's rank correlation; None when either side does not vary."""
    import math

    import numpy as np
    from scipy.stats import spearmanr

    if len(judge) < 2 or np.ptp(judge) == 0 or np.ptp(human) == 0:
        return None
    value = float(spearmanr(judge, human).statistic)
    return value if math.isfinite(value) else None


def mean_difference(judge: Sequence[float], human: Sequence[float]) -> float | None:
    """The mean of judge − person over the pairs."""
    if not judge:
        return None
    return sum(j - h for j, h in zip(judge, human, strict=True)) / len(judge)


def bootstrap_figure(
    name: str,
    rows: np.ndarray,
    figure: Callable[[np.ndarray], np.ndarray],
    *,
    n: int,
    seed: int,
    resamples: int,
    clustered: bool = False,
) -> Figure:
    """A figure of summed rows, one per sample (or cluster, when `clustered`), with its
    seeded percentile bootstrap interval over the rows."""
    from proctor.metrics._bootstrap import bootstrap_sums

    value = _point(figure(rows.sum(axis=0, keepdims=True))) if len(rows) else None
    if value is None or len(rows) < 2 or resamples <= 0:
        return Figure(name, value, None, None, n, "none")
    boot = bootstrap_sums(rows, figure, resamples=resamples, seed=seed)
    if len(boot.values) == 0:
        return Figure(name, value, None, None, n, "none")
    method = "clustered-bootstrap" if clustered else "bootstrap"
    return Figure(name, value, boot.low, boot.high, n, method)


def bootstrap_spearman(
    judge: Sequence[float],
    human: Sequence[float],
    groups: Sequence[Hashable],
    *,
    seed: int,
    resamples: int,
    clustered: bool = False,
) -> Figure:
    """Spearman's rho with a percentile bootstrap that draws whole groups (samples, or
    clusters when `clustered`)."""
    import numpy as np

    from proctor.metrics._bootstrap import CONFIDENCE, resample_counts

    value = spearman(judge, human)
    order = list(dict.fromkeys(groups))
    if value is None or len(order) < 2 or resamples <= 0:
        return Figure("spearman", value, None, None, len(judge), "none")
    place = {g: i for i, g in enumerate(order)}
    members: list[list[int]] = [[] for _ in order]
    for i, g in enumerate(groups):
        members[place[g]].append(i)
    j, h = np.asarray(judge, dtype=float), np.asarray(human, dtype=float)
    figures = []
    for batch in resample_counts(len(order), resamples=resamples, seed=seed):
        for counts in batch:
            index = [i for g, c in enumerate(counts) for _ in range(c) for i in members[g]]
            rho = spearman(j[index].tolist(), h[index].tolist())
            if rho is not None:
                figures.append(rho)
    if not figures:
        return Figure("spearman", value, None, None, len(judge), "none")
    tail = (1 - CONFIDENCE) / 2
    low, high = np.quantile(figures, [tail, 1 - tail])
    method = "clustered-bootstrap" if clustered else "bootstrap"
    return Figure("spearman", value, float(low), float(high), len(judge), method)
