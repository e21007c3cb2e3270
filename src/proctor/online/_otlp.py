"""OpenTelemetry GenAI spans exported as OTLP JSON.

An export is an `ExportTraceServiceRequest` in OTLP's JSON encoding (the
OpenTelemetry protocol specification, "JSON Protobuf Encoding"):
`resourceSpans[].scopeSpans[].spans[]`, each span with hex `traceId` and
`spanId`, `startTimeUnixNano`/`endTimeUnixNano` and `attributes` as a list
of `{"key", "value": AnyValue}`. The OpenTelemetry Collector's file exporter
writes one such request per line; a file holding one request (pretty-printed
or not) is read too.

Spans are read as the GenAI semantic conventions describe an inference call
(`gen_ai.operation.name` = `chat`, `text_completion` or `generate_content`;
semantic conventions 1.37 "Semantic conventions for generative client AI
spans"):

- input: `gen_ai.system_instructions` (as a system message) and
  `gen_ai.input.messages`; output: the first of `gen_ai.output.messages`.
  Messages are `{role, parts: [{type: "text", content}, ...]}`, recorded as
  structured attributes or as JSON strings; both are accepted.
- the older event form (conventions before 1.28): span events
  `gen_ai.content.prompt` with attribute `gen_ai.prompt` and
  `gen_ai.content.completion` with `gen_ai.completion`, each a JSON list of
  `{role, content}` messages or plain text.
- `gen_ai.response.model` (else `gen_ai.request.model`),
  `gen_ai.usage.input_tokens`/`output_tokens` (or the older
  `prompt_tokens`/`completion_tokens`), latency from the span's start and
  end, the record id `traceId-spanId`, the time its start.
- metadata: `service` (resource `service.name`), `provider`
  (`gen_ai.provider.name`, or the older `gen_ai.system`), `operation`,
  `conversation_id` (`gen_ai.conversation.id`), `finish_reason`, and the
  span's other attributes whose keys are outside the `gen_ai.` namespace and
  whose values are scalars.

Other spans (HTTP, database, agent and tool spans, embeddings) are skipped
and counted. A span with an error status and no output is stored as a
failed call. The per-message log events of conventions 1.28–1.36
(`gen_ai.user.message`, ...) travel as log records, not spans, and are not read.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

from proctor.online._record import (
    RecordError,
    TrafficRecord,
    content_text,
    optional_int,
    parse_timestamp,
    to_messages,
)

__all__ = ["INFERENCE_OPERATIONS", "any_value", "otlp_spans"]

INFERENCE_OPERATIONS = frozenset({"chat", "text_completion", "generate_content"})
_ERROR_CODES = (2, "2", "STATUS_CODE_ERROR")

SpanResult = tuple[str, TrafficRecord | RecordError | None]


def any_value(value: Any) -> Any:
    """An OTLP JSON `AnyValue` as a Python value (int64 may be written as a string)."""
    if not isinstance(value, dict):
        return None
    if "stringValue" in value:
        return value["stringValue"]
    if "intValue" in value:
        return int(value["intValue"])
    if "doubleValue" in value:
        return float(value["doubleValue"])
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "arrayValue" in value:
        return [any_value(v) for v in (value["arrayValue"] or {}).get("values") or []]
    if "kvlistValue" in value:
        return _attributes((value["kvlistValue"] or {}).get("values"))
    if "bytesValue" in value:
        return value["bytesValue"]
    return None


def _attributes(items: Any) -> dict[str, Any]:
    if not isinstance(items, list):
        return {}
    return {
        item["key"]: any_value(item.get("value"))
        for item in items
        if isinstance(item, dict) and isinstance(item.get("key"), str)
    }


def otlp_spans(document: Any) -> Iterator[SpanResult]:
    """Every span of an export: `(span id, record)`, `(span id, RecordError)`, or
    `(span id, None)` for a span that is not a GenAI inference call."""
    if not isinstance(document, dict) or not isinstance(document.get("resourceSpans"), list):
        raise RecordError("not an OTLP JSON trace export (no 'resourceSpans' list)")
    for resource_spans in document["resourceSpans"]:
        if not isinstance(resource_spans, dict):
            raise RecordError("resourceSpans must hold objects")
        resource = _attributes((resource_spans.get("resource") or {}).get("attributes"))
        for scope_spans in resource_spans.get("scopeSpans") or []:
            for span in (scope_spans or {}).get("spans") or []:
                span_id = str((span or {}).get("spanId") or "?")
                try:
                    yield span_id, _span_record(span, resource)
                except RecordError as exc:
                    yield span_id, exc


def _span_record(span: Any, resource: dict[str, Any]) -> TrafficRecord | None:
    if not isinstance(span, dict):
        raise RecordError("a span must be an object")
    attrs = _attributes(span.get("attributes"))
    operation = attrs.get("gen_ai.operation.name")
    events = {
        e.get("name"): _attributes(e.get("attributes"))
        for e in span.get("events") or []
        if isinstance(e, dict)
    }
    has_content = "gen_ai.input.messages" in attrs or "gen_ai.content.prompt" in events
    if operation not in INFERENCE_OPERATIONS and not (operation is None and has_content):
        return None
    messages = _input(attrs, events)
    output, finish = _output(attrs, events)
    status = span.get("status") or {}
    error = None
    if output is None:
        if status.get("code") in _ERROR_CODES or attrs.get("error.type"):
            error = status.get("message") or str(attrs.get("error.type") or "error")
        else:
            raise RecordError(
                "the span has no output (gen_ai.output.messages or a gen_ai.content.completion "
                "event): is content capture on in the instrumentation?"
            )
    start = optional_int(span.get("startTimeUnixNano"), what="startTimeUnixNano")
    end = optional_int(span.get("endTimeUnixNano"), what="endTimeUnixNano")
    if not start:
        raise RecordError("the span has no startTimeUnixNano")
    model = attrs.get("gen_ai.response.model") or attrs.get("gen_ai.request.model")
    return TrafficRecord(
        input=messages,
        output=output,
        timestamp=parse_timestamp(start, what="startTimeUnixNano"),
        id=f"{span.get('traceId', '')}-{span.get('spanId', '')}",
        metadata=_metadata(attrs, resource, operation, finish),
        model=model if isinstance(model, str) else None,
        input_tokens=optional_int(
            attrs.get("gen_ai.usage.input_tokens", attrs.get("gen_ai.usage.prompt_tokens")),
            what="gen_ai.usage.input_tokens",
        ),
        output_tokens=optional_int(
            attrs.get("gen_ai.usage.output_tokens", attrs.get("gen_ai.usage.completion_tokens")),
            what="gen_ai.usage.output_tokens",
        ),
        latency_ms=None if not end or end < start else (end - start) / 1e6,
        error=error,
    )


def _decoded(value: Any, what: str) -> Any:
    """A structured attribute, or one recorded as a JSON string."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise RecordError(f"{what} is not valid JSON") from None
    return value


