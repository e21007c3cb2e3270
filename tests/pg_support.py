"""Throwaway PostgreSQL databases for the tests that run on both backends.

Tests parametrized with `BACKENDS` run on SQLite and on a database of their
own on the PostgreSQL server at 127.0.0.1:5432 (override with
PROCTOR_TEST_PG_HOST/PORT), created by the `pg_databases` fixture (in
`tests/conftest.py`) and dropped after the module. PostgreSQL runs carry the
`postgres` mark and are skipped, saying why, when no server answers.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest

PG_HOST = os.environ.get("PROCTOR_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("PROCTOR_TEST_PG_PORT", "5432"))
PG_ADMIN_DB = "test"

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def pg_user() -> str | None:
    """The first of `postgres`, `root` the server lets in, or None when none answers."""
    import psycopg

    for user in ("postgres", "root"):
        try:
            with psycopg.connect(
                host=PG_HOST, port=PG_PORT, user=user, dbname=PG_ADMIN_DB, connect_timeout=3
            ):
                return user
        except psycopg.Error:
            continue
    return None


class PgDatabases:
    """Creates throwaway PostgreSQL databases and drops them all at the end."""

    def __init__(self, user: str) -> None:
        self.user = user
        self.names: list[str] = []

    def _admin(self) -> Any:
        import psycopg

        return psycopg.connect(
            host=PG_HOST, port=PG_PORT, user=self.user, dbname=PG_ADMIN_DB, autocommit=True
        )

    def create(self) -> str:
        from psycopg import sql

        name = f"proctor_{uuid.uuid4().hex[:12]}"
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
