"""`proctor compare`, `baseline`, `history` and `plan`: versions of a model side by side."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

import typer

from proctor.cli._common import DB_OPTION, EXIT_ERRORS, EXIT_OK, console, handle_errors, open_store

if TYPE_CHECKING:
    from proctor.compare import Comparison, GateResult
    from proctor.store import Store


class Format(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


@handle_errors
def compare(
    run_a: str | None = typer.Argument(None, help="Baseline run (id or prefix)."),
    run_b: str | None = typer.Argument(None, help="Candidate run (id or prefix)."),
    baseline: str | None = typer.Option(
        None,
        "--baseline",
        metavar="RUN_B",
        help="Compare candidate RUN_B (or `latest`) with its benchmark's baseline "
        "(see `proctor baseline set`).",
    ),
    benchmark: str | None = typer.Option(
        None, "--benchmark", help="With --baseline latest: the latest run of this benchmark."
    ),
    intersect: bool = typer.Option(
        False, "--intersect", help="Compare runs of different task versions on shared sample ids."
    ),
    fail_if: list[str] = typer.Option(
        None, "--fail-if", help='Gate on Δ, e.g. "exact_match/mean < -0.02" (repeatable).'
    ),
    minimum: list[str] = typer.Option(
        None, "--min", help='Floor on the candidate, e.g. "rubric/score >= 0.7" (repeatable).'
    ),
    significant: bool = typer.Option(
        False,
        "--fail-on-significant-regression",
        help="Fail when an overall metric drops significantly (one-sided; BH q-values when "
        "several).",
    ),
    alpha: float = typer.Option(0.05, "--alpha", min=1e-9, max=0.5),
    min_agreement: float | None = typer.Option(
        None,
        "--min-agreement",
        min=-1.0,
        max=1.0,
        help="Warn when a judge's agreement with people (proctor review agreement) is below.",
    ),
    show: int = typer.Option(10, "--show", min=0, help="How many regressed/improved samples."),
    resamples: int = typer.Option(10_000, "--resamples", min=100, help="Bootstrap resamples."),
    seed: int = typer.Option(0, "--seed"),
    output: Format = typer.Option(Format.table, "--format", "-f", help="table, json or markdown."),
    db: str | None = DB_OPTION,
) -> None:
    """Compare two runs sample by sample: paired Δ, CIs, p- and q-values, gates for CI."""
    from proctor.compare import compare as run_compare
    from proctor.compare import evaluate_gates
    from proctor.compare._gates import calibration_warnings
    from proctor.errors import ConfigError

    with open_store(db) as store:
        a_ref, b_ref = _pick_runs(store, run_a, run_b, baseline, benchmark)
        comparison = run_compare(
            a_ref,
            b_ref,
            store=store,
            intersect=intersect,
            resamples=resamples,
            seed=seed,
            alpha=alpha,
            show=show,
        )
        warnings = calibration_warnings(store, comparison, min_agreement)
    if not comparison.metrics:
        raise ConfigError(
            "no metric to compare: the runs share no scorer with the same signature"
            + "".join(f"; {name}: {why}" for name, why in comparison.skipped)
        )
    gates = evaluate_gates(
        comparison,
        fail_if=fail_if or (),
        minimums=minimum or (),
        significant_regression=significant,
        alpha=alpha,
    )
    out = console()
    if output is Format.json:
        from proctor.compare._render import to_json

        text = to_json(comparison, gates, warnings)
        out.print(text, markup=False, highlight=False, soft_wrap=True)
    elif output is Format.markdown:
        from proctor.compare._render import to_markdown

        text = to_markdown(comparison, gates, warnings)
        out.print(text, markup=False, highlight=False, soft_wrap=True)
    else:
        from rich.text import Text

        for renderable in comparison_view(comparison, gates):
            out.print(renderable)
        for warning in warnings:
            out.print(Text("warning: ", style="yellow") + Text(warning))
    raise typer.Exit(EXIT_ERRORS if any(not g.passed for g in gates) else EXIT_OK)


def _pick_runs(
    store: Store,
    run_a: str | None,
    run_b: str | None,
    baseline: str | None,
    benchmark: str | None,
) -> tuple[str, str]:
    from proctor.errors import ConfigError

    if baseline is None:
        if run_a is None or run_b is None:
            raise ConfigError("give two runs (RUN_A RUN_B), or --baseline RUN_B")
        if benchmark is not None:
            raise ConfigError("--benchmark goes with --baseline latest")
        return run_a, run_b
    if run_a is not None:
        raise ConfigError("give either two runs or --baseline RUN_B, not both")
    if baseline == "latest":
        found = store.list_runs(limit=1, benchmark=benchmark)
        if not found:
            raise ConfigError(
                "no run in the store" + (f" of benchmark {benchmark!r}" if benchmark else "")
            )
        candidate = found[0]
    else:
        if benchmark is not None:
            raise ConfigError("--benchmark goes with --baseline latest")
        candidate = store.get_run(baseline)
    base = store.get_baseline(candidate.benchmark)
    if base is None:
        raise ConfigError(
            f"benchmark {candidate.benchmark!r} has no baseline; name one with "
            "`proctor baseline set RUN_ID`"
        )
    if base.id == candidate.id:
        raise ConfigError(
            f"run {candidate.id} is the baseline of {candidate.benchmark!r} itself; "
            "run a candidate first"
        )
    return base.id, candidate.id


def comparison_view(comparison: Comparison, gates: list[GateResult]) -> list[Any]:
    """The Rich renderables of a comparison (header, metrics, gates, samples)."""
    from rich.table import Table
    from rich.text import Text

    from proctor.cli._tables import clip
    from proctor.compare._render import fmt, fmt_p

    a, b = comparison.run_a, comparison.run_b
    parts: list[Any] = [
        Text(f"{a.benchmark}: baseline {a.id} ({a.model_spec}) → candidate {b.id} ", style="bold")
        + Text(f"({b.model_spec})", style="bold"),
        Text(
            f"paired samples {comparison.n_shared} · only in A {comparison.n_only_a} · only in B "
            f"{comparison.n_only_b}"
            + (" · different task versions: shared sample ids only" if comparison.intersect else "")
            + f" · {comparison.resamples:,} bootstrap resamples, seed {comparison.seed}"
        ),
    ]
    table = Table(title="Δ = B − A (95% paired CI; q: Benjamini–Hochberg)", title_justify="left")
    for column in ("metric", "A", "B", "Δ", "95% CI", "p", "q", "n", "test", ""):
        table.add_column(
            column, justify="right" if column in ("A", "B", "Δ", "p", "q", "n") else "left"
        )
    styles = {"regressed": "bold red", "improved": "bold green"}
    for m in comparison.metrics:
        label = m.name if m.slice_key is None else f"  [{m.slice_key}={m.slice_value}]"
        ci = (
            "—"
            if m.ci_low is None
            else f"[{fmt(m.ci_low, sign=True)}, {fmt(m.ci_high, sign=True)}]"
        )
        note = m.status if m.status != "unchanged" else ""
        if m.status == "unchanged" and m.slice_key is None and m.detectable is not None:
            note = f"detectable ≥ {m.detectable:.3f}"
        if m.dropped:
            note += f" ({m.dropped} dropped)"
        table.add_row(
            Text(label + ("" if m.slice_key else (" ↑" if m.higher_is_better else " ↓"))),
            fmt(m.a),
            fmt(m.b),
            fmt(m.delta, sign=True),
            ci,
            fmt_p(m.p_value),
            fmt_p(m.q_value),
            str(m.n),
            m.test,
            Text(note, style=styles.get(m.status, "dim")),
        )
    parts.append(table)
    for name, why in comparison.skipped:
        parts.append(Text("not compared: ", style="yellow") + Text(f"{name} — {why}"))
    for title, changes in (("Regressed", comparison.regressed), ("Improved", comparison.improved)):
        if not changes:
            continue
        samples = Table(title=f"{title} samples", title_justify="left")
        for column in ("sample", "scorer", "A", "B", "input", "output A", "output B"):
            samples.add_column(column, overflow="fold")
        for c in changes:
            samples.add_row(
                Text(c.sample_id),
                Text(c.scorer),
                f"{c.a:.3g}",
                f"{c.b:.3g}",
                Text(clip(_last_user(c.input), 50)),
                Text(clip(c.output_a, 50)),
                Text(clip(c.output_b, 50)),
            )
        parts.append(samples)
    if gates:
        failed = [g for g in gates if not g.passed]
        parts.append(
            Text(
                f"gates: {'FAILED' if failed else 'passed'} "
                f"({len(gates) - len(failed)}/{len(gates)})",
                style="bold red" if failed else "bold green",
            )
        )
        for g in gates:
            parts.append(
                Text("  ✔ " if g.passed else "  ✘ ", style="green" if g.passed else "red")
                + Text(f"{g.rule} — {g.detail}")
            )
    return parts


def _last_user(value: Any) -> Any:
    """A stored chat input shown as its last user message; a plain prompt as it is."""
    if isinstance(value, list):
        for message in reversed(value):
            if isinstance(message, dict) and message.get("role") == "user":
                return message.get("content")
    return value


baseline_app = typer.Typer(
    name="baseline",
    help="Name the run each benchmark's candidates are compared with.",
    no_args_is_help=True,
)


@baseline_app.command("set")
@handle_errors
def baseline_set(
    run_id: str = typer.Argument(..., help="The run to make its benchmark's baseline."),
    db: str | None = DB_OPTION,
) -> None:
    """Make RUN_ID the baseline of its benchmark (`proctor compare --baseline RUN_B`)."""
    from rich.text import Text

    with open_store(db) as store:
        run = store.set_baseline(run_id)
    console().print(Text(f"baseline of {run.benchmark}: {run.id} ({run.model_spec})"))


@baseline_app.command("show")
@handle_errors
def baseline_show(db: str | None = DB_OPTION) -> None:
    """List every benchmark's baseline."""
    from rich.table import Table
    from rich.text import Text

    with open_store(db) as store:
        rows = [(b, store.get_run(r), t) for b, r, t in store.list_baselines()]
    if not rows:
        console().print("no baselines yet: `proctor baseline set RUN_ID`")
        return
    table = Table()
    for column in ("benchmark", "run", "model", "label", "set (UTC)"):
        table.add_column(column)
    for bench, run, when in rows:
        table.add_row(
            Text(bench),
            run.id,
            Text(run.model_spec),
            Text(run.label or ""),
            when.strftime("%Y-%m-%d %H:%M"),
        )
    console().print(table)


