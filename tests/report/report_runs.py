"""Runs for the report tests, made by the real engine with a scripted model.

`critic` stands in for a judge: it scores 1.0 or 0.25 with an explanation
that quotes the output, a judge prompt hash, two rubric criteria (one met or
not, one negative) and a jury of two (one of whom failed) — everything the
report shows of a score. A sample whose metadata says `flag: explode` makes
it raise, which the engine records as that scorer's error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from scripted import ScriptedModel

from proctor.benchmark import Benchmark, PromptTemplate
from proctor.dataset import Dataset
from proctor.engine import RunOptions, run_benchmark
from proctor.errors import ModelError, ScorerError
from proctor.model import GenerateRequest
from proctor.scorer import Score, resolve_scorer, scorer
from proctor.store import Store

TOPICS = ("red", "green", "blue")
PROMPT_HASH = "critic_v1:0123456789ab"


@scorer("critic")
def critic():
    async def score(sample, output, ctx) -> Score:
        if sample.metadata.get("flag") == "explode":
            raise ScorerError("the judge gave no verdict")
        ok = isinstance(sample.target, str) and sample.target in output.text
        return Score(
            1.0 if ok else 0.25,
            explanation=f"The judge read: {output.text}",
            source="judge",
            annotator="scripted:judge",
            metadata={
                "prompt": PROMPT_HASH,
                "criteria": [
                    {
                        "criterion": f"States {sample.target}",
                        "points": 3,
                        "tags": ["axis:accuracy"],
                        "met": ok,
                        "explanation": f"checked against: {output.text}",
                    },
                    {
                        "criterion": "Is rude",
                        "points": -2,
                        "tags": [],
                        "met": False,
                        "explanation": "polite enough",
                    },
                ],
                "ratings": {"scripted:a": 4 if ok else 1, "scripted:b": None},
                "explanations": {"scripted:a": f"juror a read {output.text}"},
                "errors": {"scripted:b": "no usable verdict"},
            },
        )

    return score


def records(n: int, *, explode: Iterable[int] = ()) -> list[dict[str, Any]]:
    boom = set(explode)
    rows = []
    for i in range(n):
        row = {
            "id": f"q{i}",
            "input": f"question {i}",
            "target": f"answer {i}",
            "topic": TOPICS[i % len(TOPICS)],
        }
        if i in boom:
            row["flag"] = "explode"
        rows.append(row)
    return rows


def benchmark(rows: list[dict[str, Any]], name: str = "report-test") -> Benchmark:
    return Benchmark(
        name=name,
        dataset=Dataset.from_records(rows),
        scorers=[resolve_scorer("exact_match"), critic()],
        prompt=PromptTemplate(system="Answer briefly."),
        slices=("topic",),
    )


def wrong_on(wrong: Iterable[int], text: str = "no idea") -> Callable[[GenerateRequest], str]:
    """An answer function: right (`answer i`) except on the `wrong` samples."""
    bad = set(wrong)

    def answer(request: GenerateRequest) -> str:
        i = int(request.sample.id[1:])
        return text if i in bad else f"answer {i}"

    return answer


def make_run(
    store: Store,
    rows: list[dict[str, Any]],
    answer: Callable[[GenerateRequest], str],
    *,
    failing: Iterable[int] = (),
    label: str | None = None,
) -> str:
    """Run the benchmark of `rows` with a scripted model; samples in `failing` get a model error."""
    failures = {f"q{i}": [ModelError("the server is down", retryable=False)] for i in set(failing)}
    model = ScriptedModel(answer, failures=failures)
    summary = run_benchmark(
        benchmark(rows), model, store=store, options=RunOptions(cache=False, label=label)
    )
    return summary.run.id
