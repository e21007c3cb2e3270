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

A *jury* is a list of specs (`model=["openai:a", "openai:b"]`): every juror
gets the same prompt, all at once, and the score is their `aggregate` —
`mean` (numeric scales only; the default there) or `majority` (the most
common rating; the default for labels). A tie goes to the lower rating (for
labels, the one listed first): with as many votes for a harsher verdict as
for a kinder one, the jury does not round up. A juror that gives no usable
verdict after its retries, or whose model fails, is left out: the score is
the aggregate of those that answered, and the failure is kept in the
score's metadata (`ratings` {spec: rating or None}, `explanations`,
`errors` {spec: message}); only when no juror answers is it a judge error.
A jury's metrics add the agreement between its jurors: Krippendorff's
`alpha` (interval) on a numeric scale, Fleiss' `kappa` on labels (see
`proctor.metrics._agreement`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from importlib.resources import files
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from proctor.errors import ConfigError, ModelError, ScorerError
from proctor.scorer._score import Score, ScoreFn, scorer

if TYPE_CHECKING:
    from proctor.dataset import Sample
    from proctor.metrics import Metric
    from proctor.model import ModelOutput
    from proctor.scorer._score import ScoreContext

PROMPT_VERSION = "judge_v1"
_OBJECT = re.compile(r"\{.*\}", re.S)
T = TypeVar("T")
Aggregate = Literal["mean", "majority"]
_AGGREGATES = ("mean", "majority")


def default_prompt(name: str = PROMPT_VERSION) -> str:
    """A packaged judge prompt (a Jinja2 template), by its versioned name."""
    return (files("proctor.scorer") / "prompts" / f"{name}.txt").read_text("utf-8")


def packaged_label(name: str = PROMPT_VERSION) -> str:
    """The signature label of a packaged prompt: `judge_v1:<hash>`."""
    return prompt_label(name, default_prompt(name))


def prompt_hash(template: str) -> str:
    return hashlib.sha256(template.encode("utf-8")).hexdigest()[:12]


def reply_object(text: str, key: str) -> dict[str, Any]:
    """The JSON object in a judge's reply (in fences or prose), which must hold `key`;
    ValueError says what is wrong, in words the judge is shown when asked to repair."""
    match = _OBJECT.search(text)
    if match is None:
        raise ValueError("the reply holds no JSON object")
    try:
        data = json.loads(match.group(0))
    except json.JSONDecodeError as exc:
        raise ValueError(f"the JSON object does not parse ({exc.msg})") from None
    if not isinstance(data, dict) or key not in data:
        raise ValueError(f'the JSON object has no "{key}"')
    return data


def parse_verdict(text: str, *, low: int, high: int, labels: list[str] | None) -> tuple[Any, str]:
    """`(rating, explanation)` from the judge's reply; ValueError says what is wrong.

    >>> parse_verdict('Sure! ```json\\n{"explanation": "ok", "rating": 4}\\n```', low=1, high=5,
    ...               labels=None)
    (4, 'ok')
    """
    data = reply_object(text, "rating")
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
    raise ScorerError(
        f"judge {model} gave no usable verdict after {retries + 1} attempts: {problem}"
    )


def _jury(model: str | Sequence[str] | None) -> tuple[str, ...] | None:
    """The jurors' specs when `model` is a list of specs; None for one judge (or none yet)."""
    if model is None or isinstance(model, str):
        return None
    if not isinstance(model, list | tuple) or not all(isinstance(m, str) and m for m in model):
        raise ConfigError("judge: model must be a spec, or a list of specs for a jury")
    if len(model) < 2:
        raise ConfigError("judge: a jury needs at least two judges; give one judge as model: SPEC")
    twice = [spec for spec, n in Counter(model).items() if n > 1]
    if twice:
        # ratings are kept by spec, and a judge asked twice at temperature 0 only echoes itself
        raise ConfigError(f"judge: {twice[0]} sits on the jury twice")
    return tuple(model)


def _aggregate_mode(aggregate: str | None, labels: Sequence[str] | None) -> Aggregate:
    """The jury's aggregate: as given, else `mean` on a numeric scale, `majority` on labels."""
    mode = aggregate or ("majority" if labels is not None else "mean")
    if mode not in _AGGREGATES:
        raise ConfigError(f"judge: aggregate must be mean or majority, got {aggregate!r}")
    if mode == "mean" and labels is not None:
        raise ConfigError("judge: labels have no mean; use aggregate: majority")
    return mode  # type: ignore[return-value]


def majority(ratings: Sequence[T], order: Sequence[T]) -> T:
    """The most common of `ratings`; a tie goes to the one that comes first in `order`.

    `order` runs from the lowest rating up (the scale, or the labels as
    listed), so a tied jury gives the lower verdict rather than rounding up.

    >>> majority([4, 2, 4, 2, 5], range(1, 6))
    2
    """
    counts = Counter(ratings)
    top = max(counts.values())
    return next(r for r in order if counts.get(r) == top)


