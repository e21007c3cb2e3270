"""The sample-size planner: Connor's formula for paired 0/1 scores, the t test otherwise."""

from __future__ import annotations

import doctest
import math
from statistics import NormalDist

import numpy as np
import pytest
from paired_sims import binary_cells
from scipy import stats as sps

from proctor.compare import _paired, _plan
from proctor.compare._plan import (
    DEFAULT_CORRELATION,
    Design,
    detectable_binary,
    detectable_continuous,
    estimate_design,
    plan_binary,
    plan_continuous,
    power_binary,
    power_continuous,
)
from proctor.metrics import mean

Z = NormalDist()


def connor_by_hand(baseline: float, mde: float, rho: float, alpha: float, power: float) -> float:
    """Connor (1987) written out from the four cells, without the module's helpers."""
    _, worse, better, _ = binary_cells(baseline, mde, rho)
    psi, delta = worse + better, worse - better
    z_a, z_b = Z.inv_cdf(1 - alpha), Z.inv_cdf(power)
    return (z_a * math.sqrt(psi) + z_b * math.sqrt(psi - delta**2)) ** 2 / delta**2


def exact_power_by_enumeration(n: int, baseline: float, mde: float, rho: float) -> float:
    """The gate's power summed over every (b, c) table of n pairs, deciding with SciPy."""
    _, p10, p01, _ = binary_cells(baseline, mde, rho)
    total = 0.0
    for worse in range(n + 1):
        for better in range(n - worse + 1):
            if worse + better == 0:
                continue
            p_drop = sps.binomtest(worse, worse + better, 0.5, alternative="greater").pvalue
            if p_drop < 0.05:
                ways = math.comb(n, worse) * math.comb(n - worse, better)
                rest = (1 - p10 - p01) ** (n - worse - better)
                total += ways * p10**worse * p01**better * rest
    return total


@pytest.mark.parametrize(
    ("n", "baseline", "mde", "rho"),
    [(12, 0.8, 0.2, 0.3), (25, 0.7, 0.15, 0.5), (30, 0.9, 0.1, 0.0)],
)
def test_power_binary_is_the_exact_power_of_the_gates_test(n, baseline, mde, rho) -> None:
    expected = exact_power_by_enumeration(n, baseline, mde, rho)
    assert power_binary(n, baseline, mde, correlation=rho) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    ("baseline", "mde", "rho", "alpha", "power"),
    [
        (0.80, 0.05, 0.3, 0.05, 0.8),
        (0.80, 0.03, 0.5, 0.05, 0.8),
        (0.50, 0.10, 0.0, 0.05, 0.9),
        (0.95, 0.02, 0.6, 0.01, 0.8),
        (0.30, 0.05, 0.2, 0.10, 0.8),
    ],
)
def test_plan_binary_is_the_smallest_n_with_the_power(baseline, mde, rho, alpha, power) -> None:
    n = plan_binary(baseline, mde, correlation=rho, alpha=alpha, power=power)
    assert power_binary(n, baseline, mde, correlation=rho, alpha=alpha) >= power
    assert power_binary(n - 1, baseline, mde, correlation=rho, alpha=alpha) < power
    # the exact test is a little conservative: a few percent more than Connor's closed form
    connor = connor_by_hand(baseline, mde, rho, alpha, power)
    assert connor <= n <= 1.12 * connor + 5


def test_connors_closed_form_by_hand() -> None:
    # pA = 0.8, pB = 0.75, ρ = 0.3: p11 = 0.6 + 0.3·√(0.16·0.1875) = 0.651962
    # p10 = 0.148038, p01 = 0.098038, ψ = 0.246077, δ = 0.05
    # n = (1.644854·0.496061 + 0.841621·0.493536)² / 0.0025 = 1.231318² / 0.0025 = 606.46
    assert _plan._connor(0.80, 0.05, 0.3, 0.05, 0.8) == pytest.approx(606.46, abs=0.01)
    assert connor_by_hand(0.80, 0.05, 0.3, 0.05, 0.8) == pytest.approx(606.46, abs=0.01)
    assert plan_binary(0.80, 0.05, correlation=0.3) == 642


def test_for_many_pairs_the_exact_power_approaches_connors() -> None:
    z = Z.inv_cdf(0.95)
    _, p10, p01, _ = binary_cells(0.8, 0.005, 0.3)
    psi, delta = p10 + p01, p10 - p01
    n = 200_000
    connor = Z.cdf((delta * math.sqrt(n) - z * math.sqrt(psi)) / math.sqrt(psi - delta**2))
    assert power_binary(n, 0.8, 0.005, correlation=0.3) == pytest.approx(connor, abs=0.005)


def test_more_correlation_needs_fewer_samples() -> None:
    sizes = [plan_binary(0.8, 0.03, correlation=rho) for rho in (0.0, 0.2, 0.4, 0.6, 0.8)]
    assert sizes == sorted(sizes, reverse=True) and len(set(sizes)) == 5


def test_correlation_is_kept_within_what_the_marginals_allow() -> None:
    # with pA = 0.9 and pB = 0.5 a correlation of 1 is impossible: p11 stops at pB
    assert power_binary(200, 0.9, 0.4, correlation=1.0) == pytest.approx(1.0)
    assert plan_binary(0.9, 0.4, correlation=1.0) >= 1


