"""Shared test set-up: `tests/` on sys.path for helper modules such as openai_server."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def pg_user() -> str:
    """The PostgreSQL user the tests connect as; skips when no server answers."""
    from pg_support import PG_HOST, PG_PORT
    from pg_support import pg_user as find_user

    user = find_user()
    if user is None:
        pytest.skip(f"no PostgreSQL server accepts connections on {PG_HOST}:{PG_PORT}")
    return user


@pytest.fixture(scope="module")
def pg_databases(request: pytest.FixtureRequest):
    """Throwaway databases for one test module, dropped after it (see pg_support)."""
    from pg_support import PgDatabases

    databases = PgDatabases(request.getfixturevalue("pg_user"))
    yield databases
    databases.drop_all()
