"""Run the real `proctor` command in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

Proctor = Callable[..., subprocess.CompletedProcess]


@pytest.fixture
def proctor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Proctor:
    """`proctor(*args)` runs the CLI in tmp_path with its own SQLite store."""
    db = f"sqlite:///{tmp_path / 'proctor.db'}"

    def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
        env_db = {"PROCTOR_DB": db, "COLUMNS": "200", "NO_COLOR": "1"}
        import os

        return subprocess.run(
            [sys.executable, "-m", "proctor", *args],
            cwd=cwd or tmp_path,
            capture_output=True,
            text=True,
            env={**os.environ, **env_db},
            timeout=120,
        )

    return run
