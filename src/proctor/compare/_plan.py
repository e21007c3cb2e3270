"""How many paired samples a comparison needs, and the smallest drop it can detect.

Every figure here is for the regression gate: a one-sided test at level
`alpha` that run B is worse than run A, with the chance `power` (80% by
default) of detecting a true drop of `mde` (minimum detectable effect, in the
metric's units: 0.05 is 5 points of accuracy).

**Binary scores** (McNemar's test on the discordant pairs). Of the paired
samples, p10 have A right and B wrong, p01 the reverse; the drop is
δ = p10 − p01 = pA − pB and the discordant share ψ = p10 + p01. They follow
from the marginals pA = `baseline`, pB = baseline − mde and the correlation ρ
of the two runs' 0/1 outcomes (the phi coefficient, Pearson's r on 0/1):

    p11 = pA·pB + ρ·√(pA(1 − pA)·pB(1 − pB))     (both right)
    p10 = pA − p11,  p01 = pB − p11

(p11 is kept within what the marginals allow, [max(0, pA + pB − 1), min(pA, pB)]).
The usual closed form is Connor's (1987, "Sample size for testing
differences in proportions for the paired-sample design", Biometrics
43:207–211), with z_α and z_β the standard normal quantiles of 1 − α and of
the power:

    n = (z_α·√ψ + z_β·√(ψ − δ²))² / δ²

It describes a large-sample test. The gate runs the exact test, which is
conservative (its false-alarm rate is below α because the binomial is
discrete), so at a few hundred discordant pairs it detects a few points less
often than Connor's formula says (60% rather than 62% for a 3-point drop from
80% with 1,000 pairs and ρ = 0.3). `power_binary` is therefore the exact power
of the gate's test: of n pairs, D ~ Binomial(n, ψ) are discordant, b ~
Binomial(D, p10/ψ) of them went wrong in B, and the gate fires when
P(Binomial(D, 1/2) ≥ b) < α; the sum over D is exact under the model.
`plan_binary` is the smallest n whose exact power reaches `power`, searched
from Connor's n (642 pairs rather than Connor's 607 for a 5-point drop from
80%, ρ = 0.3, 80% power); `detectable_binary` likewise the smallest drop.

**Continuous scores** (the sign-flip permutation test of the mean
difference, which for large n behaves as the paired t-test): with σ_d the
standard deviation of the per-sample differences, the power of n pairs is the
paired t-test's, 1 − F(t_{1−α, n−1}; n − 1, λ) with F the noncentral t
distribution and λ = δ·√n / σ_d; `plan_continuous` is the smallest n reaching
`power`.

A comparison of two runs gives the design of the next one:
`estimate_design(stats_a, stats_b)` measures the baseline, ρ and σ_d.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal

__all__ = [
    "DEFAULT_CORRELATION",
    "Design",
    "detectable_binary",
    "detectable_continuous",
    "estimate_design",
    "plan_binary",
    "plan_continuous",
    "power_binary",
    "power_continuous",
]

DEFAULT_CORRELATION = 0.3
"""The correlation assumed between two runs' per-sample 0/1 outcomes: 0.3.

