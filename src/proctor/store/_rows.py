"""Convert records to table rows and back.

These run once per sample and score on the hot path, so they build plain
dicts by hand; JSON columns are serialised once, by the driver.
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row

from proctor.metrics._metric import MetricValue
from proctor.store._records import CacheEntry, RunRecord, SampleRecord, ScoreRecord

__all__ = [
    "RUN_FIELDS",
    "cache_row",
    "metric_row",
    "row_to_cache",
    "row_to_metric",
    "row_to_run",
    "row_to_sample",
    "row_to_score",
    "run_row",
    "sample_row",
    "score_rows",
    "to_utc",
]

RUN_FIELDS = frozenset(f.name for f in fields(RunRecord))
_METRIC_FIELDS = tuple(f.name for f in fields(MetricValue))


def to_utc(value: datetime | None) -> datetime | None:
    """`value` in UTC. A naive datetime is ambiguous and rejected."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value.isoformat()}: give a timezone-aware one")
    return value.astimezone(UTC)


def from_db_time(value: datetime | None) -> datetime | None:
    """A time read back from the database, as an aware UTC datetime."""
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite keeps no zone; Proctor stores UTC
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def run_row(run: RunRecord) -> dict[str, Any]:
    row = {name: getattr(run, name) for name in RUN_FIELDS}
    row["started_at"] = to_utc(run.started_at) or datetime.now(UTC)
    row["finished_at"] = to_utc(run.finished_at)
    return row


def row_to_run(row: Row[Any]) -> RunRecord:
    values = row._asdict()
    values["started_at"] = from_db_time(values["started_at"])
    values["finished_at"] = from_db_time(values["finished_at"])
    return RunRecord(**values)


def sample_row(r: SampleRecord, created_at: datetime) -> dict[str, Any]:
    return {
        "run_id": r.run_id,
        "sample_id": r.sample_id,
        "epoch": r.epoch,
        "position": r.position,
        "input": r.input,
        "target": r.target,
        "choices": r.choices,
        "metadata": r.metadata,
        "output": r.output,
        "output_extra": r.output_extra,
        "latency_ms": r.latency_ms,
        "input_tokens": r.input_tokens,
        "output_tokens": r.output_tokens,
        "cost": r.cost,
        "cached": r.cached,
        "error": r.error,
        "created_at": created_at,
    }


def _value_num(value: object) -> float | None:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    return None


def score_rows(r: SampleRecord) -> list[dict[str, Any]]:
    return [
        {
            "run_id": r.run_id,
            "sample_id": r.sample_id,
            "epoch": r.epoch,
            "scorer": s.scorer,
            "source": s.source,
            "annotator": s.annotator,
            "value": s.value,
            "value_num": _value_num(s.value),
            "explanation": s.explanation,
            "answer": s.answer,
            "metadata": s.metadata,
            "error": s.error,
            "usage": s.usage,
        }
        for s in r.scores
    ]


def row_to_score(row: Row[Any]) -> ScoreRecord:
    return ScoreRecord(
        scorer=row.scorer,
        value=row.value,
        explanation=row.explanation,
        answer=row.answer,
        metadata=row.metadata if row.metadata is not None else {},
        source=row.source,
        annotator=row.annotator,
        error=row.error,
        usage=row.usage,
    )


def _decoded(value: Any) -> Any:
    """A JSON column read as text (SQLite) or already decoded (psycopg, for PostgreSQL)."""
    if isinstance(value, str):
        return {} if value == "{}" else json.loads(value)
    return value


_SCALARS: dict[str, Any] = {"true": True, "false": False, "null": None}


def _decoded_value(value: Any) -> Any:
    """A score value read as JSON text: the common scalars without the JSON parser."""
    if not isinstance(value, str):
        return value
    if value in _SCALARS:
        return _SCALARS[value]
    if value[:1].isdigit() or value[:1] == "-":
        try:
            return int(value) if value.lstrip("-").isdigit() else float(value)
        except ValueError:
            pass  # not a plain number after all: let the JSON parser say what it is
    return json.loads(value)


def lean_sample(row: Row[Any]) -> SampleRecord:
    """A `SampleRecord` from the lean columns (`Store.iter_scored`), JSON read as text.

    Columns by position, in `Store`'s `_LEAN` order: this runs once per sample.
    """
    run_id, sample_id, epoch, position, choices, metadata, latency, tin, tout, cost, cached, err = (
        row
    )
    metadata = _decoded(metadata)
    return SampleRecord(
        run_id,
        sample_id,
        epoch,
        position,
        None,
        None,
        _decoded(choices),
        metadata if metadata is not None else {},
        None,
        {},
        latency,
        tin,
        tout,
        cost,
        bool(cached),
        err,
    )


def lean_score(row: Row[Any]) -> ScoreRecord:
    """A `ScoreRecord` without explanation and answer, JSON read as text (`_LEAN_SCORES`
    column order)."""
    _, _, scorer, source, annotator, value, metadata, error, usage = row
    metadata = _decoded(metadata)
    return ScoreRecord(
        scorer,
        _decoded_value(value),
        None,
        None,
        metadata if metadata is not None else {},
        source,
        annotator,
        error,
        None if usage is None else _decoded(usage),
    )


def row_to_sample(row: Row[Any], *, lean: bool = False) -> SampleRecord:
    """A `SampleRecord` without scores; with `lean`, the text columns were not read."""
    return SampleRecord(
        run_id=row.run_id,
        sample_id=row.sample_id,
        epoch=row.epoch,
        position=row.position,
        input=None if lean else row.input,
        target=None if lean else row.target,
        choices=row.choices,
        metadata=row.metadata if row.metadata is not None else {},
        output=None if lean else row.output,
        output_extra={} if lean else row.output_extra,
        latency_ms=row.latency_ms,
        input_tokens=row.input_tokens,
        output_tokens=row.output_tokens,
        cost=row.cost,
        cached=bool(row.cached),
        error=row.error,
    )


def metric_row(run_id: str, ordinal: int, value: MetricValue) -> dict[str, Any]:
    row = {name: getattr(value, name) for name in _METRIC_FIELDS}
    row["run_id"] = run_id
    row["ordinal"] = ordinal
    return row


def row_to_metric(row: Row[Any]) -> MetricValue:
    return MetricValue(**{name: getattr(row, name) for name in _METRIC_FIELDS})


def cache_row(entry: CacheEntry, created_at: datetime) -> dict[str, Any]:
    return {
        "key": entry.key,
        "model_spec": entry.model_spec,
        "output": entry.output,
        "latency_ms": entry.latency_ms,
        "created_at": created_at,
    }


def row_to_cache(row: Row[Any]) -> CacheEntry:
    return CacheEntry(
        key=row.key, model_spec=row.model_spec, output=row.output, latency_ms=row.latency_ms
    )
