"""Metrics of a run, and the response cache."""

from __future__ import annotations

from collections.abc import Callable

from proctor.metrics._metric import MetricValue
from proctor.store import CacheEntry, RunRecord, Store
from proctor.store import _store as store_module

RunFactory = Callable[..., RunRecord]


def _metric(name: str, value: float | None = 0.5, **overrides: object) -> MetricValue:
    fields: dict[str, object] = {
        "name": name,
        "scorer": name.split("/")[0],
        "metric": "mean",
        "value": value,
        "ci_low": None if value is None else value - 0.1,
        "ci_high": None if value is None else value + 0.1,
        "stderr": 0.05,
        "n": 98,
        "n_total": 100,
        "higher_is_better": True,
        "method": "wilson",
    }
    fields.update(overrides)
    return MetricValue(**fields)  # type: ignore[arg-type]


def test_metrics_read_back_in_the_order_written(store: Store, run_factory: RunFactory) -> None:
    run = run_factory()
    values = [
        _metric("zeta/mean"),
        _metric("exact_match/mean"),
        _metric("exact_match/mean[topic=billing]", 0.25, slice_key="topic", slice_value="billing"),
        _metric("latency/mean", None, higher_is_better=False, method="none", n=0),
    ]
    store.write_metrics(run.id, values)
    assert store.get_metrics(run.id) == values


def test_writing_metrics_replaces_the_previous_ones(store: Store, run_factory: RunFactory) -> None:
    run, other = run_factory(), run_factory()
    store.write_metrics(run.id, [_metric("a/mean"), _metric("b/mean")])
    store.write_metrics(other.id, [_metric("a/mean")])
    store.write_metrics(run.id, [_metric("c/mean", 0.9)])
    assert store.get_metrics(run.id) == [_metric("c/mean", 0.9)]
    assert store.get_metrics(other.id) == [_metric("a/mean")]


def test_a_run_without_metrics_has_none(store: Store) -> None:
    assert store.get_metrics("nope") == []


def _entry(key: str, text: str = "hello") -> CacheEntry:
    return CacheEntry(
        key=key,
        model_spec="openai:gpt-4o-mini",
        output={"text": text, "usage": {"input_tokens": 5, "output_tokens": 1}, "ü": "✓"},
        latency_ms=120.0,
    )


def test_cache_entries_read_back_by_key(store: Store) -> None:
    store.cache_put_many([_entry("k1"), _entry("k2", "world")])
    assert store.cache_get_many(["k2", "k1", "k3"]) == {
        "k1": _entry("k1"),
        "k2": _entry("k2", "world"),
    }


def test_existing_cache_keys_are_kept_not_overwritten(store: Store) -> None:
    store.cache_put_many([_entry("k1", "first")])
    store.cache_put_many([_entry("k1", "second"), _entry("k2")])
    store.cache_put_many([_entry("k3", "a"), _entry("k3", "b")])  # duplicates in one batch
    found = store.cache_get_many(["k1", "k2", "k3"])
    assert found["k1"].output["text"] == "first"
    assert set(found) == {"k1", "k2", "k3"}


def test_cache_lookups_of_many_keys_are_chunked(store: Store, monkeypatch) -> None:
    monkeypatch.setattr(store_module, "CHUNK", 10)
    store.cache_put_many([_entry(f"k{i}") for i in range(0, 95, 2)])
    found = store.cache_get_many([f"k{i}" for i in range(95)])
    assert sorted(found) == sorted(f"k{i}" for i in range(0, 95, 2))


def test_empty_cache_calls_are_no_ops(store: Store) -> None:
    store.cache_put_many([])
    assert store.cache_get_many([]) == {}
