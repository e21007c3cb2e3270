"""`proctor init`: scaffold a starter custom benchmark."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import typer

from proctor.cli._common import console, handle_errors

_FILES = ("benchmark.yaml", "questions.jsonl", "my_app.py", "README.md")


@handle_errors
def init(directory: Path = typer.Argument(..., help="Folder to create (must be empty).")) -> None:
    """Create a starter custom benchmark: dataset, YAML, an app stub and a README."""
    from proctor.errors import ConfigError

    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise ConfigError(f"{directory} exists and is not an empty folder; choose a new one")
    scaffold = files("proctor.cli") / "scaffold"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for name in _FILES:
            (directory / name).write_text(
                (scaffold / name).read_text(encoding="utf-8"), encoding="utf-8"
            )
    except OSError as exc:
        raise ConfigError(f"cannot create {directory}: {exc.strerror}") from None
    out = console()
    out.print(f"created {directory}/ with {', '.join(_FILES)}")
    out.print(f"next: proctor run {directory}/benchmark.yaml --model python:my_app:answer")
