"""Request-rate limiting: requests per minute, evenly spaced."""

from __future__ import annotations

import asyncio
import time


class RateLimiter:
    """Lets at most `rpm` requests start per minute, spaced `60 / rpm` seconds apart.

    Even spacing (rather than bursts at the top of each minute) keeps a
    provider's own limiter from rejecting a burst.
    """

    def __init__(self, rpm: float):
        if rpm <= 0:
            raise ValueError("rpm must be positive")
        self.interval = 60.0 / rpm
        self._next = 0.0

    async def acquire(self) -> None:
        now = time.monotonic()
        start = max(now, self._next)
        self._next = start + self.interval
        if start > now:
            await asyncio.sleep(start - now)
