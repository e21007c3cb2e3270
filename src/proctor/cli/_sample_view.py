"""One sample in full, for `proctor show --sample`: every score with who gave it, the
judge's prompt hash and explanation, jury ratings and rubric criteria with points.

Everything here is untrusted text (inputs, outputs, explanations) and is built
as Rich `Text`, never parsed as markup.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from proctor.store import SampleRecord, ScoreRecord


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, indent=1)


def _points(value: Any) -> str:
    return f"{value:+g}" if isinstance(value, int | float) else str(value)


def score_lines(score: ScoreRecord, *, indent: str = "  ") -> Iterator[Any]:
    """A score's lines: value and source, prompt hash, explanation, jurors, criteria."""
    from rich.text import Text

    head = Text(f"{indent}{score.scorer}: ", style="bold")
    if score.error is not None:
        yield head + Text("ERROR ", style="bold red") + Text(score.error)
    else:
        head += Text(_text(score.value))
        if score.answer is not None and score.answer != str(score.value):
            head += Text(f" (answer {score.answer})")
        yield head
    who = score.source + (f" · {score.annotator}" if score.annotator else "")
    meta = score.metadata or {}
    if meta.get("prompt"):
        who += f" · prompt {meta['prompt']}"
    if score.usage:
        who += f" · {score.usage.get('calls', 0)} judge call(s)"
    yield Text(f"{indent}  by ") + Text(who, style="dim")
    if score.explanation:
        yield Text(f"{indent}  why ") + Text(score.explanation)
    ratings = meta.get("ratings")
    if isinstance(ratings, dict):
        explanations = meta.get("explanations") or {}
        errors = meta.get("errors") or {}
        for juror, rating in ratings.items():
            line = Text(f"{indent}  · ") + Text(str(juror)) + Text(f": {_text(rating)}")
            reason = errors.get(juror) or explanations.get(juror)
            if reason:
                line += Text(" — ") + Text(str(reason))
            yield line
    criteria = meta.get("criteria")
    if isinstance(criteria, list):
        for item in criteria:
            if not isinstance(item, dict):
                continue
            met = item.get("met")
            mark, style = ("met    ", "green") if met else ("not met", "red")
            if met is None:
                mark, style = ("error  ", "yellow")
            line = Text(f"{indent}  [") + Text(mark, style=style) + Text("] ")
            line += Text(f"{_points(item.get('points')):>4} ") + Text(str(item.get("criterion")))
            tags = item.get("tags")
            if tags:
                line += Text(f"  ({', '.join(map(str, tags))})", style="dim")
            yield line
            if item.get("explanation"):
                yield Text(f"{indent}              ") + Text(str(item["explanation"]), style="dim")


def sample_lines(record: SampleRecord) -> Iterator[Any]:
    """A stored sample and epoch in full."""
    from rich.text import Text

    yield Text(f"sample {record.sample_id} · epoch {record.epoch}", style="bold")
    yield Text("input", style="bold")
    yield Text(_text(record.input))
    yield Text("output", style="bold")
    yield Text(_text(record.output)) if record.error is None else Text(record.error, style="red")
    if record.target is not None:
        yield Text("target", style="bold")
        yield Text(_text(record.target))
    facts = []
    if record.latency_ms is not None:
        facts.append(f"latency {record.latency_ms:.0f} ms")
    if record.input_tokens is not None or record.output_tokens is not None:
        facts.append(f"tokens in {record.input_tokens} / out {record.output_tokens}")
    if record.cached:
        facts.append("from cache")
    if facts:
        yield Text(" · ".join(facts), style="dim")
    if record.scores:
        yield Text("scores", style="bold")
        for score in record.scores:
            yield from score_lines(score)
