"""`proctor pairwise`: a judge compares runs' answers; win rates, ranking, stored verdicts."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from proctor.cli._common import (
    DB_OPTION,
    EXIT_ERRORS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    console,
    fmt_cost,
    fmt_float,
    handle_errors,
    open_store,
)
from proctor.cli._progress import ProgressBar

if TYPE_CHECKING:
    from proctor.pairwise import PairwiseResult
    from proctor.store import Store
    from proctor.store._pairwise import PairwiseRecord, VerdictRecord


@handle_errors
def pairwise(
    runs: list[str] | None = typer.Argument(
        None, metavar="RUN_A RUN_B [RUN_C ...]", help="Run ids (or unique prefixes) to compare."
    ),
    judge: str | None = typer.Option(
        None, "--judge", help="The judge's model spec: openai:NAME, local:smollm2, python:..."
    ),
    show: str | None = typer.Option(
        None, "--show", metavar="ID", help="Print a stored comparison instead of running one."
    ),
    prompt: Path | None = typer.Option(
        None, "--prompt", help="Jinja2 judge prompt replacing the packaged pairwise_v1."
    ),
    guidelines: str | None = typer.Option(
        None, "--guidelines", help="What makes an answer better, shown to the judge."
    ),
    retries: int = typer.Option(
        2, "--retries", min=0, help="Times an unusable judge reply is sent back, per order."
    ),
    max_tokens: int = typer.Option(512, "--max-tokens", min=1, help="Judge reply length cap."),
    max_concurrency: int | None = typer.Option(
        None, "--max-concurrency", min=1, help="Judge calls in flight at once (default 32)."
    ),
    timeout: float = typer.Option(
        120.0, "--timeout", min=0.001, help="Seconds allowed per judge call."
    ),
    max_retries: int = typer.Option(5, "--max-retries", min=0),
    base_url: str | None = typer.Option(None, "--base-url", help="OpenAI-compatible server URL."),
    cache: bool | None = typer.Option(
        None, "--cache/--no-cache", help="Reuse identical earlier judge answers."
    ),
    examples: int = typer.Option(
        5, "--examples", min=0, help="How many verdicts (errors and order flips first) to show."
    ),
    allow_errors: bool = typer.Option(
        False, "--allow-errors", help="Exit 0 even when some comparisons got no verdict."
    ),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
    db: str | None = DB_OPTION,
) -> None:
    """Compare runs' answers with a judge, both orders: win rates with 95% CIs; a ranking for 3+."""
    from proctor.errors import ConfigError

    out = console()
    if show is not None:
        if runs:
            raise ConfigError("give runs to compare or --show ID, not both")
        with open_store(db) as store:
            out.print(render_pairwise(store, show, examples=examples))
        raise typer.Exit(EXIT_OK)
    if not runs or len(runs) < 2:
        raise ConfigError("give two or more runs to compare (or --show ID)")
    if judge is None:
        raise ConfigError("give the judge's model spec with --judge SPEC")
    from proctor.model import ModelConfig, get_model
    from proctor.pairwise import PairwiseOptions, run_pairwise

    template = None
    if prompt is not None:
        try:
            template = prompt.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read the prompt {prompt}: {exc.strerror or exc}") from None
    config = ModelConfig(
        base_url=base_url,
        timeout=timeout,
        max_retries=max_retries,
        max_concurrency=max_concurrency or 32,
    )
    options = PairwiseOptions(
        prompt=template,
        guidelines=guidelines,
        retries=retries,
        max_tokens=max_tokens,
        max_concurrency=max_concurrency,
        cache=cache,
    )
    started = time.perf_counter()
    bar = _Progress(enabled=progress)
    with open_store(db) as store:
        try:
            result = run_pairwise(
                store, runs, judge=get_model(judge, config), options=options, observer=bar
            )
        finally:
            bar.stop()
        out.print(render_pairwise(store, result.id, examples=examples))
    elapsed = time.perf_counter() - started
    n = sum(p.n for p in result.pairs)
    out.print(
        f"pairwise [bold]{result.id}[/bold] · {n} verdicts · errors {result.n_errors} · "
        f"{elapsed:.1f} s"
    )
    if result.interrupted:
        out.print(
            f"interrupted: the verdicts reached are saved (proctor pairwise --show {result.id})"
        )
        raise typer.Exit(EXIT_INTERRUPTED)
    if result.n_errors and not allow_errors:
        out.print(
            f"{result.n_errors} comparison(s) got no usable verdict; they are not counted "
            f"(see proctor pairwise --show {result.id})"
        )
        raise typer.Exit(EXIT_ERRORS)
    raise typer.Exit(EXIT_OK)


