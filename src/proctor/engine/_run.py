"""`run_benchmark`: the public entry points of the engine."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from proctor.engine._engine import Engine
from proctor.engine._options import Observer, RunOptions, RunSummary

if TYPE_CHECKING:
    from proctor.benchmark import Benchmark
    from proctor.model import Model
    from proctor.store import Store


async def run_benchmark_async(
    benchmark: Benchmark,
    model: Model,
    *,
    store: Store,
    options: RunOptions | None = None,
    observer: Observer | None = None,
) -> RunSummary:
    """Run `benchmark` against `model`, writing every finished sample to `store`."""
    engine = Engine(
        benchmark, model, store=store, options=options or RunOptions(), observer=observer
    )
    try:
        return await engine.run()
    finally:
        await model.aclose()


def run_benchmark(
    benchmark: Benchmark,
    model: Model | str,
    *,
    store: Store | None = None,
    options: RunOptions | None = None,
    observer: Observer | None = None,
) -> RunSummary:
    """Run a benchmark to completion (blocking). `model` may be a spec string.

    summary = run_benchmark(load_benchmark("bench.yaml"), "openai:gpt-4o-mini")
    for m in summary.metrics: print(m.name, m.value, m.ci_low, m.ci_high)
    """
    from proctor.model import get_model
    from proctor.store import Store

    if isinstance(model, str):
        model = get_model(model)
    owned = store is None
    store = store or Store()
    try:
        return asyncio.run(
            run_benchmark_async(benchmark, model, store=store, options=options, observer=observer)
        )
    finally:
        if owned:
            store.close()
