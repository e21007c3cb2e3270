"""`protocol: loglikelihood`: the engine scores each option's continuation of the prompt."""

from __future__ import annotations

from pathlib import Path

import pytest
from scripted import ScriptedModel

from proctor.benchmark import Benchmark, PromptTemplate
from proctor.dataset import Dataset
from proctor.engine import RunOptions, run_benchmark_async
from proctor.errors import ConfigError
from proctor.scorer import resolve_scorer
from proctor.store import Store

ROWS = [
    {"id": "q1", "input": "Sky colour?", "choices": ["blue", "green"], "target": "A"},
    {"id": "q2", "input": "Grass colour?", "choices": ["purple", "green"], "target": "B"},
    {"id": "q3", "input": "Snow?", "choices": ["white", "a pale grey"], "target": "A"},
]


def mc_benchmark(**kwargs) -> Benchmark:
    return Benchmark(
        name="mc",
        dataset=Dataset.from_records(ROWS),
        prompt=PromptTemplate(template="Q: {{ input }}\nA:"),
        scorers=[resolve_scorer("loglikelihood_choice")],
        protocol="loglikelihood",
        **kwargs,
    )


def favour(words: dict[str, float]):
    return lambda context, cont: words.get(cont.strip(), -10.0)


@pytest.fixture
def store(tmp_path: Path):
    with Store(f"sqlite:///{tmp_path / 'p.db'}") as s:
        yield s


async def test_acc_and_acc_norm_follow_lm_eval(store: Store) -> None:
    model = ScriptedModel()
    # q3: "white" has the larger sum, but per character "a pale grey" wins
    model.logprobs = favour(
        {"blue": -1, "green": -2, "purple": -1.5, "white": -3, "a pale grey": -5.5}
    )
    summary = await run_benchmark_async(mc_benchmark(), model, store=store, options=RunOptions())
    figures = {m.name: m for m in summary.metrics}
    assert figures["loglikelihood_choice/acc"].value == pytest.approx(2 / 3)  # q1 and q3
    assert figures["loglikelihood_choice/acc_norm"].value == pytest.approx(1 / 3)  # q1 only
    rows = {r.sample_id: r for r in store.iter_samples(summary.run.id)}
    assert rows["q1"].input == "Q: Sky colour?\nA:"
    assert rows["q1"].output_extra["continuations"] == [" blue", " green"]
    assert [x["logprob"] for x in rows["q3"].output_extra["loglikelihoods"]] == [-3, -5.5]
    assert rows["q3"].output == "white"


async def test_continuations_can_be_letters(store: Store) -> None:
    model = ScriptedModel()
    seen = []
    model.logprobs = lambda context, cont: seen.append(cont) or (-1.0 if cont == " A" else -2.0)
    await run_benchmark_async(mc_benchmark(continuation="{{ letter }}"), model, store=store)
    assert sorted(set(seen)) == [" A", " B"]


async def test_loglikelihood_answers_are_cached(store: Store) -> None:
    await run_benchmark_async(mc_benchmark(), ScriptedModel(), store=store)
    again = ScriptedModel()
    summary = await run_benchmark_async(mc_benchmark(), again, store=store)
    assert again.calls == [] and summary.n_cached == 3


def test_a_chat_prompt_cannot_be_scored_by_loglikelihood() -> None:
    with pytest.raises(ConfigError, match="plain-text prompt"):
        Benchmark(
            name="x",
            dataset=Dataset.from_records(ROWS),
            prompt=PromptTemplate(system="Be brief."),
            scorers=[resolve_scorer("loglikelihood_choice")],
            protocol="loglikelihood",
        )


async def test_a_model_without_loglikelihood_is_refused(store: Store) -> None:
    class GenerateOnly(ScriptedModel):
        loglikelihood = None

    with pytest.raises(ConfigError, match="cannot compute log-probabilities"):
        await run_benchmark_async(mc_benchmark(), GenerateOnly(), store=store)


def test_protocol_and_continuation_are_part_of_the_task_version() -> None:
    plain = Benchmark(
        name="mc",
        dataset=Dataset.from_records(ROWS),
        prompt=PromptTemplate(template="Q: {{ input }}\nA:"),
        scorers=[resolve_scorer("choice")],
    )
    assert (
        len(
            {
                plain.task_version,
                mc_benchmark().task_version,
                mc_benchmark(continuation="{{ letter }}").task_version,
            }
        )
        == 3
    )


async def test_a_letter_target_wins_over_an_option_whose_text_is_a_letter(store: Store) -> None:
    rows = [
        {
            "id": "q",
            "input": "Which letter comes first?",
            "choices": ["B", "A", "C", "D"],
            "target": "B",
        }
    ]
    bench = Benchmark(
        name="letters",
        dataset=Dataset.from_records(rows),
        scorers=[resolve_scorer("loglikelihood_choice")],
        protocol="loglikelihood",
    )
    model = ScriptedModel()
    model.logprobs = lambda context, cont: 0.0 if cont == " A" else -1.0  # option B is "A"
    summary = await run_benchmark_async(bench, model, store=store)
    (row,) = store.iter_samples(summary.run.id)
    assert row.scores[0].error is None and row.scores[0].value is True
