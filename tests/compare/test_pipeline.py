"""`compare()` on stored runs: pairing, scorer signatures, task versions, dropped samples,
lower-is-better metrics, sample diffs and safe Markdown."""

from __future__ import annotations

from pathlib import Path

import pytest
from scripted import ScriptedModel

from proctor.benchmark import Benchmark
from proctor.compare import compare, evaluate_gates
from proctor.compare._render import to_markdown
from proctor.dataset import Dataset
from proctor.engine import RunOptions, run_benchmark_async
from proctor.errors import ConfigError, ModelError
from proctor.scorer import resolve_scorer
from proctor.store import Store

N = 60


def rows(n: int = N, extra: str = "") -> list[dict]:
    return [
        {
            "id": f"q{i}",
            "input": f"question {i}{extra}",
            "target": f"answer {i}",
            "topic": "even" if i % 2 == 0 else "odd",
        }
        for i in range(n)
    ]


def bench(data: list[dict], *scorers, name: str = "cmp") -> Benchmark:
    return Benchmark(
        name=name,
        dataset=Dataset.from_records(data),
        scorers=list(scorers) or [resolve_scorer("exact_match"), resolve_scorer("ter")],
        slices=("topic",),
    )


def answers(wrong: set[int], failing: set[int] = frozenset()):
    def answer(request) -> str:
        i = int(request.sample.id[1:])
        if i in failing:
            raise ModelError("the server is down", retryable=False)
        return "something else entirely" if i in wrong else f"answer {i}"

    return answer


async def run(store: Store, benchmark: Benchmark, answer, **options) -> str:
    summary = await run_benchmark_async(
        benchmark, ScriptedModel(answer), store=store, options=RunOptions(cache=False, **options)
    )
    return summary.run.id


@pytest.fixture
def store(tmp_path: Path):
    with Store(f"sqlite:///{tmp_path / 'p.db'}") as opened:
        yield opened


async def test_a_regression_in_one_slice_is_found_and_named(store: Store) -> None:
    a = await run(store, bench(rows()), answers(wrong=set()))
    # the candidate gets every odd question wrong
    b = await run(store, bench(rows()), answers(wrong={i for i in range(N) if i % 2}))
    result = compare(a, b, store=store, resamples=2000, show=3)
    exact = result.metric("exact_match/mean")
    assert (exact.a, exact.b, exact.delta, exact.n) == (1.0, 0.5, -0.5, N)
    assert exact.test == "mcnemar" and exact.status == "regressed" and exact.regression
    assert result.metric("exact_match/mean[topic=even]").delta == 0
    assert result.metric("exact_match/mean[topic=odd]").status == "regressed"
    # TER is lower-is-better: it went up, and that is a regression too
    ter = result.metric("ter/mean")
    assert ter.delta > 0 and not ter.higher_is_better and ter.regression
    assert ter.status == "regressed"
    assert len(result.regressed) == 3 and not result.improved
    worst = result.regressed[0]
    assert worst.output_a.startswith("answer") and worst.output_b == "something else entirely"
    gates = evaluate_gates(result, significant_regression=True)
    assert [g.passed for g in gates] == [False] * len(
        [m for m in result.metrics if m.slice_key is None and m.p_drop is not None]
    )


async def test_equal_runs_show_no_change_and_pass_the_gate(store: Store) -> None:
    a = await run(store, bench(rows()), answers(wrong={1, 2, 3}))
    b = await run(store, bench(rows()), answers(wrong={1, 2, 3}))
    result = compare(a, b, store=store, resamples=500)
    exact = result.metric("exact_match/mean")
    assert exact.delta == 0 and exact.p_value == 1.0 and exact.status == "unchanged"
    assert all(g.passed for g in evaluate_gates(result, significant_regression=True))
    assert exact.detectable is not None and 0 < exact.detectable < 1


async def test_other_task_versions_need_intersect(store: Store) -> None:
    a = await run(store, bench(rows()), answers(wrong=set()))
    b = await run(store, bench(rows(N + 10)), answers(wrong=set()))
    with pytest.raises(ConfigError, match=r"different task versions.*--intersect"):
        compare(a, b, store=store)
    result = compare(a, b, store=store, intersect=True, resamples=200)
    assert result.intersect and result.n_shared == N and result.n_only_b == 10
    assert result.metric("exact_match/mean").n == N


