"""`rubric`: a judge checks the answer against each criterion of the sample's own rubric.

This is the grading of HealthBench (Arora et al., 2025, "HealthBench:
Evaluating Large Language Models Towards Improved Human Health"; reference
implementation `healthbench_eval.py` in github.com/openai/simple-evals).
Every sample carries its criteria in `metadata["rubric"]`, in HealthBench's
own shape:

    [{"criterion": "Advises calling emergency services", "points": 10,
      "tags": ["axis:completeness"]},
     {"criterion": "Recommends waiting to see if it passes", "points": -8, "tags": [...]}]

and its own tags (HealthBench's `example_tags`) in `metadata["example_tags"]`;
`rubric_key` and `tags_key` name other fields. Points written as text (inline
YAML samples, CSV cells) are read as numbers, and a list held as JSON text as
the list.

Negative points mark what an answer must not do. The judge answers, for each
criterion in its own call (all of a sample's criteria at once), whether the
answer does what the criterion describes — for a negative criterion, "met"
means the undesirable thing happened. The sample's score is

    (points of the criteria met, negatives included) / (sum of positive points)

not clipped, so it may be negative; the figures clip the mean (see
`proctor.metrics._rubric`). A sample whose rubric has no positive points, a
malformed rubric, or a criterion the judge could not grade within its retry
budget is a scorer error on that sample — never a score of zero.

The judge is reached as in `judge` (`ask_judge`): JSON-constrained replies
(`{"explanation": ..., "criteria_met": ...}`), tolerant parsing, unusable
replies sent back with what was wrong. The packaged prompt is
`prompts/rubric_v1.txt` (our own words); its variables are `conversation`
(the sample's conversation with the answer as the last assistant turn),
`answer`, `criterion` and `points`. The judge's spec and the prompt's hash
are part of the signature.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from proctor.errors import ConfigError, ScorerError
from proctor.metrics._rubric import rubric_metrics, rubric_points
from proctor.scorer._judge import (
    ask_judge,
    conversation_text,
    default_prompt,
    packaged_label,
    prompt_label,
    reply_object,
    require_judge,
)
from proctor.scorer._score import Score, ScoreFn, scorer

if TYPE_CHECKING:
    from proctor.dataset import Sample
    from proctor.metrics import Metric
    from proctor.model import ModelOutput
    from proctor.scorer._score import ScoreContext

__all__ = ["parse_criterion_verdict", "read_rubric", "rubric"]

PROMPT_VERSION = "rubric_v1"
_VERDICTS = {"true": True, "yes": True, "false": False, "no": False}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        # bounded, so a small model cannot ramble past max_tokens and break the JSON
        "explanation": {"type": "string", "maxLength": 400},
        "criteria_met": {"type": "boolean"},
    },
    "required": ["explanation", "criteria_met"],
}


def parse_criterion_verdict(text: str) -> tuple[bool, str]:
    """`(met, explanation)` from the judge's reply; ValueError says what is wrong.

    >>> parse_criterion_verdict('```json\\n{"explanation": "it does", "criteria_met": "yes"}\\n```')
    (True, 'it does')
    """
    data = reply_object(text, "criteria_met")
    met = data["criteria_met"]
    if isinstance(met, str) and met.strip().lower() in _VERDICTS:
        met = _VERDICTS[met.strip().lower()]
    if not isinstance(met, bool):
        raise ValueError(f'"criteria_met" must be true or false, got {met!r}')
    return met, str(data.get("explanation", ""))


def _number(value: Any) -> int | float | None:
    """Points as a finite number (numeric text too: YAML and CSV samples are text)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return int(value) if float(value).is_integer() else float(value)


