"""Classification and extraction metrics equal scikit-learn's on the same inputs."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as sk

from proctor.dataset import Sample
from proctor.metrics import SampleScores, compute_metrics
from proctor.metrics._classification import (
    FieldMetric,
    LabelMetric,
    confusion_matrix,
    field_metrics,
    label_metrics,
    label_pairs,
    per_label_figures,
)
from proctor.model import ModelOutput
from proctor.scorer import Score
from proctor.scorer._labels import label

LABELS = ["billing", "technical", "account"]


def make_pairs(n: int, seed: int, labels=LABELS, invalid: float = 0.1) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        gold = rng.choice(labels)
        roll = rng.random()
        pred = "(invalid)" if roll < invalid else gold if roll < 0.6 else rng.choice(labels)
        pairs.append((gold, pred))
    return pairs


def stats_of(pairs) -> list[tuple[tuple[str, str], ...]]:
    """One epoch per sample: each sample's statistic is its one pair."""
    return [((g, p),) for g, p in pairs]


def sklearn_figures(pairs, labels=None, sample_weight=None) -> dict[str, float]:
    gold = [g for g, _ in pairs]
    pred = [p for _, p in pairs]
    out = {"accuracy": sk.accuracy_score(gold, pred, sample_weight=sample_weight)}
    for average in ("micro", "macro"):
        p, r, f, _ = sk.precision_recall_fscore_support(
            gold, pred, labels=labels, average=average, zero_division=0, sample_weight=sample_weight
        )
        out |= {f"precision_{average}": p, f"recall_{average}": r, f"f1_{average}": f}
    if labels is not None:
        p, r, f, _ = sk.precision_recall_fscore_support(
            gold, pred, labels=labels, average=None, zero_division=0, sample_weight=sample_weight
        )
        for i, name in enumerate(labels):
            out |= {f"precision:{name}": p[i], f"recall:{name}": r[i], f"f1:{name}": f[i]}
    return out


def proctor_figures(stats, labels=None) -> dict[str, float]:
    return {m.name: m.value(stats) for m in label_metrics(labels)}


# --- label metrics ---------------------------------------------------------


def test_label_metric_names_with_and_without_declared_labels() -> None:
    assert [m.name for m in label_metrics()] == [
        "accuracy",
        "precision_micro",
        "recall_micro",
        "f1_micro",
        "precision_macro",
        "recall_macro",
        "f1_macro",
    ]
    names = [m.name for m in label_metrics(["billing", "macro"])]
    assert names[7:] == [
        "precision:billing",
        "recall:billing",
        "f1:billing",
        "precision:macro",
        "recall:macro",
        "f1:macro",
    ]
    assert len(set(names)) == len(names)  # a label named "macro" collides with nothing


def test_figures_equal_sklearn_over_the_labels_seen() -> None:
    pairs = make_pairs(200, seed=1)
    assert proctor_figures(stats_of(pairs)) == pytest.approx(sklearn_figures(pairs))


def test_figures_equal_sklearn_over_declared_labels_with_invalid_outputs() -> None:
    pairs = make_pairs(200, seed=2, invalid=0.3)
    figures = proctor_figures(stats_of(pairs), LABELS)
    assert figures == pytest.approx(sklearn_figures(pairs, LABELS))
    # an invalid output is a missed gold label, never a false positive of a label
    assert figures["precision_micro"] > figures["recall_micro"]


def test_a_declared_label_absent_from_the_data_counts_zero_in_the_macro_average() -> None:
    pairs = [("billing", "billing"), ("technical", "billing"), ("technical", "technical")]
    labels = [*LABELS, "sales"]
    figures = proctor_figures(stats_of(pairs), labels)
    assert figures == pytest.approx(sklearn_figures(pairs, labels))
    assert figures["f1:sales"] == 0.0
    assert figures["precision:account"] == 0.0  # zero_division=0


def test_value_on_a_subset_equals_sklearn_on_that_subset() -> None:
    pairs = make_pairs(120, seed=3)
    subset = [pairs[i] for i in range(0, 120, 7) if pairs[i][0] != "account"]
    assert proctor_figures(stats_of(subset)) == pytest.approx(sklearn_figures(subset))
    assert proctor_figures(stats_of(subset), LABELS) == pytest.approx(
        sklearn_figures(subset, LABELS)
    )


def test_value_on_a_resample_equals_sklearn_on_the_resampled_pairs() -> None:
    pairs = make_pairs(80, seed=4)
    drawn = np.random.default_rng(5).integers(len(pairs), size=len(pairs))
    resample = [pairs[i] for i in drawn]
    stats = stats_of(pairs)
    assert proctor_figures([stats[i] for i in drawn]) == pytest.approx(sklearn_figures(resample))


