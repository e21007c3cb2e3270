"""Continuous evaluation: ingest production traffic, score samples of it per time window,
watch for drift, and promote failing cases into a benchmark.

    from proctor.online import (ingest, load_online_benchmark, online_status, promote,
                                run_online, OnlineRunOptions, PromoteOptions, StatusOptions)

    ingest(store, ["proxy.jsonl"], source="support-bot")         # redacted, each record once
    online = load_online_benchmark("support-online.yaml")        # dataset: {traffic: support-bot}
    run_online(store, online)                                    # one run per window
    report = online_status(store, online.name)                   # drift vs the trailing windows
    promote(store, report.windows[-1][1], "cases.jsonl",
            options=PromoteOptions(where=("judge/score < 0.5",)))

Modules, one job each: `_formats` (reading the three log formats: `_openai`,
`_otlp`, `_plain`), `_redact`, `_ingest`, `_sampling`, `_windows`, `_spec`
(the online benchmark YAML), `_operational` (latency, tokens and cost as
scorers), `_run`, `_drift` (the statistics), `_status`, `_notify`,
`_promote`. The store side is `proctor.store._online`.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "IngestOptions",
    "IngestReport",
    "NotifyError",
    "OnlineBenchmark",
    "OnlineRunOptions",
    "OnlineRunSummary",
    "PromoteOptions",
    "PromoteReport",
    "Redactor",
    "SamplingRule",
    "StatusOptions",
    "StatusReport",
    "Window",
    "alert_payload",
    "ingest",
    "load_online_benchmark",
    "notify",
    "online_status",
    "promote",
    "run_online",
    "run_online_async",
]

_WHERE = {
    "IngestOptions": "_ingest",
    "IngestReport": "_ingest",
    "ingest": "_ingest",
    "NotifyError": "_notify",
    "alert_payload": "_notify",
    "notify": "_notify",
    "OnlineBenchmark": "_spec",
    "load_online_benchmark": "_spec",
    "OnlineRunOptions": "_run",
    "OnlineRunSummary": "_run",
    "run_online": "_run",
    "run_online_async": "_run",
    "PromoteOptions": "_promote",
    "PromoteReport": "_promote",
    "promote": "_promote",
    "Redactor": "_redact",
    "SamplingRule": "_sampling",
    "StatusOptions": "_status",
    "StatusReport": "_status",
    "online_status": "_status",
    "Window": "_windows",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'proctor.online' has no attribute {name!r}")
    return getattr(importlib.import_module(f"proctor.online.{module}"), name)


def __dir__() -> list[str]:
    return sorted(__all__)
