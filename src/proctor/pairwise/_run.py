"""`run_pairwise`: judge stored runs against each other, sample by sample.

    runs (store) -> shared (sample, epoch) pairs -> judge, both orders -> verdicts (store)
                 -> win rates, Bradley–Terry ranking -> summary (store)

Every two runs given are compared on the samples both answered (same sample
id and epoch, an output and no model error). The judge sees the conversation
as the first run of the pair was prompted (the stored input), and the two
answers; it is asked twice, with the answers in both orders. Judge calls go
through the engine's `ModelCalls`, so its concurrency limit, rate limit,
timeout, retries with backoff and the response cache apply as in a run.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import combinations
from typing import TYPE_CHECKING, Any, Protocol

from proctor.engine._context import JudgeUsage
from proctor.engine._retry import Backoff
from proctor.errors import ConfigError
from proctor.metrics._bootstrap import RESAMPLES, SEED
from proctor.metrics._bradley_terry import PRIOR
from proctor.pairwise._context import JudgeContext
from proctor.pairwise._judging import PairwisePrompt, combine, conversation_of, judge_both_orders
from proctor.pairwise._result import PairwiseResult, RunInfo
from proctor.pairwise._summary import PairTally, summarize
from proctor.store._pairwise import (
    PairwiseRecord,
    VerdictRecord,
    create_pairwise,
    update_pairwise,
    write_verdicts,
)

if TYPE_CHECKING:
    from proctor.engine._calls import ModelCalls
    from proctor.model import Model
    from proctor.store import CacheEntry, RunRecord, Store

_FLUSH_EVERY = 64  # verdicts
_FLUSH_SECONDS = 0.5

Key = tuple[str, int]


@dataclass(frozen=True)
class PairwiseOptions:
    """How to compare: the judge's prompt and budget, and the statistics.

    `prompt` is a Jinja2 template replacing the packaged `pairwise_v1`
    (variables `conversation`, `answer_a`, `answer_b`, `guidelines`);
    `retries` is how many times an unusable reply is sent back, per order;
    `max_concurrency` caps judge calls in flight (default: the judge's
    `ModelConfig`); `cache` None means the judge backend's default. The
    intervals come from `resamples` seeded bootstrap draws; `prior` is the
    Bradley–Terry pseudo-count (tied games between every two runs).
    """

    prompt: str | None = None
    guidelines: str | None = None
    retries: int = 2
    max_tokens: int = 512
    max_concurrency: int | None = None
    cache: bool | None = None
    resamples: int = RESAMPLES
    seed: int = SEED
    prior: float = PRIOR
    backoff: Backoff = field(default_factory=Backoff)


class PairwiseObserver(Protocol):
    """Receives progress; the CLI's progress bar is one."""

    def start(self, record: PairwiseRecord, total: int) -> None: ...

    def advance(self, verdict: VerdictRecord) -> None: ...

    def finish(self, result: PairwiseResult) -> None: ...


def run_pairwise(
    store: Store,
    run_ids: Sequence[str],
    *,
    judge: Model | str,
    options: PairwiseOptions | None = None,
    observer: PairwiseObserver | None = None,
) -> PairwiseResult:
    """Compare the runs `run_ids` (ids or unique prefixes) with `judge`; blocking.

    Stores the comparison and its verdicts in `store` and returns its result.
    Raises `ConfigError` for fewer than two runs, a run given twice, or two
    runs that share no answered sample. Ctrl-C ends it early with status
    `interrupted`, figures computed over the verdicts reached.

        result = run_pairwise(store, ["3f2a", "9c1b"], judge="openai:gpt-4o")
        pair = result.pairs[0]; print(pair.win_rate, pair.ci_low, pair.ci_high)
    """
    return asyncio.run(
        run_pairwise_async(store, run_ids, judge=judge, options=options, observer=observer)
    )


async def run_pairwise_async(
    store: Store,
    run_ids: Sequence[str],
    *,
    judge: Model | str,
    options: PairwiseOptions | None = None,
    observer: PairwiseObserver | None = None,
) -> PairwiseResult:
    """`run_pairwise`, awaited. The judge model is closed at the end."""
    from proctor.model import get_model

    options = options or PairwiseOptions()
    judge_model = get_model(judge) if isinstance(judge, str) else judge
    try:
        if options.retries < 0:
            raise ConfigError("pairwise: retries must be zero or more")
        prompt = PairwisePrompt(options.prompt, guidelines=options.guidelines)
        plan = _plan(store, run_ids)
        return await _Comparison(store, plan, judge_model, prompt, options, observer).run()
    finally:
        await judge_model.aclose()


