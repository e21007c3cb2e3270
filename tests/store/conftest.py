"""Fixtures for the store tests: real SQLite files and a real PostgreSQL server.

Every behavioural test runs twice, on a SQLite file under `tmp_path` and on
a PostgreSQL database created for the test module (`proctor_<random>` on
127.0.0.1:5432) and dropped after it. PostgreSQL tests carry the `postgres`
mark; they are skipped, saying why, when no server answers.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql
from store_factories import make_run

from proctor.store import RunRecord, Store

PG_HOST = os.environ.get("PROCTOR_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("PROCTOR_TEST_PG_PORT", "5432"))
PG_ADMIN_DB = "test"

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _pg_user() -> str | None:
    for user in ("postgres", "root"):
        try:
            with psycopg.connect(
                host=PG_HOST, port=PG_PORT, user=user, dbname=PG_ADMIN_DB, connect_timeout=3
            ):
                return user
        except psycopg.Error:
            continue
    return None


@pytest.fixture(scope="session")
def pg_user() -> str:
    user = _pg_user()
    if user is None:
        pytest.skip(f"no PostgreSQL server accepts connections on {PG_HOST}:{PG_PORT}")
    return user


class PgDatabases:
    """Creates throwaway PostgreSQL databases and drops them all at the end."""

    def __init__(self, user: str) -> None:
        self.user = user
        self.names: list[str] = []

    def _admin(self) -> psycopg.Connection[Any]:
        return psycopg.connect(
            host=PG_HOST, port=PG_PORT, user=self.user, dbname=PG_ADMIN_DB, autocommit=True
        )

    def create(self) -> str:
        name = f"proctor_{uuid.uuid4().hex[:12]}"
        with self._admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.names.append(name)
        return f"postgresql://{self.user}@{PG_HOST}:{PG_PORT}/{name}"

    def drop_all(self) -> None:
        with self._admin() as conn:
            for name in self.names:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


@pytest.fixture(scope="module")
def pg_databases(request: pytest.FixtureRequest) -> Iterator[PgDatabases]:
    user = request.getfixturevalue("pg_user")
    databases = PgDatabases(user)
    yield databases
    databases.drop_all()


@pytest.fixture(scope="module")
def pg_module_url(pg_databases: PgDatabases) -> str:
    """One database for the whole test module, brought to the schema head once."""
    url = pg_databases.create()
    Store(url).close()
    return url


def _truncate(url: str) -> None:
    with Store(url) as store, store.engine.begin() as conn:
        conn.exec_driver_sql(
            "TRUNCATE runs, samples, scores, metrics, cache, baselines, pairwise, "
            "pairwise_verdicts, review_sets, review_items, calibrations, traffic, online_rules, "
            "traffic_samples, online_windows, online_scored"
        )


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """A migrated database, empty of data: a SQLite file or the module's PostgreSQL one."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'proctor.db'}"
    url = request.getfixturevalue("pg_module_url")
    _truncate(url)
    return url


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """A database with no tables at all."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    return request.getfixturevalue("pg_databases").create()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with Store(store_url) as opened:
        yield opened


@pytest.fixture
def run_factory(store: Store) -> Callable[..., RunRecord]:
    """Creates runs in `store` and returns them."""

    def create(**overrides: Any) -> RunRecord:
        run = make_run(**overrides)
        store.create_run(run)
        return run

    return create
