"""Which isolation this machine offers: found by trying it once."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
from typing import Literal

from proctor.errors import ProctorError
from proctor.sandbox import _bwrap
from proctor.sandbox._limits import Limits
from proctor.sandbox._result import ExecResult
from proctor.sandbox._worker import Worker, WorkerFailed

Isolation = Literal["bwrap", "none"]

# Passes only where the program really runs as 65534 without capabilities, in a
# PID namespace of its own, with nothing but the loopback interface.
_PROBE = """
import os
assert os.getuid() == 65534 and os.getgid() == 65534, "still the caller's user"
assert os.getpid() == 2, "not in a PID namespace of its own"
with open("/proc/self/status") as f:
    assert all(int(l.split()[1], 16) == 0 for l in f if l.startswith("Cap")), "capabilities"
with open("/proc/net/dev") as f:
    interfaces = [line.split(":")[0].strip() for line in f.readlines()[2:]]
assert interfaces == ["lo"], f"network interfaces {interfaces}"
"""


class IsolationError(ProctorError):
    """No isolation is available, and the caller did not allow running code without it."""


@functools.cache
def detect_isolation() -> Isolation:
    """`"bwrap"` when bubblewrap can run a program here in user, PID, network and
    mount namespaces of its own, as an unprivileged user without capabilities —
    found by running one, once per process; `"none"` otherwise.
    """
    if _bwrap.find_bwrap() is None:
        return "none"
    # A thread of its own: the caller may be inside a running event loop.
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="proctor-probe") as pool:
        try:
            result = pool.submit(asyncio.run, _probe()).result()
        except (WorkerFailed, OSError):
            return "none"
    return "bwrap" if result.status == "passed" else "none"


async def _probe() -> ExecResult:
    limits = Limits(wall_seconds=30)
    worker = await Worker.start()
    try:
        finished = await worker.run(_PROBE.encode(), limits)
    finally:
        worker.kill()
    return finished.result(limits)
