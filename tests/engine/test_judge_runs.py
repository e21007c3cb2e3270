"""Judges in real runs: a judge behind an OpenAI-compatible server on 127.0.0.1, its
usage counted apart from the model under test, the benchmark's judge, and
re-scoring a stored run without calling the model under test again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openai_server import FakeOpenAIServer
from scripted import ScriptedModel

from proctor.benchmark import Benchmark, load_benchmark
from proctor.dataset import Dataset
from proctor.engine import RunOptions, rescore_run_async, run_benchmark_async
from proctor.errors import ConfigError
from proctor.model import ModelConfig
from proctor.model._openai import OpenAIModel
from proctor.scorer import resolve_scorer
from proctor.store import Store

ROWS = [{"id": f"s{i}", "input": f"question {i}", "target": f"answer {i}"} for i in range(6)]


def verdicts(messages: list[dict]) -> str:
    """A judge server: rates 5 when the answer is right, 1 otherwise; prose around the JSON."""
    prompt = messages[0]["content"]
    right = any(f"answer {i}" in prompt.split("answer:")[-1] for i in range(6))
    rating = 5 if right else 1
    return f'Verdict: {{"explanation": "checked", "rating": {rating}}}'


def judged_benchmark(**judge_args) -> Benchmark:
    return Benchmark(
        name="judged",
        dataset=Dataset.from_records(ROWS),
        scorers=[
            resolve_scorer("exact_match"),
            resolve_scorer("judge", {"guidelines": "Is the answer right?", **judge_args}),
        ],
    )


def answer(request) -> str:
    i = int(request.sample.id[1:])
    return f"answer {i}" if i % 2 == 0 else "no idea"


async def test_a_judge_behind_an_openai_compatible_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeOpenAIServer(responder=verdicts) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        server.fail_next("429", times=1, retry_after=0)  # the engine retries judge calls too
        bench = judged_benchmark().with_judge("openai:grader")
        assert "judge=openai:grader" in bench.scorers[1].signature
        with Store(f"sqlite:///{tmp_path / 'p.db'}") as store:
            summary = await run_benchmark_async(
                bench, ScriptedModel(answer), store=store, options=RunOptions(cache=False)
            )
            records = list(store.iter_samples(summary.run.id))
            run = summary.run
            judge_requests = len(server.requests)
            # the same judge calls again come from the cache (on by default for openai:)
            again = await run_benchmark_async(
                bench, ScriptedModel(answer), store=store, options=RunOptions(cache=False)
            )
            assert len(server.requests) == judge_requests
            assert again.run.judge_calls == 6
    assert summary.n_errors == 0
    judged = {r.sample_id: next(s for s in r.scores if s.scorer == "judge") for r in records}
    assert {k: s.value for k, s in judged.items()} == {
        f"s{i}": (1.0 if i % 2 == 0 else 0.0) for i in range(6)
    }
    assert all(s.source == "judge" and s.annotator == "openai:grader" for s in judged.values())
    assert all(s.metadata["prompt"].startswith("judge_v1:") for s in judged.values())
    body = server.requests[-1].body
    assert body["temperature"] == 0.0 and "response_format" in body
    # usage: one call per sample, the server's tokens, kept apart from the model's
    assert run.judge_calls == 6 == judge_requests - 1  # the 429 was retried inside one call
    assert all(s.usage["calls"] == 1 and s.usage["input_tokens"] > 0 for s in judged.values())
    assert run.judge_input_tokens == sum(s.usage["input_tokens"] for s in judged.values())
    assert run.input_tokens != run.judge_input_tokens
    exact = [s for r in records for s in r.scores if s.scorer == "exact_match"]
    assert all(s.usage is None for s in exact)
    assert {m.name: m.value for m in summary.metrics}["judge/mean"] == pytest.approx(0.5)


async def test_a_judge_scorer_without_a_judge_is_refused_before_the_run(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path / 'p.db'}") as store:
        with pytest.raises(ConfigError, match="'judge' needs a judge: give it model=SPEC"):
            await run_benchmark_async(judged_benchmark(), ScriptedModel(answer), store=store)
        assert store.list_runs() == []


def test_the_benchmark_judge_fills_only_scorers_that_name_none(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(
        """
