"""The mean metric: per-sample statistics over epochs, and the interval it picks."""

from __future__ import annotations

import subprocess
import sys

import pytest
from scipy import stats

import proctor.metrics
import proctor.scorer
from proctor.metrics import clustered_interval, mean, t_interval, wilson_interval
from proctor.scorer import Score


def test_mean_is_named_mean_and_higher_is_better() -> None:
    metric = mean()
    assert metric.name == "mean"
    assert metric.higher_is_better is True


def test_sample_stat_averages_epochs_and_skips_labels() -> None:
    metric = mean()
    assert metric.sample_stat([Score(True), Score(False), Score("maybe"), Score(True)]) == (
        pytest.approx(2 / 3)
    )
    assert metric.sample_stat([Score(0.5), Score(1)]) == 0.75


def test_sample_stat_of_labels_only_is_none() -> None:
    assert mean().sample_stat([Score("refused")]) is None
    assert mean().sample_stat([]) is None


def test_value_ignores_missing_statistics() -> None:
    assert mean().value([1.0, None, 0.0, 1.0]) == pytest.approx(2 / 3)
    assert mean().value([None]) is None


def test_binary_statistics_get_a_wilson_interval() -> None:
    values = [1.0] * 20
    value, low, high, se, method = mean().summarize(values)
    assert method == "wilson"
    assert value == 1.0
    assert (low, high) == wilson_interval(20, 20)
    assert high - low > 0  # 20/20 is not certainty
    assert se == 0.0


def test_one_binary_sample_still_gets_a_wilson_interval() -> None:
    _, low, high, se, method = mean().summarize([1.0])
    assert method == "wilson"
    assert (low, high) == wilson_interval(1, 1)
    assert se is None


def test_continuous_statistics_get_a_t_interval() -> None:
    values = [0.2, 0.5, 0.9, 0.4]
    _, low, high, se, method = mean().summarize(values)
    assert method == "t"
    assert (low, high) == pytest.approx(t_interval(values))
    assert se == pytest.approx(stats.sem(values))


def test_epochs_are_averaged_before_the_interval() -> None:
    # Two epochs per sample: the statistics are 1, 0.5 and 0 -> continuous, t over n=3.
    metric = mean()
    per_sample = [
        [Score(True), Score(True)],
        [Score(True), Score(False)],
        [Score(False), Score(False)],
    ]
    sample_stats = [metric.sample_stat(s) for s in per_sample]
    _, low, high, _, method = metric.summarize(sample_stats)
    assert sample_stats == [1.0, 0.5, 0.0]
    assert method == "t"
    assert (low, high) == pytest.approx(t_interval([1.0, 0.5, 0.0]))


def test_one_continuous_sample_has_no_interval() -> None:
    assert mean().summarize([0.5]) == (0.5, None, None, None, "none")


def test_no_sample_has_no_value() -> None:
    assert mean().summarize([]) == (None, None, None, None, "none")
    assert mean().summarize([None, None]) == (None, None, None, None, "none")


def test_clusters_switch_to_the_clustered_interval() -> None:
    values = [1.0, 0.8, 0.0, 0.25, 1.0]
    clusters = ["a", "a", "b", "b", "c"]
    _, low, high, _, method = mean().summarize(values, clusters)
    assert method == "clustered"
    assert (low, high) == pytest.approx(clustered_interval(values, clusters))


def test_clusters_stay_aligned_when_statistics_are_missing() -> None:
    with_gaps = mean().summarize([1.0, None, 0.0, 1.0], ["a", "z", "b", "b"])
    without = mean().summarize([1.0, 0.0, 1.0], ["a", "b", "b"])
    assert with_gaps == pytest.approx(without)


def test_a_single_cluster_has_no_interval() -> None:
    assert mean().summarize([1.0, 0.0], ["a", "a"]) == (0.5, None, None, None, "none")


def test_importing_metrics_and_scorers_does_not_import_numpy_or_scipy() -> None:
    code = (
        "import sys, proctor.metrics, proctor.scorer\n"
        "print(sorted(m for m in ('numpy', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("module", [proctor.metrics, proctor.scorer])
def test_exported_names_are_exactly_all(module) -> None:
    public = {name for name in vars(module) if not name.startswith("_")}
    submodules = {name for name in public if type(vars(module)[name]) is type(sys)}
    lazy = set(getattr(module, "_LAZY", ()))  # resolved on first use (they need NumPy)
    assert (public - submodules) | lazy == set(module.__all__)
    assert all(getattr(module, name) is not None for name in lazy)
