"""`Sandbox`: runs untrusted Python programs, isolated, a few at a time."""

from __future__ import annotations

import asyncio
import os
import weakref
from types import TracebackType

from proctor.errors import ConfigError
from proctor.sandbox._isolation import Isolation, IsolationError, detect_isolation
from proctor.sandbox._limits import Limits
from proctor.sandbox._result import ExecResult, Finished
from proctor.sandbox._unisolated import run_unisolated
from proctor.sandbox._worker import Worker, WorkerFailed


class Sandbox:
    """Runs model-written Python programs where they can harm nothing.

    >>> async def main():                                       # doctest: +SKIP
    ...     async with Sandbox(limits=Limits(cpu_seconds=3)) as sandbox:
    ...         result = await sandbox.run("assert 1 + 1 == 3, 'arithmetic'")
    ...     return result.status, result.detail
    ('failed', 'AssertionError: arithmetic')

    At most `workers` programs run at once (default: the cores this process
    may use), each in a pre-started bubblewrap worker that gives every run
    fresh namespaces and file systems (see `_bwrap.py` for what a program can
    see, `_inside.py` for how a run is set up). Where no isolation is
    available the sandbox refuses to exist, unless `allow_unisolated=True`:
    then programs run as plain subprocesses under the same limits, with
    Proctor's own user and view of the machine — only fit for code you trust.
    `isolation` says which is active: `"bwrap"` or `"none"`.

    Workers are not tied to an event loop; `aclose()` (or leaving `async with`)
    stops them, and so does garbage collection or the end of the process.
    """

    def __init__(
        self,
        *,
        limits: Limits = Limits(),  # noqa: B008 - a frozen value object
        allow_unisolated: bool = False,
        workers: int | None = None,
    ):
        isolation = detect_isolation()
        if isolation == "none" and not allow_unisolated:
            raise IsolationError(
                "no sandbox isolation is available here, so untrusted code will not run: "
                "install bubblewrap (and allow user namespaces), or pass "
                "allow_unisolated=True for code you trust"
            )
        if workers is not None and workers < 1:
            raise ConfigError(f"sandbox workers must be at least 1, got {workers}")
        self.isolation: Isolation = isolation
        self.limits = limits
        self.workers = workers if workers is not None else len(os.sched_getaffinity(0))
        self._closed = False
        self._idle: list[Worker] = []
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._finalizer = weakref.finalize(self, _kill_all, self._idle)

    async def run(self, program: str, *, limits: Limits | None = None) -> ExecResult:
        """Run `program` as a Python script (`python main.py`) under `limits`
        (default: the sandbox's), waiting for a free worker first."""
        if self._closed:
            raise RuntimeError("this Sandbox is closed")
        limits = limits or self.limits
        source = program.encode("utf-8", "surrogatepass")
        async with self._slot():
            if self.isolation == "none":
                return (await run_unisolated(source, limits)).result(limits)
            try:
                finished = await self._run_in_worker(source, limits)
            except WorkerFailed as exc:
                return ExecResult("error", f"sandbox failed to start: {exc}", "", "", 0.0, None)
        return finished.result(limits)

    async def _run_in_worker(self, source: bytes, limits: Limits) -> Finished:
        try:
            return await self._once_in_worker(source, limits)
        except WorkerFailed:
            # An idle worker can die (killed from outside, say) before it takes the program.
            return await self._once_in_worker(source, limits)

    async def _once_in_worker(self, source: bytes, limits: Limits) -> Finished:
        worker = self._idle.pop() if self._idle else await Worker.start()
        try:
            return await worker.run(source, limits)
        finally:
            if worker.alive and not self._closed:
                self._idle.append(worker)
            else:
                worker.kill()

    def _slot(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._slots is None or self._loop is not loop:
            self._slots, self._loop = asyncio.Semaphore(self.workers), loop
        return self._slots

    async def aclose(self) -> None:
        """Stop the idle workers and refuse further runs; runs in progress finish
        (each within its wall-clock limit) and then stop their workers."""
        self._closed = True
        _kill_all(self._idle)

    async def __aenter__(self) -> Sandbox:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def _kill_all(workers: list[Worker]) -> None:
    while workers:
        workers.pop().kill()
