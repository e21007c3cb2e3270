"""The extraction scorer: field-level precision, recall and F1 of a JSON object."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
from sklearn.metrics import precision_recall_fscore_support

from proctor.errors import ConfigError, ScorerError
from proctor.metrics import SampleScores, compute_metrics
from proctor.scorer._extraction import extraction, field_counts, flatten_fields

INVOICE = {"vendor": "ACME Corp", "total": 42.5, "currency": "EUR"}


async def test_an_identical_object_has_f1_one(score_text) -> None:
    score = await score_text(extraction(), json.dumps(INVOICE), target=json.dumps(INVOICE))
    assert score.value == 1.0
    assert (score.metadata["tp"], score.metadata["fp"], score.metadata["fn"]) == (3, 0, 0)


async def test_counts_true_false_positives_and_misses(score_text) -> None:
    output = {"vendor": "acme  corp", "total": 40, "date": "2024-01-01"}
    score = await score_text(extraction(), json.dumps(output), target=json.dumps(INVOICE))
    meta = score.metadata
    assert (meta["tp"], meta["fp"], meta["fn"]) == (1, 2, 2)
    assert meta["precision"] == pytest.approx(1 / 3)
    assert meta["recall"] == pytest.approx(1 / 3)
    assert score.value == pytest.approx(1 / 3)
    assert meta["missed"] == ["currency", "total"]
    assert meta["unexpected"] == ["date", "total"]


def test_nested_objects_are_flattened_with_dotted_keys() -> None:
    items = flatten_fields({"address": {"city": "Oslo", "geo": {"lat": 59.9}}, "name": "Ann"})
    assert items == Counter(
        {("address.city", "oslo"): 1, ("address.geo.lat", "59.9"): 1, ("name", "ann"): 1}
    )


def test_lists_are_multisets_of_elements() -> None:
    reference = flatten_fields({"tags": ["a", "b", "a"]})
    assert field_counts(reference, flatten_fields({"tags": ["b", "a"]})) == (2, 0, 1)
    assert field_counts(reference, flatten_fields({"tags": ["a", "a", "a", "b"]})) == (3, 1, 0)
    assert field_counts(reference, flatten_fields({"tags": ["b", "a", "a"]})) == (3, 0, 0)


def test_objects_inside_lists_are_compared_whole() -> None:
    reference = flatten_fields({"items": [{"sku": "A1", "qty": 2}, {"sku": "B2", "qty": 1}]})
    predicted = flatten_fields({"items": [{"qty": 2.0, "sku": "a1"}, {"sku": "B2", "qty": 3}]})
    assert field_counts(reference, predicted) == (1, 1, 1)


def test_values_are_normalised_to_text() -> None:
    assert flatten_fields({"n": 1.0}) == flatten_fields({"n": 1}) == flatten_fields({"n": "1"})
    assert flatten_fields({"b": True}) == flatten_fields({"b": "TRUE"})
    assert flatten_fields({"s": " New\tYork "}) == flatten_fields({"s": "new york"})
    assert flatten_fields({"s": "A"}, ignore_case=False) != flatten_fields({"s": "a"})


def test_null_and_empty_containers_hold_no_item() -> None:
    assert flatten_fields({"a": None, "b": {}, "c": [], "d": [None]}) == Counter()


async def test_keys_are_compared_exactly(score_text) -> None:
    score = await score_text(
        extraction(), '{"Vendor": "ACME Corp"}', target='{"vendor": "acme corp"}'
    )
    assert (score.metadata["tp"], score.metadata["fp"], score.metadata["fn"]) == (0, 1, 1)


async def test_json_is_read_from_a_fenced_block(score_text) -> None:
    output = 'Here you go:\n```json\n{"vendor": "ACME Corp", "total": 42.5}\n```\nAnything else?'
    score = await score_text(extraction(), output, target=json.dumps(INVOICE))
    assert (score.metadata["tp"], score.metadata["fn"]) == (2, 1)


async def test_invalid_json_misses_every_reference_field_and_says_where(score_text) -> None:
    score = await score_text(extraction(), '{"vendor": "ACME",}', target=json.dumps(INVOICE))
    assert score.value == 0.0
    assert (score.metadata["tp"], score.metadata["fp"], score.metadata["fn"]) == (0, 0, 3)
    assert score.explanation.startswith(
        "invalid JSON: Expecting property name enclosed in double quotes at line 1, column 19"
    )


async def test_output_that_is_not_an_object_is_wrong(score_text) -> None:
    score = await score_text(extraction(), '["ACME Corp"]', target=json.dumps(INVOICE))
    assert score.value == 0.0
    assert "JSON array, not an object" in score.explanation
    assert score.metadata["fn"] == 3


async def test_both_sides_empty_is_a_perfect_score(score_text) -> None:
    score = await score_text(extraction(), "{}", target='{"note": null}')
    assert score.value == 1.0
    assert (score.metadata["precision"], score.metadata["recall"]) == (1.0, 1.0)


async def test_an_empty_output_object_against_fields_is_zero(score_text) -> None:
    score = await score_text(extraction(), "{}", target=json.dumps(INVOICE))
    assert (score.value, score.metadata["precision"], score.metadata["recall"]) == (0.0, 0.0, 0.0)


async def test_reference_may_come_from_metadata_as_object_or_text(score_text) -> None:
    scorer = extraction(reference_key="fields")
    as_object = await score_text(scorer, json.dumps(INVOICE), metadata={"fields": INVOICE})
    as_text = await score_text(
        scorer, json.dumps(INVOICE), metadata={"fields": json.dumps(INVOICE)}
    )
    assert as_object.value == as_text.value == 1.0


async def test_a_missing_or_broken_reference_is_a_scorer_error(score_text) -> None:
    with pytest.raises(ScorerError, match="needs a target"):
        await score_text(extraction(), "{}")
    with pytest.raises(ScorerError, match=r"not JSON: .* at line 1, column 2"):
        await score_text(extraction(), "{}", target="{vendor: 1}")
    with pytest.raises(ScorerError, match="not a JSON object"):
        await score_text(extraction(), "{}", target="[1, 2]")
    with pytest.raises(ScorerError, match="one target object"):
        await score_text(extraction(), "{}", target=("{}", "{}"))
    with pytest.raises(ScorerError, match="no metadata 'fields'"):
        await score_text(extraction(reference_key="fields"), "{}", target="{}")


def test_invalid_options_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="reference_key"):
        extraction(reference_key=3)
    with pytest.raises(ConfigError, match="ignore_case"):
        extraction(ignore_case="no")


def test_metrics_are_micro_precision_recall_f1_and_the_mean_f1() -> None:
    assert [m.name for m in extraction().metrics] == ["precision", "recall", "f1", "mean"]


async def test_corpus_figures_equal_sklearn_micro_over_the_items(score_text) -> None:
    cases = [
        ({"a": 1, "b": "x", "c": {"d": True}}, {"a": 1, "b": "y", "c": {"d": True}}),
        ({"a": 2, "tags": ["p", "q"]}, {"a": 2, "tags": ["q"], "extra": 0}),
        ({"a": 3}, "not json"),
        ({"b": "z", "c": {"d": False}}, {"b": "Z", "c": {"d": False}}),
    ]
    rows = []
    scorer = extraction()
    for i, (reference, output) in enumerate(cases):
        text = output if isinstance(output, str) else json.dumps(output)
        score = await score_text(scorer, text, target=json.dumps(reference))
        rows.append(SampleScores(f"s{i}", scores={"extraction": [score]}))
    figures = {v.metric: v for v in compute_metrics(rows, [scorer])}
    # the same items, binarized per sample, through scikit-learn's micro average
    refs = [flatten_fields(r) for r, _ in cases]
    preds = [flatten_fields(o) if isinstance(o, dict) else Counter() for _, o in cases]
    universe = sorted(set().union(*refs, *preds))
    truth = np.array([[item in r for item in universe] for r in refs])
    guess = np.array([[item in p for item in universe] for p in preds])
    p, r, f, _ = precision_recall_fscore_support(truth, guess, average="micro", zero_division=0)
    assert figures["precision"].value == pytest.approx(p)
    assert figures["recall"].value == pytest.approx(r)
    assert figures["f1"].value == pytest.approx(f)
    assert figures["mean"].value == pytest.approx(
        np.mean([row.scores["extraction"][0].value for row in rows])
    )
    assert figures["f1"].method == "bootstrap"
