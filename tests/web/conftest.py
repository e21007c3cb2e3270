"""Fixtures for the viewer's tests: seeded stores on SQLite and PostgreSQL, an in-process
client, and a real uvicorn server on 127.0.0.1 for the browser.

The seeded store is built once per test module and backend; the viewer only reads,
so tests share it. PostgreSQL databases (`proctor_web_<random>` on 127.0.0.1:5432)
are dropped at the end; tests on them are skipped, saying why, when no server answers.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from web_data import Seeded, seed

PG_HOST = os.environ.get("PROCTOR_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("PROCTOR_TEST_PG_PORT", "5432"))
LOCAL = "http://127.0.0.1"  # the Host the viewer answers without a token

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


class PgDatabases:
    """Throwaway PostgreSQL databases, all dropped at the end."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.user = self._user()

    @staticmethod
    def _user() -> str:
        import psycopg

        for user in ("postgres", "root"):
            try:
                with psycopg.connect(
                    host=PG_HOST, port=PG_PORT, user=user, dbname="test", connect_timeout=3
                ):
                    return user
            except psycopg.Error:
                continue
        pytest.skip(f"no PostgreSQL server accepts connections on {PG_HOST}:{PG_PORT}")
        raise AssertionError("unreachable")

    def _admin(self) -> Any:
        import psycopg

        return psycopg.connect(
            host=PG_HOST, port=PG_PORT, user=self.user, dbname="test", autocommit=True
        )

    def create(self) -> str:
        from psycopg import sql

        name = f"proctor_web_{uuid.uuid4().hex[:10]}"
        with self._admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.names.append(name)
        return f"postgresql://{self.user}@{PG_HOST}:{PG_PORT}/{name}"

    def drop_all(self) -> None:
        from psycopg import sql

        with self._admin() as conn:
            for name in self.names:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


@pytest.fixture(scope="module")
def pg_databases() -> Iterator[PgDatabases]:
    databases = PgDatabases()
    yield databases
    databases.drop_all()


def _empty_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, backend: str
) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('web') / 'proctor.db'}"
    return request.getfixturevalue("pg_databases").create()


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """The module's seeded store on each backend (see `web_data.seed`)."""
    return seed(_empty_url(request, tmp_path_factory, request.param))


@pytest.fixture(scope="module")
def seeded_sqlite(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Seeded:
    """A seeded SQLite store, for tests that need one backend only (the browser's)."""
    return seed(_empty_url(request, tmp_path_factory, "sqlite"))


@pytest.fixture(scope="module", params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """An empty database on each backend, for a module to fill as it needs."""
    return _empty_url(request, tmp_path_factory, request.param)


@contextmanager
def client_for(url: str, *, token: str | None = None, base_url: str = LOCAL) -> Iterator[Any]:
    """An in-process client of the viewer over `url` (lifespan run, store closed after)."""
    from fastapi.testclient import TestClient

    from proctor.web import create_app

    with TestClient(create_app(url, token=token), base_url=base_url) as client:
        yield client


@pytest.fixture
def client(seeded: Seeded) -> Iterator[Any]:
    with client_for(seeded.url) as opened:
        yield opened


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def live_server(url: str, *, token: str | None = None) -> Iterator[str]:
    """The viewer over `url` served by uvicorn on a free 127.0.0.1 port, in a thread."""
    import uvicorn

    from proctor.web import create_app

    port = _free_port()
    config = uvicorn.Config(
        create_app(url, token=token),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the viewer did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium through Playwright, one per module (skips when missing)."""
    from browser_support import browser

    with browser() as launched:
        yield launched


@pytest.fixture
def dialogs() -> list[str]:
    """Messages of the dialogs (alert, confirm, prompt) the page tried to open."""
    return []


@pytest.fixture
def console_errors() -> list[str]:
    """The page's console errors: a script the CSP blocked would show here."""
    return []


@pytest.fixture
def page(chromium: Any, dialogs: list[str], console_errors: list[str]) -> Iterator[Any]:
    """A fresh page (own cookies), 1280×900, recording dialogs and console errors."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(15_000)

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    opened.on("dialog", on_dialog)
    opened.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    try:
        yield opened
    finally:
        context.close()