def _judge_factory(
    *,
    model: str | list[str] | None = None,
    guidelines: str,
    low: int = 1,
    high: int = 5,
    labels: list[str] | None = None,
    reference: bool = False,
    retries: int = 2,
    prompt: str | None = None,
    aggregate: Aggregate | None = None,
) -> ScoreFn:
    from proctor.benchmark._prompt import compile_template, render_template

    if labels is not None and len(labels) < 2:
        raise ConfigError("judge: give at least two labels")
    if labels is None and not low < high:
        raise ConfigError(f"judge: the scale needs low < high, got {low}..{high}")
    if retries < 0:
        raise ConfigError("judge: retries must be zero or more")
    jury = _jury(model)
    jurors = jury or ()
    single = model if isinstance(model, str) else None
    mode = _aggregate_mode(aggregate, labels)
    scale: Sequence[Any] = labels if labels is not None else range(low, high + 1)
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

    def normalise(rating: Any) -> float:
        if labels is not None:
            return labels.index(rating) / (len(labels) - 1)
        return (rating - low) / (high - low)

    def render(sample: Sample, output: ModelOutput) -> str:
        if reference and not sample.targets:
            raise ScorerError("this judge compares with a reference answer; the sample has none")
        return render_template(
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

    async def score(sample: Sample, output: ModelOutput, ctx: ScoreContext) -> Score:
        spec = require_judge("judge", single)
        text = render(sample, output)
        rating, explanation = await ask_judge(ctx, spec, text, schema, parse, retries=retries)
        return Score(
            normalise(rating),
            explanation=explanation,
            answer=str(rating),
            metadata={"rating": rating, "judge": spec, "prompt": prompt_id},
            source="judge",
            annotator=spec,
        )

    async def score_by_jury(sample: Sample, output: ModelOutput, ctx: ScoreContext) -> Score:
        text = render(sample, output)
        verdicts, errors = await _ask_jury(ctx, jurors, text, schema, parse, retries=retries)
        if not verdicts:
            raise ScorerError(
                "no judge of the jury gave a verdict: "
                + "; ".join(f"{spec}: {error}" for spec, error in errors.items())
            )
        given = [rating for rating, _ in verdicts.values()]
        rating = math.fsum(given) / len(given) if mode == "mean" else majority(given, scale)
        return Score(
            normalise(rating),
            explanation="\n".join(
                f"{spec}: {verdicts[spec][0]} — {verdicts[spec][1]}"
                if spec in verdicts
                else f"{spec}: no verdict — {errors[spec]}"
                for spec in jurors
            ),
            answer=f"{rating:g}" if isinstance(rating, float) else str(rating),
            metadata={
                "rating": rating,
                "ratings": {s: verdicts[s][0] if s in verdicts else None for s in jurors},
                "explanations": {spec: verdict[1] for spec, verdict in verdicts.items()},
                "errors": errors,
                "aggregate": mode,
                "judge": list(jurors),
                "prompt": prompt_id,
            },
            source="judge",
            annotator="+".join(jurors),
        )

    return score if jury is None else score_by_jury


async def _ask_jury(
    ctx: ScoreContext,
    jury: Sequence[str],
    prompt: str,
    schema: dict[str, Any],
    parse: Callable[[str], tuple[Any, str]],
    *,
    retries: int,
) -> tuple[dict[str, tuple[Any, str]], dict[str, str]]:
    """Every juror's verdict, asked at once: `(verdicts, errors)`, each by spec, in jury order.

    A juror's own failure (no usable verdict, or its model failing after the
    engine's retries) is its error; anything else is a fault of the run and
    is raised once every juror has finished.
    """
    results = await asyncio.gather(
        *(ask_judge(ctx, spec, prompt, schema, parse, retries=retries) for spec in jury),
        return_exceptions=True,
    )
    verdicts: dict[str, tuple[Any, str]] = {}
    errors: dict[str, str] = {}
    for spec, result in zip(jury, results, strict=True):
        if isinstance(result, ModelError | ScorerError):
            errors[spec] = f"{type(result).__name__}: {result}"
        elif isinstance(result, BaseException):
            raise result
        else:
            verdicts[spec] = result
    return verdicts, errors


def prompt_label(name: str, template: str) -> str:
    """How a prompt is named in signatures and scores: `judge_v1:<hash>`, `custom:<hash>`."""
    return f"{name}:{prompt_hash(template)}"


def _signature(
    *,
    model: str | list[str] | None = None,
    prompt: str | None = None,
    labels: list[str] | None = None,
    aggregate: str | None = None,
    **_: Any,
) -> dict[str, str]:
    jury = _jury(model)
    extra = {
        # one judge keeps the signature it always had, so stored runs stay comparable
        "judge": "+".join(jury) if jury is not None else (model or "unset"),  # type: ignore[dict-item]
        "prompt": prompt_label("custom", prompt) if prompt else packaged_label(),
    }
    if jury is not None:
        extra["aggregate"] = _aggregate_mode(aggregate, labels)
    return extra


def _metrics(
    *, model: str | list[str] | None = None, labels: list[str] | None = None, **_: Any
) -> list[Metric]:
    """The mean; for a jury also the agreement between its jurors (alpha, or kappa on labels)."""
    from proctor.metrics import mean
    from proctor.metrics._agreement import alpha_agreement, kappa_agreement

    if _jury(model) is None:
        return [mean()]
    return [mean(), kappa_agreement(labels) if labels is not None else alpha_agreement("interval")]


judge = scorer("judge", version="1", metrics=_metrics, signature=_signature, uses_judge=True)(
    _judge_factory
)
judge.__doc__ = (
    "The `judge` scorer, one judge or a jury; its signature carries the judges' specs "
    "and the prompt hash."
)
