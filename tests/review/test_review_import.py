"""Reading Label Studio's JSON export back: checked against the config, stored as human scores."""

from __future__ import annotations

import json
from pathlib import Path

import ls_exports as lx
import pytest
from review_runs import make_pairwise, make_run

from proctor.engine._aggregate import run_metrics, sample_scores
from proctor.errors import ConfigError
from proctor.review import Selection, create_review_set, import_review, read_export
from proctor.scorer._score import rebuild_scorer
from proctor.store import Store
from proctor.store._review import human_scores, review_items_of


def rating_review(store: Store, **kwargs):
    run = make_run(store)
    return run, create_review_set(
        store, run, scorer="judge", selection=Selection(n=4, seed=1), **kwargs
    )


def humans(store: Store, run: str, scorer: str = "judge") -> dict[tuple[str, str], object]:
    return {(s, r.annotator): r for s, _, r in human_scores(store, run, scorer)}


def test_judgments_become_human_scores_with_annotator_origin_and_lead_time(store: Store) -> None:
    run, review = rating_review(store)
    tasks = review.tasks
    kept, changed = lx.shown(tasks[0]), lx.shown(tasks[1])
    export = lx.export_of(
        tasks,
        {
            0: [
                lx.annotation(lx.rating(kept, origin="prediction"), user=7, lead_time=3.5),
                lx.annotation(
                    lx.rating(5, origin="manual"),
                    lx.note("clearly helpful"),
                    user={"id": 8, "email": "ana@example.org"},
                ),
            ],
            1: [lx.annotation(lx.rating(changed % 5 + 1, origin="prediction-changed"), user=7)],
            2: [lx.annotation(user=7, cancelled=True)],
        },
    )
    summary = import_review(store, run, export, users={7: "bo@example.org"})
    assert (sum(summary.done.values()), sum(summary.skipped.values())) == (3, 1)
    assert summary.origins == {"kept": 1, "changed": 1, "added": 1}
    assert summary.annotators == {"bo@example.org", "ana@example.org"}

    stored = humans(store, run)
    first = tasks[0]["data"]["proctor_sample"]
    bo = stored[(first, "bo@example.org")]
    assert bo.source == "human" and bo.scorer == "judge"
    assert bo.value == pytest.approx((kept - 1) / 4) and bo.answer == str(kept)
    assert bo.metadata["rating"] == kept and bo.metadata["origin"] == "kept"
    assert bo.metadata["lead_time"] == 3.5 and bo.metadata["review_set"] == review.record.id
    assert bo.metadata["task"] == 100
    ana = stored[(first, "ana@example.org")]  # several reviewers of a unit: separate scores
    assert ana.value == 1.0 and ana.metadata["origin"] == "added"
    assert ana.explanation == "clearly helpful"
    second = tasks[1]["data"]["proctor_sample"]
    assert stored[(second, "bo@example.org")].metadata["origin"] == "changed"
    skipped = tasks[2]["data"]["proctor_sample"]
    assert not any(s == skipped for s, _ in stored)  # a skip is no score
    items = {(i.sample_id, i.annotator): i for i in review_items_of(store, [review.record.id])}
    assert items[(skipped, "bo@example.org")].status == "skipped"
    assert items[(first, "bo@example.org")].result == {"rating": kept}


def test_human_scores_appear_in_the_sample_beside_the_judges(store: Store) -> None:
    run, review = rating_review(store)
    import_review(store, run, lx.export_of(review.tasks, {0: [lx.annotation(lx.rating(2))]}))
    sample = review.tasks[0]["data"]["proctor_sample"]
    (record,) = store.get_samples(run, [sample])
    assert [s.source for s in record.scores] == ["judge", "human"]


def test_without_origins_the_judges_shown_verdict_tells_kept_from_changed(store: Store) -> None:
    run, review = rating_review(store)
    tasks = review.tasks
    export = lx.export_of(
        tasks,
        {
            0: [lx.annotation(lx.rating(lx.shown(tasks[0])))],
            1: [lx.annotation(lx.rating(lx.shown(tasks[1]) % 5 + 1))],
        },
    )
    summary = import_review(store, run, export)
    assert summary.origins == {"kept": 1, "changed": 1}


def test_a_blind_review_is_all_added(store: Store) -> None:
    run, review = rating_review(store, blind=True)
    export = lx.export_of(review.tasks, {0: [lx.annotation(lx.rating(3, origin="manual"))]})
    assert import_review(store, run, export).origins == {"added": 1}


def test_importing_again_replaces_rather_than_adds(store: Store) -> None:
    run, review = rating_review(store)
    export = lx.export_of(review.tasks, {0: [lx.annotation(lx.rating(2), user=1)]})
    import_review(store, run, export)
    newer = lx.export_of(
        review.tasks,
        {0: [lx.annotation(lx.rating(4), user=1, updated_at="2026-02-01T00:00:00Z")]},
    )
    import_review(store, run, newer)
    import_review(store, run, newer)
    scores = human_scores(store, run, "judge")
    assert [r.metadata["rating"] for _, _, r in scores] == [4]
    assert len(review_items_of(store, [review.record.id])) == 1


