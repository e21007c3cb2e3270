"""The `proctor` command line: a thin layer over the library.

Exit codes, the same for every command: 0 success; 1 the run finished but
some samples errored; 2 a user error (bad file, unknown scorer, ...);
130 interrupted with Ctrl-C (everything finished is saved).
"""

from __future__ import annotations

import typer

from proctor.cli._catalog import catalog
from proctor.cli._compare import baseline_app, compare, history, plan
from proctor.cli._db import db_app
from proctor.cli._export import export
from proctor.cli._ingest import ingest, promote
from proctor.cli._init import init
from proctor.cli._online import online_app
from proctor.cli._pairwise import pairwise
from proctor.cli._report import report
from proctor.cli._review import review_app
from proctor.cli._run import run
from proctor.cli._runs import runs, show
from proctor.cli._score import score
from proctor.cli._serve import serve

app = typer.Typer(
    name="proctor",
    help="Build, run and track benchmarks for LLMs and the systems built on them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(run)
app.command()(runs)
app.command()(show)
app.command()(score)
app.command()(compare)
app.add_typer(baseline_app)
app.add_typer(review_app)
app.command()(history)
app.command()(plan)
app.command()(export)
app.command()(init)
app.command()(catalog)
app.command()(pairwise)
app.command()(report)
app.command()(serve)
app.command()(ingest)
app.command()(promote)
app.add_typer(online_app)
app.add_typer(db_app)


def main() -> None:
    """Entry point of the `proctor` script."""
    app()
