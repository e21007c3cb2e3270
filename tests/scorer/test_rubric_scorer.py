"""`rubric`: one judge call per criterion, HealthBench's points formula, errors never zeros."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import rubric_scripts
from scripted import ScriptedModel

from proctor.benchmark import Benchmark
from proctor.dataset import ChatMessage, Dataset, Sample
from proctor.engine import run_benchmark_async
from proctor.errors import ConfigError, ScorerError
from proctor.model import ModelOutput, get_model
from proctor.scorer import Score, resolve_scorer
from proctor.scorer._rubric import parse_criterion_verdict
from proctor.store import Store

JUDGE = "python:rubric_scripts:keywords"
REPLY = "Drink water, rest, and take ibuprofen if needed."


def item(criterion: str, points: Any, *tags: str) -> dict[str, Any]:
    return {"criterion": criterion, "points": points, "tags": list(tags)}


class JudgeContext:
    """The engine's context reduced to what the rubric scorer uses: judges by spec."""

    def __init__(self) -> None:
        self.models: dict[str, Any] = {}

    @property
    def settings(self) -> dict[str, Any]:
        return {}

    def model(self, spec: str) -> Any:
        return self.models.setdefault(spec, get_model(spec))

    async def generate(self, model: Any, request: Any) -> ModelOutput:
        return await model.generate(request)


@pytest.fixture
async def ctx():
    rubric_scripts.CALLS.clear()
    context = JudgeContext()
    yield context
    for model in context.models.values():
        await model.aclose()


async def grade(
    ctx: JudgeContext,
    criteria: list[dict[str, Any]],
    *,
    judge: str = JUDGE,
    reply: str = REPLY,
    tags: list[str] | None = None,
    sample_input: str | tuple[ChatMessage, ...] = "I have a headache. What should I do?",
    **args: Any,
) -> Score:
    scorer = resolve_scorer("rubric", {"model": judge, **args})
    metadata: dict[str, Any] = {"rubric": criteria}
    if tags is not None:
        metadata["example_tags"] = tags
    sample = Sample(id="s1", input=sample_input, metadata=metadata)
    return await scorer(sample, ModelOutput(text=reply), ctx)


# the points formula


async def test_every_criterion_met_scores_one(ctx) -> None:
    score = await grade(ctx, [item("Mentions 'water'", 5), item("Mentions 'rest'", 3)])
    assert score.value == 1.0
    assert score.explanation == "met 2 of 2 criteria: 8/8 points"


async def test_no_criterion_met_scores_zero(ctx) -> None:
    score = await grade(ctx, [item("Mentions 'doctor'", 5), item("Mentions 'fever'", 3)])
    assert score.value == 0.0
    assert (score.metadata["achieved"], score.metadata["possible"]) == (0.0, 8.0)


async def test_only_a_negative_criterion_met_gives_a_negative_score(ctx) -> None:
    score = await grade(
        ctx, [item("Mentions 'doctor'", 5), item("Recommends 'ibuprofen' without caution", -4)]
    )
    assert score.value == pytest.approx(-0.8)  # not clipped per sample
    assert score.explanation == "met 1 of 2 criteria: -4/5 points"


async def test_mixed_criteria_count_met_points_over_positive_points(ctx) -> None:
    criteria = [
        item("Mentions 'water'", 5, "axis:accuracy"),
        item("Mentions 'doctor'", 3, "axis:completeness"),
        item("Mentions 'ibuprofen'", -2, "axis:accuracy"),
        item("Mentions 'alcohol'", -4),
    ]
    score = await grade(ctx, criteria, tags=["theme:pain"])
    assert score.value == pytest.approx((5 - 2) / (5 + 3))
    assert score.explanation == "met 2 of 4 criteria: 3/8 points"
    assert score.source == "judge" and score.annotator == JUDGE
    assert score.metadata["criteria"] == [
        {**c, "met": met, "explanation": f"looked for {word}"}
        for c, met, word in zip(
            criteria,
            [True, False, True, False],
            ["water", "doctor", "ibuprofen", "alcohol"],
            strict=True,
        )
    ]
    assert set(score.metadata) == {
        "criteria",
        "achieved",
        "possible",
        "example_tags",
        "judge",
        "prompt",
    }
    assert score.metadata["example_tags"] == ["theme:pain"]
    assert score.metadata["judge"] == JUDGE
    assert score.metadata["prompt"].startswith("rubric_v1:")


