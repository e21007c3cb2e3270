"""Re-score a stored run: new or changed scorers on the outputs already stored.

The model under test is never called: its outputs come from the store. Only
judges are, through the same pool as in a run (concurrency, retries, cache),
so re-scoring twice with the same judge costs the judge once.

The benchmark must be the run's (same task version and selection): the
scorers see the original samples, as in the run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from proctor.engine._context import EngineContext
from proctor.engine._pool import ModelPool
from proctor.engine._retry import Backoff
from proctor.engine._scoring import score_sample
from proctor.errors import ConfigError
from proctor.model import ModelOutput
from proctor.scorer import Score, Scorer

if TYPE_CHECKING:
    from proctor.benchmark import Benchmark
    from proctor.metrics import MetricValue
    from proctor.store import RunRecord, SampleRecord, ScoreRecord, Store

_BATCH = 256


class RescoreObserver(Protocol):
    """Progress of a re-scoring; the run `Observer` (the CLI's progress bar) fits it.

    `advance` receives each sample with its new scores only.
    """

    def start(self, run: RunRecord, total: int, skipped: int) -> None: ...

    def advance(self, record: SampleRecord) -> None: ...

    def finish(self, summary: Any) -> None: ...


@dataclass
class RescoreSummary:
    """What a re-scoring did: which scorers, how many samples, how many errors."""

    run: RunRecord
    scorers: list[str]
    metrics: list[MetricValue]
    scored: int = 0
    errors: int = 0
    skipped: int = 0  # samples whose model call had failed: nothing to score
    judge_calls: int = 0
    added: list[str] = field(default_factory=list)


def choose_scorers(
    run: RunRecord, benchmark: Benchmark, names: Sequence[str] | None
) -> list[Scorer]:
    """The scorers to apply: those named, else the benchmark's that the run lacks or that
    have changed (their signature differs from the stored one)."""
    by_name = {s.name: s for s in benchmark.scorers}
    if names:
        unknown = [n for n in names if n not in by_name]
        if unknown:
            raise ConfigError(
                f"the benchmark has no scorer {unknown[0]!r} (its scorers: {', '.join(by_name)})"
            )
        return [by_name[n] for n in dict.fromkeys(names)]
    stored = {s.get("name"): s.get("signature") for s in run.scorers}
    chosen = [s for s in benchmark.scorers if stored.get(s.name) != s.signature]
    if not chosen:
        raise ConfigError(
            f"run {run.id} already has every scorer of the benchmark with the same signature; "
            "name the ones to score again with --scorer"
        )
    return chosen


async def rescore_run_async(
    store: Store,
    run_ref: str,
    benchmark: Benchmark,
    *,
    scorers: Sequence[str] | None = None,
    max_concurrency: int = 32,
    backoff: Backoff | None = None,
    observer: RescoreObserver | None = None,
) -> RescoreSummary:
    """Score the stored outputs of run `run_ref` with some of `benchmark`'s scorers,
    replacing what those scorers had stored, and recompute the run's metrics."""
    from proctor.engine._aggregate import run_metrics
    from proctor.store import StoreWriter

    run = store.get_run(run_ref)
    if run.task_version != benchmark.task_version:
        raise ConfigError(
            f"run {run.id} is {run.benchmark} at task version {run.task_version}; this benchmark "
            f"is at {benchmark.task_version} (another dataset or prompt): its outputs answered "
            "other questions"
        )
    dataset = benchmark.dataset.with_options(limit=run.n_samples)
    if dataset.selection_version != run.selection_version:
        raise ConfigError(
            f"run {run.id} ran another selection of samples ({run.selection_version}, the "
            f"benchmark now selects {dataset.selection_version})"
        )
    chosen = choose_scorers(run, benchmark, scorers)
    for scorer_ in chosen:
        if scorer_.uses_judge and not scorer_.args.get("model"):
            raise ConfigError(
                f"scorer {scorer_.name!r} needs a judge: give it model=SPEC, or set judge: SPEC "
                "in the benchmark (--judge SPEC on the command line)"
            )
    samples = {sample.id: sample for sample in dataset}
    pool = ModelPool(store, backoff=backoff or Backoff(), configs=benchmark.model_configs())
    pool.writer = writer = StoreWriter(store)  # judges' answers go to the cache
    settings = {
        "benchmark": benchmark.name,
        "task_version": run.task_version,
        "model": run.model_spec,
        "generate": run.model_config.get("generate") or {},
        "run_id": run.id,
    }
    ctx = EngineContext(settings, pool)
    summary = RescoreSummary(run=run, scorers=[s.name for s in chosen], metrics=[])
    limit = asyncio.Semaphore(max_concurrency)
    total, _ = store.count(run.id)
    if observer is not None:
        observer.start(run, total, 0)

    async def one(record: SampleRecord) -> list[tuple[str, int, ScoreRecord]]:
        sample = samples.get(record.sample_id)
        if sample is None:  # the same selection version makes this impossible
            raise ConfigError(f"sample {record.sample_id!r} is not in the benchmark's dataset")
        async with limit:
            new = await score_sample(
                chosen, sample, _output(record), _StoredScores(ctx, record, chosen)
            )
        return [(record.sample_id, record.epoch, r) for r in new]

    try:
        batch: list[SampleRecord] = []
        for record in _scorable(store, run.id, summary):
            batch.append(record)
            if len(batch) >= _BATCH:
                await _flush(store, run.id, batch, one, summary, observer)
                batch = []
        await _flush(store, run.id, batch, one, summary, observer)
    finally:
        writer.close()
        await pool.aclose()
    summary.judge_calls = pool.judge_calls()
    final = _final_scorers(run, benchmark, chosen)
    described = [s.describe() for s in final]
    summary.added = [s.name for s in chosen if s.name not in {d.get("name") for d in run.scorers}]
    store.update_run(run.id, scorers=described)
    run = store.get_run(run.id)
    metrics, counts = run_metrics(store, run, final)
    store.update_run(
        run.id, **counts.run_fields(), finished_at=run.finished_at or datetime.now(UTC)
    )
    summary.run = store.get_run(run.id)
    summary.metrics = metrics
    if observer is not None:
        observer.finish(summary)
    return summary


def rescore_run(store: Store, run_ref: str, benchmark: Benchmark, **options: Any) -> RescoreSummary:
    """`rescore_run_async`, blocking."""
    return asyncio.run(rescore_run_async(store, run_ref, benchmark, **options))


def _scorable(store: Store, run_id: str, summary: RescoreSummary) -> Any:
    for record in store.iter_samples(run_id):
        if record.error is not None or record.output is None:
            summary.skipped += 1
            continue
        yield record


async def _flush(
    store: Store,
    run_id: str,
    batch: list[SampleRecord],
    one: Any,
    summary: RescoreSummary,
    observer: RescoreObserver | None,
) -> None:
    if not batch:
        return
    results = await asyncio.gather(*(one(record) for record in batch))
    items = [item for result in results for item in result]
    store.replace_scores(run_id, items)
    summary.scored += len(batch)
    summary.errors += sum(1 for result in results if any(r.error for _, _, r in result))
    if observer is not None:
        for record, result in zip(batch, results, strict=True):
            record.scores = [r for _, _, r in result]
            observer.advance(record)


def _output(record: SampleRecord) -> ModelOutput:
    return ModelOutput(
        text=record.output or "",
        input_tokens=record.input_tokens,
        output_tokens=record.output_tokens,
        extra=record.output_extra or {},
    )


class _StoredScores:
    """The run's context, where a composite also sees the sample's stored scores by
    scorers that are not being re-scored."""

    def __init__(self, ctx: EngineContext, record: SampleRecord, chosen: Sequence[Scorer]):
        self._ctx = ctx
        names = {s.name for s in chosen}
        self._stored = {
            s.scorer: Score(
                s.value,  # type: ignore[arg-type]
                explanation=s.explanation,
                answer=s.answer,
                metadata=s.metadata,
                source=s.source,  # type: ignore[arg-type]
                annotator=s.annotator,
            )
            for s in record.scores
            if s.error is None
            and s.value is not None
            and s.scorer not in names
            and s.source != "human"  # a composite combines machine scores, as in the run
        }

    @property
    def settings(self) -> dict[str, Any]:
        return self._ctx.settings

    def for_scorer(self, scores: dict[str, Score] | None = None) -> Any:
        return self._ctx.for_scorer({**self._stored, **(scores or {})})


def _final_scorers(run: RunRecord, benchmark: Benchmark, chosen: Sequence[Scorer]) -> list[Scorer]:
    """The run's scorers after re-scoring: stored ones (rebuilt from the benchmark when
    unchanged, else from their stored name and arguments), replaced ones, then new ones."""
    from proctor.scorer._score import rebuild_scorer

    chosen_by_name = {s.name: s for s in chosen}
    bench_by_name = {s.name: s for s in benchmark.scorers}
    final: list[Scorer] = []
    for entry in run.scorers:
        name = entry.get("name")
        if name in chosen_by_name:
            final.append(chosen_by_name.pop(name))
            continue
        known = bench_by_name.get(name)
        if known is not None and known.signature == entry.get("signature"):
            final.append(known)
            continue
        try:
            final.append(rebuild_scorer(entry))
        except Exception as exc:
            raise ConfigError(
                f"run {run.id}'s scorer {name!r} is no longer in the benchmark and cannot be "
                f"rebuilt to recompute its metrics ({exc}); score it again with --scorer"
            ) from None
    final.extend(chosen_by_name.values())
    return final
