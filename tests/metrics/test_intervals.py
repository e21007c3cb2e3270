"""Wilson, t and clustered intervals against SciPy and hand computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from proctor.metrics import clustered_interval, clustered_stderr, t_interval, wilson_interval
from proctor.metrics._intervals import stderr


@pytest.mark.parametrize(
    ("k", "n"), [(0, 1), (1, 1), (0, 20), (20, 20), (7, 20), (1, 3), (512, 1000)]
)
def test_wilson_matches_scipy(k: int, n: int) -> None:
    expected = stats.binomtest(k, n).proportion_ci(method="wilson")
    low, high = wilson_interval(k, n)
    assert low == pytest.approx(expected.low, abs=1e-12)
    assert high == pytest.approx(expected.high, abs=1e-12)


def test_wilson_of_a_perfect_score_has_positive_width() -> None:
    low, high = wilson_interval(20, 20)
    assert high == pytest.approx(1.0)
    assert 0.83 < low < 0.84


def test_wilson_other_confidence_matches_scipy() -> None:
    expected = stats.binomtest(7, 20).proportion_ci(confidence_level=0.9, method="wilson")
    assert wilson_interval(7, 20, confidence=0.9) == pytest.approx((expected.low, expected.high))


@pytest.mark.parametrize(("k", "n"), [(-1, 5), (6, 5), (0, 0)])
def test_wilson_rejects_impossible_counts(k: int, n: int) -> None:
    with pytest.raises(ValueError):
        wilson_interval(k, n)


def test_t_interval_matches_scipy() -> None:
    values = [0.2, 0.5, 0.9, 0.4, 0.75]
    sem = stats.sem(values)
    expected = stats.t.interval(0.95, len(values) - 1, loc=np.mean(values), scale=sem)
    assert t_interval(values) == pytest.approx(expected)
    assert stderr(values) == pytest.approx(sem)


def test_t_interval_needs_two_values() -> None:
    with pytest.raises(ValueError):
        t_interval([0.5])


def test_clustered_stderr_by_hand() -> None:
    # mean 0.5; residual sums per cluster: a: 0.5+0.5 = 1, b: -0.5-0.5+0.5 = -0.5, c: -0.5
    values = [1.0, 1.0, 0.0, 0.0, 1.0, 0.0]
    clusters = ["a", "a", "b", "b", "b", "c"]
    # G/(G-1) * sum of squared sums / n^2 = 3/2 * (1 + 0.25 + 0.25) / 36
    expected = math.sqrt(1.5 * 1.5 / 36)
    assert clustered_stderr(values, clusters) == pytest.approx(expected)
    low, high = clustered_interval(values, clusters)
    z = stats.norm.ppf(0.975)
    assert (low, high) == pytest.approx((0.5 - z * expected, 0.5 + z * expected))


def test_clustering_correlated_samples_widens_the_interval() -> None:
    values = [1.0] * 5 + [0.0] * 5
    independent = clustered_stderr(values, list(range(10)))
    clustered = clustered_stderr(values, ["x"] * 5 + ["y"] * 5)
    assert clustered > independent


def test_clustered_stderr_needs_two_clusters() -> None:
    with pytest.raises(ValueError, match="at least 2 clusters"):
        clustered_stderr([0.0, 1.0], ["a", "a"])


@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=2, max_size=50))
def test_singleton_clusters_give_the_ordinary_standard_error(values: list[float]) -> None:
    # With one sample per cluster the G/(G-1) factor is n/(n-1): the ddof=1 SE exactly.
    se = clustered_stderr(values, list(range(len(values))))
    assert se == pytest.approx(stats.sem(values), rel=1e-9, abs=1e-9)


@given(st.integers(1, 200), st.data())
def test_wilson_interval_contains_the_proportion_and_stays_in_unit_range(n: int, data) -> None:
    k = data.draw(st.integers(0, n))
    low, high = wilson_interval(k, n)
    assert 0.0 <= low <= k / n <= high <= 1.0
    assert high - low > 0
