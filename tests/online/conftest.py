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
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

PG_HOST = os.environ.get("PROCTOR_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("PROCTOR_TEST_PG_PORT", "5432"))
FIXTURES = Path(__file__).resolve().parent / "fixtures"
HERE = Path(__file__).resolve().parent

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


class PgDatabases:
    """Throwaway PostgreSQL databases, all dropped at the end."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.user = self._user()

    @staticmethod
    def _user() -> str:
        import psycopg

        for user in ("postgres", "root"):
            try:
                with psycopg.connect(
                    host=PG_HOST, port=PG_PORT, user=user, dbname="test", connect_timeout=3
                ):
                    return user
            except psycopg.Error:
                continue
        pytest.skip(f"no PostgreSQL server accepts connections on {PG_HOST}:{PG_PORT}")
        raise AssertionError("unreachable")

    def _admin(self) -> Any:
        import psycopg

        return psycopg.connect(
            host=PG_HOST, port=PG_PORT, user=self.user, dbname="test", autocommit=True
        )

    def create(self) -> str:
        from psycopg import sql

        name = f"proctor_online_{uuid.uuid4().hex[:10]}"
        with self._admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.names.append(name)
        return f"postgresql://{self.user}@{PG_HOST}:{PG_PORT}/{name}"

    def drop_all(self) -> None:
        from psycopg import sql

        with self._admin() as conn:
            for name in self.names:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


@pytest.fixture(scope="module")
def pg_databases() -> Iterator[PgDatabases]:
    databases = PgDatabases()
    yield databases
    databases.drop_all()


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
