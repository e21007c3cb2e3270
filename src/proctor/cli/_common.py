"""What every CLI command shares: the console, exit codes, and error handling."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

import typer

EXIT_OK = 0
EXIT_ERRORS = 1  # the run finished but some samples errored (or, later, a gate failed)
EXIT_USAGE = 2  # the user asked for something that cannot be done as asked
EXIT_INTERRUPTED = 130  # Ctrl-C: everything finished so far is saved

F = TypeVar("F", bound=Callable[..., Any])

DB_OPTION = typer.Option(
    None,
    "--db",
    envvar="PROCTOR_DB",
    help="Store URL (SQLAlchemy). Default: sqlite:///./.proctor/proctor.db",
)


def console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def fail(message: str) -> typer.Exit:
    """Print one readable error line and return the exit for a user error."""
    from rich.text import Text

    err = console(stderr=True)
    # soft_wrap: one line whatever the terminal width, so logs and scripts see one line
    err.print(Text("error: ", style="bold red") + Text(message), soft_wrap=True)
    return typer.Exit(EXIT_USAGE)


def handle_errors(command: F) -> F:
    """Turn `ProctorError` into one line on stderr and exit code 2; keep other tracebacks."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from proctor.errors import ProctorError

        try:
            return command(*args, **kwargs)
        except ProctorError as exc:
            raise fail(str(exc)) from None

    return wrapper  # type: ignore[return-value]


def open_store(db: str | None) -> Any:
    from proctor.store import Store

    return Store(db or os.environ.get("PROCTOR_DB"))


def fmt_float(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def fmt_cost(value: float | None) -> str:
    return "n/a" if value is None else f"${value:.4f}"


JUDGE_OPTION = typer.Option(
    None,
    "--judge",
    help="Judge model spec for the benchmark's judge scorers that name none (e.g. local:smollm2).",
)
JUDGE_BASE_URL_OPTION = typer.Option(
    None, "--judge-base-url", help="The --judge's OpenAI-compatible server URL."
)
JUDGE_PRICE_INPUT_OPTION = typer.Option(
    None, "--judge-price-input", min=0.0, help="The --judge's price per million input tokens."
)
JUDGE_PRICE_OUTPUT_OPTION = typer.Option(
    None, "--judge-price-output", min=0.0, help="The --judge's price per million output tokens."
)


def with_judge(
    bench: Any,
    judge: str | None,
    base_url: str | None,
    price_input: float | None,
    price_output: float | None,
) -> Any:
    """`bench` judged by `--judge`, reached as the `--judge-*` options say."""
    from proctor.errors import ConfigError
    from proctor.model import ModelConfig, Prices

    if (price_input is None) != (price_output is None):
        raise ConfigError("give both --judge-price-input and --judge-price-output, or neither")
    if judge is None:
        if base_url is not None or price_input is not None:
            raise ConfigError("--judge-base-url and --judge-price-* need --judge SPEC")
        return bench
    config = None
    if base_url is not None or price_input is not None:
        prices = None if price_input is None else Prices(price_input, price_output or 0.0)
        config = ModelConfig(base_url=base_url, prices=prices)
    return bench.with_judge(judge, config)


def judge_usage(run: Any) -> str:
    """` · judge 12 calls, 3,400 tokens, $0.0100` — judges are counted apart from the model."""
    if not run.judge_calls:
        return ""
    tokens = (run.judge_input_tokens or 0) + (run.judge_output_tokens or 0)
    return f" · judge {run.judge_calls} call(s), {tokens:,} tokens, cost {fmt_cost(run.judge_cost)}"
