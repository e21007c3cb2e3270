"""`create_review_set`: seeded selection, Label Studio tasks and configs, the recorded set."""

from __future__ import annotations

from collections import Counter
from xml.etree import ElementTree

import pytest
from review_runs import QUALITY, make_pairwise, make_run

from proctor.errors import ConfigError
from proctor.review import Selection, create_review_set, parse_config
from proctor.store import Store
from proctor.store._review import get_review_set


def keys(review) -> list[tuple[str, int]]:
    return [(t["data"]["proctor_sample"], t["data"]["proctor_epoch"]) for t in review.tasks]


def test_a_rating_task_carries_our_keys_and_the_judges_verdict_as_a_prediction(
    store: Store,
) -> None:
    run = make_run(store)
    review = create_review_set(store, run, scorer="judge", selection=Selection(n=4, seed=3))
    signature = store.get_run(run).scorers[-1]["signature"]
    task = review.tasks[0]
    data = task["data"]
    assert data["proctor_run"] == run and data["proctor_scorer"] == "judge"
    assert data["proctor_signature"] == signature
    assert data["proctor_review_set"] == review.record.id
    number = int(data["proctor_sample"][1:])
    assert data["answer"].startswith(f"quality {QUALITY[number]}")
    assert data["conversation"] == f"user: question {number}"
    assert data["guidelines"] == "Is the answer helpful?"
    assert data["judge_rating"] == QUALITY[number]
    (prediction,) = task["predictions"]
    assert prediction["model_version"].startswith("python:review_judges:rate|judge_v1:")
    assert prediction["score"] == pytest.approx((QUALITY[number] - 1) / 4)  # 0–1, as the UI shows
    assert prediction["result"] == [
        {
            "from_name": "rating",
            "to_name": "answer",
            "type": "rating",
            "value": {"rating": QUALITY[number]},
        }
    ]


def test_the_rating_config_is_a_rating_of_the_answer_with_a_note() -> None:
    controls = None
    with Store("sqlite://") as store:
        review = create_review_set(store, make_run(store), scorer="judge")
        controls = parse_config(review.config)
        root = ElementTree.fromstring(review.config)
    assert root.tag == "View"
    assert {n: (c.tag, c.to_name) for n, c in controls.items()} == {
        "rating": ("Rating", "answer"),
        "comment": ("TextArea", "answer"),
    }
    assert controls["rating"].max_rating == 5
    texts = {e.get("name"): e.get("value") for e in root.iter("Text")}
    assert texts == {
        "guidelines": "$guidelines",
        "conversation": "$conversation",
        "answer": "$answer",
    }


def test_labels_and_a_scale_not_starting_at_one_are_single_choices(store: Store) -> None:
    labelled = make_run(store, judge="python:review_judges:label", labels=["bad", "ok", "good"])
    review = create_review_set(store, labelled, scorer="judge", selection=Selection(n=3))
    choices = parse_config(review.config)["rating"]
    assert (choices.tag, choices.choices) == ("Choices", ("bad", "ok", "good"))
    result = review.tasks[0]["predictions"][0]["result"][0]
    assert result["type"] == "choices" and result["value"]["choices"][0] in choices.choices

    ten = make_run(store, low=0, high=10)
    review = create_review_set(store, ten, scorer="judge", selection=Selection(n=3))
    assert parse_config(review.config)["rating"].choices == tuple(str(i) for i in range(11))


