"""Running a program without isolation: a plain subprocess under the same limits.

Only for code the caller trusts (`Sandbox(allow_unisolated=True)`). The
program runs as Proctor's own user with Proctor's view of the machine, in a
throwaway working directory and a scrubbed environment; on a timeout or too
much output Proctor kills its process group, and it kills what is left of the
group after the program ends. A program that starts a new session escapes that.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from proctor.sandbox._limits import Limits
from proctor.sandbox._pipes import Descriptors, Output, read_available
from proctor.sandbox._result import Finished, Stop

ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


@functools.cache
def inside_source() -> str:
    return Path(__file__).with_name("_inside.py").read_text()


class _Reader(asyncio.SubprocessProtocol):
    def __init__(self, output: Output):
        self.output = output
        self.exited: asyncio.Future[None] = output.overflowed.get_loop().create_future()

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        self.output.received(fd, data)

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        if fd in (1, 2):
            self.output.lost(fd)

    def process_exited(self) -> None:
        if not self.exited.done():
            self.exited.set_result(None)


async def run_unisolated(source: bytes, limits: Limits) -> Finished:
    loop = asyncio.get_running_loop()
    start = time.perf_counter()
    workdir = tempfile.mkdtemp(prefix="proctor-run-")
    try:
        program = os.path.join(workdir, "main.py")
        Path(program).write_bytes(source)
        with Descriptors() as fds:
            report_r, report_w = fds.pipe()
            numbers = (math.ceil(limits.cpu_seconds), limits.memory_mb, limits.processes)
            argv = [os.path.realpath(sys.executable), "-I", "-S", "-B", "-c", inside_source()]
            argv += ["once", str(report_w), program, *map(str, numbers), str(limits.file_size_mb)]
            output = Output(loop, limits)
            transport, reader = await loop.subprocess_exec(
                lambda: _Reader(output),
                *argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(report_w,),
                cwd=workdir,
                env={**ENV, "HOME": workdir, "TMPDIR": workdir},
                start_new_session=True,
            )
            fds.close(report_w)
            stopped = await _wait(transport, reader, output, limits)
            report = read_available(report_r)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return Finished(
        returncode=None if stopped else transport.get_returncode(),
        stdout=bytes(output.kept[1]),
        stderr=bytes(output.kept[2]),
        dropped=(output.dropped[1], output.dropped[2]),
        stopped=stopped,
        report=report,
        duration=time.perf_counter() - start,
    )


async def _wait(
    transport: asyncio.SubprocessTransport, reader: _Reader, output: Output, limits: Limits
) -> Stop | None:
    pid = transport.get_pid()
    stopped: Stop | None = None
    try:
        try:
            async with asyncio.timeout(limits.wall_seconds):
                await asyncio.wait(
                    [reader.exited, output.overflowed], return_when=asyncio.FIRST_COMPLETED
                )
        except TimeoutError:
            stopped = "wall"
        if stopped is None and not reader.exited.done():
            stopped = "output"
        _kill_group(pid)  # the program, or what it left running
        await reader.exited
        await output.drained(2.0)
    finally:
        if not reader.exited.done():
            _kill_group(pid)
        transport.close()
    return stopped


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
