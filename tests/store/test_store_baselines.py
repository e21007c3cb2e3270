"""Baselines per benchmark, and reading chosen samples back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from store_factories import make_run, make_sample

from proctor.store import Store


def test_a_baseline_per_benchmark_replaced_when_set_again(store: Store) -> None:
    first = make_run(started_at=datetime.now(UTC) - timedelta(hours=1))
    second = make_run()
    other = make_run(benchmark="other")
    for run in (first, second, other):
        store.create_run(run)
    assert store.get_baseline("support-faq") is None
    assert store.set_baseline(first.id[:8]).id == first.id
    assert store.get_baseline("support-faq").id == first.id
    store.set_baseline(second.id)
    store.set_baseline(other.id)
    assert store.get_baseline("support-faq").id == second.id
    assert [(b, r) for b, r, _ in store.list_baselines()] == [
        ("other", other.id),
        ("support-faq", second.id),
    ]


def test_get_samples_reads_the_named_samples_with_their_scores(store: Store) -> None:
    run = make_run()
    store.create_run(run)
    store.write_samples([make_sample(run.id, i) for i in range(6)])
    got = store.get_samples(run.id, ["s4", "s1", "s4", "missing"])
    assert [r.sample_id for r in got] == ["s1", "s4"]
    assert all(r.scores and r.output is not None for r in got)