def test_a_rubric_task_lists_the_criteria_with_met_and_not_met_buckets(store: Store) -> None:
    run = make_run(store, rubric=True)
    review = create_review_set(store, run, scorer="rubric", selection=Selection(n=6))
    ranker = parse_config(review.config)["verdicts"]
    assert (ranker.tag, ranker.to_name, ranker.buckets) == (
        "Ranker",
        "criteria",
        ("met", "not_met"),
    )
    root = ElementTree.fromstring(review.config)
    buckets = {b.get("name"): (b.get("title"), b.get("default")) for b in root.iter("Bucket")}
    assert buckets == {"met": ("Met", None), "not_met": ("Not met", "true")}
    task = next(t for t in review.tasks if t["data"]["proctor_sample"] == "s3")
    items = task["data"]["criteria"]
    assert [i["id"] for i in items] == ["c1", "c2", "c3"]
    assert items[0] == {"id": "c1", "title": "+5 points", "body": "Offers a 'refund'"}
    assert items[2]["title"].startswith("-4 points — undesirable")
    # s3 answered "refund sorry whatever": every criterion met, the negative one too
    assert task["predictions"][0]["result"][0]["value"] == {
        "ranker": {"met": ["c1", "c2", "c3"], "not_met": []}
    }
    key = next(k for k in review.record.sample_keys if k["sample"] == "s3")
    assert [c["points"] for c in key["criteria"]] == [5, 3, -4]


def test_a_pairwise_task_shows_the_answers_in_a_recorded_seeded_order(store: Store) -> None:
    a, b, comparison = make_pairwise(store)
    review = create_review_set(store, a, pairwise=comparison, selection=Selection(n=12, seed=2))
    assert review.record.scorer == f"pairwise:{comparison}"
    assert review.record.options["against"] == b
    flips = [k["flip"] for k in review.record.sample_keys]
    assert any(flips) and not all(flips)  # a seeded coin per unit
    answers_a = {r.sample_id: r.output for r in store.iter_samples(a)}
    answers_b = {r.sample_id: r.output for r in store.iter_samples(b)}
    for task, key in zip(review.tasks, review.record.sample_keys, strict=True):
        data = task["data"]
        first, second = (answers_b, answers_a) if key["flip"] else (answers_a, answers_b)
        assert data["answer_a"] == first[key["sample"]]
        assert data["answer_b"] == second[key["sample"]]
        # the prediction names the better answer where it is shown
        quality_a = int(data["answer_a"].split()[1].rstrip(":"))
        quality_b = int(data["answer_b"].split()[1].rstrip(":"))
        expected = "A" if quality_a > quality_b else "B" if quality_b > quality_a else "tie"
        assert task["predictions"][0]["result"][0]["value"] == {"choices": [expected]}
    assert parse_config(review.config)["winner"].choices == ("A", "B", "tie")


def test_blind_tasks_carry_no_prediction_and_no_judge_verdict(store: Store) -> None:
    run = make_run(store)
    review = create_review_set(store, run, scorer="judge", blind=True)
    assert review.record.blind
    assert all("predictions" not in t for t in review.tasks)
    assert not any(k.startswith("judge_") for t in review.tasks for k in t["data"])
    assert all("judge" not in k for k in review.record.sample_keys)


def test_the_review_set_is_recorded_with_its_selection_and_config(store: Store) -> None:
    run = make_run(store)
    selection = Selection(strategy="low-confidence", n=5, seed=9, threshold=0.6)
    review = create_review_set(store, run, scorer="judge", selection=selection)
    stored = get_review_set(store, review.record.id)
    assert (stored.strategy, stored.seed, stored.n, stored.kind) == (
        "low-confidence",
        9,
        5,
        "rating",
    )
    assert stored.options["selection"]["threshold"] == 0.6
    assert stored.options["scale"] == {"low": 1, "high": 5, "labels": None}
    assert stored.config == review.config
    assert [(k["sample"], k["epoch"]) for k in stored.sample_keys] == keys(review)


def test_the_same_seed_selects_the_same_units(store: Store) -> None:
    run = make_run(store)
    first = create_review_set(store, run, scorer="judge", selection=Selection(n=5, seed=4))
    again = create_review_set(store, run, scorer="judge", selection=Selection(n=5, seed=4))
    other = create_review_set(store, run, scorer="judge", selection=Selection(n=5, seed=5))
    assert keys(first) == keys(again) != keys(other)
    assert len(set(keys(first))) == 5


def test_every_epoch_is_a_unit(store: Store) -> None:
    run = make_run(store, epochs=2, n=4)
    review = create_review_set(store, run, scorer="judge", selection=Selection(n=100))
    assert sorted(keys(review)) == [(f"s{i}", e) for i in range(4) for e in (0, 1)]
    assert review.available == 8