@dataclass(slots=True)
class _Plan:
    runs: list[RunRecord]
    answers: dict[str, dict[Key, tuple[Any, str]]]  # run id -> key -> (input, output)
    tallies: list[PairTally]
    keys: list[list[Key]]  # per pair, in the first run's order
    clusters: dict[str, Hashable] | None
    cluster_key: str | None


def _plan(store: Store, refs: Sequence[str]) -> _Plan:
    """Resolve the runs, read their answers, and find what each pair shares."""
    runs = [store.get_run(ref) for ref in refs]
    if len(runs) < 2:
        raise ConfigError("pairwise: give at least two runs to compare")
    seen: set[str] = set()
    for run in runs:
        if run.id in seen:
            raise ConfigError(f"pairwise: run {run.id} is given twice")
        seen.add(run.id)
    cluster_key = next((r.cluster for r in runs if r.cluster), None)
    clusters: dict[str, Hashable] | None = {} if cluster_key else None
    answers: dict[str, dict[Key, tuple[Any, str]]] = {}
    every: dict[str, set[Key]] = {}
    for run in runs:
        usable: dict[Key, tuple[Any, str]] = {}
        keys: set[Key] = set()
        for sample in store.iter_samples(run.id, with_scores=False):
            key = (sample.sample_id, sample.epoch)
            keys.add(key)
            if sample.output is not None and sample.error is None:
                usable[key] = (sample.input, sample.output)
            if clusters is not None and sample.sample_id not in clusters:
                value = sample.metadata.get(cluster_key)  # type: ignore[arg-type]
                # a sample without the key is a cluster of its own
                clusters[sample.sample_id] = ("", sample.sample_id) if value is None else str(value)
        answers[run.id], every[run.id] = usable, keys
    tallies, pair_keys = [], []
    for (i, a), (j, b) in combinations(enumerate(runs), 2):
        shared = [key for key in answers[a.id] if key in answers[b.id]]
        if not shared:
            raise ConfigError(
                f"pairwise: runs {a.id} and {b.id} share no answered sample (the same sample "
                "id and epoch, with an output and no model error)"
            )
        dropped = len(every[a.id] | every[b.id]) - len(shared)
        tallies.append(PairTally(i, j, a.id, b.id, len(shared), dropped))
        pair_keys.append(shared)
    return _Plan(runs, answers, tallies, pair_keys, clusters, cluster_key)