name: judged
judge: python:judges:lenient
dataset:
  samples:
    - {id: "1", input: "q", target: "a"}
scorers:
  - name: judge
    args: {guidelines: "Is it right?"}
  - name: judge
    as: strict
    args: {guidelines: "Is it right?", model: "python:judges:strict"}
""",
        encoding="utf-8",
    )
    bench = load_benchmark(tmp_path / "b.yaml")
    assert [s.args["model"] for s in bench.scorers] == [
        "python:judges:lenient",
        "python:judges:strict",
    ]
    assert [s.name for s in bench.scorers] == ["judge", "strict"]
    other = bench.with_judge("local:smollm2")
    assert other.scorers[0].args["model"] == "python:judges:lenient"  # the YAML's own judge stays
    bare = judged_benchmark().with_judge("local:smollm2")
    assert bare.scorers[1].args["model"] == "local:smollm2"
    assert bare.scorers[0].signature == judged_benchmark().scorers[0].signature


def write_benchmarks(folder: Path, judge_spec: str) -> tuple[Path, Path]:
    data = folder / "data.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    first = folder / "v1.yaml"
    first.write_text(
        "name: judged\ndataset: {path: data.jsonl}\nscorers: [exact_match]\n", encoding="utf-8"
    )
    second = folder / "v2.yaml"
    second.write_text(
        "name: judged\ndataset: {path: data.jsonl}\n"
        f"judge: {judge_spec}\n"
        "scorers:\n  - exact_match\n"
        "  - name: judge\n    args: {guidelines: 'Is the answer right?'}\n"
        "  - name: composite\n    as: blend\n"
        "    args: {components: {exact_match: 1, judge: 1}}\n",
        encoding="utf-8",
    )
    return first, second


class Progress:
    """Records what a re-scoring reports."""

    def __init__(self):
        self.total, self.advanced, self.finished = 0, [], None

    def start(self, run, total, skipped):
        self.total = total

    def advance(self, record):
        self.advanced.append(record)

    def finish(self, summary):
        self.finished = summary


async def test_rescoring_calls_only_the_judge(tmp_path: Path) -> None:
    with (
        FakeOpenAIServer(responder=lambda m: "answer 0") as under_test,
        FakeOpenAIServer(responder=verdicts) as judge_server,
    ):
        first, second = write_benchmarks(tmp_path, "openai:grader")
        model = OpenAIModel("m", ModelConfig(base_url=under_test.base_url))
        with Store(f"sqlite:///{tmp_path / 'p.db'}") as store:
            summary = await run_benchmark_async(load_benchmark(first), model, store=store)
            before = len(under_test.requests)
            assert before == 6
            import os

            os.environ["OPENAI_BASE_URL"] = judge_server.base_url
            try:
                seen = Progress()
                result = await rescore_run_async(
                    store, summary.run.id, load_benchmark(second), observer=seen
                )
            finally:
                del os.environ["OPENAI_BASE_URL"]
            records = list(store.iter_samples(summary.run.id))
            metrics = {m.name: m.value for m in store.get_metrics(summary.run.id)}
    assert len(under_test.requests) == before  # zero calls to the model under test
    assert seen.total == 6 and len(seen.advanced) == 6 and seen.finished is result
    assert all([s.scorer for s in r.scores] == ["judge", "blend"] for r in seen.advanced)
    assert len(judge_server.requests) == 6
    assert result.scorers == ["judge", "blend"] and result.added == ["judge", "blend"]
    assert result.scored == 6 and result.errors == 0 and result.judge_calls == 6
    assert [s["name"] for s in result.run.scorers] == ["exact_match", "judge", "blend"]
    assert result.run.judge_calls == 6
    for record in records:
        names = [s.scorer for s in record.scores]
        assert sorted(names) == ["blend", "exact_match", "judge"]
    # every answer reads "answer 0": the judge rates all 5, exact match only s0; the blend
    # combines the stored exact-match scores with the new judge scores
    assert metrics["exact_match/mean"] == pytest.approx(1 / 6)
    assert metrics["judge/mean"] == pytest.approx(1.0)
    assert metrics["blend/mean"] == pytest.approx((1.0 + 5 * 0.5) / 6)


async def test_rescoring_refuses_another_dataset_and_unknown_scorers(tmp_path: Path) -> None:
    first, second = write_benchmarks(tmp_path, "python:judges:lenient")
    with Store(f"sqlite:///{tmp_path / 'p.db'}") as store:
        summary = await run_benchmark_async(
            load_benchmark(first), ScriptedModel(answer), store=store
        )
        with pytest.raises(ConfigError, match="has no scorer 'judgee'"):
            await rescore_run_async(
                store, summary.run.id, load_benchmark(second), scorers=["judgee"]
            )
        with pytest.raises(ConfigError, match="already has every scorer"):
            await rescore_run_async(store, summary.run.id, load_benchmark(first))
        (tmp_path / "data.jsonl").write_text(
            json.dumps({"id": "x", "input": "new", "target": "t"}) + "\n", encoding="utf-8"
        )
        with pytest.raises(ConfigError, match="task version"):
            await rescore_run_async(store, summary.run.id, load_benchmark(second))


async def test_the_yaml_judge_mapping_reaches_a_server_and_prices_its_calls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADER_KEY", "sk-test-not-a-real-key")
    with FakeOpenAIServer(responder=verdicts) as server:
        (tmp_path / "b.yaml").write_text(
            "name: priced\n"
            "dataset:\n  samples:\n    - {id: s0, input: q, target: 'answer 0'}\n"
            "    - {id: s1, input: q, target: 'answer 1'}\n"
            "judge:\n  model: openai:grader\n"
            f"  base_url: {server.base_url}\n"
            "  api_key_env: GRADER_KEY\n  price_input: 2.0\n  price_output: 10.0\n"
            "  max_concurrency: 2\n"
            "scorers:\n  - name: judge\n    args: {guidelines: 'Right?'}\n",
            encoding="utf-8",
        )
        bench = load_benchmark(tmp_path / "b.yaml")
        with Store(f"sqlite:///{tmp_path / 'p.db'}") as store:
            summary = await run_benchmark_async(bench, ScriptedModel(answer), store=store)
            scores = [s for r in store.iter_samples(summary.run.id) for s in r.scores]
    run = summary.run
    expected = sum(
        (s.usage["input_tokens"] * 2.0 + s.usage["output_tokens"] * 10.0) / 1e6 for s in scores
    )
    assert run.judge_calls == 2 and run.judge_cost == pytest.approx(expected) and expected > 0
    assert run.cost is None  # the model under test has no prices: its cost stays unknown
    assert server.requests[0].headers["authorization"] == "Bearer sk-test-not-a-real-key"
    assert "sk-test" not in json.dumps(run.benchmark_spec)  # the key is never stored
    assert run.benchmark_spec["judge_config"]["prices"]["input_per_mtok"] == 2.0


def test_a_judge_key_variable_that_is_not_set_is_named(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(
        "name: priced\ndataset:\n  samples: [{id: s0, input: q}]\n"
        "judge:\n  model: openai:grader\n  api_key_env: PROCTOR_TEST_UNSET_KEY\n"
        "scorers:\n  - name: judge\n    args: {guidelines: 'Right?'}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"b\.yaml:6: .*PROCTOR_TEST_UNSET_KEY is not set"):
        load_benchmark(tmp_path / "b.yaml")
