"""`get_model` turns spec strings into backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from proctor.errors import ConfigError, RegistryError
from proctor.model import ModelConfig, get_model
from proctor.model._openai import OpenAIModel
from proctor.model._python import PythonModel
from proctor.model._replay import ReplayModel


def test_prefix_picks_the_backend(tmp_path: Path) -> None:
    replay = tmp_path / "out.jsonl"
    replay.write_text('{"id": "a", "output": "b"}\n', encoding="utf-8")
    config = ModelConfig(base_url="http://127.0.0.1:9/v1")
    assert isinstance(get_model("openai:gpt-4o-mini", config), OpenAIModel)
    assert isinstance(get_model("python:python_model_apps:upper"), PythonModel)
    assert isinstance(get_model(f"replay:{replay}"), ReplayModel)


def test_name_keeps_everything_after_the_first_colon() -> None:
    model = get_model("python:python_model_apps:upper")
    assert model.spec == "python:python_model_apps:upper"


def test_config_is_passed_to_the_backend() -> None:
    config = ModelConfig(base_url="http://127.0.0.1:9/v1", max_concurrency=3)
    assert get_model("openai:m", config).config is config


def test_unknown_prefix_lists_the_known_ones() -> None:
    with pytest.raises(RegistryError, match="nosuch") as caught:
        get_model("nosuch:thing")
    for known in ("openai", "python", "replay"):
        assert known in str(caught.value)


@pytest.mark.parametrize("spec", ["gpt-4o-mini", ":gpt-4o-mini"])
def test_missing_prefix_explains_the_form(spec: str) -> None:
    with pytest.raises(ConfigError, match="prefix:name"):
        get_model(spec)


def test_missing_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="nothing after"):
        get_model("openai:")
