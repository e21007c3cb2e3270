"""Retries with exponential backoff and jitter that honour Retry-After."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from proctor.errors import ModelError

T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    """Wait `base * 2**attempt` seconds (capped at `cap`), times a jitter in [0.5, 1.0].

    A server's Retry-After wins when it is given (capped at `max_retry_after`).
    """

    base: float = 0.5
    cap: float = 30.0
    max_retry_after: float = 120.0

    def delay(self, attempt: int, error: ModelError) -> float:
        if error.retry_after is not None:
            return min(max(error.retry_after, 0.0), self.max_retry_after)
        return min(self.cap, self.base * 2**attempt) * random.uniform(0.5, 1.0)


async def with_retries(
    call: Callable[[], Awaitable[T]],
    *,
    max_retries: int,
    backoff: Backoff,
    on_retry: Callable[[ModelError], None] | None = None,
) -> T:
    """Await `call()`, retrying retryable `ModelError`s up to `max_retries` times.

    The first attempt runs without any retry machinery: the common case costs
    nothing. The last error is re-raised when retries run out.
    """
    attempt = 0
    while True:
        try:
            return await call()
        except ModelError as error:
            if not error.retryable or attempt >= max_retries:
                raise
            if on_retry is not None:
                on_retry(error)
            await asyncio.sleep(backoff.delay(attempt, error))
            attempt += 1
