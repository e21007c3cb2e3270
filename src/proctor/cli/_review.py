"""`proctor review`: spot checks by people in Label Studio, and judges calibrated against them.

proctor review export RUN_ID --scorer NAME [--n 50] [--strategy S] [--blind] -o tasks.json
proctor review import RUN_ID export.json
proctor review push RUN_ID --scorer NAME --url URL --token TOKEN
proctor review pull RUN_ID --url URL --token TOKEN
proctor review agreement RUN_ID --scorer NAME
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from proctor.cli._common import DB_OPTION, console, fmt_float, handle_errors, open_store

if TYPE_CHECKING:
    from proctor.review import Calibration, ImportSummary, Selection

review_app = typer.Typer(
    name="review",
    help="Human review in Label Studio: export tasks with the judge's verdicts, import "
    "people's judgments, measure the judge's agreement with them.",
    no_args_is_help=True,
)

RUN_ARGUMENT = typer.Argument(..., help="Run id (or a unique prefix).")
SCORER_OPTION = typer.Option(
    None, "--scorer", help="The judge or rubric scorer of the run to review."
)
PAIRWISE_OPTION = typer.Option(
    None, "--pairwise", metavar="ID", help="Review a stored pairwise comparison instead."
)
AGAINST_OPTION = typer.Option(
    None, "--against", metavar="RUN", help="With --pairwise of 3+ runs: the other run."
)
N_OPTION = typer.Option(50, "--n", min=1, help="How many units (sample × epoch) to review.")
STRATEGY_OPTION = typer.Option(
    "random",
    "--strategy",
    help="random | stratified (by the run's slices) | disagreement (jury, or judge vs "
    "--reference) | low-confidence (scores near --threshold).",
)
SEED_OPTION = typer.Option(0, "--seed", help="Seed of the selection (recorded).")
BY_OPTION = typer.Option(
    None, "--by", metavar="KEY", help="stratified: metadata key(s) to stratify by."
)
REFERENCE_OPTION = typer.Option(
    None, "--reference", metavar="SCORER", help="disagreement: another scorer of the run."
)
THRESHOLD_OPTION = typer.Option(
    0.5, "--threshold", help="low-confidence: the pass threshold on the 0–1 score."
)
BLIND_OPTION = typer.Option(
    False, "--blind", help="Send no judge verdicts: people judge without the predictions."
)
URL_OPTION = typer.Option(
    None, "--url", envvar="LABEL_STUDIO_URL", help="Label Studio's URL, e.g. http://localhost:8080"
)
TOKEN_OPTION = typer.Option(
    None,
    "--token",
    envvar="LABEL_STUDIO_API_KEY",
    help="Label Studio token: a legacy token or a personal access token.",
)


def _selection(
    strategy: str,
    n: int,
    seed: int,
    by: list[str] | None,
    reference: str | None,
    threshold: float,
) -> Selection:
    from proctor.review import Selection

    return Selection(
        strategy=strategy,  # type: ignore[arg-type]  # checked by Selection
        n=n,
        seed=seed,
        by=tuple(by or ()),
        reference=reference,
        threshold=threshold,
    )


@review_app.command("export")
@handle_errors
def export_tasks(
    run_id: str = RUN_ARGUMENT,
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the tasks (JSON)."),
    scorer: str | None = SCORER_OPTION,
    pairwise: str | None = PAIRWISE_OPTION,
    against: str | None = AGAINST_OPTION,
    n: int = N_OPTION,
    strategy: str = STRATEGY_OPTION,
    seed: int = SEED_OPTION,
    by: list[str] | None = BY_OPTION,
    reference: str | None = REFERENCE_OPTION,
    threshold: float = THRESHOLD_OPTION,
    blind: bool = BLIND_OPTION,
    config: Path | None = typer.Option(
        None, "--config", help="Where to write the labeling config (default: OUTPUT with .xml)."
    ),
    db: str | None = DB_OPTION,
) -> None:
    """Choose units for review; write Label Studio tasks and the labeling config."""
    from rich.text import Text

    from proctor.errors import ConfigError
    from proctor.review import create_review_set

    selection = _selection(strategy, n, seed, by, reference, threshold)
    config_path = config or output.with_suffix(".xml")
    with open_store(db) as store:
        review = create_review_set(
            store,
            run_id,
            scorer=scorer,
            pairwise=pairwise,
            against=against,
            selection=selection,
            blind=blind,
        )
    try:
        output.write_text(json.dumps(review.tasks, indent=2, ensure_ascii=False), "utf-8")
        config_path.write_text(review.config, "utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {exc.filename}: {exc.strerror or exc}") from None
    record = review.record
    console().print(
        Text(
            f"review set {record.id}: {len(review.tasks)} task(s) of {review.available} judged "
            f"unit(s) of {record.scorer} ({record.kind}; {record.strategy}, seed {record.seed}"
            + (", blind" if record.blind else "")
            + f")\ntasks → {output}\nlabeling config → {config_path}"
        )
    )


@review_app.command("import")
@handle_errors
def import_export(
    run_id: str = RUN_ARGUMENT,
    export_file: Path = typer.Argument(
        ..., metavar="EXPORT", help="Label Studio's JSON export (not JSON_MIN)."
    ),
    db: str | None = DB_OPTION,
) -> None:
    """Read people's judgments from a Label Studio JSON export, checked, as human scores."""
    from proctor.review import import_review, read_export

    tasks = read_export(export_file)
    with open_store(db) as store:
        summary = import_review(store, run_id, tasks, source=str(export_file))
    _print_summary(summary)


