"""Review sets, review items, human scores and calibrations in the store (both backends)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from store_factories import make_sample

from proctor.errors import StoreError
from proctor.store import ScoreRecord, Store
from proctor.store._review import (
    CalibrationRecord,
    ReviewItemRecord,
    ReviewSetRecord,
    get_review_set,
    human_scores,
    latest_calibration,
    list_review_sets,
    review_items_of,
    save_review_set,
    set_label_studio,
    write_calibration,
    write_review,
)


def review_set(run_id: str, review_id: str = "r1", **overrides) -> ReviewSetRecord:
    values = {
        "id": review_id,
        "run_id": run_id,
        "scorer": "judge",
        "signature": "judge|v1|args=x|judge=openai:m|prompt=judge_v1:abc",
        "kind": "rating",
        "strategy": "random",
        "seed": 0,
        "n": 2,
        "blind": False,
        "sample_keys": [{"sample": "s0", "epoch": 0}, {"sample": "s1", "epoch": 0}],
        "config": "<View/>",
        "options": {"scale": {"low": 1, "high": 5, "labels": None}},
    }
    values.update(overrides)
    return ReviewSetRecord(**values)


def person(rating: int, annotator: str = "ana") -> ScoreRecord:
    return ScoreRecord(
        "judge",
        (rating - 1) / 4,
        answer=str(rating),
        metadata={"rating": rating, "review_set": "r1"},
        source="human",
        annotator=annotator,
    )


def item(sample: str, annotator: str = "ana", status: str = "done") -> ReviewItemRecord:
    return ReviewItemRecord("r1", sample, 0, annotator, status, 2.5, {"rating": 3}, "kept")


def test_a_review_set_is_kept_and_found_by_prefix(store: Store, run_factory) -> None:
    run = run_factory()
    save_review_set(store, review_set(run.id, "abc123"))
    found = get_review_set(store, "abc")
    assert found.sample_keys[1] == {"sample": "s1", "epoch": 0}
    assert found.created_at is not None and found.label_studio is None
    set_label_studio(store, "abc123", url="http://127.0.0.1:8080", project=4)
    assert get_review_set(store, "abc123").label_studio == {
        "url": "http://127.0.0.1:8080",
        "project": 4,
    }
    assert [s.id for s in list_review_sets(store, run.id, scorer="judge")] == ["abc123"]
    with pytest.raises(StoreError, match="no review set matches"):
        get_review_set(store, "zzz")
    with pytest.raises(StoreError, match="cannot record review set"):
        save_review_set(store, review_set("no-such-run", "other"))


def test_items_and_human_scores_are_written_together_and_replaced_per_person(
    store: Store, run_factory
) -> None:
    run = run_factory()
    store.write_samples([make_sample(run.id, 0), make_sample(run.id, 1)])
    save_review_set(store, review_set(run.id))
    write_review(
        store,
        run.id,
        [item("s0"), item("s0", "bo"), item("s1")],
        [("s0", 0, person(2)), ("s0", 0, person(4, "bo")), ("s1", 0, person(5))],
    )
    write_review(store, run.id, [item("s0")], [("s0", 0, person(3))])
    write_review(store, run.id, [item("s1", status="skipped")], [])  # a skip withdraws the score
    found = {
        (s, r.annotator): r.metadata["rating"] for s, _, r in human_scores(store, run.id, "judge")
    }
    assert found == {("s0", "ana"): 3, ("s0", "bo"): 4}
    items = {(i.sample_id, i.annotator): i.status for i in review_items_of(store, ["r1"])}
    assert items == {("s0", "ana"): "done", ("s0", "bo"): "done", ("s1", "ana"): "skipped"}
    # the judge's own scores are untouched
    (record,) = store.get_samples(run.id, ["s0"])
    assert [s.source for s in record.scores] == ["scorer", "judge", "human", "human"]


def test_a_human_score_for_a_sample_not_stored_is_refused(store: Store, run_factory) -> None:
    run = run_factory()
    save_review_set(store, review_set(run.id))
    with pytest.raises(StoreError, match="cannot store the review"):
        write_review(store, run.id, [], [("s9", 0, person(2))])


def test_the_latest_calibration_of_a_signature_is_found(store: Store, run_factory) -> None:
    run = run_factory()
    now = datetime.now(UTC)
    for age, value in ((2, 0.5), (1, 0.7)):
        write_calibration(
            store,
            CalibrationRecord(
                "sig", "judge", run.id, ["r1"], {"agreement": value}, now - timedelta(hours=age)
            ),
        )
    latest = latest_calibration(store, "sig")
    assert latest is not None and latest.figures == {"agreement": 0.7}
    assert latest_calibration(store, "other") is None
