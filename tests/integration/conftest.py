"""Fixtures for integration tests: real HTTP server, real SQLite and PostgreSQL stores."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _pg_available() -> bool:
    try:
        import psycopg

        psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=test", connect_timeout=3
        ).close()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database on this machine, dropped afterwards."""
    import psycopg

    if not _pg_available():
        subprocess.run(
            "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
            shell=True,
            check=False,
        )
    name = f"proctor_it_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(
        "host=127.0.0.1 port=5432 user=postgres dbname=test", autocommit=True
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    from sqlalchemy import create_engine  # noqa: F401 - make sure engines are gone first

    with psycopg.connect(
        "host=127.0.0.1 port=5432 user=postgres dbname=test", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'proctor.db'}"
    return request.getfixturevalue("pg_url")