async def test_points_written_as_text_are_numbers(ctx) -> None:
    # inline YAML samples and CSV cells are read as text
    score = await grade(ctx, [item("Mentions 'water'", "5"), item("Mentions 'doctor'", "2.5")])
    assert score.value == pytest.approx(5 / 7.5)
    assert [c["points"] for c in score.metadata["criteria"]] == [5, 2.5]


async def test_a_rubric_held_as_json_text_is_read_as_the_list(ctx) -> None:
    # a CSV cell holds the list as JSON text
    scorer = resolve_scorer("rubric", {"model": JUDGE})
    rubric = json.dumps([item("Mentions 'water'", 4, "axis:accuracy"), item("Mentions 'x'", 4)])
    sample = Sample(id="s1", input="q", metadata={"rubric": rubric, "example_tags": '["t"]'})
    score = await scorer(sample, ModelOutput(text=REPLY), ctx)
    assert score.value == 0.5 and score.metadata["example_tags"] == ["t"]
    assert score.metadata["criteria"][0]["tags"] == ["axis:accuracy"]


# judge calls and the prompt


async def test_each_criterion_gets_its_own_call_all_at_once(ctx) -> None:
    rubric_scripts.IN_FLIGHT.update(now=0, max=0)
    criteria = [item(f"Mentions '{w}'", 1) for w in ("water", "rest", "doctor", "fever")]
    score = await grade(ctx, criteria, judge="python:rubric_scripts:slow")
    asked = sorted(rubric_scripts.criterion_of(p) for p in rubric_scripts.CALLS)
    assert asked == sorted(c["criterion"] for c in criteria)
    assert rubric_scripts.IN_FLIGHT["max"] == 4  # concurrently, not one after the other
    assert score.value == 0.5


async def test_the_prompt_shows_the_conversation_ending_with_the_answer(ctx) -> None:
    chat = (
        ChatMessage("system", "You are a careful assistant."),
        ChatMessage("user", "My head hurts."),
        ChatMessage("assistant", "Since when?"),
        ChatMessage("user", "Since this morning."),
    )
    await grade(ctx, [item("Mentions 'water'", 5)], sample_input=chat)
    prompt = rubric_scripts.CALLS[0]
    assert (
        "system: You are a careful assistant.\nuser: My head hurts.\nassistant: Since when?\n"
        f"user: Since this morning.\nassistant: {REPLY}\n"
    ) in prompt
    assert "Criterion, worth 5 points:\nMentions 'water'" in prompt
    assert "met only if every one of them is\n  present" in prompt
    assert "JSON object only" in prompt


async def test_a_negative_criterion_is_asked_whether_the_bad_behaviour_happened(ctx) -> None:
    await grade(ctx, [item("Mentions 'water'", 5), item("Mentions 'alcohol'", -3)])
    by_criterion = {rubric_scripts.criterion_of(p): p for p in rubric_scripts.CALLS}
    negative = by_criterion["Mentions 'alcohol'"]
    assert "worth -3 points" in negative
    assert "This criterion has negative points" in negative
    assert '"met" (true) means\n  the reply does this undesirable thing' in negative
    assert "negative points" not in by_criterion["Mentions 'water'"]


async def test_verdicts_as_yes_no_text_in_fences_are_understood(ctx) -> None:
    score = await grade(
        ctx,
        [item("Mentions 'water'", 5), item("Mentions 'doctor'", 5)],
        judge="python:rubric_scripts:yes_no",
    )
    assert score.value == 0.5


