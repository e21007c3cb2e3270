"""`judge`: a model grades the answer against written guidelines, on a scale.

The judge is any model spec (`openai:…`, `local:…`, `python:…`), called
through the scorer's context so the engine's concurrency limits, retries and
cache apply. Its prompt is a versioned template shipped with Proctor
(`prompts/judge_v1.txt`, our own words) or one the user gives; the judge's
spec and the prompt's hash are part of the scorer's signature, so changing
either changes what the scores mean without touching the task version.

The judge is asked for JSON (`{"explanation": ..., "rating": ...}`), with
JSON-constrained decoding where the backend offers it. Parsing tolerates code
fences and prose around the object. An answer that cannot be used is sent
back with a message saying what was wrong, at most `retries` times; after
that the sample gets a judge error — never a score of zero.

The score's value is the rating normalised to 0–1 (the label's position for
named labels); the raw rating and the explanation are kept, and the score's
source is `judge`, its annotator the judge's spec.
"""

from __future__ import annotations

import hashlib
import json
import re
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from proctor.errors import ConfigError, ScorerError
from proctor.scorer._score import Score, ScoreFn, scorer

if TYPE_CHECKING:
    from proctor.dataset import Sample
    from proctor.model import ModelOutput
    from proctor.scorer._score import ScoreContext

PROMPT_VERSION = "judge_v1"
_OBJECT = re.compile(r"\{.*\}", re.S)


def default_prompt() -> str:
    """The packaged judge prompt (a Jinja2 template)."""
    return (files("proctor.scorer") / "prompts" / f"{PROMPT_VERSION}.txt").read_text("utf-8")


def prompt_hash(template: str) -> str:
    return hashlib.sha256(template.encode("utf-8")).hexdigest()[:12]


def parse_verdict(text: str, *, low: int, high: int, labels: list[str] | None) -> tuple[Any, str]:
    """`(rating, explanation)` from the judge's reply; ValueError says what is wrong.

    >>> parse_verdict('Sure! ```json\\n{"explanation": "ok", "rating": 4}\\n```', low=1, high=5,
    ...               labels=None)
    (4, 'ok')
    """
    match = _OBJECT.search(text)
    if match is None:
        raise ValueError("the reply holds no JSON object")
    try:
        data = json.loads(match.group(0))
    except json.JSONDecodeError as exc:
        raise ValueError(f"the JSON object does not parse ({exc.msg})") from None
    if not isinstance(data, dict) or "rating" not in data:
        raise ValueError('the JSON object has no "rating"')
    rating = data["rating"]
    explanation = str(data.get("explanation", ""))
    if labels is not None:
        if not isinstance(rating, str) or rating.strip().lower() not in [x.lower() for x in labels]:
            raise ValueError(f'"rating" must be one of {", ".join(labels)}, got {rating!r}')
        return next(x for x in labels if x.lower() == rating.strip().lower()), explanation
    if isinstance(rating, str) and rating.strip().lstrip("-").isdigit():
        rating = int(rating.strip())
    if isinstance(rating, bool) or not isinstance(rating, int) or not low <= rating <= high:
        raise ValueError(f'"rating" must be a whole number from {low} to {high}, got {rating!r}')
    return rating, explanation


def _conversation(sample: Sample) -> str:
    if isinstance(sample.input, str):
        return f"user: {sample.input}"
    return "\n".join(f"{m.role}: {m.content}" for m in sample.input)


def _judge_factory(
    *,
    model: str,
    guidelines: str,
    low: int = 1,
    high: int = 5,
    labels: list[str] | None = None,
    reference: bool = False,
    retries: int = 2,
    prompt: str | None = None,
) -> ScoreFn:
    from proctor.benchmark._prompt import compile_template, render_template
    from proctor.model import GenerateConfig, GenerateRequest

    if labels is not None and len(labels) < 2:
        raise ConfigError("judge: give at least two labels")
    if labels is None and not low < high:
        raise ConfigError(f"judge: the scale needs low < high, got {low}..{high}")
    if retries < 0:
        raise ConfigError("judge: retries must be zero or more")
    template = compile_template(prompt or default_prompt(), where="judge prompt")
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            # bounded, so a small model cannot ramble past max_tokens and break the JSON
            "explanation": {"type": "string", "maxLength": 400},
            "rating": {"enum": list(labels)}
            if labels is not None
            # an enum, not minimum/maximum: grammar-constrained decoders enforce enums
            else {"type": "integer", "enum": list(range(low, high + 1))},
        },
        "required": ["explanation", "rating"],
    }

    async def score(sample: Sample, output: ModelOutput, ctx: ScoreContext) -> Score:
        if reference and not sample.targets:
            raise ScorerError("this judge compares with a reference answer; the sample has none")
        text = render_template(
            template,
            {
                "guidelines": guidelines,
                "reference": sample.targets[0] if reference else None,
                "conversation": _conversation(sample),
                "answer": output.text,
                "labels": labels,
                "low": low,
                "high": high,
            },
            where="judge prompt",
            sample=sample,
        )
        judge_model = ctx.model(model)
        messages: list[Any] = [text]
        problem = ""
        for _ in range(retries + 1):
            from proctor.dataset import ChatMessage

            turns = tuple(
                ChatMessage("user" if i % 2 == 0 else "assistant", m)
                for i, m in enumerate(messages)
            )
            reply = await ctx.generate(
                judge_model,
                GenerateRequest(
                    turns if len(turns) > 1 else text,
                    GenerateConfig(temperature=0.0, max_tokens=512),
                    json_schema=schema,
                ),
            )
            try:
                rating, explanation = parse_verdict(reply.text, low=low, high=high, labels=labels)
            except ValueError as exc:
                problem = str(exc)
                messages += [
                    reply.text,
                    f"That reply cannot be used: {problem}. Answer again "
                    "with only the JSON object described above.",
                ]
                continue
            value = (
                labels.index(rating) / (len(labels) - 1)
                if labels is not None
                else (rating - low) / (high - low)
            )
            return Score(
                value,
                explanation=explanation,
                answer=str(rating),
                metadata={"rating": rating, "judge": model},
                source="judge",
                annotator=model,
            )
        raise ScorerError(
            f"judge {model} gave no usable verdict after {retries + 1} attempts: {problem}"
        )

    return score


def _signature(*, model: str, prompt: str | None = None, **_: Any) -> dict[str, str]:
    template = prompt or default_prompt()
    return {
        "judge": model,
        "prompt": f"{'custom' if prompt else PROMPT_VERSION}:{prompt_hash(template)}",
    }


judge = scorer("judge", version="1", signature=_signature)(_judge_factory)
judge.__doc__ = "The `judge` scorer; its signature carries the judge's spec and prompt hash."
