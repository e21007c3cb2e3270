"""Turn a store URL into a configured SQLAlchemy engine.

Any SQLAlchemy URL is accepted. `postgresql://` and `postgres://` mean
PostgreSQL through psycopg 3. SQLite files get write-ahead logging,
`synchronous=NORMAL`, foreign keys and a busy timeout on every connection.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from proctor.errors import StoreError

__all__ = ["DEFAULT_URL", "ENV_VAR", "make_engine", "mask_url", "resolve_url"]

ENV_VAR = "PROCTOR_DB"
DEFAULT_URL = "sqlite:///./.proctor/proctor.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000

_PASSWORD = re.compile(r"(://[^/@:]*:)[^/@]*@")


def mask_url(url: str | URL) -> str:
    """`url` with any password replaced by `***`, fit to show in messages and logs.

    >>> mask_url("postgresql://ann:secret@db:5432/evals")
    'postgresql://ann:***@db:5432/evals'
    """
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    return _PASSWORD.sub(r"\1***@", url)


def resolve_url(url: str | None) -> URL:
    """The SQLAlchemy URL for `url`, `$PROCTOR_DB` or the default SQLite file."""
    raw = url if url is not None else os.environ.get(ENV_VAR) or DEFAULT_URL
    try:
        parsed = make_url(raw)
    except ArgumentError as exc:
        raise StoreError(f"cannot open store {mask_url(raw)}: {exc}") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


# Values JSON cannot represent natively (dates from YAML or Parquet metadata,
# for instance) are stored as their string form. One encoder, built once: the
# driver calls this for every JSON value of every row.
_json_dumps = json.JSONEncoder(ensure_ascii=False, default=str, separators=(",", ":")).encode


def _is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:")


def make_engine(url: URL) -> Engine:
    """A configured engine for `url`; for a SQLite file, its directory is created."""
    kwargs: dict[str, Any] = {"json_serializer": _json_dumps}
    sqlite = url.get_backend_name() == "sqlite"
    if sqlite and _is_memory(url):
        # One shared connection, so every thread (the writer's too) sees one database.
        kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
    elif sqlite and not url.query.get("uri"):
        directory = Path(url.database).expanduser().parent
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise StoreError(
                f"cannot open store {mask_url(url)}: cannot create directory {directory}: {reason}"
            ) from exc
    try:
        engine = create_engine(url, **kwargs)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise StoreError(f"cannot open store {mask_url(url)}: {exc}") from exc
    if sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()