@handle_errors
def history(
    benchmark: str = typer.Argument(..., help="Benchmark name, as `proctor runs` shows it."),
    limit: int = typer.Option(50, "--limit", "-n", min=1, help="How many recent runs."),
    alpha: float = typer.Option(0.05, "--alpha", min=1e-9, max=0.5),
    resamples: int = typer.Option(2000, "--resamples", min=100),
    output: Format = typer.Option(Format.table, "--format", "-f"),
    db: str | None = DB_OPTION,
) -> None:
    """Every run of BENCHMARK over time; changes significant against the previous run flagged."""
    import json

    from rich.table import Table
    from rich.text import Text

    from proctor.compare import history as run_history
    from proctor.compare._render import fmt

    with open_store(db) as store:
        entries = run_history(store, benchmark, limit=limit, resamples=resamples, alpha=alpha)
    out = console()
    if output is Format.json:
        out.print(
            json.dumps([e.to_dict() for e in entries], indent=2, ensure_ascii=False),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        return
    names = list(dict.fromkeys(name for e in entries for name in e.metrics))
    if output is Format.markdown:
        from proctor.compare._render import _plain

        lines = [
            f"## History of {_plain(benchmark)}",
            "",
            "| run | started | model | label | " + " | ".join(_plain(n) for n in names) + " |",
            "|---|---|---|---|" + "---|" * len(names),
        ]
        for e in entries:
            cells = [_history_cell(e, n, fmt) for n in names]
            lines.append(
                f"| `{e.run.id}` | {e.run.started_at:%Y-%m-%d %H:%M} | "
                f"{_plain(e.run.model_spec)} | {_plain(e.run.label or '')} | "
                + " | ".join(cells)
                + " |"
            )
        out.print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)
        return
    table = Table(
        title=f"{benchmark}: runs oldest first (value [95% CI]; ▲▼ significant vs the "
        "previous comparable run)",
        title_justify="left",
    )
    for column in ("run", "started (UTC)", "model", "label", *names):
        table.add_column(column)
    for e in entries:
        table.add_row(
            e.run.id,
            e.run.started_at.strftime("%Y-%m-%d %H:%M") if e.run.started_at else "",
            Text(e.run.model_spec),
            Text(e.run.label or ""),
            *(_history_text(e, n, fmt) for n in names),
        )
    out.print(table)


