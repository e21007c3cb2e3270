"""`run_online`: score sampled production traffic, one run per time window.

    online = load_online_benchmark("support-online.yaml")
    summary = run_online(store, online, options=OnlineRunOptions(since=...))

Each window of the source's traffic (`proctor.online._windows`) becomes one
ordinary run of the benchmark, whose samples are the window's sampled
records with the answers production gave: the model under test is never
called, only judges are, through the engine's `ModelPool` (concurrency,
retries, cache), and each sample is scored by the engine's `score_sample`,
as a re-scoring does. The run's metrics are computed by the engine's
`run_metrics`, so history, compare and the viewer read window runs like any
other. A window run's `started_at` is the window's start, so runs sort by
window.

Incremental and safe to run from cron, several at once: records are
claimed in batches under the benchmark's lock (`proctor.store._online`),
each record by one process only, and a batch's samples are stored together
with the mark that they are done, in one transaction. A process that dies
leaves its claims behind; after `reclaim_after` another run takes them over.
Late records of a window that was already scored join its run, whose
versions and figures are then recomputed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from proctor.dataset import ChatMessage, Dataset, Sample
from proctor.engine._context import EngineContext
from proctor.engine._pool import ModelPool
from proctor.engine._retry import Backoff
from proctor.engine._scoring import score_sample
from proctor.errors import ConfigError
from proctor.model import ModelOutput
from proctor.online._spec import OnlineBenchmark, with_dataset
from proctor.online._windows import Window, window_of
from proctor.store import RunRecord, SampleRecord

if TYPE_CHECKING:
    from proctor.metrics import MetricValue
    from proctor.store import Store
    from proctor.store._online import Claim, StoredTraffic, TrafficSelection

__all__ = [
    "OnlineRunOptions",
    "OnlineRunSummary",
    "WindowSummary",
    "run_online",
    "run_online_async",
]

_RESERVED = ("id", "input", "target", "choices")


@dataclass(frozen=True)
class OnlineRunOptions:
    """Which traffic to score and how hard to drive the judges.

    `since`/`until` bound the records' times (windows are whole: a window
    with a record in range is scored whole); `window` overrides the
    benchmark's length; `batch` records are claimed at a time.
    """

    since: datetime | None = None
    until: datetime | None = None
    window: timedelta | None = None
    batch: int = 64
    max_concurrency: int = 32
    reclaim_after: timedelta = timedelta(hours=1)
    backoff: Backoff = field(default_factory=Backoff)


@dataclass
class WindowSummary:
    """One window this invocation scored records of."""

    window: Window
    run_id: str
    scored: int = 0
    errors: int = 0  # samples on which a scorer failed
    failed_calls: int = 0  # records of production calls that had failed (nothing to score)
    metrics: list[MetricValue] = field(default_factory=list)


@dataclass
class OnlineRunSummary:
    """What one invocation did: the windows it scored, and the records drawn."""

    benchmark: str
    source: str
    rule_id: str
    windows: list[WindowSummary] = field(default_factory=list)
    drawn: int = 0
    judge_calls: int = 0

    @property
    def scored(self) -> int:
        return sum(w.scored for w in self.windows)

    @property
    def errors(self) -> int:
        return sum(w.errors for w in self.windows)

    @property
    def failed_calls(self) -> int:
        return sum(w.failed_calls for w in self.windows)


def run_online(
    store: Store,
    online: OnlineBenchmark,
    *,
    options: OnlineRunOptions | None = None,
    progress: Callable[[WindowSummary], None] | None = None,
) -> OnlineRunSummary:
    """`run_online_async`, blocking."""
    return asyncio.run(run_online_async(store, online, options=options, progress=progress))


async def run_online_async(
    store: Store,
    online: OnlineBenchmark,
    *,
    options: OnlineRunOptions | None = None,
    progress: Callable[[WindowSummary], None] | None = None,
) -> OnlineRunSummary:
    """Score the sampled records of `online`'s source not scored yet, window by window.

    `progress` is called after each window with what was scored in it.
    """
    from proctor.store import StoreWriter
    from proctor.store._online import (
        TrafficSelection,
        draw_window,
        ensure_tables,
        pending_times,
        record_rule,
        traffic_span,
    )

    options = options or OnlineRunOptions()
    if options.batch < 1 or options.max_concurrency < 1:
        raise ConfigError("batch and max_concurrency must be at least 1")
    for scorer_ in online.benchmark.scorers:
        if scorer_.uses_judge and not scorer_.args.get("model"):
            raise ConfigError(
                f"scorer {scorer_.name!r} needs a judge: give it model=SPEC, or set judge: SPEC "
                "in the benchmark (--judge SPEC on the command line)"
            )
    ensure_tables(store)
    length = options.window or online.window
    rule = online.rule.for_window(int(length.total_seconds()))
    rule_id = rule.rule_id(online.source)
    record_rule(store, rule_id, online.source, rule.describe())
    selection = TrafficSelection(
        benchmark=online.name,
        source=online.source,
        rule_id=rule_id,
        rate=rule.rate if not rule.window_wide else None,
        phi=rule.phi,
    )
    summary = OnlineRunSummary(online.name, online.source, rule_id)
    now = datetime.now(UTC)
    span = traffic_span(store, online.source, options.since, options.until)
    if rule.window_wide and span is not None:
        # a window-wide rule draws from closed windows only, once each
        window = window_of(span[0], length)
        while window.start <= span[1] and window.end <= now:
            summary.drawn += draw_window(
                store,
                rule_id,
                online.source,
                window.start,
                window.end,
                n=rule.n or 0,
                stratify=rule.stratify,
                phi=rule.phi,
            )
            window = Window(window.end, window.end + length)
    stale_before = now - options.reclaim_after
    times = pending_times(
        store, selection, since=options.since, until=options.until, stale_before=stale_before
    )
    windows = sorted({window_of(t, length) for t in times})  # the windows, not the records
    if not windows:
        return summary
    pool = ModelPool(store, backoff=options.backoff, configs=online.benchmark.model_configs())
    pool.writer = writer = StoreWriter(store)  # judges' answers go to the cache
    scorer = _WindowScorer(store, online, selection, options, pool, stale_before)
    try:
        for window in windows:
            done = await scorer.window(window)
            if done is not None:
                summary.windows.append(done)
                if progress is not None:
                    progress(done)
    finally:
        writer.close()
        await pool.aclose()
    summary.judge_calls = pool.judge_calls()
    return summary


class _WindowScorer:
    """Claims, scores and stores one window's records batch by batch, then finalizes it."""

    def __init__(
        self,
        store: Store,
        online: OnlineBenchmark,
        selection: TrafficSelection,
        options: OnlineRunOptions,
        pool: ModelPool,
        stale_before: datetime,
    ) -> None:
        from proctor.engine._environment import environment

        self.store = store
        self.online = online
        self.selection = selection
        self.options = options
        self.pool = pool
        self.stale_before = stale_before
        path = online.benchmark.path
        self.environment = environment(path.resolve().parent if path else Path.cwd())
        self.limit = asyncio.Semaphore(options.max_concurrency)

    async def window(self, window: Window) -> WindowSummary | None:
        from proctor.store._online import claim_batch, complete_claim

        result: WindowSummary | None = None
        while True:
            claim = claim_batch(
                self.store,
                self.selection,
                window.start,
                window.end,
                limit=self.options.batch,
                run=self._new_run(window),
                stale_before=self.stale_before,
            )
            if claim is None:
                break
            if result is None:
                result = WindowSummary(window, claim.run_id)
            samples = await self._score(claim, window)
            result.scored += complete_claim(self.store, claim, samples)
            result.errors += sum(1 for _, r in samples if any(s.error for s in r.scores))
            result.failed_calls += sum(1 for _, r in samples if r.error is not None)
        if result is not None:
            result.metrics = finalize_window(self.store, self.online, result.run_id, window)
        return result

    def _new_run(self, window: Window) -> RunRecord:
        from proctor.store import new_run_id

        bench = self.online.benchmark
        return RunRecord(
            id=new_run_id(),
            benchmark=bench.name,
            task_version="",  # set when the window is finalized, from its samples
            dataset_version="",
            selection_version="",
            model_spec=f"traffic:{self.online.source}",
            model_config=_model_config(self.online, self.selection, window),
            scorers=[s.describe() for s in bench.scorers],
            n_samples=0,
            epochs=1,
            slices=list(bench.slices),
            cluster=bench.cluster,
            benchmark_path=None if bench.path is None else str(bench.path.resolve()),
            benchmark_spec=_describe(self.online, bench),
            environment=self.environment,
            label=f"online {window.label}",
            status="running",
            started_at=window.start,
        )

    async def _score(self, claim: Claim, window: Window) -> list[tuple[int, SampleRecord]]:
        settings = {
            "benchmark": self.online.name,
            "task_version": "",
            "model": f"traffic:{self.online.source}",
            "generate": {},
            "run_id": claim.run_id,
        }
        ctx = EngineContext(settings, self.pool)

        async def one(record: StoredTraffic) -> tuple[int, SampleRecord]:
            sample = traffic_sample(record)
            stored = _sample_record(claim.run_id, record, sample, window, self.online)
            if stored.error is None:
                output = ModelOutput(
                    text=record.output or "",
                    input_tokens=stored.input_tokens,
                    output_tokens=stored.output_tokens,
                    extra=stored.output_extra,
                )
                async with self.limit:
                    stored.scores = await score_sample(
                        self.online.benchmark.scorers, sample, output, ctx
                    )
            return record.id, stored

        return list(await asyncio.gather(*(one(r) for r in claim.records)))


