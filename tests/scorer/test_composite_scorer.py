"""The composite scorer: weighted blends, gates and minimums of other scores."""

from __future__ import annotations

from pathlib import Path

import pytest
from scripted import ScriptedModel

from proctor.benchmark import Benchmark, load_benchmark
from proctor.dataset import Dataset, Sample
from proctor.engine import RunOptions, run_benchmark_async
from proctor.errors import ConfigError
from proctor.scorer import Score, resolve_scorer, scorer
from proctor.store import Store


class Scores:
    """A context holding earlier scores, as the engine gives a composite."""

    def __init__(self, **values):
        self.scores = {name: Score(value) for name, value in values.items()}
        self.settings = {}


async def combine(args: dict, **values) -> Score:
    composite = resolve_scorer("composite", args)
    return await composite(Sample("s", "q"), None, Scores(**values))  # type: ignore[arg-type]


async def test_weighted_mean_normalises_weights_and_reads_booleans_as_0_or_1() -> None:
    args = {"components": {"exact": 1, "judge": 3}}
    score = await combine(args, exact=True, judge=0.5)
    assert score.value == pytest.approx((1 * 1.0 + 3 * 0.5) / 4)
    assert score.metadata["components"] == {"exact": 1.0, "judge": 0.5}
    equal = await combine({"components": ["exact", "judge"]}, exact=False, judge=0.5)
    assert equal.value == pytest.approx(0.25)


async def test_min_and_thresholds_make_gates() -> None:
    assert (await combine({"method": "min", "components": ["a", "b"]}, a=0.9, b=0.4)).value == 0.4
    gate = {"method": "min", "components": ["a", "b"], "threshold": 0.5}
    assert (await combine(gate, a=0.9, b=0.4)).value is False
    assert (await combine(gate, a=0.9, b=0.6)).value is True
    every = {"method": "all", "components": {"a": 1.0, "b": 0.75}}
    assert (await combine(every, a=True, b=0.8)).value is True
    failed = await combine(every, a=True, b=0.7)
    assert failed.value is False
    assert "below threshold: b" in (failed.explanation or "")


async def test_a_missing_or_label_component_is_an_error_not_a_guess() -> None:
    from proctor.errors import ScorerError

    with pytest.raises(ScorerError, match="'judge' has no score"):
        await combine({"components": ["exact", "judge"]}, exact=True)
    with pytest.raises(ScorerError, match="label"):
        await combine({"components": ["exact", "kind"]}, exact=True, kind="billing")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"components": {}}, "at least one"),
        ({"components": {"a": -1}}, "0 or more"),
        ({"components": {"a": 0}}, "sum to zero"),
        ({"components": ["a"], "method": "all"}, "threshold per component"),
        ({"components": ["a"], "method": "median"}, "method must be one of"),
        ({"components": {"a": 1}, "method": "all", "threshold": 0.5}, "per component"),
        ({"components": {"a": "high"}}, "must be a number"),
    ],
)
def test_bad_configurations_are_config_errors(args: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve_scorer("composite", args)


def test_unknown_argument_is_named() -> None:
    with pytest.raises(ConfigError, match="does not accept argument 'weights'"):
        resolve_scorer("composite", {"weights": {"a": 1}})


def test_components_must_be_listed_before_the_composite() -> None:
    dataset = Dataset.from_records([{"id": "1", "input": "q", "target": "a"}])
    with pytest.raises(ConfigError, match="'judge', which is not a scorer listed before it"):
        Benchmark(
            name="b",
            dataset=dataset,
            scorers=[
                resolve_scorer("exact_match"),
                resolve_scorer("composite", {"components": ["exact_match", "judge"]}),
            ],
        )


def test_the_components_signatures_are_part_of_the_composite_signature() -> None:
    dataset = Dataset.from_records([{"id": "1", "input": "q", "target": "a"}])

    def blend(ignore_case: bool) -> str:
        bench = Benchmark(
            name="b",
            dataset=dataset,
            scorers=[
                resolve_scorer("exact_match", {"ignore_case": ignore_case}),
                resolve_scorer("composite", {"components": ["exact_match"]}),
            ],
        )
        return bench.scorers[1].signature

    assert blend(True) != blend(False)
    assert "|of=" in blend(True)


@scorer("length_ok")
def length_ok():
    async def score(sample, output, ctx):
        if output.text == "boom":
            raise RuntimeError("cannot measure")
        return Score(len(output.text) <= 5)

    return score


async def test_composites_run_after_their_components_in_a_real_run(tmp_path: Path) -> None:
    rows = [
        {"id": "a", "input": "q1", "target": "yes"},  # right and short
        {"id": "b", "input": "q2", "target": "no"},  # wrong but short
        {"id": "c", "input": "q3", "target": "boom"},  # right, component errors
    ]
    bench = Benchmark(
        name="blend",
        dataset=Dataset.from_records(rows),
        scorers=[
            resolve_scorer("exact_match"),
            length_ok(),
            resolve_scorer("composite", {"components": {"exact_match": 3, "length_ok": 1}}),
        ],
    )
    answers = {"q1": "yes", "q2": "maybe", "q3": "boom"}
    with Store(f"sqlite:///{tmp_path / 'p.db'}") as store:
        summary = await run_benchmark_async(
            bench, ScriptedModel(lambda r: answers[r.input]), store=store, options=RunOptions()
        )
        records = {r.sample_id: r for r in store.iter_samples(summary.run.id)}
    values = {k: {s.scorer: (s.value, s.error) for s in r.scores} for k, r in records.items()}
    assert values["a"]["composite"] == (1.0, None)
    assert values["b"]["composite"] == (pytest.approx(0.25), None)
    value, error = values["c"]["composite"]
    assert value is None and "'length_ok' has no score" in error
    figure = next(m for m in summary.metrics if m.name == "composite/mean")
    assert figure.value == pytest.approx(0.625) and figure.n == 2


def test_composites_load_from_yaml_with_their_alias(tmp_path: Path) -> None:
    (tmp_path / "bench.yaml").write_text(
        """
name: blended
dataset:
  samples:
    - {id: "1", input: "2+2?", target: "4"}
scorers:
  - exact_match
  - includes
  - name: composite
    as: quality
    args:
      method: all
      components: {exact_match: 1, includes: 1}
""",
        encoding="utf-8",
    )
    bench = load_benchmark(tmp_path / "bench.yaml")
    assert [s.name for s in bench.scorers] == ["exact_match", "includes", "quality"]
    assert bench.scorers[2].depends_on == ("exact_match", "includes")

    (tmp_path / "bad.yaml").write_text(
        """
name: blended
dataset:
  samples:
    - {id: "1", input: "2+2?", target: "4"}
scorers:
  - name: composite
    args: {components: [exact_match]}
  - exact_match
""",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"bad\.yaml.*'exact_match', which is not a scorer"):
        load_benchmark(tmp_path / "bad.yaml")
