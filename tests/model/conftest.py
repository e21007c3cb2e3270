"""Fixtures for the model backends: a real fake OpenAI server on 127.0.0.1."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for path in (HERE.parent, HERE):  # `openai_server` and `python_model_apps` import by name
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from openai_server import FakeOpenAIServer  # noqa: E402

from proctor.model import ModelConfig  # noqa: E402
from proctor.model._openai import OpenAIModel  # noqa: E402


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as fake:
        yield fake


@pytest.fixture
async def make_openai(
    server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Callable[..., OpenAIModel]]:
    """Build `OpenAIModel`s pointed at the fake server; closes them after the test."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    built: list[OpenAIModel] = []

    def make(name: str = "fake-model", **config: object) -> OpenAIModel:
        config.setdefault("base_url", server.base_url)
        model = OpenAIModel(name, ModelConfig(**config))  # type: ignore[arg-type]
        built.append(model)
        return model

    yield make
    for model in built:
        await model.aclose()
