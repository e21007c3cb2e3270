"""Opening a store: URLs, schema migration, the fast path, and failures."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import inspect

from proctor.errors import StoreError
from proctor.store import SCHEMA_HEAD, Store
from proctor.store._engine import resolve_url
from proctor.store._migrate import alembic_config
from proctor.store._schema import metadata


def test_schema_head_is_the_head_of_the_migrations() -> None:
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(alembic_config()).get_heads() == [SCHEMA_HEAD]


def test_empty_database_is_migrated_to_head(empty_url: str) -> None:
    with Store(empty_url) as store, store.engine.connect() as conn:
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
        tables = set(inspect(conn).get_table_names())
    assert version == SCHEMA_HEAD
    assert {"runs", "samples", "scores", "metrics", "cache"} <= tables


def test_migrated_schema_matches_the_table_metadata(empty_url: str) -> None:
    """New stores are created from the table metadata; the migrations must build the same."""
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    engine = create_engine(resolve_url(empty_url))
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
            version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    finally:
        engine.dispose()
    assert diff == [] and version == SCHEMA_HEAD


def test_creating_a_new_store_does_not_import_alembic(tmp_path: Path) -> None:
    code = textwrap.dedent(f"""
        import sys
        from proctor.store import Store
        Store("sqlite:///{tmp_path / "new.db"}").close()
        print("alembic" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_reopening_a_migrated_database_does_not_import_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'proctor.db'}"
    Store(url).close()
    script = textwrap.dedent(
        f"""
        import sys
        from proctor.store import Store
        Store({url!r}).close()
        print("alembic" in sys.modules)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


@pytest.mark.postgres
def test_reopening_postgres_does_not_import_alembic(pg_module_url: str) -> None:
    script = f"import sys; from proctor.store import Store; Store({pg_module_url!r}).close(); "
    script += "print('alembic' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


def test_a_schema_newer_than_proctor_is_refused(empty_url: str) -> None:
    with Store(empty_url) as store, store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    with pytest.raises(StoreError, match=r"9999_from_the_future.*upgrade Proctor"):
        Store(empty_url)


def test_default_url_is_a_sqlite_file_under_dot_proctor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PROCTOR_DB", raising=False)
    with Store() as store:
        assert store.display_url == "sqlite:///./.proctor/proctor.db"
    assert (tmp_path / ".proctor" / "proctor.db").is_file()


def test_url_comes_from_proctor_db_when_not_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROCTOR_DB", f"sqlite:///{tmp_path / 'from-env.db'}")
    Store().close()
    assert (tmp_path / "from-env.db").is_file()


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_postgres_urls_use_psycopg_3(scheme: str) -> None:
    assert resolve_url(f"{scheme}://u@h/db").drivername == "postgresql+psycopg"


def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path / 'p.db'}") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() > 0


def test_a_store_that_cannot_be_opened_raises_with_the_password_masked() -> None:
    url = "postgresql://ann:s3cret@127.0.0.1:1/evals?connect_timeout=2"
    with pytest.raises(StoreError) as caught:
        Store(url)
    message = str(caught.value)
    assert "s3cret" not in message
    assert "ann:***@127.0.0.1:1/evals" in message


def test_a_file_that_is_not_a_database_raises_store_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("this is not a database\n" * 100)
    with pytest.raises(StoreError, match=r"notes\.db"):
        Store(f"sqlite:///{path}")


def test_a_sqlite_directory_that_cannot_be_created_raises_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the directory should go\n")
    url = f"sqlite:///{blocker / 'sub' / 'proctor.db'}"
    with pytest.raises(StoreError, match=r"cannot open store sqlite:///.*blocker/sub"):
        Store(url)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_a_sqlite_directory_under_proc_raises_store_error() -> None:
    with pytest.raises(StoreError, match=r"cannot open store sqlite:////proc/nope/x\.db: "):
        Store("sqlite:////proc/nope/x.db")


def test_a_malformed_url_raises_store_error() -> None:
    with pytest.raises(StoreError, match="cannot open store"):
        Store("not a url")


@pytest.mark.postgres
def test_display_url_masks_the_password(pg_module_url: str) -> None:
    url = pg_module_url.replace("@", ":s3cret@", 1)
    with Store(url) as store:
        assert "s3cret" not in store.display_url
        assert ":***@" in store.display_url
        assert "s3cret" not in repr(store)


def test_a_store_made_by_an_older_proctor_is_upgraded_keeping_its_runs(empty_url: str) -> None:
    from datetime import UTC, datetime

    from alembic import command
    from sqlalchemy import create_engine

    engine = create_engine(resolve_url(empty_url))
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0001_initial")
            conn.exec_driver_sql(
                "INSERT INTO runs (id, benchmark, task_version, dataset_version, "
                "selection_version, model_spec, model_config, scorers, n_samples, epochs, "
                "slices, benchmark_spec, environment, status, started_at, n_scored, n_errors, "
                "n_cached) VALUES ('abc123abc123', 'old', 't', 'd', 's', 'python:m:f', '{}', "
                "'[]', 1, 1, '[]', '{}', '{}', 'finished', %s, 1, 0, 0)"
                % ("'" + datetime(2026, 1, 1, tzinfo=UTC).isoformat(sep=" ") + "'"),
            )
    finally:
        engine.dispose()
    with Store(empty_url) as store:
        run = store.get_run("abc123")
        with store.engine.connect() as conn:
            version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            tables = set(inspect(conn).get_table_names())
    assert version == SCHEMA_HEAD
    assert run.benchmark == "old" and run.judge_calls is None
    assert {"pairwise", "pairwise_verdicts"} <= tables
