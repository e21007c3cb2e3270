"""Clustered intervals for right/wrong scores stay inside [0, 1] and never collapse."""

import pytest

from proctor.metrics import mean
from proctor.metrics._intervals import clustered_stderr, wilson_interval


def test_all_correct_clustered_gets_a_positive_width_interval_inside_0_1() -> None:
    stats = [1.0] * 12
    clusters = [f"c{i // 3}" for i in range(12)]
    value, low, high, _, method = mean().summarize(stats, clusters)
    assert (value, high, method) == (1.0, 1.0, "clustered")
    # as if each of the 4 clusters were one observation
    assert low == pytest.approx(wilson_interval(4, 4)[0])


def test_clustered_binary_interval_is_wilson_at_the_effective_size() -> None:
    stats = [1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0]
    clusters = ["a", "a", "a", "b", "b", "b", "c", "c", "d", "d", "e", "e"]
    value, low, high, se, _ = mean().summarize(stats, clusters)
    assert 0.0 <= low < value < high <= 1.0
    p, n = value, len(stats)
    effective = n / (clustered_stderr(stats, clusters) ** 2 / (p * (1 - p) / n))
    assert effective < n  # these clusters are internally alike: fewer effective samples
    assert se == pytest.approx(clustered_stderr(stats, clusters))


def test_clustering_widens_the_interval_of_alike_clusters() -> None:
    stats = [1.0] * 10 + [0.0] * 10
    independent = mean().summarize(stats)
    clustered = mean().summarize(stats, [f"c{i // 5}" for i in range(20)])
    assert clustered[2] - clustered[1] > independent[2] - independent[1]
