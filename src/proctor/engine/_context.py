"""The `ScoreContext` the engine hands to scorers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from proctor.engine._calls import ModelCalls
from proctor.model import GenerateRequest, Model, ModelOutput


class EngineContext:
    """Lets scorers read the run's settings and call other models through the engine."""

    def __init__(
        self,
        settings: dict[str, Any],
        calls_for: Callable[[Model], ModelCalls],
        model_for: Callable[[str], Model],
    ):
        self._settings = settings
        self._calls_for = calls_for
        self._model_for = model_for

    @property
    def settings(self) -> dict[str, Any]:
        return self._settings

    def model(self, spec: str) -> Model:
        return self._model_for(spec)

    async def generate(self, model: Model, request: GenerateRequest) -> ModelOutput:
        result = await self._calls_for(model).call(request)
        return result.output
