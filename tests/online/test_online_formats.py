"""The three log formats are read record by record, with file:line reasons for bad ones."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from proctor.errors import ConfigError
from proctor.online._formats import detect_format, read_log
from proctor.online._record import RecordError, parse_timestamp

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _records(name: str) -> list:
    _, items = read_log(FIXTURES / name)
    return list(items)


def test_the_format_is_told_from_the_first_record() -> None:
    assert detect_format(FIXTURES / "openai_pairs.jsonl") == "openai"
    assert detect_format(FIXTURES / "otlp_genai.jsonl") == "otlp"
    assert detect_format(FIXTURES / "otlp_genai_pretty.json") == "otlp"
    assert detect_format(FIXTURES / "plain.jsonl") == "plain"


def test_an_unknown_format_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "other.jsonl"
    path.write_text('{"prompt": "x", "completion": "y"}\n')
    with pytest.raises(ConfigError, match=r"other\.jsonl: cannot tell the log format"):
        detect_format(path)


def test_openai_pairs_give_messages_answer_usage_time_and_metadata() -> None:
    first = _records("openai_pairs.jsonl")[0].record
    assert first.id == "log-0001"
    assert first.input[0] == {"role": "system", "content": "You are the support assistant of Acme."}
    assert first.output.startswith("The second charge is a pre-authorisation")
    assert (first.input_tokens, first.output_tokens, first.latency_ms) == (41, 17, 842.5)
    assert first.model == "gpt-4o-mini-2024-07-18"
    assert first.timestamp == datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
    assert first.metadata["topic"] == "billing" and first.metadata["finish_reason"] == "stop"


def test_openai_content_parts_and_tool_calls_become_text() -> None:
    second = _records("openai_pairs.jsonl")[1].record
    assert second.input[0]["role"] == "system"  # OpenAI's "developer" role
    assert second.input[1]["content"] == "Where is order 88231?\n[image_url]"
    assert second.output == '[tool call track_order({"order": "88231"})]'
    assert second.id == "chatcmpl-DeF456"  # the response's id when the log has none
    assert second.timestamp == datetime(2024, 5, 1, 10, 30, tzinfo=UTC)
    assert second.latency_ms == 1250.0  # from start_time and end_time
    assert second.metadata["topic"] == "shipping"  # request.metadata


def test_an_openai_call_that_failed_is_kept_with_its_error() -> None:
    failed = _records("openai_pairs.jsonl")[2].record
    assert failed.output is None
    assert failed.error == "rate_limit_error: Rate limit reached for requests"


def test_otlp_genai_spans_with_message_attributes_are_read() -> None:
    items = _records("otlp_genai.jsonl")
    chat = next(i.record for i in items if i.record and i.record.id.endswith("eee19b7ec3c1b173"))
    assert chat.id == "5b8efff798038103d269b633813fc60c-eee19b7ec3c1b173"
    assert chat.input[0] == {"role": "system", "content": "You are the support assistant of Acme."}
    assert chat.input[1]["content"].startswith("Can I return opened headphones?")
    assert chat.output == "Yes, within 14 days, if all accessories are included."
    assert (chat.input_tokens, chat.output_tokens) == (52, 21)
    assert chat.latency_ms == pytest.approx(1200.0)
    assert chat.timestamp == datetime(2024, 5, 2, 9, 0, 0, 10_000, tzinfo=UTC)
    assert chat.model == "gpt-4o-mini-2024-07-18"
    assert chat.metadata["service"] == "support-bot"
    assert chat.metadata["conversation_id"] == "conv-17"
    assert chat.metadata["app.topic"] == "returns"


def test_otlp_structured_attributes_and_tool_parts_are_read() -> None:
    items = _records("otlp_genai.jsonl")
    span = next(i.record for i in items if i.record and i.record.id.endswith("b7ad6b7169203331"))
    assert [m["role"] for m in span.input] == ["user", "assistant", "tool"]
    assert span.input[1]["content"] == '[tool call get_weather({"location":"Paris"})]'
    assert span.input[2]["content"] == "[tool result rainy, 14 C]"
    assert span.output == "It is rainy in Paris, 14 degrees."


def test_otlp_older_event_form_is_read() -> None:
    items = _records("otlp_genai.jsonl")
    span = next(i.record for i in items if i.record and i.record.id.endswith("00f067aa0ba902b7"))
    assert span.input == [{"role": "user", "content": "Do you ship to Norway?"}]
    assert span.output == "Yes, in 5 to 7 working days."
    assert (span.input_tokens, span.output_tokens) == (18, 9)  # prompt_/completion_tokens
    assert span.metadata["provider"] == "openai"  # gen_ai.system


def test_otlp_spans_that_are_not_inference_calls_are_skipped() -> None:
    items = _records("otlp_genai.jsonl")
    skipped = [i for i in items if i.record is None and i.error is None]
    assert len(skipped) == 2  # the HTTP server span and the embeddings span


def test_an_otlp_span_with_an_error_status_is_a_failed_call() -> None:
    items = _records("otlp_genai.jsonl")
    span = next(i.record for i in items if i.record and i.record.id.endswith("00f067aa0ba902b8"))
    assert span.output is None and span.error == "Request timed out."


def test_a_pretty_printed_otlp_export_reports_the_line_of_a_bad_span() -> None:
    items = _records("otlp_genai_pretty.json")
    assert items[0].record is not None
    bad = items[1]
    text = (FIXTURES / "otlp_genai_pretty.json").read_text().splitlines()
    assert '"spanId": "1122334455667788"' in text[bad.line - 1]
    assert bad.error.startswith("span 1122334455667788: the span has no input")


def test_plain_lines_that_cannot_be_read_say_why_and_the_others_are_read() -> None:
    items = _records("plain.jsonl")
    errors = {i.line: i.error for i in items if i.error}
    assert errors[3].startswith("invalid JSON")
    assert errors[5] == "missing field 'output' (or 'error' for a call that failed)"
    assert errors[6].startswith("unknown field 'topic'")
    assert [i.line for i in items if i.record] == [1, 2, 4]


def test_a_line_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    good = json.dumps({"input": "a", "output": "b", "timestamp": 0}).encode()
    path.write_bytes(good + b"\n" + b'{"input": "\xff"}\n' + good + b"\n")
    _, items = read_log(path, "plain")
    lines = list(items)
    assert lines[1].error == "the line is not UTF-8 text"
    assert lines[0].record and lines[2].record


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1714555800, datetime(2024, 5, 1, 9, 30, tzinfo=UTC)),
        (1714555800123, datetime(2024, 5, 1, 9, 30, 0, 123_000, tzinfo=UTC)),
        (1714555800 * 10**9, datetime(2024, 5, 1, 9, 30, tzinfo=UTC)),
        ("2024-05-01T09:30:00Z", datetime(2024, 5, 1, 9, 30, tzinfo=UTC)),
        ("2024-05-01T11:30:00+02:00", datetime(2024, 5, 1, 9, 30, tzinfo=UTC)),
        ("2024-05-01 09:30:00", datetime(2024, 5, 1, 9, 30, tzinfo=UTC)),  # naive: UTC
    ],
)
def test_timestamps_are_read_in_every_usual_form(value: object, expected: datetime) -> None:
    assert parse_timestamp(value) == expected


def test_a_timestamp_that_is_not_one_is_an_error() -> None:
    with pytest.raises(RecordError, match="not an ISO 8601 time"):
        parse_timestamp("yesterday")
