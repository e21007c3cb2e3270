"""`proctor run`: run a benchmark against a model and store every result."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer

from proctor.cli._common import (
    DB_OPTION,
    EXIT_ERRORS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    JUDGE_BASE_URL_OPTION,
    JUDGE_OPTION,
    JUDGE_PRICE_INPUT_OPTION,
    JUDGE_PRICE_OUTPUT_OPTION,
    console,
    fmt_cost,
    handle_errors,
    judge_usage,
    open_store,
    with_judge,
)


@handle_errors
def run(
    benchmark: str = typer.Argument(
        ..., help="Benchmark YAML file, or a catalog benchmark NAME[:ARG] (see `proctor catalog`)."
    ),
    model: str = typer.Option(
        ..., "--model", "-m", help="Model spec: openai:NAME, python:pkg.mod:fn, replay:FILE."
    ),
    limit: int | None = typer.Option(None, "--limit", min=0, help="Run only the first N samples."),
    epochs: int | None = typer.Option(None, "--epochs", min=1, help="Generations per sample."),
    max_concurrency: int | None = typer.Option(
        None, "--max-concurrency", min=1, help="Calls in flight at once (default 32)."
    ),
    db: str | None = DB_OPTION,
    label: str | None = typer.Option(None, "--label", help="A label to find this run by."),
    resume: str | None = typer.Option(
        None, "--resume", metavar="RUN_ID", help="Finish an interrupted run."
    ),
    retry_errors: bool = typer.Option(
        False, "--retry-errors", help="With --resume, also re-run errored samples."
    ),
    allow_errors: bool = typer.Option(
        False, "--allow-errors", help="Exit 0 even when some samples errored."
    ),
    cache: bool | None = typer.Option(
        None,
        "--cache/--no-cache",
        help="Reuse identical earlier answers (default: on for "
        "openai:, off for python: and replay:).",
    ),
    temperature: float | None = typer.Option(None, "--temperature"),
    max_tokens: int | None = typer.Option(None, "--max-tokens", min=1),
    seed: int | None = typer.Option(None, "--seed", help="Sampling seed sent to the model."),
    base_url: str | None = typer.Option(None, "--base-url", help="OpenAI-compatible server URL."),
    timeout: float = typer.Option(
        120.0, "--timeout", min=0.001, help="Seconds allowed per model call."
    ),
    max_retries: int = typer.Option(5, "--max-retries", min=0),
    rpm: float | None = typer.Option(None, "--rpm", min=0.001, help="Cap on requests per minute."),
    price_input: float | None = typer.Option(
        None, "--price-input", min=0.0, help="Price per million input tokens."
    ),
    price_output: float | None = typer.Option(
        None, "--price-output", min=0.0, help="Price per million output tokens."
    ),
    data: Path | None = typer.Option(
        None, "--data", help="Catalog benchmarks: your copy of its data, in its official format."
    ),
    shots: int = typer.Option(0, "--shots", min=0, help="Catalog benchmarks: k-shot prompts."),
    judge: str | None = JUDGE_OPTION,
    judge_base_url: str | None = JUDGE_BASE_URL_OPTION,
    judge_price_input: float | None = JUDGE_PRICE_INPUT_OPTION,
    judge_price_output: float | None = JUDGE_PRICE_OUTPUT_OPTION,
    progress: bool = typer.Option(True, "--progress/--no-progress"),
) -> None:
    """Run BENCHMARK against a model; print metrics with 95% confidence intervals."""
    from proctor.cli._progress import ProgressBar
    from proctor.cli._tables import metrics_table
    from proctor.engine import RunOptions, run_benchmark
    from proctor.errors import ConfigError
    from proctor.model import GenerateConfig, ModelConfig, Prices, get_model

    if retry_errors and resume is None:
        raise ConfigError("--retry-errors needs --resume RUN_ID")
    if (price_input is None) != (price_output is None):
        raise ConfigError("give both --price-input and --price-output, or neither")
    bench = load_benchmark_ref(benchmark, data=data, shots=shots)
    bench = with_judge(bench, judge, judge_base_url, judge_price_input, judge_price_output)
    config = ModelConfig(
        generate=GenerateConfig(temperature=temperature, max_tokens=max_tokens, seed=seed),
        base_url=base_url,
        timeout=timeout,
        max_retries=max_retries,
        max_concurrency=max_concurrency or 32,
        rpm=rpm,
        prices=None if price_input is None else Prices(price_input, price_output or 0.0),
    )
    the_model = get_model(model, config)
    out = console()
    started = time.perf_counter()
    with open_store(db) as store:
        summary = run_benchmark(
            bench,
            the_model,
            store=store,
            options=RunOptions(
                limit=limit,
                epochs=epochs,
                max_concurrency=max_concurrency,
                label=label,
                resume=resume,
                retry_errors=retry_errors,
                cache=cache,
            ),
            observer=ProgressBar(enabled=progress),
        )
    elapsed = time.perf_counter() - started
    run_record = summary.run
    out.print(metrics_table(summary.metrics))
    rate = summary.processed / elapsed if elapsed > 0 else 0.0
    out.print(
        f"run [bold]{run_record.id}[/bold] · {run_record.n_samples} samples × {run_record.epochs} "
        f"epoch(s) · scored {run_record.n_scored}/{summary.total} · errors {summary.n_errors} · "
        f"from cache {summary.n_cached} · resumed past {summary.skipped} · cost "
        f"{fmt_cost(summary.cost)}{judge_usage(run_record)} · {elapsed:.1f} s ({rate:.0f}/s)"
    )
    if summary.interrupted:
        out.print(
            f"interrupted: finished samples are saved; continue with --resume {run_record.id}"
        )
        raise typer.Exit(EXIT_INTERRUPTED)
    if summary.n_errors and not allow_errors:
        out.print(
            f"{summary.n_errors} sample(s) errored (see `proctor show {run_record.id}`); "
            f"re-run them with --resume {run_record.id} --retry-errors"
        )
        raise typer.Exit(EXIT_ERRORS)
    raise typer.Exit(EXIT_OK)


def load_benchmark_ref(ref: str, *, data: Path | None, shots: int) -> Any:
    """A YAML file when `ref` names one, else a catalog benchmark (`NAME[:ARG]`)."""
    from proctor.benchmark import load_benchmark
    from proctor.errors import ConfigError

    path = Path(ref)
    if path.suffix.lower() in (".yaml", ".yml") or path.exists():
        if data is not None or shots:
            raise ConfigError(
                "--data and --shots are for catalog benchmarks; a YAML benchmark "
                "names its own dataset and few-shot"
            )
        return load_benchmark(path)
    from proctor.catalog import load_catalog_benchmark

    return load_catalog_benchmark(ref, data=data, shots=shots)