Two models tend to get the same easy items right and the same hard items
wrong, so their per-item scores correlate positively; Miller (2024), "Adding
Error Bars to Evals", arXiv:2411.00640, shows that this correlation is what a
paired comparison gains from (the variance of a difference shrinks by twice
the covariance). The strength varies with the benchmark and the models, and
no single published value is assumed here: 0.3 is a deliberately low guess.
Assuming less correlation than there is overstates the samples needed, the
safe error when planning a gate. Measure the real value with
`estimate_design` (or read `PairedResult.correlation`) once two runs exist.
"""

_Z = NormalDist()


@dataclass(frozen=True, slots=True)
class Design:
    """What a past comparison says about the next one: the inputs of the planners.

    `kind` is "binary" when every statistic is 0 or 1; `baseline` the mean of
    run A; `correlation` Pearson's r between the runs' per-sample statistics
    (None when a run is constant); `sd_diff` the standard deviation (ddof=1)
    of the per-sample differences b − a (None below two pairs); `n` the pairs.
    """

    kind: Literal["binary", "continuous"]
    baseline: float | None
    correlation: float | None
    sd_diff: float | None
    n: int


def _check(alpha: float, power: float) -> tuple[float, float]:
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    if not 0.0 < power < 1.0:
        raise ValueError(f"power must be between 0 and 1, got {power!r}")
    return _Z.inv_cdf(1.0 - alpha), _Z.inv_cdf(power)


def _discordant(baseline: float, mde: float, correlation: float) -> tuple[float, float]:
    """(ψ, δ): the discordant share and the drop, from the marginals and the correlation."""
    if not 0.0 < baseline <= 1.0:
        raise ValueError(f"baseline must be in (0, 1], got {baseline!r}")
    if not 0.0 < mde <= baseline:
        raise ValueError(f"mde must be in (0, baseline = {baseline}], got {mde!r}")
    if not -1.0 <= correlation <= 1.0:
        raise ValueError(f"correlation must be in [-1, 1], got {correlation!r}")
    pa, pb = baseline, baseline - mde
    both = pa * pb + correlation * math.sqrt(pa * (1 - pa) * pb * (1 - pb))
    both = min(max(both, max(0.0, pa + pb - 1.0)), min(pa, pb))
    worse, better = pa - both, pb - both  # p10 (A right, B wrong), p01
    return worse + better, worse - better


def _connor(baseline: float, mde: float, correlation: float, alpha: float, power: float) -> float:
    """Connor's (1987) large-sample number of pairs (not rounded)."""
    z_alpha, z_beta = _check(alpha, power)
    psi, delta = _discordant(baseline, mde, correlation)
    root = z_alpha * math.sqrt(psi) + z_beta * math.sqrt(max(0.0, psi - delta * delta))
    return root * root / (delta * delta)


def power_binary(
    n: int,
    baseline: float,
    mde: float,
    *,
    correlation: float = DEFAULT_CORRELATION,
    alpha: float = 0.05,
) -> float:
    """The chance that the gate's exact McNemar test detects a drop of `mde` with n pairs.

    >>> round(power_binary(1000, 0.80, 0.05, correlation=0.3), 3)
    0.933
    """
    import numpy as np
    from scipy.stats import binom

    _check(alpha, 0.5)
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    psi, delta = _discordant(baseline, mde, correlation)
    worse_share = min(1.0, (psi + delta) / (2 * psi))  # P(A right, B wrong | discordant)
    # the discordant counts that carry any probability (12 SD around the mean)
    spread = 12 * math.sqrt(n * psi * (1 - psi)) + 2
    d = np.arange(max(0, math.floor(n * psi - spread)), min(n, math.ceil(n * psi + spread)) + 1)
    k = _thresholds(d, alpha)
    return float(np.sum(binom.pmf(d, n, psi) * binom.sf(k - 1, d, worse_share)))


def _thresholds(d: Any, alpha: float) -> Any:
    """For each count d, the smallest b with P(Binomial(d, 1/2) ≥ b) < alpha (d + 1: none).

    The gate fires from there. The normal approximation with continuity
    correction, ⌈d/2 + z·√d/2 + 1/2⌉, is at most one off; the five integers
    around it are checked, and the rare count they do not settle is searched in full.
    """
    import numpy as np
    from scipy.stats import binom

    guess = np.ceil(d / 2 + _Z.inv_cdf(1 - alpha) * np.sqrt(d) / 2 + 0.5).astype(np.int64)
    candidates = guess[:, None] + np.arange(-2, 3)
    below = (binom.sf(candidates - 1, d[:, None], 0.5) < alpha) | (candidates > d[:, None])
    first = candidates[np.arange(len(d)), np.argmax(below, axis=1)]
    unsettled = below[:, 0] | ~below[:, -1]
    for i in np.flatnonzero(unsettled):
        every = np.arange(0, d[i] + 2)
        first[i] = every[np.argmax(binom.sf(every - 1, d[i], 0.5) < alpha)]
    return np.clip(first, 1, d + 1)


