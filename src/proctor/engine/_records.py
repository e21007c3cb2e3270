"""Turning samples, scores and failures into the store's records."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from proctor.scorer import Score
from proctor.store import ScoreRecord

if TYPE_CHECKING:
    from proctor.dataset import Sample


def target_json(sample: Sample) -> Any:
    return (
        sample.target
        if sample.target is None or isinstance(sample.target, str)
        else list(sample.target)
    )


def clean(text: str | None) -> str | None:
    """Model output is untrusted: a NUL character cannot be stored in every database."""
    if text is None or "\x00" not in text:
        return text
    return text.replace("\x00", "\ufffd")


def score_record(name: str, score: Any) -> ScoreRecord:
    if not isinstance(score, Score):
        return ScoreRecord(name, None, error=f"scorer returned {type(score).__name__}, not Score")
    if isinstance(score.value, float) and not math.isfinite(score.value):
        return ScoreRecord(name, None, error=f"scorer returned a non-finite value {score.value}")
    return ScoreRecord(
        name,
        score.value,
        clean(score.explanation),
        clean(score.answer),
        score.metadata,
        score.source,
        score.annotator,
    )


def error_text(exc: BaseException) -> str:
    text = str(exc)
    return clean(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)  # type: ignore[return-value]