def render_pairwise(store: Store, pairwise_id: str, *, examples: int = 5) -> Any:
    """A stored comparison as a Rich renderable: header, win rates, ranking, some verdicts.

    `pairwise_id` may be a unique prefix; `StoreError` when it matches none.
    """
    from rich.console import Group
    from rich.text import Text

    from proctor.pairwise import PairwiseResult
    from proctor.store._pairwise import get_pairwise

    record = get_pairwise(store, pairwise_id)
    result = PairwiseResult.from_record(record)
    names = {r.id: r for r in result.runs}
    parts: list[Any] = [
        Text(f"pairwise {record.id} · judge ", style="bold")
        + Text(record.judge, style="bold")
        + Text(f" · {record.status}", style="bold")
    ]
    details = [
        ("signature", record.signature),
        ("created", _when(record.created_at)),
        ("finished", _when(record.finished_at)),
        ("judge use", _usage(result.usage)),
    ]
    if result.cluster:
        details.append(("clustered", f"by {result.cluster}"))
    for key, value in details:
        parts.append(Text(f"  {key:<10} ") + Text(value))
    for run in result.runs:
        label = f" [{run.label}]" if run.label else ""
        parts.append(
            Text(f"  run        {run.id} ") + Text(f"{run.model} · {run.benchmark}{label}")
        )
    if record.summary is None:
        parts.append(Text(f"no figures: the comparison is {record.status}"))
    else:
        parts.append(_pairs_table(result, names))
        if result.ranking:
            parts.append(_ranking_table(result, names))
    if examples:
        shown = _examples(store, record, examples)
        if shown:
            parts.append(_verdicts_table(shown))
    return Group(*parts)


def _name(run_id: str, names: dict[str, Any]) -> Any:
    from rich.text import Text

    run = names.get(run_id)
    return Text(run_id if run is None else f"{run_id} {run.model}")


def _pairs_table(result: PairwiseResult, names: dict[str, Any]) -> Any:
    from rich.table import Table

    table = Table(title="Win rate of run A over run B (95% CI)", title_justify="left")
    for column in ("run A", "run B"):
        table.add_column(column)
    for column in ("win rate", "95% CI", "wins", "ties", "losses", "errors", "shared", "dropped"):
        table.add_column(column, justify="right")
    table.add_column("CI method")
    for p in result.pairs:
        ci = "—" if p.ci_low is None else f"[{fmt_float(p.ci_low)}, {fmt_float(p.ci_high)}]"
        table.add_row(
            _name(p.run_a, names),
            _name(p.run_b, names),
            fmt_float(p.win_rate),
            ci,
            str(p.wins),
            str(p.ties),
            str(p.losses),
            str(p.errors),
            str(p.shared),
            str(p.dropped),
            p.method,
        )
    return table


def _ranking_table(result: PairwiseResult, names: dict[str, Any]) -> Any:
    from rich.table import Table

    table = Table(
        title="Bradley–Terry ranking (strength, geometric mean 1; 95% CI)", title_justify="left"
    )
    table.add_column("rank", justify="right")
    table.add_column("run")
    table.add_column("strength", justify="right")
    table.add_column("95% CI", justify="right")
    for r in result.ranking or []:
        ci = "—" if r.ci_low is None else f"[{fmt_float(r.ci_low)}, {fmt_float(r.ci_high)}]"
        table.add_row(str(r.rank), _name(r.run, names), fmt_float(r.strength), ci)
    return table


def _examples(store: Store, record: PairwiseRecord, n: int) -> list[VerdictRecord]:
    """Errors first, then verdicts the two orders disagreed on, then the rest; at most n."""
    from proctor.store._pairwise import iter_verdicts

    errors: list[VerdictRecord] = []
    flips: list[VerdictRecord] = []
    rest: list[VerdictRecord] = []
    for v in iter_verdicts(store, record.id):
        if v.error is not None:
            errors.append(v)
        elif v.verdict == "tie" and v.first and v.first.get("winner") != "tie":
            flips.append(v)
        elif len(rest) < n:
            rest.append(v)
        if len(errors) >= n:
            break
    return (errors + flips + rest)[:n]


def _verdicts_table(verdicts: list[VerdictRecord]) -> Any:
    from rich.table import Table
    from rich.text import Text

    from proctor.cli._tables import clip

    table = Table(title="Verdicts (errors and order flips first)", title_justify="left")
    for column in ("sample", "epoch", "runs (A vs B)", "verdict", "A first", "B first", "why"):
        table.add_column(column, overflow="fold")
    for v in verdicts:
        first = (v.first or {}).get("winner", "—")
        second = (v.second or {}).get("winner", "—")
        if v.error is not None:
            why = Text(clip(v.error, 80), style="red")
        else:
            why = Text(clip((v.first or {}).get("explanation", ""), 80))
        table.add_row(
            Text(v.sample_id),
            str(v.epoch),
            f"{v.run_a} vs {v.run_b}",
            "error" if v.verdict is None else v.verdict,
            Text(str(first)),
            Text(str(second)),
            why,
        )
    return table


def _when(moment: Any) -> str:
    return "—" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _usage(usage: dict[str, Any]) -> str:
    if not usage:
        return "no calls"
    tokens_in = usage.get("input_tokens")
    tokens_out = usage.get("output_tokens")
    return (
        f"{usage.get('calls', 0)} calls ({usage.get('cached', 0)} from cache) · tokens in "
        f"{'n/a' if tokens_in is None else tokens_in}, out "
        f"{'n/a' if tokens_out is None else tokens_out} · cost {fmt_cost(usage.get('cost'))}"
    )


class _Progress(ProgressBar):
    """The comparison's progress on stderr, drawn as a run's is."""

    def start(self, record: PairwiseRecord, total: int) -> None:  # type: ignore[override]
        self.open(f"pairwise · {record.judge}", total)

    def advance(self, verdict: VerdictRecord) -> None:  # type: ignore[override]
        self.step(error=verdict.error is not None)
