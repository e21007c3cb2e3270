"""Fixtures for the review tests: a SQLite store of their own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from proctor.store import Store


def pytest_configure(config: pytest.Config) -> None:
    # registered here too, so the mark is known wherever pytest's configuration stands
    config.addinivalue_line(
        "markers", "label_studio: needs a real Label Studio server (started on 127.0.0.1)"
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path / 'proctor.db'}") as opened:
        yield opened


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory: pytest.TempPathFactory):
    """A real Label Studio on 127.0.0.1, started once (see label_studio_server)."""
    from label_studio_server import start

    yield from start(tmp_path_factory.mktemp("label-studio"))
