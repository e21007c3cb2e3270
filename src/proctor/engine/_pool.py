"""The models a run calls — the one under test and its judges — and their call queues."""

from __future__ import annotations

from typing import TYPE_CHECKING

from proctor.engine._calls import ModelCalls
from proctor.engine._retry import Backoff
from proctor.model import Model, ModelConfig

if TYPE_CHECKING:
    from proctor.store import Store, StoreWriter


class ModelPool:
    """Creates each model once per run and gives each one `ModelCalls`.

    The model under test (`main`) follows the run's cache setting and
    concurrency; judges follow their own configuration (`configs`, by spec,
    else the backend's defaults). Answers go to the
    cache through `writer` once the run has one.
    """

    def __init__(
        self,
        store: Store,
        *,
        backoff: Backoff,
        main: Model | None = None,
        main_cache: bool = False,
        main_concurrency: int | None = None,
        configs: dict[str, ModelConfig] | None = None,
    ):
        self.store = store
        self.backoff = backoff
        self.main = main
        self.main_cache = main_cache
        self.main_concurrency = main_concurrency
        self.configs = configs or {}
        self.writer: StoreWriter | None = None
        self._models: dict[str, Model] = {}
        self._calls: dict[int, ModelCalls] = {}

    def calls_for(self, model: Model) -> ModelCalls:
        calls = self._calls.get(id(model))
        if calls is None:
            main = model is self.main
            if main:
                cache = self.main_cache
            else:
                cache = (
                    model.config.cache if model.config.cache is not None else model.cache_by_default
                )
            calls = ModelCalls(
                model,
                cache=cache,
                backoff=self.backoff,
                put_cache=None if self.writer is None else self.writer.put_cache,
                get_cache=self._cache_lookup,
                max_concurrency=self.main_concurrency if main else None,
            )
            self._calls[id(model)] = calls
        return calls

    def _cache_lookup(self, key: str) -> dict | None:
        entry = self.store.cache_get_many([key]).get(key)
        return None if entry is None else {"output": entry.output, "latency_ms": entry.latency_ms}

    def model_for(self, spec: str) -> Model:
        if self.main is not None and spec == self.main.spec:
            return self.main
        model = self._models.get(spec)
        if model is None:
            from proctor.model import get_model

            model = self._models[spec] = get_model(spec, self.configs.get(spec))
        return model

    def judge_calls(self) -> int:
        """Calls made to models other than the one under test."""
        return sum(c.calls for c in self._calls.values() if c.model is not self.main)

    async def aclose(self) -> None:
        """Close the models this pool created (not the model under test, the caller's)."""
        for model in self._models.values():
            await model.aclose()
