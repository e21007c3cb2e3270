"""`StoreWriter`: batch the engine's writes on a background thread.

The engine finishes samples on an asyncio event loop and must not wait on
the database. It hands each finished sample (and each fresh model response
for the cache) to `put_sample` / `put_cache`, which only append to a list;
a thread commits what has gathered at most every `flush_interval` seconds,
in one transaction per flush. A crash therefore loses at most the last,
unflushed interval.
"""

from __future__ import annotations

import threading
import time
from typing import Self

from proctor.errors import StoreError
from proctor.store._records import CacheEntry, SampleRecord
from proctor.store._store import Store

__all__ = ["StoreWriter"]

_BACKPRESSURE_WAIT = 0.05


class StoreWriter:
    """Write samples and cache entries to `store` in batches, off the caller's thread.

    `put_*` never touches the database: it appends and returns, except when
    more than `max_pending` items wait, when it blocks until the writer has
    caught up. An exception in the writer thread is kept and raised, as
    `StoreError`, by the next `put_*`, `flush` or `close` (and by every later
    one: a failed writer stays failed).

    >>> with Store("sqlite://") as store, StoreWriter(store) as writer:
    ...     writer.flush()
    ...     writer.written
    0
    """

    def __init__(
        self, store: Store, *, flush_interval: float = 0.1, max_pending: int = 10_000
    ) -> None:
        if flush_interval < 0:
            raise ValueError("flush_interval must be >= 0")
        if max_pending < 1:
            raise ValueError("max_pending must be >= 1")
        self.store = store
        self.flush_interval = flush_interval
        self.max_pending = max_pending
        self.written = 0
        """Samples committed so far."""
        self.cached = 0
        """Cache entries handed to the database so far (existing keys included)."""
        self._cond = threading.Condition(threading.Lock())
        self._samples: list[tuple[SampleRecord, bool]] = []
        self._cache: list[CacheEntry] = []
        self._put_seq = 0  # items put so far
        self._done_seq = 0  # items committed (or lost to an error) so far
        self._flush_to = 0  # a flush() waits until _done_seq reaches this
        self._closing = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="proctor-store-writer", daemon=True)
        self._thread.start()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def pending(self) -> int:
        """Items put but not yet committed."""
        return self._put_seq - self._done_seq

    def put_sample(self, record: SampleRecord, replace: bool = False) -> None:
        """Queue a finished sample (with its scores); `replace` as in `Store.write_samples`."""
        with self._cond:
            self._check()
            self._samples.append((record, replace))
            self._after_put()

    def put_cache(self, entry: CacheEntry) -> None:
        """Queue a model response for the cache."""
        with self._cond:
            self._check()
            self._cache.append(entry)
            self._after_put()

    def flush(self) -> None:
        """Block until everything put so far is committed."""
        with self._cond:
            self._check()
            target = self._put_seq
            self._flush_to = max(self._flush_to, target)
            self._cond.notify_all()
            while self._done_seq < target and self._error is None:
                self._cond.wait()
            self._check()

    def close(self) -> None:
        """Commit what is pending and stop the thread. Closing twice is harmless."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join()
        with self._cond:
            self._raise_error()

    # --- caller side ----------------------------------------------------------

    def _check(self) -> None:
        # Called with the lock held.
        self._raise_error()
        if self._closing:
            raise StoreError("the store writer is closed")

    def _raise_error(self) -> None:
        # Called with the lock held.
        if self._error is not None:
            raise StoreError(
                f"writing to {self.store.display_url} failed: {self._error}"
            ) from self._error

    def _after_put(self) -> None:
        # Called with the lock held. Wake the writer only when it may be idle
        # (first pending item) or must hurry (too many pending).
        self._put_seq += 1
        waiting = self._put_seq - self._done_seq
        if waiting == 1:
            self._cond.notify_all()
        elif waiting > self.max_pending:
            self._cond.notify_all()
            while self._put_seq - self._done_seq > self.max_pending and self._error is None:
                self._cond.wait(_BACKPRESSURE_WAIT)
            self._check()

    # --- writer thread ----------------------------------------------------------

    def _run(self) -> None:
        last_commit = time.monotonic()
        while True:
            with self._cond:
                self._wait_for_work(last_commit)
                samples, self._samples = self._samples, []
                entries, self._cache = self._cache, []
                seq = self._put_seq
                stop = self._closing
            try:
                if samples or entries:
                    self._commit(samples, entries)
            except BaseException as exc:
                with self._cond:
                    self._error = exc
                    self._done_seq = self._put_seq
                    self._cond.notify_all()
                return
            last_commit = time.monotonic()
            with self._cond:
                self._done_seq = seq
                self._cond.notify_all()
                if stop and self._put_seq == seq:
                    return

    def _wait_for_work(self, last_commit: float) -> None:
        # Called with the lock held; returns when a commit is due.
        while not self._closing:
            pending = self._put_seq - self._done_seq
            if self._flush_to > self._done_seq or pending > self.max_pending:
                return
            if pending == 0:
                self._cond.wait()
                continue
            remaining = last_commit + self.flush_interval - time.monotonic()
            if remaining <= 0:
                return
            self._cond.wait(remaining)

    def _commit(self, samples: list[tuple[SampleRecord, bool]], entries: list[CacheEntry]) -> None:
        store = self.store
        with store.engine.begin() as conn:
            if entries:
                store._cache_put(conn, entries)
            written = store._write_samples(conn, samples) if samples else 0
        self.written += written
        self.cached += len(entries)
