"""`proctor ingest` and `proctor promote`: production traffic in, failing cases out."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from proctor.cli._common import DB_OPTION, EXIT_ERRORS, EXIT_OK, console, handle_errors, open_store

_SHOWN_ERRORS = 50


class LogFormatChoice(StrEnum):
    auto = "auto"
    openai = "openai"
    otlp = "otlp"
    plain = "plain"


@handle_errors
def ingest(
    files: list[Path] = typer.Argument(..., help="Log files (JSONL, or OTLP JSON exports)."),
    source: str = typer.Option(..., "--source", "-s", help="The traffic source these logs are."),
    log_format: LogFormatChoice = typer.Option(
        LogFormatChoice.auto,
        "--format",
        help="openai (request/response pairs), otlp (OpenTelemetry GenAI spans), plain; "
        "auto tells them apart by their first record.",
    ),
    redactor: list[str] = typer.Option(
        None,
        "--redactor",
        help="python:package.module:function applied after the built-in patterns, "
        "text -> text (repeatable).",
    ),
    redact: bool = typer.Option(
        True, "--redact/--no-redact", help="The built-in e-mail, phone and card patterns."
    ),
    batch_size: int = typer.Option(5_000, "--batch-size", min=1, help="Rows per transaction."),
    db: str | None = DB_OPTION,
) -> None:
    """Store production logs as traffic: redacted first, each record once, bad lines reported."""
    from rich.text import Text

    from proctor.online import IngestOptions
    from proctor.online import ingest as run_ingest

    out, err = console(), console(stderr=True)
    options = IngestOptions(
        format=log_format.value,  # type: ignore[arg-type]
        redact=redact,
        redactors=tuple(redactor or ()),
        batch_size=batch_size,
    )
    with open_store(db) as store:
        report = run_ingest(store, files, source=source, options=options)
    for message in report.errors[:_SHOWN_ERRORS]:
        err.print(Text(message), soft_wrap=True)
    if report.failed > _SHOWN_ERRORS:
        err.print(f"... and {report.failed - _SHOWN_ERRORS} more unreadable record(s)")
    formats = ", ".join(f"{path} ({fmt})" for path, fmt in report.files)
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(report.redacted_by_kind.items()))
    out.print(Text(f"source {source}: {formats}"), soft_wrap=True)
    out.print(
        f"read {report.read:,} record(s): stored {report.stored:,} new, "
        f"{report.duplicates:,} already stored; skipped {report.skipped:,} non-GenAI span(s); "
        f"failed {report.failed:,}; redacted {report.redactions:,} span(s) in "
        f"{report.redacted_records:,} record(s)" + (f" ({kinds})" if kinds else "")
    )
    raise typer.Exit(EXIT_ERRORS if report.failed else EXIT_OK)


@handle_errors
def promote(
    run_id: str = typer.Argument(..., help="The run whose failing cases to promote."),
    where: list[str] = typer.Option(
        ...,
        "--where",
        "-w",
        help='A condition on a sample\'s score, e.g. "judge/score < 0.5" (repeatable: all hold).',
    ),
    to: Path = typer.Option(..., "--to", help="The JSONL dataset to append to (created if new)."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="At most N cases, worst first."),
    review: bool = typer.Option(
        False, "--review", help="Also write a Label Studio review set asking for references."
    ),
    input_field: str = typer.Option("input", "--input-field", help="The dataset's input field."),
    target_field: str = typer.Option(
        "target", "--target-field", help="The dataset's reference field (left empty)."
    ),
    db: str | None = DB_OPTION,
) -> None:
    """Append a run's failing cases to a benchmark dataset, with their provenance."""
    from rich.text import Text

    from proctor.online import PromoteOptions
    from proctor.online import promote as run_promote

    out = console()
    options = PromoteOptions(
        where=tuple(where),
        limit=limit,
        review=review,
        input_field=input_field,
        target_field=target_field,
    )
    with open_store(db) as store:
        report = run_promote(store, run_id, to, options=options)
    before = report.version_before or "new file"
    out.print(
        Text(
            f"run {report.run_id}: {report.selected} case(s) selected, {report.added} added to "
            f"{report.dataset}, {report.duplicates} already there; dataset version {before} -> "
            f"{report.version_after or 'unchanged'}"
        ),
        soft_wrap=True,
    )
    if report.review_tasks is not None:
        out.print(
            Text(
                f"review set for Label Studio: tasks {report.review_tasks}, "
                f"labeling config {report.review_config}"
            ),
            soft_wrap=True,
        )
    raise typer.Exit(EXIT_OK)