async def test_only_scorers_with_the_same_signature_are_compared(store: Store) -> None:
    a = await run(
        store,
        bench(rows(), resolve_scorer("exact_match"), resolve_scorer("f1")),
        answers(wrong=set()),
    )
    b = await run(
        store,
        bench(
            rows(),
            resolve_scorer("exact_match", {"ignore_case": False}),
            resolve_scorer("f1"),
            resolve_scorer("includes"),
        ),
        answers(wrong=set()),
    )
    result = compare(a, b, store=store, resamples=200)
    assert {m.scorer for m in result.metrics} == {"f1"}
    reasons = dict(result.skipped)
    assert "signatures differ" in reasons["exact_match"]
    assert reasons["includes"] == f"only in run {b}"


async def test_samples_that_errored_in_one_run_are_dropped_and_counted(store: Store) -> None:
    a = await run(store, bench(rows()), answers(wrong=set()))
    b = await run(
        store,
        bench(rows()),
        answers(wrong=set(), failing={0, 1, 2}),
    )
    result = compare(a, b, store=store, resamples=200)
    exact = result.metric("exact_match/mean")
    assert exact.n == N - 3 and exact.dropped == 3 and exact.delta == 0


async def test_markdown_keeps_model_output_inert(store: Store) -> None:
    payload = '<script>alert(1)</script> | `x` "><img src=x onerror=alert(2)> [link](http://x)'
    a = await run(store, bench(rows()), answers(wrong=set()))
    b = await run(store, bench(rows()), lambda request: payload)
    text = to_markdown(compare(a, b, store=store, resamples=200, show=2))
    assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;" in text
    body = text.split("### Top regressions")[1]
    for line in body.strip().splitlines()[2:]:
        assert line.count(" | ") == 5  # the `|` in the output did not add a column


async def test_judge_scorers_without_a_calibration_are_warned_about(
    store: Store, tmp_path: Path
) -> None:
    import sys

    from proctor.compare._gates import calibration_warnings

    (tmp_path / "grader.py").write_text(
        'def rate(prompt):\n    return \'{"explanation": "ok", "rating": 4}\'\n'
    )
    sys.path.insert(0, str(tmp_path))
    try:
        judged = resolve_scorer("judge", {"guidelines": "Right?", "model": "python:grader:rate"})
        a = await run(store, bench(rows(8), resolve_scorer("exact_match"), judged), answers(set()))
        b = await run(store, bench(rows(8), resolve_scorer("exact_match"), judged), answers({1}))
    finally:
        sys.path.remove(str(tmp_path))
    warnings = calibration_warnings(store, compare(a, b, store=store, resamples=200))
    assert len(warnings) == 1 and warnings[0].startswith("judge: its judge has no calibration")


async def test_rescoring_keeps_what_people_said(store: Store) -> None:
    from proctor.store import ScoreRecord
    from proctor.store._schema import scores

    a = await run(store, bench(rows(3)), answers(set()))
    with store.engine.begin() as conn:  # a reviewer's judgment, as an import stores it
        conn.execute(
            scores.insert().values(
                run_id=a,
                sample_id="q0",
                epoch=0,
                scorer="exact_match",
                source="human",
                annotator="ann@example.com",
                value=False,
                value_num=0.0,
                metadata={},
            )
        )
    store.replace_scores(a, [("q0", 0, ScoreRecord("exact_match", 0.5, explanation="again"))])
    (record,) = store.get_samples(a, ["q0"])
    kept = sorted((s.source, s.value) for s in record.scores if s.scorer == "exact_match")
    assert kept == [("human", False), ("scorer", 0.5)]


async def test_reading_only_the_numbers_gives_the_same_comparison(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Means are compared from the stored numbers alone; the result must be the one the
    full score records give (epochs, model errors, scorer errors, human scores)."""
    import proctor.compare._compare as module
    from proctor.store._schema import scores

    data = rows(40)
    a = await run(store, bench(data), answers(wrong={1, 2}, failing={5}), epochs=2)
    b = await run(store, bench(data), answers(wrong={2, 3, 4, 7}, failing={9}), epochs=2)
    with store.engine.begin() as conn:  # a reviewer's verdict must not count
        conn.execute(
            scores.insert().values(
                run_id=b,
                sample_id="q3",
                epoch=0,
                scorer="exact_match",
                source="human",
                annotator="ann",
                value=True,
                value_num=1.0,
                metadata={},
            )
        )
    fast = compare(a, b, store=store, resamples=300, show=5)
    monkeypatch.setattr(module, "_plain_mean", lambda metric: False)
    full = compare(a, b, store=store, resamples=300, show=5)
    assert [m.to_dict() for m in fast.metrics] == [m.to_dict() for m in full.metrics]
    assert [c.to_dict() for c in fast.regressed] == [c.to_dict() for c in full.regressed]
    assert fast.metric("exact_match/mean").n == 38  # q5 and q9 failed in one run
