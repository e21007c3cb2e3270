"""`TrafficRecord`, what every log format is read into, and the helpers the readers share.

A record is one call of the production system: its input (text, or chat
messages `{role, content}` with text content), its output (None when the
call failed, with `error`), when it happened, and what the log says about it
(model, token counts, latency, metadata).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "RecordError",
    "TrafficRecord",
    "content_text",
    "error_text",
    "input_chars",
    "metadata_of",
    "optional_float",
    "optional_int",
    "parse_timestamp",
    "to_messages",
    "tool_calls_text",
]

# roles Proctor's chat samples know; others are mapped onto them
_ROLES = {
    "system": "system",
    "developer": "system",  # OpenAI's newer name for system instructions
    "user": "user",
    "assistant": "assistant",
    "tool": "tool",
    "function": "tool",  # OpenAI's deprecated function-call results
}


class RecordError(Exception):
    """One log record cannot be read; the message says why (the reader adds file:line)."""


@dataclass(slots=True)
class TrafficRecord:
    """One production call, as read from a log, before redaction."""

    input: str | list[dict[str, str]]
    output: str | None
    timestamp: datetime
    id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    latency_ms: float | None = None
    error: str | None = None


def parse_timestamp(value: Any, *, what: str = "timestamp") -> datetime:
    """An ISO 8601 string (UTC unless it names a zone) or a Unix time as a number.

    Unix times are read by magnitude: seconds, or milliseconds, microseconds or
    nanoseconds when the number is too large to be seconds (after year 5138).
    """
    if isinstance(value, bool):
        raise RecordError(f"{what} must be an ISO 8601 time or a Unix time, not a boolean")
    if isinstance(value, int | float):
        if not math.isfinite(value) or value < 0:
            raise RecordError(f"{what} {value!r} is not a Unix time")
        seconds = float(value)
        if seconds > 1e17:  # nanoseconds (OpenTelemetry's unit)
            seconds /= 1e9
        elif seconds > 1e14:  # microseconds
            seconds /= 1e6
        elif seconds > 1e11:  # milliseconds (JavaScript's Date.now())
            seconds /= 1e3
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise RecordError(f"{what} {value!r} is not a Unix time") from None
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return parse_timestamp(int(text), what=what)
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise RecordError(f"{what} {value!r} is not an ISO 8601 time") from None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    raise RecordError(f"{what} must be an ISO 8601 time or a Unix time, got {_kind(value)}")


def content_text(content: Any, *, what: str = "content") -> str:
    """Message content as text.

    Accepts a string, or a list of parts in either convention: OpenAI's
    `{"type": "text", "text": ...}` and OpenTelemetry GenAI's
    `{"type": "text", "content": ...}`. Text parts are joined with newlines;
    tool calls and their results are written out as `[tool call name(args)]`
    and `[tool result ...]`; other parts (images, audio, files) as
    `[<type>]`, since only their presence can be judged from text.
    """
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise RecordError(f"{what} must be text or a list of parts, got {_kind(content)}")
    pieces = []
    for part in content:
        if isinstance(part, str):
            pieces.append(part)
            continue
        if not isinstance(part, dict):
            raise RecordError(f"{what}: a part must be an object, got {_kind(part)}")
        kind = part.get("type")
        if kind in ("text", "input_text", "output_text", "refusal"):
            text = part.get("text", part.get("content", part.get("refusal")))
            if not isinstance(text, str):
                raise RecordError(f"{what}: a text part has no text")
            pieces.append(text)
        elif kind in ("tool_call", "function"):
            pieces.append(_tool_call(part))
        elif kind == "tool_call_response":
            pieces.append(f"[tool result {_compact(part.get('response', part.get('result')))}]")
        else:
            pieces.append(f"[{kind or 'part'}]")
    return "\n".join(pieces)


def _tool_call(call: dict[str, Any]) -> str:
    function = call.get("function") if isinstance(call.get("function"), dict) else call
    name = function.get("name") or "?"
    arguments = function.get("arguments")
    return f"[tool call {name}({_compact(arguments) if arguments is not None else ''})]"


def tool_calls_text(calls: Any) -> str:
    """OpenAI `tool_calls` (or a legacy `function_call`) written out as text."""
    if isinstance(calls, dict):
        calls = [calls]
    if not isinstance(calls, list):
        return ""
    return "\n".join(_tool_call(c) for c in calls if isinstance(c, dict))


def error_text(value: Any) -> str | None:
    """A logged error as one line of text: its message when it has one."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("message"), str):
        kind = value.get("type") or value.get("code")
        return f"{kind}: {value['message']}" if isinstance(kind, str) else value["message"]
    return _compact(value)


def _compact(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def to_messages(value: Any, *, what: str = "messages") -> list[dict[str, str]]:
    """Chat messages `[{role, content}]` with text content, from either convention.

    Each message needs a role; content comes from `content` (OpenAI) or
    `parts` (OpenTelemetry GenAI), and an assistant's `tool_calls` are
    written out after its text.
    """
    if not isinstance(value, list) or not value:
        raise RecordError(f"{what} must be a non-empty list of messages")
    messages = []
    for index, message in enumerate(value):
        if type(message) is dict and len(message) == 2:  # the common {role, content}: fast
            role, content = _ROLES.get(message.get("role")), message.get("content")  # type: ignore[arg-type]
            if role is not None and type(content) is str:
                messages.append({"role": role, "content": content})
                continue
        where = f"{what}[{index}]"
        if not isinstance(message, dict):
            raise RecordError(f"{where} must be an object, got {_kind(message)}")
        role = _ROLES.get(str(message.get("role", "")).lower())
        if role is None:
            raise RecordError(
                f"{where}: unknown role {message.get('role')!r} (expected one of "
                f"{', '.join(sorted(_ROLES))})"
            )
        raw = message["parts"] if "parts" in message else message.get("content")
        text = content_text(raw, what=where)
        calls = tool_calls_text(message.get("tool_calls") or message.get("function_call"))
        if calls:
            text = f"{text}\n{calls}" if text else calls
        messages.append({"role": role, "content": text})
    return messages


def input_chars(value: str | list[dict[str, str]]) -> int:
    """The input's length in characters (all messages' contents for a chat)."""
    if isinstance(value, str):
        return len(value)
    return sum(len(m["content"]) for m in value)


def optional_int(value: Any, *, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise RecordError(f"{what} must be a whole number, got {_kind(value)}")
    try:
        number = int(value)
    except ValueError:
        raise RecordError(f"{what} must be a whole number, got {value!r}") from None
    if number < 0 or (isinstance(value, float) and value != number):
        raise RecordError(f"{what} must be a whole number of at least 0, got {value!r}")
    return number


def optional_float(value: Any, *, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RecordError(f"{what} must be a number, got {_kind(value)}")
    if not math.isfinite(value) or value < 0:
        raise RecordError(f"{what} must be a number of at least 0, got {value!r}")
    return float(value)


def metadata_of(value: Any, *, what: str = "metadata") -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RecordError(f"{what} must be an object, got {_kind(value)}")
    return {str(k): v for k, v in value.items() if v is not None and v != ""}


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", type(None): "null"}.get(
        type(value), type(value).__name__
    )
