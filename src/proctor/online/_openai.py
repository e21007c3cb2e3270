"""OpenAI chat-completions request/response pairs, one JSON object per line.

What logging proxies in front of an OpenAI-compatible endpoint write: the
request body sent to `POST /v1/chat/completions` and the chat completion
object that came back (OpenAI API reference, "Create chat completion" and
"The chat completion object"), plus the proxy's own fields:

    {"id": "log-1",                       # optional: else the response's id
     "timestamp": "2024-05-01T09:30:00Z", # optional: else response.created (Unix seconds)
     "latency_ms": 840,                   # optional (or duration_ms, or start_time/end_time)
     "metadata": {"topic": "billing"},    # optional, merged over request.metadata
     "request": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "..."}]},
     "response": {"id": "chatcmpl-...", "object": "chat.completion", "created": 1714555800,
                  "model": "gpt-4o-mini-2024-07-18",
                  "choices": [{"index": 0, "finish_reason": "stop",
                               "message": {"role": "assistant", "content": "..."}}],
                  "usage": {"prompt_tokens": 12, "completion_tokens": 8}},
     "error": null}                       # a failed call: an error (text or {message}), no response

The input is the request's `messages` (content as text or as parts; an
assistant's `tool_calls` written out); the output is the first choice's
message content, its `tool_calls` or its `refusal`; `finish_reason` goes to
the metadata. Streamed responses logged chunk by chunk are not read: log the
assembled completion. Fields the proxy adds beyond these are ignored.
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
    tool_calls_text,
)

__all__ = ["openai_record"]


def openai_record(data: Any) -> TrafficRecord:
    """One request/response pair, parsed; `RecordError` saying what is wrong."""
    if not isinstance(data, dict):
        raise RecordError("a line must be a JSON object")
    request = data.get("request")
    if not isinstance(request, dict):
        raise RecordError("missing 'request' (the chat.completions request body)")
    messages = to_messages(request.get("messages"), what="request.messages")
    response = data.get("response")
    error = error_text(data.get("error"))
    if isinstance(response, dict) and response.get("error") is not None:
        error = error or error_text(response["error"])
        response = None
    if response is None and error is None:
        raise RecordError("missing 'response' (or 'error' for a call that failed)")
    if response is not None and not isinstance(response, dict):
        raise RecordError("'response' must be a chat completion object")
    metadata = metadata_of(request.get("metadata"), what="request.metadata")
    metadata.update(metadata_of(data.get("metadata")))
    output = None
    usage: dict[str, Any] = {}
    if response is not None:
        output, finish = _first_choice(response)
        if finish is not None:
            metadata.setdefault("finish_reason", finish)
        usage = response.get("usage") or {}
        if not isinstance(usage, dict):
            raise RecordError("response.usage must be an object")
    stamp = data.get("timestamp")
    if stamp is None and response is not None:
        stamp = response.get("created")
    if stamp is None:
        stamp = data.get("start_time")
    if stamp is None:
        raise RecordError("no time: give 'timestamp' (or a response with 'created')")
    record_id = data.get("id")
    if record_id is None and response is not None:
        record_id = response.get("id")
    model = (response or {}).get("model") or request.get("model")
    return TrafficRecord(
        input=messages,
        output=output,
        timestamp=parse_timestamp(stamp),
        id=None if record_id in (None, "") else str(record_id),
        metadata=metadata,
        model=model if isinstance(model, str) else None,
        input_tokens=optional_int(usage.get("prompt_tokens"), what="usage.prompt_tokens"),
        output_tokens=optional_int(usage.get("completion_tokens"), what="usage.completion_tokens"),
        latency_ms=_latency(data),
        error=error if output is None else None,
    )


def _first_choice(response: dict[str, Any]) -> tuple[str, str | None]:
    choices = response.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise RecordError("response.choices must be a non-empty list")
    choice = choices[0]
    message = choice.get("message")
    if not isinstance(message, dict):
        raise RecordError("response.choices[0].message is missing")
    text = content_text(message.get("content"), what="response.choices[0].message.content")
    calls = tool_calls_text(message.get("tool_calls") or message.get("function_call"))
    if calls:
        text = f"{text}\n{calls}" if text else calls
    if not text and isinstance(message.get("refusal"), str):
        text = message["refusal"]
    finish = choice.get("finish_reason")
    return text, finish if isinstance(finish, str) else None


def _latency(data: dict[str, Any]) -> float | None:
    for key in ("latency_ms", "duration_ms"):
        if data.get(key) is not None:
            return optional_float(data[key], what=key)
    start, end = data.get("start_time"), data.get("end_time")
    if start is not None and end is not None:
        span = parse_timestamp(end, what="end_time") - parse_timestamp(start, what="start_time")
        return max(span.total_seconds() * 1000.0, 0.0)
    return None
