"""Calls to one model through the engine: concurrency, rate, timeout, retries, cache."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from proctor.engine._limits import RateLimiter
from proctor.engine._retry import Backoff, with_retries
from proctor.errors import ModelError, ModelTimeout
from proctor.model import GenerateRequest, LoglikelihoodRequest, Model, ModelOutput
from proctor.store import CacheEntry


def cache_key(model: Model, request: GenerateRequest | LoglikelihoodRequest) -> str:
    """Content hash of a call: model spec and endpoint, settings, rendered input, epoch.

    The endpoint (a backend's optional `endpoint` attribute: the server it
    calls) is part of the key, so two servers serving the same model name never
    share answers. Timeouts and concurrency are left out: they do not change
    what the model answers.
    """
    if isinstance(request, LoglikelihoodRequest):
        what: list[Any] = ["loglikelihood", request.context, list(request.continuations)]
        payload = json.dumps(
            [model.spec, getattr(model, "endpoint", None), *what, request.epoch],
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()
    payload = json.dumps(
        [
            model.spec,
            getattr(model, "endpoint", None),
            request.config.to_dict(),
            request.input_json(),
            request.epoch,
            model.config.options.get("extra_body"),
            request.json_schema,
        ],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def output_to_json(output: ModelOutput) -> dict:
    return {
        "text": output.text,
        "input_tokens": output.input_tokens,
        "output_tokens": output.output_tokens,
        "finish_reason": output.finish_reason,
        "extra": output.extra,
    }


def output_from_json(data: dict) -> ModelOutput:
    return ModelOutput(
        text=data.get("text", ""),
        input_tokens=data.get("input_tokens"),
        output_tokens=data.get("output_tokens"),
        finish_reason=data.get("finish_reason"),
        extra=data.get("extra") or {},
    )


def loglikelihood_output(request: LoglikelihoodRequest, results: list) -> ModelOutput:
    """The answer to a loglikelihood request, in the shape the rest of the engine stores.

    `text` is the most likely continuation; `extra["loglikelihoods"]` holds every
    continuation's summed log-probability, whether it is the greedy one, and its
    length in tokens.
    """
    if len(results) != len(request.continuations):
        raise ModelError(
            f"asked for {len(request.continuations)} log-probabilities, got {len(results)}"
        )
    best = max(range(len(results)), key=lambda i: results[i].logprob)
    return ModelOutput(
        text=request.continuations[best],
        extra={
            "loglikelihoods": [
                {"logprob": r.logprob, "is_greedy": r.is_greedy, "n_tokens": r.n_tokens}
                for r in results
            ],
            "continuations": list(request.continuations),
        },
    )


@dataclass(slots=True)
class CallResult:
    output: ModelOutput
    latency_ms: float | None
    cached: bool
    cost: float | None


class ModelCalls:
    """Everything between the engine and one model.

    At most `max_concurrency` calls are in flight; with `rpm` set, calls
    start evenly spaced; each attempt is bounded by the per-call timeout;
    retryable failures are retried with backoff; successful answers go to
    the cache when caching is on.
    """

    def __init__(
        self,
        model: Model,
        *,
        cache: bool,
        backoff: Backoff,
        put_cache: object | None = None,
        get_cache: object | None = None,
        max_concurrency: int | None = None,
    ):
        self.model = model
        config = model.config
        self.cache = cache
        self.backoff = backoff
        self._put_cache = put_cache
        self._get_cache = get_cache
        self._semaphore = asyncio.Semaphore(max_concurrency or config.max_concurrency)
        self._limiter = RateLimiter(config.rpm) if config.rpm else None
        self._timeout = config.timeout
        self._max_retries = config.max_retries
        self.calls = 0
        self.retries = 0

    async def _attempt(
        self, request: GenerateRequest | LoglikelihoodRequest
    ) -> tuple[ModelOutput, float]:
        """One call, rate-limited and bounded by the timeout; returns its latency in ms."""
        if self._limiter is not None:  # every attempt, retries included, counts against rpm
            await self._limiter.acquire()
        self.calls += 1
        start = time.perf_counter()
        try:
            async with asyncio.timeout(self._timeout):
                if isinstance(request, LoglikelihoodRequest):
                    output = loglikelihood_output(request, await self.model.loglikelihood(request))  # type: ignore[attr-defined]
                else:
                    output = await self.model.generate(request)
        except TimeoutError:
            raise ModelTimeout(f"no answer within {self._timeout:g} s") from None
        return output, (time.perf_counter() - start) * 1000.0

    def _count_retry(self, error: ModelError) -> None:
        self.retries += 1

    async def call(
        self,
        request: GenerateRequest | LoglikelihoodRequest,
        *,
        cached: dict | None = None,
        key: str | None = None,
    ) -> CallResult:
        """Answer `request`: from the cache or from the model.

        A `key` given by the caller means the cache was already consulted for it
        (the engine looks up whole chunks at once) and `cached` holds the answer.
        """
        if key is None and self.cache and self._get_cache is not None:
            key = cache_key(self.model, request)
            cached = self._get_cache(key)  # type: ignore[operator]
        if cached is not None:
            output = output_from_json(cached["output"])
            return CallResult(output, cached.get("latency_ms"), True, self._cost(output))
        # The slot is held through backoff waits too: a server that is failing
        # should see fewer requests in flight, not the same number.
        async with self._semaphore:
            output, latency_ms = await with_retries(
                lambda: self._attempt(request),
                max_retries=self._max_retries,
                backoff=self.backoff,
                on_retry=self._count_retry,
            )
        if self.cache and self._put_cache is not None:
            key = key or cache_key(self.model, request)
            self._put_cache(CacheEntry(key, self.model.spec, output_to_json(output), latency_ms))  # type: ignore[operator]
        return CallResult(output, latency_ms, False, self._cost(output))

    def _cost(self, output: ModelOutput) -> float | None:
        prices = self.model.config.prices
        if prices is None:
            return None
        return prices.cost(output.input_tokens, output.output_tokens)