def traffic_sample(record: StoredTraffic) -> Sample:
    """The `Sample` a stored record becomes: its key as id, its input, no target."""
    value = record.input
    sample_input: str | tuple[ChatMessage, ...]
    if isinstance(value, str):
        sample_input = value
    else:
        sample_input = tuple(ChatMessage(m["role"], m["content"]) for m in value)
    return Sample(id=record.record_id, input=sample_input, metadata=_metadata(record.metadata))


def _metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """Metadata as a sample keeps it; keys a sample reserves get a trailing underscore."""
    return {
        (f"{k}_" if k in _RESERVED else k): v
        for k, v in metadata.items()
        if v is not None and v != ""
    }


def _sample_record(
    run_id: str, record: StoredTraffic, sample: Sample, window: Window, online: OnlineBenchmark
) -> SampleRecord:
    usage = record.usage or {}
    input_tokens, output_tokens = usage.get("input_tokens"), usage.get("output_tokens")
    cost = None
    if online.prices is not None:
        cost = online.prices.cost(input_tokens, output_tokens)
    extra = {
        "latency_ms": record.latency_ms,
        "cost": cost,
        "traffic": {
            "source": record.source,
            "record_id": record.record_id,
            "traffic_id": record.id,
            "timestamp": record.timestamp.isoformat(),
            "window": window.label,
            "model": record.model,
            "redactions": record.redactions,
        },
    }
    return SampleRecord(
        run_id=run_id,
        sample_id=record.record_id,
        epoch=0,
        # the record's second within its window: samples list in time order
        position=int((record.timestamp - window.start).total_seconds()),
        input=record.input,
        metadata=sample.metadata,
        output=record.output,
        output_extra=extra,
        latency_ms=record.latency_ms,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cost=cost,
        error=None if record.output is not None else f"production error: {record.error}",
    )


