"""Field mapping: which column of a record becomes which `Sample` field."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from proctor.dataset._canonical import content_id
from proctor.dataset._sample import ChatMessage, Sample
from proctor.errors import DatasetError

_ROLES = ("system", "user", "assistant", "tool")


@dataclass(frozen=True)
class FieldMap:
    """Names of the record fields that feed each `Sample` field.

    A field left as None uses the conventional name (`id`, `input`, `target`,
    `choices`) when the record has it; a field named explicitly must be
    present. `choices` may name one field holding a list, or several fields
    holding one option each (`[A, B, C, D]`). `metadata` lists the fields to
    keep as metadata; None keeps every field not mapped to something else.

    >>> FieldMap(input="question", target="answer", metadata=("topic",))
    FieldMap(id=None, input='question', target='answer', choices=None, metadata=('topic',))
    """

    id: str | None = None
    input: str | None = None
    target: str | None = None
    choices: str | tuple[str, ...] | None = None
    metadata: tuple[str, ...] | None = None

    def _used(self) -> set[str]:
        used = {self.id or "id", self.input or "input", self.target or "target"}
        if isinstance(self.choices, tuple):
            used.update(self.choices)
        else:
            used.add(self.choices or "choices")
        return used

    def to_sample(self, record: dict[str, Any], *, source: str, line: int) -> Sample:
        """Map one raw record onto a `Sample`; a problem raises `DatasetError` at file:line."""

        def fail(message: str) -> DatasetError:
            return DatasetError(message, source=source, line=line)

        def pick(name: str | None, default: str) -> Any:
            key = name or default
            if key in record:
                return record[key]
            if name is not None:
                raise fail(f"missing field {key!r} (fields present: {', '.join(record)})")
            return None

        raw_input = pick(self.input, "input")
        if raw_input is None:
            raise fail(
                f"missing field {self.input or 'input'!r} "
                f"(fields present: {', '.join(record)}); map it with `fields: {{input: ...}}`"
            )
        sample_input = _input(raw_input, fail)
        target = _target(pick(self.target, "target"), fail)
        choices = _choices(self._raw_choices(record, pick), fail)
        used = self._used()
        # An empty or null value is an absent one, as an empty CSV cell is: the same
        # samples then read (and hash) alike from every format.
        if self.metadata is None:
            metadata = {k: v for k, v in record.items() if k not in used and not _empty(v)}
        else:
            missing = [k for k in self.metadata if k not in record]
            if missing:
                raise fail(f"missing metadata field {missing[0]!r}")
            metadata = {k: record[k] for k in self.metadata if not _empty(record[k])}
        sample = Sample(
            id="", input=sample_input, target=target, choices=choices, metadata=metadata
        )
        raw_id = pick(self.id, "id")
        if raw_id is None or raw_id == "":
            sample_id = content_id(sample)
        elif isinstance(raw_id, str | int) and not isinstance(raw_id, bool):
            sample_id = str(raw_id)
        else:
            raise fail(f"sample id must be a string or an integer, got {type(raw_id).__name__}")
        return Sample(
            id=sample_id, input=sample_input, target=target, choices=choices, metadata=metadata
        )

    def _raw_choices(self, record: dict[str, Any], pick: Any) -> Any:
        if isinstance(self.choices, tuple):
            return [pick(name, name) for name in self.choices]
        return pick(self.choices, "choices")


def _empty(value: Any) -> bool:
    return value is None or value == ""


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    return None


def _input(value: Any, fail: Any) -> str | tuple[ChatMessage, ...]:
    text = _text(value)
    if text is not None:
        return text
    if isinstance(value, list) and value:
        messages = []
        for item in value:
            if not (
                isinstance(item, dict)
                and item.get("role") in _ROLES
                and isinstance(item.get("content"), str)
            ):
                raise fail(
                    "chat input must be a list of {role, content} messages with role "
                    f"one of {', '.join(_ROLES)}"
                )
            messages.append(ChatMessage(role=item["role"], content=item["content"]))
        return tuple(messages)
    raise fail(f"input must be text or a list of chat messages, got {type(value).__name__}")


def _target(value: Any, fail: Any) -> str | tuple[str, ...] | None:
    if value is None or value == "":
        return None
    text = _text(value)
    if text is not None:
        return text
    if isinstance(value, list):
        items = [_text(v) for v in value]
        if any(item is None for item in items):
            raise fail("target list must hold text or numbers")
        return tuple(items)  # type: ignore[arg-type]
    raise fail(f"target must be text, a number or a list of them, got {type(value).__name__}")


def _choices(value: Any, fail: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise fail(
                "choices must be a list (in CSV: a JSON list, or map `choices` to several columns)"
            ) from None
    if not isinstance(value, list):
        raise fail(f"choices must be a list, got {type(value).__name__}")
    items = [_text(v) for v in value]
    if any(item is None for item in items):
        raise fail("choices must hold text or numbers")
    return tuple(items)  # type: ignore[arg-type]
