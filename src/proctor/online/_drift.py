"""The statistics of drift: one window against its trailing baseline.

Quality. Each overall figure of a window run is compared with the same
figure over a baseline: the per-sample statistics of the (up to) k windows
before it, pooled. The samples of two windows are different production
calls, so the comparison is unpaired, and one-sided, in the metric's bad
direction (down when higher is better, up otherwise):

| statistics                     | test                         | interval of Δ         |
| ------------------------------ | ---------------------------- | --------------------- |
| every one 0 or 1               | two-proportion z, pooled     | Newcombe hybrid score |
| 0/1, an expected cell below 5  | Fisher's exact test          | Newcombe hybrid score |
| continuous (ratings, ms)       | Welch's t (unequal variance) | Welch–Satterthwaite t |
| other metrics (corpus, rubric) | bootstrap, null-centred p    | percentile bootstrap  |

with Δ = window − baseline. References: the two-proportion z-test, with
Cochran's (1954) rule of five expected counts for its normal approximation;
Fisher's exact test, one-sided (SciPy `fisher_exact`); Newcombe (1998), "Interval estimation for the
difference between independent proportions", method 10; Welch (1947); for
the bootstrap, Efron & Tibshirani (1993), ch. 16, as `compare` uses it.

Why this rule rather than a CUSUM or control chart: windows hold different
numbers of samples (a control chart's limits assume a stable subgroup size
and a known in-control mean and variance), CUSUM needs a reference shift and
a decision threshold tuned by average run length, and neither gives a
per-window interval. A test per window against the pooled trailing baseline
reads like the rest of Proctor (a figure, Δ with its CI, a p-value), adapts
as the baseline moves, and has a known false-alarm rate. Windows tested
together are corrected for multiplicity with Benjamini–Hochberg q-values
(`bh_qvalues`, as `compare` does across metrics and slices), so that looking
at thirty days of five metrics does not raise an alarm by chance.

Inputs. The population stability index of a window's distribution against
the baseline's, PSI = Σ_i (a_i − e_i) · ln(a_i / e_i) over bins, with a_i
and e_i the window's and the baseline's shares (Siddiqi 2006, "Credit Risk
Scorecards"; Yurdakul 2018 studies its sampling distribution). Bins are the
values of a metadata key, or for input lengths half-octaves (lengths within a
factor √2 share a bin): fixed bins, so that a few distinct lengths, as
templated inputs have, do not make quantile bins degenerate, and a shift
shows when lengths grow or shrink by a sizeable factor. An empty bin counts
as a share of 0.0001 so the logarithm stays finite. The
usual reading: below 0.1 stable, 0.1–0.25 a moderate shift, above 0.25 a
significant one. PSI has no significance test: with few records it is noisy
(its expectation under no shift is about (bins − 1)(1/n_a + 1/n_e)), so it
only alerts above a minimum number of records.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from proctor.metrics._intervals import wilson_interval
from proctor.metrics._mean import Mean
from proctor.metrics._metric import Metric

__all__ = [
    "PSI_EPSILON",
    "DriftTest",
    "category_psi",
    "compare_window",
    "length_bin",
    "length_psi",
    "psi",
]

PSI_EPSILON = 1e-4
_COCHRAN = 5.0


@dataclass(frozen=True, slots=True)
class DriftTest:
    """A window's figure against its baseline's: Δ = window − baseline with its interval, and
    the one-sided p-value of a change in the bad direction. None where not computable."""

    n_window: int
    n_baseline: int
    window: float | None
    baseline: float | None
    delta: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    test: str


def _none(n_window: int, n_baseline: int, window: Any = None, baseline: Any = None) -> DriftTest:
    return DriftTest(n_window, n_baseline, window, baseline, None, None, None, None, "none")


def compare_window(
    metric: Metric,
    window: Sequence[Any],
    baseline: Sequence[Any],
    *,
    confidence: float = 0.95,
    resamples: int = 1000,
    seed: int = 0,
) -> DriftTest:
    """Test a window's per-sample statistics against the baseline's (see the module docstring).

    Statistics that are None are left out.
    """
    w = [s for s in window if s is not None]
    b = [s for s in baseline if s is not None]
    if not w or not b:
        return _none(len(w), len(b))
    if isinstance(metric, Mean):
        xw = [float(s) for s in w]
        xb = [float(s) for s in b]
        if all(v in (0.0, 1.0) for v in xw) and all(v in (0.0, 1.0) for v in xb):
            return _proportions(xw, xb, metric.higher_is_better, confidence)
        return _welch(xw, xb, metric.higher_is_better, confidence)
    return _bootstrap(metric, w, b, confidence, resamples, seed)


def _proportions(
    w: list[float], b: list[float], higher_is_better: bool, confidence: float
) -> DriftTest:
    from scipy import stats

    n1, n2 = len(w), len(b)
    x1, x2 = round(sum(w)), round(sum(b))
    p1, p2 = x1 / n1, x2 / n2
    delta = p1 - p2
    l1, u1 = wilson_interval(x1, n1, confidence=confidence)
    l2, u2 = wilson_interval(x2, n2, confidence=confidence)
    low = delta - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = delta + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    pooled = (x1 + x2) / (n1 + n2)
    expected = min(n * q for n in (n1, n2) for q in (pooled, 1 - pooled))
    if expected < _COCHRAN:
        table = [[x1, n1 - x1], [x2, n2 - x2]]
        alternative = "less" if higher_is_better else "greater"
        p = float(stats.fisher_exact(table, alternative=alternative).pvalue)
        test = "fisher"
    else:
        se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = delta / se
        p = float(stats.norm.cdf(z) if higher_is_better else stats.norm.sf(z))
        test = "two-proportion-z"
    return DriftTest(n1, n2, p1, p2, delta, low, high, min(max(p, 0.0), 1.0), test)


def _welch(w: list[float], b: list[float], higher_is_better: bool, confidence: float) -> DriftTest:
    from scipy import stats

    n1, n2 = len(w), len(b)
    m1, m2 = math.fsum(w) / n1, math.fsum(b) / n2
    delta = m1 - m2
    if n1 < 2 or n2 < 2:
        return _none(n1, n2, m1, m2)
    v1 = math.fsum((x - m1) ** 2 for x in w) / (n1 - 1) / n1
    v2 = math.fsum((x - m2) ** 2 for x in b) / (n2 - 1) / n2
    se = math.sqrt(v1 + v2)
    bad = -delta if higher_is_better else delta
    if se == 0.0:  # both constant: any difference is certain
        p = 0.0 if bad > 0 else 1.0
        return DriftTest(n1, n2, m1, m2, delta, delta, delta, p, "welch")
    df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    t = delta / se
    p = float(stats.t.cdf(t, df) if higher_is_better else stats.t.sf(t, df))
    half = float(stats.t.ppf(0.5 + confidence / 2, df)) * se
    return DriftTest(n1, n2, m1, m2, delta, delta - half, delta + half, p, "welch")


def _bootstrap(
    metric: Metric,
    w: list[Any],
    b: list[Any],
    confidence: float,
    resamples: int,
    seed: int,
) -> DriftTest:
    import numpy as np

    value_w, value_b = metric.value(w), metric.value(b)
    if value_w is None or value_b is None:
        return _none(len(w), len(b), value_w, value_b)
    delta = value_w - value_b
    rng = np.random.default_rng(seed)
    deltas = []
    for _ in range(resamples):
        rw = metric.value([w[i] for i in rng.integers(0, len(w), len(w))])
        rb = metric.value([b[i] for i in rng.integers(0, len(b), len(b))])
        if rw is not None and rb is not None:
            deltas.append(rw - rb)
    if len(deltas) < 2:
        return _none(len(w), len(b), value_w, value_b)
    array = np.asarray(deltas)
    tail = (1 - confidence) / 2
    low, high = (float(x) for x in np.quantile(array, [tail, 1 - tail]))
    null = array - delta  # the distribution of Δ had nothing changed
    extreme = np.sum(null <= delta) if metric.higher_is_better else np.sum(null >= delta)
    p = float((1 + extreme) / (1 + len(array)))
    return DriftTest(len(w), len(b), value_w, value_b, delta, low, high, p, "bootstrap")


def psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    """The population stability index of two distributions over the same bins (counts or
    shares); an empty bin counts as a share of `PSI_EPSILON`."""
    total_e, total_a = sum(expected), sum(actual)
    if total_e <= 0 or total_a <= 0:
        raise ValueError("both distributions need at least one observation")
    value = 0.0
    for e, a in zip(expected, actual, strict=True):
        pe = max(e / total_e, PSI_EPSILON)
        pa = max(a / total_a, PSI_EPSILON)
        value += (pa - pe) * math.log(pa / pe)
    return value


def category_psi(baseline: Mapping[str, int], window: Mapping[str, int]) -> float | None:
    """PSI over the values of a metadata key (the union of both sides' values)."""
    if not sum(baseline.values()) or not sum(window.values()):
        return None
    keys = sorted(set(baseline) | set(window))
    return psi([baseline.get(k, 0) for k in keys], [window.get(k, 0) for k in keys])


def length_bin(length: int) -> int:
    """The half-octave bin of an input length: lengths within a factor √2 share a bin."""
    return int(2 * math.log2(length + 1))


def length_psi(baseline: Sequence[int], window: Sequence[int]) -> float | None:
    """PSI of input lengths over half-octave bins (see `length_bin`)."""
    if not baseline or not window:
        return None
    counts_b: dict[int, int] = {}
    for n in baseline:
        b = length_bin(n)
        counts_b[b] = counts_b.get(b, 0) + 1
    counts_w: dict[int, int] = {}
    for n in window:
        b = length_bin(n)
        counts_w[b] = counts_w.get(b, 0) + 1
    bins = sorted(set(counts_b) | set(counts_w))
    return psi([counts_b.get(b, 0) for b in bins], [counts_w.get(b, 0) for b in bins])