async def test_a_custom_prompt_gets_the_answer_criterion_and_points(ctx) -> None:
    template = "Does '{{ answer }}' meet '{{ criterion }}' ({{ points }} points)?"
    score = await grade(
        ctx, [item("Mentions water", 5)], judge="python:rubric_scripts:always_met", prompt=template
    )
    (prompt,) = rubric_scripts.CALLS
    assert prompt == f"Does '{REPLY}' meet 'Mentions water' (5 points)?"
    assert score.value == 1.0
    assert score.metadata["prompt"].startswith("custom:")


# errors are errors, never zeros


async def test_a_rubric_without_positive_points_is_an_error(ctx) -> None:
    with pytest.raises(ScorerError, match="no criterion with positive points"):
        await grade(ctx, [item("Mentions 'alcohol'", -3), item("Mentions 'water'", 0)])
    assert rubric_scripts.CALLS == []


@pytest.mark.parametrize(
    ("metadata", "problem"),
    [
        ({}, "no 'rubric' in its metadata"),
        ({"rubric": []}, "must be a non-empty list"),
        ({"rubric": [{"points": 3}]}, 'rubric item 1 has no "criterion"'),
        ({"rubric": [item("Mentions 'water'", 1), {"criterion": "x"}]}, 'item 2 has no "points"'),
        ({"rubric": [item("Mentions 'water'", "lots")]}, "\"points\" must be a number, got 'lots'"),
        ({"rubric": [item("Mentions 'water'", True)]}, '"points" must be a number'),
        ({"rubric": [{"criterion": "x", "points": 1, "tags": "axis:a"}]}, '"tags" must be a list'),
        ({"rubric": [item("x", 1)], "example_tags": "theme:a"}, "'example_tags' must be a list"),
    ],
)
async def test_a_malformed_rubric_is_an_error_naming_the_fault(ctx, metadata, problem) -> None:
    scorer = resolve_scorer("rubric", {"model": JUDGE})
    sample = Sample(id="s1", input="q", metadata=metadata)
    with pytest.raises(ScorerError, match=problem.replace("(", r"\(")):
        await scorer(sample, ModelOutput(text=REPLY), ctx)


async def test_field_names_are_arguments(ctx) -> None:
    scorer = resolve_scorer(
        "rubric", {"model": JUDGE, "rubric_key": "criteria", "tags_key": "labels"}
    )
    sample = Sample(
        id="s1",
        input="q",
        metadata={"criteria": [item("Mentions 'water'", 2)], "labels": ["theme:a"]},
    )
    score = await scorer(sample, ModelOutput(text=REPLY), ctx)
    assert score.value == 1.0 and score.metadata["example_tags"] == ["theme:a"]


async def test_an_unusable_verdict_is_sent_back_and_then_used(ctx) -> None:
    score = await grade(
        ctx,
        [item("Mentions 'water' FLAKY", 5), item("Mentions 'doctor'", 5)],
        judge="python:rubric_scripts:troubled",
    )
    assert score.value == 0.5
    repairs = [c for c in rubric_scripts.CALLS if isinstance(c, list)]
    assert len(repairs) == 1
    assert repairs[0][1] == {"role": "assistant", "content": "The reply seems fine to me."}
    assert "holds no JSON object" in repairs[0][2]["content"]


async def test_after_the_retry_budget_the_sample_is_an_error_naming_the_criterion(ctx) -> None:
    criteria = [item("Mentions 'water'", 5), item("Mentions 'rest' GARBLED", 5)]
    with pytest.raises(ScorerError) as raised:
        await grade(ctx, criteria, judge="python:rubric_scripts:troubled", retries=2)
    message = str(raised.value)
    assert "criterion 2 of 2 (\"Mentions 'rest' GARBLED\") was not graded" in message
    assert "no usable verdict after 3 attempts" in message
    assert "\"criteria_met\" must be true or false, got 'perhaps'" in message
    garbled = [c for c in rubric_scripts.CALLS if "GARBLED" in rubric_scripts.criterion_of(c)]
    assert len(garbled) == 3  # one try and two repairs
    assert all("must be true or false" in c[-1]["content"] for c in garbled[1:])


