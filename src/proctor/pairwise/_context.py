"""What `ask_judge` needs from a comparison: the judge, called through `ModelCalls`.

One `JudgeContext` per comparison counts the calls behind that verdict, so
each stored verdict carries its own usage and the comparison the sum.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from proctor.engine._context import JudgeUsage
from proctor.errors import ConfigError

if TYPE_CHECKING:
    from proctor.engine._calls import ModelCalls
    from proctor.model import GenerateRequest, Model, ModelOutput


class JudgeContext:
    """The `ScoreContext` one comparison gives `ask_judge`: the shared calls, usage counted."""

    __slots__ = ("_calls", "_settings", "usage")

    def __init__(self, calls: ModelCalls, settings: dict[str, Any]) -> None:
        self._calls = calls
        self._settings = settings
        self.usage = JudgeUsage()

    @property
    def settings(self) -> dict[str, Any]:
        return self._settings

    @property
    def scores(self) -> dict[str, Any]:
        return {}

    def model(self, spec: str) -> Model:
        if spec != self._calls.model.spec:
            raise ConfigError(f"pairwise: only the judge {self._calls.model.spec} can be called")
        return self._calls.model

    async def generate(self, model: Model, request: GenerateRequest) -> ModelOutput:
        result = await self._calls.call(request)
        self.usage.add(result.output, result.cost, result.cached)
        return result.output