def _history_cell(entry: Any, name: str, fmt: Any) -> str:
    m = entry.metrics.get(name)
    if m is None:
        return "—"
    ci = "" if m.ci_low is None else f" [{fmt(m.ci_low)}, {fmt(m.ci_high)}]"
    change = entry.changes.get(name)
    mark = ""
    if change is not None and change.status in ("regressed", "improved"):
        mark = (" ▼ " if change.status == "regressed" else " ▲ ") + f"{change.delta:+.3f}"
    return f"{fmt(m.value)}{ci}{mark}"


def _history_text(entry: Any, name: str, fmt: Any) -> Any:
    from rich.text import Text

    change = entry.changes.get(name)
    style = ""
    if change is not None and change.status == "regressed":
        style = "bold red"
    elif change is not None and change.status == "improved":
        style = "bold green"
    return Text(_history_cell(entry, name, fmt), style=style)


class MetricType(StrEnum):
    binary = "binary"
    continuous = "continuous"


@handle_errors
def plan(
    metric_type: MetricType | None = typer.Option(
        None, "--metric-type", help="binary or continuous."
    ),
    baseline_rate: float | None = typer.Option(
        None, "--baseline", min=0.0, max=1.0, help="Binary: the baseline's success rate."
    ),
    mde: float | None = typer.Option(None, "--mde", min=0.0, help="Difference to detect."),
    correlation: float | None = typer.Option(
        None, "--correlation", min=-1.0, max=1.0, help="Binary: correlation of paired outcomes."
    ),
    sd_diff: float | None = typer.Option(
        None, "--sd-diff", min=0.0, help="Continuous: SD of per-sample differences."
    ),
    n: int | None = typer.Option(
        None, "--n", min=2, help="Samples you have: the smallest detectable difference instead."
    ),
    alpha: float = typer.Option(0.05, "--alpha", min=1e-9, max=0.5, help="One-sided."),
    power: float = typer.Option(0.8, "--power", min=0.01, max=0.999),
    from_runs: list[str] = typer.Option(
        None, "--from", help="Estimate the design from two runs: --from RUN_A --from RUN_B."
    ),
    metric: str | None = typer.Option(None, "--metric", help="With --from: the metric name."),
    db: str | None = DB_OPTION,
) -> None:
    """How many paired samples detect a difference (or what a given n can detect)."""
    from rich.text import Text

    from proctor.compare import _plan
    from proctor.errors import ConfigError

    source = ""
    if from_runs:
        if len(from_runs) != 2:
            raise ConfigError("--from takes two runs: --from RUN_A --from RUN_B")
        from proctor.compare import compare as run_compare

        with open_store(db) as store:
            comparison = run_compare(from_runs[0], from_runs[1], store=store, resamples=200, show=0)
        figure = (
            comparison.metric(metric)
            if metric
            else next((m for m in comparison.metrics if m.slice_key is None), None)
        )
        if figure is None:
            raise ConfigError("the two runs share no metric to plan from")
        if figure.test == "mcnemar":
            metric_type = MetricType.binary
            baseline_rate = figure.a if baseline_rate is None else baseline_rate
            correlation = figure.correlation if correlation is None else correlation
        else:
            metric_type = MetricType.continuous
            sd_diff = figure.diff_sd if sd_diff is None else sd_diff
        source = f"estimated from {figure.name} on {figure.n} paired samples: "
    if metric_type is None:
        raise ConfigError("give --metric-type binary|continuous, or --from RUN_A --from RUN_B")
    out = console()
    if metric_type is MetricType.binary:
        if baseline_rate is None:
            raise ConfigError("a binary plan needs --baseline (the baseline's success rate)")
        rho = _plan.DEFAULT_CORRELATION if correlation is None else correlation
        design = (
            f"{source}binary, baseline {baseline_rate:.3f}, correlation {rho:.2f}"
            + (" (default)" if correlation is None else "")
            + f", one-sided α = {alpha:g}, power {power:.0%}"
        )
        if n is not None:
            found = _plan.detectable_binary(
                n, baseline_rate, correlation=rho, alpha=alpha, power=power
            )
            answer = f"{n} paired samples detect a drop of {found:.4f}"
        else:
            if mde is None:
                raise ConfigError("give --mde (the difference to detect), or --n")
            need = _plan.plan_binary(baseline_rate, mde, correlation=rho, alpha=alpha, power=power)
            answer = f"{need} paired samples detect a difference of {mde:g}"
    else:
        if sd_diff is None:
            raise ConfigError("a continuous plan needs --sd-diff (SD of per-sample differences)")
        design = (
            f"{source}continuous, SD of differences {sd_diff:.4f}, one-sided α = {alpha:g}, "
            f"power {power:.0%}"
        )
        if n is not None:
            found = _plan.detectable_continuous(n, sd_diff, alpha=alpha, power=power)
            answer = f"{n} paired samples detect a difference of {found:.4f}"
        else:
            if mde is None:
                raise ConfigError("give --mde (the difference to detect), or --n")
            need = _plan.plan_continuous(sd_diff, mde, alpha=alpha, power=power)
            answer = f"{need} paired samples detect a difference of {mde:g}"
    out.print(Text(answer, style="bold"))
    out.print(Text(design))
