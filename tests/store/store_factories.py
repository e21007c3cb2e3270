"""Plausible records for the store tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from proctor.store import RunRecord, SampleRecord, ScoreRecord, new_run_id


def make_run(**overrides: Any) -> RunRecord:
    """A plausible run; fields can be overridden."""
    values: dict[str, Any] = {
        "id": new_run_id(),
        "benchmark": "support-faq",
        "task_version": "t1",
        "dataset_version": "d1",
        "selection_version": "s1",
        "model_spec": "openai:gpt-4o-mini",
        "model_config": {"temperature": 0.0, "max_tokens": 256},
        "scorers": [{"name": "exact_match", "args": {"ignore_case": True}, "version": "1"}],
        "n_samples": 3,
        "slices": ["topic"],
        "environment": {"python": "3.11", "packages": {"proctor": "0.1.0"}},
        "started_at": datetime.now(UTC),
    }
    values.update(overrides)
    return RunRecord(**values)


def make_sample(run_id: str, index: int, *, epoch: int = 0, **overrides: Any) -> SampleRecord:
    """Sample number `index` of a run, scored by exact_match and a judge."""
    values: dict[str, Any] = {
        "run_id": run_id,
        "sample_id": f"s{index}",
        "epoch": epoch,
        "position": index,
        "input": [{"role": "user", "content": f"Question {index}?"}],
        "target": f"answer {index}",
        "metadata": {"topic": "billing" if index % 2 else "shipping"},
        "output": f"answer {index}",
        "latency_ms": 12.5,
        "input_tokens": 10,
        "output_tokens": 3,
        "scores": [
            ScoreRecord(scorer="exact_match", value=index % 2 == 0, answer=f"answer {index}"),
            ScoreRecord(scorer="judge", value=0.75, explanation="mostly right", source="judge"),
        ],
    }
    values.update(overrides)
    return SampleRecord(**values)
