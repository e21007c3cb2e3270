"""Bring a store's schema to `SCHEMA_HEAD` when it is opened.

The common case, a database already at the head, costs one small query.
A new, empty database gets the head schema straight from the table
definitions and is stamped with `SCHEMA_HEAD`, as Alembic's documentation
recommends for new databases (a test checks that this schema and the
migrated one are the same). Alembic, slow to import, is loaded only to
upgrade a database at an older revision.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from proctor.errors import StoreError
from proctor.store._engine import mask_url
from proctor.store._schema import SCHEMA_HEAD, metadata

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["MIGRATIONS_DIR", "alembic_config", "current_revisions", "ensure_schema"]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Serialises concurrent first-time migrations of one PostgreSQL database.
_PG_LOCK_KEY = 0x50524F43544F52


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for Proctor's migrations, built in code."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def current_revisions(connection: Connection) -> set[str]:
    """The revisions recorded in `alembic_version`; empty for a new database."""
    try:
        with connection.begin():
            rows = connection.execute(text("SELECT version_num FROM alembic_version"))
            return {row[0] for row in rows}
    except DBAPIError:
        return set()


def ensure_schema(engine: Engine) -> None:
    """Migrate `engine`'s database to `SCHEMA_HEAD`; `StoreError` if that fails."""
    where = mask_url(engine.url)
    try:
        with engine.connect() as connection:
            revisions = current_revisions(connection)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open store {where}: {_reason(exc)}") from exc
    if revisions == {SCHEMA_HEAD}:
        return
    try:
        if not revisions and _create_fresh(engine):
            return
        _upgrade(engine, revisions)
    except StoreError:
        raise
    except Exception as exc:
        # Another process may have migrated the same database at the same time.
        with engine.connect() as connection:
            if current_revisions(connection) == {SCHEMA_HEAD}:
                return
        raise StoreError(f"cannot migrate store {where}: {_reason(exc)}") from exc


def _lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})


def _create_fresh(engine: Engine) -> bool:
    """Create the head schema in a database without tables; False if it has some."""
    from sqlalchemy import inspect

    with engine.begin() as connection:
        _lock(connection)
        if inspect(connection).get_table_names():
            return False
        metadata.create_all(connection)
        connection.execute(
            text(
                "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
            )
        )
        connection.execute(
            text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": SCHEMA_HEAD}
        )
    return True


def _upgrade(engine: Engine, revisions: set[str]) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    with engine.begin() as connection:
        _lock(connection)
        config = alembic_config(connection)
        known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
        unknown = revisions - known
        if unknown:
            raise StoreError(
                f"store {mask_url(engine.url)} has schema revision {', '.join(sorted(unknown))}, "
                f"newer than this Proctor knows ({SCHEMA_HEAD}); upgrade Proctor"
            )
        command.upgrade(config, "head")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        return str(exc.orig).strip().splitlines()[0]
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