def test_stratified_covers_every_slice_in_proportion(store: Store) -> None:
    run = make_run(store, n=12)  # topics billing, shipping, returns: four samples each
    review = create_review_set(
        store, run, scorer="judge", selection=Selection(strategy="stratified", n=6, seed=1)
    )
    topics = Counter(["billing", "shipping", "returns"][int(s[1:]) % 3] for s, _ in keys(review))
    assert topics == {"billing": 2, "shipping": 2, "returns": 2}
    small = create_review_set(
        store, run, scorer="judge", selection=Selection(strategy="stratified", n=3, seed=2)
    )
    assert len({int(s[1:]) % 3 for s, _ in keys(small)}) == 3


def test_stratified_needs_slices_or_keys(store: Store) -> None:
    run = make_run(store, slices=())
    with pytest.raises(ConfigError, match="no slices to stratify by"):
        create_review_set(store, run, scorer="judge", selection=Selection(strategy="stratified"))
    review = create_review_set(
        store, run, scorer="judge", selection=Selection(strategy="stratified", by=("topic",), n=3)
    )
    assert len({int(s[1:]) % 3 for s, _ in keys(review)}) == 3


def test_disagreement_favours_where_the_jury_disagrees(store: Store) -> None:
    # `harsh` rates one below `rate` except at quality 1, where both say 1
    run = make_run(store, judge=["python:review_judges:rate", "python:review_judges:harsh"])
    review = create_review_set(
        store, run, scorer="judge", selection=Selection(strategy="disagreement", n=10, seed=1)
    )
    chosen = {int(s[1:]) for s, _ in keys(review)}
    agreed = {i for i, q in enumerate(QUALITY) if q == 1}
    assert chosen == set(range(12)) - agreed


def test_disagreement_with_a_reference_scorer_puts_the_largest_gap_first(store: Store) -> None:
    run = make_run(store, extra=("exact_match",))  # exact match is 0 everywhere here
    review = create_review_set(
        store,
        run,
        scorer="judge",
        selection=Selection(strategy="disagreement", reference="exact_match", n=2, seed=0),
    )
    assert {QUALITY[int(s[1:])] for s, _ in keys(review)} == {5}  # judge 1.0 vs reference 0


def test_disagreement_of_one_judge_needs_a_reference(store: Store) -> None:
    run = make_run(store)
    with pytest.raises(ConfigError, match="--reference SCORER"):
        create_review_set(store, run, scorer="judge", selection=Selection(strategy="disagreement"))


def test_disagreement_of_a_pairwise_judge_is_its_order_flips(store: Store) -> None:
    a, _, comparison = make_pairwise(store, judge="python:review_judges:first_shown")
    review = create_review_set(
        store, a, pairwise=comparison, selection=Selection(strategy="disagreement", n=3)
    )
    assert len(review.tasks) == 3  # every verdict flipped with the order: all tie, all chosen
    assert all(t["data"]["judge_winner"] == "tie" for t in review.tasks)


def test_low_confidence_favours_scores_near_the_threshold(store: Store) -> None:
    run = make_run(store)
    review = create_review_set(
        store,
        run,
        scorer="judge",
        selection=Selection(strategy="low-confidence", n=3, threshold=0.5, seed=0),
    )
    assert {QUALITY[int(s[1:])] for s, _ in keys(review)} == {3}  # rating 3 is 0.5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scorer": "nope"}, "has no scorer 'nope'"),
        ({"scorer": "exact_match"}, "review covers judges"),
        ({}, "name what to review"),
        ({"scorer": "judge", "pairwise": "x"}, "name what to review"),
    ],
)
def test_what_cannot_be_reviewed_is_a_config_error(store: Store, kwargs, message) -> None:
    run = make_run(store, extra=("exact_match",))
    with pytest.raises(ConfigError, match=message):
        create_review_set(store, run, **kwargs)


def test_an_unknown_strategy_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown selection strategy 'often'"):
        Selection(strategy="often")  # type: ignore[arg-type]
