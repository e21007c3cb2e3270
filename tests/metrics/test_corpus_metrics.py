"""Corpus BLEU, chrF and TER from stored statistics equal sacrebleu's, on any resample."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest
import sacrebleu

from proctor.dataset import Sample
from proctor.metrics import SampleScores, compute_metrics
from proctor.metrics._bootstrap import bootstrap_sums, resample_counts
from proctor.metrics._corpus import corpus
from proctor.model import ModelOutput
from proctor.scorer import Score, Scorer
from proctor.scorer._similarity import bleu, chrf, ter

HYPS = [
    "The cat is on a mat.",
    "",
    "There is a dog in the garden.",
    "I like green tea very much",
    "It rains.",
    "The committee approved the budget on Tuesday.",
    "He went to the market to buy some apples.",
    "Please close the door when you leave.",
]
REFS = [
    ("The cat sat on the mat.", "A cat is on the mat."),
    ("Nothing was said at all.",),
    ("A dog is in the garden.", "There's a dog in the yard.", "The garden has a dog."),
    ("I really like green tea.", "Green tea is what I like."),
    ("It is raining.",),
    ("On Tuesday the committee approved the budget.", "The budget was approved on Tuesday."),
    ("He went to the market to buy apples.",),
    ("Close the door when you leave, please.", "Please shut the door as you go."),
]
SACREBLEU = {"bleu": sacrebleu.BLEU, "chrf": sacrebleu.CHRF, "ter": sacrebleu.TER}
MAKERS = {"bleu": bleu, "chrf": chrf, "ter": ter}


class NoContext:
    """These scorers never use the context."""


def streams(refs: list[tuple[str, ...]]) -> list[list[str | None]]:
    """sacrebleu's reference streams; None where a segment has fewer references."""
    width = max(len(r) for r in refs)
    return [[r[j] if j < len(r) else None for r in refs] for j in range(width)]


def reference(kind: str, hyps: list[str], refs: list[tuple[str, ...]]) -> float:
    return SACREBLEU[kind]().corpus_score(hyps, streams(refs)).score


def score_all(made: Scorer, hyps: list[str], refs: list[tuple[str, ...]]) -> list[Score]:
    async def run() -> list[Score]:
        return [
            await made(Sample(id=str(i), input="x", target=r), ModelOutput(text=h), NoContext())
            for i, (h, r) in enumerate(zip(hyps, refs, strict=True))
        ]

    return asyncio.run(run())


def corpus_stats(made: Scorer) -> list[Any]:
    metric = made.metrics[0]
    return [metric.sample_stat([s]) for s in score_all(made, HYPS, REFS)]


@pytest.fixture(scope="module")
def stats() -> dict[str, tuple[Scorer, list[Any]]]:
    built = {kind: make() for kind, make in MAKERS.items()}
    return {kind: (made, corpus_stats(made)) for kind, made in built.items()}


@pytest.mark.parametrize("kind", ["bleu", "chrf", "ter"])
def test_the_corpus_figure_equals_sacrebleus_corpus_score(stats, kind) -> None:
    made, sample_stats = stats[kind]
    assert made.metrics[0].value(sample_stats) == reference(kind, HYPS, REFS)


def test_corpus_bleu_is_not_the_mean_of_sentence_bleu(stats) -> None:
    made, sample_stats = stats["bleu"]
    sentence = [sacrebleu.sentence_bleu(h, list(r)).score for h, r in zip(HYPS, REFS, strict=True)]
    assert made.metrics[0].value(sample_stats) != pytest.approx(np.mean(sentence))


def test_compute_metrics_reports_sacrebleus_corpus_bleu_from_scores() -> None:
    made = bleu()
    rows = [
        SampleScores(str(i), scores={"bleu": [score]})
        for i, score in enumerate(score_all(made, HYPS, REFS))
    ]
    figures = {m.name: m for m in compute_metrics(rows, [made])}
    assert figures["bleu/corpus"].value == sacrebleu.corpus_bleu(HYPS, streams(REFS)).score
    assert figures["bleu/corpus"].method == "bootstrap"
    assert figures["bleu/corpus"].n == len(HYPS)
    sentence = [sacrebleu.sentence_bleu(h, list(r)).score for h, r in zip(HYPS, REFS, strict=True)]
    assert figures["bleu/mean"].value == pytest.approx(np.mean(sentence))


