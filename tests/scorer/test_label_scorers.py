"""The label scorer: normalise the output to a label, compare it with the target label."""

from __future__ import annotations

import pytest

from proctor.errors import ConfigError, ScorerError
from proctor.scorer._labels import INVALID_LABEL, LabelSet, fold_label, label

TEAMS = ["Billing", "Tech Support", "Account"]


def test_fold_label_folds_case_punctuation_and_whitespace() -> None:
    assert fold_label("  TECH-support.\n") == "tech support"
    assert fold_label("Billing!!!") == "billing"
    assert fold_label("«Straße»") == "strasse"
    assert fold_label("...") == ""


async def test_a_matching_label_is_right_and_spelled_as_declared(score_text) -> None:
    score = await score_text(label(labels=TEAMS), " tech_support! ", target="Tech Support")
    assert score.value is True
    assert score.answer == "Tech Support"
    assert score.metadata == {"gold": "Tech Support", "pred": "Tech Support"}


async def test_a_different_label_is_wrong_and_names_both(score_text) -> None:
    score = await score_text(label(labels=TEAMS), "account", target="billing")
    assert score.value is False
    assert score.metadata == {"gold": "Billing", "pred": "Account"}
    assert "'Account'" in score.explanation and "'Billing'" in score.explanation


async def test_an_output_outside_the_labels_is_the_invalid_label_not_an_error(score_text) -> None:
    score = await score_text(label(labels=TEAMS), "I think it is sales", target="Billing")
    assert score.value is False
    assert score.answer == INVALID_LABEL
    assert score.metadata == {"gold": "Billing", "pred": INVALID_LABEL}
    assert "not one of the labels" in score.explanation


async def test_an_empty_output_is_invalid_even_without_declared_labels(score_text) -> None:
    score = await score_text(label(), "  ...  ", target="billing")
    assert (score.value, score.answer) == (False, INVALID_LABEL)


async def test_without_labels_any_folded_text_is_a_label(score_text) -> None:
    score = await score_text(label(), "Refund Request.", target="refund request")
    assert score.value is True
    assert score.metadata == {"gold": "refund request", "pred": "refund request"}
    other = await score_text(label(), "banana", target="refund request")
    assert other.metadata["pred"] == "banana"


async def test_mapping_turns_synonyms_into_the_canonical_label(score_text) -> None:
    scorer = label(labels=TEAMS, mapping={"Invoice": "billing", "IT": "tech support"})
    assert (await score_text(scorer, "invoice.", target="Billing")).answer == "Billing"
    assert (await score_text(scorer, "it", target="Tech Support")).value is True


async def test_mapping_applies_to_the_target_too(score_text) -> None:
    scorer = label(mapping={"pos": "positive", "neg": "negative"})
    score = await score_text(scorer, "Positive", target="pos")
    assert score.value is True
    assert score.metadata == {"gold": "positive", "pred": "positive"}


async def test_a_target_outside_the_labels_is_a_scorer_error(score_text) -> None:
    with pytest.raises(ScorerError, match="not one of the labels"):
        await score_text(label(labels=TEAMS), "Billing", target="Sales")


async def test_a_sample_without_target_or_with_several_is_a_scorer_error(score_text) -> None:
    with pytest.raises(ScorerError, match="needs a target"):
        await score_text(label(labels=TEAMS), "Billing")
    with pytest.raises(ScorerError, match="one target label"):
        await score_text(label(labels=TEAMS), "Billing", target=("Billing", "Account"))


def test_labels_that_fold_to_the_same_text_are_a_config_error() -> None:
    with pytest.raises(ConfigError, match="same once case"):
        label(labels=["Tech Support", "tech-support"])


def test_invalid_label_options_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="non-empty list"):
        label(labels="billing")
    with pytest.raises(ConfigError, match="non-empty list"):
        label(labels=[])
    with pytest.raises(ConfigError, match="reserved"):
        label(labels=["ok", INVALID_LABEL])
    with pytest.raises(ConfigError, match="empty once folded"):
        label(labels=["ok", "?!"])
    with pytest.raises(ConfigError, match="not text"):
        label(labels=["ok", 3])


def test_invalid_mappings_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="not one of the labels"):
        label(labels=TEAMS, mapping={"invoice": "Sales"})
    with pytest.raises(ConfigError, match="two labels"):
        label(labels=TEAMS, mapping={"IT": "Tech Support", "it!": "Account"})
    with pytest.raises(ConfigError, match="empty side"):
        label(mapping={"...": "billing"})
    with pytest.raises(ConfigError, match="must be a mapping"):
        label(mapping=["billing"])


def test_label_set_resolves_to_declared_spelling_or_none() -> None:
    labels = LabelSet.build(["Billing"], {"invoice": "BILLING"})
    assert labels.resolve("Invoice") == "Billing"
    assert labels.resolve("billing ") == "Billing"
    assert labels.resolve("bill") is None


def test_metrics_include_per_label_figures_only_for_declared_labels() -> None:
    undeclared = [m.name for m in label().metrics]
    assert undeclared == [
        "accuracy",
        "precision_micro",
        "recall_micro",
        "f1_micro",
        "precision_macro",
        "recall_macro",
        "f1_macro",
    ]
    declared = [m.name for m in label(labels=TEAMS).metrics]
    assert declared[7:10] == ["precision:Billing", "recall:Billing", "f1:Billing"]
    assert len(declared) == 7 + 3 * len(TEAMS)


def test_signature_records_labels_and_mapping() -> None:
    assert label(labels=TEAMS).signature != label(labels=TEAMS[:2]).signature
    assert label(labels=TEAMS).args == {"labels": TEAMS}
    assert label.scorer_name == "label"