def _input(attrs: dict[str, Any], events: dict[Any, dict[str, Any]]) -> list[dict[str, str]]:
    messages: list[dict[str, str]] = []
    system = attrs.get("gen_ai.system_instructions")
    if system is not None:
        if isinstance(system, str) and system.lstrip()[:1] == "[":
            system = _decoded(system, "gen_ai.system_instructions")
        text = content_text(system, what="gen_ai.system_instructions")
        messages.append({"role": "system", "content": text})
    if "gen_ai.input.messages" in attrs:
        raw = _decoded(attrs["gen_ai.input.messages"], "gen_ai.input.messages")
        return messages + to_messages(raw, what="gen_ai.input.messages")
    prompt = events.get("gen_ai.content.prompt", {}).get("gen_ai.prompt")
    if prompt is None:
        raise RecordError(
            "the span has no input (gen_ai.input.messages or a gen_ai.content.prompt event): "
            "is content capture on in the instrumentation?"
        )
    return messages + _event_messages(prompt, "gen_ai.prompt", role="user")


def _event_messages(value: Any, what: str, *, role: str) -> list[dict[str, str]]:
    if isinstance(value, str) and value.lstrip()[:1] == "[":
        with contextlib.suppress(json.JSONDecodeError):  # text that starts with a bracket
            value = json.loads(value)
    if isinstance(value, list):
        return to_messages(value, what=what)
    return [{"role": role, "content": content_text(value, what=what)}]


def _output(
    attrs: dict[str, Any], events: dict[Any, dict[str, Any]]
) -> tuple[str | None, str | None]:
    if "gen_ai.output.messages" in attrs:
        raw = _decoded(attrs["gen_ai.output.messages"], "gen_ai.output.messages")
        if not isinstance(raw, list) or not raw or not isinstance(raw[0], dict):
            raise RecordError("gen_ai.output.messages must be a non-empty list of messages")
        first = to_messages(raw[:1], what="gen_ai.output.messages")[0]
        finish = raw[0].get("finish_reason")
        return first["content"], finish if isinstance(finish, str) else None
    completion = events.get("gen_ai.content.completion", {}).get("gen_ai.completion")
    if completion is None:
        return None, None
    messages = _event_messages(completion, "gen_ai.completion", role="assistant")
    return messages[0]["content"], None


def _metadata(
    attrs: dict[str, Any], resource: dict[str, Any], operation: Any, finish: str | None
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        key: value
        for key, value in attrs.items()
        if not key.startswith("gen_ai.") and isinstance(value, str | int | float | bool)
    }
    finishes = attrs.get("gen_ai.response.finish_reasons")
    if finish is None and isinstance(finishes, list) and finishes:
        finish = str(finishes[0])
    for key, value in (
        ("service", resource.get("service.name")),
        ("provider", attrs.get("gen_ai.provider.name") or attrs.get("gen_ai.system")),
        ("operation", operation),
        ("conversation_id", attrs.get("gen_ai.conversation.id")),
        ("finish_reason", finish),
    ):
        if value not in (None, ""):
            metadata[key] = value
    return metadata
