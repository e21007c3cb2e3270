"""`calibrate`: a judge's agreement with people on stored reviews, equal to the reference
implementations on the same pairs, kept per judge signature; compare's warnings."""

from __future__ import annotations

import random

import ls_exports as lx
import numpy as np
import pytest
from review_runs import QUALITY, make_pairwise, make_run
from scipy.stats import spearmanr
from sklearn.metrics import cohen_kappa_score, f1_score

from proctor.compare import compare
from proctor.compare._gates import calibration_warnings
from proctor.errors import ConfigError
from proctor.review import Selection, calibrate, calibration_for, create_review_set, import_review
from proctor.store import Store

SCALE = [1, 2, 3, 4, 5]


def figure(result, name: str, group: str = "judge_vs_human") -> dict:
    return next(f for f in result.to_dict()[group] if f["name"] == name)


def reviewed_ratings(store: Store, *, judge=None, people=("ana", "bo", "cy")):
    """A run whose twelve answers three people rated near the judge's rating."""
    run = make_run(store, judge=judge)
    review = create_review_set(store, run, scorer="judge", selection=Selection(n=12))
    rng = random.Random(1)
    given: dict[tuple[str, str], int] = {}
    annotations = {}
    for index, task in enumerate(review.tasks):
        shown = lx.shown(task)
        annotations[index] = []
        for person in people:
            rating = min(5, max(1, shown + rng.choice([-1, 0, 0, 0, 1])))
            given[(task["data"]["proctor_sample"], person)] = rating
            annotations[index].append(
                lx.annotation(lx.rating(rating), user={"id": 1, "email": person})
            )
    import_review(store, run, lx.export_of(review.tasks, annotations))
    return run, review, given


def test_rating_agreement_equals_scikit_learn_and_scipy_on_the_same_pairs(store: Store) -> None:
    run, _, given = reviewed_ratings(store)
    result = calibrate(store, run, scorer="judge", resamples=200)
    judge = [QUALITY[int(s[1:])] for s, _ in given]
    human = list(given.values())
    assert result.judgments == 36 and result.units == 12
    assert result.annotators == ["ana", "bo", "cy"]
    assert figure(result, "weighted_kappa")["value"] == pytest.approx(
        cohen_kappa_score(judge, human, labels=SCALE, weights="quadratic")
    )
    assert figure(result, "kappa")["value"] == pytest.approx(
        cohen_kappa_score(judge, human, labels=SCALE)
    )
    assert figure(result, "agreement")["value"] == pytest.approx(
        np.mean([j == h for j, h in zip(judge, human, strict=True)])
    )
    assert figure(result, "spearman")["value"] == pytest.approx(spearmanr(judge, human).statistic)
    difference = result.bias["mean_difference"]
    assert difference["value"] == pytest.approx(np.mean(np.subtract(judge, human)))
    assert difference["ci_low"] <= difference["value"] <= difference["ci_high"]
    assert result.headline == "weighted_kappa"
    assert result.agreement == figure(result, "weighted_kappa")["value"]
    kappa = figure(result, "weighted_kappa")
    assert kappa["method"] == "bootstrap" and kappa["ci_low"] <= kappa["value"] <= kappa["ci_high"]


def test_people_agreeing_with_each_other_is_krippendorffs_alpha(store: Store) -> None:
    krippendorff = pytest.importorskip("krippendorff")
    run, _, given = reviewed_ratings(store)
    result = calibrate(store, run, scorer="judge", resamples=100)
    samples = sorted({s for s, _ in given}, key=lambda s: int(s[1:]))
    data = np.array([[given[(s, p)] for s in samples] for p in ("ana", "bo", "cy")], dtype=float)
    alpha = figure(result, "alpha", "human_vs_human")
    assert alpha["value"] == pytest.approx(
        krippendorff.alpha(reliability_data=data, level_of_measurement="interval")
    )
    assert alpha["n"] == 12


def test_a_metric_computed_from_human_scores_sits_beside_the_judges(store: Store) -> None:
    run, _, given = reviewed_ratings(store)
    result = calibrate(store, run, scorer="judge", resamples=50)
    (row,) = result.human_metrics
    assert row["name"] == "judge/mean"
    per_sample: dict[str, list[float]] = {}
    for (sample, _), rating in given.items():
        per_sample.setdefault(sample, []).append((rating - 1) / 4)
    assert row["human"]["value"] == pytest.approx(
        np.mean([np.mean(v) for v in per_sample.values()])
    )
    assert row["judge"]["value"] == pytest.approx(np.mean([(q - 1) / 4 for q in QUALITY]))
    assert row["human"]["n"] == row["judge"]["n"] == 12


def test_the_calibration_is_kept_for_the_judges_signature(store: Store) -> None:
    run, _, _ = reviewed_ratings(store)
    signature = store.get_run(run).scorers[-1]["signature"]
    assert calibration_for(store, signature) is None
    result = calibrate(store, run, scorer="judge", resamples=50)
    stored = calibration_for(store, signature)
    assert stored is not None
    assert stored["agreement"] == pytest.approx(result.agreement)
    assert stored["headline"] == "weighted_kappa" and stored["run"] == run
    other = make_run(store, judge="python:review_judges:harsh")
    assert calibration_for(store, store.get_run(other).scorers[-1]["signature"]) is None


def test_a_judge_whose_signature_changed_is_uncalibrated_until_reviewed_again(
    store: Store,
) -> None:
    run, review, _ = reviewed_ratings(store)
    record = store.get_run(run)
    changed = [
        dict(e, signature=e["signature"].replace("judge_v1", "judge_v2")) for e in record.scorers
    ]
    store.update_run(run, scorers=changed)
    with pytest.raises(
        ConfigError,
        match=f"another judge or prompt \\({review.record.id} .*uncalibrated until reviewed again",
    ):
        calibrate(store, run, scorer="judge")


