"""Fixtures for the store tests: real SQLite files and a real PostgreSQL server.

Every behavioural test runs twice, on a SQLite file under `tmp_path` and on
a PostgreSQL database created for the test module (`proctor_<random>` on
127.0.0.1:5432) and dropped after it. PostgreSQL tests carry the `postgres`
mark; they are skipped, saying why, when no server answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pg_support import BACKENDS, PgDatabases
from store_factories import make_run

from proctor.store import RunRecord, Store


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
