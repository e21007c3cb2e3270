"""The regression gate's calibration and power, by simulation.

With no real difference, the one-sided gate (`p_drop < α`) must fire at rate
α: within the binomial 99% band around α, a conservative test down to α/2.
With a real drop, it must fire as often as the planner says it will. Each
test prints its observed rate (`pytest -s`) and names it when it fails.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from paired_sims import binary_cells, binary_runs, continuous_runs

from proctor.compare._paired import paired_tests
from proctor.compare._plan import power_binary, power_continuous
from proctor.metrics import corpus, mean

ALPHA = 0.05
N = 1000
Z99 = 2.5758293035489004  # two-sided 99% normal quantile


def gate_rate(make_runs, simulations: int, *, resamples: int, metric=None, seed: int = 0):
    """How often p_drop < ALPHA over `simulations` comparisons of simulated run pairs."""
    rng = np.random.default_rng(seed)
    whole = [(None, None, np.arange(N))]
    fired = 0
    for i in range(simulations):
        a, b = make_runs(rng)
        [result] = paired_tests(
            metric or mean(), list(a), list(b), whole, resamples=resamples, seed=i
        )
        fired += result.p_drop < ALPHA
    return fired / simulations


def assert_calibrated(rate: float, simulations: int, label: str) -> None:
    half = Z99 * math.sqrt(ALPHA * (1 - ALPHA) / simulations)
    low, high = min(ALPHA - half, ALPHA / 2), ALPHA + half
    print(f"\n{label}: gate fired in {rate:.3f} of {simulations} null comparisons")
    assert low <= rate <= high, (
        f"{label}: false-alarm rate {rate:.3f} not in [{low:.3f}, {high:.3f}]"
    )


def assert_power(rate: float, planned: float, simulations: int, label: str) -> None:
    print(f"\n{label}: detected {rate:.3f} of {simulations}, planner says {planned:.3f}")
    assert abs(rate - planned) <= 0.03, f"{label}: detection {rate:.3f} vs planned {planned:.3f}"


# --- no real difference -----------------------------------------------------------------


def test_null_binary_gate_fires_at_alpha() -> None:
    cells = binary_cells(0.8, 0.0, 0.5)  # base rate 0.8, correlated pairs (phi 0.5)
    rate = gate_rate(lambda rng: binary_runs(rng, N, cells), 1000, resamples=100)
    assert_calibrated(rate, 1000, "binary, McNemar")


def test_null_continuous_gate_fires_at_alpha() -> None:
    rate = gate_rate(lambda rng: continuous_runs(rng, N, noise=0.1), 1000, resamples=999)
    assert_calibrated(rate, 1000, "continuous, sign-flip permutation (Monte Carlo)")


def test_null_epoch_means_gate_fires_at_alpha() -> None:
    # means over 4 epochs: few distinct values, many tied differences
    def runs(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        p = rng.beta(3.0, 1.5, size=N)
        return rng.binomial(4, p) / 4, rng.binomial(4, p) / 4

    rate = gate_rate(runs, 1000, resamples=999)
    assert_calibrated(rate, 1000, "epoch means, sign-flip permutation (Monte Carlo)")


def test_null_bootstrap_gate_fires_at_alpha() -> None:
    # a corpus figure (here sum(x) / count) is recomputed on every paired bootstrap
    # resample, and the gate reads the null-centred bootstrap p-value
    def runs(rng: np.random.Generator) -> tuple[list, list]:
        a, b = continuous_runs(rng, N, noise=0.1)
        return [(float(x), 1.0) for x in a], [(float(x), 1.0) for x in b]

    ratio = corpus(lambda t: t[0] / t[1], name="ratio")
    rate = gate_rate(runs, 500, resamples=500, metric=ratio)
    assert_calibrated(rate, 500, "corpus figure, paired bootstrap")


# --- a real drop ---------------------------------------------------------------------------


@pytest.mark.parametrize(("drop", "simulations"), [(0.05, 1000), (0.03, 2000)])
def test_binary_power_is_what_the_planner_says(drop, simulations) -> None:
    rho = 0.3
    cells = binary_cells(0.80, drop, rho)
    rate = gate_rate(lambda rng: binary_runs(rng, N, cells), simulations, resamples=20)
    planned = power_binary(N, 0.80, drop, correlation=rho, alpha=ALPHA)
    assert_power(rate, planned, simulations, f"binary, {drop:.0%} drop from 80%, rho {rho}")


def test_continuous_power_is_what_the_planner_says() -> None:
    noise, drop = 0.1, 0.011
    rate = gate_rate(
        lambda rng: continuous_runs(rng, N, noise=noise, drop=drop), 1000, resamples=999, seed=1
    )
    planned = power_continuous(N, noise * math.sqrt(2), drop, alpha=ALPHA)
    assert_power(rate, planned, 1000, f"continuous, drop {drop} with sd_diff {noise * 2**0.5:.3f}")
