"""Alembic environment for Proctor's store.

Proctor runs migrations programmatically: the `Store` passes an open
connection in `config.attributes["connection"]`, so no `alembic.ini` and no
URL are needed here.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached when run by hand
    raise RuntimeError("Proctor's migrations run through proctor.store.Store, with a connection")

context.configure(
    connection=connection,
    target_metadata=None,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
