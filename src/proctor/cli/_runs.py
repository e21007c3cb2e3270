"""`proctor runs` and `proctor show`: look at stored runs again."""

from __future__ import annotations

from typing import Any

import typer

from proctor.cli._common import DB_OPTION, console, fmt_cost, fmt_float, handle_errors, open_store


@handle_errors
def runs(
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="How many runs to list."),
    benchmark: str | None = typer.Option(None, "--benchmark", help="Only this benchmark."),
    model: str | None = typer.Option(None, "--model", help="Only this model spec."),
    label: str | None = typer.Option(None, "--label", help="Only runs with this label."),
    db: str | None = DB_OPTION,
) -> None:
    """List stored runs, newest first."""
    from rich.table import Table
    from rich.text import Text

    with open_store(db) as store:
        records = store.list_runs(limit=limit, benchmark=benchmark, model=model, label=label)
        headline = {r.id: next(iter(store.get_metrics(r.id)), None) for r in records}
    table = Table(title_justify="left")
    table.add_column("run", no_wrap=True, min_width=12)
    for column in (
        "started (UTC)",
        "benchmark",
        "model",
        "label",
        "status",
        "scored",
        "errors",
        "headline",
    ):
        table.add_column(column)
    for r in records:
        m = headline[r.id]
        started = r.started_at.strftime("%Y-%m-%d %H:%M") if r.started_at else ""
        head = Text("" if m is None else f"{m.name} {fmt_float(m.value)}")
        table.add_row(
            r.id,
            started,
            Text(r.benchmark),
            Text(r.model_spec),
            Text(r.label or ""),
            r.status,
            f"{r.n_scored}/{r.n_samples * r.epochs}",
            str(r.n_errors),
            head,
        )
    out = console()
    if not records:
        out.print("no runs yet: start one with `proctor run BENCHMARK.yaml --model SPEC`")
        return
    out.print(table)


@handle_errors
def show(
    run_id: str = typer.Argument(
        ..., help="Run id, or pairwise comparison id (or a unique prefix)."
    ),
    worst: int = typer.Option(5, "--worst", min=0, help="How many of the worst samples to show."),
    sample: str | None = typer.Option(
        None,
        "--sample",
        help="Show this sample in full: every score, judge prompt hashes and explanations, "
        "rubric criteria met or not with their points.",
    ),
    db: str | None = DB_OPTION,
) -> None:
    """Show a run: configuration, metrics with CIs and slices, and its worst samples."""
    from rich.table import Table
    from rich.text import Text

    from proctor.cli._tables import clip, metrics_table

    out = console()
    if sample is not None:
        from proctor.cli._sample_view import sample_lines
        from proctor.errors import ConfigError

        with open_store(db) as store:
            r = store.get_run(run_id)
            found = [rec for rec in store.iter_samples(r.id) if rec.sample_id == sample]
        if not found:
            raise ConfigError(f"run {r.id} has no sample {sample!r}")
        for record in found:
            for line in sample_lines(record):
                out.print(line)
        return
    with open_store(db) as store:
        r = _run_or_none(store, run_id)
        if r is None:  # not a run: a pairwise comparison, or the run's own error
            out.print(_pairwise_or_raise(store, run_id))
            return
        metrics = store.get_metrics(r.id)
        worst_rows = _worst(store, r.id, worst) if worst else []
    out.print(Text(f"run {r.id} · {r.benchmark} · task version {r.task_version}", style="bold"))
    details = [
        ("model", r.model_spec),
        ("generation", str(r.model_config.get("generate") or {})),
        ("label", r.label or "—"),
        ("status", r.status),
        ("started", str(r.started_at)),
        ("finished", str(r.finished_at)),
        ("dataset", f"{r.dataset_version} (selection {r.selection_version})"),
        (
            "samples",
            f"{r.n_samples} × {r.epochs} epoch(s); scored {r.n_scored}, "
            f"errors {r.n_errors}, from cache {r.n_cached}",
        ),
        (
            "tokens",
            f"in {r.input_tokens if r.input_tokens is not None else 'n/a'}, "
            f"out {r.output_tokens if r.output_tokens is not None else 'n/a'}",
        ),
        ("cost", fmt_cost(r.cost)),
        (
            "judges",
            f"{r.judge_calls} call(s), tokens in {r.judge_input_tokens or 0} / out "
            f"{r.judge_output_tokens or 0}, cost {fmt_cost(r.judge_cost)}"
            if r.judge_calls
            else "—",
        ),
        ("scorers", ", ".join(s.get("signature", s.get("name", "?")) for s in r.scorers)),
        ("git commit", str(r.environment.get("git_commit") or "—")),
    ]
    for key, value in details:
        out.print(Text(f"  {key:<11} ") + Text(value))
    out.print(metrics_table(metrics))
    if worst_rows:
        table = Table(title=f"Worst {len(worst_rows)} samples", title_justify="left")
        for column in ("sample", "epoch", "input", "output", "target", "scores / error"):
            table.add_column(column, overflow="fold")
        for rec in worst_rows:
            if rec.error is not None:
                verdict = Text(rec.error, style="red")
            else:
                verdict = Text("; ".join(_brief(s) for s in rec.scores))
            table.add_row(
                Text(rec.sample_id),
                str(rec.epoch),
                Text(clip(rec.input, 60)),
                Text(clip(rec.output, 60)),
                Text(clip(rec.target, 30)),
                verdict,
            )
        out.print(table)


def _run_or_none(store: Any, ref: str) -> Any:
    from proctor.errors import StoreError

    try:
        return store.get_run(ref)
    except StoreError:
        return None


def _pairwise_or_raise(store: Any, ref: str) -> Any:
    """The stored pairwise comparison `ref` names; else the error looking up a run gives."""
    from proctor.cli._pairwise import render_pairwise
    from proctor.errors import StoreError

    try:
        return render_pairwise(store, ref)
    except StoreError:
        store.get_run(ref)  # raises the run lookup's own message (none, or ambiguous)
        raise


def _brief(score: object) -> str:
    """`judge=0.75 [judge_v1:1a2b3c] (why...)`; rubric scores also count criteria met."""
    from proctor.cli._tables import clip

    s: Any = score
    text = f"{s.scorer}={s.value if s.error is None else 'ERROR'}"
    meta = s.metadata or {}
    if meta.get("prompt"):
        text += f" [{meta['prompt']}]"
    criteria = meta.get("criteria")
    if isinstance(criteria, list) and criteria:
        met = sum(1 for c in criteria if isinstance(c, dict) and c.get("met"))
        text += f" {met}/{len(criteria)} criteria met"
    reason = s.explanation or s.error
    return text + (f" ({clip(reason, 60)})" if reason else "")


def _badness(record: object) -> tuple[int, float]:
    """Errors first, then the lowest mean numeric score."""
    if record.error is not None or any(s.error for s in record.scores):  # type: ignore[attr-defined]
        return (0, 0.0)
    values = [
        float(s.value)
        for s in record.scores  # type: ignore[attr-defined]
        if isinstance(s.value, bool | int | float) and s.source != "human"
    ]
    return (1, sum(values) / len(values) if values else 1.0)


def _worst(store: object, run_id: str, n: int) -> list:
    import heapq

    return heapq.nsmallest(n, store.iter_samples(run_id), key=_badness)  # type: ignore[attr-defined]
