"""The embedded model end to end: the quick start, deterministic reruns, and multiple
choice scored by Proctor exactly as a direct llama-cpp-python computation scores it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from local_support import require_llama

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "examples" / "quickstart" / "benchmark.yaml"


def proctor(*args: str, db: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PROCTOR_DB": db, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "proctor", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=600,
    )


def test_quickstart_runs_and_reruns_identically_without_the_cache(tmp_path: Path) -> None:
    require_llama()
    db = f"sqlite:///{tmp_path / 'p.db'}"
    runs = []
    for _ in range(2):
        result = proctor(
            "run",
            str(QUICKSTART),
            "--model",
            "local:smollm2",
            "--limit",
            "8",
            "--no-cache",
            "--no-progress",
            db=db,
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stderr
        assert "includes/mean" in result.stdout and "95% CI" in result.stdout
        runs.append(result.stdout.split("run ", 1)[1].split()[0])
    outputs = []
    for run_id in runs:
        exported = proctor("export", run_id, db=db, cwd=tmp_path)
        rows = [json.loads(line) for line in exported.stdout.splitlines()]
        assert not any(r["cached"] for r in rows)
        outputs.append({r["sample_id"]: r["output"] for r in rows})
    assert outputs[0] == outputs[1] and all(outputs[0].values())


QUESTIONS = [
    {
        "id": "q1",
        "input": "The capital of France is",
        "choices": ["Paris", "London", "Rome"],
        "target": "A",
    },
    {
        "id": "q2",
        "input": "Water freezes at",
        "choices": ["0 degrees", "100 degrees Celsius"],
        "target": "A",
    },
    {
        "id": "q3",
        "input": "A spider has",
        "choices": ["eight legs", "six legs", "wings"],
        "target": "A",
    },
    {
        "id": "q4",
        "input": "The opposite of hot is",
        "choices": ["cold", "warm", "a lukewarm bath"],
        "target": "A",
    },
]


async def test_acc_and_acc_norm_equal_a_direct_computation(tmp_path: Path) -> None:
    require_llama()
    import numpy as np
    from llama_cpp import Llama

    from proctor.benchmark import Benchmark
    from proctor.dataset import Dataset
    from proctor.engine import run_benchmark_async
    from proctor.model import get_model
    from proctor.model._local import smollm2_path
    from proctor.scorer import resolve_scorer
    from proctor.store import Store

    bench = Benchmark(
        name="mc",
        dataset=Dataset.from_records(QUESTIONS),
        scorers=[resolve_scorer("loglikelihood_choice")],
        protocol="loglikelihood",
    )
    with Store(f"sqlite:///{tmp_path / 'p.db'}") as store:
        summary = await run_benchmark_async(bench, get_model("local:smollm2"), store=store)
        rows = {r.sample_id: r for r in store.iter_samples(summary.run.id)}

    llm = Llama(model_path=str(smollm2_path()), logits_all=True, n_ctx=512, verbose=False)
    try:
        expected_acc, expected_norm = [], []
        for q in QUESTIONS:
            sums = []
            for choice in q["choices"]:
                ctx = llm.tokenize(q["input"].encode(), add_bos=False, special=False)
                whole = llm.tokenize(
                    f"{q['input']} {choice}".encode(), add_bos=False, special=False
                )
                cont = whole[len(ctx) :]
                llm.reset()
                llm.eval(ctx + cont[:-1])
                logits = np.asarray(llm.scores[: llm.n_tokens], dtype=np.float64)
                logprobs = logits - np.logaddexp.reduce(logits, axis=1, keepdims=True)
                sums.append(sum(logprobs[len(ctx) - 1 + i, t] for i, t in enumerate(cont)))
            stored = rows[q["id"]].scores[0].metadata["logprobs"]
            assert stored == pytest.approx(sums, abs=1e-4)
            expected_acc.append(int(np.argmax(sums)) == 0)
            lengths = [len(c) for c in q["choices"]]
            expected_norm.append(int(np.argmax(np.array(sums) / lengths)) == 0)
    finally:
        llm.close()
    for q, acc, norm in zip(QUESTIONS, expected_acc, expected_norm, strict=True):
        score = rows[q["id"]].scores[0]
        assert score.value is acc and score.metadata["acc_norm"] is norm
    figures = {m.name: m.value for m in summary.metrics}
    assert figures["loglikelihood_choice/acc"] == pytest.approx(sum(expected_acc) / 4)
    assert figures["loglikelihood_choice/acc_norm"] == pytest.approx(sum(expected_norm) / 4)
