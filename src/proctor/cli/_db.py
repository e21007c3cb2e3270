"""`proctor db`: the store's schema — where it stands, and bringing it up to date.

Every command migrates the store it opens, so a team sharing one PostgreSQL
database needs nothing more than the same `PROCTOR_DB`. `proctor db upgrade`
does it on purpose (say, from a deployment step before the cron jobs start),
and `proctor db current` tells the revision without changing anything.
"""

from __future__ import annotations

import typer

from proctor.cli._common import DB_OPTION, console, handle_errors

db_app = typer.Typer(
    name="db", help="The store's schema: its revision, and migrating it.", no_args_is_help=True
)


@db_app.command("current")
@handle_errors
def db_current(db: str | None = DB_OPTION) -> None:
    """Print the store's schema revision and the one this Proctor expects (no change made)."""
    import os

    from rich.text import Text
    from sqlalchemy.exc import SQLAlchemyError

    from proctor.errors import StoreError
    from proctor.store import SCHEMA_HEAD
    from proctor.store._engine import make_engine, mask_url, resolve_url
    from proctor.store._migrate import _reason, current_revisions

    url = resolve_url(db or os.environ.get("PROCTOR_DB"))
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            revisions = current_revisions(connection)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open store {mask_url(url)}: {_reason(exc)}") from exc
    finally:
        engine.dispose()
    found = ", ".join(sorted(revisions)) or "none (an empty database)"
    state = "up to date" if revisions == {SCHEMA_HEAD} else "needs `proctor db upgrade`"
    console().print(Text(f"{mask_url(url)}: schema {found}; this Proctor: {SCHEMA_HEAD} ({state})"))


@db_app.command("upgrade")
@handle_errors
def db_upgrade(db: str | None = DB_OPTION) -> None:
    """Migrate the store to this Proctor's schema (safe to run from several places at once)."""
    from rich.text import Text

    from proctor.cli._common import open_store
    from proctor.store import SCHEMA_HEAD

    with open_store(db) as store:  # opening migrates, under a lock on PostgreSQL
        shown = store.display_url
    console().print(Text(f"{shown}: schema at {SCHEMA_HEAD}"))