def _print_summary(summary: ImportSummary, *, prefix: str = "") -> None:
    from rich.text import Text

    origins = ", ".join(f"{k} {v}" for k, v in sorted(summary.origins.items())) or "none"
    lines = [
        f"{prefix}run {summary.run_id}: {summary.tasks} task(s); "
        f"{sum(summary.done.values())} judgment(s) stored as human scores, "
        f"{sum(summary.skipped.values())} skipped; by {len(summary.annotators)} reviewer(s)",
        f"{prefix}the judge's prediction was: {origins}",
    ]
    for review_set in summary.review_sets:
        lines.append(
            f"{prefix}  review set {review_set}: {summary.done[review_set]} done, "
            f"{summary.skipped[review_set]} skipped"
        )
    console().print(Text("\n".join(lines)))


@review_app.command("push")
@handle_errors
def push(
    run_id: str = RUN_ARGUMENT,
    scorer: str | None = SCORER_OPTION,
    pairwise: str | None = PAIRWISE_OPTION,
    against: str | None = AGAINST_OPTION,
    n: int = N_OPTION,
    strategy: str = STRATEGY_OPTION,
    seed: int = SEED_OPTION,
    by: list[str] | None = BY_OPTION,
    reference: str | None = REFERENCE_OPTION,
    threshold: float = THRESHOLD_OPTION,
    blind: bool = BLIND_OPTION,
    url: str | None = URL_OPTION,
    token: str | None = TOKEN_OPTION,
    title: str | None = typer.Option(None, "--title", help="The Label Studio project's title."),
    db: str | None = DB_OPTION,
) -> None:
    """Choose units for review and send them to Label Studio as a new project."""
    from rich.text import Text

    from proctor.errors import ConfigError
    from proctor.review import LabelStudio, push_review

    if url is None:
        raise ConfigError("give Label Studio's URL with --url (or LABEL_STUDIO_URL)")
    client = LabelStudio(url, token or "")
    selection = _selection(strategy, n, seed, by, reference, threshold)
    with open_store(db) as store:
        pushed = push_review(
            store,
            run_id,
            client,
            scorer=scorer,
            pairwise=pairwise,
            against=against,
            selection=selection,
            blind=blind,
            title=title,
        )
    record = pushed.export.record
    console().print(
        Text(
            f"review set {record.id}: {pushed.tasks} task(s) of {record.scorer} "
            f"({record.kind}; {record.strategy}, seed {record.seed}"
            + (", blind" if record.blind else "")
            + f") → project {pushed.project}: {client.url}/projects/{pushed.project}/data"
        )
    )


@review_app.command("pull")
@handle_errors
def pull(
    run_id: str = RUN_ARGUMENT,
    review_set: str | None = typer.Option(
        None, "--review-set", metavar="ID", help="Only this review set (default: every pushed one)."
    ),
    url: str | None = URL_OPTION,
    token: str | None = TOKEN_OPTION,
    db: str | None = DB_OPTION,
) -> None:
    """Fetch people's judgments of the run's pushed review sets from Label Studio."""
    from proctor.errors import ConfigError
    from proctor.review import LabelStudio, pull_review

    if url is None:
        raise ConfigError("give Label Studio's URL with --url (or LABEL_STUDIO_URL)")
    client = LabelStudio(url, token or "")
    with open_store(db) as store:
        results = pull_review(store, run_id, client, review_set=review_set)
    for review_id, summary in results:
        console().print(f"review set {review_id}:")
        _print_summary(summary, prefix="  ")


