"""Runs: create, update, look up by id prefix, list newest first."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from store_factories import make_run

from proctor.errors import StoreError
from proctor.store import RunRecord, Store, new_run_id

RunFactory = Callable[..., RunRecord]


def test_new_run_ids_are_short_url_safe_and_unique() -> None:
    ids = {new_run_id() for _ in range(10_000)}
    assert len(ids) == 10_000
    assert all(re.fullmatch(r"[0-9a-f]{12}", i) for i in ids)


def test_a_created_run_reads_back_equal(store: Store) -> None:
    run = make_run(
        label="nightly",
        cluster="conversation",
        benchmark_spec={"name": "support-faq", "prompt": "Réponds: {{ input }} ✓"},
        cost=0.125,
    )
    store.create_run(run)
    assert store.get_run(run.id) == run


def test_started_at_defaults_to_now_in_utc(store: Store) -> None:
    run = make_run(started_at=None)
    store.create_run(run)
    started = store.get_run(run.id).started_at
    assert started is not None and started.tzinfo is not None
    assert abs(datetime.now(UTC) - started) < timedelta(minutes=1)


def test_times_come_back_in_utc(store: Store) -> None:
    paris = datetime(2024, 5, 1, 14, 0, tzinfo=UTC).astimezone(ZoneInfo("Europe/Paris"))
    run = make_run(started_at=paris)
    store.create_run(run)
    started = store.get_run(run.id).started_at
    assert started == paris and started.utcoffset() == timedelta(0)


def test_naive_times_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="naive"):
        store.create_run(make_run(started_at=datetime(2024, 5, 1, 14, 0)))


def test_creating_a_run_twice_raises(store: Store, run_factory: RunFactory) -> None:
    run = run_factory()
    with pytest.raises(StoreError, match="already exists"):
        store.create_run(run)


def test_update_run_sets_fields(store: Store, run_factory: RunFactory) -> None:
    run = run_factory()
    done = datetime.now(UTC)
    store.update_run(run.id, status="finished", finished_at=done, n_scored=3, cost=0.5)
    stored = store.get_run(run.id)
    assert (stored.status, stored.finished_at, stored.n_scored, stored.cost) == (
        "finished",
        done,
        3,
        0.5,
    )


def test_update_run_refuses_unknown_fields(store: Store, run_factory: RunFactory) -> None:
    run = run_factory()
    with pytest.raises(ValueError, match="api_key"):
        store.update_run(run.id, api_key="sk-secret")
    with pytest.raises(ValueError, match="id"):
        store.update_run(run.id, id="other")


def test_update_of_an_unknown_run_raises(store: Store) -> None:
    with pytest.raises(StoreError, match="no run"):
        store.update_run("nope", status="finished")


def test_get_run_by_unique_prefix(store: Store, run_factory: RunFactory) -> None:
    run = run_factory(id="abc123def456")
    run_factory(id="abd000000000")
    assert store.get_run("abc").id == run.id


def test_an_ambiguous_prefix_names_the_candidates(store: Store, run_factory: RunFactory) -> None:
    run_factory(id="abc123def456")
    run_factory(id="abc999999999")
    with pytest.raises(StoreError, match="ambiguous") as caught:
        store.get_run("abc")
    assert "abc123def456" in str(caught.value) and "abc999999999" in str(caught.value)


def test_an_unknown_ref_raises(store: Store, run_factory: RunFactory) -> None:
    run_factory(id="abc123def456")
    with pytest.raises(StoreError, match="no run matches"):
        store.get_run("zzz")


def test_like_wildcards_in_a_ref_match_literally(store: Store, run_factory: RunFactory) -> None:
    run_factory(id="abc123def456")
    with pytest.raises(StoreError, match="no run matches"):
        store.get_run("a%")
    with pytest.raises(StoreError, match="no run matches"):
        store.get_run("a_c")


def test_list_runs_newest_first(store: Store, run_factory: RunFactory) -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    ids = [run_factory(started_at=start + timedelta(hours=h)).id for h in (2, 0, 1)]
    assert [r.id for r in store.list_runs()] == [ids[0], ids[2], ids[1]]


def test_list_runs_respects_limit(store: Store, run_factory: RunFactory) -> None:
    for _ in range(5):
        run_factory()
    assert len(store.list_runs(limit=3)) == 3


def test_list_runs_filters(store: Store, run_factory: RunFactory) -> None:
    a = run_factory(benchmark="gsm8k", model_spec="local:smollm2", label="baseline")
    b = run_factory(benchmark="gsm8k", model_spec="openai:gpt-4o", label="candidate")
    c = run_factory(benchmark="mmlu", model_spec="local:smollm2")
    assert {r.id for r in store.list_runs(benchmark="gsm8k")} == {a.id, b.id}
    assert {r.id for r in store.list_runs(model="local:smollm2")} == {a.id, c.id}
    assert [r.id for r in store.list_runs(label="candidate")] == [b.id]
    assert [r.id for r in store.list_runs(benchmark="gsm8k", model="local:smollm2")] == [a.id]


def test_run_records_hold_no_api_key() -> None:
    assert "api_key" not in RunRecord.__dataclass_fields__
