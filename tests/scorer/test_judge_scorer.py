"""`judge`: prompts, JSON verdicts, repair and retry budget, errors never scored as zero."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import judge_scripts
from scripted import ScriptedModel

from proctor.benchmark import Benchmark
from proctor.dataset import Dataset
from proctor.engine import run_benchmark_async
from proctor.errors import ConfigError
from proctor.scorer import resolve_scorer
from proctor.scorer._judge import parse_verdict
from proctor.store import Store

ROWS = [
    {"id": f"s{i}", "input": f"Explain topic {i}", "target": f"Reference {i}"} for i in range(3)
]


async def run_with(judge_spec: str, tmp_path: Path, **args):
    scorer = resolve_scorer("judge", {"model": judge_spec, "guidelines": "Be accurate.", **args})
    bench = Benchmark(name="judged", dataset=Dataset.from_records(ROWS), scorers=[scorer])
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
