"""The JSON API on SQLite and PostgreSQL: runs, samples (pages and filters), a sample in
full with rubric criteria and jury ratings, comparisons, history, errors, read-only."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError
from web_data import N, Seeded, client_for

from proctor.errors import StoreError
from proctor.store import Store


def test_runs_are_listed_newest_first_with_their_headline(client, seeded: Seeded) -> None:
    body = client.get("/api/runs").json()
    assert body["total"] == 3
    assert [r["id"] for r in body["runs"]] == [seeded.graded, seeded.candidate, seeded.baseline]
    candidate = body["runs"][1]
    assert candidate["benchmark"] == "web-qa" and candidate["label"] == "candidate"
    assert candidate["headline"]["name"] == "exact_match/mean"
    assert candidate["headline"]["value"] == pytest.approx(20 / 39)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("benchmark=web-qa", {"baseline", "candidate"}),
        ("benchmark=graded", {"graded"}),
        ("model=scripted:worse", {"candidate"}),
        ("label=baseline", {"baseline"}),
        ("benchmark=web-qa&label=graded", set()),
    ],
)
def test_runs_filter_by_benchmark_model_and_label(client, query: str, expected: set) -> None:
    body = client.get(f"/api/runs?{query}").json()
    assert {r["label"] for r in body["runs"]} == expected
    assert body["total"] == len(expected)


def test_runs_page_with_limit_and_offset(client, seeded: Seeded) -> None:
    body = client.get("/api/runs?limit=1&offset=1").json()
    assert body["total"] == 3 and [r["id"] for r in body["runs"]] == [seeded.candidate]


def test_a_run_comes_with_every_field_and_its_metrics(client, seeded: Seeded) -> None:
    body = client.get(f"/api/runs/{seeded.candidate}").json()
    assert body["run"]["id"] == seeded.candidate
    assert body["run"]["n_errors"] == 1 and body["run"]["slices"] == ["topic"]
    assert {s["name"] for s in body["run"]["scorers"]} == {"exact_match", "f1"}
    names = [m["name"] for m in body["metrics"]]
    assert "exact_match/mean" in names and "exact_match/mean[topic=odd]" in names
    overall = next(m for m in body["metrics"] if m["name"] == "exact_match/mean")
    assert overall["ci_low"] < overall["value"] < overall["ci_high"]


def test_a_run_id_prefix_resolves(client, seeded: Seeded) -> None:
    body = client.get(f"/api/runs/{seeded.baseline[:8]}").json()
    assert body["run"]["id"] == seeded.baseline


def test_samples_come_a_page_at_a_time_with_the_total(client, seeded: Seeded) -> None:
    first = client.get(f"/api/runs/{seeded.baseline}/samples?limit=15").json()
    assert first["total"] == N and len(first["samples"]) == 15
    assert [s["sample_id"] for s in first["samples"][:3]] == ["q0", "q1", "q2"]
    last = client.get(f"/api/runs/{seeded.baseline}/samples?limit=15&offset=30").json()
    assert [s["sample_id"] for s in last["samples"]] == [f"q{i}" for i in range(30, N)]
    row = first["samples"][1]
    assert row["input"] == "question 1" and row["output"] == "answer 1"
    assert {s["scorer"]: s["value"] for s in row["scores"]} == {"exact_match": True, "f1": 1.0}


def test_a_page_past_the_end_is_empty_with_the_true_total(client, seeded: Seeded) -> None:
    body = client.get(f"/api/runs/{seeded.baseline}/samples?offset=1000").json()
    assert body["samples"] == [] and body["total"] == N


def test_samples_are_searched_in_ids_inputs_and_outputs(client, seeded: Seeded) -> None:
    body = client.get(f"/api/runs/{seeded.baseline}/samples", params={"q": "QUESTION 1"}).json()
    assert {s["sample_id"] for s in body["samples"]} == {"q1", *(f"q{i}" for i in range(10, 20))}
    body = client.get(f"/api/runs/{seeded.candidate}/samples", params={"q": "else"}).json()
    assert body["total"] == 19  # the wrong answers; q7 errored and has no output
    body = client.get(f"/api/runs/{seeded.candidate}/samples", params={"q": "server is"}).json()
    assert [s["sample_id"] for s in body["samples"]] == ["q7"]


def test_a_search_treats_like_wildcards_as_text(client, seeded: Seeded) -> None:
    body = client.get(f"/api/runs/{seeded.baseline}/samples", params={"q": "%"}).json()
    assert body["total"] == 0


def test_samples_filter_errors(client, seeded: Seeded) -> None:
    body = client.get(f"/api/runs/{seeded.candidate}/samples?errors=true").json()
    assert [(s["sample_id"], s["error"]) for s in body["samples"]] == [
        ("q7", "ModelError: the server is down")
    ]
    graded = client.get(f"/api/runs/{seeded.graded}/samples?errors=true").json()
    assert [s["sample_id"] for s in graded["samples"]] == ["s2"]  # a scorer's error


def test_samples_filter_a_scorers_failures(client, seeded: Seeded) -> None:
    url = f"/api/runs/{seeded.candidate}/samples"
    failed = client.get(url, params={"scorer": "exact_match", "failed": "true"}).json()
    assert failed["total"] == 19
    assert all(int(s["sample_id"][1:]) % 2 == 1 for s in failed["samples"])
    scored = client.get(url, params={"scorer": "exact_match"}).json()
    assert scored["total"] == N - 1
    none = client.get(
        f"/api/runs/{seeded.baseline}/samples", params={"scorer": "f1", "failed": "true"}
    ).json()
    assert none["total"] == 0


def test_samples_filter_one_slice(client, seeded: Seeded) -> None:
    body = client.get(
        f"/api/runs/{seeded.candidate}/samples",
        params={"slice_key": "topic", "slice_value": "even", "limit": 100},
    ).json()
    assert body["total"] == N // 2
    assert all(int(s["sample_id"][1:]) % 2 == 0 for s in body["samples"])


def test_a_sample_in_full_has_rubric_criteria_and_jury_ratings(client, seeded: Seeded) -> None:
    body = client.get(f"/api/runs/{seeded.graded}/samples/s0").json()
    (epoch,) = body["epochs"]
    assert epoch["output"] == "Call emergency services now. (0)"
    assert epoch["latency_ms"] == 120.0 and epoch["output_tokens"] == 12
    rubric, jury = epoch["scores"]
    assert rubric["prompt"] == "rubric_v1:0123456789ab" and rubric["usage"]["calls"] == 3
    assert [(c["met"], c["points"]) for c in rubric["criteria"]] == [
        (True, 5),
        (False, -3),
        (None, 2),
    ]
    assert rubric["criteria"][0]["tags"] == ["axis:completeness"]
    assert (rubric["achieved"], rubric["possible"]) == (5, 7)
    assert jury["annotator"] == "openai:a+openai:b" and jury["prompt"] == "judge_v1:fedcba987654"
    assert jury["jurors"] == [
        {"juror": "openai:a", "rating": 4, "explanation": "clear and safe", "error": None},
        {
            "juror": "openai:b",
            "rating": None,
            "explanation": None,
            "error": "ScorerError: no verdict",
        },
    ]


def test_a_scorer_error_is_shown_on_its_sample(client, seeded: Seeded) -> None:
    body = client.get(f"/api/runs/{seeded.graded}/samples/s2").json()
    jury = body["epochs"][0]["scores"][1]
    assert jury["error"] == "no juror answered" and jury["value"] is None


def test_compare_gives_paired_deltas_and_the_changed_samples(client, seeded: Seeded) -> None:
    body = client.get(f"/api/compare?a={seeded.baseline}&b={seeded.candidate}").json()
    exact = next(m for m in body["metrics"] if m["name"] == "exact_match/mean")
    assert exact["delta"] < 0 and exact["status"] == "regressed"
    assert body["resamples"] == 2000
    assert 0 < len(body["regressed"]) <= 10
    change = body["regressed"][0]
    assert change["output_a"].startswith("answer") and change["output_b"] == (
        "something else entirely"
    )
    assert body["improved"] == []


def test_compare_refuses_other_task_versions_and_unknown_runs(client, seeded: Seeded) -> None:
    other = client.get(f"/api/compare?a={seeded.baseline}&b={seeded.graded}")
    assert other.status_code == 400 and "task version" in other.json()["detail"]
    unknown = client.get(f"/api/compare?a={seeded.baseline}&b=ffffffffffff")
    assert unknown.status_code == 404


def test_history_flags_the_significant_change(client, seeded: Seeded) -> None:
    body = client.get("/api/history/web-qa").json()
    assert [e["run"] for e in body["entries"]] == [seeded.baseline, seeded.candidate]
    assert body["entries"][1]["previous"] == seeded.baseline
    assert body["entries"][1]["changes"]["exact_match/mean"]["status"] == "regressed"


def test_benchmarks_are_listed_with_their_run_counts(client) -> None:
    body = client.get("/api/benchmarks").json()
    assert [(b["benchmark"], b["runs"]) for b in body] == [("graded", 1), ("web-qa", 2)]


@pytest.mark.parametrize(
    "path",
    [
        "/api/runs/ffffffffffff",
        "/api/runs/ffffffffffff/samples",
        "/api/runs/{baseline}/samples/no-such-sample",
        "/api/history/no-such-benchmark",
    ],
)
def test_unknown_things_are_404_with_a_reason(client, seeded: Seeded, path: str) -> None:
    response = client.get(path.format(baseline=seeded.baseline))
    assert response.status_code == 404
    assert response.json()["detail"]


def test_an_invalid_parameter_is_a_422(client, seeded: Seeded) -> None:
    response = client.get(f"/api/runs/{seeded.baseline}/samples?limit=0")
    assert response.status_code == 422 and response.json()["detail"][0]["where"]


def test_the_api_is_read_only(client, seeded: Seeded) -> None:
    assert client.post("/api/runs").status_code == 405
    assert client.delete(f"/api/runs/{seeded.baseline}").status_code == 405
    store: Store = client.app.state.store
    with pytest.raises(DBAPIError, match=r"read-?only"):
        store.update_run(seeded.baseline, label="changed")
    with pytest.raises(StoreError):
        store.get_run("ffffffffffff")  # reading still works


def test_the_openapi_schema_documents_every_endpoint(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths) == {
        "/api/runs",
        "/api/runs/{run_id}",
        "/api/runs/{run_id}/samples",
        "/api/runs/{run_id}/samples/{sample_id}",
        "/api/compare",
        "/api/history/{benchmark}",
        "/api/benchmarks",
    }
    assert all(op.get("description") for ops in paths.values() for op in ops.values())


def test_the_docs_page_needs_nothing_from_outside(client) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and "/api/runs/{run_id}/samples" in page.text
    assert "http://" not in page.text and "https://" not in page.text
    assert client.get("/redoc").status_code == 404


def test_every_response_carries_the_security_headers(client, seeded: Seeded) -> None:
    for path in ("/", "/api/runs", f"/runs/{seeded.baseline}", "/no-such-page"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self' 'unsafe-inline'" in csp
        assert "img-src 'self' data:" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/runs/{id}",
        "/runs/{id}/samples/q3",
        "/history",
        "/history/web-qa",
        "/compare?a={base}&b={id}",
        "/docs",
    ],
)
def test_every_page_renders(client, seeded: Seeded, path: str) -> None:
    response = client.get(path.format(id=seeded.candidate, base=seeded.baseline))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


def test_an_unknown_run_page_is_a_404_page(client) -> None:
    response = client.get("/runs/ffffffffffff")
    assert response.status_code == 404 and "no run" in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_a_store_that_cannot_be_opened_fails_at_creation(tmp_path) -> None:
    with pytest.raises(StoreError), client_for("nosuchdriver://x"):
        pass


def test_comparing_one_run_picks_the_run_before_it(client, seeded: Seeded) -> None:
    page = client.get(f"/compare?b={seeded.candidate}")
    assert page.status_code == 200 and 'id="deltas"' in page.text
    assert f'<option value="{seeded.baseline}" selected>' in page.text


def test_the_run_to_compare_with_is_the_baseline_else_the_previous_one(tmp_path) -> None:
    from datetime import UTC, datetime, timedelta

    from web_data import make_run

    from proctor.web._queries import previous_run

    start = datetime(2025, 1, 1, tzinfo=UTC)
    with Store(f"sqlite:///{tmp_path / 'p.db'}") as store:
        made = []
        for i, version in enumerate(["v1", "v1", "v2", "v1"]):
            run = make_run(f"run{i}", "b", task_version=version, started_at=start + timedelta(i))
            store.create_run(run)
            made.append(store.get_run(run.id))
        assert previous_run(store, made[3]).id == "run1"  # not run2: another task version
        assert previous_run(store, made[0]) is None
        store.set_baseline("run0")
        assert previous_run(store, made[3]).id == "run0"
        assert previous_run(store, made[1]).id == "run0"
        assert previous_run(store, made[0]) is None  # the baseline itself, nothing before it
