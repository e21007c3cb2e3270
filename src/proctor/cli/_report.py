"""`proctor report`: a run as one HTML file that opens offline, or as Markdown."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from proctor.cli._common import DB_OPTION, console, handle_errors, open_store


class ReportFormat(StrEnum):
    html = "html"
    markdown = "markdown"


def _size(n: int) -> str:
    if n < 1024:
        return f"{n:,} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:,.1f} KB"
    return f"{n / (1024 * 1024):,.1f} MB"


@handle_errors
def report(
    run_id: str = typer.Argument(..., help="Run id (or a unique prefix)."),
    compare_with: str | None = typer.Option(
        None,
        "--compare",
        metavar="BASELINE",
        help="Compare with this run (the baseline): paired deltas per metric and slice, "
        "regressed and improved samples.",
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help="File to write. Default: report-RUN.html for HTML; standard output for Markdown.",
    ),
    format: ReportFormat = typer.Option(
        ReportFormat.html, "--format", "-f", help="html (one self-contained file) or markdown."
    ),
    max_samples: int | None = typer.Option(
        None, "--max-samples", min=1, help="Put only the first N samples in the HTML table."
    ),
    db: str | None = DB_OPTION,
) -> None:
    """Write a report of a run: metrics with CIs, slices, score distributions, samples."""
    from proctor.errors import ConfigError

    with open_store(db) as store:
        run = store.get_run(run_id)
        if format is ReportFormat.markdown:
            from proctor.report import run_markdown

            text = run_markdown(store, run.id, compare_with=compare_with)
        else:
            from proctor.report import render_report

            text = render_report(store, run.id, compare_with=compare_with, max_samples=max_samples)
    if format is ReportFormat.markdown and output is None:
        console().print(text, markup=False, highlight=False, soft_wrap=True, end="")
        return
    path = output or Path(f"report-{run.id}.html")
    # a lone surrogate in stored text cannot be encoded: it becomes "?" rather than failing
    data = text.encode("utf-8", errors="replace")
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise ConfigError(f"cannot write the report to {path}: {exc.strerror or exc}") from None
    console().print(f"wrote {path} ({_size(len(data))})", markup=False, highlight=False)
