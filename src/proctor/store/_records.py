"""Plain records the store reads and writes.

The store sits downstream of models and scorers and never imports them; the
engine turns samples, outputs and scores into these records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class ScoreRecord:
    """One scorer's verdict on one sample and epoch, or the error it raised."""

    scorer: str
    value: bool | int | float | str | None
    explanation: str | None = None
    answer: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    source: str = "scorer"
    annotator: str | None = None
    error: str | None = None
    usage: dict[str, Any] | None = None  # judge calls behind the score (see JudgeUsage)


@dataclass(slots=True)
class SampleRecord:
    """Everything about one sample and epoch of a run.

    `error` is set when the model call failed after its retries; scorer
    failures are recorded on their `ScoreRecord` instead. `position` is the
    sample's place in the run's selection (for stable ordering).
    """

    run_id: str
    sample_id: str
    epoch: int
    position: int
    input: Any
    target: Any = None
    choices: list[str] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    output: str | None = None
    output_extra: dict[str, Any] = field(default_factory=dict)
    latency_ms: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost: float | None = None
    cached: bool = False
    error: str | None = None
    scores: list[ScoreRecord] = field(default_factory=list)


@dataclass(slots=True)
class RunRecord:
    """One benchmark version run against one model configuration."""

    id: str
    benchmark: str
    task_version: str
    dataset_version: str
    selection_version: str
    model_spec: str
    model_config: dict[str, Any]
    scorers: list[dict[str, Any]]
    n_samples: int
    epochs: int = 1
    slices: list[str] = field(default_factory=list)
    cluster: str | None = None
    benchmark_path: str | None = None
    benchmark_spec: dict[str, Any] = field(default_factory=dict)
    environment: dict[str, Any] = field(default_factory=dict)
    label: str | None = None
    status: str = "running"
    started_at: datetime | None = None
    finished_at: datetime | None = None
    n_scored: int = 0
    n_errors: int = 0
    n_cached: int = 0
    cost: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    judge_calls: int | None = None
    judge_input_tokens: int | None = None
    judge_output_tokens: int | None = None
    judge_cost: float | None = None


@dataclass(slots=True)
class CacheEntry:
    """A model response kept by content hash (`key`), so a repeated call costs nothing."""

    key: str
    model_spec: str
    output: dict[str, Any]
    latency_ms: float | None = None
