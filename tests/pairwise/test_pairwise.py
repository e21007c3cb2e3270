"""`run_pairwise`: both orders judged, position bias made a tie, errors kept out of n,
win rates and rankings with intervals, everything stored."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import pairwise_judges
from scripted import ScriptedModel

from proctor.benchmark import Benchmark, PromptTemplate
from proctor.dataset import Dataset
from proctor.engine import run_benchmark_async
from proctor.errors import ConfigError, ModelError, StoreError
from proctor.pairwise import (
    PairwiseOptions,
    PairwiseResult,
    combine,
    parse_preference,
    run_pairwise_async,
)
from proctor.scorer import resolve_scorer
from proctor.store import Store
from proctor.store._pairwise import get_pairwise, iter_verdicts

ROWS = [{"id": f"q{i}", "input": f"Question {i}?", "group": f"g{i % 3}"} for i in range(10)]


def judge(name: str) -> str:
    return f"python:pairwise_judges:{name}"


@pytest.fixture
def store(tmp_path: Path):
    with Store(f"sqlite:///{tmp_path / 'p.db'}") as opened:
        yield opened


async def make_run(
    store: Store,
    quality: Callable[[int], int],
    *,
    spec: str,
    rows: list[dict] = ROWS,
    cluster: str | None = None,
    system: str | None = None,
    failures: dict | None = None,
) -> str:
    """A run whose answer to sample qN reads "quality {quality(N)}: ..."."""
    bench = Benchmark(
        name="qa",
        dataset=Dataset.from_records(rows),
        scorers=[resolve_scorer("exact_match")],
        prompt=PromptTemplate(system=system),
        cluster=cluster,
    )
    model = ScriptedModel(
        lambda r: f"quality {quality(int(r.sample.id[1:]))}: about {r.sample.id}",
        spec=spec,
        failures=failures,
    )
    summary = await run_benchmark_async(bench, model, store=store)
    return summary.run.id


async def compare(store: Store, runs: list[str], judge_name: str, **options) -> PairwiseResult:
    return await run_pairwise_async(
        store, runs, judge=judge(judge_name), options=PairwiseOptions(**options)
    )


# -- the position swap ----------------------------------------------------------------------------


async def test_a_judge_that_always_picks_the_first_answer_gives_only_ties(store) -> None:
    good = await make_run(store, lambda i: 3, spec="scripted:good")
    bad = await make_run(store, lambda i: 1, spec="scripted:bad")
    result = await compare(store, [good, bad], "first_shown")
    (pair,) = result.pairs
    assert (pair.wins, pair.ties, pair.losses, pair.errors) == (0, 10, 0, 0)
    assert pair.win_rate == 0.5
    verdicts = list(iter_verdicts(store, result.id))
    assert {v.verdict for v in verdicts} == {"tie"}
    assert all(v.first["winner"] == v.second["winner"] == "A" for v in verdicts)


async def test_a_consistent_judge_gives_wins_to_the_better_run(store) -> None:
    good = await make_run(store, lambda i: 3, spec="scripted:good")
    bad = await make_run(store, lambda i: 1, spec="scripted:bad")
    result = await compare(store, [good, bad], "fair")
    (pair,) = result.pairs
    assert (pair.n, pair.wins, pair.ties, pair.losses) == (10, 10, 0, 0)
    assert pair.win_rate == 1.0 and pair.ci_low == pair.ci_high == 1.0
    verdicts = list(iter_verdicts(store, result.id))
    # in the swapped order the judge's "B" is the first run's answer
    assert all(v.first["winner"] == "A" and v.second["winner"] == "B" for v in verdicts)
    assert all(v.verdict == "a" for v in verdicts)
    reversed_order = await compare(store, [bad, good], "fair")
    assert reversed_order.pairs[0].losses == 10 and reversed_order.pairs[0].win_rate == 0.0


async def test_an_explicit_tie_in_either_order_makes_a_tie(store) -> None:
    good = await make_run(store, lambda i: 3, spec="scripted:good")
    bad = await make_run(store, lambda i: 1, spec="scripted:bad")
    result = await compare(store, [good, bad], "ties_when_best_is_second")
    assert result.pairs[0].ties == 10 and result.pairs[0].wins == 0


def test_combining_the_two_orders() -> None:
    assert combine("A", "B") == "a"  # run A named in both orders
    assert combine("B", "A") == "b"
    assert combine("A", "A") == "tie"  # the judge followed the position
    assert combine("B", "B") == "tie"
    assert combine("tie", "B") == "tie" and combine("A", "tie") == "tie"
    assert combine("tie", "tie") == "tie"


def test_parse_preference_tolerates_prose_and_case_and_explains_problems() -> None:
    assert parse_preference('Well: {"winner": "Tie", "explanation": "same"}') == {
        "winner": "tie",
        "explanation": "same",
    }
    with pytest.raises(ValueError, match='"winner" must be'):
        parse_preference('{"winner": "C"}')
    with pytest.raises(ValueError, match='no "winner"'):
        parse_preference('{"explanation": "x"}')
    with pytest.raises(ValueError, match="no JSON object"):
        parse_preference("A is better")


# -- win rate and its interval --------------------------------------------------------------------


async def test_the_win_rate_counts_ties_as_half_with_a_seeded_interval(store) -> None:
    # run A is better on q0-q5, equal on q6-q7, worse on q8-q9: (6 + 2/2) / 10
    a = await make_run(store, lambda i: 3 if i < 6 else 2 if i < 8 else 1, spec="scripted:a")
    b = await make_run(store, lambda i: 2, spec="scripted:b")
    result = await compare(store, [a, b], "fenced_lowercase")
    pair = result.pairs[0]
    assert (pair.wins, pair.ties, pair.losses) == (6, 2, 2)
    assert pair.win_rate == pytest.approx(0.7)
    assert pair.ci_low < 0.7 < pair.ci_high and pair.method == "bootstrap"
    again = await compare(store, [a, b], "fenced_lowercase")
    assert (again.pairs[0].ci_low, again.pairs[0].ci_high) == (pair.ci_low, pair.ci_high)
    other_seed = (await compare(store, [a, b], "fenced_lowercase", seed=7)).pairs[0]
    assert (other_seed.ci_low, other_seed.ci_high, other_seed.stderr) != (
        pair.ci_low,
        pair.ci_high,
        pair.stderr,
    )


async def test_runs_with_a_cluster_key_get_clustered_intervals(store) -> None:
    a = await make_run(store, lambda i: 3 if i % 2 else 1, spec="scripted:a", cluster="group")
    b = await make_run(store, lambda i: 2, spec="scripted:b", cluster="group")
    result = await compare(store, [a, b], "fair")
    assert result.pairs[0].method == "clustered-bootstrap" and result.cluster == "group"


# -- errors ---------------------------------------------------------------------------------------


async def test_judge_errors_are_recorded_and_left_out_of_n(store) -> None:
    mixed = await make_run(store, lambda i: 1 if i < 3 else 3, spec="scripted:mixed")
    steady = await make_run(store, lambda i: 2, spec="scripted:steady")
    pairwise_judges.CALLS.clear()
    result = await compare(store, [mixed, steady], "garbled_on_quality_1", retries=1)
    pair = result.pairs[0]
    assert pair.errors == 3 and pair.n == 7 and pair.wins == 7 and pair.win_rate == 1.0
    assert result.n_errors == 3
    errored = [v for v in iter_verdicts(store, result.id) if v.error is not None]
    assert {v.sample_id for v in errored} == {"q0", "q1", "q2"}
    assert all(v.verdict is None and v.first is None and v.second is None for v in errored)
    assert all(
        "A first: ScorerError" in v.error and "B first: ScorerError" in v.error for v in errored
    )
    assert all(v.usage["calls"] == 4 for v in errored)  # two orders, one try and one repair each
    # 3 errored comparisons x 4 calls + 7 good ones x 2 calls
    assert len(pairwise_judges.CALLS) == 3 * 4 + 7 * 2


async def test_a_failing_judge_model_is_an_error_on_each_verdict(store) -> None:
    a = await make_run(store, lambda i: 3, spec="scripted:a")
    b = await make_run(store, lambda i: 1, spec="scripted:b")
    result = await compare(store, [a, b], "crashes")
    assert result.pairs[0].errors == 10 and result.pairs[0].n == 0
    assert result.pairs[0].win_rate is None and result.pairs[0].ci_low is None
    verdict = next(iter_verdicts(store, result.id))
    assert "ModelError" in verdict.error and "judge backend down" in verdict.error


# -- what is compared -----------------------------------------------------------------------------


async def test_only_samples_both_runs_answered_are_compared(store) -> None:
    full = await make_run(store, lambda i: 3, spec="scripted:full")
    partial = await make_run(
        store,
        lambda i: 1,
        spec="scripted:partial",
        rows=ROWS[:8],
        failures={"q0": [ModelError("no answer")]},
    )
    result = await compare(store, [full, partial], "fair")
    pair = result.pairs[0]
    assert pair.shared == 7 and pair.dropped == 3 and pair.n == 7
    assert "q0" not in {v.sample_id for v in iter_verdicts(store, result.id)}


async def test_the_judge_sees_the_conversation_and_both_answers_in_both_orders(store) -> None:
    a = await make_run(store, lambda i: 3, spec="scripted:a", system="Be brief.", rows=ROWS[:1])
    b = await make_run(store, lambda i: 1, spec="scripted:b", system="Be brief.", rows=ROWS[:1])
    pairwise_judges.CALLS.clear()
    await compare(store, [a, b], "fair", guidelines="Prefer correct answers.")
    first, second = sorted(pairwise_judges.CALLS, key=lambda p: p.index("quality 3"))
    assert "system: Be brief.\nuser: Question 0?" in first
    assert "Prefer correct answers." in first
    assert first.index("quality 3") < first.index("quality 1")
    assert second.index("quality 1") < second.index("quality 3")


async def test_a_custom_prompt_is_used_and_changes_the_signature(store) -> None:
    a = await make_run(store, lambda i: 3, spec="scripted:a", rows=ROWS[:2])
    b = await make_run(store, lambda i: 1, spec="scripted:b", rows=ROWS[:2])
    packaged = await compare(store, [a, b], "fair")
    assert packaged.signature.startswith(f"judge={judge('fair')}|prompt=pairwise_v1:")
    pairwise_judges.CALLS.clear()
    custom = await compare(
        store, [a, b], "custom", prompt="left={{ answer_a }} right={{ answer_b }}"
    )
    assert custom.pairs[0].wins == 2
    assert pairwise_judges.CALLS[0].startswith("left=")
    assert "|prompt=custom:" in custom.signature
    guided = await compare(store, [a, b], "fair", guidelines="Be strict.")
    assert guided.signature.startswith(packaged.signature + "|guidelines=")


async def test_a_prompt_that_cannot_render_is_a_config_error_before_anything_runs(store) -> None:
    a = await make_run(store, lambda i: 3, spec="scripted:a", rows=ROWS[:2])
    b = await make_run(store, lambda i: 1, spec="scripted:b", rows=ROWS[:2])
    with pytest.raises(ConfigError, match="pairwise prompt"):
        await compare(store, [a, b], "fair", prompt="{{ nonsense }}")


async def test_bad_run_lists_are_config_errors(store) -> None:
    a = await make_run(store, lambda i: 3, spec="scripted:a", rows=ROWS[:2])
    other = await make_run(store, lambda i: 1, spec="scripted:b", rows=[{"id": "x", "input": "?"}])
    with pytest.raises(ConfigError, match="at least two runs"):
        await compare(store, [a], "fair")
    with pytest.raises(ConfigError, match="given twice"):
        await compare(store, [a, a[:6]], "fair")
    with pytest.raises(ConfigError, match="share no answered sample"):
        await compare(store, [a, other], "fair")
    with pytest.raises(StoreError, match="no run matches"):
        await compare(store, [a, "ffffffffffff"], "fair")


# -- three or more runs ---------------------------------------------------------------------------


async def test_three_runs_are_compared_pairwise_and_ranked(store) -> None:
    best = await make_run(store, lambda i: 3 if i else 1, spec="scripted:best")
    mid = await make_run(store, lambda i: 2, spec="scripted:mid")
    worst = await make_run(store, lambda i: 1 if i else 3, spec="scripted:worst")
    result = await compare(store, [worst, best, mid], "fair")
    assert [(p.run_a, p.run_b) for p in result.pairs] == [(worst, best), (worst, mid), (best, mid)]
    assert [r.run for r in result.ranking] == [best, mid, worst]
    assert [r.rank for r in result.ranking] == [1, 2, 3]
    strengths = [r.strength for r in result.ranking]
    assert strengths[0] * strengths[1] * strengths[2] == pytest.approx(1.0)
    # the middle run is the geometric mean in every resample: its interval is a point
    assert all(r.ci_low - 1e-9 <= r.strength <= r.ci_high + 1e-9 for r in result.ranking)
    assert result.ranking[0].ci_low > 1 > result.ranking[2].ci_high
    assert result.ranking_method == "bootstrap"
    two = await compare(store, [best, mid], "fair")
    assert two.ranking is None


# -- storage --------------------------------------------------------------------------------------


async def test_the_comparison_and_its_verdicts_are_stored(store) -> None:
    a = await make_run(store, lambda i: 3, spec="scripted:a")
    b = await make_run(store, lambda i: 1, spec="scripted:b")
    result = await compare(store, [a, b], "fair")
    record = get_pairwise(store, result.id[:5])
    assert record.runs == [a, b] and record.judge == judge("fair")
    assert record.status == "finished" and record.finished_at is not None
    assert record.signature == result.signature
    assert PairwiseResult.from_record(record) == result
    verdicts = list(iter_verdicts(store, result.id))
    assert len(verdicts) == 10 and {(v.run_a, v.run_b) for v in verdicts} == {(a, b)}
    assert {(v.sample_id, v.epoch) for v in verdicts} == {(f"q{i}", 0) for i in range(10)}
    assert verdicts[0].first["explanation"] == "quality 3 against 1"
    assert verdicts[0].usage["calls"] == 2
    assert result.usage["calls"] == 20 and result.usage["cached"] == 0


async def test_judge_answers_come_from_the_cache_when_asked_again(store) -> None:
    a = await make_run(store, lambda i: 3, spec="scripted:a", rows=ROWS[:3])
    b = await make_run(store, lambda i: 1, spec="scripted:b", rows=ROWS[:3])
    first = await compare(store, [a, b], "fair", cache=True)
    pairwise_judges.CALLS.clear()
    second = await compare(store, [a, b], "fair", cache=True)
    assert first.usage["cached"] == 0 and second.usage == {**first.usage, "cached": 6}
    assert pairwise_judges.CALLS == [] and second.pairs == first.pairs


async def test_judge_calls_stay_within_the_concurrency_limit(store) -> None:
    a = await make_run(store, lambda i: 3, spec="scripted:a")
    b = await make_run(store, lambda i: 1, spec="scripted:b")
    pairwise_judges.IN_FLIGHT["max"] = 0
    result = await compare(store, [a, b], "slow_fair", max_concurrency=3)
    assert result.pairs[0].wins == 10
    assert 2 <= pairwise_judges.IN_FLIGHT["max"] <= 3


async def test_cancelling_stops_early_and_marks_the_comparison_interrupted(store) -> None:
    rows = [{"id": f"q{i}", "input": f"Question {i}?"} for i in range(200)]
    a = await make_run(store, lambda i: 3, spec="scripted:a", rows=rows)
    b = await make_run(store, lambda i: 1, spec="scripted:b", rows=rows)
    task = asyncio.ensure_future(compare(store, [a, b], "slow_fair", max_concurrency=2))
    await asyncio.sleep(0.3)
    task.cancel()
    result = await task
    assert result.status == "interrupted"
    stored = list(iter_verdicts(store, result.id))
    assert 0 < len(stored) < 200 and result.pairs[0].n == len(stored)
    assert get_pairwise(store, result.id).status == "interrupted"


async def test_the_local_model_judges_with_constrained_json(store) -> None:
    from local_support import require_llama

    require_llama()
    a = await make_run(store, lambda i: 3, spec="scripted:a", rows=ROWS[:2])
    b = await make_run(store, lambda i: 1, spec="scripted:b", rows=ROWS[:2])
    result = await run_pairwise_async(
        store, [a, b], judge="local:smollm2", options=PairwiseOptions(max_tokens=200)
    )
    # the point is the plumbing: constrained replies parse, verdicts are stored
    assert result.n_errors == 0 and result.pairs[0].n == 2
    verdicts = list(iter_verdicts(store, result.id))
    assert len(verdicts) == 2
    assert all(v.first["winner"] in ("A", "B", "tie") for v in verdicts)
    assert all(v.second["winner"] in ("A", "B", "tie") for v in verdicts)
    assert all(v.verdict in ("a", "b", "tie") for v in verdicts)
