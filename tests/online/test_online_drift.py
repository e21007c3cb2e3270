"""The statistics of drift, checked against published values and SciPy."""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Sequence
from typing import Any

import pytest
from scipy import stats

from proctor.metrics._mean import Mean
from proctor.metrics._metric import Metric
from proctor.online._drift import category_psi, compare_window, length_psi, psi
from proctor.online._operational import LowerMean


@pytest.mark.parametrize(
    ("a", "n", "b", "m", "low", "high"),
    [(56, 70, 48, 80, 0.0524, 0.3339), (9, 10, 3, 10, 0.1705, 0.8090)],
)
def test_the_interval_of_a_difference_in_proportions_is_newcombes(
    a: int, n: int, b: int, m: int, low: float, high: float
) -> None:
    # Newcombe (1998), Statistics in Medicine 17:873-890, table II, method 10
    test = compare_window(Mean(), [1] * a + [0] * (n - a), [1] * b + [0] * (m - b))
    assert test.delta == pytest.approx(a / n - b / m)
    assert (round(test.ci_low, 4), round(test.ci_high, 4)) == (low, high)


def test_proportions_use_the_pooled_z_test_when_every_expected_count_is_five_or_more() -> None:
    window, baseline = [1] * 70 + [0] * 30, [1] * 170 + [0] * 30
    test = compare_window(Mean(), window, baseline)
    pooled = 240 / 300
    z = (0.70 - 0.85) / math.sqrt(pooled * (1 - pooled) * (1 / 100 + 1 / 200))
    assert test.test == "two-proportion-z"
    assert test.p_value == pytest.approx(stats.norm.cdf(z))


def test_small_counts_use_fishers_exact_test() -> None:
    window, baseline = [1] * 4 + [0] * 4, [1] * 19 + [0] * 1
    test = compare_window(Mean(), window, baseline)
    expected = stats.fisher_exact([[4, 4], [19, 1]], alternative="less").pvalue
    assert test.test == "fisher" and test.p_value == pytest.approx(expected)


def test_continuous_scores_use_welchs_t_test() -> None:
    rng = random.Random(3)
    window = [rng.gauss(0.6, 0.2) for _ in range(40)]
    baseline = [rng.gauss(0.7, 0.1) for _ in range(120)]
    test = compare_window(Mean(), window, baseline)
    reference = stats.ttest_ind(window, baseline, equal_var=False, alternative="less")
    assert test.test == "welch" and test.p_value == pytest.approx(reference.pvalue)
    two_sided = stats.ttest_ind(window, baseline, equal_var=False)
    interval = two_sided.confidence_interval(0.95)
    assert (test.ci_low, test.ci_high) == pytest.approx((interval.low, interval.high), abs=1e-9)


def test_for_a_lower_is_better_figure_a_rise_is_the_bad_direction() -> None:
    window = [400.0 + i for i in range(30)]
    baseline = [300.0 + i for i in range(90)]
    test = compare_window(LowerMean(None, name="mean"), window, baseline)
    assert test.delta > 0 and test.p_value < 1e-6
    better = compare_window(LowerMean(None, name="mean"), baseline, window)
    assert better.p_value > 0.99


def test_no_baseline_means_no_test() -> None:
    test = compare_window(Mean(), [1, 0, 1], [])
    assert test.p_value is None and test.test == "none"


class _Median(Metric):
    name = "median"

    def sample_stat(self, scores: Sequence[Any]) -> Any:
        return None

    def value(self, stats_: Sequence[Any]) -> float | None:
        return statistics.median(stats_) if stats_ else None

    def summarize(self, stats_: Sequence[Any], clusters: Any = None) -> Any:
        return self.value(stats_), None, None, None, "none"


def test_other_metrics_are_compared_by_an_unpaired_bootstrap() -> None:
    rng = random.Random(1)
    window = [rng.gauss(0.4, 0.1) for _ in range(60)]
    baseline = [rng.gauss(0.6, 0.1) for _ in range(60)]
    test = compare_window(_Median(), window, baseline, resamples=500)
    assert test.test == "bootstrap" and test.p_value < 0.01
    assert test.ci_low < test.delta < test.ci_high < 0
    same = compare_window(_Median(), window, window, resamples=500)
    assert same.p_value > 0.3


def test_psi_of_known_distributions() -> None:
    expected = (0.25 - 0.5) * math.log(0.25 / 0.5) + (0.75 - 0.5) * math.log(0.75 / 0.5)
    assert psi([50, 50], [25, 75]) == pytest.approx(expected)
    assert psi([10, 10], [10, 10]) == 0.0


def test_category_psi_counts_a_new_category_as_a_shift() -> None:
    assert category_psi({"a": 50, "b": 50}, {"a": 50, "b": 50}) == 0.0
    assert category_psi({"a": 50, "b": 50}, {"a": 40, "b": 40, "c": 20}) > 0.25
    assert category_psi({}, {"a": 1}) is None


def test_length_psi_is_small_for_the_same_lengths_and_large_when_they_double() -> None:
    rng = random.Random(2)
    base = [int(rng.lognormvariate(4, 0.5)) for _ in range(2000)]
    same = [int(rng.lognormvariate(4, 0.5)) for _ in range(2000)]
    double = [2 * n for n in same]
    assert length_psi(base, same) < 0.05
    assert length_psi(base, double) > 0.25
