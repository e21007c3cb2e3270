"""The `ScoreContext` the engine hands to scorers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from proctor.engine._pool import ModelPool
from proctor.model import GenerateRequest, Model, ModelOutput

if TYPE_CHECKING:
    from proctor.scorer import Score


@dataclass(slots=True)
class JudgeUsage:
    """What one scorer's judge calls used on one sample (stored with its score).

    Cached answers count as calls and tokens but cost nothing, as for the model
    under test.
    """

    calls: int = 0
    cached: int = 0
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost: float | None = None

    def add(self, output: ModelOutput, cost: float | None, cached: bool) -> None:
        self.calls += 1
        self.cached += cached
        if output.input_tokens is not None:
            self.input_tokens = (self.input_tokens or 0) + output.input_tokens
        if output.output_tokens is not None:
            self.output_tokens = (self.output_tokens or 0) + output.output_tokens
        if cost is not None:
            self.cost = (self.cost or 0.0) + (0.0 if cached else cost)

    def merge(self, other: JudgeUsage) -> None:
        """Add another count (one verdict's calls into a whole comparison's)."""
        self.calls += other.calls
        self.cached += other.cached
        if other.input_tokens is not None:
            self.input_tokens = (self.input_tokens or 0) + other.input_tokens
        if other.output_tokens is not None:
            self.output_tokens = (self.output_tokens or 0) + other.output_tokens
        if other.cost is not None:
            self.cost = (self.cost or 0.0) + other.cost

    def to_record(self) -> dict[str, Any] | None:
        if self.calls == 0:
            return None
        return {
            "calls": self.calls,
            "cached": self.cached,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost": self.cost,
        }


class EngineContext:
    """Lets scorers read the run's settings and call other models through the engine."""

    def __init__(self, settings: dict[str, Any], pool: ModelPool):
        self._settings = settings
        self.pool = pool

    @property
    def settings(self) -> dict[str, Any]:
        return self._settings

    @property
    def scores(self) -> Mapping[str, Score]:
        return {}

    def model(self, spec: str) -> Model:
        return self.pool.model_for(spec)

    async def generate(self, model: Model, request: GenerateRequest) -> ModelOutput:
        result = await self.pool.calls_for(model).call(request)
        return result.output

    def for_scorer(self, scores: Mapping[str, Score] | None = None) -> ScorerContext:
        """A context for one scorer on one sample, counting that scorer's judge calls."""
        return ScorerContext(self, {} if scores is None else scores)


class ScorerContext:
    """The run's context as one scorer sees it on one sample.

    `scores` holds the sample's scores by the scorers the benchmark lists before
    this one (what a composite combines); `usage` counts the judge calls made.
    """

    __slots__ = ("_base", "scores", "usage")

    def __init__(self, base: EngineContext, scores: Mapping[str, Score]):
        self._base = base
        self.scores = scores
        self.usage = JudgeUsage()

    @property
    def settings(self) -> dict[str, Any]:
        return self._base.settings

    def model(self, spec: str) -> Model:
        return self._base.model(spec)

    async def generate(self, model: Model, request: GenerateRequest) -> ModelOutput:
        result = await self._base.pool.calls_for(model).call(request)
        self.usage.add(result.output, result.cost, result.cached)
        return result.output
