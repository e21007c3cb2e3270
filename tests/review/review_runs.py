"""Real runs to review: scripted answers, `python:` judges (see review_judges)."""

from __future__ import annotations

from typing import Any

from scripted import ScriptedModel

from proctor.benchmark import Benchmark
from proctor.dataset import Dataset
from proctor.engine import RunOptions, run_benchmark
from proctor.pairwise import run_pairwise
from proctor.scorer import resolve_scorer
from proctor.store import Store

TOPICS = ("billing", "shipping", "returns")
QUALITY = [1, 2, 3, 4, 5, 3, 4, 2, 5, 1, 3, 4]  # answer quality by sample number
RUBRIC = [
    {"criterion": "Offers a 'refund'", "points": 5, "tags": ["axis:completeness"]},
    {"criterion": "Says 'sorry'", "points": 3, "tags": ["axis:communication"]},
    {"criterion": "Says 'whatever', dismissively", "points": -4, "tags": ["axis:communication"]},
]
REPLIES = [
    "refund sorry",
    "refund",
    "sorry whatever",
    "refund sorry whatever",
    "nothing useful",
    "sorry",
]


def rows(n: int = 12) -> list[dict[str, Any]]:
    return [
        {
            "id": f"s{i}",
            "input": f"question {i}",
            "target": f"answer {i}",
            "topic": TOPICS[i % 3],
            "rubric": RUBRIC,
        }
        for i in range(n)
    ]


def answer(request) -> str:
    i = int(request.sample.id[1:])
    return f"quality {QUALITY[i % len(QUALITY)]}: {REPLIES[i % len(REPLIES)]}"


def better_answer(request) -> str:
    i = int(request.sample.id[1:])
    return f"quality {min(5, QUALITY[i % len(QUALITY)] + (i % 2))}: {REPLIES[i % len(REPLIES)]}"


def make_run(
    store: Store,
    *,
    judge: str | list[str] | None = None,
    labels: list[str] | None = None,
    low: int = 1,
    high: int = 5,
    rubric: bool = False,
    extra: tuple[str, ...] = (),
    epochs: int = 1,
    n: int = 12,
    slices: tuple[str, ...] = ("topic",),
    respond=answer,
    name: str = "support",
) -> str:
    """A finished run scored by a judge (or a jury, or a rubric judge); its id."""
    scorers = [resolve_scorer(e) for e in extra]
    judge = judge or ("python:review_judges:rubric" if rubric else "python:review_judges:rate")
    if rubric:
        scorers.append(resolve_scorer("rubric", {"model": judge}))
    else:
        args: dict[str, Any] = {"model": judge, "guidelines": "Is the answer helpful?"}
        if labels is not None:
            args["labels"] = labels
        else:
            args.update(low=low, high=high)
        scorers.append(resolve_scorer("judge", args))
    bench = Benchmark(
        name=name,
        dataset=Dataset.from_records(rows(n)),
        scorers=scorers,
        slices=slices,
        epochs=epochs,
    )
    summary = run_benchmark(
        bench, ScriptedModel(respond), store=store, options=RunOptions(cache=False)
    )
    assert summary.n_errors == 0
    return summary.run.id


def make_pairwise(
    store: Store, *, judge: str = "python:review_judges:prefer"
) -> tuple[str, str, str]:
    """Two runs of the same benchmark and a stored comparison of them: (a, b, comparison)."""
    a = make_run(store)
    b = make_run(store, respond=better_answer)
    result = run_pairwise(store, [a, b], judge=judge)
    return a, b, result.id
