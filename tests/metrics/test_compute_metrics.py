"""compute_metrics: figures per scorer and metric, overall then per slice."""

from __future__ import annotations

import pytest

from proctor.errors import ConfigError
from proctor.metrics import SampleScores, compute_metrics, mean, wilson_interval
from proctor.metrics._metric import Metric
from proctor.scorer import Score, Scorer, exact_match, includes, scorer


def row(sample_id: str, metadata=None, error: bool = False, **scores: list[Score]) -> SampleScores:
    return SampleScores(sample_id, metadata or {}, error, dict(scores))


ROWS = [
    row(
        "q1", {"topic": "billing", "lang": "en"}, exact_match=[Score(True)], includes=[Score(True)]
    ),
    row(
        "q2", {"topic": "billing", "lang": "fr"}, exact_match=[Score(False)], includes=[Score(True)]
    ),
    row("q3", {"topic": "account"}, exact_match=[Score(True)]),  # includes failed: absent
    row("q4", {"topic": "billing", "lang": "en"}, error=True),
    row("q5", {}, exact_match=[Score(False)], includes=[Score(False)]),
]


def test_overall_then_slices_in_scorer_and_metric_order() -> None:
    values = compute_metrics(ROWS, [exact_match(), includes()], slices=["topic", "lang"])
    assert [v.name for v in values] == [
        "exact_match/mean",
        "exact_match/mean[topic=account]",
        "exact_match/mean[topic=billing]",
        "exact_match/mean[lang=en]",
        "exact_match/mean[lang=fr]",
        "includes/mean",
        "includes/mean[topic=account]",
        "includes/mean[topic=billing]",
        "includes/mean[lang=en]",
        "includes/mean[lang=fr]",
    ]


def test_n_counts_scored_samples_and_n_total_every_sample_of_the_group() -> None:
    by_name = {
        v.name: v
        for v in compute_metrics(ROWS, [exact_match(), includes()], slices=["topic", "lang"])
    }
    assert (by_name["exact_match/mean"].n, by_name["exact_match/mean"].n_total) == (4, 5)
    assert (by_name["includes/mean"].n, by_name["includes/mean"].n_total) == (3, 5)
    billing = by_name["exact_match/mean[topic=billing]"]
    assert (billing.n, billing.n_total, billing.value) == (2, 3, 0.5)
    assert (
        by_name["includes/mean[topic=account]"].n,
        by_name["includes/mean[topic=account]"].n_total,
    ) == (0, 1)
    assert by_name["includes/mean[topic=account]"].value is None
    english = by_name["exact_match/mean[lang=en]"]
    assert (english.n, english.n_total) == (1, 2)  # q5 lacks the key: in no lang slice


def test_a_figure_carries_its_interval_and_identity() -> None:
    overall = compute_metrics(ROWS, [exact_match()])[0]
    assert overall.value == 0.5
    assert (overall.ci_low, overall.ci_high) == wilson_interval(2, 4)
    assert overall.method == "wilson"
    assert (overall.scorer, overall.metric, overall.higher_is_better) == (
        "exact_match",
        "mean",
        True,
    )
    assert (overall.slice_key, overall.slice_value) == (None, None)


def test_slice_values_are_strings_sorted_and_none_means_missing() -> None:
    rows = [
        row("a", {"level": 10}, exact_match=[Score(True)]),
        row("b", {"level": 9}, exact_match=[Score(True)]),
        row("c", {"level": None}, exact_match=[Score(True)]),
    ]
    names = [v.name for v in compute_metrics(rows, [exact_match()], slices=["level"])]
    assert names == ["exact_match/mean", "exact_match/mean[level=10]", "exact_match/mean[level=9]"]


def test_epochs_are_averaged_per_sample() -> None:
    rows = [
        row("a", exact_match=[Score(True), Score(False)]),
        row("b", exact_match=[Score(True), Score(True)]),
    ]
    figure = compute_metrics(rows, [exact_match()])[0]
    assert figure.value == 0.75
    assert (figure.n, figure.method) == (2, "t")


def test_cluster_key_gives_clustered_intervals_and_missing_keys_are_own_clusters() -> None:
    rows = [
        row("a", {"passage": "p1"}, exact_match=[Score(True)]),
        row("b", {"passage": "p1"}, exact_match=[Score(True)]),
        row("c", {"passage": "p2"}, exact_match=[Score(False)]),
        row("d", {}, exact_match=[Score(False)]),
    ]
    figure = compute_metrics(rows, [exact_match()], cluster="passage")[0]
    assert figure.method == "clustered"
    expected = mean().summarize([1.0, 1.0, 0.0, 0.0], ["p1", "p1", "p2", "d-alone"])
    assert (figure.value, figure.ci_low, figure.ci_high, figure.stderr) == pytest.approx(
        expected[:4]
    )


def test_rows_are_read_once_as_a_stream() -> None:
    consumed = []

    def stream():
        for r in ROWS:
            consumed.append(r.sample_id)
            yield r

    compute_metrics(stream(), [exact_match(), includes()], slices=["topic"])
    assert consumed == ["q1", "q2", "q3", "q4", "q5"]


def test_every_metric_of_a_scorer_is_computed_in_order() -> None:
    class Best(Metric):
        name = "max"

        def sample_stat(self, scores):
            return max(s.as_float() for s in scores)

        def value(self, stats):
            return max(stats) if stats else None

        def summarize(self, stats, clusters=None):
            return self.value(stats), None, None, None, "none"

    @scorer("always", metrics=lambda: [mean(), Best()])
    def always():
        async def score(sample, output, ctx):
            return Score(1.0)

        return score

    rows = [row("a", always=[Score(0.2)]), row("b", always=[Score(0.9)])]
    values = compute_metrics(rows, [always()])
    assert [(v.name, v.value) for v in values] == [
        ("always/mean", pytest.approx(0.55)),
        ("always/max", 0.9),
    ]


def test_two_scorers_with_one_name_are_refused() -> None:
    with pytest.raises(ConfigError, match="two scorers are named 'exact_match'"):
        compute_metrics(ROWS, [exact_match(), exact_match(ignore_case=False)])


def test_no_rows_gives_empty_figures() -> None:
    figure = compute_metrics([], [exact_match()])[0]
    assert (figure.value, figure.n, figure.n_total, figure.method) == (None, 0, 0, "none")


def test_a_scorer_without_metrics_gives_no_figure() -> None:
    bare = Scorer(name="bare", fn=exact_match().fn, metrics=())
    assert compute_metrics(ROWS, [bare]) == []
