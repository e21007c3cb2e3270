"""A run against a real OpenAI-compatible HTTP server that misbehaves on purpose.

Every sample must end either scored or carrying its error: none lost, none
duplicated, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import pytest
from openai_server import FakeOpenAIServer, Fault
from responders import number_responder

from proctor.benchmark import Benchmark
from proctor.dataset import Dataset
from proctor.engine import Backoff, RunOptions, run_benchmark_async
from proctor.model import ModelConfig, get_model
from proctor.scorer import resolve_scorer
from proctor.store import Store

N = 120


def numbers_benchmark(n: int = N) -> Benchmark:
    rows = [{"id": f"q{i:04d}", "input": f"question {i}", "target": str(i)} for i in range(n)]
    return Benchmark(
        name="numbers", dataset=Dataset.from_records(rows), scorers=[resolve_scorer("exact_match")]
    )


def chaos(n: int, body: dict) -> Fault | None:
    if n % 7 == 3:
        return Fault("429", retry_after=0.01)
    if n % 11 == 5:
        return Fault("500")
    if n % 13 == 7:
        return Fault("drop")
    if n % 17 == 9:
        return Fault("slow", delay=4.0)
    return None


async def test_faults_never_lose_or_duplicate_a_sample(db_url: str) -> None:
    with FakeOpenAIServer(number_responder, fault=chaos) as server:
        model = get_model(
            "openai:fake",
            ModelConfig(base_url=server.base_url, timeout=1.5, max_retries=8, max_concurrency=8),
        )
        with Store(db_url) as store:
            summary = await run_benchmark_async(
                numbers_benchmark(),
                model,
                store=store,
                options=RunOptions(backoff=Backoff(base=0.01, cap=0.05)),
            )
            rows = list(store.iter_samples(summary.run.id))
        requests = server.count
    assert len(rows) == N
    assert len({r.sample_id for r in rows}) == N
    assert all((r.error is None) == bool(r.scores) for r in rows)
    scored = [r for r in rows if r.error is None]
    assert len(scored) == N  # eight retries are plenty for this fault plan
    assert requests > N  # faults were met and retried
    correct = sum(r.scores[0].value is True for r in scored)
    assert correct == sum(1 for i in range(N) if i % 5)


async def test_retry_after_is_honoured(tmp_path) -> None:
    import time

    with FakeOpenAIServer(number_responder) as server:
        server.fail_next("429", times=1, retry_after=0.4)
        model = get_model("openai:fake", ModelConfig(base_url=server.base_url, max_concurrency=1))
        with Store(f"sqlite:///{tmp_path / 'p.db'}") as store:
            start = time.perf_counter()
            summary = await run_benchmark_async(
                numbers_benchmark(1),
                model,
                store=store,
                options=RunOptions(backoff=Backoff(base=0.001, cap=0.001)),
            )
            waited = time.perf_counter() - start
    assert summary.n_errors == 0
    assert waited >= 0.4  # the server asked for 0.4 s; our own backoff would be 1 ms


async def test_errors_that_outlast_retries_are_recorded_with_the_reason(tmp_path) -> None:
    with FakeOpenAIServer(number_responder) as server:
        server.fail_next("500", times=100)
        model = get_model(
            "openai:fake", ModelConfig(base_url=server.base_url, max_retries=2, max_concurrency=2)
        )
        with Store(f"sqlite:///{tmp_path / 'p.db'}") as store:
            summary = await run_benchmark_async(
                numbers_benchmark(3),
                model,
                store=store,
                options=RunOptions(backoff=Backoff(base=0.001, cap=0.001)),
            )
            errors = [r.error for r in store.iter_samples(summary.run.id)]
        assert server.count == 9
    assert summary.n_errors == 3
    assert all(e is not None and "500" in e for e in errors)


@pytest.mark.parametrize("kind", ["400"])
async def test_client_errors_are_not_retried(tmp_path, kind: str) -> None:
    with FakeOpenAIServer(number_responder) as server:
        server.fail_next(kind, times=1, message="model not found")
        model = get_model("openai:fake", ModelConfig(base_url=server.base_url, max_concurrency=1))
        with Store(f"sqlite:///{tmp_path / 'p.db'}") as store:
            summary = await run_benchmark_async(numbers_benchmark(1), model, store=store)
            error = next(store.iter_samples(summary.run.id)).error
        assert server.count == 1
    assert error is not None and "model not found" in error


async def test_identical_rerun_sends_no_requests(db_url: str) -> None:
    with FakeOpenAIServer(number_responder) as server:
        config = ModelConfig(base_url=server.base_url)
        with Store(db_url) as store:
            await run_benchmark_async(
                numbers_benchmark(30), get_model("openai:m", config), store=store
            )
            first = server.count
            summary = await run_benchmark_async(
                numbers_benchmark(30), get_model("openai:m", config), store=store
            )
        assert server.count == first == 30
    assert summary.n_cached == 30 and summary.model_calls == 0
