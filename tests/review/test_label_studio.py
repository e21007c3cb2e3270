"""Against a real Label Studio: push each kind of review set, annotate through Label Studio's
API as a reviewer's browser would (keeping a prediction, changing one, skipping a task), pull
the export back, and check the human scores, their origins and the agreement figures."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest
from label_studio_server import LabelStudioServer, api
from review_runs import make_pairwise, make_run

from proctor.review import LabelStudio, Selection, calibrate, pull_review, push_review
from proctor.store import Store
from proctor.store._review import human_scores, list_review_sets, review_items_of

pytestmark = pytest.mark.label_studio


def tasks_of(server: LabelStudioServer, project: int) -> list[dict]:
    found = api(server, "GET", f"/api/tasks?project={project}&fields=all&page_size=100")
    return sorted(found["tasks"], key=lambda t: t["id"])


def predicted(task: dict) -> list[dict]:
    (prediction,) = task["predictions"]
    return copy.deepcopy(prediction["result"])


def annotate(
    server: LabelStudioServer,
    task: dict,
    result: list[dict],
    *,
    origin: str = "prediction",
    cancelled: bool = False,
    token: str | None = None,
) -> None:
    """Submit an annotation as the editor does: the prediction's results, each marked with
    where it came from; a skip is a cancelled annotation without results."""
    body = {
        "result": [] if cancelled else [{**r, "origin": origin} for r in result],
        "was_cancelled": cancelled,
        "lead_time": 7.25,
        "parent_prediction": task["predictions"][0]["id"] if task["predictions"] else None,
    }
    api(server, "POST", f"/api/tasks/{task['id']}/annotations/", body, token=token)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'proctor.db'}"


def cli(db: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PROCTOR_DB": db, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "proctor", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_a_rating_review_through_push_and_pull(label_studio: LabelStudioServer, db: str) -> None:
    with Store(db) as store:
        run = make_run(store)
    pushed = cli(
        db,
        "review",
        "push",
        run,
        "--scorer",
        "judge",
        "--n",
        "4",
        "--seed",
        "5",
        "--url",
        label_studio.url,
        "--token",
        label_studio.token,
    )
    assert pushed.returncode == 0, pushed.stderr
    assert f"{label_studio.url}/projects/" in pushed.stdout
    with Store(db) as store:
        (review,) = list_review_sets(store, run)
    project = review.label_studio["project"]
    tasks = tasks_of(label_studio, project)
    assert len(tasks) == 4
    assert tasks[0]["predictions"][0]["model_version"].startswith("python:review_judges:rate|")
    kept, changed, skipped, noted = tasks
    annotate(label_studio, kept, predicted(kept))
    new = predicted(changed)
    old_rating = new[0]["value"]["rating"]
    new[0]["value"]["rating"] = old_rating % 5 + 1
    annotate(label_studio, changed, new, origin="prediction-changed")
    annotate(label_studio, skipped, [], cancelled=True)
    note = {
        "from_name": "comment",
        "to_name": "answer",
        "type": "textarea",
        "value": {"text": ["fine"]},
    }
    annotate(label_studio, noted, [*predicted(noted), note])

    pulled = cli(
        db, "review", "pull", run, "--url", label_studio.url, "--token", label_studio.token
    )
    assert pulled.returncode == 0, pulled.stderr
    assert "3 judgment(s) stored as human scores, 1 skipped; by 1 reviewer(s)" in pulled.stdout

    with Store(db) as store:
        stored = {s: r for s, _, r in human_scores(store, run, "judge")}
        items = {i.sample_id: i for i in review_items_of(store, [review.id])}
        result = calibrate(store, run, scorer="judge", resamples=100)
    sample = {t["data"]["proctor_sample"]: t for t in tasks}
    assert set(stored) == {t["data"]["proctor_sample"] for t in (kept, changed, noted)}
    assert all(r.annotator == label_studio.user and r.source == "human" for r in stored.values())
    changed_score = stored[changed["data"]["proctor_sample"]]
    assert changed_score.metadata["rating"] == old_rating % 5 + 1
    assert changed_score.metadata["origin"] == "changed"
    assert changed_score.metadata["lead_time"] == 7.25
    assert stored[kept["data"]["proctor_sample"]].metadata["origin"] == "kept"
    assert stored[noted["data"]["proctor_sample"]].explanation == "fine"
    assert items[skipped["data"]["proctor_sample"]].status == "skipped"
    assert sample[kept["data"]["proctor_sample"]]["data"]["proctor_review_set"] == review.id
    assert result.judgments == 3 and result.skipped == 1
    assert result.origins == {"kept": 2, "changed": 1}
    agreement = next(f for f in result.judge_vs_human if f.name == "agreement")
    assert agreement.value == pytest.approx(2 / 3)
    assert result.bias["mean_difference"]["value"] == pytest.approx(
        (old_rating - (old_rating % 5 + 1)) / 3
    )


def test_a_rubric_review_through_push_and_pull(label_studio: LabelStudioServer, db: str) -> None:
    client = LabelStudio(label_studio.url, label_studio.token)
    with Store(db) as store:
        run = make_run(store, rubric=True)
        pushed = push_review(store, run, client, scorer="rubric", selection=Selection(n=3, seed=1))
        tasks = tasks_of(label_studio, pushed.project)
        kept, changed, skipped = tasks
        annotate(label_studio, kept, predicted(kept))
        moved = predicted(changed)
        buckets = moved[0]["value"]["ranker"]
        if "c1" in buckets["met"]:
            buckets["met"].remove("c1")
            buckets["not_met"].append("c1")
        else:
            buckets["not_met"].remove("c1")
            buckets["met"].append("c1")
        annotate(label_studio, changed, moved, origin="prediction-changed")
        annotate(label_studio, skipped, [], cancelled=True)
        ((review_id, summary),) = pull_review(store, run, client)
        stored = {s: r for s, _, r in human_scores(store, run, "rubric")}
        result = calibrate(store, run, scorer="rubric", resamples=100)
    assert review_id == pushed.export.record.id
    assert summary.origins == {"kept": 1, "changed": 1} and sum(summary.skipped.values()) == 1
    changed_score = stored[changed["data"]["proctor_sample"]]
    judge_met = set(changed["data"]["judge_met"])
    human_met = {f"c{i}" for i, c in enumerate(changed_score.metadata["criteria"], 1) if c["met"]}
    assert human_met ^ judge_met == {"c1"}
    assert changed_score.metadata["criteria"][0]["criterion"] == "Offers a 'refund'"
    assert result.judgments == 2
    assert result.bias["over_credited"] + result.bias["under_credited"] == 1
    assert next(f for f in result.judge_vs_human if f.name == "agreement").value == pytest.approx(
        5 / 6
    )


@pytest.fixture(scope="session")
def personal_token(label_studio: LabelStudioServer) -> str:
    """A personal access token (a JWT refresh token) of the reviewer."""
    return api(label_studio, "POST", "/api/token/")["token"]


def test_a_pairwise_review_with_a_personal_access_token(
    label_studio: LabelStudioServer, db: str, personal_token: str
) -> None:
    client = LabelStudio(label_studio.url, personal_token)
    with Store(db) as store:
        a, b, comparison = make_pairwise(store)
        pushed = push_review(
            store, a, client, pairwise=comparison, selection=Selection(n=4, seed=2)
        )
        keys = {k["sample"]: k for k in pushed.export.record.sample_keys}
        tasks = tasks_of(label_studio, pushed.project)
        kept, changed, skipped, kept_too = tasks
        annotate(label_studio, kept, predicted(kept))
        flipped = predicted(changed)
        chosen = "A" if flipped[0]["value"]["choices"] != ["A"] else "tie"
        flipped[0]["value"]["choices"] = [chosen]
        annotate(label_studio, changed, flipped, origin="prediction-changed")
        annotate(label_studio, skipped, [], cancelled=True)
        annotate(label_studio, kept_too, predicted(kept_too))
        pull_review(store, a, client)
        stored = {s: r for s, _, r in human_scores(store, a, f"pairwise:{comparison}")}
        result = calibrate(store, a, pairwise=comparison, resamples=100)
    assert len(stored) == 3
    sample = changed["data"]["proctor_sample"]
    flip = keys[sample]["flip"]
    expected = "tie" if chosen == "tie" else ("b" if flip else "a")
    assert stored[sample].metadata["verdict"] == expected
    assert stored[sample].metadata["run_b"] == b
    assert next(f for f in result.judge_vs_human if f.name == "agreement").value == pytest.approx(
        2 / 3
    )
    assert result.origins == {"kept": 2, "changed": 1}
