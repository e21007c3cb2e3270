"""Proctor's plain traffic format: one JSON object per line.

    {"id": "req-1", "timestamp": "2024-05-01T09:30:00Z",
     "input": "Where is my order?",                     # or chat messages [{role, content}]
     "output": "It shipped yesterday.",                 # null when the call failed ...
     "error": null,                                     # ... and then say why
     "metadata": {"topic": "shipping"},
     "model": "my-model", "usage": {"input_tokens": 12, "output_tokens": 8},
     "latency_ms": 840}

`input`, `output` (or `error`) and `timestamp` are required; the rest is
optional. `usage` also accepts OpenAI's `prompt_tokens`/`completion_tokens`.
Other keys are an error: a misspelt field must not vanish silently.
"""

from __future__ import annotations

from typing import Any

from proctor.online._record import (
    RecordError,
    TrafficRecord,
    content_text,
    error_text,
    metadata_of,
    optional_float,
    optional_int,
    parse_timestamp,
    to_messages,
)

__all__ = ["plain_record"]

_KEYS = {"id", "timestamp", "input", "output", "error", "metadata", "model", "usage", "latency_ms"}


def plain_record(data: Any) -> TrafficRecord:
    """One plain-format line, parsed; `RecordError` saying what is wrong."""
    if not isinstance(data, dict):
        raise RecordError("a line must be a JSON object")
    if not data.keys() <= _KEYS:
        unknown = sorted(set(data) - _KEYS)[0]
        raise RecordError(f"unknown field {unknown!r} (fields: {', '.join(sorted(_KEYS))})")
    for required in ("input", "timestamp"):
        if data.get(required) in (None, ""):
            raise RecordError(f"missing field {required!r}")
    raw_input = data["input"]
    value: str | list[dict[str, str]]
    value = raw_input if isinstance(raw_input, str) else to_messages(raw_input, what="input")
    output = data.get("output")
    error = data.get("error")
    if output is None and error in (None, ""):
        raise RecordError("missing field 'output' (or 'error' for a call that failed)")
    if output is not None:
        output = content_text(output, what="output")
    usage = data.get("usage") or {}
    if not isinstance(usage, dict):
        raise RecordError("usage must be an object {input_tokens, output_tokens}")
    return TrafficRecord(
        input=value,
        output=output,
        timestamp=parse_timestamp(data["timestamp"]),
        id=_record_id(data.get("id")),
        metadata=metadata_of(data.get("metadata")),
        model=data.get("model") if isinstance(data.get("model"), str) else None,
        input_tokens=optional_int(
            usage.get("input_tokens", usage.get("prompt_tokens")), what="usage.input_tokens"
        ),
        output_tokens=optional_int(
            usage.get("output_tokens", usage.get("completion_tokens")), what="usage.output_tokens"
        ),
        latency_ms=optional_float(data.get("latency_ms"), what="latency_ms"),
        error=error_text(error),
    )


def _record_id(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RecordError(f"id must be text or a whole number, got {type(value).__name__}")
    return str(value)
