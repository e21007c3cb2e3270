"""Sandbox tests: a real bubblewrap sandbox, and a check that the host is fine afterwards."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sandbox_host import assert_host_healthy, remember_other_children

from proctor.sandbox import Limits, Sandbox, detect_isolation

# Small limits keep the slow cases (timeouts, floods) quick.
FAST = Limits(cpu_seconds=2, wall_seconds=5)


@pytest.fixture(autouse=True)
def _other_children() -> None:
    """Processes running before a test (another test's server) are not its sandboxes."""
    remember_other_children()


@pytest.fixture(scope="session")
def isolation() -> str:
    found = detect_isolation()
    if found == "none":
        pytest.fail("bubblewrap isolation is needed to run untrusted code in tests")
    return found


@pytest.fixture
async def sandbox(isolation: str) -> AsyncIterator[Sandbox]:
    async with Sandbox(limits=FAST) as box:
        yield box
        after = await box.run("print('still fine')")
        assert (after.status, after.stdout) == ("passed", "still fine\n"), after
    assert_host_healthy()
