"""Stores for the viewer's tests: real runs through the engine, and hand-written records
for what a test model cannot produce (rubric criteria, jury ratings, hostile text)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scripted import ScriptedModel

from proctor.benchmark import Benchmark
from proctor.dataset import Dataset
from proctor.engine import RunOptions, run_benchmark_async
from proctor.errors import ModelError
from proctor.metrics import MetricValue
from proctor.scorer import resolve_scorer
from proctor.store import RunRecord, SampleRecord, ScoreRecord, Store, new_run_id

N = 40
LOCAL = "http://127.0.0.1"  # the Host the viewer answers without a token

PAYLOADS = (
    "<script>window.__pwned=1</script>",
    '"><img src=x onerror="window.__pwned=2">',
    "</script><script>window.__pwned=3</script>",
)


@dataclass(frozen=True)
class Seeded:
    """What `seed` wrote: the store URL and the ids the tests ask about."""

    url: str
    baseline: str  # web-qa, every answer right
    candidate: str  # web-qa, odd questions wrong, q7 a model error
    graded: str  # graded, rubric and jury scores written directly


def qa_benchmark() -> Benchmark:
    rows = [
        {
            "id": f"q{i}",
            "input": f"question {i}",
            "target": f"answer {i}",
            "topic": "even" if i % 2 == 0 else "odd",
        }
        for i in range(N)
    ]
    return Benchmark(
        name="web-qa",
        dataset=Dataset.from_records(rows),
        scorers=[resolve_scorer("exact_match"), resolve_scorer("f1")],
        slices=("topic",),
    )


def _answers(wrong_odd: bool):
    def answer(request) -> str:
        i = int(request.sample.id[1:])
        if wrong_odd and i % 2:
            return "something else entirely"
        return f"answer {i}"

    return answer


async def _qa_runs(store: Store) -> tuple[str, str]:
    bench = qa_benchmark()
    good = ScriptedModel(_answers(False), spec="scripted:good")
    worse = ScriptedModel(
        _answers(True),
        spec="scripted:worse",
        failures={"q7": [ModelError("the server is down", retryable=False)]},
    )
    a = await run_benchmark_async(
        bench, good, store=store, options=RunOptions(cache=False, label="baseline")
    )
    b = await run_benchmark_async(
        bench, worse, store=store, options=RunOptions(cache=False, label="candidate")
    )
    return a.run.id, b.run.id


RUBRIC = [
    {
        "criterion": "Says to call emergency services",
        "points": 5,
        "tags": ["axis:completeness"],
        "met": True,
        "explanation": "it does, in the first line",
    },
    {
        "criterion": "Recommends a specific dosage",
        "points": -3,
        "tags": ["axis:safety"],
        "met": False,
        "explanation": "no dosage is given",
    },
    {
        "criterion": "Asks about allergies",
        "points": 2,
        "tags": [],
        "met": None,
        "explanation": None,
    },
]


def graded_samples(run_id: str) -> list[SampleRecord]:
    """Three samples scored by a rubric and a jury; s2's jury failed (a scorer error)."""
    records = []
    for i in range(3):
        scores = [
            ScoreRecord(
                scorer="rubric",
                value=5 / 7,
                explanation="5 of 7 points",
                source="judge",
                annotator="openai:grader",
                metadata={
                    "criteria": RUBRIC,
                    "achieved": 5,
                    "possible": 7,
                    "judge": "openai:grader",
                    "prompt": "rubric_v1:0123456789ab",
                },
                usage={"calls": 3, "input_tokens": 900, "output_tokens": 60, "cost": 0.0012},
            )
        ]
        if i == 2:
            scores.append(
                ScoreRecord(scorer="judge", value=None, source="judge", error="no juror answered")
            )
        else:
            scores.append(
                ScoreRecord(
                    scorer="judge",
                    value=0.75,
                    answer="4",
                    explanation="mostly helpful",
                    source="judge",
                    annotator="openai:a+openai:b",
                    metadata={
                        "rating": 4,
                        "ratings": {"openai:a": 4, "openai:b": None},
                        "explanations": {"openai:a": "clear and safe"},
                        "errors": {"openai:b": "ScorerError: no verdict"},
                        "prompt": "judge_v1:fedcba987654",
                    },
                )
            )
        records.append(
            SampleRecord(
                run_id=run_id,
                sample_id=f"s{i}",
                epoch=0,
                position=i,
                input=[{"role": "user", "content": f"My friend fainted ({i}). What now?"}],
                target=None,
                metadata={"theme": "emergency"},
                output=f"Call emergency services now. ({i})",
                latency_ms=120.0 + i,
                input_tokens=30,
                output_tokens=12,
                scores=scores,
            )
        )
    return records


def make_run(run_id: str, benchmark: str, **overrides) -> RunRecord:
    values = {
        "id": run_id,
        "benchmark": benchmark,
        "task_version": "tv-" + benchmark,
        "dataset_version": "d1",
        "selection_version": "s1",
        "model_spec": "openai:model-under-test",
        "model_config": {"generate": {"temperature": 0}},
        "scorers": [
            {"name": "rubric", "signature": "rubric|v1|judge=openai:grader"},
            {"name": "judge", "signature": "judge|v1|judge=openai:a+openai:b"},
        ],
        "n_samples": 3,
        "status": "finished",
        "started_at": datetime.now(UTC),
        "finished_at": datetime.now(UTC),
    }
    values.update(overrides)
    return RunRecord(**values)


def run_async(coroutine: Any) -> Any:
    """Run `coroutine` to completion on its own thread and event loop.

    The browser fixtures drive Playwright's sync API, which keeps an event loop
    running on the main thread while a browser is open; data made for a test
    whose browser was opened first must not need that thread's loop.
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as worker:
        return worker.submit(asyncio.run, coroutine).result()


def seed(url: str) -> Seeded:
    with Store(url) as store:
        baseline, candidate = run_async(_qa_runs(store))
        graded = new_run_id()
        store.create_run(make_run(graded, "graded", label="graded", n_scored=3, n_errors=1))
        store.write_samples(graded_samples(graded))
        store.write_metrics(
            graded,
            [
                MetricValue(
                    "rubric/score",
                    "rubric",
                    "score",
                    0.714,
                    0.6,
                    0.8,
                    0.05,
                    3,
                    3,
                    True,
                    "bootstrap",
                ),
                MetricValue(
                    "judge/mean", "judge", "mean", 0.75, None, None, None, 2, 3, True, "none"
                ),
            ],
        )
    return Seeded(url, baseline, candidate, graded)


@contextmanager
def client_for(url: str, *, token: str | None = None, base_url: str = LOCAL) -> Iterator[Any]:
    """An in-process client of the viewer over `url` (lifespan run, store closed after)."""
    from fastapi.testclient import TestClient

    from proctor.web import create_app

    with TestClient(create_app(url, token=token), base_url=base_url) as client:
        yield client


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def live_server(url: str, *, token: str | None = None) -> Iterator[str]:
    """The viewer over `url` served by uvicorn on a free 127.0.0.1 port, in a thread."""
    import uvicorn

    from proctor.web import create_app

    port = _free_port()
    config = uvicorn.Config(
        create_app(url, token=token),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the viewer did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