class _Comparison:
    def __init__(
        self,
        store: Store,
        plan: _Plan,
        judge: Model,
        prompt: PairwisePrompt,
        options: PairwiseOptions,
        observer: PairwiseObserver | None,
    ) -> None:
        from proctor.store import new_run_id

        self.store = store
        self.plan = plan
        self.judge = judge
        self.prompt = prompt
        self.options = options
        self.observer = observer
        self.record = PairwiseRecord(
            id=new_run_id(),
            runs=[r.id for r in plan.runs],
            judge=judge.spec,
            signature=prompt.signature(judge.spec),
            status="running",
        )
        self.settings = {
            "pairwise_id": self.record.id,
            "runs": self.record.runs,
            "judge": judge.spec,
        }
        self.usage = JudgeUsage()
        self._verdicts: list[VerdictRecord] = []
        self._cache: list[CacheEntry] = []
        self._last_flush = time.monotonic()

    def _calls(self) -> ModelCalls:
        from proctor.engine._calls import ModelCalls

        model = self.judge
        cache = self.options.cache
        if cache is None:
            cache = model.config.cache if model.config.cache is not None else model.cache_by_default
        return ModelCalls(
            model,
            cache=cache,
            backoff=self.options.backoff,
            put_cache=self._cache.append,
            get_cache=self._cache_lookup,
            max_concurrency=self.options.max_concurrency,
        )

    def _cache_lookup(self, key: str) -> dict | None:
        entry = self.store.cache_get_many([key]).get(key)
        return None if entry is None else {"output": entry.output, "latency_ms": entry.latency_ms}

    async def run(self) -> PairwiseResult:
        record, plan = self.record, self.plan
        record.created_at = datetime.now(UTC)
        create_pairwise(self.store, record)
        calls = self._calls()
        if self.observer is not None:
            self.observer.start(record, sum(len(keys) for keys in plan.keys))
        items = (
            (tally, key)
            for tally, keys in zip(plan.tallies, plan.keys, strict=True)
            for key in keys
        )
        concurrency = self.options.max_concurrency or self.judge.config.max_concurrency
        workers = [asyncio.ensure_future(self._work(items, calls)) for _ in range(concurrency)]
        interrupted = False
        try:
            await asyncio.gather(*workers)
        except asyncio.CancelledError:
            interrupted = True
        except BaseException:
            update_pairwise(self.store, record.id, status="failed", finished_at=datetime.now(UTC))
            raise
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            self._flush()
        result = self._result(record, "interrupted" if interrupted else "finished")
        update_pairwise(
            self.store,
            record.id,
            status=result.status,
            summary=result.to_summary(),
            finished_at=datetime.now(UTC),
        )
        if self.observer is not None:
            self.observer.finish(result)
        return result

    async def _work(self, items: Any, calls: ModelCalls) -> None:
        # One shared iterator: the event loop runs one worker at a time between awaits.
        for tally, key in items:
            verdict, usage = await self._compare(tally, key, calls)
            self.usage.merge(usage)
            tally.outcomes.append((key[0], verdict.verdict))
            self._verdicts.append(verdict)
            if self.observer is not None:
                self.observer.advance(verdict)
            if (
                len(self._verdicts) >= _FLUSH_EVERY
                or time.monotonic() - self._last_flush >= _FLUSH_SECONDS
            ):
                self._flush()

    async def _compare(
        self, tally: PairTally, key: Key, calls: ModelCalls
    ) -> tuple[VerdictRecord, JudgeUsage]:
        from proctor.engine._records import clean, error_text

        sample_id, epoch = key
        stored_input, answer_a = self.plan.answers[tally.run_a][key]
        answer_b = self.plan.answers[tally.run_b][key][1]
        ctx = JudgeContext(calls, self.settings)
        verdict = VerdictRecord(self.record.id, tally.run_a, tally.run_b, sample_id, epoch, None)
        try:
            first, second = await judge_both_orders(
                ctx,
                self.judge.spec,
                self.prompt,
                sample_id=sample_id,
                conversation=conversation_of(stored_input),
                answer_a=answer_a,
                answer_b=answer_b,
                retries=self.options.retries,
                max_tokens=self.options.max_tokens,
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # this comparison's error; the others go on
            verdict.error = error_text(exc)
            verdict.usage = ctx.usage.to_record()
            return verdict, ctx.usage
        errors = []
        for order, answer in (("A first", first), ("B first", second)):
            if isinstance(answer, Exception):
                errors.append(f"{order}: {error_text(answer)}")
            else:
                answer["explanation"] = clean(answer["explanation"]) or ""
        verdict.first = None if isinstance(first, Exception) else first
        verdict.second = None if isinstance(second, Exception) else second
        if errors:
            verdict.error = "; ".join(errors)
        else:
            verdict.verdict = combine(first["winner"], second["winner"])  # type: ignore[index]
        verdict.usage = ctx.usage.to_record()
        return verdict, ctx.usage

    def _flush(self) -> None:
        verdicts, self._verdicts = self._verdicts, []
        entries, self._cache = self._cache, []
        write_verdicts(self.store, verdicts, cache=entries)
        self._last_flush = time.monotonic()

    def _result(self, record: PairwiseRecord, status: str) -> PairwiseResult:
        plan, options = self.plan, self.options
        pairs, ranking, method = summarize(
            plan.tallies,
            record.runs,
            clusters=plan.clusters,
            resamples=options.resamples,
            seed=options.seed,
            prior=options.prior,
        )
        return PairwiseResult(
            id=record.id,
            runs=[
                RunInfo(id=r.id, model=r.model_spec, benchmark=r.benchmark, label=r.label)
                for r in plan.runs
            ],
            judge=record.judge,
            signature=record.signature,
            status=status,
            pairs=pairs,
            ranking=ranking,
            ranking_method=method,
            cluster=plan.cluster_key,
            resamples=options.resamples,
            seed=options.seed,
            prior=options.prior,
            usage=self.usage.to_record() or {},
        )
