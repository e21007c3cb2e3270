"""The engine: run a benchmark against a model, concurrently, into the store."""

from proctor.engine._options import Observer, RunOptions, RunSummary
from proctor.engine._rescore import RescoreSummary, rescore_run, rescore_run_async
from proctor.engine._retry import Backoff
from proctor.engine._run import run_benchmark, run_benchmark_async

__all__ = [
    "Backoff",
    "Observer",
    "RescoreSummary",
    "RunOptions",
    "RunSummary",
    "rescore_run",
    "rescore_run_async",
    "run_benchmark",
    "run_benchmark_async",
]
