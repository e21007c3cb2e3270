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
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from proctor.errors import ConfigError, ScorerError
from proctor.scorer._score import Score, ScoreFn, scorer

if TYPE_CHECKING:
    from proctor.dataset import Sample
    from proctor.model import ModelOutput
    from proctor.scorer._score import ScoreContext

PROMPT_VERSION = "judge_v1"
_OBJECT = re.compile(r"\{.*\}", re.S)
T = TypeVar("T")


def default_prompt(name: str = PROMPT_VERSION) -> str:
    """A packaged judge prompt (a Jinja2 template), by its versioned name."""
    return (files("proctor.scorer") / "prompts" / f"{name}.txt").read_text("utf-8")


def packaged_label(name: str = PROMPT_VERSION) -> str:
    """The signature label of a packaged prompt: `judge_v1:<hash>`."""
    return prompt_label(name, default_prompt(name))


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


def conversation_text(sample: Sample) -> str:
    """The sample's input as a transcript, for judge prompts."""
    if isinstance(sample.input, str):
        return f"user: {sample.input}"
    return "\n".join(f"{m.role}: {m.content}" for m in sample.input)


def require_judge(scorer_name: str, model: str | None) -> str:
    """The judge's spec, or a clear error when neither the scorer nor the benchmark set one."""
    if not model:
        raise ConfigError(
            f"{scorer_name}: no judge model; give the scorer model=SPEC, or set judge: SPEC "
            "in the benchmark (--judge SPEC on the command line)"
        )
    return model


async def ask_judge(
    ctx: ScoreContext,
    model: str,
    prompt: str,
    schema: dict[str, Any],
    parse: Callable[[str], T],
    *,
    retries: int,
    max_tokens: int = 512,
) -> T:
    """Ask the judge `model` for JSON and `parse` it, repairing at most `retries` times.

    `parse` raises ValueError saying what is wrong with a reply; that message
    goes back to the judge with its reply, as the next turn of the
    conversation. When every attempt fails the judge's error is a
    `ScorerError` on the sample — never a score.
    """
    from proctor.dataset import ChatMessage
    from proctor.model import GenerateConfig, GenerateRequest

    judge_model = ctx.model(model)
    messages: list[str] = [prompt]
    problem = ""
    for _ in range(retries + 1):
        turns = tuple(
            ChatMessage("user" if i % 2 == 0 else "assistant", m) for i, m in enumerate(messages)
        )
        reply = await ctx.generate(
            judge_model,
            GenerateRequest(
                turns if len(turns) > 1 else prompt,
                GenerateConfig(temperature=0.0, max_tokens=max_tokens),
                json_schema=schema,
            ),
        )
        try:
            return parse(reply.text)
        except ValueError as exc:
            problem = str(exc)
            messages += [
                reply.text,
                f"That reply cannot be used: {problem}. Answer again "
                "with only the JSON object described above.",
            ]
    raise ScorerError(f"judge {model} gave no usable verdict after {retries + 1} attempts: {problem}")


def _judge_factory(
    *,
    model: str | None = None,
    guidelines: str,
    low: int = 1,
    high: int = 5,
    labels: list[str] | None = None,
    reference: bool = False,
    retries: int = 2,
    prompt: str | None = None,
) -> ScoreFn:
    from proctor.benchmark._prompt import compile_template, render_template

    if labels is not None and len(labels) < 2:
        raise ConfigError("judge: give at least two labels")
    if labels is None and not low < high:
        raise ConfigError(f"judge: the scale needs low < high, got {low}..{high}")
    if retries < 0:
        raise ConfigError("judge: retries must be zero or more")
    template = compile_template(prompt or default_prompt(), where="judge prompt")
    prompt_id = prompt_label("custom", prompt) if prompt else packaged_label()
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

    def parse(text: str) -> tuple[Any, str]:
        return parse_verdict(text, low=low, high=high, labels=labels)

    async def score(sample: Sample, output: ModelOutput, ctx: ScoreContext) -> Score:
        spec = require_judge("judge", model)
        if reference and not sample.targets:
            raise ScorerError("this judge compares with a reference answer; the sample has none")
        text = render_template(
            template,
            {
                "guidelines": guidelines,
                "reference": sample.targets[0] if reference else None,
                "conversation": conversation_text(sample),
                "answer": output.text,
                "labels": labels,
                "low": low,
                "high": high,
            },
            where="judge prompt",
            sample=sample,
        )
        rating, explanation = await ask_judge(ctx, spec, text, schema, parse, retries=retries)
        value = (
            labels.index(rating) / (len(labels) - 1)
            if labels is not None
            else (rating - low) / (high - low)
        )
        return Score(
            value,
            explanation=explanation,
            answer=str(rating),
            metadata={"rating": rating, "judge": spec, "prompt": prompt_id},
            source="judge",
            annotator=spec,
        )

    return score


def prompt_label(name: str, template: str) -> str:
    """How a prompt is named in signatures and scores: `judge_v1:<hash>`, `custom:<hash>`."""
    return f"{name}:{prompt_hash(template)}"


def _signature(*, model: str | None = None, prompt: str | None = None, **_: Any) -> dict[str, str]:
    return {
        "judge": model or "unset",
        "prompt": prompt_label("custom", prompt) if prompt else packaged_label(),
    }


judge = scorer("judge", version="1", signature=_signature, uses_judge=True)(_judge_factory)
judge.__doc__ = "The `judge` scorer; its signature carries the judge's spec and prompt hash."