def test_epochs_weigh_one_sample_once_as_sklearn_sample_weight() -> None:
    stats = [
        (("billing", "billing"), ("billing", "account")),
        (("account", "account"),),
        (("technical", "billing"), ("technical", "technical"), ("technical", "technical")),
    ]
    pairs = [pair for stat in stats for pair in stat]
    weights = [1 / len(stat) for stat in stats for _ in stat]
    assert proctor_figures(stats) == pytest.approx(sklearn_figures(pairs, sample_weight=weights))
    assert proctor_figures(stats)["accuracy"] == pytest.approx((0.5 + 1 + 2 / 3) / 3)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("abcd"), st.sampled_from([*"abcde", "(invalid)"])),
        min_size=1,
        max_size=40,
    )
)
def test_figures_equal_sklearn_on_any_pairs(pairs) -> None:
    assert proctor_figures(stats_of(pairs)) == pytest.approx(sklearn_figures(pairs))
    declared = ["a", "b", "c", "d"]
    assert proctor_figures(stats_of(pairs), declared) == pytest.approx(
        sklearn_figures(pairs, declared)
    )


def test_sample_stat_reads_gold_and_pred_and_skips_other_scores() -> None:
    metric = LabelMetric("accuracy")
    scores = [Score(True, metadata={"gold": "a", "pred": "a"}), Score(0.5), Score(False)]
    assert metric.sample_stat(scores) == (("a", "a"),)
    assert metric.sample_stat([Score(True)]) is None
    assert label_pairs(scores) == [("a", "a")]


def test_no_sample_has_no_value() -> None:
    for metric in label_metrics(LABELS):
        assert metric.value([None]) is None
        assert metric.summarize([]) == (None, None, None, None, "none")


def test_bootstrap_interval_is_deterministic_and_contains_the_point() -> None:
    stats = stats_of(make_pairs(150, seed=6))
    for metric in label_metrics(LABELS):
        first = metric.summarize(stats)
        assert first == metric.summarize(stats)
        value, low, high, se, method = first
        assert method == "bootstrap"
        assert low <= value <= high
        assert se > 0


def test_bootstrap_skips_missing_statistics_with_their_cluster_keys() -> None:
    stats = stats_of(make_pairs(60, seed=7))
    keys = [f"c{i % 12}" for i in range(60)]
    metric = LabelMetric("f1", average="macro")
    with_gaps = metric.summarize([*stats, None], [*keys, "cX"])
    assert with_gaps == metric.summarize(stats, keys)
    assert with_gaps[4] == "clustered-bootstrap"


def test_clustered_bootstrap_is_wider_when_clusters_agree_inside() -> None:
    # each cluster of 10 samples is all right or all wrong: far fewer independent units
    stats = []
    keys = []
    for c in range(20):
        right = c % 2 == 0
        for _ in range(10):
            stats.append((("a", "a" if right else "b"),))
            keys.append(f"c{c}")
    metric = LabelMetric("accuracy")
    _, low, high, _, method = metric.summarize(stats)
    _, c_low, c_high, _, c_method = metric.summarize(stats, keys)
    assert (method, c_method) == ("bootstrap", "clustered-bootstrap")
    assert c_high - c_low > high - low


def test_fewer_than_two_samples_or_clusters_get_no_interval() -> None:
    metric = LabelMetric("accuracy")
    assert metric.summarize([(("a", "a"),)]) == (1.0, None, None, None, "none")
    stats = stats_of(make_pairs(10, seed=8))
    assert metric.summarize(stats, ["one"] * 10)[1:] == (None, None, None, "none")


def test_cluster_keys_must_line_up_with_statistics() -> None:
    with pytest.raises(ValueError, match="cluster keys"):
        LabelMetric("accuracy").summarize(stats_of(make_pairs(3, seed=9)), ["a"])


# --- confusion matrix --------------------------------------------------------


def test_confusion_matrix_equals_sklearn_with_sorted_labels() -> None:
    pairs = make_pairs(100, seed=10)
    matrix = confusion_matrix(pairs)
    gold, pred = zip(*pairs, strict=True)
    assert matrix.labels == tuple(sorted(set(gold) | set(pred)))
    assert np.array_equal(np.array(matrix.counts), sk.confusion_matrix(gold, pred))


def test_confusion_matrix_with_labels_leaves_out_unlisted_pairs_as_sklearn() -> None:
    pairs = make_pairs(100, seed=11, invalid=0.2)
    gold, pred = zip(*pairs, strict=True)
    for labels in (LABELS, [*LABELS, "(invalid)"], ["account", "billing"]):
        matrix = confusion_matrix(pairs, labels)
        assert matrix.labels == tuple(labels)
        expected = sk.confusion_matrix(gold, pred, labels=labels)
        assert np.array_equal(np.array(matrix.counts), expected)


def test_confusion_matrix_of_no_pair_is_empty() -> None:
    assert confusion_matrix([]).counts == ()
    assert confusion_matrix([], ["a"]).counts == ((0,),)


