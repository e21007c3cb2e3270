"""StoreWriter: batched background commits, flush, close, failures, crashes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import event
from store_factories import make_sample

from proctor.errors import StoreError
from proctor.store import CacheEntry, RunRecord, Store, StoreWriter

RunFactory = Callable[..., RunRecord]


def _count_commits(store: Store) -> list[int]:
    commits: list[int] = []
    event.listen(store.engine, "commit", lambda conn: commits.append(1))
    return commits


def test_puts_between_flushes_are_committed_in_one_transaction(
    store: Store, run_factory: RunFactory
) -> None:
    run = run_factory(n_samples=1_000)
    commits = _count_commits(store)
    with StoreWriter(store, flush_interval=60) as writer:  # only flush() commits
        for i in range(1_000):
            writer.put_sample(make_sample(run.id, i))
            writer.put_cache(CacheEntry(key=f"k{i}", model_spec="m", output={"text": str(i)}))
        writer.flush()
        assert writer.written == 1_000
        assert len(commits) == 1
    assert len(commits) == 1  # closing had nothing left to commit
    assert store.count(run.id) == (1_000, 0)
    assert len(store.cache_get_many([f"k{i}" for i in range(1_000)])) == 1_000


def test_puts_made_during_a_commit_are_batched_into_the_next_one(
    store: Store, run_factory: RunFactory
) -> None:
    run = run_factory(n_samples=1_000)
    commits: list[int] = []
    first_commit_started = threading.Event()
    first_commit_may_end = threading.Event()

    def on_commit(conn: object) -> None:
        commits.append(1)
        if len(commits) == 1:  # hold the writer inside its first commit
            first_commit_started.set()
            first_commit_may_end.wait(10)

    event.listen(store.engine, "commit", on_commit)
    with StoreWriter(store, flush_interval=0) as writer:  # commit as soon as anything waits
        writer.put_sample(make_sample(run.id, 0))
        assert first_commit_started.wait(10)
        for i in range(1, 1_000):
            writer.put_sample(make_sample(run.id, i))
        first_commit_may_end.set()
        writer.flush()
        assert writer.written == 1_000
    assert len(commits) == 2
    assert store.count(run.id) == (1_000, 0)


def test_flush_makes_rows_visible_to_another_store(
    store_url: str, store: Store, run_factory: RunFactory
) -> None:
    run = run_factory()
    writer = StoreWriter(store, flush_interval=60)  # only an explicit flush commits
    try:
        for i in range(10):
            writer.put_sample(make_sample(run.id, i))
        writer.flush()
        with Store(store_url) as other:
            assert other.count(run.id) == (10, 0)
            assert [r.sample_id for r in other.iter_samples(run.id)] == [f"s{i}" for i in range(10)]
    finally:
        writer.close()


def test_close_commits_what_is_pending(store: Store, run_factory: RunFactory) -> None:
    run = run_factory()
    writer = StoreWriter(store, flush_interval=60)
    for i in range(25):
        writer.put_sample(make_sample(run.id, i))
    writer.close()
    assert store.count(run.id) == (25, 0)
    assert writer.written == 25
    writer.close()  # closing twice is harmless


def test_puts_after_close_raise(store: Store, run_factory: RunFactory) -> None:
    run = run_factory()
    writer = StoreWriter(store)
    writer.close()
    with pytest.raises(StoreError, match="closed"):
        writer.put_sample(make_sample(run.id, 0))


def test_a_failure_in_the_writer_thread_surfaces_on_the_next_call(
    store: Store, run_factory: RunFactory
) -> None:
    run = run_factory()
    store.write_samples([make_sample(run.id, 0)])
    writer = StoreWriter(store, flush_interval=0.01)
    writer.put_sample(make_sample(run.id, 0))  # already stored: the commit fails
    deadline = time.monotonic() + 10
    with pytest.raises(StoreError, match="already exists") as caught:
        while time.monotonic() < deadline:
            writer.put_sample(make_sample(run.id, 1))
            time.sleep(0.01)
    assert isinstance(caught.value.__cause__, StoreError)
    with pytest.raises(StoreError):
        writer.flush()
    with pytest.raises(StoreError):
        writer.close()


def test_a_failure_surfaces_on_flush(store: Store) -> None:
    writer = StoreWriter(store, flush_interval=60)
    writer.put_sample(make_sample("no-such-run", 0))
    with pytest.raises(StoreError, match="writing to"):
        writer.flush()
    with pytest.raises(StoreError):
        writer.close()


def test_replace_in_the_writer_supersedes_an_errored_sample(
    store: Store, run_factory: RunFactory
) -> None:
    run = run_factory()
    with StoreWriter(store, flush_interval=60) as writer:
        writer.put_sample(make_sample(run.id, 0, error="ModelError: 500", scores=[]))
        writer.put_sample(make_sample(run.id, 0), replace=True)  # same batch
        writer.flush()
        writer.put_sample(make_sample(run.id, 1, error="ModelError: 500", scores=[]))
        writer.flush()
        writer.put_sample(make_sample(run.id, 1), replace=True)  # a later batch
    assert store.finished(run.id) == {("s0", 0): False, ("s1", 0): False}
    assert [len(r.scores) for r in store.iter_samples(run.id)] == [2, 2]


def test_back_pressure_bounds_the_pending_items(store: Store, run_factory: RunFactory) -> None:
    run = run_factory()
    with StoreWriter(store, flush_interval=60, max_pending=50) as writer:
        for i in range(500):
            writer.put_sample(make_sample(run.id, i))
            assert writer.pending <= 51
    assert store.count(run.id) == (500, 0)


def test_the_writer_stores_a_large_batch_exactly_once(
    store: Store, run_factory: RunFactory
) -> None:
    run = run_factory(n_samples=5_000)
    with StoreWriter(store) as writer:
        for i in range(5_000):
            writer.put_sample(make_sample(run.id, i))
    assert store.count(run.id) == (5_000, 0)


_CRASHING_WRITER = textwrap.dedent(
    """
    import os, sys
    from proctor.store import Store, StoreWriter
    from store_factories import make_sample

    url, run_id, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = Store(url)
    writer = StoreWriter(store, flush_interval=60)
    for i in range(n):
        writer.put_sample(make_sample(run_id, i))
    writer.flush()
    for i in range(n, n + 100):
        writer.put_sample(make_sample(run_id, i))
    os._exit(1)
    """
)


def test_a_killed_process_keeps_every_flushed_sample_once(
    store_url: str, store: Store, run_factory: RunFactory
) -> None:
    run = run_factory()
    here = str(Path(__file__).parent)
    pythonpath = os.environ.get("PYTHONPATH", "")
    result = subprocess.run(
        [sys.executable, "-c", _CRASHING_WRITER, store_url, run.id, "300"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [here, pythonpath]))},
    )
    assert result.returncode == 1, result.stderr
    ids = [r.sample_id for r in store.iter_samples(run.id)]
    flushed = [f"s{i}" for i in range(300)]
    assert ids[:300] == flushed
    assert len(ids) == len(set(ids))
    assert all(i in {f"s{j}" for j in range(300, 400)} for i in ids[300:])
