"""Scorers reach other models (judges) through the engine's context."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from scripted import ScriptedModel

from proctor.benchmark import Benchmark
from proctor.dataset import Dataset
from proctor.engine import RunOptions, run_benchmark_async
from proctor.model import GenerateRequest
from proctor.scorer import Score, scorer
from proctor.store import Store

sys.path.insert(0, str(Path(__file__).parent))
import judge_apps


@scorer("judged")
def judged():
    async def score(sample, output, ctx):
        judge = ctx.model("python:judge_apps:judge")
        verdict = await ctx.generate(judge, GenerateRequest(f"Is this correct? {output.text}"))
        return Score(
            verdict.text == "yes",
            explanation=f"judge said {verdict.text}",
            metadata={"run_id": ctx.settings["run_id"]},
        )

    return score


async def test_a_scorer_calls_a_judge_model_through_the_context(tmp_path: Path) -> None:
    rows = [{"id": f"s{i}", "input": f"q{i}"} for i in range(5)]
    bench = Benchmark(name="judged", dataset=Dataset.from_records(rows), scorers=[judged()])
    judge_apps.CALLS.clear()
    with Store(f"sqlite:///{tmp_path / 'p.db'}") as store:
        summary = await run_benchmark_async(
            bench, ScriptedModel(lambda r: "correct"), store=store, options=RunOptions()
        )
        rows_out = list(store.iter_samples(summary.run.id))
    assert len(judge_apps.CALLS) == 5
    assert all(r.scores[0].value is True for r in rows_out)
    assert all(r.scores[0].metadata["run_id"] == summary.run.id for r in rows_out)
    assert next(m for m in summary.metrics if m.name == "judged/mean").value == pytest.approx(1.0)


async def test_python_models_are_not_cached_unless_asked(tmp_path: Path) -> None:
    from proctor.model import get_model
    from proctor.scorer import resolve_scorer

    rows = [{"id": f"s{i}", "input": f"q{i}", "target": "no"} for i in range(3)]
    bench = Benchmark(
        name="py", dataset=Dataset.from_records(rows), scorers=[resolve_scorer("exact_match")]
    )
    judge_apps.CALLS.clear()
    with Store(f"sqlite:///{tmp_path / 'p.db'}") as store:
        for _ in range(2):
            await run_benchmark_async(bench, get_model("python:judge_apps:judge"), store=store)
        assert len(judge_apps.CALLS) == 6  # the user's code may have changed: call it again
        for _ in range(2):
            await run_benchmark_async(
                bench,
                get_model("python:judge_apps:judge"),
                store=store,
                options=RunOptions(cache=True),
            )
    assert len(judge_apps.CALLS) == 9  # with --cache, the second run is answered from it
