"""`proctor score`: score a stored run again, without calling the model under test."""

from __future__ import annotations

from pathlib import Path

import typer

from proctor.cli._common import (
    DB_OPTION,
    EXIT_ERRORS,
    EXIT_OK,
    JUDGE_BASE_URL_OPTION,
    JUDGE_OPTION,
    JUDGE_PRICE_INPUT_OPTION,
    JUDGE_PRICE_OUTPUT_OPTION,
    console,
    handle_errors,
    judge_usage,
    open_store,
    with_judge,
)


@handle_errors
def score(
    run_id: str = typer.Argument(..., help="The run whose stored outputs to score."),
    scorer: list[str] = typer.Option(
        None,
        "--scorer",
        "-s",
        help="A scorer of the benchmark to apply (repeatable). Default: the scorers the run "
        "lacks or whose signature has changed.",
    ),
    benchmark: str | None = typer.Option(
        None,
        "--benchmark",
        "-b",
        help="Benchmark YAML or catalog NAME[:ARG] (default: the YAML file the run came from).",
    ),
    data: Path | None = typer.Option(None, "--data", help="Catalog benchmarks: your data file."),
    shots: int = typer.Option(0, "--shots", min=0, help="Catalog benchmarks: k-shot prompts."),
    judge: str | None = JUDGE_OPTION,
    judge_base_url: str | None = JUDGE_BASE_URL_OPTION,
    judge_price_input: float | None = JUDGE_PRICE_INPUT_OPTION,
    judge_price_output: float | None = JUDGE_PRICE_OUTPUT_OPTION,
    max_concurrency: int = typer.Option(32, "--max-concurrency", min=1),
    allow_errors: bool = typer.Option(False, "--allow-errors", help="Exit 0 despite errors."),
    db: str | None = DB_OPTION,
    progress: bool = typer.Option(True, "--progress/--no-progress"),
) -> None:
    """Add or replace scores on a stored run; only judges are called, never the model."""
    from proctor.cli._progress import ProgressBar
    from proctor.cli._run import load_benchmark_ref
    from proctor.cli._tables import metrics_table
    from proctor.engine import rescore_run
    from proctor.errors import ConfigError

    out = console()
    with open_store(db) as store:
        run = store.get_run(run_id)
        ref = benchmark or run.benchmark_path
        if ref is None:
            raise ConfigError(
                f"run {run.id} came from the catalog benchmark {run.benchmark}; name it with "
                "--benchmark NAME[:ARG] (and --data)"
            )
        bench = load_benchmark_ref(ref, data=data, shots=shots)
        bench = with_judge(bench, judge, judge_base_url, judge_price_input, judge_price_output)
        summary = rescore_run(
            store,
            run.id,
            bench,
            scorers=scorer or None,
            max_concurrency=max_concurrency,
            observer=ProgressBar(enabled=progress),
        )
    out.print(metrics_table(summary.metrics))
    out.print(
        f"run [bold]{summary.run.id}[/bold] · scored {summary.scored} sample(s) with "
        f"{', '.join(summary.scorers)} · errors {summary.errors} · skipped {summary.skipped} "
        f"(model errors) · model under test called 0 times{judge_usage(summary.run)}"
    )
    if summary.errors and not allow_errors:
        out.print(f"{summary.errors} sample(s) have scorer errors (see `proctor show {run.id}`)")
        raise typer.Exit(EXIT_ERRORS)
    raise typer.Exit(EXIT_OK)
