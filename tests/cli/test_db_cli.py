"""`proctor db current` and `proctor db upgrade` on a store an older Proctor made."""

from __future__ import annotations

from pathlib import Path

from proctor.store import SCHEMA_HEAD


def test_an_older_store_is_reported_then_upgraded(proctor, tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import create_engine

    from proctor.store._migrate import alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001_initial")
    engine.dispose()
    before = proctor("db", "current", "--db", url)
    assert before.returncode == 0, before.stderr
    assert "schema 0001_initial" in before.stdout and "needs `proctor db upgrade`" in before.stdout
    upgraded = proctor("db", "upgrade", "--db", url)
    assert upgraded.returncode == 0 and f"schema at {SCHEMA_HEAD}" in upgraded.stdout
    after = proctor("db", "current", "--db", url)
    assert f"schema {SCHEMA_HEAD}" in after.stdout and "up to date" in after.stdout


def test_an_unreachable_store_is_one_line(proctor) -> None:
    result = proctor("db", "current", "--db", "postgresql://nobody@127.0.0.1:1/none")
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "cannot open store" in result.stderr
