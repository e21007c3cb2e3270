"""The online tables: the migration builds them as `_schema_online` defines them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, inspect

import proctor.store._schema_online  # noqa: F401 - the online tables join the metadata
from proctor.store import Store
from proctor.store._engine import resolve_url
from proctor.store._migrate import alembic_config
from proctor.store._online import ensure_tables
from proctor.store._schema import metadata

ONLINE = {"traffic", "online_rules", "traffic_samples", "online_windows", "online_scored"}


def _touches_online(diff: Any) -> bool:
    text = repr(diff)
    return any(f"'{name}'" in text or f"table={name}" in text for name in ONLINE)


def test_the_0005_migration_builds_the_online_tables_as_defined(db_url: str) -> None:
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = create_engine(resolve_url(db_url))
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) >= ONLINE
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
            version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    finally:
        engine.dispose()
    assert [d for d in diff if _touches_online(d)] == []
    assert version == "0005_online"


def test_the_migration_takes_online_tables_created_on_first_use_as_they_are(db_url: str) -> None:
    from alembic import command

    with Store(db_url) as store:
        ensure_tables(store)
        with store.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0004_review'")
            command.upgrade(alembic_config(conn), "head")
        with store.engine.connect() as conn:
            version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    assert version == "0005_online"


def test_a_store_without_the_online_tables_gets_them_on_first_use(db_url: str) -> None:
    with Store(db_url) as store:
        with store.engine.begin() as conn:
            for name in ("online_scored", "online_windows", "traffic_samples", "online_rules"):
                conn.exec_driver_sql(f"DROP TABLE {name}")
            conn.exec_driver_sql("DROP TABLE traffic")
        from proctor.store import _online

        _online._ensured.discard(str(store.engine.url))
        ensure_tables(store)
        with store.engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) >= ONLINE