def plan_binary(
    baseline: float,
    mde: float,
    *,
    correlation: float = DEFAULT_CORRELATION,
    alpha: float = 0.05,
    power: float = 0.8,
) -> int:
    """Paired samples the gate needs to detect a drop of `mde` from `baseline` with `power`.

    The smallest n whose exact power (`power_binary`) reaches `power`; Connor's
    (1987) closed form gives 607 for this example.

    >>> plan_binary(0.80, 0.05, correlation=0.3)
    642
    """
    start = max(1, math.ceil(_connor(baseline, mde, correlation, alpha, power) - 1e-9))

    def enough(n: int) -> bool:
        return power_binary(n, baseline, mde, correlation=correlation, alpha=alpha) >= power

    low, high = 0, start  # enough(low) is False (no pairs), enough(high) to be found
    while not enough(high):
        low, high = high, math.ceil(high * 1.25) + 1
    while high - low > 1:
        middle = (low + high) // 2
        if enough(middle):
            high = middle
        else:
            low = middle
    return high


def detectable_binary(
    n: int,
    baseline: float,
    *,
    correlation: float = DEFAULT_CORRELATION,
    alpha: float = 0.05,
    power: float = 0.8,
) -> float:
    """The smallest drop from `baseline` that the gate detects with `power` from n pairs.

    To 1e-7; `math.inf` when even a drop to 0 would not be detected that often.

    >>> round(detectable_binary(1000, 0.80, correlation=0.3), 4)
    0.0395
    """

    _check(alpha, power)

    def short(mde: float) -> float:
        return power_binary(n, baseline, mde, correlation=correlation, alpha=alpha) - power

    if short(baseline) < 0:
        return math.inf

    # bracket the root near Connor's answer (the exact test needs a little more), then Brent
    def connor_short(mde: float) -> float:
        return n - _connor(baseline, mde, correlation, alpha, power)

    guess = _bisect(connor_short, 0.0, baseline, 1e-9)
    low, high = 0.8 * guess, min(baseline, 1.5 * guess)
    f_low, f_high = short(low), short(high)
    if f_low >= 0 or f_high < 0:
        return _bisect(short, 0.0, baseline, 1e-7)
    return _illinois(short, low, high, f_low, f_high, 1e-8)


def power_continuous(n: int, sd_diff: float, mde: float, *, alpha: float = 0.05) -> float:
    """The chance that n pairs detect a drop of `mde` when the differences have SD `sd_diff`.

    >>> round(power_continuous(200, 0.2, 0.04), 3)
    0.88
    """
    from scipy.stats import nct, t

    _check(alpha, 0.5)
    if n < 2:
        raise ValueError(f"n must be at least 2, got {n}")
    if sd_diff < 0 or mde < 0:
        raise ValueError("sd_diff and mde must not be negative")
    if sd_diff == 0:
        return 1.0 if mde > 0 else alpha
    critical = float(t.ppf(1.0 - alpha, n - 1))
    return float(nct.sf(critical, n - 1, mde * math.sqrt(n) / sd_diff))


def plan_continuous(sd_diff: float, mde: float, *, alpha: float = 0.05, power: float = 0.8) -> int:
    """Paired samples needed to detect a drop of `mde` when the differences have SD `sd_diff`.

    >>> plan_continuous(0.2, 0.02)
    620
    """
    z_alpha, z_beta = _check(alpha, power)
    if mde <= 0:
        raise ValueError(f"mde must be positive, got {mde!r}")
    if sd_diff < 0:
        raise ValueError(f"sd_diff must not be negative, got {sd_diff!r}")
    # the normal approximation, then the t test's own answer next to it
    n = max(2, math.ceil(((z_alpha + z_beta) * sd_diff / mde) ** 2))
    while power_continuous(n, sd_diff, mde, alpha=alpha) < power:
        n += 1
    while n > 2 and power_continuous(n - 1, sd_diff, mde, alpha=alpha) >= power:
        n -= 1
    return n