@review_app.command("agreement")
@handle_errors
def agreement(
    run_id: str = RUN_ARGUMENT,
    scorer: str | None = SCORER_OPTION,
    pairwise: str | None = PAIRWISE_OPTION,
    against: str | None = AGAINST_OPTION,
    resamples: int = typer.Option(1000, "--resamples", min=0, help="Bootstrap resamples."),
    seed: int = typer.Option(12345, "--seed", help="Bootstrap seed."),
    output_format: str = typer.Option("table", "--format", help="table or json."),
    save: bool = typer.Option(
        True, "--save/--no-save", help="Keep the figures as the judge signature's calibration."
    ),
    db: str | None = DB_OPTION,
) -> None:
    """How far the judge agrees with people on the reviewed units, and with what bias."""
    from proctor.errors import ConfigError
    from proctor.review import calibrate

    if output_format not in ("table", "json"):
        raise ConfigError(f"--format must be table or json, got {output_format!r}")
    with open_store(db) as store:
        result = calibrate(
            store,
            run_id,
            scorer=scorer,
            pairwise=pairwise,
            against=against,
            resamples=resamples,
            seed=seed,
            save=save,
        )
    if output_format == "json":
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    for part in render_calibration(result):
        console().print(part)


def _ci(figure: dict[str, Any]) -> str:
    if figure.get("ci_low") is None:
        return "—"
    return f"[{fmt_float(figure['ci_low'])}, {fmt_float(figure['ci_high'])}]"


def render_calibration(result: Calibration) -> list[Any]:
    """The calibration as Rich renderables: what was reviewed, agreement, bias, metrics."""
    from rich.table import Table
    from rich.text import Text

    data = result.to_dict()
    origins = ", ".join(f"{k} {v}" for k, v in sorted(result.origins.items()))
    parts: list[Any] = [
        Text(f"{result.scorer} of run {result.run_id} ({result.kind})", style="bold"),
        Text(f"judge signature {result.signature}", style="dim"),
        Text(
            f"{result.units} unit(s) reviewed, {result.judgments} judgment(s) by "
            f"{len(result.annotators)} reviewer(s), {result.skipped} skipped; "
            f"the judge's prediction was {origins}; review sets {', '.join(result.review_sets)}"
        ),
    ]
    table = Table(title="Agreement (95% CI)", title_justify="left")
    for column, justify in (("between", "left"), ("figure", "left"), ("value", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    table.add_column("95% CI", justify="right")
    table.add_column("n", justify="right")
    for label, figures in (
        ("judge vs people", data["judge_vs_human"]),
        ("people vs people", data["human_vs_human"]),
    ):
        for figure in figures:
            name = figure["name"] + (" *" if figure["name"] == result.headline else "")
            table.add_row(label, name, fmt_float(figure["value"]), _ci(figure), str(figure["n"]))
    parts.append(table)
    bias = result.bias
    if "mean_difference" in bias:
        d = bias["mean_difference"]
        parts.append(
            Text(
                f"bias: judge − people = {fmt_float(d['value'])} {_ci(d)} "
                + ("(rating units)" if result.kind == "rating" else "(score units)")
            )
        )
    if result.kind == "rubric":
        parts.append(
            Text(
                f"criteria over-credited (judge met, people not): {bias['over_credited']}; "
                f"under-credited: {bias['under_credited']}"
            )
        )
        for row in bias["criteria"]:
            parts.append(
                Text(f"  over {row['over']} / under {row['under']} of {row['n']}: ")
                + Text(str(row["name"]))
            )
    if "confusion" in bias:
        cells = ", ".join(f"{c['judge']}→{c['human']}: {c['n']}" for c in bias["confusion"])
        parts.append(Text(f"judge → people: {cells}"))
    if result.human_metrics:
        metrics = Table(title="Metrics on the reviewed samples", title_justify="left")
        for column in ("metric", "people", "95% CI", "judge", "95% CI ", "n"):
            metrics.add_column(column, justify="left" if column == "metric" else "right")
        for row in result.human_metrics:
            human, judge = row["human"], row["judge"]
            metrics.add_row(
                row["name"],
                fmt_float(human["value"]),
                _ci(human),
                fmt_float(judge["value"]),
                _ci(judge),
                str(human["n"]),
            )
        parts.append(metrics)
    parts.append(Text(f"* headline figure, kept for judge signature {result.signature}"))
    return parts
