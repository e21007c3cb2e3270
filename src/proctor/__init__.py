"""Proctor: build, run and track benchmarks for LLMs and the systems built on them.

    from proctor import load_benchmark, run_benchmark

    summary = run_benchmark(load_benchmark("benchmark.yaml"), "openai:gpt-4o-mini")

Names are imported on first use, so `import proctor` (and the CLI) start fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Benchmark": "proctor.benchmark",
    "FewShot": "proctor.benchmark",
    "PromptTemplate": "proctor.benchmark",
    "load_benchmark": "proctor.benchmark",
    "ChatMessage": "proctor.dataset",
    "Dataset": "proctor.dataset",
    "FieldMap": "proctor.dataset",
    "Sample": "proctor.dataset",
    "GenerateConfig": "proctor.model",
    "GenerateRequest": "proctor.model",
    "Model": "proctor.model",
    "ModelConfig": "proctor.model",
    "ModelOutput": "proctor.model",
    "Prices": "proctor.model",
    "get_model": "proctor.model",
    "Score": "proctor.scorer",
    "ScoreContext": "proctor.scorer",
    "Scorer": "proctor.scorer",
    "scorer": "proctor.scorer",
    "Metric": "proctor.metrics",
    "MetricValue": "proctor.metrics",
    "mean": "proctor.metrics",
    "Store": "proctor.store",
    "RunRecord": "proctor.store",
    "SampleRecord": "proctor.store",
    "ScoreRecord": "proctor.store",
    "RunOptions": "proctor.engine",
    "RunSummary": "proctor.engine",
    "run_benchmark": "proctor.engine",
    "run_benchmark_async": "proctor.engine",
    "ConfigError": "proctor.errors",
    "DatasetError": "proctor.errors",
    "ModelError": "proctor.errors",
    "ProctorError": "proctor.errors",
    "RegistryError": "proctor.errors",
    "ScorerError": "proctor.errors",
    "StoreError": "proctor.errors",
    "TemplateError": "proctor.errors",
}

__all__ = sorted([*_EXPORTS, "compare"])


def __getattr__(name: str) -> Any:
    if name == "compare":  # a callable package: proctor.compare(run_a, run_b) -> Comparison
        return importlib.import_module("proctor.compare")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'proctor' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
