"""`proctor online run` and `proctor online status`: score production traffic, watch for drift."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    fmt_float,
    handle_errors,
    open_store,
    with_judge,
)

if TYPE_CHECKING:
    from proctor.online import StatusReport

online_app = typer.Typer(
    name="online",
    help="Continuous evaluation: score sampled production traffic per window, watch for drift.",
    no_args_is_help=True,
)


class StatusFormat(StrEnum):
    table = "table"
    json = "json"


@handle_errors
def run(
    benchmark: Path = typer.Argument(..., help="Online benchmark YAML (dataset: {traffic: ...})."),
    since: str | None = typer.Option(
        None, "--since", help="Only traffic from this time (2024-05-01, or 7d ago)."
    ),
    until: str | None = typer.Option(None, "--until", help="Only traffic before this time."),
    window: str | None = typer.Option(
        None, "--window", help="Window length, e.g. 1d, 6h (default: the benchmark's, else 1d)."
    ),
    batch: int = typer.Option(64, "--batch", min=1, help="Records claimed at a time."),
    max_concurrency: int = typer.Option(32, "--max-concurrency", min=1),
    reclaim_after: str = typer.Option(
        "1h", "--reclaim-after", help="Take over claims a dead process left this long ago."
    ),
    judge: str | None = JUDGE_OPTION,
    judge_base_url: str | None = JUDGE_BASE_URL_OPTION,
    judge_price_input: float | None = JUDGE_PRICE_INPUT_OPTION,
    judge_price_output: float | None = JUDGE_PRICE_OUTPUT_OPTION,
    allow_errors: bool = typer.Option(False, "--allow-errors", help="Exit 0 despite errors."),
    db: str | None = DB_OPTION,
) -> None:
    """Score the sampled traffic not scored yet, storing one run per time window."""
    import dataclasses

    from rich.text import Text

    from proctor.online import OnlineRunOptions, load_online_benchmark, run_online
    from proctor.online._windows import parse_duration, parse_moment

    out = console()
    now = datetime.now(UTC)
    online = load_online_benchmark(benchmark)
    bench = with_judge(
        online.benchmark, judge, judge_base_url, judge_price_input, judge_price_output
    )
    online = dataclasses.replace(online, benchmark=bench)
    options = OnlineRunOptions(
        since=None if since is None else parse_moment(since, now=now, what="--since"),
        until=None if until is None else parse_moment(until, now=now, what="--until"),
        window=None if window is None else parse_duration(window),
        batch=batch,
        max_concurrency=max_concurrency,
        reclaim_after=parse_duration(reclaim_after, what="--reclaim-after"),
    )

    def report(done: Any) -> None:
        figures = ", ".join(
            f"{m.name} {fmt_float(m.value)}" for m in done.metrics if m.slice_key is None
        )
        out.print(
            Text(
                f"window {done.window.label} -> run {done.run_id}: scored {done.scored}, "
                f"scorer errors {done.errors}, failed production calls {done.failed_calls}"
                + (f" · {figures}" if figures else "")
            ),
            soft_wrap=True,
        )

    with open_store(db) as store:
        summary = run_online(store, online, options=options, progress=report)
    out.print(
        f"{summary.benchmark}: {summary.scored} record(s) of {summary.source} scored in "
        f"{len(summary.windows)} window(s); rule {summary.rule_id}"
        + (f", {summary.drawn} record(s) drawn" if summary.drawn else "")
        + f"; judge calls {summary.judge_calls}; model under test called 0 times"
    )
    if summary.errors and not allow_errors:
        raise typer.Exit(EXIT_ERRORS)
    raise typer.Exit(EXIT_OK)


@handle_errors
def status(
    benchmark: str = typer.Argument(..., help="Online benchmark: its YAML file or its name."),
    baseline: int = typer.Option(7, "--baseline", min=1, help="Trailing windows pooled."),
    alpha: float = typer.Option(0.05, "--alpha", min=1e-9, max=0.5, help="FDR level (BH)."),
    min_effect: float = typer.Option(
        0.0, "--min-effect", min=0.0, help="Flag only changes at least this large."
    ),
    last: int | None = typer.Option(None, "--last", min=1, help="Test only the last N windows."),
    since: str | None = typer.Option(None, "--since", help="Test only windows from this time."),
    key: list[str] = typer.Option(
        None, "--key", help="Metadata key for input drift (repeatable; default: the slices)."
    ),
    psi_threshold: float = typer.Option(0.25, "--psi-threshold", min=0.0),
    min_records: int = typer.Option(
        100, "--min-records", min=1, help="Records a window needs before its PSI can alert."
    ),
    output: StatusFormat = typer.Option(StatusFormat.table, "--format", "-f"),
    fail_on_alert: bool = typer.Option(
        False, "--fail-on-alert", help="Exit 1 when a window is flagged."
    ),
    notify_url: str | None = typer.Option(
        None, "--notify", metavar="URL", help="POST the alerts as JSON to this webhook."
    ),
    db: str | None = DB_OPTION,
) -> None:
    """Each metric per window with its CI, windows significantly worse than the trailing
    baseline flagged, and input drift (metadata shares, input lengths, PSI)."""
    import json

    from proctor.online import StatusOptions, alert_payload, notify, online_status
    from proctor.online._windows import parse_moment

    name = benchmark
    if benchmark.endswith((".yaml", ".yml")) or Path(benchmark).is_file():
        from proctor.online import load_online_benchmark

        name = load_online_benchmark(Path(benchmark)).name
    options = StatusOptions(
        baseline=baseline,
        alpha=alpha,
        min_effect=min_effect,
        last=last,
        since=None if since is None else parse_moment(since, now=datetime.now(UTC)),
        keys=tuple(key) if key else None,
        psi_threshold=psi_threshold,
        min_records=min_records,
    )
    with open_store(db) as store:
        report = online_status(store, name, options=options)
    alerts = report.alerts()
    out = console()
    if output == StatusFormat.json:
        out.print_json(json.dumps(report.to_dict(), default=str))
    else:
        _print_status(out, report)
    if notify_url and alerts:
        notify(notify_url, alert_payload(report))
        console(stderr=True).print(f"sent {len(alerts)} alert(s) to the webhook")
    if alerts and fail_on_alert:
        raise typer.Exit(EXIT_ERRORS)
    raise typer.Exit(EXIT_OK)


def _print_status(out: Any, report: StatusReport) -> None:
    from rich.table import Table
    from rich.text import Text

    if not report.windows:
        out.print(f"{report.benchmark}: no window to test")
        return
    by_metric: dict[str, list[Any]] = {}
    for check in report.metrics:
        by_metric.setdefault(check.metric, []).append(check)
    for metric, checks in by_metric.items():
        arrow = "↑" if checks[0].higher_is_better else "↓"
        table = Table(
            title=f"{report.benchmark} · {metric} {arrow} per window (95% CI; vs the trailing "
            f"{report.options.baseline} window(s))",
            title_justify="left",
        )
        for column in ("window", "run", "n", "value [95% CI]", "baseline", "Δ [95% CI]", "q"):
            table.add_column(column, justify="left" if column in ("window", "run") else "right")
        table.add_column("status")
        for c in checks:
            f, t = c.figure, c.test
            value = "n/a" if f is None else f"{_num(f.value)} {_ci(f.ci_low, f.ci_high)}"
            n = "" if f is None else f"{f.n}/{f.n_total}"
            delta = (
                "—" if t.delta is None else f"{_num(t.delta, sign=True)} {_ci(t.ci_low, t.ci_high)}"
            )
            if t.p_value is None:
                state = Text("no baseline" if c.baseline_windows == 0 else "n/a", style="dim")
            elif c.alert:
                state = Text("ALERT", style="bold red")
            else:
                state = Text("ok", style="green")
            table.add_row(
                c.window.label,
                c.run_id,
                n,
                value,
                _num(t.baseline),
                delta,
                fmt_float(c.q_value),
                state,
            )
        out.print(table)
    table = Table(title=f"{report.benchmark} · inputs per window (PSI vs baseline)")
    table.add_column("window")
    table.add_column("records", justify="right")
    table.add_column("length median / p90", justify="right")
    table.add_column("length PSI", justify="right")
    keys = sorted({k for i in report.inputs for k in i.shares})
    for key in keys:
        table.add_column(Text(f"{key}: shares · PSI"))
    for i in report.inputs:
        row: list[Any] = [
            i.window.label,
            f"{i.records:,}",
            f"{fmt_float(i.length_median, 0)} / {fmt_float(i.length_p90, 0)}",
            _psi(i.length_psi, "length" in i.alerts),
        ]
        for key in keys:
            shares = i.shares.get(key, {})
            top = sorted(shares.items(), key=lambda item: -item[1])[:4]
            text = Text(", ".join(f"{v} {s:.0%}" for v, s in top) + " · ")
            text.append(_psi(i.key_psi.get(key), key in i.alerts))
            row.append(text)
        table.add_row(*row)
    out.print(table)
    alerts = report.alerts()
    out.print(
        f"{len(alerts)} alert(s) in {len(report.windows)} window(s) tested"
        if alerts
        else f"no alert in {len(report.windows)} window(s) tested"
    )


def _num(value: float | None, *, sign: bool = False) -> str:
    """Three decimals, or three significant digits for small figures (a cost per call)."""
    if value is None:
        return "n/a"
    plus = "+" if sign else ""
    if value != 0 and abs(value) < 0.01:
        return f"{value:{plus}.3g}"
    return f"{value:{plus}.3f}"


def _ci(low: float | None, high: float | None) -> str:
    return "" if low is None or high is None else f"[{_num(low)}, {_num(high)}]"


def _psi(value: float | None, alert: bool) -> Any:
    from rich.text import Text

    if value is None:
        return Text("—", style="dim")
    return Text(f"{value:.3f}", style="bold red" if alert else "")


online_app.command("run")(run)
online_app.command("status")(status)
