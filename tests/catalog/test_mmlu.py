"""MMLU: both data layouts, lm-eval's prompt, and the three aggregations."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mmlu_fixture import QUESTIONS, write_huggingface, write_original

from proctor.catalog import catalog_entries, load_catalog_benchmark
from proctor.errors import ConfigError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scripted import ScriptedModel


@pytest.fixture(scope="module")
def layouts(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("mmlu")
    return write_original(root / "original"), write_huggingface(root / "hf")


def test_both_layouts_give_the_same_samples_and_version(layouts) -> None:
    original, hf = (load_catalog_benchmark("mmlu", data=path) for path in layouts)
    assert original.dataset.version == hf.dataset.version
    assert list(original.dataset) == list(hf.dataset)
    assert len(original.dataset) == 5
    assert original.task_version == hf.task_version


def test_zero_shot_prompt_is_lm_evals(layouts) -> None:
    bench = load_catalog_benchmark("mmlu:astronomy", data=layouts[0])
    sample = next(iter(bench.dataset))
    assert bench.render(sample) == (
        "The following are multiple choice questions (with answers) about astronomy.\n\n"
        "Which planet is closest to the Sun?\nA. Venus\nB. Mercury\nC. Mars\nD. Earth\nAnswer:"
    )
    assert bench.continuations(sample) == ((" A", " B", " C", " D"), ("A", "B", "C", "D"))


def test_k_shot_uses_the_first_dev_questions_of_the_same_subject(layouts) -> None:
    bench = load_catalog_benchmark("mmlu", data=layouts[1], shots=2)
    anatomy = next(s for s in bench.dataset if s.metadata["subject"] == "anatomy")
    prompt = bench.render(anatomy)
    assert prompt.startswith(
        "The following are multiple choice questions (with answers) about anatomy.\n\n"
        "Which organ is used for breathing?\nA. Lungs\nB. Kidneys\nC. Heart\nD. Stomach\n"
        "Answer: A\n\n"
        "Where is the femur?\nA. Arm\nB. Skull\nC. Leg\nD. Chest\nAnswer: C\n\n"
        "Which organ pumps blood?"
    )
    assert "planet" not in prompt
    assert bench.task_version != load_catalog_benchmark("mmlu", data=layouts[1]).task_version


async def test_micro_macro_and_per_subject_figures(layouts, tmp_path: Path) -> None:
    from proctor.engine import run_benchmark_async
    from proctor.store import Store

    bench = load_catalog_benchmark("mmlu", data=layouts[0])
    model = ScriptedModel()
    # always answers " A": right on astronomy-0002 only among astronomy, none of anatomy
    model.logprobs = lambda context, cont: 0.0 if cont == " A" else -1.0
    with Store(f"sqlite:///{tmp_path / 'p.db'}") as store:
        summary = await run_benchmark_async(bench, model, store=store)
    figures = {m.name: m.value for m in summary.metrics}
    assert figures["loglikelihood_choice/acc"] == pytest.approx(1 / 5)  # micro
    assert figures["loglikelihood_choice/acc_norm"] == figures["loglikelihood_choice/acc"]
    assert figures["loglikelihood_choice/acc_macro"] == pytest.approx((1 / 3 + 0 / 2) / 2)
    assert figures["loglikelihood_choice/acc[subject=astronomy]"] == pytest.approx(1 / 3)
    assert figures["loglikelihood_choice/acc[subject=anatomy]"] == 0.0


def test_unknown_subject_and_missing_data_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown MMLU subject 'astrology'"):
        load_catalog_benchmark("mmlu:astrology", data=tmp_path)
    with pytest.raises(ConfigError, match="point --data at MMLU"):
        load_catalog_benchmark("mmlu:anatomy", data=tmp_path)


def test_a_malformed_csv_row_names_file_and_line(tmp_path: Path) -> None:
    root = write_original(tmp_path / "bad")
    (root / "test" / "anatomy_test.csv").write_text("q,a,b,c,d,A\nq2,a,b,c,d,E\n")
    with pytest.raises(ConfigError, match=r"anatomy_test\.csv:2: expected question"):
        load_catalog_benchmark("mmlu:anatomy", data=root)


def test_the_catalog_lists_mmlu() -> None:
    assert "mmlu" in dict(catalog_entries())


def test_proctor_runs_a_catalog_benchmark_by_name(layouts, tmp_path: Path) -> None:
    from local_support import require_llama

    require_llama()
    env = {**os.environ, "PROCTOR_DB": f"sqlite:///{tmp_path / 'p.db'}", "COLUMNS": "200"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "proctor",
            "run",
            "mmlu:astronomy",
            "--data",
            str(layouts[0]),
            "--model",
            "local:smollm2",
            "--shots",
            "1",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (
        "loglikelihood_choice/acc " in result.stdout or "loglikelihood_choice/acc" in result.stdout
    )
    assert f"{len(QUESTIONS['astronomy']['test'])}/{len(QUESTIONS['astronomy']['test'])}" in (
        result.stdout
    )


def test_an_answer_that_is_not_one_letter_is_a_dataset_error(tmp_path: Path) -> None:
    root = write_original(tmp_path / "bad2")
    (root / "test" / "anatomy_test.csv").write_text("q,a,b,c,d,BC\n")
    with pytest.raises(ConfigError, match=r"anatomy_test\.csv:1: expected question"):
        load_catalog_benchmark("mmlu:anatomy", data=root)


def test_without_data_the_datasets_copy_is_read(monkeypatch, layouts) -> None:
    """The Hugging Face hub cannot be reached here, so `datasets.load_dataset` is replaced
    by a stand-in serving the fixture's rows in the hub's shape."""
    import types

    def load_dataset(name, subject, split):
        assert name == "cais/mmlu"
        rows = QUESTIONS[subject]["validation" if split == "val" else split]
        return [
            {"question": q, "choices": c, "answer": "ABCD".index(a), "subject": subject}
            for q, c, a in rows
        ]

    monkeypatch.setitem(sys.modules, "datasets", types.SimpleNamespace(load_dataset=load_dataset))
    from_hub = load_catalog_benchmark("mmlu:anatomy", data=None)
    from_files = load_catalog_benchmark("mmlu:anatomy", data=layouts[0])
    assert from_hub.dataset.version == from_files.dataset.version
