"""The engine: stream samples through model and scorers into the store.

    dataset -> render -> (cache | model call) -> scorers -> store writer

A producer renders samples in chunks (looking up cached answers for a whole
chunk in one query) and feeds a bounded queue; workers take items, call the
model through `ModelCalls` (which enforces the model's concurrency limit, so
workers beyond it score while others wait on the model) and hand finished
samples to the store writer, which commits them in small groups. Memory stays
flat whatever the dataset's size.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from proctor.engine._calls import ModelCalls, cache_key
from proctor.engine._context import EngineContext
from proctor.engine._options import Observer, RunOptions, RunSummary
from proctor.engine._pool import ModelPool
from proctor.engine._records import clean, error_text, target_json
from proctor.engine._scoring import score_sample
from proctor.errors import ConfigError, TemplateError
from proctor.model import (
    GenerateConfig,
    GenerateRequest,
    LoglikelihoodRequest,
    Model,
    ModelOutput,
    supports_loglikelihood,
)
from proctor.store import RunRecord, SampleRecord, ScoreRecord

if TYPE_CHECKING:
    from proctor.benchmark import Benchmark
    from proctor.dataset import Sample
    from proctor.store import Store, StoreWriter

_CHUNK = 256


@dataclass(slots=True)
class _Item:
    sample: Sample
    epoch: int
    position: int
    request: GenerateRequest
    replace: bool
    key: str | None = None
    cached: dict | None = None
    error: str | None = None  # the prompt could not be rendered for this sample


class Engine:
    """Runs one benchmark against one model into a store. Use `run_benchmark`."""

    def __init__(
        self,
        benchmark: Benchmark,
        model: Model,
        *,
        store: Store,
        options: RunOptions,
        observer: Observer | None,
    ):
        self.benchmark = benchmark
        self.model = model
        self.store = store
        self.options = options
        self.observer = observer
        benchmark.check_keys()  # one pass over the source, shared with the copy below
        self.dataset = benchmark.dataset.with_options(limit=options.limit)
        self.epochs = options.epochs or benchmark.epochs
        self.generate_config = _merge(benchmark.generation, model.config.generate)
        cache = (
            options.cache
            if options.cache is not None
            else (model.config.cache if model.config.cache is not None else model.cache_by_default)
        )
        self.cache = cache
        self.pool = ModelPool(
            store,
            backoff=options.backoff,
            main=model,
            main_cache=cache,
            main_concurrency=options.max_concurrency,
            configs=benchmark.model_configs(),
        )
        self.writer: StoreWriter | None = None
        self.processed = self.n_errors = self.n_cached = 0
        self.cost: float | None = None

    # -- run record -------------------------------------------------------------------------

    def _open_run(self) -> tuple[RunRecord, dict[tuple[str, int], bool]]:
        from proctor.engine._environment import environment
        from proctor.store import new_run_id

        bench = self.benchmark
        if self.options.resume is not None:
            run = self.store.get_run(self.options.resume)
            if run.task_version != bench.task_version or run.benchmark != bench.name:
                raise ConfigError(
                    f"run {run.id} is {run.benchmark} at task version {run.task_version}; this "
                    f"benchmark is {bench.name} at {bench.task_version}: it cannot be resumed with "
                    "a different benchmark, dataset or prompt"
                )
            if run.model_spec != self.model.spec:
                raise ConfigError(
                    f"run {run.id} was run with {run.model_spec}, not "
                    f"{self.model.spec}; resume it with the same --model"
                )
            self._check_resumable(run)
            self.epochs = run.epochs
            self.dataset = bench.dataset.with_options(limit=run.n_samples)
            if self.dataset.selection_version != run.selection_version:
                raise ConfigError(
                    f"run {run.id} ran another selection of samples "
                    f"({run.selection_version}, now {self.dataset.selection_version})"
                )
            self.store.update_run(run.id, status="running", finished_at=None)
            return run, self.store.finished(run.id)
        folder = bench.path.resolve().parent if bench.path else Path.cwd()
        run = RunRecord(
            id=new_run_id(),
            benchmark=bench.name,
            task_version=bench.task_version,
            dataset_version=self.dataset.version,
            selection_version=self.dataset.selection_version,
            model_spec=self.model.spec,
            model_config=_config_record(self.model, self.generate_config, self.cache),
            scorers=[s.describe() for s in bench.scorers],
            n_samples=len(self.dataset),
            epochs=self.epochs,
            slices=list(bench.slices),
            cluster=bench.cluster,
            benchmark_path=None if bench.path is None else str(bench.path.resolve()),
            benchmark_spec=bench.describe(),
            environment=environment(folder),
            label=self.options.label,
            status="running",
            started_at=datetime.now(UTC),
        )
        self.store.create_run(run)
        return run, {}

    def _check_resumable(self, run: RunRecord) -> None:
        """A resumed run must go on exactly as it started, or its samples would disagree."""
        options = self.options
        if options.limit is not None or options.epochs is not None or options.label is not None:
            raise ConfigError(
                "--limit, --epochs and --label cannot change a run being resumed; they are "
                f"those of run {run.id}"
            )
        stored = run.model_config.get("generate") or {}
        wanted = self.generate_config.to_dict()
        if stored != wanted:
            raise ConfigError(
                f"run {run.id} was generated with {stored or 'the default settings'}; resuming "
                f"with {wanted or 'the default settings'} would mix two configurations"
            )
        signatures = [s.get("signature") for s in run.scorers]
        if signatures != [s.signature for s in self.benchmark.scorers]:
            raise ConfigError(
                f"run {run.id} was scored by {', '.join(map(str, signatures))}; the benchmark's "
                "scorers have changed since, so it cannot be resumed"
            )

    # -- pipeline ---------------------------------------------------------------------------

    async def run(self) -> RunSummary:
        from proctor.store import StoreWriter

        if self.benchmark.protocol == "loglikelihood" and not supports_loglikelihood(self.model):
            raise ConfigError(
                f"{self.model.spec} cannot compute log-probabilities, which this benchmark's "
                "protocol: loglikelihood needs (local: models and OpenAI-compatible servers "
                "with /v1/completions can)"
            )
        for scorer_ in self.benchmark.scorers:
            if scorer_.uses_judge and not scorer_.args.get("model"):
                raise ConfigError(
                    f"scorer {scorer_.name!r} needs a judge: give it model=SPEC, or set judge: "
                    "SPEC in the benchmark (--judge SPEC on the command line)"
                )
            for metric in scorer_.metrics:
                needed = getattr(metric, "min_epochs", 1)
                if needed > self.epochs:
                    raise ConfigError(
                        f"{scorer_.name}/{metric.name} needs at least {needed} generations per "
                        f"sample; this run has {self.epochs} (raise --epochs)"
                    )
        if len(self.dataset) == 0:
            raise ConfigError(
                f"nothing to run: {self.dataset.name} has no samples"
                + ("" if self.dataset.total == 0 else " in the selection (is --limit 0?)")
            )
        run, finished = self._open_run()
        total = len(self.dataset) * self.epochs
        # Several generations per sample each get their own seed (base + epoch), so that
        # sampling differs between epochs yet every epoch is reproducible.
        base = self.generate_config
        self._epoch_configs = [
            base if self.epochs == 1 else dataclasses.replace(base, seed=(base.seed or 0) + e)
            for e in range(self.epochs)
        ]
        skipped = sum(
            1 for has_error in finished.values() if not (has_error and self.options.retry_errors)
        )
        self.writer = self.pool.writer = writer = StoreWriter(self.store)
        settings = {
            "benchmark": self.benchmark.name,
            "task_version": run.task_version,
            "model": self.model.spec,
            "generate": self.generate_config.to_dict(),
            "run_id": run.id,
        }
        self.ctx = EngineContext(settings, self.pool)
        calls = self.pool.calls_for(self.model)
        if self.observer is not None:
            self.observer.start(run, total, skipped)
        concurrency = self.options.max_concurrency or self.model.config.max_concurrency
        queue: asyncio.Queue[_Item | None] = asyncio.Queue(maxsize=2 * concurrency)
        n_workers = 2 * concurrency
        interrupted = False
        producer = asyncio.ensure_future(self._produce(queue, finished, n_workers))
        workers = [asyncio.ensure_future(self._work(queue, calls)) for _ in range(n_workers)]
        try:
            await asyncio.gather(producer, *workers)
        except asyncio.CancelledError:
            interrupted = True
        except BaseException:
            self.store.update_run(run.id, status="failed", finished_at=datetime.now(UTC))
            raise
        finally:
            for task in (producer, *workers):
                task.cancel()
            await asyncio.gather(producer, *workers, return_exceptions=True)
            writer.close()
            await self.pool.aclose()
        summary = self._finish(run, total, skipped, interrupted, calls.calls)
        if self.observer is not None:
            self.observer.finish(summary)
        return summary

    async def _produce(
        self, queue: asyncio.Queue, finished: dict[tuple[str, int], bool], n_workers: int
    ) -> None:
        chunk: list[_Item] = []
        retry = self.options.retry_errors
        for position, sample in enumerate(self.dataset):
            rendered: str | tuple | None = None
            render_error = None
            for epoch in range(self.epochs):
                previous = finished.get((sample.id, epoch))
                if previous is not None and not (previous and retry):
                    continue
                if rendered is None and render_error is None:
                    try:
                        rendered = self._render(sample)
                    except (TemplateError, ConfigError) as exc:  # this sample's error
                        render_error = error_text(exc)
                item = _Item(
                    sample,
                    epoch,
                    position,
                    self._request(rendered, sample, epoch),
                    previous is not None,
                )
                item.error = render_error
                chunk.append(item)
            if len(chunk) >= _CHUNK:
                await self._enqueue(chunk, queue)
                chunk = []
        await self._enqueue(chunk, queue)
        for _ in range(n_workers):
            await queue.put(None)

    def _render(self, sample: Sample) -> Any:
        """The prompt, and for loglikelihood also the choices' continuations and texts."""
        prompt = self.benchmark.render(sample)
        if self.benchmark.protocol == "generate":
            return prompt
        if not isinstance(prompt, str):
            raise ConfigError(
                f"sample {sample.id!r}: loglikelihood needs a plain-text prompt, not chat messages"
            )
        if not sample.choices:
            raise ConfigError(f"sample {sample.id!r} has no choices to score")
        return (prompt, *self.benchmark.continuations(sample))

    def _request(
        self, rendered: Any, sample: Sample, epoch: int
    ) -> GenerateRequest | LoglikelihoodRequest:
        if self.benchmark.protocol == "generate":
            return GenerateRequest(rendered or "", self._epoch_configs[epoch], sample, epoch)
        context, continuations = (rendered[0], rendered[1]) if rendered else ("", ())
        return LoglikelihoodRequest(context, continuations, sample, epoch)

    async def _enqueue(self, chunk: list[_Item], queue: asyncio.Queue) -> None:
        lookup = [item for item in chunk if item.error is None] if self.cache else []
        if lookup:
            for item in lookup:
                item.key = cache_key(self.model, item.request)
            found = self.store.cache_get_many([item.key for item in lookup])  # type: ignore[misc]
            for item in lookup:
                entry = found.get(item.key)  # type: ignore[arg-type]
                if entry is not None:
                    item.cached = {"output": entry.output, "latency_ms": entry.latency_ms}
        for item in chunk:
            await queue.put(item)

    async def _work(self, queue: asyncio.Queue, calls: ModelCalls) -> None:
        writer = self.writer
        assert writer is not None
        observer = self.observer
        while True:
            item = await queue.get()
            if item is None:
                return
            record = await self._process(item, calls)
            writer.put_sample(record, replace=item.replace)
            self.processed += 1
            if record.error is not None or any(s.error for s in record.scores):
                self.n_errors += 1
            if record.cached:
                self.n_cached += 1
            if record.cost is not None:
                self.cost = (self.cost or 0.0) + (0.0 if record.cached else record.cost)
            if observer is not None:
                observer.advance(record)

    async def _process(self, item: _Item, calls: ModelCalls) -> SampleRecord:
        sample = item.sample
        record = SampleRecord(
            run_id=self.ctx.settings["run_id"],
            sample_id=sample.id,
            epoch=item.epoch,
            position=item.position,
            input=_input_json(item.request),
            target=target_json(sample),
            choices=None if sample.choices is None else list(sample.choices),
            metadata=sample.metadata,
        )
        if item.error is not None:
            record.error = item.error
            return record
        try:
            result = await calls.call(item.request, cached=item.cached, key=item.key)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # recorded on the sample: the run goes on
            record.error = error_text(exc)
            return record
        output = result.output
        if isinstance(item.request, LoglikelihoodRequest):
            output = self._choice_output(item.request, output)
        record.output = clean(output.text)
        record.output_extra = output.extra
        record.latency_ms = result.latency_ms
        record.input_tokens = output.input_tokens
        record.output_tokens = output.output_tokens
        record.cost = result.cost
        record.cached = result.cached
        record.scores = await self._score(sample, output)
        return record

    def _choice_output(self, request: LoglikelihoodRequest, output: ModelOutput) -> ModelOutput:
        """Name the chosen option by its text, and keep every option's text for `acc_norm`."""
        cut = len(self.benchmark.target_delimiter)
        texts = [c[cut:] for c in request.continuations]
        logprobs = [r["logprob"] for r in output.extra["loglikelihoods"]]
        best = max(range(len(logprobs)), key=logprobs.__getitem__)
        extra = dict(output.extra, choice_texts=texts)
        return ModelOutput(
            text=texts[best],
            input_tokens=output.input_tokens,
            output_tokens=output.output_tokens,
            extra=extra,
        )

    async def _score(self, sample: Sample, output: ModelOutput) -> list[ScoreRecord]:
        return await score_sample(self.benchmark.scorers, sample, output, self.ctx)

    def _finish(
        self, run: RunRecord, total: int, skipped: int, interrupted: bool, model_calls: int
    ) -> RunSummary:
        from proctor.engine._aggregate import run_metrics

        metrics, counts = run_metrics(self.store, run, self.benchmark.scorers)
        fields = {
            "status": "interrupted" if interrupted else "finished",
            "finished_at": datetime.now(UTC),
            **counts.run_fields(),
        }
        self.store.update_run(run.id, **fields)
        run = self.store.get_run(run.id)
        return RunSummary(
            run=run,
            metrics=metrics,
            total=total,
            processed=self.processed,
            skipped=skipped,
            n_errors=counts.errors,
            n_cached=self.n_cached,
            cost=self.cost,
            model_calls=model_calls,
            interrupted=interrupted,
        )


def _input_json(request: GenerateRequest | LoglikelihoodRequest) -> Any:
    if isinstance(request, LoglikelihoodRequest):
        return request.context
    return request.input_json()


def _merge(defaults: GenerateConfig, override: GenerateConfig) -> GenerateConfig:
    """The model's generation settings over the benchmark's defaults."""
    values = defaults.to_dict() | override.to_dict()
    if "stop" in values:
        values["stop"] = tuple(values["stop"])
    return GenerateConfig(**values)


def _config_record(model: Model, generate: GenerateConfig, cache: bool) -> dict[str, Any]:
    record = model.config.to_record()
    endpoint = getattr(model, "endpoint", None)
    if endpoint is not None:  # the server actually called, wherever its URL came from
        record["endpoint"] = endpoint
    record["generate"] = generate.to_dict()
    record["cache"] = cache
    return record
