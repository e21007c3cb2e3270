"""bleu, chrf, ter and rouge give the reference libraries' own per-output figures."""

from __future__ import annotations

import sys

import pytest
import sacrebleu
from rouge_score import rouge_scorer

from proctor.errors import ConfigError, ScorerError
from proctor.scorer._similarity import bleu, chrf, rouge, ter

# (output, references): several references per sample, and an empty output
EXAMPLES = [
    ("The cat is on a mat.", ("The cat sat on the mat.", "A cat is on the mat.")),
    ("", ("Nothing was said at all.",)),
    (
        "There is a dog in the garden.",
        ("A dog is in the garden.", "There's a dog in the yard.", "The garden has a dog."),
    ),
    ("I like green tea very much", ("I really like green tea.", "Green tea is what I like.")),
    ("It rains.", ("It is raining.",)),
]


# --- sentence scores equal sacrebleu's ------------------------------------


@pytest.mark.parametrize(("text", "refs"), EXAMPLES)
async def test_bleu_value_is_sacrebleus_sentence_bleu(score_text, text, refs) -> None:
    score = await score_text(bleu(), text, target=refs)
    assert score.value == sacrebleu.sentence_bleu(text, list(refs)).score


@pytest.mark.parametrize(("text", "refs"), EXAMPLES)
async def test_bleu_stats_are_sacrebleus_segment_statistics(score_text, text, refs) -> None:
    score = await score_text(bleu(), text, target=refs)
    expected = sacrebleu.BLEU()._extract_corpus_statistics([text], [[r] for r in refs])[0]
    assert score.metadata["stats"] == list(expected)
    sys_len, ref_len = score.metadata["stats"][:2]
    result = sacrebleu.corpus_bleu([text], [[r] for r in refs])
    assert (sys_len, ref_len) == (result.sys_len, result.ref_len)


@pytest.mark.parametrize(("text", "refs"), EXAMPLES)
async def test_chrf_value_is_sacrebleus_sentence_chrf(score_text, text, refs) -> None:
    score = await score_text(chrf(), text, target=refs)
    assert score.value == sacrebleu.sentence_chrf(text, list(refs)).score
    plus = await score_text(chrf(word_order=2), text, target=refs)
    assert plus.value == sacrebleu.sentence_chrf(text, list(refs), word_order=2).score
    assert len(plus.metadata["stats"]) == 3 * (6 + 2)


@pytest.mark.parametrize(("text", "refs"), EXAMPLES)
async def test_ter_value_is_sacrebleus_sentence_ter(score_text, text, refs) -> None:
    score = await score_text(ter(), text, target=refs)
    assert score.value == sacrebleu.sentence_ter(text, list(refs)).score
    edits, avg_ref_len = score.metadata["stats"]
    assert score.value == pytest.approx(100 * edits / avg_ref_len)


async def test_an_empty_output_scores_bleu_0_and_ter_100(score_text) -> None:
    target = ("Nothing was said at all.",)
    assert (await score_text(bleu(), "", target=target)).value == 0.0
    assert (await score_text(chrf(), "", target=target)).value == 0.0
    assert (await score_text(ter(), "", target=target)).value == 100.0


async def test_sacrebleu_options_reach_the_scores(score_text) -> None:
    text, refs = "THE CAT IS ON A MAT.", ("The cat sat on the mat.",)
    lower = await score_text(bleu(lowercase=True, tokenize="intl"), text, target=refs)
    expected = sacrebleu.sentence_bleu(text, list(refs), lowercase=True, tokenize="intl")
    assert lower.value == expected.score > 0
    cased = await score_text(ter(case_sensitive=True), text, target=refs)
    assert cased.value == sacrebleu.sentence_ter(text, list(refs), case_sensitive=True).score


async def test_a_sample_without_references_is_an_error_not_a_zero(score_text) -> None:
    for make in (bleu, chrf, ter, rouge):
        with pytest.raises(ScorerError, match="needs a target"):
            await score_text(make(), "some output")


# --- identity, metrics, options ---------------------------------------------


def test_the_signature_carries_sacrebleus_signature() -> None:
    signature = bleu().signature
    assert f"sacrebleu=case:mixed|eff:no|tok:13a|smooth:exp|version:{sacrebleu.__version__}" in (
        signature
    )
    assert "sacrebleu_sentence=case:mixed|eff:yes" in signature
    assert "tok:intl" in bleu(tokenize="intl").signature
    assert "nc:6|nw:2" in chrf(word_order=2).signature
    assert "sacrebleu=case:lc|tok:tercom" in ter().signature


def test_each_corpus_scorer_has_a_corpus_and_a_mean_metric() -> None:
    for make in (bleu, chrf, ter):
        assert [m.name for m in make().metrics] == ["corpus", "mean"]
    assert bleu().describe()["higher_is_better"] == {"corpus": True, "mean": True}


def test_ter_is_lower_is_better() -> None:
    assert ter().describe()["higher_is_better"] == {"corpus": False, "mean": False}


@pytest.mark.parametrize(
    ("make", "args", "option"),
    [
        (bleu, {"tokenize": "nope"}, "tokenize"),
        (bleu, {"lowercase": "yes"}, "lowercase"),
        (bleu, {"smooth_method": "magic"}, "smooth_method"),
        (bleu, {"max_ngram_order": 0}, "max_ngram_order"),
        (chrf, {"char_order": -1}, "char_order"),
        (ter, {"normalized": 1}, "normalized"),
        (rouge, {"use_stemmer": "yes"}, "use_stemmer"),
    ],
)
def test_a_wrong_option_is_a_config_error(make, args, option) -> None:
    with pytest.raises(ConfigError, match=option):
        make(**args)


def test_a_missing_package_names_the_extra(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "sacrebleu.metrics", None)
    with pytest.raises(ConfigError, match=r"proctor\[metrics\]"):
        bleu()
    monkeypatch.setitem(sys.modules, "rouge_score.rouge_scorer", None)
    with pytest.raises(ConfigError, match=r"proctor\[metrics\]"):
        rouge()


def test_the_arguments_given_are_recorded() -> None:
    assert bleu(tokenize="char").args == {"tokenize": "char"}
    assert bleu.scorer_name == "bleu"


# --- rouge ------------------------------------------------------------------


@pytest.mark.parametrize("use_stemmer", [False, True])
@pytest.mark.parametrize(("text", "refs"), EXAMPLES)
async def test_rouge_equals_rouge_score(score_text, text, refs, use_stemmer) -> None:
    kinds = ["rouge1", "rouge2", "rougeL"]
    reference = rouge_scorer.RougeScorer(kinds, use_stemmer=use_stemmer)
    score = await score_text(rouge(use_stemmer=use_stemmer), text, target=refs)
    for kind in kinds:
        best = max(reference.score(ref, text)[kind].fmeasure for ref in refs)
        assert score.metadata[kind] == best
    assert score.value == score.metadata["rougeL"]


async def test_rouge_stemming_matches_inflected_words(score_text) -> None:
    refs = ("the cats were running",)
    plain = await score_text(rouge(), "the cat was run", target=refs)
    stemmed = await score_text(rouge(use_stemmer=True), "the cat was run", target=refs)
    assert stemmed.metadata["rouge1"] > plain.metadata["rouge1"]


def test_rouge_reports_one_mean_per_rouge_type() -> None:
    assert [m.name for m in rouge().metrics] == ["rouge1", "rouge2", "rougeL"]
