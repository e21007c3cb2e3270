"""Fixtures of the report tests: a SQLite store with runs made by the real engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from proctor.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path / 'proctor.db'}") as opened:
        yield opened