def test_a_later_annotation_by_the_same_person_stands(store: Store) -> None:
    run, review = rating_review(store)
    export = lx.export_of(
        review.tasks,
        {
            0: [
                lx.annotation(lx.rating(5), user=1, updated_at="2026-01-03T00:00:00Z"),
                lx.annotation(lx.rating(1), user=1, updated_at="2026-01-02T00:00:00Z"),
            ]
        },
    )
    import_review(store, run, export)
    assert [r.metadata["rating"] for _, _, r in human_scores(store, run, "judge")] == [5]


def test_a_rubric_review_keeps_the_criteria_in_the_judges_shape(store: Store) -> None:
    run = make_run(store, rubric=True)
    review = create_review_set(store, run, scorer="rubric", selection=Selection(n=12))
    index = next(i for i, t in enumerate(review.tasks) if t["data"]["proctor_sample"] == "s0")
    every = ["c1", "c2", "c3"]
    export = lx.export_of(
        review.tasks,
        {index: [lx.annotation(lx.criteria(["c1", "c3"], every, origin="prediction-changed"))]},
    )
    import_review(store, run, export)
    ((sample, epoch, score),) = human_scores(store, run, "rubric")
    assert (sample, epoch) == ("s0", 0)
    assert [(c["criterion"], c["points"], c["met"]) for c in score.metadata["criteria"]] == [
        ("Offers a 'refund'", 5, True),
        ("Says 'sorry'", 3, False),
        ("Says 'whatever', dismissively", -4, True),
    ]
    assert score.metadata["criteria"][0]["tags"] == ["axis:completeness"]
    assert score.value == pytest.approx((5 - 4) / 8)
    assert (score.metadata["achieved"], score.metadata["possible"]) == (1.0, 8.0)
    assert score.metadata["origin"] == "changed"


def test_a_pairwise_verdict_is_read_through_the_order_it_was_shown_in(store: Store) -> None:
    a, b, comparison = make_pairwise(store)
    review = create_review_set(store, a, pairwise=comparison, selection=Selection(n=12, seed=2))
    flipped = next(i for i, k in enumerate(review.record.sample_keys) if k["flip"])
    straight = next(i for i, k in enumerate(review.record.sample_keys) if not k["flip"])
    export = lx.export_of(
        review.tasks,
        {flipped: [lx.annotation(lx.winner("A"))], straight: [lx.annotation(lx.winner("A"))]},
    )
    import_review(store, a, export)
    found = {s: r for s, _, r in human_scores(store, a, f"pairwise:{comparison}")}
    # "A" is run b's answer where the order was flipped: run a lost
    lost = found[review.record.sample_keys[flipped]["sample"]]
    won = found[review.record.sample_keys[straight]["sample"]]
    assert (lost.value, lost.metadata["verdict"]) == (0.0, "b")
    assert (won.value, won.metadata["verdict"]) == (1.0, "a")
    assert won.metadata["run_b"] == b and won.metadata["pairwise"] == comparison


def test_human_scores_stay_out_of_the_runs_metrics_and_comparisons(store: Store) -> None:
    run, review = rating_review(store)
    before = [m.value for m in store.get_metrics(run)]
    export = lx.export_of(
        review.tasks, {i: [lx.annotation(lx.rating(5))] for i in range(len(review.tasks))}
    )
    import_review(store, run, export)
    for row in sample_scores(store, run):
        assert all(s.source != "human" for scores in row.scores.values() for s in scores)
    record = store.get_run(run)
    metrics, counts = run_metrics(store, record, [rebuild_scorer(e) for e in record.scorers])
    assert [m.value for m in metrics] == before
    assert counts.scored == 12


def bad_export(store: Store, kind: str):
    """A review set of `kind` and an export whose first task is wrong as `kind` says."""
    if kind == "rubric":
        run = make_run(store, rubric=True)
        review = create_review_set(store, run, scorer="rubric", selection=Selection(n=3))
    else:
        run, review = rating_review(store)
    return run, review


