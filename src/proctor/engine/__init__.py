"""The engine: run a benchmark against a model, concurrently, into the store."""

from proctor.engine._engine import (
    Observer,
    RunOptions,
    RunSummary,
    run_benchmark,
    run_benchmark_async,
)
from proctor.engine._retry import Backoff

__all__ = [
    "Backoff",
    "Observer",
    "RunOptions",
    "RunSummary",
    "run_benchmark",
    "run_benchmark_async",
]
