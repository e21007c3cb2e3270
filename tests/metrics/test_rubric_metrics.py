"""Rubric figures: HealthBench's clipped mean, per axis and theme, with bootstrap intervals."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from proctor.errors import ConfigError
from proctor.metrics import SampleScores, compute_metrics
from proctor.metrics._bootstrap import resample_counts
from proctor.metrics._rubric import (
    AxisScore,
    RubricScore,
    ThemeScore,
    rubric_metrics,
    rubric_points,
    rubric_ratio,
)
from proctor.scorer import Score, resolve_scorer


def graded(*criteria: tuple[float, bool, tuple[str, ...]], tags: tuple[str, ...] = ()) -> Score:
    """A rubric score as the scorer stores it, from (points, met, tags) triples."""
    items = [
        {"criterion": f"c{i}", "points": p, "tags": list(t), "met": m, "explanation": ""}
        for i, (p, m, t) in enumerate(criteria)
    ]
    achieved, possible = rubric_points((c["points"], c["met"]) for c in items)
    return Score(
        achieved / possible,
        metadata={
            "criteria": items,
            "achieved": achieved,
            "possible": possible,
            "example_tags": list(tags),
        },
        source="judge",
    )


def clipped_bootstrap(values: list[float], clusters: list[str] | None = None) -> np.ndarray:
    """The resampled clipped means, drawn independently of the metric's code."""
    stats = np.array(values)
    means = [
        np.clip((counts @ stats) / counts.sum(axis=1), 0, 1)
        for counts in resample_counts(len(values), clusters=clusters)
    ]
    return np.concatenate(means)


def test_points_count_negatives_when_met_and_only_positives_as_possible() -> None:
    assert rubric_points([(5, True), (3, False), (-4, True), (-2, False)]) == (1.0, 8.0)
    assert rubric_points([(-4, True)]) == (-4.0, 0.0)


def test_ratio_on_a_tag_uses_only_its_criteria_and_needs_positive_points() -> None:
    criteria = graded((5, True, ("axis:a",)), (5, False, ("axis:b",)), (-2, True, ("axis:c",)))
    items = criteria.metadata["criteria"]
    assert rubric_ratio(items) == pytest.approx(3 / 10)
    assert rubric_ratio(items, "axis:a") == 1.0
    assert rubric_ratio(items, "axis:b") == 0.0
    assert rubric_ratio(items, "axis:c") is None  # negative points only: undefined
    assert rubric_ratio(items, "axis:missing") is None


def test_a_sample_statistic_is_the_raw_mean_of_its_epochs() -> None:
    epochs = [graded((4, True, ()), (-6, True, ())), graded((4, True, ()))]  # -0.5 and 1
    assert RubricScore().sample_stat(epochs) == pytest.approx(0.25)
    assert RubricScore().sample_stat([graded((4, False, ()), (-6, True, ()))]) == -1.5


def test_the_mean_is_clipped_not_each_sample() -> None:
    metric = RubricScore()
    assert metric.value([-1.0, 0.6, 0.8]) == pytest.approx(0.4 / 3)  # clipping each: 1.4 / 3
    assert metric.value([-0.5, -0.2]) == 0.0
    assert metric.value([None]) is None


def test_the_interval_is_the_bootstrap_of_clipped_means() -> None:
    values = [-0.8, -0.4, 0.1, 0.3, 0.2, -0.6, 0.5, -0.2]
    value, low, high, se, method = RubricScore().summarize(values)
    resampled = clipped_bootstrap(values)
    assert method == "bootstrap" and len(resampled) == 1000
    assert value == 0.0  # the raw mean is negative
    assert (low, high) == pytest.approx(tuple(np.quantile(resampled, [0.025, 0.975])))
    assert se == pytest.approx(np.std(resampled, ddof=1))
    assert low == 0.0 and high > 0.0  # clipped resamples: the interval stays in [0, 1]


