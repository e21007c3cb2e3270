"""Fixtures for the viewer's tests: seeded stores on SQLite and PostgreSQL, an in-process
client, and a real uvicorn server on 127.0.0.1 for the browser.

The seeded store is built once per test module and backend; the viewer only reads,
so tests share it. PostgreSQL databases (`proctor_web_<random>` on 127.0.0.1:5432)
are dropped at the end; tests on them are skipped, saying why, when no server answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pg_support import BACKENDS
from web_data import Seeded, client_for, seed


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


@pytest.fixture
def client(seeded: Seeded) -> Iterator[Any]:
    with client_for(seeded.url) as opened:
        yield opened


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
