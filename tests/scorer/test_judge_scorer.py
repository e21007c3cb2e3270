"""`judge`: prompts, JSON verdicts, repair and retry budget, errors never scored as zero."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import judge_scripts
from scripted import ScriptedModel

from proctor.benchmark import Benchmark
from proctor.dataset import Dataset
from proctor.engine import run_benchmark, run_benchmark_async
from proctor.errors import ConfigError
from proctor.scorer import resolve_scorer
from proctor.scorer._judge import majority, packaged_label, parse_verdict
from proctor.store import Store

ROWS = [
    {"id": f"s{i}", "input": f"Explain topic {i}", "target": f"Reference {i}"} for i in range(3)
]


async def run_with(judge_spec: str | list[str], tmp_path: Path, rows=ROWS, **args):
    scorer = resolve_scorer("judge", {"model": judge_spec, "guidelines": "Be accurate.", **args})
    bench = Benchmark(name="judged", dataset=Dataset.from_records(rows), scorers=[scorer])
    judge_scripts.CALLS.clear()
    with Store(f"sqlite:///{tmp_path / 'p.db'}") as store:
        summary = await run_benchmark_async(
            bench, ScriptedModel(lambda r: "An answer."), store=store
        )
        rows = list(store.iter_samples(summary.run.id))
    return summary, rows


async def test_a_verdict_becomes_a_normalised_judge_score(tmp_path: Path) -> None:
    summary, rows = await run_with("python:judge_scripts:good", tmp_path)
    score = rows[0].scores[0]
    assert score.value == pytest.approx(0.75) and score.source == "judge"
    assert score.annotator == "python:judge_scripts:good" and score.metadata["rating"] == 4
    assert score.explanation == "clear and correct"
    assert next(m for m in summary.metrics if m.name == "judge/mean").value == pytest.approx(0.75)
    prompt = judge_scripts.CALLS[0]
    assert "Be accurate." in prompt and "An answer." in prompt and "Explain topic" in prompt
    assert "Reference" not in prompt


async def test_fences_and_prose_around_the_json_are_tolerated(tmp_path: Path) -> None:
    _, rows = await run_with("python:judge_scripts:fenced", tmp_path)
    assert all(r.scores[0].value == 1.0 for r in rows)


async def test_an_unusable_reply_is_sent_back_with_what_was_wrong(tmp_path: Path) -> None:
    _, rows = await run_with("python:judge_scripts:bad_then_good", tmp_path)
    assert all(r.scores[0].value == pytest.approx(0.25) for r in rows)
    repairs = [c for c in judge_scripts.CALLS if isinstance(c, list)]  # chats: the retries
    assert len(repairs) == 3
    assert all("holds no JSON object" in r[-1]["content"] for r in repairs)
    assert all(
        r[1] == {"role": "assistant", "content": "I think the answer is quite good."}
        for r in repairs
    )


async def test_after_the_retry_budget_it_is_an_error_not_a_zero(tmp_path: Path) -> None:
    summary, rows = await run_with("python:judge_scripts:always_bad", tmp_path, retries=2)
    assert len(judge_scripts.CALLS) == 3 * 3  # three samples, one try and two repairs each
    assert all(r.scores[0].error and "whole number from 1 to 5" in r.scores[0].error for r in rows)
    assert summary.n_errors == 3
    assert next(m for m in summary.metrics if m.name == "judge/mean").n == 0


async def test_labels_and_reference_answers(tmp_path: Path) -> None:
    _, rows = await run_with(
        "python:judge_scripts:label", tmp_path, labels=["Wrong", "Partial", "Right"], reference=True
    )
    assert rows[0].scores[0].value == 0.5 and rows[0].scores[0].answer == "Partial"
    assert "Reference 0" in judge_scripts.CALLS[0]


def test_the_signature_follows_the_judge_and_its_prompt() -> None:
    base = resolve_scorer("judge", {"model": "openai:a", "guidelines": "g"})
    other_judge = resolve_scorer("judge", {"model": "openai:b", "guidelines": "g"})
    other_prompt = resolve_scorer(
        "judge", {"model": "openai:a", "guidelines": "g", "prompt": "Rate {{ answer }} as JSON."}
    )
    assert len({base.signature, other_judge.signature, other_prompt.signature}) == 3
    assert "prompt=judge_v1:" in base.signature


def test_parse_verdict_explains_problems() -> None:
    with pytest.raises(ValueError, match='no "rating"'):
        parse_verdict('{"explanation": "x"}', low=1, high=5, labels=None)
    assert parse_verdict('{"rating": 3}', low=1, high=5, labels=None) == (3, "")


def test_bad_scales_are_config_errors() -> None:
    with pytest.raises(ConfigError):
        resolve_scorer("judge", {"model": "openai:a", "guidelines": "g", "low": 5, "high": 1})


async def test_the_local_model_judges_with_constrained_json(tmp_path: Path) -> None:
    from local_support import require_llama

    require_llama()
    summary, rows = await run_with("local:smollm2", tmp_path)
    # the point is the plumbing: a constrained reply always parses into the scale
    assert summary.n_errors == 0
    assert all(
        r.scores[0].source == "judge" and 1 <= r.scores[0].metadata["rating"] <= 5 for r in rows
    )


# --- juries --------------------------------------------------------------------

GOOD, TWO = "python:judge_scripts:good", "python:judge_scripts:two"


def jury_metric(summary, name: str):
    return next(m for m in summary.metrics if m.name == name)


async def test_a_jury_averages_its_jurors_by_default(tmp_path: Path) -> None:
    summary, rows = await run_with([GOOD, TWO], tmp_path)
    score = rows[0].scores[0]
    assert score.value == pytest.approx(0.5) and score.answer == "3"  # (4 + 2) / 2 on 1..5
    assert score.metadata["rating"] == 3.0 and score.metadata["aggregate"] == "mean"
    assert score.metadata["ratings"] == {GOOD: 4, TWO: 2}
    assert score.metadata["explanations"] == {GOOD: "clear and correct", TWO: "weak"}
    assert score.metadata["errors"] == {} and score.metadata["judge"] == [GOOD, TWO]
    assert score.source == "judge" and score.annotator == f"{GOOD}+{TWO}"
    assert score.explanation == f"{GOOD}: 4 — clear and correct\n{TWO}: 2 — weak"
    assert jury_metric(summary, "judge/mean").value == pytest.approx(0.5)


async def test_majority_takes_the_most_common_rating(tmp_path: Path) -> None:
    jury = [GOOD, TWO, "python:judge_scripts:also_good"]
    _, rows = await run_with(jury, tmp_path, aggregate="majority")
    score = rows[0].scores[0]
    assert score.metadata["rating"] == 4 and score.value == pytest.approx(0.75)


async def test_a_tied_majority_takes_the_lower_rating(tmp_path: Path) -> None:
    _, rows = await run_with([GOOD, TWO], tmp_path, aggregate="majority")
    assert rows[0].scores[0].metadata["rating"] == 2 and rows[0].scores[0].value == 0.25


async def test_a_label_jury_takes_the_majority_and_a_tie_the_label_listed_first(
    tmp_path: Path,
) -> None:
    jury = ["python:judge_scripts:right", "python:judge_scripts:label"]
    summary, rows = await run_with(jury, tmp_path, labels=["Wrong", "Partial", "Right"])
    score = rows[0].scores[0]
    assert score.metadata["aggregate"] == "majority"  # the default for labels
    assert score.answer == "Partial" and score.value == 0.5
    assert [m.name for m in summary.metrics] == ["judge/mean", "judge/kappa"]


def test_majority_counts_votes_and_breaks_ties_toward_the_start_of_the_scale() -> None:
    labels = ["Wrong", "Partial", "Right"]
    assert majority(["Right", "Partial", "Right"], labels) == "Right"
    assert majority(["Right", "Wrong"], labels) == "Wrong"
    assert majority([5, 1, 5, 1, 3], range(1, 6)) == 1


async def test_jurors_are_asked_at_once(tmp_path: Path) -> None:
    judge_scripts.PEERS.update(in_flight=0, most=0)
    jury = ["python:judge_scripts:slow_three", "python:judge_scripts:slow_five"]
    _, rows = await run_with(jury, tmp_path, rows=ROWS[:1])  # one sample: overlap is the jury's
    assert judge_scripts.PEERS["most"] == 2
    assert rows[0].scores[0].metadata["rating"] == 4.0


async def test_a_failed_juror_is_left_out_and_its_error_kept(tmp_path: Path) -> None:
    bad, broken = "python:judge_scripts:always_bad", "python:judge_scripts:broken"
    summary, rows = await run_with([GOOD, bad, broken], tmp_path)
    score = rows[0].scores[0]
    assert score.error is None and score.value == pytest.approx(0.75)
    assert score.metadata["ratings"] == {GOOD: 4, bad: None, broken: None}
    assert "ScorerError" in score.metadata["errors"][bad]
    assert "no usable verdict" in score.metadata["errors"][bad]
    assert "ModelError" in score.metadata["errors"][broken]
    assert "judge backend down" in score.metadata["errors"][broken]
    assert set(score.metadata["explanations"]) == {GOOD}
    assert f"{broken}: no verdict — ModelError" in score.explanation
    assert summary.n_errors == 0


async def test_a_jury_without_any_verdict_is_a_judge_error(tmp_path: Path) -> None:
    bad, broken = "python:judge_scripts:always_bad", "python:judge_scripts:broken"
    summary, rows = await run_with([bad, broken], tmp_path)
    error = rows[0].scores[0].error
    assert error and "no judge of the jury gave a verdict" in error
    assert bad in error and "judge backend down" in error
    assert summary.n_errors == 3
    assert jury_metric(summary, "judge/mean").n == 0
    assert jury_metric(summary, "judge/alpha").value is None


def test_one_judge_keeps_its_signature_and_a_jury_names_every_juror_in_order() -> None:
    single = resolve_scorer("judge", {"model": "openai:a", "guidelines": "g"})
    args = hashlib.sha256(b'{"guidelines":"g","model":"openai:a"}').hexdigest()[:12]
    assert single.signature == (f"judge|v1|args={args}|judge=openai:a|prompt={packaged_label()}")
    jury = resolve_scorer("judge", {"model": ["openai:a", "openai:b"], "guidelines": "g"})
    assert "|judge=openai:a+openai:b|" in jury.signature
    assert jury.signature.endswith(
        "aggregate=mean|judge=openai:a+openai:b|prompt=" + packaged_label()
    )
    reversed_jury = resolve_scorer("judge", {"model": ["openai:b", "openai:a"], "guidelines": "g"})
    majority_jury = resolve_scorer(
        "judge", {"model": ["openai:a", "openai:b"], "guidelines": "g", "aggregate": "majority"}
    )
    assert len({jury.signature, reversed_jury.signature, majority_jury.signature}) == 3
    assert "aggregate=majority" in majority_jury.signature


def test_a_jury_reports_the_agreement_of_its_jurors() -> None:
    def names(**args) -> list[str]:
        return [m.name for m in resolve_scorer("judge", {"guidelines": "g", **args}).metrics]

    assert names(model="openai:a") == ["mean"]
    assert names(model=["openai:a", "openai:b"]) == ["mean", "alpha"]
    assert names(model=["openai:a", "openai:b"], labels=["no", "yes"]) == ["mean", "kappa"]


@pytest.mark.parametrize(
    "args",
    [
        {"model": ["openai:a"]},
        {"model": ["openai:a", "openai:a"]},
        {"model": ["openai:a", 3]},
        {"model": ["openai:a", "openai:b"], "aggregate": "median"},
        {"model": ["openai:a", "openai:b"], "labels": ["no", "yes"], "aggregate": "mean"},
    ],
)
def test_bad_juries_are_config_errors(args) -> None:
    with pytest.raises(ConfigError):
        resolve_scorer("judge", {"guidelines": "g", **args})


def test_the_benchmark_judge_fills_in_one_judge_and_leaves_a_jury_alone() -> None:
    unset = resolve_scorer("judge", {"guidelines": "g"})
    assert "judge=unset" in unset.signature
    filled = unset.with_judge("openai:x")
    assert "judge=openai:x|" in filled.signature and "aggregate" not in filled.signature
    jury = resolve_scorer("judge", {"model": ["openai:a", "openai:b"], "guidelines": "g"})
    assert jury.with_judge("openai:x") is jury


def test_a_run_with_a_disagreeing_jury_stores_its_ratings_and_their_agreement(
    tmp_path: Path,
) -> None:
    strict, lenient = "python:judge_scripts:strict", "python:judge_scripts:lenient"
    scorer = resolve_scorer("judge", {"model": [strict, lenient], "guidelines": "Be accurate."})
    bench = Benchmark(name="judged", dataset=Dataset.from_records(ROWS), scorers=[scorer])
    with Store(f"sqlite:///{tmp_path / 'p.db'}") as store:
        summary = run_benchmark(bench, ScriptedModel(lambda r: "An answer."), store=store)
        rows = list(store.iter_samples(summary.run.id))
        stored = {m.name: m for m in store.get_metrics(summary.run.id)}
    assert [r.scores[0].metadata["ratings"] for r in rows] == [
        {strict: 1, lenient: 2},
        {strict: 2, lenient: 3},
        {strict: 4, lenient: 5},
    ]
    assert [r.scores[0].metadata["rating"] for r in rows] == [1.5, 2.5, 4.5]
    assert all(r.scores[0].annotator == f"{strict}+{lenient}" for r in rows)
    # Interval alpha by hand: pairable values 1,2 | 2,3 | 4,5 (n = 6). Each unit adds
    # 2·1² of observed disagreement (two ordered pairs, weight 1/(m-1) = 1): Σ o·δ² = 6.
    # Expected: Σ_{i≠j} (x_i - x_j)² = 2·n·Σx² - 2·(Σx)² = 2·6·59 - 2·17² = 130.
    # alpha = 1 - (n - 1)·6/130 = 1 - 30/130 = 10/13.
    alpha = stored["judge/alpha"]
    assert alpha.value == pytest.approx(10 / 13) and alpha.n == 3 and alpha.n_total == 3
    assert alpha.method == "bootstrap" and alpha.ci_low <= alpha.value <= alpha.ci_high
    assert alpha.higher_is_better is True
    # (1.5 - 1)/4, (2.5 - 1)/4, (4.5 - 1)/4 averaged
    assert stored["judge/mean"].value == pytest.approx((0.125 + 0.375 + 0.875) / 3)