INVALID = {
    "unknown control": (
        "rating",
        lambda t: [lx.annotation({**lx.rating(3), "from_name": "score"})],
        "task 100 \\(sample s\\d+, epoch 0\\): annotation \\d+ has a result for control 'score', "
        "which the labeling config does not have",
    ),
    "out-of-range rating": (
        "rating",
        lambda t: [lx.annotation(lx.rating(7))],
        "task 100 .*rating 7 is out of range \\(1 to 5\\)",
    ),
    "unknown choice": (
        "rating",
        lambda t: [lx.annotation(lx.choice("great", name="rating"))],
        "task 100 .*control 'rating' is a Rating, but the result's type is 'choices'",
    ),
    "wrong object": (
        "rating",
        lambda t: [lx.annotation({**lx.rating(3), "to_name": "conversation"})],
        "task 100 .*control 'rating' labels 'answer', but the result points at 'conversation'",
    ),
    "no rating": (
        "rating",
        lambda t: [lx.annotation(lx.note("unsure"), user=3)],
        "task 100 .*by label-studio-user-3 gives no rating",
    ),
    "missing criterion verdict": (
        "rubric",
        lambda t: [
            lx.annotation(
                {**lx.criteria(["c1"], []), "value": {"ranker": {"met": ["c1"], "not_met": ["c2"]}}}
            )
        ],
        "task 100 .*criterion c3 \\(\"Says 'whatever', dismissively\"\\) has no verdict",
    ),
    "criterion not in the rubric": (
        "rubric",
        lambda t: [lx.annotation(lx.criteria(["c1", "c9"], ["c1", "c2", "c3"]))],
        "task 100 .*criterion 'c9' is not in this sample's rubric",
    ),
    "unknown bucket": (
        "rubric",
        lambda t: [
            lx.annotation(
                {**lx.criteria([], []), "value": {"ranker": {"maybe": ["c1", "c2", "c3"]}}}
            )
        ],
        "task 100 .*bucket 'maybe' is not one of met, not_met",
    ),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_an_invalid_result_is_refused_naming_its_task(store: Store, case: str) -> None:
    kind, annotations, message = INVALID[case]
    run, review = bad_export(store, kind)
    good = lx.annotation(lx.rating(3)) if kind == "rating" else None
    tasks = {0: annotations(review.tasks[0])}
    if good is not None:
        tasks[1] = [good]
    with pytest.raises(ConfigError, match=message) as caught:
        import_review(store, run, lx.export_of(review.tasks, tasks), source="export.json")
    assert str(caught.value).startswith("export.json: ")
    assert human_scores(store, run, review.record.scorer) == []  # nothing stored
    assert review_items_of(store, [review.record.id]) == []


def test_a_choice_the_config_does_not_offer_is_refused(store: Store) -> None:
    run = make_run(store, judge="python:review_judges:label", labels=["bad", "ok", "good"])
    review = create_review_set(store, run, scorer="judge", selection=Selection(n=2))
    export = lx.export_of(review.tasks, {1: [lx.annotation(lx.choice("great"))]})
    with pytest.raises(ConfigError, match=r"task 101 .*choice 'great' is not one of bad, ok, good"):
        import_review(store, run, export)


def test_tasks_of_another_run_or_judge_signature_are_refused(store: Store) -> None:
    run, review = rating_review(store)
    other, other_review = rating_review(store)
    export = lx.export_of(other_review.tasks, {0: [lx.annotation(lx.rating(3))]})
    with pytest.raises(ConfigError, match=f"task 100 .*: it belongs to run {other}, not run {run}"):
        import_review(store, run, export)

    changed = lx.export_of(review.tasks, {0: [lx.annotation(lx.rating(3))]})
    changed[0]["data"]["proctor_signature"] = "judge|v1|args=x|judge=openai:other|prompt=p"
    with pytest.raises(ConfigError, match="made for judge signature judge\\|v1\\|args=x"):
        import_review(store, run, changed)

    unknown = lx.export_of(review.tasks, {0: [lx.annotation(lx.rating(3))]})
    unknown[0]["data"]["proctor_review_set"] = "0123456789ab"
    with pytest.raises(
        ConfigError, match=r"task 100 .*: review set 0123456789ab is not in this store"
    ):
        import_review(store, run, unknown)

    foreign = lx.export_of(review.tasks, {})
    foreign[0]["data"] = {"text": "someone else's task"}
    with pytest.raises(ConfigError, match="task 100: not a Proctor review task"):
        import_review(store, run, foreign)


def test_every_problem_is_counted_in_the_one_message(store: Store) -> None:
    run, review = rating_review(store)
    export = lx.export_of(
        review.tasks, {i: [lx.annotation(lx.rating(9))] for i in range(len(review.tasks))}
    )
    with pytest.raises(ConfigError, match=r"\(and 3 more problems\)$"):
        import_review(store, run, export)


def test_a_json_min_export_and_other_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps([{"id": 1, "rating": 4, "proctor_sample": "s1"}]))
    with pytest.raises(ConfigError, match="JSON_MIN export"):
        read_export(path)
    path.write_text(json.dumps({"tasks": []}))
    with pytest.raises(ConfigError, match="expected a list of tasks"):
        read_export(path)
    path.write_text("[{")
    with pytest.raises(ConfigError, match=f"{path}:1: not JSON"):
        read_export(path)
    with pytest.raises(ConfigError, match="cannot read"):
        read_export(tmp_path / "missing.json")
