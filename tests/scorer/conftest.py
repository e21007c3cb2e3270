"""Helpers for scorer tests: score one output against one real `Sample`."""

from __future__ import annotations

import itertools
import sys
import textwrap
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from proctor.dataset import Sample
from proctor.model import ModelOutput
from proctor.scorer import Score, Scorer


class NoContext:
    """Stands in for the engine's ScoreContext: these scorers never call a model."""

    @property
    def settings(self) -> dict[str, Any]:
        return {}

    def model(self, spec: str) -> Any:
        raise AssertionError("a reference-based scorer called a model")

    async def generate(self, model: Any, request: Any) -> Any:
        raise AssertionError("a reference-based scorer called a model")


ScoreText = Callable[..., Awaitable[Score]]


@pytest.fixture
def score_text() -> ScoreText:
    """`await score_text(scorer, "output", target=..., choices=...)` -> Score."""

    async def run(
        scorer: Scorer,
        text: str,
        *,
        target: str | tuple[str, ...] | None = None,
        choices: tuple[str, ...] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Score:
        sample = Sample(
            id="s1", input="question?", target=target, choices=choices, metadata=metadata or {}
        )
        return await scorer(sample, ModelOutput(text=text), NoContext())

    return run


_counter = itertools.count()


@pytest.fixture
def write_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], str]]:
    """Write Python source to a fresh importable module; returns the module's name."""
    monkeypatch.syspath_prepend(str(tmp_path))
    written: list[str] = []

    def write(source: str) -> str:
        name = f"user_checks_{next(_counter)}"
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
        written.append(name)
        return name

    yield write
    for name in written:
        sys.modules.pop(name, None)
