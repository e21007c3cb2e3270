"""`replay:FILE.jsonl`: outputs recorded elsewhere, such as production logs.

Each line of the file is one recorded answer:

    {"id": "q1", "output": "Paris"}
    {"id": "q2", "output": "4", "epoch": 1, "input_tokens": 12, "output_tokens": 1}
    {"id": 3, "output": "no", "latency_ms": 840, "user": "u-17"}

`id` matches the sample id (compared as strings, so `3` matches `"3"`).
`epoch` is optional (epochs count from 0); a line without one answers every
epoch of its sample unless a line for that exact epoch exists.
`input_tokens`, `output_tokens` and `finish_reason` fill the usage fields;
any other field lands in the output's `extra`.

The whole file is read when the model is built, so a missing file
(`ConfigError`), a malformed line or a duplicate id for the same epoch
(`DatasetError` naming the file and line) stops a run before it starts.
A sample with no recorded output fails with a non-retryable `ModelError`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from proctor.errors import ConfigError, DatasetError, ModelError
from proctor.model._types import GenerateRequest, ModelConfig, ModelOutput

__all__ = ["ReplayModel"]

_RESERVED = frozenset({"id", "output", "epoch", "input_tokens", "output_tokens", "finish_reason"})


class ReplayModel:
    """Answers each sample with the output recorded for its id (and epoch)."""

    cache_by_default: ClassVar[bool] = False

    def __init__(self, name: str, config: ModelConfig | None = None) -> None:
        self.name = name
        self.spec = f"replay:{name}"
        self.config = config if config is not None else ModelConfig()
        self.path = Path(name)
        self._records: dict[tuple[str, int | None], ModelOutput] = {}
        self._has_epochs = False
        self._load()

    def __repr__(self) -> str:
        return f"ReplayModel(spec={self.spec!r}, records={len(self._records)})"

    def __len__(self) -> int:
        return len(self._records)

    async def generate(self, request: GenerateRequest) -> ModelOutput:
        """The recorded output for the request's sample and epoch."""
        if request.sample is None:
            raise ModelError(
                f"replay model {self.name} needs the sample to look up its id", retryable=False
            )
        sample_id = str(request.sample.id)
        record = self._records.get((sample_id, request.epoch))
        if record is None:
            record = self._records.get((sample_id, None))
        if record is None:
            where = f" (epoch {request.epoch})" if self._has_epochs else ""
            raise ModelError(
                f"no recorded output for sample id {sample_id!r}{where} in {self.name}",
                retryable=False,
            )
        return ModelOutput(
            text=record.text,
            input_tokens=record.input_tokens,
            output_tokens=record.output_tokens,
            finish_reason=record.finish_reason,
            extra=dict(record.extra),
        )

    async def aclose(self) -> None:
        """Nothing to release."""

    def _load(self) -> None:
        if not self.path.is_file():
            raise ConfigError(f"replay file not found: {self.name}")
        source = str(self.path)
        first_line: dict[tuple[str, int | None], int] = {}
        try:
            handle = self.path.open(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read replay file {self.name}: {exc}") from exc
        with handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                key, output = _parse_line(line, source, number)
                if key in first_line:
                    epoch = "" if key[1] is None else f" and epoch {key[1]}"
                    raise DatasetError(
                        f"duplicate id {key[0]!r}{epoch} (first on line {first_line[key]})",
                        source=source,
                        line=number,
                    )
                first_line[key] = number
                self._records[key] = output
                if key[1] is not None:
                    self._has_epochs = True


def _parse_line(line: str, source: str, number: int) -> tuple[tuple[str, int | None], ModelOutput]:
    def fail(message: str) -> DatasetError:
        return DatasetError(message, source=source, line=number)

    try:
        data = json.loads(line)
    except ValueError as exc:
        raise fail(f"not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise fail(f"expected a JSON object, got {type(data).__name__}")
    if "id" not in data or data["id"] is None:
        raise fail("missing 'id'")
    sample_id = data["id"]
    if not isinstance(sample_id, str | int) or isinstance(sample_id, bool):
        raise fail(f"'id' must be a string or an integer, got {type(sample_id).__name__}")
    if "output" not in data:
        raise fail("missing 'output'")
    text = data["output"]
    if not isinstance(text, str):
        raise fail(f"'output' must be a string, got {type(text).__name__}")
    epoch = data.get("epoch")
    if epoch is not None and (not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0):
        raise fail(f"'epoch' must be a non-negative integer, got {epoch!r}")
    usage: dict[str, Any] = {}
    for key in ("input_tokens", "output_tokens"):
        value = data.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise fail(f"{key!r} must be an integer, got {value!r}")
        usage[key] = value
    finish_reason = data.get("finish_reason")
    if finish_reason is not None and not isinstance(finish_reason, str):
        raise fail(f"'finish_reason' must be a string, got {finish_reason!r}")
    extra = {k: v for k, v in data.items() if k not in _RESERVED}
    output = ModelOutput(text=text, finish_reason=finish_reason, extra=extra, **usage)
    return (str(sample_id), epoch), output