def test_detectable_binary_inverts_the_power() -> None:
    for n, baseline, rho in [(1000, 0.8, 0.3), (250, 0.6, 0.5), (5000, 0.95, 0.2)]:
        mde = detectable_binary(n, baseline, correlation=rho)
        assert power_binary(n, baseline, mde, correlation=rho) == pytest.approx(0.8, abs=1e-6)
        assert power_binary(n, baseline, mde * 0.999, correlation=rho) < 0.8
        assert plan_binary(baseline, mde * 1.001, correlation=rho) <= n


def test_detectable_binary_is_infinite_when_no_drop_is_detectable() -> None:
    assert detectable_binary(2, 0.3) == math.inf


def test_a_perfect_baseline_is_a_valid_design() -> None:
    assert 0 < detectable_binary(1000, 1.0, correlation=0.5) < 0.01


@pytest.mark.parametrize(
    ("sd", "mde", "alpha", "power"),
    [(0.2, 0.02, 0.05, 0.8), (1.0, 0.5, 0.05, 0.9), (0.3, 0.1, 0.01, 0.8)],
)
def test_plan_continuous_is_the_smallest_n_with_the_power(sd, mde, alpha, power) -> None:
    n = plan_continuous(sd, mde, alpha=alpha, power=power)
    assert power_continuous(n, sd, mde, alpha=alpha) >= power
    assert power_continuous(n - 1, sd, mde, alpha=alpha) < power
    normal = ((Z.inv_cdf(1 - alpha) + Z.inv_cdf(power)) * sd / mde) ** 2
    assert normal <= n <= normal + 4  # the t test needs a few more than the z test


def test_power_continuous_tends_to_the_normal_power() -> None:
    n, sd, mde = 5000, 0.4, 0.015
    normal = Z.cdf(mde * math.sqrt(n) / sd - Z.inv_cdf(0.95))
    assert power_continuous(n, sd, mde) == pytest.approx(normal, abs=0.002)
    assert power_continuous(n, sd, 0.0) == pytest.approx(0.05)


def test_detectable_continuous_inverts_the_power() -> None:
    for n, sd in [(1000, 0.2), (30, 1.0), (100_000, 0.05)]:
        mde = detectable_continuous(n, sd)
        assert power_continuous(n, sd, mde) == pytest.approx(0.8, abs=1e-9)
    assert detectable_continuous(100, 0.0) == 0.0


def test_estimate_design_of_binary_runs() -> None:
    a = [1.0, 1.0, 0.0, 1.0, None, 0.0]
    b = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    design = estimate_design(a, b)
    assert design.kind == "binary" and design.n == 5
    assert design.baseline == pytest.approx(0.6)
    diffs = [0, -1, 0, 0, 1]
    average = sum(diffs) / 5
    sd = math.sqrt(sum((d - average) ** 2 for d in diffs) / 4)
    assert design.sd_diff == pytest.approx(sd)
    # phi of the 2x2 table: n11=2, n10=1, n01=1, n00=1
    phi = (2 * 1 - 1 * 1) / math.sqrt(3 * 2 * 3 * 2)
    assert design.correlation == pytest.approx(phi)


def test_estimate_design_of_continuous_and_degenerate_runs() -> None:
    design = estimate_design([0.5, 0.7, 0.9], [0.4, 0.8, 0.8])
    assert design.kind == "continuous" and design.n == 3
    assert estimate_design([1.0, 1.0], [0.0, 1.0]).correlation is None  # A constant
    assert estimate_design([], []) == Design("binary", None, None, None, 0)
    assert estimate_design([0.5], [0.5]).sd_diff is None


def test_the_design_of_a_comparison_matches_the_paired_results() -> None:
    a = [1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0]
    b = [1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0]
    [result] = _paired.paired_tests(mean(), a, b, [(None, None, np.arange(8))], resamples=100)
    design = estimate_design(a, b)
    assert result.correlation == pytest.approx(design.correlation)
    assert result.diff_sd == pytest.approx(design.sd_diff)
    assert result.a == pytest.approx(design.baseline)


def test_inputs_are_checked() -> None:
    with pytest.raises(ValueError, match="mde"):
        plan_binary(0.5, 0.6)
    with pytest.raises(ValueError, match="baseline"):
        plan_binary(0.0, 0.1)
    with pytest.raises(ValueError, match="correlation"):
        plan_binary(0.5, 0.1, correlation=1.5)
    with pytest.raises(ValueError, match="alpha"):
        plan_continuous(1.0, 0.1, alpha=0.0)
    with pytest.raises(ValueError, match="power"):
        plan_continuous(1.0, 0.1, power=1.0)
    with pytest.raises(ValueError, match="n must"):
        power_continuous(1, 1.0, 0.1)


def test_default_correlation_is_stated_and_explained() -> None:
    assert DEFAULT_CORRELATION == 0.3
    source = _plan.__doc__ or ""
    assert "Connor" in source
    assert plan_binary(0.8, 0.05) == plan_binary(0.8, 0.05, correlation=DEFAULT_CORRELATION)


@pytest.mark.parametrize("module", [_plan, _paired], ids=["plan", "paired"])
def test_docstring_examples_run(module) -> None:
    failures, _ = doctest.testmod(module)
    assert failures == 0