def test_per_label_figures_equal_sklearn_average_none() -> None:
    pairs = make_pairs(100, seed=12, invalid=0.2)
    gold, pred = zip(*pairs, strict=True)
    matrix = confusion_matrix(pairs)
    p, r, f, support = sk.precision_recall_fscore_support(
        gold, pred, labels=list(matrix.labels), average=None, zero_division=0
    )
    figures = per_label_figures(matrix)
    for i, name in enumerate(matrix.labels):
        assert figures[name] == pytest.approx(
            {"precision": p[i], "recall": r[i], "f1": f[i], "support": support[i]}
        )


# --- field metrics -----------------------------------------------------------


def field_sample(tp: int, fp: int, fn: int) -> Score:
    return Score(0.0, metadata={"tp": tp, "fp": fp, "fn": fn})


def test_field_metrics_are_micro_figures_of_summed_counts() -> None:
    stats = [(3.0, 1.0, 0.0), (0.0, 0.0, 2.0), (1.0, 2.0, 1.0)]
    figures = {m.name: m.value(stats) for m in field_metrics()}
    assert figures == pytest.approx({"precision": 4 / 7, "recall": 4 / 7, "f1": 8 / 14})


def test_field_metrics_equal_sklearn_micro_on_the_item_indicator_matrix() -> None:
    # samples as sets of (field, value) items: micro P/R/F1 over the binarized items
    rng = random.Random(13)
    universe = [f"k{k}={v}" for k in range(5) for v in range(3)]
    reference = [set(rng.sample(universe, rng.randint(0, 6))) for _ in range(40)]
    predicted = [set(rng.sample(universe, rng.randint(0, 6))) for _ in range(40)]
    stats = [
        (float(len(r & p)), float(len(p - r)), float(len(r - p)))
        for r, p in zip(reference, predicted, strict=True)
    ]
    truth = np.array([[item in r for item in universe] for r in reference])
    guess = np.array([[item in p for item in universe] for p in predicted])
    p, r, f, _ = sk.precision_recall_fscore_support(truth, guess, average="micro", zero_division=0)
    figures = {m.name: m.value(stats) for m in field_metrics()}
    assert figures == pytest.approx({"precision": p, "recall": r, "f1": f})


def test_field_sample_stat_is_the_mean_over_epochs() -> None:
    metric = FieldMetric("f1")
    assert metric.sample_stat([field_sample(2, 0, 1), field_sample(1, 1, 0)]) == (1.5, 0.5, 0.5)
    assert metric.sample_stat([Score(True)]) is None


def test_field_metrics_of_all_zero_counts_are_zero() -> None:
    assert [m.value([(0.0, 0.0, 0.0)]) for m in field_metrics()] == [0.0, 0.0, 0.0]


def test_field_metric_bootstrap_is_deterministic_and_contains_the_point() -> None:
    rng = random.Random(14)
    stats = [
        (float(rng.randint(0, 5)), float(rng.randint(0, 2)), float(rng.randint(0, 2)))
        for _ in range(50)
    ]
    for metric in field_metrics():
        summary = metric.summarize(stats)
        assert summary == metric.summarize(stats)
        value, low, high, _, method = summary
        assert method == "bootstrap" and low <= value <= high


# --- through compute_metrics -----------------------------------------------


async def test_label_scorer_figures_through_compute_metrics_equal_sklearn() -> None:
    scorer = label(labels=["Billing", "Technical", "Account"])
    outputs = ["billing", "Technical!", "accounts", "account", "BILLING", "technical"]
    targets = ["Billing", "Technical", "Account", "Account", "Technical", "Billing"]
    topics = ["x", "y", "x", "y", "x", "y"]
    rows = []
    for i, (out, gold, topic) in enumerate(zip(outputs, targets, topics, strict=True)):
        sample = Sample(id=f"q{i}", input="Which team?", target=gold)
        score = await scorer(sample, ModelOutput(text=out), None)  # a label never needs ctx
        rows.append(SampleScores(f"q{i}", {"topic": topic}, scores={"label": [score]}))
    figures = {v.name: v for v in compute_metrics(rows, [scorer], slices=["topic"])}
    pairs = [(r.scores["label"][0].metadata["gold"], r.scores["label"][0].answer) for r in rows]
    expected = sklearn_figures(pairs, ["Billing", "Technical", "Account"])
    for name, value in expected.items():
        assert figures[f"label/{name}"].value == pytest.approx(value)
    in_x = [pair for pair, topic in zip(pairs, topics, strict=True) if topic == "x"]
    expected_x = sklearn_figures(in_x, ["Billing", "Technical", "Account"])
    assert figures["label/f1_macro[topic=x]"].value == pytest.approx(expected_x["f1_macro"])
    assert figures["label/accuracy"].n == 6
