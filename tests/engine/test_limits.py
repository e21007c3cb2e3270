"""Backoff honours Retry-After; the rate limiter spaces requests evenly."""

from __future__ import annotations

import pytest

from proctor.engine._limits import RateLimiter
from proctor.engine._retry import Backoff, with_retries
from proctor.errors import ModelError, RateLimited


def test_retry_after_wins_over_exponential_backoff() -> None:
    backoff = Backoff(base=1.0, cap=30.0, max_retry_after=60.0)
    assert backoff.delay(5, RateLimited("429", retry_after=2.5)) == 2.5
    assert backoff.delay(0, RateLimited("429", retry_after=600)) == 60.0


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    backoff = Backoff(base=1.0, cap=10.0)
    error = ModelError("500", retryable=True)
    for attempt, top in [(0, 1.0), (1, 2.0), (2, 4.0), (6, 10.0)]:
        delays = [backoff.delay(attempt, error) for _ in range(50)]
        assert all(top / 2 <= d <= top for d in delays)
        assert len(set(delays)) > 1  # jitter


async def test_non_retryable_errors_are_raised_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0

    async def call():
        nonlocal calls
        calls += 1
        raise ModelError("bad request", retryable=False)

    with pytest.raises(ModelError, match="bad request"):
        await with_retries(call, max_retries=5, backoff=Backoff())
    assert calls == 1


async def test_rate_limiter_spaces_requests_at_60_over_rpm(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr("proctor.engine._limits.time.monotonic", lambda: clock[0])
    monkeypatch.setattr("proctor.engine._limits.asyncio.sleep", fake_sleep)
    limiter = RateLimiter(rpm=120)  # one every 0.5 s
    for _ in range(4):
        await limiter.acquire()
    assert slept == pytest.approx([0.5, 0.5, 0.5])
    clock[0] += 10  # idle time is not banked into a burst
    await limiter.acquire()
    await limiter.acquire()
    assert slept[-1] == pytest.approx(0.5)


def test_rate_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0)
