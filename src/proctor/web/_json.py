"""Store records as the JSON the API returns (and the pages render).

Non-finite floats become null (JSON has no NaN) and times ISO 8601 strings.
A score's judge details are lifted out of its metadata into stable fields:
`prompt` (the judge prompt's name and hash), `jurors` (one entry per juror of
a jury) and `criteria` (a rubric's criteria, met or not, with points) — the
same reading of the metadata as `proctor show --sample`.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

from proctor.metrics import MetricValue
from proctor.store import RunRecord, SampleRecord, ScoreRecord
from proctor.web._queries import BenchmarkSummary, SampleRow

__all__ = [
    "benchmark_json",
    "clean",
    "metric_json",
    "preview",
    "run_json",
    "sample_json",
    "sample_row_json",
    "score_json",
]

_RUN_SUMMARY = (
    "id",
    "benchmark",
    "model_spec",
    "label",
    "status",
    "task_version",
    "n_samples",
    "epochs",
    "n_scored",
    "n_errors",
    "n_cached",
    "cost",
)


def clean(value: Any) -> Any:
    """`value` with NaN and infinities as None and datetimes as ISO strings, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    return value


def metric_json(m: MetricValue) -> dict[str, Any]:
    return clean(m.to_dict())


def run_json(
    run: RunRecord, *, full: bool = False, headline: MetricValue | None = None
) -> dict[str, Any]:
    """A run's summary fields (a list row), or every field with `full`."""
    if full:
        from dataclasses import asdict

        data = asdict(run)
    else:
        data = {name: getattr(run, name) for name in _RUN_SUMMARY}
        data["started_at"] = run.started_at
        data["finished_at"] = run.finished_at
        data["headline"] = None if headline is None else metric_json(headline)
    return clean(data)


def benchmark_json(b: BenchmarkSummary) -> dict[str, Any]:
    return clean(
        {
            "benchmark": b.name,
            "runs": b.runs,
            "finished": b.finished,
            "latest": b.latest,
            "baseline": b.baseline,
        }
    )


def preview(value: Any, width: int = 160) -> str:
    """One line of text for a table cell: a chat's last user turn, else the value's text."""
    if value is None:
        return ""
    if isinstance(value, list) and value and all(isinstance(m, dict) for m in value):
        users = [m for m in value if m.get("role") == "user"] or value
        value = users[-1].get("content", "")
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False)
    flat = " ".join(value.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def sample_row_json(row: SampleRow) -> dict[str, Any]:
    output = preview(row.output)
    if row.output_clipped and not output.endswith("…"):  # cut short by the query itself
        output += "…"
    return clean(
        {
            "sample_id": row.sample_id,
            "epoch": row.epoch,
            "position": row.position,
            "input": preview(row.input),
            "target": preview(row.target, 80),
            "output": output,
            "error": row.error,
            "latency_ms": row.latency_ms,
            "input_tokens": row.input_tokens,
            "output_tokens": row.output_tokens,
            "scores": row.scores,
        }
    )


def _jurors(meta: dict[str, Any]) -> list[dict[str, Any]]:
    ratings = meta.get("ratings")
    if not isinstance(ratings, dict):
        return []
    explanations = meta.get("explanations") or {}
    errors = meta.get("errors") or {}
    return [
        {
            "juror": str(juror),
            "rating": rating,
            "explanation": explanations.get(juror) if isinstance(explanations, dict) else None,
            "error": errors.get(juror) if isinstance(errors, dict) else None,
        }
        for juror, rating in ratings.items()
    ]


def _criteria(meta: dict[str, Any]) -> list[dict[str, Any]]:
    items = meta.get("criteria")
    if not isinstance(items, list):
        return []
    return [
        {
            "criterion": item.get("criterion"),
            "points": item.get("points"),
            "tags": list(item.get("tags") or []),
            "met": item.get("met"),  # None: the judge gave no verdict on it
            "explanation": item.get("explanation"),
        }
        for item in items
        if isinstance(item, dict)
    ]


def score_json(score: ScoreRecord) -> dict[str, Any]:
    meta = score.metadata or {}
    return clean(
        {
            "scorer": score.scorer,
            "value": score.value,
            "answer": score.answer,
            "explanation": score.explanation,
            "source": score.source,
            "annotator": score.annotator,
            "error": score.error,
            "prompt": meta.get("prompt"),
            "usage": score.usage,
            "jurors": _jurors(meta),
            "criteria": _criteria(meta),
            "achieved": meta.get("achieved"),
            "possible": meta.get("possible"),
            "metadata": meta,
        }
    )


def sample_json(record: SampleRecord) -> dict[str, Any]:
    """One stored sample and epoch in full."""
    return clean(
        {
            "epoch": record.epoch,
            "position": record.position,
            "input": record.input,
            "target": record.target,
            "choices": record.choices,
            "metadata": record.metadata,
            "output": record.output,
            "output_extra": record.output_extra,
            "error": record.error,
            "latency_ms": record.latency_ms,
            "input_tokens": record.input_tokens,
            "output_tokens": record.output_tokens,
            "cost": record.cost,
            "cached": record.cached,
            "scores": [score_json(s) for s in record.scores],
        }
    )
