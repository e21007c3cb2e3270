"""Reading log files of the three traffic formats, record by record, in constant memory.

`read_log(path, format)` yields one `LogItem` per record: the record, or the
reason it could not be read, with the line it came from. Files are read line
by line; only an OTLP export written as a single JSON document (not one
request per line) is read whole, its spans located by their `spanId`.

`auto` picks the format from the first record: `resourceSpans` means an
OTLP export (`proctor.online._otlp`), `request` an OpenAI request/response
pair (`proctor.online._openai`), `input` the plain format
(`proctor.online._plain`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from proctor.errors import ConfigError
from proctor.online._openai import openai_record
from proctor.online._otlp import otlp_spans
from proctor.online._plain import plain_record
from proctor.online._record import RecordError, TrafficRecord

__all__ = ["FORMATS", "LogFormat", "LogItem", "detect_format", "read_log"]

LogFormat = Literal["auto", "openai", "otlp", "plain"]
FORMATS: tuple[str, ...] = ("auto", "openai", "otlp", "plain")
_SPAN_ID = re.compile(rb'"spanId"\s*:\s*"([^"]*)"')


@dataclass(slots=True)
class LogItem:
    """One record of a log: `record`, or `error`; neither for a span that is not a GenAI call."""

    line: int
    record: TrafficRecord | None = None
    error: str | None = None


def _first_line(path: Path) -> bytes | None:
    with path.open("rb") as handle:
        for raw in handle:
            if raw.strip():
                return raw.strip()
    return None


def detect_format(path: Path) -> str:
    """The format of `path`'s first record; `ConfigError` when it is none of the three."""
    first = _first_line(path)
    if first is None:
        return "plain"  # an empty file: nothing to read in any format
    try:
        data = json.loads(first)
    except (json.JSONDecodeError, UnicodeDecodeError):
        if first.startswith(b"{"):
            return "otlp"  # a JSON document over several lines: only OTLP exports look so
        raise ConfigError(
            "cannot tell the log format: the first line is not JSON", source=str(path)
        ) from None
    if isinstance(data, dict):
        if "resourceSpans" in data:
            return "otlp"
        if "request" in data:
            return "openai"
        if "input" in data:
            return "plain"
    raise ConfigError(
        "cannot tell the log format from the first record (no resourceSpans, request or input); "
        "give --format",
        source=str(path),
    )


def read_log(path: Path, format: LogFormat = "auto") -> tuple[str, Iterator[LogItem]]:
    """The format of `path` and an iterator over its records."""
    if not path.is_file():
        raise ConfigError("log file not found", source=str(path))
    resolved = detect_format(path) if format == "auto" else format
    if resolved == "otlp":
        return resolved, _otlp_items(path)
    parse = openai_record if resolved == "openai" else plain_record
    return resolved, _line_items(path, parse)


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))  # str: json skips guessing the encoding
    except UnicodeDecodeError:
        raise RecordError("the line is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise RecordError(f"invalid JSON: {exc.msg} (column {exc.colno})") from None


def _line_items(path: Path, parse: Any) -> Iterator[LogItem]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                yield LogItem(number, record=parse(_decode(raw)))
            except RecordError as exc:
                yield LogItem(number, error=str(exc))


def _otlp_items(path: Path) -> Iterator[LogItem]:
    first = _first_line(path)
    if first is not None and first.startswith(b"{"):
        try:
            json.loads(first)
        except (json.JSONDecodeError, UnicodeDecodeError):
            yield from _otlp_document(path)
            return
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                spans = list(otlp_spans(_decode(raw)))
            except RecordError as exc:
                yield LogItem(number, error=str(exc))
                continue
            for span_id, result in spans:
                yield _span_item(number, span_id, result)


def _otlp_document(path: Path) -> Iterator[LogItem]:
    """A single pretty-printed export: read whole; each span's line found by its id."""
    data = path.read_bytes()
    try:
        document = _decode(data)
        spans = list(otlp_spans(document))
    except RecordError as exc:
        yield LogItem(1, error=str(exc))
        return
    lines: dict[str, int] = {}
    line, position = 1, 0
    for match in _SPAN_ID.finditer(data):  # in order, so newlines are counted once
        line += data.count(b"\n", position, match.start())
        position = match.start()
        lines.setdefault(match.group(1).decode("utf-8", "replace"), line)
    for span_id, result in spans:
        yield _span_item(lines.get(span_id, 1), span_id, result)


def _span_item(line: int, span_id: str, result: TrafficRecord | RecordError | None) -> LogItem:
    if isinstance(result, RecordError):
        return LogItem(line, error=f"span {span_id}: {result}")
    return LogItem(line, record=result)