def _strings(value: Any) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _listed(value: Any) -> Any:
    """A list held as JSON text (a CSV cell) is read as the list."""
    if isinstance(value, str) and value.lstrip().startswith("["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def read_rubric(sample: Sample, *, key: str = "rubric") -> list[dict[str, Any]]:
    """The sample's criteria as `{"criterion", "points", "tags"}`; ScorerError names a fault."""
    if key not in sample.metadata:
        raise ScorerError(
            f"the sample has no {key!r} in its metadata (a list of criteria with "
            '"criterion", "points" and optional "tags")'
        )
    items = _listed(sample.metadata[key])
    if not isinstance(items, list) or not items:
        raise ScorerError(f"metadata {key!r} must be a non-empty list of criteria")
    criteria = []
    for number, item in enumerate(items, start=1):
        where = f"{key} item {number}"
        if not isinstance(item, dict):
            raise ScorerError(f"{where} must be a mapping, got {type(item).__name__}")
        text = item.get("criterion")
        if not isinstance(text, str) or not text.strip():
            raise ScorerError(f'{where} has no "criterion" text')
        if "points" not in item:
            raise ScorerError(f'{where} has no "points"')
        points = _number(item["points"])
        if points is None:
            raise ScorerError(f'{where}: "points" must be a number, got {item["points"]!r}')
        tags = _strings(_listed(item.get("tags")))
        if tags is None:
            raise ScorerError(f'{where}: "tags" must be a list of strings')
        criteria.append({"criterion": text, "points": points, "tags": tags})
    return criteria


def _example_tags(sample: Sample, key: str) -> list[str]:
    tags = _strings(_listed(sample.metadata.get(key)))
    if tags is None:
        raise ScorerError(f"metadata {key!r} must be a list of strings")
    return tags


def _check_tags(name: str, tags: Sequence[str]) -> None:
    if isinstance(tags, str) or not all(isinstance(t, str) and t for t in tags):
        raise ConfigError(f"rubric: {name} must be a list of tags, got {tags!r}")


def _rubric_factory(
    *,
    model: str | None = None,
    retries: int = 2,
    prompt: str | None = None,
    axes: Sequence[str] = (),
    themes: Sequence[str] = (),
    rubric_key: str = "rubric",
    tags_key: str = "example_tags",
) -> ScoreFn:
    from proctor.benchmark._prompt import compile_template, render_template

    if model is not None and not isinstance(model, str):
        raise ConfigError("rubric: model must be one judge's spec")
    if retries < 0:
        raise ConfigError("rubric: retries must be zero or more")
    _check_tags("axes", axes)
    _check_tags("themes", themes)
    template = compile_template(prompt or default_prompt(PROMPT_VERSION), where="rubric prompt")
    prompt_id = prompt_label("custom", prompt) if prompt else packaged_label(PROMPT_VERSION)

    async def grade(
        ctx: ScoreContext, spec: str, sample: Sample, answer: str, item: dict[str, Any]
    ) -> tuple[bool, str]:
        text = render_template(
            template,
            {
                "conversation": f"{conversation_text(sample)}\nassistant: {answer}",
                "answer": answer,
                "criterion": item["criterion"],
                "points": item["points"],
            },
            where="rubric prompt",
            sample=sample,
        )
        return await ask_judge(ctx, spec, text, SCHEMA, parse_criterion_verdict, retries=retries)

    async def score(sample: Sample, output: ModelOutput, ctx: ScoreContext) -> Score:
        spec = require_judge("rubric", model)
        criteria = read_rubric(sample, key=rubric_key)
        example_tags = _example_tags(sample, tags_key)
        if not any(c["points"] > 0 for c in criteria):
            raise ScorerError(
                f"the rubric has no criterion with positive points, so no score can be "
                f"computed ({len(criteria)} criteria, none worth more than 0)"
            )
        verdicts = await asyncio.gather(
            *(grade(ctx, spec, sample, output.text, c) for c in criteria), return_exceptions=True
        )
        results: list[tuple[bool, str]] = []
        failed: list[tuple[int, BaseException]] = []
        for index, verdict in enumerate(verdicts):
            if isinstance(verdict, BaseException):
                if not isinstance(verdict, Exception):  # cancellation and the like go on up
                    raise verdict
                failed.append((index, verdict))
            else:
                results.append(verdict)
        if failed:
            index, error = failed[0]
            others = f" (and {len(failed) - 1} more criteria)" if len(failed) > 1 else ""
            reason = str(error) if isinstance(error, ScorerError) else _error_text(error)
            raise ScorerError(
                f"criterion {index + 1} of {len(criteria)} "
                f"({_short(criteria[index]['criterion'])!r}) was not graded{others}: {reason}"
            ) from error
        graded = [
            {**c, "met": met, "explanation": why}
            for c, (met, why) in zip(criteria, results, strict=True)
        ]
        achieved, possible = rubric_points((c["points"], c["met"]) for c in graded)
        met_count = sum(c["met"] for c in graded)
        return Score(
            achieved / possible,
            explanation=(
                f"met {met_count} of {len(graded)} criteria: {achieved:g}/{possible:g} points"
            ),
            metadata={
                "criteria": graded,
                "achieved": achieved,
                "possible": possible,
                "example_tags": example_tags,
                "judge": spec,
                "prompt": prompt_id,
            },
            source="judge",
            annotator=spec,
        )

    return score


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _signature(*, model: str | None = None, prompt: str | None = None, **_: Any) -> dict[str, str]:
    return {
        "judge": model or "unset",
        "prompt": prompt_label("custom", prompt) if prompt else packaged_label(PROMPT_VERSION),
    }


def _metrics(*, axes: Sequence[str] = (), themes: Sequence[str] = (), **_: Any) -> list[Metric]:
    return rubric_metrics(axes=list(axes), themes=list(themes))


rubric = scorer("rubric", version="1", signature=_signature, uses_judge=True, metrics=_metrics)(
    _rubric_factory
)
rubric.__doc__ = (
    "The `rubric` scorer (HealthBench grading): one judge call per criterion; its signature "
    "carries the judge's spec and prompt hash."
)