def _model_config(online: OnlineBenchmark, selection: TrafficSelection, window: Window) -> dict:
    return {
        "generate": {},
        "cache": False,
        "traffic": {
            "source": online.source,
            "rule_id": selection.rule_id,
            "window": {"start": window.start.isoformat(), "end": window.end.isoformat()},
        },
    }


def _describe(online: OnlineBenchmark, bench: Any) -> dict[str, Any]:
    described = bench.describe()
    described["online"] = online.describe()
    return described


def finalize_window(
    store: Store, online: OnlineBenchmark, run_id: str, window: Window
) -> list[MetricValue]:
    """Recompute a window run's dataset and task versions, totals and metrics, and mark it
    finished.

    Several processes may add samples to one window run at once; each
    finalizes after its own writes, one at a time (`run_lock`). A pass is
    kept only if the number of samples did not change while it ran (samples
    are only ever added), so the last pass to finish has seen every sample.
    """
    from proctor.store._online import run_lock

    with run_lock(store, run_id):
        return _finalize(store, online, run_id, window)


def _finalize(
    store: Store, online: OnlineBenchmark, run_id: str, window: Window
) -> list[MetricValue]:
    from proctor.engine._aggregate import run_metrics

    metrics: list[MetricValue] = []
    for _ in range(20):
        before, _errors = store.count(run_id)
        samples = [_as_sample(r) for r in store.iter_samples(run_id, with_scores=False)]
        dataset = Dataset.from_records(samples, name=f"traffic:{online.source} {window.label}")
        bench = with_dataset(online, dataset)
        run = store.get_run(run_id)
        metrics, counts = run_metrics(store, run, bench.scorers)
        store.update_run(
            run_id,
            task_version=bench.task_version,
            dataset_version=dataset.version,
            selection_version=dataset.selection_version,
            n_samples=len(dataset),
            benchmark_spec=_describe(online, bench),
            status="finished",
            finished_at=datetime.now(UTC),
            **counts.run_fields(),
        )
        after, _errors = store.count(run_id)
        if after == before:
            break
    return metrics


def _as_sample(record: SampleRecord) -> Sample:
    value = record.input
    sample_input: str | tuple[ChatMessage, ...]
    if isinstance(value, str):
        sample_input = value
    else:
        sample_input = tuple(ChatMessage(m["role"], m["content"]) for m in value)
    return Sample(id=record.sample_id, input=sample_input, metadata=record.metadata)