def test_clusters_are_resampled_whole() -> None:
    values = [0.9, 0.8, 0.1, 0.2, 0.5, 0.4]
    clusters = ["a", "a", "b", "b", "c", "c"]
    value, low, high, se, method = RubricScore().summarize(values, clusters)
    resampled = clipped_bootstrap(values, clusters)
    assert method == "clustered-bootstrap" and value == pytest.approx(0.483333, abs=1e-6)
    assert (low, high) == pytest.approx(tuple(np.quantile(resampled, [0.025, 0.975])))
    assert se == pytest.approx(np.std(resampled, ddof=1))
    assert RubricScore().summarize(values)[1:3] != (low, high)


def test_the_bootstrap_is_seeded() -> None:
    values = [0.1, 0.9, 0.4, 0.7]
    assert RubricScore().summarize(values) == RubricScore().summarize(values)


def test_fewer_than_two_units_have_no_interval() -> None:
    assert RubricScore().summarize([0.5, None]) == (0.5, None, None, None, "none")
    assert RubricScore().summarize([0.5, 0.7], ["a", "a"])[4] == "none"
    assert RubricScore().summarize([None]) == (None, None, None, None, "none")


def test_an_axis_rescores_each_epoch_on_its_criteria() -> None:
    metric = AxisScore("axis:accuracy")
    epochs = [
        graded((4, True, ("axis:accuracy",)), (4, False, ("axis:accuracy",)), (9, True, ())),
        graded((4, True, ("axis:accuracy",)), (4, True, ("axis:accuracy",)), (9, False, ())),
    ]
    assert metric.name == "axis:accuracy"
    assert metric.sample_stat(epochs) == pytest.approx(0.75)


def test_an_axis_skips_samples_without_positive_points_on_it() -> None:
    metric = AxisScore("axis:accuracy")
    assert metric.sample_stat([graded((-3, True, ("axis:accuracy",)), (5, True, ()))]) is None
    assert metric.sample_stat([graded((5, True, ("axis:other",)))]) is None


def test_a_theme_keeps_only_the_samples_with_its_tag() -> None:
    metric = ThemeScore("theme:hedging")
    assert metric.name == "theme:hedging"
    assert metric.sample_stat([graded((2, True, ()), tags=("theme:hedging",))]) == 1.0
    assert metric.sample_stat([graded((2, True, ()), tags=("theme:other",))]) is None


def test_figure_names_must_be_distinct() -> None:
    names = [m.name for m in rubric_metrics(axes=["axis:a"], themes=["theme:b"])]
    assert names == ["score", "axis:a", "theme:b"]
    with pytest.raises(ConfigError, match="'axis:a' is asked for twice"):
        rubric_metrics(axes=["axis:a"], themes=["axis:a"])


def test_figures_of_a_run_skip_what_does_not_apply() -> None:
    scorer = resolve_scorer(
        "rubric", {"model": "python:j:j", "axes": ["axis:safety"], "themes": ["theme:urgent"]}
    )

    def row(sample_id: str, score: Score | None) -> SampleScores:
        scores: dict[str, Any] = {} if score is None else {"rubric": [score]}
        return SampleScores(sample_id, scores=scores, error=score is None)

    rows = [
        row("a", graded((5, True, ("axis:safety",)), (5, False, ()), tags=("theme:urgent",))),
        row(
            "b",
            graded(
                (5, False, ("axis:safety",)), (5, True, ()), (-8, True, ()), tags=("theme:urgent",)
            ),
        ),
        row("c", graded((10, True, ()), (-5, True, ("axis:safety",)))),
        row("d", None),  # the model failed: counts in n_total only
    ]
    figures = {m.name: m for m in compute_metrics(rows, [scorer])}
    assert figures["rubric/score"].value == pytest.approx((0.5 - 0.3 + 0.5) / 3)
    assert (figures["rubric/score"].n, figures["rubric/score"].n_total) == (3, 4)
    assert figures["rubric/axis:safety"].value == 0.5  # a: 1, b: 0; c has no positive points
    assert figures["rubric/axis:safety"].n == 2
    assert figures["rubric/theme:urgent"].value == pytest.approx((0.5 - 0.3) / 2)
    assert figures["rubric/theme:urgent"].n == 2
    assert all(m.higher_is_better for m in figures.values())
