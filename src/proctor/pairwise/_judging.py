"""One pairwise verdict: the prompt, the JSON asked for, and the position swap.

Judges favour an answer for where it stands, so every pair of answers is
judged twice: once with run A's answer shown first, once with run B's. A
verdict stands only when both orders name the same run; when they disagree
(the judge followed the position, not the answers) or either says "tie",
the verdict is a tie.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import TYPE_CHECKING, Any, Literal

from proctor.scorer._judge import (
    ask_judge,
    conversation_text,
    default_prompt,
    packaged_label,
    prompt_label,
    reply_object,
)

if TYPE_CHECKING:
    from proctor.scorer import ScoreContext

PROMPT_VERSION = "pairwise_v1"

Verdict = Literal["a", "b", "tie"]

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        # the explanation first, so the judge reasons before it commits; bounded, so a
        # small model cannot ramble past max_tokens and break the JSON
        "explanation": {"type": "string", "maxLength": 400},
        "winner": {"enum": ["A", "B", "tie"]},
    },
    "required": ["explanation", "winner"],
}

_WINNERS = {"a": "A", "b": "B", "tie": "tie"}


def parse_preference(text: str) -> dict[str, str]:
    """`{"winner": "A" | "B" | "tie", "explanation": ...}` from a reply; ValueError says why not.

    >>> parse_preference('```json\\n{"explanation": "fuller", "winner": "b"}\\n```')
    {'winner': 'B', 'explanation': 'fuller'}
    """
    data = reply_object(text, "winner")
    winner = data["winner"]
    normal = _WINNERS.get(winner.strip().lower()) if isinstance(winner, str) else None
    if normal is None:
        raise ValueError(f'"winner" must be "A", "B" or "tie", got {winner!r}')
    return {"winner": normal, "explanation": str(data.get("explanation", ""))}


def combine(first: str, second: str) -> Verdict:
    """The verdict from the winners named with A first (`first`) and with B first (`second`).

    In the second order the judge's "A" is run B's answer.

    >>> combine("A", "B"), combine("A", "A"), combine("tie", "B")
    ('a', 'tie', 'tie')
    """
    picked_first = {"A": "a", "B": "b"}.get(first, "tie")
    picked_second = {"A": "b", "B": "a"}.get(second, "tie")
    return picked_first if picked_first == picked_second else "tie"  # type: ignore[return-value]


class PairwisePrompt:
    """The judge's prompt template (packaged or the user's) and its signature label."""

    def __init__(self, template: str | None = None, *, guidelines: str | None = None) -> None:
        from proctor.benchmark._prompt import compile_template

        self.source = template if template is not None else default_prompt(PROMPT_VERSION)
        self.label = (
            prompt_label("custom", template)
            if template is not None
            else packaged_label(PROMPT_VERSION)
        )
        self.guidelines = guidelines
        self._template = compile_template(self.source, where="pairwise prompt")
        # a template that cannot render fails here, once, not as an error on every verdict
        self.render("check", conversation="user: hello", answer_a="first", answer_b="second")

    def signature(self, judge: str) -> str:
        """What the verdicts mean: `judge=SPEC|prompt=pairwise_v1:<hash>[|guidelines=<hash>]`."""
        parts = [f"judge={judge}", f"prompt={self.label}"]
        if self.guidelines:
            digest = hashlib.sha256(self.guidelines.encode("utf-8")).hexdigest()[:12]
            parts.append(f"guidelines={digest}")
        return "|".join(parts)

    def render(self, sample_id: str, *, conversation: str, answer_a: str, answer_b: str) -> str:
        from proctor.benchmark._prompt import render_template
        from proctor.dataset import Sample

        return render_template(
            self._template,
            {
                "conversation": conversation,
                "answer_a": answer_a,
                "answer_b": answer_b,
                "guidelines": self.guidelines,
            },
            where="pairwise prompt",
            sample=Sample(id=sample_id, input=""),
        )


def conversation_of(stored_input: Any) -> str:
    """The transcript of a stored sample input: the prompt text or a list of chat messages."""
    from proctor.dataset import ChatMessage, Sample

    if isinstance(stored_input, list):
        messages = tuple(
            ChatMessage(str(m.get("role", "user")), str(m.get("content", "")))  # type: ignore[arg-type]
            for m in stored_input
            if isinstance(m, dict)
        )
        return conversation_text(Sample(id="", input=messages))
    text = "" if stored_input is None else str(stored_input)
    return conversation_text(Sample(id="", input=text))


async def judge_both_orders(
    ctx: ScoreContext,
    judge: str,
    prompt: PairwisePrompt,
    *,
    sample_id: str,
    conversation: str,
    answer_a: str,
    answer_b: str,
    retries: int,
    max_tokens: int,
) -> tuple[dict[str, str] | Exception, dict[str, str] | Exception]:
    """Ask the judge with A shown first and with B shown first, concurrently.

    Each result is the parsed answer or the exception that ended that order
    (a `ScorerError` after the repair budget, a `ModelError` after the
    engine's retries).
    """
    texts = (
        prompt.render(sample_id, conversation=conversation, answer_a=answer_a, answer_b=answer_b),
        prompt.render(sample_id, conversation=conversation, answer_a=answer_b, answer_b=answer_a),
    )
    results = await asyncio.gather(
        *(
            ask_judge(
                ctx, judge, text, SCHEMA, parse_preference, retries=retries, max_tokens=max_tokens
            )
            for text in texts
        ),
        return_exceptions=True,
    )
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, Exception):
            raise result  # cancellation and the like end the comparison, not the verdict
    return results[0], results[1]  # type: ignore[return-value]