def test_epochs_count_as_segments_of_the_corpus() -> None:
    made = bleu()
    first, second = score_all(made, HYPS, REFS), score_all(made, HYPS[::-1], REFS)
    metric = made.metrics[0]
    sample_stats = [metric.sample_stat([a, b]) for a, b in zip(first, second, strict=True)]
    expected = reference("bleu", HYPS + HYPS[::-1], REFS + REFS)
    assert metric.value(sample_stats) == expected


@pytest.mark.parametrize("kind", ["bleu", "chrf", "ter"])
def test_the_figure_on_a_resample_equals_sacrebleu_on_the_resampled_segments(stats, kind) -> None:
    made, sample_stats = stats[kind]
    metric = made.metrics[0]
    counts = next(resample_counts(len(HYPS), resamples=3, seed=7))
    figures = bootstrap_sums(sample_stats, metric._figures, resamples=3, seed=7).values
    for row, figure in zip(counts, figures, strict=True):
        picked = [i for i, times in enumerate(row) for _ in range(times)]
        expected = reference(kind, [HYPS[i] for i in picked], [REFS[i] for i in picked])
        assert metric.value([sample_stats[i] for i in picked]) == pytest.approx(expected, abs=1e-9)
        assert figure == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("kind", ["bleu", "chrf", "ter"])
def test_the_interval_contains_the_figure_and_is_deterministic(stats, kind) -> None:
    made, sample_stats = stats[kind]
    metric = made.metrics[0]
    value, low, high, stderr, method = metric.summarize(sample_stats)
    assert method == "bootstrap"
    assert low <= value <= high and low < high and stderr > 0
    assert metric.summarize(sample_stats) == (value, low, high, stderr, method)
    other = bootstrap_sums(sample_stats, metric._figures, seed=1)
    assert (other.low, other.high) != (low, high)


def test_ter_corpus_is_lower_is_better(stats) -> None:
    made, sample_stats = stats["ter"]
    assert made.metrics[0].higher_is_better is False
    worse = [(s[1] * 2, s[1]) for s in sample_stats]  # twice as many edits as words
    assert made.metrics[0].value(worse) == 200.0 > made.metrics[0].value(sample_stats)


def test_clusters_are_resampled_whole(stats) -> None:
    made, sample_stats = stats["bleu"]
    clusters = ["a", "a", "b", "b", "c", "c", "d", "d"]
    for counts in resample_counts(len(clusters), clusters=clusters, resamples=50, seed=3):
        assert (counts[:, 0::2] == counts[:, 1::2]).all()
        assert (counts.sum(axis=1) % 2 == 0).all()
    value, low, high, _, method = made.metrics[0].summarize(sample_stats, clusters)
    assert method == "clustered-bootstrap" and low <= value <= high


def test_no_interval_below_two_samples_or_clusters(stats) -> None:
    made, sample_stats = stats["bleu"]
    metric = made.metrics[0]
    assert metric.summarize([]) == (None, None, None, None, "none")
    assert metric.summarize([None, sample_stats[0]])[1:] == (None, None, None, "none")
    one_cluster = ["x"] * len(sample_stats)
    assert metric.summarize(sample_stats, one_cluster)[4] == "none"


def test_a_score_without_statistics_is_left_out() -> None:
    metric = corpus(lambda totals: totals[0] / totals[1])
    assert metric.sample_stat([Score(1.0)]) is None
    assert metric.sample_stat([Score(1.0, metadata={"stats": [1, 2]})]) == (1, 2)
    assert metric.value([(1, 2), None, (2, 2)]) == 0.75


def test_the_bootstrap_matches_the_counts_it_draws() -> None:
    rng = np.random.default_rng(0)
    data = rng.integers(0, 10, size=(200, 3))
    result = bootstrap_sums(data, lambda t: t[:, 0] / t[:, 1], resamples=100, seed=5)
    counts = np.concatenate(list(resample_counts(200, resamples=100, seed=5)))
    totals = counts @ data
    np.testing.assert_allclose(result.values, totals[:, 0] / totals[:, 1])