def detectable_continuous(
    n: int, sd_diff: float, *, alpha: float = 0.05, power: float = 0.8
) -> float:
    """The smallest drop that n pairs detect with `power` when the differences have SD `sd_diff`.

    >>> round(detectable_continuous(1000, 0.2), 4)
    0.0157
    """
    _check(alpha, power)
    if sd_diff == 0:
        return 0.0

    def short(mde: float) -> float:
        return power_continuous(n, sd_diff, mde, alpha=alpha) - power

    high = sd_diff
    while short(high) < 0:
        high *= 2
    return _bisect(short, 0.0, high, 1e-12 * high)


def _illinois(f: Any, low: float, high: float, f_low: float, f_high: float, tol: float) -> float:
    """The root of increasing f in [low, high] (f_low < 0 ≤ f_high) by the Illinois method.

    Regula falsi that halves the stale end's value, so that a few evaluations
    of the (costly) exact power suffice; returns a point where f ≥ 0.
    """
    stale = 0
    for _ in range(100):
        if high - low <= tol:
            break
        x = (low * f_high - high * f_low) / (f_high - f_low)
        x = min(max(x, low + tol / 2), high - tol / 2)
        fx = f(x)
        if fx >= 0:
            high, f_high = x, fx
            f_low = f_low / 2 if stale == -1 else f_low
            stale = -1
            if fx < 1e-10:
                break
        else:
            low, f_low = x, fx
            f_high = f_high / 2 if stale == 1 else f_high
            stale = 1
    return high


def _bisect(f: Any, low: float, high: float, tolerance: float) -> float:
    """The smallest x in (low, high] with f(x) ≥ 0 (f increasing), to `tolerance`."""
    while high - low > tolerance:
        middle = (low + high) / 2
        if f(middle) >= 0:
            high = middle
        else:
            low = middle
    return high


def estimate_design(stats_a: Sequence[Any], stats_b: Sequence[Any]) -> Design:
    """The design measured on paired per-sample statistics (pairs with a None left out)."""
    if len(stats_a) != len(stats_b):
        raise ValueError(f"{len(stats_a)} statistics in run A but {len(stats_b)} in run B")
    pairs = [
        (float(x), float(y)) for x, y in zip(stats_a, stats_b, strict=True) if x is not None
        and y is not None
    ]  # fmt: skip
    n = len(pairs)
    a = [x for x, _ in pairs]
    b = [y for _, y in pairs]
    binary = all(v in (0.0, 1.0) for v in (*a, *b))
    baseline = math.fsum(a) / n if n else None
    sd_diff = correlation = None
    if n >= 2:
        diffs = [y - x for x, y in pairs]
        mean_diff = math.fsum(diffs) / n
        sd_diff = math.sqrt(math.fsum((d - mean_diff) ** 2 for d in diffs) / (n - 1))
        correlation = _pearson(a, b)
    return Design("binary" if binary else "continuous", baseline, correlation, sd_diff, n)


def _pearson(a: list[float], b: list[float]) -> float | None:
    n = len(a)
    ma, mb = math.fsum(a) / n, math.fsum(b) / n
    saa = math.fsum((x - ma) ** 2 for x in a)
    sbb = math.fsum((y - mb) ** 2 for y in b)
    if saa == 0 or sbb == 0:
        return None
    sab = math.fsum((x - ma) * (y - mb) for x, y in zip(a, b, strict=True))
    return sab / math.sqrt(saa * sbb)