def test_agreement_needs_reviews(store: Store) -> None:
    run = make_run(store)
    with pytest.raises(ConfigError, match="has no review set of judge"):
        calibrate(store, run, scorer="judge")
    create_review_set(store, run, scorer="judge", selection=Selection(n=2))
    with pytest.raises(ConfigError, match="import the reviews first"):
        calibrate(store, run, scorer="judge")


def test_label_agreement_is_kappa_and_macro_f1(store: Store) -> None:
    labels = ["bad", "ok", "good"]
    run = make_run(store, judge="python:review_judges:label", labels=labels)
    review = create_review_set(store, run, scorer="judge", selection=Selection(n=12))
    rng = random.Random(2)
    judge, human, annotations = [], [], {}
    for index, task in enumerate(review.tasks):
        said = rng.choice(labels) if rng.random() < 0.3 else lx.shown(task)
        judge.append(lx.shown(task))
        human.append(said)
        annotations[index] = [lx.annotation(lx.choice(said))]
    import_review(store, run, lx.export_of(review.tasks, annotations))
    result = calibrate(store, run, scorer="judge", resamples=50)
    assert result.headline == "kappa"
    assert figure(result, "kappa")["value"] == pytest.approx(cohen_kappa_score(judge, human))
    used = [x for x in labels if x in judge or x in human]
    assert figure(result, "macro_f1")["value"] == pytest.approx(
        f1_score(human, judge, average="macro", labels=used)
    )
    assert sum(c["n"] for c in result.bias["confusion"]) == 12


def test_rubric_agreement_pairs_every_criterion_and_names_the_miscredited(store: Store) -> None:
    run = make_run(store, rubric=True)
    review = create_review_set(store, run, scorer="rubric", selection=Selection(n=12))
    every = ["c1", "c2", "c3"]
    judge: list[bool] = []
    human: list[bool] = []
    annotations = {}
    for index, task in enumerate(review.tasks):
        shown = lx.shown(task)
        # people never think the answer was dismissive, and miss a refund on every third task
        said = [c for c in shown if c != "c3" and not (c == "c1" and index % 3 == 0)]
        judge += [c in shown for c in every]
        human += [c in said for c in every]
        annotations[index] = [lx.annotation(lx.criteria(said, every))]
    import_review(store, run, lx.export_of(review.tasks, annotations))
    result = calibrate(store, run, scorer="rubric", resamples=50)
    assert result.judgments == 12 and figure(result, "kappa")["n"] == 36
    assert figure(result, "kappa")["value"] == pytest.approx(cohen_kappa_score(judge, human))
    assert figure(result, "macro_f1")["value"] == pytest.approx(
        f1_score(human, judge, average="macro")
    )
    over = sum(j and not h for j, h in zip(judge, human, strict=True))
    assert result.bias["over_credited"] == over and result.bias["under_credited"] == 0
    rows = {row["name"]: row for row in result.bias["criteria"]}
    dismissive = rows["Says 'whatever', dismissively"]
    assert (dismissive["over"], dismissive["under"], dismissive["points"]) == (4, 0, -4)
    assert result.bias["criteria"][0]["over"] >= dismissive["over"]  # worst first
    assert {t["name"] for t in result.bias["tags"]} <= {"axis:communication", "axis:completeness"}
    assert result.bias["mean_difference"]["value"] is not None
    assert result.human_metrics[0]["name"] == "rubric/score"


def test_pairwise_agreement_counts_ties_both_ways(store: Store) -> None:
    a, _, comparison = make_pairwise(store)
    review = create_review_set(store, a, pairwise=comparison, selection=Selection(n=12, seed=3))
    judge, human, annotations = [], [], {}
    for index, (task, key) in enumerate(zip(review.tasks, review.record.sample_keys, strict=True)):
        shown = lx.shown(task)
        said = "tie" if index % 4 == 0 else shown
        annotations[index] = [lx.annotation(lx.winner(said))]

        def verdict(w: str, flip: bool = key["flip"]) -> str:
            if w == "tie":
                return "tie"
            return {"A": "b", "B": "a"}[w] if flip else {"A": "a", "B": "b"}[w]

        judge.append(verdict(shown))
        human.append(verdict(said))
    import_review(store, a, lx.export_of(review.tasks, annotations))
    result = calibrate(store, a, pairwise=comparison, resamples=50)
    pairs = list(zip(judge, human, strict=True))
    assert figure(result, "agreement")["value"] == pytest.approx(
        np.mean([j == h for j, h in pairs])
    )
    untied = [(j, h) for j, h in pairs if "tie" not in (j, h)]
    assert figure(result, "agreement_without_ties")["value"] == pytest.approx(
        np.mean([j == h for j, h in untied])
    )
    assert figure(result, "kappa")["value"] == pytest.approx(cohen_kappa_score(judge, human))
    assert result.bias["human_ties"] >= 3


def test_compare_warns_about_judges_without_calibration_or_below_a_threshold(
    store: Store,
) -> None:
    baseline, _, _ = reviewed_ratings(store)
    candidate = make_run(store)
    comparison = compare(baseline, candidate, store=store, resamples=200)
    (warning,) = calibration_warnings(store, comparison)
    assert warning.startswith("judge: its judge has no calibration against people")
    result = calibrate(store, baseline, scorer="judge", resamples=50)
    assert calibration_warnings(store, comparison) == []
    assert calibration_warnings(store, comparison, min_agreement=result.agreement - 0.01) == []
    (low,) = calibration_warnings(store, comparison, min_agreement=0.999)
    assert "below 0.999" in low and "weighted_kappa" in low
