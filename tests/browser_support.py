"""Support for the browser tests: Playwright driving Debian's Chromium, headless.

Playwright's own browser download does not work offline, so the tests launch
the system's `chromium`. A test run that must cover the browser tests
(PROCTOR_REQUIRE_BROWSER=1, as in CI) fails loudly when it is missing instead
of skipping.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def require_browser() -> str:
    """The Chromium executable, or skip (fail when the run must cover the browser)."""
    import importlib.util

    import pytest

    chromium = shutil.which("chromium")
    if chromium and importlib.util.find_spec("playwright"):
        return chromium
    if os.environ.get("PROCTOR_REQUIRE_BROWSER"):
        pytest.fail("Chromium (apt-get install chromium) and playwright must be installed")
    pytest.skip("no Chromium or playwright here", allow_module_level=True)
    raise AssertionError("unreachable")


@contextmanager
def browser() -> Iterator[Any]:
    """A headless Chromium browser (Playwright sync API)."""
    from playwright.sync_api import sync_playwright

    chromium = require_browser()
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium, args=FLAGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()
