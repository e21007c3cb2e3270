"""The unit of a benchmark: one question with its reference answer(s)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["system", "user", "assistant", "tool"]


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """One chat message. `content` is always text."""

    role: Role
    content: str

    def to_dict(self) -> dict[str, str]:
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True, slots=True)
class Sample:
    """One task of a benchmark.

    `input` is a plain prompt or a list of chat messages. `target` is the
    reference answer, or a list of acceptable answers, or None when the scorers
    need no reference. `choices` holds the options of a multiple-choice
    question, in order (A, B, C, ...). `metadata` is free; the benchmark's
    `slices` and `cluster` keys are read from it.

    >>> Sample(id="q1", input="2+2?", target="4").targets
    ('4',)
    """

    id: str
    input: str | tuple[ChatMessage, ...]
    target: str | tuple[str, ...] | None = None
    choices: tuple[str, ...] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def targets(self) -> tuple[str, ...]:
        """Every acceptable answer, as a tuple (empty without a target)."""
        if self.target is None:
            return ()
        if isinstance(self.target, str):
            return (self.target,)
        return self.target

    @property
    def input_text(self) -> str:
        """The input as one string: the prompt, or the last user message."""
        if isinstance(self.input, str):
            return self.input
        for message in reversed(self.input):
            if message.role == "user":
                return message.content
        return self.input[-1].content if self.input else ""
