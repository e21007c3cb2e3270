"""A scripted model for unit tests of the engine and scorers: it returns queued outputs.

No network: it answers from a function or a queue, can fail on cue, and
records every call so tests can count them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ClassVar

from proctor.model import (
    GenerateRequest,
    Loglikelihood,
    LoglikelihoodRequest,
    ModelConfig,
    ModelOutput,
)


class ScriptedModel:
    """Answers with `answer(request)`; `failures` maps a sample id to errors raised first."""

    cache_by_default: ClassVar[bool] = True

    def __init__(
        self,
        answer: Callable[[GenerateRequest], str] | None = None,
        *,
        config: ModelConfig | None = None,
        failures: dict[str, list[BaseException]] | None = None,
        delay: float = 0.0,
        spec: str = "scripted:test",
    ):
        self.spec = spec
        self.config = config or ModelConfig()
        self._answer = answer or (
            lambda request: (
                request.sample.target
                if request.sample and isinstance(request.sample.target, str)
                else ""
            )
        )
        self._failures = {k: list(v) for k, v in (failures or {}).items()}
        self.delay = delay
        self.calls: list[tuple[str, int]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.gate: asyncio.Event | None = None

    async def generate(self, request: GenerateRequest) -> ModelOutput:
        sample_id = request.sample.id if request.sample else ""
        self.calls.append((sample_id, request.epoch))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.gate is not None:
                await self.gate.wait()
            if self.delay:
                await asyncio.sleep(self.delay)
            queued = self._failures.get(sample_id)
            if queued:
                raise queued.pop(0)
            text = self._answer(request)
            return ModelOutput(text=text, input_tokens=10, output_tokens=len(text.split()))
        finally:
            self.in_flight -= 1

    async def loglikelihood(self, request: LoglikelihoodRequest) -> list[Loglikelihood]:
        """Log-probabilities from `self.logprobs(context, continuation)` (default: -len)."""
        sample_id = request.sample.id if request.sample else ""
        self.calls.append((sample_id, request.epoch))
        score = getattr(self, "logprobs", None) or (lambda context, cont: -float(len(cont)))
        return [
            Loglikelihood(score(request.context, c), False, len(c)) for c in request.continuations
        ]

    async def aclose(self) -> None:
        pass