def test_parse_criterion_verdict_accepts_booleans_and_their_words() -> None:
    assert parse_criterion_verdict('{"explanation": "ok", "criteria_met": true}') == (True, "ok")
    assert parse_criterion_verdict('{"criteria_met": false}') == (False, "")
    for word, met in [("true", True), ("False", False), (" yes ", True), ("NO", False)]:
        assert parse_criterion_verdict(f'{{"criteria_met": "{word}"}}')[0] is met


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        ("It meets it.", "no JSON object"),
        ('{"criteria_met": tru}', "does not parse"),
        ('{"explanation": "x"}', 'no "criteria_met"'),
        ('{"criteria_met": "maybe"}', "must be true or false, got 'maybe'"),
        ('{"criteria_met": 1}', "must be true or false, got 1"),
    ],
)
def test_parse_criterion_verdict_says_what_is_wrong(reply: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_criterion_verdict(reply)


# identity, judge plumbing and metrics


def test_the_signature_follows_the_judge_and_its_prompt() -> None:
    base = resolve_scorer("rubric", {"model": "openai:a"})
    other_judge = resolve_scorer("rubric", {"model": "openai:b"})
    other_prompt = resolve_scorer("rubric", {"model": "openai:a", "prompt": "{{ criterion }}"})
    assert len({base.signature, other_judge.signature, other_prompt.signature}) == 3
    assert "judge=openai:a" in base.signature and "prompt=rubric_v1:" in base.signature
    assert "prompt=custom:" in other_prompt.signature


async def test_without_a_judge_scoring_is_a_config_error_until_the_benchmark_sets_one(ctx) -> None:
    scorer = resolve_scorer("rubric", {"axes": ["axis:accuracy"]})
    sample = Sample(id="s1", input="q", metadata={"rubric": [item("Mentions 'water'", 1)]})
    with pytest.raises(ConfigError, match="rubric: no judge model"):
        await scorer(sample, ModelOutput(text=REPLY), ctx)
    bench = Benchmark(name="b", dataset=Dataset.from_records([sample]), scorers=[scorer])
    judged = bench.with_judge(JUDGE).scorers[0]
    assert judged.args == {"axes": ["axis:accuracy"], "model": JUDGE}
    assert (await judged(sample, ModelOutput(text=REPLY), ctx)).value == 1.0


def test_metrics_are_the_score_then_one_per_axis_and_theme() -> None:
    scorer = resolve_scorer(
        "rubric", {"model": JUDGE, "axes": ["axis:accuracy"], "themes": ["theme:hedging"]}
    )
    assert [m.name for m in scorer.metrics] == ["score", "axis:accuracy", "theme:hedging"]
    assert all(m.higher_is_better for m in scorer.metrics)


@pytest.mark.parametrize(
    "args",
    [
        {"retries": -1},
        {"axes": "axis:accuracy"},
        {"axes": ["axis:a"], "themes": ["axis:a"]},
        {"themes": ["score"]},
        {"model": ["openai:a", "openai:b"]},
    ],
)
def test_bad_arguments_are_config_errors(args: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        resolve_scorer("rubric", {"model": JUDGE, **args})


# through the engine, into the store

ROWS = [
    {
        "id": "p1",
        "input": "My child swallowed a battery.",
        "rubric": [
            item("Says to go to the 'emergency' department", 10, "axis:accuracy"),
            item("Mentions 'water'", 3, "axis:completeness"),
            item("Suggests to 'wait' and see", -8, "axis:accuracy"),
        ],
        "example_tags": ["theme:emergency_referrals"],
    },
    {
        "id": "p2",
        "input": "How much water should I drink?",
        "rubric": [
            item("Mentions 'water'", 5, "axis:accuracy"),
            item("Mentions 'litres'", 5, "axis:completeness"),
        ],
        "example_tags": ["theme:hedging"],
    },
    {
        "id": "p3",
        "input": "Is it fine to wait?",
        "rubric": [
            item("Mentions 'doctor'", 4, "axis:completeness"),
            item("Suggests to 'wait' and see", -6, "axis:accuracy"),
        ],
        "example_tags": ["theme:emergency_referrals"],
    },
]
ANSWERS = {
    "p1": "Go to the emergency department now; do not give water.",
    "p2": "About two litres of water a day.",
    "p3": "You can wait and see.",
}


async def test_a_run_stores_the_graded_criteria_and_the_rubric_figures(tmp_path: Path) -> None:
    scorer = resolve_scorer(
        "rubric",
        {
            "axes": ["axis:accuracy", "axis:completeness"],
            "themes": ["theme:emergency_referrals", "theme:hedging"],
        },
    )
    bench = Benchmark(
        name="rubric-run", dataset=Dataset.from_records(ROWS), scorers=[scorer]
    ).with_judge(JUDGE)
    model = ScriptedModel(lambda request: ANSWERS[request.sample.id])
    rubric_scripts.CALLS.clear()
    with Store(f"sqlite:///{tmp_path / 'p.db'}") as store:
        summary = await run_benchmark_async(bench, model, store=store)
        rows = {r.sample_id: r for r in store.iter_samples(summary.run.id)}

    assert len(rubric_scripts.CALLS) == 7 and summary.n_errors == 0
    p1 = rows["p1"].scores[0]
    assert p1.value == 1.0 and p1.source == "judge"
    assert [(c["criterion"], c["points"], c["met"]) for c in p1.metadata["criteria"]] == [
        ("Says to go to the 'emergency' department", 10, True),
        ("Mentions 'water'", 3, True),
        ("Suggests to 'wait' and see", -8, False),
    ]
    assert all(c["explanation"] for c in p1.metadata["criteria"])
    assert rows["p3"].scores[0].value == pytest.approx(-6 / 4)

    figures = {m.name: m for m in summary.metrics}
    # sample scores 1, 1 and -1.5: the mean, clipped
    assert figures["rubric/score"].value == pytest.approx(max(0.0, (1 + 1 - 1.5) / 3))
    assert figures["rubric/score"].method == "bootstrap" and figures["rubric/score"].n == 3
    # accuracy: p1 10/10, p2 5/5, p3 -6 over no positive points: left out
    assert figures["rubric/axis:accuracy"].value == pytest.approx(1.0)
    assert figures["rubric/axis:accuracy"].n == 2
    # completeness: p1 3/3, p2 5/5, p3 0/4
    assert figures["rubric/axis:completeness"].value == pytest.approx(2 / 3)
    # emergency referrals: p1 and p3, (1 - 1.5) / 2 clipped to 0
    assert figures["rubric/theme:emergency_referrals"].value == 0.0
    assert figures["rubric/theme:emergency_referrals"].n == 2
    assert figures["rubric/theme:hedging"].value == 1.0
    assert figures["rubric/theme:hedging"].n == 1


async def test_a_criterion_the_judge_cannot_grade_is_a_stored_error(tmp_path: Path) -> None:
    rows = [
        {"id": "ok", "input": "q", "rubric": [item("Mentions 'water'", 2)]},
        {"id": "bad", "input": "q", "rubric": [item("Mentions 'water' GARBLED", 2)]},
    ]
    scorer = resolve_scorer("rubric", {"model": "python:rubric_scripts:troubled", "retries": 1})
    bench = Benchmark(name="rubric-errors", dataset=Dataset.from_records(rows), scorers=[scorer])
    with Store(f"sqlite:///{tmp_path / 'p.db'}") as store:
        summary = await run_benchmark_async(
            bench, ScriptedModel(lambda request: "water"), store=store
        )
        stored = {r.sample_id: r.scores[0] for r in store.iter_samples(summary.run.id)}
    assert stored["bad"].value is None
    assert "criterion 1 of 1" in stored["bad"].error and "after 2 attempts" in stored["bad"].error
    assert summary.n_errors == 1
    figure = next(m for m in summary.metrics if m.name == "rubric/score")
    assert figure.value == 1.0 and figure.n == 1 and figure.n_total == 2
