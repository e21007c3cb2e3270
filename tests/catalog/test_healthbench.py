"""HealthBench from the user's JSONL file: samples, tags, errors at file:line, a graded run."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scorer"))
import healthbench_fixture
import rubric_scripts
from scripted import ScriptedModel

from proctor.catalog import catalog_entries, load_catalog_benchmark
from proctor.dataset import ChatMessage
from proctor.engine import run_benchmark_async
from proctor.errors import ConfigError, DatasetError
from proctor.store import Store

AXES = [
    "axis:accuracy",
    "axis:communication_quality",
    "axis:completeness",
    "axis:context_awareness",
]
THEMES = ["theme:context_seeking", "theme:emergency_referrals", "theme:hedging"]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return healthbench_fixture.write(tmp_path / "healthbench_eval.jsonl")


def test_it_is_listed_in_the_catalog() -> None:
    assert "healthbench" in dict(catalog_entries())


def test_each_line_becomes_a_sample_keyed_by_its_prompt_id(data: Path) -> None:
    bench = load_catalog_benchmark(f"healthbench:{data}")
    samples = list(bench.dataset)
    assert [s.id for s in samples] == [e["prompt_id"] for e in healthbench_fixture.EXAMPLES]
    second = samples[1]
    assert second.input == (
        ChatMessage("system", "You are a helpful assistant."),
        ChatMessage("user", "How much water should an adult drink?"),
        ChatMessage("assistant", "Do you mean on a normal day?"),
        ChatMessage("user", "Yes, an ordinary day."),
    )
    assert second.metadata == {
        "rubric": healthbench_fixture.EXAMPLES[1]["rubrics"],
        "example_tags": ["theme:context_seeking"],
    }  # ideal completions, canary and the rest are left out
    assert bench.render(second) == second.input  # the conversation goes to the model as is


def test_the_data_may_be_given_with_data_instead(data: Path) -> None:
    by_arg = load_catalog_benchmark(f"healthbench:{data}")
    by_data = load_catalog_benchmark("healthbench", data=data)
    both = load_catalog_benchmark(f"healthbench:{data}", data=data)
    assert by_arg.dataset.version == by_data.dataset.version == both.dataset.version
    assert by_arg.name == "healthbench:healthbench_eval.jsonl"


def test_axes_and_themes_are_discovered_from_the_file(data: Path) -> None:
    (scorer,) = load_catalog_benchmark(f"healthbench:{data}").scorers
    assert scorer.name == "rubric" and scorer.args == {"axes": AXES, "themes": THEMES}
    assert [m.name for m in scorer.metrics] == ["score", *AXES, *THEMES]


def test_epochs_of_one_prompt_are_its_cluster(data: Path) -> None:
    # each prompt is one sample: its epochs are averaged before any resampling,
    # so no metadata cluster is needed and none is set
    bench = load_catalog_benchmark(f"healthbench:{data}")
    assert bench.cluster is None and bench.epochs == 1
    assert len(set(bench.dataset.ids())) == len(healthbench_fixture.EXAMPLES)


def test_the_judge_comes_from_the_benchmark(data: Path) -> None:
    bench = load_catalog_benchmark(f"healthbench:{data}")
    assert bench.scorers[0].args.get("model") is None
    judged = bench.with_judge("python:rubric_scripts:keywords")
    assert judged.scorers[0].args["model"] == "python:rubric_scripts:keywords"
    assert "judge=python:rubric_scripts:keywords" in judged.scorers[0].signature


def test_without_data_the_error_says_how_to_give_it() -> None:
    with pytest.raises(ConfigError, match=r"healthbench:FILE or --data FILE"):
        load_catalog_benchmark("healthbench")


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    with pytest.raises(ConfigError, match=rf"{missing}: HealthBench data file not found"):
        load_catalog_benchmark(f"healthbench:{missing}")


def test_two_different_files_are_an_error(data: Path, tmp_path: Path) -> None:
    other = healthbench_fixture.write(tmp_path / "other.jsonl")
    with pytest.raises(ConfigError, match="name different files"):
        load_catalog_benchmark(f"healthbench:{data}", data=other)


def test_shots_do_not_apply(data: Path) -> None:
    with pytest.raises(ConfigError, match="zero-shot"):
        load_catalog_benchmark(f"healthbench:{data}", shots=1)


def _broken(change) -> list[dict]:
    examples = copy.deepcopy(healthbench_fixture.EXAMPLES)
    change(examples[2])
    return examples


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda e: e.pop("rubrics"), '"rubrics" must be a non-empty list'),
        (lambda e: e["rubrics"][1].pop("criterion"), '"rubrics" item 2 has no "criterion"'),
        (lambda e: e["rubrics"][0].update(points="four"), '"points" must be a number'),
        (lambda e: e["rubrics"][0].update(tags="axis:accuracy"), '"tags" must be a list'),
        (lambda e: e.update(prompt="Hello"), '"prompt" must be a non-empty list'),
        (lambda e: e["prompt"][0].update(role="doctor"), "has role 'doctor'"),
        (lambda e: e.pop("prompt_id"), '"prompt_id" must be a non-empty string'),
        (lambda e: e.update(example_tags="theme:hedging"), '"example_tags" must be a list'),
        (lambda e: e["rubrics"][0].update(points=-4), "no criterion with positive points"),
        (
            lambda e: e.update(prompt_id="a1b2c3d4-0001"),
            r"duplicate prompt_id '\S+' \(first at line 1\)",
        ),
    ],
)
def test_a_malformed_line_is_an_error_at_its_file_and_line(tmp_path: Path, change, problem) -> None:
    path = healthbench_fixture.write(tmp_path / "hb.jsonl", _broken(change))
    with pytest.raises(DatasetError, match=rf"^{path}:3: .*{problem}"):
        load_catalog_benchmark(f"healthbench:{path}")


def test_a_line_that_is_not_json_is_an_error_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "hb.jsonl"
    good = json.dumps(healthbench_fixture.EXAMPLES[0])
    path.write_text(f"{good}\n\n{{not json\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=rf"^{path}:3: not JSON"):
        load_catalog_benchmark(f"healthbench:{path}")


async def test_a_run_grades_every_criterion_and_reports_axes_and_themes(
    data: Path, tmp_path: Path
) -> None:
    bench = load_catalog_benchmark(f"healthbench:{data}").with_judge(
        "python:rubric_scripts:keywords"
    )
    model = ScriptedModel(lambda request: healthbench_fixture.ANSWERS[request.sample.id])
    rubric_scripts.CALLS.clear()
    with Store(f"sqlite:///{tmp_path / 'p.db'}") as store:
        summary = await run_benchmark_async(bench, model, store=store)
        stored = {r.sample_id: r.scores[0] for r in store.iter_samples(summary.run.id)}

    assert summary.n_errors == 0 and len(rubric_scripts.CALLS) == 8  # one per criterion
    values = {k: s.value for k, s in stored.items()}
    assert values == pytest.approx(
        {"a1b2c3d4-0001": 1.0, "a1b2c3d4-0002": 5 / 8, "a1b2c3d4-0003": -2.5, "a1b2c3d4-0004": 1.0}
    )
    assert stored["a1b2c3d4-0001"].metadata["example_tags"] == [
        "theme:emergency_referrals",
        "physician_agreed_category:emergent",
    ]
    figures = {m.name: (m.value, m.n) for m in summary.metrics}
    assert figures["rubric/score"] == (pytest.approx((1 + 5 / 8 - 2.5 + 1) / 4), 4)
    assert figures["rubric/axis:accuracy"] == (1.0, 2)  # the tumour prompt has no positive ones
    assert figures["rubric/axis:completeness"] == (0.5, 2)
    assert figures["rubric/axis:context_awareness"] == (0.0, 1)
    assert figures["rubric/axis:communication_quality"] == (1.0, 1)
    assert figures["rubric/theme:emergency_referrals"] == (1.0, 1)
    assert figures["rubric/theme:context_seeking"] == (pytest.approx(5 / 8), 1)
    assert figures["rubric/theme:hedging"] == (0.0, 1)  # -2.5, clipped
