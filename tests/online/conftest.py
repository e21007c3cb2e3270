"""Fixtures for continuous evaluation: real SQLite files and real PostgreSQL databases.

Tests taking `db_url` run twice: on a SQLite file under `tmp_path`, and on a
fresh PostgreSQL database (`proctor_online_<random>` on 127.0.0.1:5432),
dropped at the end of the module. PostgreSQL runs carry the `postgres` mark
and are skipped, saying why, when no server answers. `proctor(*args)` runs
the real command line in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pg_support import BACKENDS

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HERE = Path(__file__).resolve().parent


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'proctor.db'}"
    return request.getfixturevalue("pg_databases").create()


@pytest.fixture
def store(db_url: str) -> Iterator[Any]:
    from proctor.store import Store

    with Store(db_url) as opened:
        yield opened


Proctor = Callable[..., subprocess.CompletedProcess]


@pytest.fixture
def proctor(tmp_path: Path) -> Proctor:
    """`proctor(*args, db=URL)` runs the CLI in tmp_path, with this folder on PYTHONPATH."""

    def run(*args: str, db: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
        env = {
            **os.environ,
            "PROCTOR_DB": db,
            "COLUMNS": "200",
            "NO_COLOR": "1",
            "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
        }
        return subprocess.run(
            [sys.executable, "-m", "proctor", *args],
            cwd=cwd or tmp_path,
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )

    return run
