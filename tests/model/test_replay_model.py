"""`replay:` answers from recorded outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from proctor.dataset import Sample
from proctor.errors import ConfigError, DatasetError, ModelError
from proctor.model import GenerateRequest, ModelConfig
from proctor.model._replay import ReplayModel


def write(tmp_path: Path, *lines: object) -> Path:
    path = tmp_path / "outputs.jsonl"
    path.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n",
        encoding="utf-8",
    )
    return path


def request(sample_id: str, epoch: int = 0) -> GenerateRequest:
    return GenerateRequest("ignored", sample=Sample(id=sample_id, input="q"), epoch=epoch)


async def test_recorded_output_is_returned_with_usage_and_extra(tmp_path: Path) -> None:
    path = write(tmp_path, {"id": "q1", "output": "Paris", "input_tokens": 3, "user": "u-1"})
    output = await ReplayModel(str(path), ModelConfig()).generate(request("q1"))
    assert output.text == "Paris"
    assert output.input_tokens == 3 and output.output_tokens is None
    assert output.extra == {"user": "u-1"}


async def test_ids_are_compared_as_strings(tmp_path: Path) -> None:
    path = write(tmp_path, {"id": 7, "output": "seven"})
    output = await ReplayModel(str(path), ModelConfig()).generate(request("7"))
    assert output.text == "seven"


async def test_epoch_specific_lines_win_over_epochless_ones(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {"id": "q", "output": "any"},
        {"id": "q", "output": "second", "epoch": 1},
    )
    model = ReplayModel(str(path), ModelConfig())
    assert (await model.generate(request("q", epoch=0))).text == "any"
    assert (await model.generate(request("q", epoch=1))).text == "second"


async def test_missing_id_is_a_non_retryable_model_error(tmp_path: Path) -> None:
    path = write(tmp_path, {"id": "q1", "output": "Paris"})
    with pytest.raises(ModelError, match="no recorded output for sample id 'q9'") as caught:
        await ReplayModel(str(path), ModelConfig()).generate(request("q9"))
    assert not caught.value.retryable
    assert str(path) in str(caught.value)


def test_malformed_line_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, {"id": "q1", "output": "a"}, "", "{not json")
    with pytest.raises(DatasetError) as caught:
        ReplayModel(str(path), ModelConfig())
    assert caught.value.line == 3
    assert f"{path}:3" in str(caught.value)


@pytest.mark.parametrize(
    "line", [{"output": "a"}, {"id": "q"}, {"id": "q", "output": 1}, ["q", "a"]]
)
def test_line_without_id_or_text_output_is_rejected(tmp_path: Path, line: object) -> None:
    with pytest.raises(DatasetError):
        ReplayModel(str(write(tmp_path, line)), ModelConfig())


def test_duplicate_id_in_the_same_epoch_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, {"id": "q1", "output": "a"}, {"id": "q1", "output": "b"})
    with pytest.raises(DatasetError, match="duplicate id 'q1'") as caught:
        ReplayModel(str(path), ModelConfig())
    assert caught.value.line == 2


def test_same_id_in_different_epochs_is_fine(tmp_path: Path) -> None:
    path = write(
        tmp_path, {"id": "q1", "output": "a", "epoch": 0}, {"id": "q1", "output": "b", "epoch": 1}
    )
    assert len(ReplayModel(str(path), ModelConfig())) == 2


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        ReplayModel(str(tmp_path / "nope.jsonl"), ModelConfig())
